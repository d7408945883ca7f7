//! Command-line interface: commands, options and exit statuses.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

const EXIT_STATUSES: &str = "\
Exit status:
  0  success (validate: specs valid, warnings allowed)
  1  the check failed (validate: specs invalid)
  2  usage error, or a file or directory could not be read";

/// Service level objectives as code: validate, measure, alert, gate and report.
#[derive(Debug, Parser)]
#[command(name = "nines", version, about, after_help = EXIT_STATUSES, propagate_version = true)]
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// How results are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Human-readable text.
    Text,
    /// JSON, for scripts (a stable schema, see docs/).
    Json,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check SLO specs (nines, OpenSLO, Sloth, Pyrra) and explain every problem.
    #[command(after_help = "\
Examples:
  nines validate examples/
  nines validate slos/ pyrra/ --output json
  nines validate specs/ --today 2026-06-01    # judge review dates as of a given day
  nines validate examples/sloth examples/pyrra --context examples/shop   # policy defined there

Each problem is printed as FILE:LINE:COLUMN: SEVERITY[RULE]: MESSAGE, with a hint.
Rules are listed with `nines validate --list-rules` and in docs/rules.md.

Exit status:
  0  valid (warnings allowed)
  1  invalid: at least one error
  2  usage error, or a path could not be read")]
    Validate(ValidateArgs),
    /// Write specs in another format (nines <-> OpenSLO), reporting what cannot be expressed.
    #[command(after_help = "\
Examples:
  nines convert --to openslo examples/ > openslo.yaml
  nines convert --to nines examples/sloth --context examples/shop --out-dir converted/
  nines convert --to nines examples/openslo/checkout.yaml --context examples/openslo

What the target format cannot express is listed on stderr (and carried in the
`nines.dev/extensions` annotation for OpenSLO), never dropped silently.

Exit status:
  0  converted
  1  the input has errors (run `nines validate` to see them); nothing is written
  2  usage error, or a path could not be read or written")]
    Convert(ConvertArgs),
    /// The status of every SLO from exported counts: SLI, budget, burn, alerts, policy, SLA.
    #[command(after_help = "\
Examples:
  nines report --spec examples/shop --counts examples/counts/shop.csv --at 2026-11-29
  nines report --spec slos/ --counts counts.ndjson --at 2026-11-01T00:00:00Z --output json
  nines report --spec slos/ --counts counts.csv --service checkout --output markdown
  nines report --spec slos/ --data nines-data          # a store written by import/serve
  nines report --server http://127.0.0.1:9099          # ask a running server (its specs)
  nines report --spec slos/ --prometheus http://prometheus:9090
  nines report --spec slos/ --prometheus https://mimir/prometheus --prometheus-tenant team-a
  nines report --spec slos/ --counts counts.csv --period 2026-11
  nines report --spec slos/ --data nines-data --period last-month --output markdown
  nines report --spec slos/ --data nines-data --period 2026-Q4 --zone Europe/Paris --output csv
  nines report --server http://127.0.0.1:9099 --from 2026-11-01 --to 2026-11-15

With --period (a month 2026-11, a quarter 2026-Q4, a year 2026, last-month, last-quarter,
last-year, this-month...) or --from/--to, a period report: per objective the attainment
over the period against its target, the budget spent, the previous periods, the biggest
budget consumers, how long the policy froze releases, the alerts raised; per SLA each
contractual period with the credit owed (docs/reports.md).

Counts come from files (CSV or NDJSON rows of `timestamp, sli, good (or bad), valid`,
docs/counts.md), a store directory, or a server. The JSON form is the stable schema of
docs/report-json.md.

Exit status:
  0  printed
  2  usage error, invalid specs, or unreadable counts (with file and line)")]
    Report(ReportArgs),
    /// Release gate: exit 0 when the error budget policy allows a change, 1 when frozen.
    #[command(after_help = "\
Examples:
  nines gate --spec slos/ --counts counts.csv --service checkout
  nines gate --spec slos/ --counts counts.csv --service checkout --change-type security
  nines gate --server http://nines.internal:9099 --service checkout
  nines gate --spec slos/ --counts counts.csv --service checkout --output json   # details

A change is frozen when any SLO of the service is in a policy state with a `freeze`
action that does not exempt the change type. The reason and the exempt types are printed.
It is also frozen while an SLO of the service with a policy has no current data (none,
or none for longer than its `noData.after`, 1h by default): a broken pipeline is not a
healthy service. `noData: {gate: allow}` in the spec or --allow-no-data let such SLOs through.

Exit status:
  0  the change may go
  1  frozen
  2  usage error, unknown service, invalid specs, unreadable counts or an unreachable
     server")]
    Gate(GateArgs),
    /// Suggest an achievable target from history, with the evidence.
    #[command(after_help = "\
Examples:
  nines suggest --spec slos/ --counts history.csv
  nines suggest --spec slos/ --counts history.csv --slo checkout/availability --share 95%
  nines suggest --server http://127.0.0.1:9099 --slo checkout/availability

The suggestion is the strongest readable target (99.9%, 99.95%, ...) that was met in
--share of the past windows (90% by default), with the distribution of attainment and
its distance from the aspirational target.

Exit status:
  0  printed
  2  usage error, invalid specs or unreadable counts")]
    Suggest(SuggestArgs),
    /// Alerts of a running server: pending and firing now, or every transition.
    #[command(after_help = "\
Examples:
  nines alerts --server http://127.0.0.1:9099
  nines alerts --server http://127.0.0.1:9099 --state firing --severity page
  nines alerts --server http://127.0.0.1:9099 --service checkout --output json
  nines alerts --server http://127.0.0.1:9099 --history --from 2026-11-01 --to now

`nines serve` evaluates every SLO's burn-rate rows, no-data alerts, policy states and
reviews every --eval-interval (30s) and keeps the state in its store (docs/alerting.md).
Without --history: the alerts pending (holding for less than their `for:`) and firing.
With --history: every transition (pending, firing, resolved, cancelled, policy changes,
overdue reviews) between --from (7 days ago by default) and --to (now), oldest first.

Exit status:
  0  printed (also when nothing is firing)
  2  usage error, an unknown filter value, or an unreachable server")]
    Alerts(AlertsArgs),
    /// Run the server: ingest events, counts and remote write; serve statuses.
    #[command(after_help = "\
Examples:
  NINES_WRITE_TOKEN=$(cat /run/secrets/nines) nines serve --specs slos/ --data /var/lib/nines
  nines serve --specs slos/ --write-token-file token.txt --listen 0.0.0.0:9099
  nines serve --specs slos/ --insecure-no-auth          # a laptop only: open writes
  nines serve --specs slos/ --prometheus http://prometheus:9090 --insecure-no-auth

Endpoints (docs/api.md): POST /api/v1/events, /api/v1/counts, /api/v1/write (Prometheus
remote write); GET /api/v1/slos, /api/v1/slos/{service}/{slo}[/series], /api/v1/gate,
/api/v1/suggest, /api/v1/status; POST /-/reload (also on SIGHUP); GET /-/healthy, /-/ready.
Writes need `Authorization: Bearer <token>`; with no token and no --insecure-no-auth the
server refuses to start. Every acknowledged write is fsynced first. Logs go to stderr
(RUST_LOG=debug for every request).

Exit status:
  0  stopped by SIGINT or SIGTERM after draining requests
  2  usage error, invalid specs, no token, an unusable store or address")]
    Serve(ServeArgs),
    /// Load history into a store: raw events (NDJSON, CSV), access logs or counts.
    #[command(after_help = "\
Examples:
  nines import --spec slos/ --data nines-data --format combined-log /var/log/nginx/access.log*
  nines import --spec slos/ --data nines-data --format ndjson events-*.ndjson
  nines import --spec slos/ --format counts export.csv
  nines import --spec slos/ --format combined-log --request-time-unit us apache.log

Every line is checked first: one bad line stops the import with FILE:LINE and nothing is
written. Events feed every SLI whose filters match (docs/api.md#events); combined-log
lines become events with route, method, status, bytes and duration_seconds. Import while
no server runs on the store (it holds the store's lock).

Exit status:
  0  imported
  2  usage error, invalid specs, a bad line, or an unusable store")]
    Import(ImportArgs),
    /// Try nines: a server on the example shop with 35 days of traffic and live events.
    #[command(after_help = "\
Examples:
  nines demo                                   # then open the printed URL
  nines demo --listen 127.0.0.1:0 --data /tmp/nines-demo
  nines demo --no-serve                        # seed, print the table, exit

The demo writes the example specs into DIR/specs (edit them and `kill -HUP` the demo),
seeds 35 days of traffic with a short outage, a slow burn and a latency regression,
keeps sending live events with a generated write token, and prints the status table.

Exit status:
  0  stopped by SIGINT or SIGTERM
  2  the address is taken or the store cannot be used")]
    Demo(DemoArgs),
    /// Generate configuration for other tools from the specs (Prometheus rules).
    #[command(subcommand)]
    Generate(GenerateCommand),
}

/// What `nines generate` writes.
#[derive(Debug, Subcommand)]
pub enum GenerateCommand {
    /// Prometheus recording and alerting rules: burn windows, the SLO window, alerts.
    #[command(after_help = "\
Examples:
  nines generate prometheus examples/ > rules.yaml          # one file, every service
  nines generate prometheus --format operator --label release=kube examples/shop --out-dir k8s/
  nines generate prometheus --format mimir examples/shop --out-dir rules/   # mimirtool rules load
  nines generate prometheus --naming sloth examples/sloth/catalog-api.yaml  # Sloth dashboards

Per objective: the event-weighted error ratio over every burn window (recorded only with
traffic: no NaN, no page for an idle service), 5-minute counts and the SLO-window ratio
chained from them (no 30-day scan of raw samples), objective, budget and budget remaining,
one alert per burn-rate row (page and ticket) labelled with its window pair, and a no-data
alert (`absent`) for when the SLI's metrics have no series at all. Raw ratio SLIs (Sloth
`raw`, Pyrra `bool_gauge`), native histograms and composites get rules too. On stdout all
services form one loadable file; --out-dir writes one file per service. Objectives that
cannot get rules (events-only SLIs, threshold SLIs, expressions) are listed on stderr with
their reason (and under `skipped` with --output json).

Exit status:
  0  rules generated (some objectives may be skipped: see stderr)
  1  the specs have errors (see `nines validate`), or no objective could get rules;
     nothing is written
  2  usage error, or a path could not be read or written")]
    Prometheus(GeneratePrometheusArgs),
}

/// Rule file layouts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    /// A Prometheus rule file.
    Rules,
    /// A prometheus-operator PrometheusRule.
    Operator,
    /// A Mimir/Cortex/Thanos ruler namespace file.
    Mimir,
    /// vmalert groups.
    Vmalert,
}

/// Metric naming schemes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RulesNaming {
    /// nines:sli_error:ratio_rate5m, nines_service/nines_slo/nines_objective labels.
    Nines,
    /// Sloth's slo:sli_error:ratio_rate5m, sloth_id/sloth_service/sloth_slo labels.
    Sloth,
}

/// Options of `nines generate prometheus`.
#[derive(Debug, clap::Args)]
pub struct GeneratePrometheusArgs {
    /// Spec files or directories.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// File layout.
    #[arg(long, value_enum, default_value = "rules")]
    pub format: RulesFormat,
    /// Metric and label names.
    #[arg(long, value_enum, default_value = "nines")]
    pub naming: RulesNaming,
    /// Write one file per service into this directory instead of stdout.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// A label added to every rule (and to the PrometheusRule's metadata): NAME=VALUE.
    #[arg(long = "label", value_name = "NAME=VALUE")]
    pub labels: Vec<String>,
    /// Interval of the SLO-window group and length of its recorded counts.
    #[arg(long, default_value = "5m", value_name = "DURATION")]
    pub slo_window_interval: String,
    /// Output format of the summary on stderr.
    #[arg(long, short, value_enum, default_value = "text")]
    pub output: OutputFormat,
}

/// Where specs and counts come from, shared by the commands that measure.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["counts", "data", "server", "prometheus"])))]
pub struct DataArgs {
    /// Spec files or directories (not with --server: a server reports on the specs it
    /// was started with).
    #[arg(
        long = "spec",
        alias = "specs",
        value_name = "PATH",
        required_unless_present = "server",
        conflicts_with = "server"
    )]
    pub specs: Vec<PathBuf>,
    /// Counts files (CSV or NDJSON).
    #[arg(long = "counts", value_name = "FILE")]
    pub counts: Vec<PathBuf>,
    /// A store directory written by `nines serve` or `nines import` (not while a server
    /// runs on it: use --server then).
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// A running `nines serve` to ask, e.g. http://127.0.0.1:9099.
    #[arg(long, value_name = "URL")]
    pub server: Option<String>,
    #[command(flatten)]
    pub backend: PrometheusArgs,
    /// Bearer token for a server whose reads need one.
    #[arg(
        long,
        env = "NINES_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub token: Option<String>,
    /// Evaluate at this instant (RFC 3339, a date, or Unix seconds); now by default.
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    /// Grid of the counts or the store: rows are placed on intervals of this length.
    #[arg(long, default_value = "1m", value_name = "DURATION")]
    pub resolution: String,
}

/// A Prometheus-compatible backend (Prometheus, VictoriaMetrics, Thanos, Mimir, Cortex).
#[derive(Debug, Clone, clap::Args)]
pub struct PrometheusArgs {
    /// Read statuses from this backend's HTTP API, e.g. http://prometheus:9090 or
    /// https://mimir.example.com/prometheus.
    #[arg(long, value_name = "URL")]
    pub prometheus: Option<String>,
    /// Tenant sent as X-Scope-OrgID (Mimir, Cortex, multi-tenant Thanos).
    #[arg(long, value_name = "TENANT", requires = "prometheus")]
    pub prometheus_tenant: Option<String>,
    /// Bearer token for the backend.
    #[arg(
        long,
        env = "NINES_PROMETHEUS_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN",
        requires = "prometheus"
    )]
    pub prometheus_token: Option<String>,
    /// User for basic authentication (with NINES_PROMETHEUS_PASSWORD).
    #[arg(long, value_name = "USER", requires = "prometheus")]
    pub prometheus_user: Option<String>,
    /// Password for basic authentication.
    #[arg(
        long,
        env = "NINES_PROMETHEUS_PASSWORD",
        hide_env_values = true,
        value_name = "PASSWORD",
        requires = "prometheus_user"
    )]
    pub prometheus_password: Option<String>,
    /// PEM file of CA certificates to trust for https.
    #[arg(long, value_name = "FILE", requires = "prometheus")]
    pub prometheus_ca: Option<PathBuf>,
    /// PEM file with a client certificate and key (mutual TLS).
    #[arg(long, value_name = "FILE", requires = "prometheus")]
    pub prometheus_cert: Option<PathBuf>,
    /// Timeout of each query.
    #[arg(long, default_value = "30s", value_name = "DURATION")]
    pub prometheus_timeout: String,
}

/// Where the store lives and how it keeps data, shared by `serve`, `demo` and `import`.
#[derive(Debug, clap::Args)]
pub struct StoreArgs {
    /// Interval length at full resolution.
    #[arg(long, default_value = "1m", value_name = "DURATION")]
    pub resolution: String,
    /// How long full-resolution data is kept before being rolled up hourly; by default
    /// the longest SLO or SLA window plus a month, at least 66 days.
    #[arg(long, value_name = "DURATION")]
    pub retention: Option<String>,
    /// How long hourly roll-ups are kept.
    #[arg(long, default_value = "400d", value_name = "DURATION")]
    pub rollup_retention: String,
    /// How late an event may arrive (older ones are refused with their line).
    #[arg(long, default_value = "1h", value_name = "DURATION")]
    pub lateness: String,
}

/// Options of `nines serve` (and `nines demo`).
#[derive(Debug, clap::Args)]
pub struct ServerArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:9099", value_name = "ADDR")]
    pub listen: String,
    /// File holding the write token (else NINES_WRITE_TOKEN).
    #[arg(long, value_name = "FILE")]
    pub write_token_file: Option<PathBuf>,
    /// File holding a read token; reads are open without one (else NINES_READ_TOKEN).
    #[arg(long, value_name = "FILE")]
    pub read_token_file: Option<PathBuf>,
    /// Accept writes without a token. Only for a laptop: anyone who can reach the port
    /// can then write counts.
    #[arg(long)]
    pub insecure_no_auth: bool,
    /// Largest request body, in bytes (suffixes k, M, G: 16M).
    #[arg(long, default_value = "16M", value_name = "SIZE")]
    pub max_body: String,
    /// With --insecure-no-auth, listen on an address other hosts can reach (refused
    /// otherwise: anyone on the network could then write counts).
    #[arg(long, requires = "insecure_no_auth")]
    pub insecure_allow_remote: bool,
    /// Most connections served at once; 32 more are kept for health checks
    /// (/-/healthy, /-/ready). Lowered to fit the open-file limit.
    #[arg(long, default_value_t = nines_server::limits::DEFAULT_MAX_CONNECTIONS, value_name = "N")]
    pub max_connections: usize,
    /// Time a client has to send the request headers; also how long an idle
    /// keep-alive connection is kept.
    #[arg(long, default_value = "15s", value_name = "DURATION")]
    pub header_timeout: String,
    /// Time a client has to send a request body.
    #[arg(long, default_value = "60s", value_name = "DURATION")]
    pub body_timeout: String,
    /// Time shutdown (SIGTERM, SIGINT) waits for requests in flight before closing
    /// the connections still open.
    #[arg(long, default_value = "10s", value_name = "DURATION")]
    pub shutdown_timeout: String,
    /// How often the store is compacted.
    #[arg(long, default_value = "1h", value_name = "DURATION")]
    pub compact_every: String,
    /// How often alerts are evaluated (burn-rate rows, no-data alerts, policy states,
    /// reviews); their state is kept in the store (`--data`, also with --prometheus).
    #[arg(long, default_value = "30s", value_name = "DURATION")]
    pub eval_interval: String,
    /// The server's public URL, e.g. https://nines.example.com: notifications link to
    /// the SLO there.
    #[arg(long, value_name = "URL")]
    pub external_url: Option<String>,
    /// An Alertmanager that receives every alert event (repeatable: every member of an
    /// HA pair receives every alert), beside the targets the specs name.
    #[arg(long = "alertmanager", value_name = "URL")]
    pub alertmanagers: Vec<String>,
    /// How often firing alerts are re-sent to Alertmanagers (Prometheus' resend delay).
    #[arg(long, default_value = "1m", value_name = "DURATION")]
    pub resend_interval: String,
    /// How long a notification is retried before it is dropped (with an error log and
    /// a counter in /api/v1/status).
    #[arg(long, default_value = "1h", value_name = "DURATION")]
    pub notify_retry_for: String,
    /// Log format on stderr.
    #[arg(long, value_enum, default_value = "text")]
    pub log_format: LogFormat,
    #[command(flatten)]
    pub store: StoreArgs,
}

/// Log formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// One readable line per event.
    Text,
    /// One JSON object per line.
    Json,
}

/// Options of `nines serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Spec files or directories, re-read on SIGHUP and POST /-/reload.
    #[arg(long = "specs", alias = "spec", required = true, value_name = "PATH")]
    pub specs: Vec<PathBuf>,
    /// Store directory (created when missing).
    #[arg(long, default_value = "nines-data", value_name = "DIR")]
    pub data: PathBuf,
    /// Serve statuses from a Prometheus-compatible backend instead of the store
    /// (ingestion is then off).
    #[command(flatten)]
    pub backend: PrometheusArgs,
    #[command(flatten)]
    pub server: ServerArgs,
}

/// Options of `nines demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Store directory; a fresh temporary one by default. An existing demo store is
    /// reused without seeding it again.
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Seed the store, print the status table and exit instead of serving.
    #[arg(long)]
    pub no_serve: bool,
    /// Live events per second sent to the server while it runs.
    #[arg(long, default_value_t = 20)]
    pub rate: u32,
    #[command(flatten)]
    pub server: ServerArgs,
}

/// Formats `nines import` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ImportFormat {
    /// Raw events, one JSON object per line.
    Ndjson,
    /// Raw events as CSV; the header names the attributes.
    Csv,
    /// NCSA combined access logs (nginx, Apache), optionally with the request time.
    CombinedLog,
    /// Counts files (CSV or NDJSON of timestamp, sli, good or bad, valid).
    Counts,
}

/// Units of a request time logged after the user agent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TimeUnit {
    /// Seconds (nginx `$request_time`, Apache `%T`).
    S,
    /// Milliseconds.
    Ms,
    /// Microseconds (Apache `%D`).
    Us,
}

/// Options of `nines import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// Spec files or directories: their SLIs decide what the events count for.
    #[arg(long = "spec", alias = "specs", required = true, value_name = "PATH")]
    pub specs: Vec<PathBuf>,
    /// Store directory (created when missing; not while a server runs on it).
    #[arg(long, default_value = "nines-data", value_name = "DIR")]
    pub data: PathBuf,
    /// What the files hold.
    #[arg(long, value_enum)]
    pub format: ImportFormat,
    /// Unit of the request time at the end of combined-log lines.
    #[arg(long, value_enum, default_value = "s")]
    pub request_time_unit: TimeUnit,
    /// Files to read.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Output format of the summary.
    #[arg(long, short, value_enum, default_value = "text")]
    pub output: OutputFormat,
    /// Send the history to this running `nines serve` (POST /api/v1/backfill, in
    /// chunks that each count once however often they are retried) instead of writing
    /// the store directory, e.g. http://127.0.0.1:9099.
    #[arg(long, value_name = "URL")]
    pub server: Option<String>,
    /// With --server: file holding the server's write token (else NINES_WRITE_TOKEN).
    #[arg(long, value_name = "FILE", requires = "server")]
    pub write_token_file: Option<PathBuf>,
    #[command(flatten)]
    pub store: StoreArgs,
}

/// Output of `nines report`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// An aligned table.
    Table,
    /// JSON (docs/report-json.md; period reports docs/reports.md).
    Json,
    /// A markdown table.
    Markdown,
    /// CSV, one line per objective (period reports only).
    Csv,
}

/// Options of `nines report`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Only this service.
    #[arg(long)]
    pub service: Option<String>,
    /// Output format.
    #[arg(long, short, value_enum, default_value = "table")]
    pub output: ReportFormat,
    /// Report over a past period: 2026-11, 2026-Q4, 2026, last-month, last-quarter,
    /// last-year, this-month, this-quarter or this-year.
    #[arg(long, value_name = "PERIOD", conflicts_with_all = ["from", "to"])]
    pub period: Option<String>,
    /// Report over [FROM, TO) instead of a named period (RFC 3339 or a date).
    #[arg(long, value_name = "TIME", requires = "to")]
    pub from: Option<String>,
    /// End of the --from range (exclusive).
    #[arg(long, value_name = "TIME", requires = "from")]
    pub to: Option<String>,
    /// Time zone of the period's boundaries (IANA name); UTC by default.
    #[arg(long, value_name = "ZONE", default_value = "UTC")]
    pub zone: String,
}

/// Options of `nines alerts`.
#[derive(Debug, clap::Args)]
pub struct AlertsArgs {
    /// A running `nines serve`, e.g. http://127.0.0.1:9099.
    #[arg(long, value_name = "URL", required = true)]
    pub server: String,
    /// Bearer token for a server whose reads need one.
    #[arg(
        long,
        env = "NINES_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub token: Option<String>,
    /// Only this service.
    #[arg(long)]
    pub service: Option<String>,
    /// Only this severity (`page`, `ticket`...).
    #[arg(long, conflicts_with = "history")]
    pub severity: Option<String>,
    /// Only alerts in this state.
    #[arg(long, value_enum, conflicts_with = "history")]
    pub state: Option<AlertStateArg>,
    /// Every transition instead of the active alerts.
    #[arg(long)]
    pub history: bool,
    /// History from (RFC 3339, a date, Unix seconds or `now`); 7 days before --to by
    /// default.
    #[arg(long, value_name = "TIME", requires = "history")]
    pub from: Option<String>,
    /// History to (exclusive); now by default.
    #[arg(long, value_name = "TIME", requires = "history")]
    pub to: Option<String>,
    /// The most history entries to print (at most 1,000 a page are read; more pages are
    /// read until this many).
    #[arg(long, default_value_t = 1_000, requires = "history")]
    pub limit: usize,
    /// Output format.
    #[arg(long, short, value_enum, default_value = "table")]
    pub output: AlertsFormat,
}

/// Alert states `nines alerts --state` filters on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AlertStateArg {
    /// Holding for less than the row's `for:`.
    Pending,
    /// Fired.
    Firing,
}

/// Output of `nines alerts`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AlertsFormat {
    /// A table.
    Table,
    /// The server's JSON.
    Json,
}

/// Options of `nines gate`.
#[derive(Debug, clap::Args)]
pub struct GateArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// The service being deployed.
    #[arg(long, required = true)]
    pub service: String,
    /// The kind of change (`feature`, `security`, `p0`...): freezes may exempt it.
    #[arg(long, value_name = "TYPE")]
    pub change_type: Option<String>,
    /// Let SLOs without current data through (by default the gate refuses while an SLO
    /// has no data, unless its spec says `noData: {gate: allow}`).
    #[arg(long)]
    pub allow_no_data: bool,
    /// Output format.
    #[arg(long, short, value_enum, default_value = "text")]
    pub output: OutputFormat,
}

/// Options of `nines suggest`.
#[derive(Debug, clap::Args)]
pub struct SuggestArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Only this SLO (`service/slo`); every SLO by default.
    #[arg(long)]
    pub slo: Option<String>,
    /// Only this objective of the SLO.
    #[arg(long)]
    pub objective: Option<String>,
    /// Share of past windows the suggested target must have been met in.
    #[arg(long, default_value = "90%")]
    pub share: String,
    /// Output format.
    #[arg(long, short, value_enum, default_value = "text")]
    pub output: OutputFormat,
}

/// Options of `nines validate`.
#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Spec files or directories (searched recursively for *.yaml, *.yml, *.json).
    #[arg(required_unless_present = "list_rules")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, short, value_enum, default_value = "text")]
    pub output: OutputFormat,
    /// The day reviews are judged against (YYYY-MM-DD); today by default.
    #[arg(long, value_name = "DATE")]
    pub today: Option<jiff::civil::Date>,
    /// Treat warnings as errors (exit 1 when there is any).
    #[arg(long)]
    pub strict: bool,
    /// List every rule with its id, severity and summary, then exit.
    #[arg(long)]
    pub list_rules: bool,
    /// Spec files or directories that the checked files refer to (policies, shared SLIs,
    /// services): loaded to resolve references, not checked themselves. Repeatable.
    #[arg(long, value_name = "PATH")]
    pub context: Vec<PathBuf>,
}

/// Target formats of `nines convert`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TargetFormat {
    /// The native `nines/v1` format.
    Nines,
    /// OpenSLO v1.
    Openslo,
}

/// Options of `nines convert`.
#[derive(Debug, clap::Args)]
pub struct ConvertArgs {
    /// The format to write.
    #[arg(long, value_enum)]
    pub to: TargetFormat,
    /// Spec files or directories to convert.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Write one file per service into this directory instead of printing to stdout.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// Spec files or directories that the converted files refer to (policies, shared
    /// SLIs, services): loaded to resolve references, not converted. Repeatable.
    #[arg(long, value_name = "PATH")]
    pub context: Vec<PathBuf>,
    /// Output format of the conversion report on stderr.
    #[arg(long, short, value_enum, default_value = "text")]
    pub output: OutputFormat,
}

/// Exit statuses, documented in `--help`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// 0: success.
    Success,
    /// 1: the check failed.
    Failure,
    /// 2: usage or I/O error.
    Error,
}

impl From<Status> for ExitCode {
    fn from(status: Status) -> Self {
        match status {
            Status::Success => ExitCode::SUCCESS,
            Status::Failure => ExitCode::from(1),
            Status::Error => ExitCode::from(2),
        }
    }
}

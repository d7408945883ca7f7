//! End-to-end tests of the `nines` binary: real processes, real files, real exit codes.

mod harness;

use harness::{Nines, examples};

#[test]
fn validate_examples_is_clean() {
    let run = Nines::new()
        .args(["validate", "--today", "2026-11-29"])
        .arg(examples())
        .run();
    assert_eq!(run.status, 0, "{}", run.stdout);
    assert!(
        run.stdout.starts_with("valid: 0 errors, 0 warnings"),
        "{}",
        run.stdout
    );
}

#[test]
fn validate_reports_errors_and_warnings_separately_and_exits_1() {
    let temp = harness::TempDir::new();
    let spec = temp.write(
        "bad.yaml",
        "apiVersion: nines/v1\nname: shop\nslos:\n  - name: a\n    target: 100%\n    window: 28d\n    sli:\n      events: {good: \"status < 500\"}\n  - name: b\n    target: 99%\n    window: 28d\n    sli:\n      events: {good: \"status < 500\"}\n",
    );
    let run = Nines::new()
        .args(["validate", "--today", "2026-11-29"])
        .arg(&spec)
        .run();
    assert_eq!(run.status, 1);
    let errors_at = run.stdout.find("Errors (1):").expect("an errors section");
    let warnings_at = run.stdout.find("Warnings (").expect("a warnings section");
    assert!(errors_at < warnings_at);
    assert!(
        run.stdout
            .contains("bad.yaml:5:13: error[target-out-of-range]"),
        "{}",
        run.stdout
    );
    insta::assert_snapshot!(run.stdout.replace(&temp.path_text(), "<tmp>"));
}

#[test]
fn validate_json_has_a_stable_shape() {
    let temp = harness::TempDir::new();
    let spec = temp.write(
        "bad.yaml",
        "apiVersion: nines/v1\nname: shop\nslos:\n  - name: a\n    taget: 99%\n    window: 28d\n    sli:\n      events: {good: \"status < 500\"}\n",
    );
    let run = Nines::new()
        .args(["validate", "--today", "2026-11-29", "--output", "json"])
        .arg(&spec)
        .run();
    assert_eq!(run.status, 1);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["valid"], false);
    let errors = report["errors"].as_array().unwrap();
    let error = errors
        .iter()
        .find(|error| error["rule"] == "unknown-field")
        .expect("the typo is reported");
    assert_eq!(error["line"], 5);
    assert_eq!(error["column"], 5);
    assert_eq!(error["severity"], "error");
    assert_eq!(error["hint"], "did you mean `target`?");
    assert!(report["warnings"].is_array());
    assert_eq!(report["files"], 1);
}

#[test]
fn validate_strict_fails_on_warnings() {
    let temp = harness::TempDir::new();
    let spec = temp.write(
        "ok.yaml",
        "apiVersion: nines/v1\nname: shop\nslos:\n  - name: a\n    target: 99%\n    window: 28d\n    sli:\n      events: {good: \"status < 500\"}\n",
    );
    let relaxed = Nines::new()
        .args(["validate", "--today", "2026-11-29"])
        .arg(&spec)
        .run();
    assert_eq!(relaxed.status, 0, "warnings alone keep a spec valid");
    let strict = Nines::new()
        .args(["validate", "--strict", "--today", "2026-11-29"])
        .arg(&spec)
        .run();
    assert_eq!(strict.status, 1);
}

#[test]
fn missing_paths_and_bad_usage_exit_2() {
    let run = Nines::new()
        .args(["validate", "/definitely/not/here"])
        .run();
    assert_eq!(run.status, 2);
    assert!(
        run.stderr.contains("cannot read /definitely/not/here"),
        "{}",
        run.stderr
    );
    let run = Nines::new()
        .args(["validate", "--output", "yaml", "x"])
        .run();
    assert_eq!(run.status, 2);
    let temp = harness::TempDir::new();
    let run = Nines::new().arg("validate").arg(temp.path()).run();
    assert_eq!(run.status, 2, "an empty directory is a usage error");
    assert!(run.stderr.contains("no spec files"), "{}", run.stderr);
}

#[test]
fn list_rules_documents_every_rule() {
    let run = Nines::new()
        .args(["validate", "--list-rules", "--output", "json"])
        .run();
    assert_eq!(run.status, 0);
    let rules: Vec<serde_json::Value> = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(rules.len(), nines_spec::Rule::ALL.len());
    let documented = std::fs::read_to_string(harness::repo().join("docs/rules.md")).unwrap();
    for rule in rules {
        let id = rule["id"].as_str().unwrap();
        assert!(
            documented.contains(&format!("`{id}`")),
            "docs/rules.md does not document `{id}`"
        );
    }
}

#[test]
fn every_command_has_examples_in_its_help() {
    for command in ["validate", "convert", "report", "gate", "suggest"] {
        let run = Nines::new().args([command, "--help"]).run();
        assert_eq!(run.status, 0);
        assert!(
            run.stdout.contains("Examples:"),
            "{command} --help has no examples"
        );
        assert!(
            run.stdout.contains("Exit status:"),
            "{command} --help does not document exit statuses"
        );
    }
}

#[test]
fn convert_to_openslo_and_back_gives_the_same_native_text() {
    let temp = harness::TempDir::new();
    let native = Nines::new()
        .args(["convert", "--to", "nines"])
        .arg(examples().join("shop"))
        .run();
    assert_eq!(native.status, 0, "{}", native.stderr);
    let openslo = Nines::new()
        .args(["convert", "--to", "openslo"])
        .arg(examples().join("shop"))
        .run();
    assert_eq!(openslo.status, 0, "{}", openslo.stderr);
    assert!(
        openslo.stderr.contains("no OpenSLO kind"),
        "what OpenSLO cannot express is reported: {}",
        openslo.stderr
    );
    // issue 8.12: stdout is pure OpenSLO; SLAs and policies ride in an annotation.
    let versions: Vec<&str> = openslo
        .stdout
        .lines()
        .filter_map(|line| line.strip_prefix("apiVersion: "))
        .collect();
    assert!(
        !versions.is_empty() && versions.iter().all(|version| *version == "openslo/v1"),
        "{versions:?}"
    );
    let file = temp.write("openslo.yaml", &openslo.stdout);
    let back = Nines::new()
        .args(["convert", "--to", "nines"])
        .arg(&file)
        .run();
    assert_eq!(back.status, 0, "{}", back.stderr);
    assert_eq!(native.stdout, back.stdout);
    insta::assert_snapshot!("shop_as_openslo", openslo.stdout);
}

#[test]
fn convert_refuses_invalid_input_and_writes_nothing() {
    let temp = harness::TempDir::new();
    let spec = temp.write(
        "bad.yaml",
        "apiVersion: nines/v1\nname: shop\nslos:\n  - name: a\n    target: 100%\n",
    );
    let out = temp.path().join("out");
    let run = Nines::new()
        .args(["convert", "--to", "openslo", "--out-dir"])
        .arg(&out)
        .arg(&spec)
        .run();
    assert_eq!(run.status, 1);
    assert!(run.stdout.is_empty());
    assert!(!out.exists());
}

#[test]
fn convert_writes_one_file_per_service() {
    let temp = harness::TempDir::new();
    let out = temp.path().join("out");
    let run = Nines::new()
        .args(["convert", "--to", "openslo", "--out-dir"])
        .arg(&out)
        .arg(examples().join("shop"))
        .run();
    assert_eq!(run.status, 0, "{}", run.stderr);
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "checkout.yaml",
            "order-pipeline.yaml",
            // issue 8.12: what OpenSLO has no kind for, as nines/v1 beside the OpenSLO file.
            "payments.nines.yaml",
            "payments.yaml",
            "search.yaml",
            "shared.nines.yaml",
            "shared.yaml",
            "storefront.yaml"
        ]
    );
    let validate = Nines::new()
        .args(["validate", "--today", "2026-11-29"])
        .arg(&out)
        .run();
    assert_eq!(validate.status, 0, "{}", validate.stdout);
}

fn measure(command: &str) -> Nines {
    Nines::new().args([
        command,
        "--spec",
        "examples/",
        "--counts",
        "examples/counts/shop.csv",
        "--counts",
        "examples/counts/pipeline.ndjson",
        "--at",
        "2026-11-29T00:00:00Z",
    ])
}

#[test]
fn report_table_on_the_examples() {
    let run = measure("report").run();
    assert_eq!(run.status, 0, "{}", run.stderr);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn report_markdown_on_the_examples() {
    let run = measure("report")
        .args(["--output", "markdown", "--service", "checkout"])
        .run();
    assert_eq!(run.status, 0, "{}", run.stderr);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn report_json_follows_the_documented_schema() {
    let run = measure("report").args(["--output", "json"]).run();
    assert_eq!(run.status, 0, "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["schema"], "nines.report/v1");
    let rows = report["objectives"].as_array().unwrap();
    let documented = std::fs::read_to_string(harness::repo().join("docs/report-json.md")).unwrap();
    for row in rows {
        for key in row.as_object().unwrap().keys() {
            assert!(
                documented.contains(&format!("`{key}`")),
                "docs/report-json.md does not document `{key}`"
            );
        }
        for key in [
            "service",
            "slo",
            "objective",
            "target",
            "sli",
            "good",
            "valid",
            "budget_remaining",
            "burn_rates",
            "alerts",
            "policy_state",
            "sla",
            "data_quality",
        ] {
            assert!(row.get(key).is_some(), "row lacks `{key}`");
        }
    }
    let latency = rows
        .iter()
        .find(|row| row["slo"] == "latency" && row["service"] == "checkout")
        .unwrap();
    assert_eq!(
        latency["burn_rates"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect::<Vec<_>>(),
        ["5m", "30m", "1h", "2h", "6h", "1d", "3d", "window"]
    );
    assert!(
        latency["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|alert| alert["severity"] == "page")
    );
    let unmeasured = rows
        .iter()
        .find(|row| row["service"] == "inventory")
        .unwrap();
    assert!(unmeasured["sli"].is_null(), "no data is not 0% or 100%");
    assert_eq!(unmeasured["data_quality"]["no_data"], true);
    insta::assert_json_snapshot!(report);
}

#[test]
fn gate_freezes_a_service_out_of_budget_but_lets_exempt_changes_through() {
    let frozen = measure("gate").args(["--service", "checkout"]).run();
    assert_eq!(frozen.status, 1, "{}", frozen.stderr);
    assert!(
        frozen.stdout.contains("checkout/availability"),
        "{}",
        frozen.stdout
    );
    assert!(
        frozen.stdout.contains("still allowed: p0, security"),
        "{}",
        frozen.stdout
    );
    insta::assert_snapshot!("gate_frozen", frozen.stdout);
    let security = measure("gate")
        .args(["--service", "checkout", "--change-type", "security"])
        .run();
    assert_eq!(security.status, 0, "{}", security.stdout);
    let healthy = measure("gate")
        .args(["--service", "search", "--output", "json"])
        .run();
    assert_eq!(healthy.status, 0, "{}", healthy.stdout);
    let decision: serde_json::Value = serde_json::from_str(&healthy.stdout).unwrap();
    assert_eq!(decision["allowed"], true);
    let unknown = measure("gate").args(["--service", "nope"]).run();
    assert_eq!(unknown.status, 2);
    assert!(
        unknown.stderr.contains("no service `nope`"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn bad_counts_are_refused_with_their_line() {
    let temp = harness::TempDir::new();
    let counts = temp.write("counts.csv", "timestamp,sli,good,valid\n2026-11-01T00:00:00Z,checkout/availability,1,1\n2026-11-01T00:01:00Z,checkout/availability,3,2\n");
    let run = Nines::new()
        .args(["report", "--spec", "examples/shop", "--counts"])
        .arg(&counts)
        .run();
    assert_eq!(run.status, 2);
    assert!(
        run.stderr
            .contains("counts.csv:3: good (3) exceeds valid (2)"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty());
}

#[test]
fn suggest_gives_an_achievable_target_with_its_evidence() {
    let run = measure("suggest")
        .args(["--slo", "checkout/availability", "--output", "json"])
        .run();
    assert_eq!(run.status, 0, "{}", run.stderr);
    let suggestions: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let suggestion = &suggestions[0];
    assert_eq!(suggestion["windows"], 8);
    assert_eq!(suggestion["achievable"], 0.998);
    assert!(suggestion["distribution"].as_array().unwrap().len() == 5);
    let text = measure("suggest")
        .args(["--slo", "checkout/availability"])
        .run();
    insta::assert_snapshot!("suggest_text", text.stdout);
}

/// A service whose SLO is frozen by no policy state, with counts until `last` (or none):
/// the gate's answer then depends only on whether data is current (issue 8.5).
fn no_data_case(
    no_data: &str,
    counts: &[&str],
) -> (harness::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let temp = harness::TempDir::new();
    let spec = temp.write(
        "payments.yaml",
        &format!(
            "apiVersion: nines/v1
name: payments
owner: team-payments
review: {{last: 2026-11-01}}
policy: standard
{no_data}slos:
  - name: authorization
    sli: {{events: {{good: \"status < 500\"}}}}
    target: 99.9%
    window: 28d
---
apiVersion: nines/v1
kind: ErrorBudgetPolicy
name: standard
states:
  - name: exhausted
    when: remaining < 0%
    actions: [freeze]
  - name: healthy
"
        ),
    );
    let mut text = String::from("timestamp,sli,good,valid\n");
    for line in counts {
        text.push_str(line);
        text.push('\n');
    }
    let counts = temp.write("counts.csv", &text);
    (temp, spec, counts)
}

fn gate_on(spec: &std::path::Path, counts: &std::path::Path, extra: &[&str]) -> harness::Run {
    Nines::new()
        .args(["gate", "--spec"])
        .arg(spec)
        .arg("--counts")
        .arg(counts)
        .args(["--service", "payments", "--at", "2026-11-30T14:00:00Z"])
        .args(extra)
        .run()
}

// issue 8.5: a pipeline that stopped at noon lets no release through at 14:00.
#[test]
fn gate_refuses_a_service_whose_data_stopped_unless_told_otherwise() {
    let counts = [
        "2026-11-30T11:00:00Z,payments/authorization,1000,1000",
        "2026-11-30T12:00:00Z,payments/authorization,1000,1000",
    ];
    let (_temp, spec, file) = no_data_case("", &counts);
    let refused = gate_on(&spec, &file, &[]);
    assert_eq!(refused.status, 1, "{}{}", refused.stdout, refused.stderr);
    assert!(
        refused
            .stdout
            .contains("no data for payments/authorization since 2026-11-30T12:00:00Z"),
        "{}",
        refused.stdout
    );
    let allowed = gate_on(&spec, &file, &["--allow-no-data"]);
    assert_eq!(allowed.status, 0, "{}", allowed.stdout);
    assert!(
        allowed.stdout.contains("let through without data"),
        "{}",
        allowed.stdout
    );
    // The same counts with a staleness limit of 3h are current: go.
    let (_temp, spec, file) = no_data_case("noData: {after: 3h}\n", &counts);
    let current = gate_on(&spec, &file, &[]);
    assert_eq!(current.status, 0, "{}", current.stdout);
    // The spec may let releases through without data.
    let (_temp, spec, file) = no_data_case("noData: {gate: allow}\n", &counts);
    let allowed = gate_on(&spec, &file, &["--output", "json"]);
    assert_eq!(allowed.status, 0, "{}", allowed.stdout);
    let decision: serde_json::Value = serde_json::from_str(&allowed.stdout).unwrap();
    assert_eq!(decision["allowed"], true);
    assert_eq!(decision["without_data"].as_array().unwrap().len(), 1);
}

// issue 8.5: an SLO that never received data is not healthy.
#[test]
fn gate_refuses_a_service_that_never_received_data() {
    let (_temp, spec, file) = no_data_case("", &[]);
    let refused = gate_on(&spec, &file, &[]);
    assert_eq!(refused.status, 1, "{}{}", refused.stdout, refused.stderr);
    assert!(
        refused
            .stdout
            .contains("never received data for payments/authorization"),
        "{}",
        refused.stdout
    );
    let report = Nines::new()
        .args(["report", "--spec"])
        .arg(&spec)
        .arg("--counts")
        .arg(&file)
        .args(["--at", "2026-11-30T14:00:00Z", "--output", "json"])
        .run();
    let report: serde_json::Value = serde_json::from_str(&report.stdout).unwrap();
    let row = &report["objectives"][0];
    assert_eq!(row["data_quality"]["state"], "none");
    assert_eq!(row["policy_state"]["state"], serde_json::Value::Null);
    assert_eq!(row["policy_state"]["no_data"], true);
    assert_eq!(row["policy_state"]["frozen"], true);
}

// issue 8.14: factors and margins print as people write them, and no figure carries
// binary noise such as `5.6000000000000005` or `0.0040000000000000036`.
#[test]
fn report_json_has_no_floating_point_noise() {
    let run = measure("report").args(["--output", "json"]).run();
    assert_eq!(run.status, 0, "{}", run.stderr);
    for noise in ["00000000000", "99999999999"] {
        assert!(!run.stdout.contains(noise), "`{noise}` in {}", run.stdout);
    }
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let rows = report["objectives"].as_array().unwrap();
    let payments = rows
        .iter()
        .find(|row| row["service"] == "payments")
        .unwrap();
    // 99.9% − 99.5%.
    assert_eq!(payments["sla"]["margin"].to_string(), "0.004");
    let checkout = rows
        .iter()
        .find(|row| row["service"] == "checkout" && row["slo"] == "availability")
        .unwrap();
    // 28 days: 2% in 1h, 5% in 6h, 10% in 1d, 10% in 3d.
    let factors: Vec<String> = checkout["alert_rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["factor"].to_string())
        .collect();
    assert_eq!(factors, ["13.44", "5.6", "2.8", "0.933333333333"]);
}

#[test]
fn unknown_names_get_a_did_you_mean() {
    // issue 8.14: `--service checkot` and SLO and objective names given to report, gate
    // and suggest.
    let counts = ["--counts", "examples/counts/shop.csv", "--at", "2026-11-29"];
    let cases: [(Vec<&str>, &str); 5] = [
        (
            vec!["report", "--spec", "examples/shop", "--service", "checkot"],
            "no service `checkot` in the specs; did you mean `checkout`?",
        ),
        (
            vec!["gate", "--spec", "examples/shop", "--service", "paymnets"],
            "no service `paymnets` in the specs; did you mean `payments`?",
        ),
        (
            vec!["gate", "--spec", "examples/shop", "--service", "warehouse"],
            "no service `warehouse` in the specs; known: checkout, ",
        ),
        (
            vec![
                "suggest",
                "--spec",
                "examples/shop",
                "--slo",
                "checkout/availabilty",
            ],
            "no SLO `checkout/availabilty` in the specs; did you mean `checkout/availability`?",
        ),
        (
            vec![
                "suggest",
                "--spec",
                "examples/shop",
                "--slo",
                "checkout/availability",
                "--objective",
                "defualt",
            ],
            "did you mean `default`?",
        ),
    ];
    for (args, message) in cases {
        let run = Nines::new().args(&args).args(counts).run();
        assert_eq!(run.status, 2, "{args:?}: {run:?}");
        assert!(run.stderr.contains(message), "{args:?}: {}", run.stderr);
    }
}

#[test]
fn spec_with_server_is_refused_not_ignored() {
    // issue 8.13: a server reports on its own specs; --spec beside --server used to be
    // dropped without a word.
    let run = Nines::new()
        .args([
            "report",
            "--spec",
            "examples/shop",
            "--server",
            "http://127.0.0.1:9",
        ])
        .run();
    assert_eq!(run.status, 2, "{run:?}");
    assert!(
        run.stderr
            .contains("'--spec <PATH>' cannot be used with '--server <URL>'"),
        "{}",
        run.stderr
    );
}

/// Runs `nines ARGS` on a pseudo-terminal (util-linux `script`), with `env`.
fn on_a_terminal(args: &str, env: &[(&str, &str)]) -> String {
    assert!(
        std::path::Path::new("/usr/bin/script").exists(),
        "this test needs script(1) for a terminal: apt-get install util-linux"
    );
    let mut command = std::process::Command::new("/usr/bin/script");
    command
        .args([
            "-qec",
            &format!("{} {args}", env!("CARGO_BIN_EXE_nines")),
            "/dev/null",
        ])
        .current_dir(harness::repo())
        .env_remove("NO_COLOR")
        .env("TERM", "xterm");
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().expect("script runs");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn colour_only_on_a_terminal_and_never_with_no_color() {
    // issue 8.14
    let report = "report --spec examples/ --counts examples/counts/shop.csv --at 2026-11-29";
    let coloured = on_a_terminal(report, &[]);
    assert!(
        coloured.contains("\x1b[31mexhausted\x1b[0m"),
        "the exhausted state in red on a terminal: {coloured}"
    );
    assert!(coloured.contains("\x1b[32mhealthy\x1b[0m"), "{coloured}");
    let plain = on_a_terminal(report, &[("NO_COLOR", "1")]);
    assert!(
        plain.contains("exhausted") && !plain.contains('\x1b'),
        "{plain}"
    );
    let piped = std::process::Command::new(env!("CARGO_BIN_EXE_nines"))
        .args(report.split_whitespace())
        .current_dir(harness::repo())
        .env_remove("NO_COLOR")
        .env("TERM", "xterm")
        .output()
        .unwrap();
    let piped = String::from_utf8_lossy(&piped.stdout);
    assert!(
        piped.contains("exhausted") && !piped.contains('\x1b'),
        "{piped}"
    );

    let temp = harness::TempDir::new();
    let spec = temp.write(
        "bad.yaml",
        "apiVersion: nines/v1\nname: shop\nslos:\n  - name: a\n    target: 100%\n    window: 28d\n    sli:\n      events: {good: \"status < 500\"}\n  - name: b\n    target: 99%\n    window: 28d\n    sli:\n      events: {good: \"status < 500\"}\n",
    );
    let validated = on_a_terminal(&format!("validate {}", spec.display()), &[]);
    assert!(
        validated.contains("\x1b[31merror\x1b[0m[target-out-of-range]"),
        "{validated}"
    );
    assert!(validated.contains("\x1b[33mwarning\x1b[0m["), "{validated}");
}

fn demo_directories(temp: &harness::TempDir) -> Vec<String> {
    std::fs::read_dir(temp.path())
        .unwrap()
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("nines-demo-"))
        .collect()
}

#[test]
fn the_demo_removes_its_directory_on_exit_and_on_signals() {
    // issue 8.14: `nines demo` left /tmp/nines-demo-<pid>/ behind.
    let temp = harness::TempDir::new();
    let tmpdir = temp.path_text();
    let run = Nines::new()
        .args(["demo", "--no-serve"])
        .env("TMPDIR", &tmpdir)
        .run();
    assert_eq!(run.status, 0, "{run:?}");
    assert!(
        run.stdout.contains("checkout (owner") && run.stdout.contains("  availability"),
        "{}",
        run.stdout
    );
    assert_eq!(demo_directories(&temp), Vec::<String>::new());

    for signal in ["TERM", "INT"] {
        let mut demo = harness::ServerProcess::start(
            &["demo", "--listen", "127.0.0.1:0", "--rate", "5"],
            &[("TMPDIR", &tmpdir)],
        );
        assert_eq!(demo_directories(&temp).len(), 1, "the demo works in TMPDIR");
        // Serving: the graceful shutdown runs first.
        let http = harness::client();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while !http
            .get(format!("{}/-/healthy", demo.base))
            .send()
            .is_ok_and(|response| response.status().is_success())
        {
            assert!(std::time::Instant::now() < deadline, "{}", demo.log());
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        std::thread::sleep(std::time::Duration::from_millis(300));
        demo.signal(signal);
        assert_eq!(demo.wait(), Some(0), "SIG{signal}: {}", demo.log());
        assert_eq!(
            demo_directories(&temp),
            Vec::<String>::new(),
            "after SIG{signal}"
        );
    }

    // Stopped while seeding, before it serves.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_nines"))
        .args(["demo", "--listen", "127.0.0.1:0"])
        .env("TMPDIR", &tmpdir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while demo_directories(&temp).is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "the demo made no directory"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    std::thread::sleep(std::time::Duration::from_millis(100));
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    assert_eq!(
        demo_directories(&temp),
        Vec::<String>::new(),
        "after SIGTERM while seeding"
    );
}

#[test]
fn a_demo_directory_given_with_data_is_kept() {
    let temp = harness::TempDir::new();
    let data = temp.path().join("kept");
    let run = Nines::new()
        .args(["demo", "--no-serve", "--data"])
        .arg(&data)
        .env("TMPDIR", temp.path_text())
        .run();
    assert_eq!(run.status, 0, "{run:?}");
    assert!(data.join("specs").is_dir() && data.join("store").exists());
}

// issue 8.5: a misspelt `noData` is refused where it was written.
#[test]
fn a_bad_no_data_rule_is_refused_at_its_position() {
    let (_temp, spec, _counts) = no_data_case("noData: {after: 1h, gate: maybe}\n", &[]);
    let run = Nines::new()
        .args(["validate", "--today", "2026-11-29"])
        .arg(&spec)
        .run();
    assert_eq!(run.status, 1, "{}", run.stdout);
    assert!(
        run.stdout.contains("payments.yaml:6:")
            && run
                .stdout
                .contains("noData.gate `maybe` is neither `freeze` nor `allow`"),
        "{}",
        run.stdout
    );
}

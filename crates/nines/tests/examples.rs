//! Every command example in README.md, examples/README.md, docs/*.md and every command's
//! `--help` runs, with the built binary, against the shipped examples (issue 8.13). A new
//! example is tested as soon as it is written; one that stops working fails here.
//!
//! **What is an example.** In Markdown, inside fenced blocks: in `sh`, `bash`, `shell` and
//! `console` blocks every line whose command is `nines` (after optional `VAR=value`
//! assignments and an optional `$ ` prompt); in other blocks (`text`, unnamed) only lines
//! with the `$ ` prompt. A line ending in `\` continues on the next. In `--help`, the lines
//! of the `Examples:` section. The help is read from the binary, for every command and
//! subcommand it lists.
//!
//! **Expected exit status.** 0, unless the example's comment says otherwise with
//! `# exits N` (e.g. `# exits 1: invalid`). `nines gate` examples may exit 0 (go) or 1
//! (frozen): both are decisions; 2 (an error) fails. `nines serve` and `nines demo` (without
//! `--no-serve`) must start listening and then exit 0 on SIGTERM.
//!
//! **Placeholders.** Examples name a user's files; each runs in a fresh directory holding a
//! copy of `examples/` and the files below, with these arguments replaced:
//!
//! | in the example                                   | runs with                           |
//! |--------------------------------------------------|-------------------------------------|
//! | `slos/`, `specs/`                                | `examples/shop/`                    |
//! | `slos/NAME.yaml`                                 | `examples/shop/NAME.yaml`           |
//! | `slos/openslo/`, `openslo/`                      | `examples/openslo/`                 |
//! | `openslo/checkout.yaml`                          | `examples/openslo/checkout.yaml`    |
//! | `sloth/`, `pyrra/`                               | `examples/sloth/`, `examples/pyrra/`|
//! | `counts.csv`, `history.csv`, `export.csv`        | `examples/counts/shop.csv`          |
//! | `counts.ndjson`                                  | `examples/counts/pipeline.ndjson`   |
//! | `broken/`                                        | a spec with the errors README shows |
//! | `/var/log/nginx/access.log*`, `apache.log`       | generated combined logs             |
//! | `events-*.ndjson`                                | generated events                    |
//! | `/var/lib/nines`, `/tmp/nines-demo`              | directories in the run's directory  |
//! | `/run/secrets/nines`, `token.txt`                | a token file                        |
//! | `--server URL`, `localhost:9099`                 | a `nines serve` on the shop's counts|
//! | `--prometheus URL`                               | a real Prometheus (default settings)|
//! | `--listen ADDR` (serve, demo)                    | `127.0.0.1:0`                       |
//!
//! `report`, `gate` and `suggest` examples without `--at` run at [`COUNTS_AT`], the end of
//! the shipped counts, so that they measure something whatever today's date. An example
//! that names the shipped counts (`examples/counts/`) itself must give `--at`: otherwise
//! it shows "no data" once they leave the window, and this test says so.
//!
//! Examples that cannot run here are listed in [`NOT_RUN`] with the reason; the test fails
//! when the list names an example that no longer exists.

mod harness;

use std::collections::BTreeSet;
use std::io::BufRead as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use harness::{ServerProcess, TempDir, repo};

/// The instant the shipped counts end (they cover 2026-10-25 to 2026-11-28).
const COUNTS_AT: &str = "2026-11-29T00:00:00Z";

/// Longest an example may run (a debug build on a busy machine; the demo seeds 35 days).
const EXAMPLE_TIMEOUT: Duration = Duration::from_secs(180);

/// Examples not run, by their exact text, with the reason.
const NOT_RUN: &[(&str, &str)] = &[];

/// Markdown files whose examples are tested.
fn documents() -> Vec<PathBuf> {
    let mut files = vec![repo().join("README.md"), repo().join("examples/README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(repo().join("docs"))
        .expect("docs/ exists")
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|extension| extension == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

/// One example and where it is written.
#[derive(Clone, Debug)]
struct Example {
    origin: String,
    command: String,
}

/// The words of `line` after `VAR=value` assignments: starts with `nines`?
fn is_nines_command(line: &str) -> bool {
    line.split_whitespace()
        .find(|word| !is_assignment(word))
        .is_some_and(|word| word == "nines")
}

fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty() && name.chars().all(|c| c.is_ascii_uppercase() || c == '_')
    })
}

/// The examples of one Markdown text.
fn markdown_examples(name: &str, text: &str) -> Vec<Example> {
    let mut out = Vec::new();
    let mut fence: Option<String> = None;
    let mut pending: Option<(usize, String)> = None;
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if let Some(language) = trimmed.strip_prefix("```") {
            fence = match fence {
                Some(_) => None,
                None => Some(language.trim().to_lowercase()),
            };
            pending = None;
            continue;
        }
        let Some(language) = &fence else { continue };
        let (start, mut command) = match pending.take() {
            Some((start, command)) => (start, format!("{command} {}", trimmed.trim())),
            None => {
                let shell = matches!(language.as_str(), "sh" | "bash" | "shell" | "console");
                let candidate = match trimmed.strip_prefix("$ ") {
                    Some(rest) => rest.trim(),
                    None if shell => trimmed.trim(),
                    None => continue,
                };
                if !is_nines_command(candidate) {
                    continue;
                }
                (index + 1, candidate.to_string())
            }
        };
        if let Some(stripped) = command.strip_suffix('\\') {
            command = stripped.trim_end().to_string();
            pending = Some((start, command));
            continue;
        }
        out.push(Example {
            origin: format!("{name}:{start}"),
            command,
        });
    }
    out
}

fn nines() -> &'static str {
    env!("CARGO_BIN_EXE_nines")
}

fn help(path: &[String]) -> String {
    let output = Command::new(nines())
        .args(path)
        .arg("--help")
        .env("NO_COLOR", "1")
        .output()
        .expect("nines runs");
    assert!(output.status.success(), "nines {path:?} --help");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The lines of a help section (`Commands:`, `Examples:`) up to the next blank line.
fn section<'t>(text: &'t str, title: &str) -> Vec<&'t str> {
    text.lines()
        .skip_while(|line| line.trim_end() != title)
        .skip(1)
        .take_while(|line| !line.trim().is_empty())
        .collect()
}

/// Every command path (`["report"]`, `["generate", "prometheus"]`) and its examples.
fn help_examples() -> (Vec<Vec<String>>, Vec<Example>) {
    let mut commands = Vec::new();
    let mut examples = Vec::new();
    let mut queue: Vec<Vec<String>> = vec![Vec::new()];
    while let Some(path) = queue.pop() {
        let text = help(&path);
        let subcommands = section(&text, "Commands:");
        for line in &subcommands {
            let Some(name) = line.split_whitespace().next() else {
                continue;
            };
            if name != "help" {
                let mut child = path.clone();
                child.push(name.to_string());
                queue.push(child);
            }
        }
        if path.is_empty() {
            continue;
        }
        // Only commands that run: `generate` only groups its subcommands.
        if subcommands.is_empty() {
            commands.push(path.clone());
        }
        for line in section(&text, "Examples:") {
            let command = line.trim();
            if is_nines_command(command) {
                examples.push(Example {
                    origin: format!("`nines {} --help`", path.join(" ")),
                    command: command.to_string(),
                });
            }
        }
    }
    (commands, examples)
}

fn all_examples() -> Vec<Example> {
    let mut examples = Vec::new();
    for path in documents() {
        let text = std::fs::read_to_string(&path).expect("readable");
        let name = path
            .strip_prefix(repo())
            .unwrap_or(&path)
            .display()
            .to_string();
        examples.extend(markdown_examples(&name, &text));
    }
    examples.extend(help_examples().1);
    examples
}

/// What the example's comment says about its exit status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    Exit(i32),
    /// `nines gate`: 0 (go) or 1 (frozen).
    Decision,
    /// A server: listens, then exits 0 on SIGTERM.
    Serves,
}

/// The command without its trailing comment, and the comment.
fn split_comment(command: &str) -> (&str, &str) {
    let mut quoted: Option<char> = None;
    let mut previous = ' ';
    for (index, c) in command.char_indices() {
        match (quoted, c) {
            (Some(quote), _) if c == quote => quoted = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quoted = Some(c),
            (None, '#') if previous.is_whitespace() => {
                return (command[..index].trim_end(), command[index + 1..].trim());
            }
            _ => {}
        }
        previous = c;
    }
    (command.trim_end(), "")
}

fn expectation(words: &[String], comment: &str) -> Expect {
    let stated = comment
        .split_whitespace()
        .collect::<Vec<_>>()
        .windows(2)
        .find(|pair| pair[0] == "exits" || pair[0] == "exit")
        .and_then(|pair| pair[1].trim_end_matches([':', ',', ';']).parse().ok());
    let subcommand = words.get(1).map(String::as_str).unwrap_or_default();
    match stated {
        Some(status) => Expect::Exit(status),
        None if subcommand == "serve" => Expect::Serves,
        None if subcommand == "demo" && !words.iter().any(|word| word == "--no-serve") => {
            Expect::Serves
        }
        None if subcommand == "gate" => Expect::Decision,
        None => Expect::Exit(0),
    }
}

/// Servers the examples talk to, started when first needed.
struct Backends {
    directory: TempDir,
    server: Option<ServerProcess>,
    prometheus: Option<harness::Prometheus>,
}

impl Backends {
    fn server(&mut self) -> String {
        if self.server.is_none() {
            let data = self.directory.path().join("server-data");
            for counts in [
                "examples/counts/shop.csv",
                "examples/counts/pipeline.ndjson",
            ] {
                let run = harness::Nines::new()
                    .args(["import", "--spec", "examples/shop", "--format", "counts"])
                    .arg("--data")
                    .arg(&data)
                    .arg(counts)
                    .run();
                assert_eq!(run.status, 0, "importing {counts} for the server: {run:?}");
            }
            let data = data.display().to_string();
            self.server = Some(ServerProcess::start(
                &[
                    "serve",
                    "--specs",
                    "examples/shop",
                    "--data",
                    &data,
                    "--listen",
                    "127.0.0.1:0",
                    "--insecure-no-auth",
                ],
                &[],
            ));
        }
        self.server
            .as_ref()
            .map(|server| server.base.clone())
            .unwrap_or_default()
    }

    fn prometheus(&mut self) -> String {
        if self.prometheus.is_none() {
            let directory = self.directory.path().join("prometheus");
            self.prometheus = Some(harness::Prometheus::start(&directory, &[]));
        }
        self.prometheus
            .as_ref()
            .map(|prometheus| prometheus.base.clone())
            .unwrap_or_default()
    }
}

/// The example's words with placeholders replaced (see the table above).
fn substitute(words: &[String], backends: &mut Backends) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    let mut previous = "";
    for word in words {
        let replaced = match (previous, word.as_str()) {
            ("--server", _) => backends.server(),
            ("--prometheus", _) => backends.prometheus(),
            ("--listen", _) => "127.0.0.1:0".to_string(),
            (_, "slos/" | "specs/") => "examples/shop/".into(),
            (_, other) if other.starts_with("slos/") && other.ends_with(".yaml") => {
                other.replace("slos/", "examples/shop/")
            }
            (_, "slos/openslo/" | "openslo/") => "examples/openslo/".into(),
            (_, "openslo/checkout.yaml") => "examples/openslo/checkout.yaml".into(),
            (_, "sloth/") => "examples/sloth/".into(),
            (_, "pyrra/") => "examples/pyrra/".into(),
            (_, "counts.csv" | "history.csv" | "export.csv") => "examples/counts/shop.csv".into(),
            (_, "counts.ndjson") => "examples/counts/pipeline.ndjson".into(),
            (_, "/var/log/nginx/access.log*") => "access.log".into(),
            (_, "/var/lib/nines") => "var-lib-nines".into(),
            (_, "/tmp/nines-demo") => "demo-data".into(),
            (_, other) if other.contains("/run/secrets/nines") => {
                other.replace("/run/secrets/nines", "secret-token")
            }
            (_, other) if other.contains("localhost:9099") => {
                other.replace("localhost:9099", &backends.server())
            }
            (_, other) => other.to_string(),
        };
        previous = word.as_str();
        out.push(replaced);
    }
    let nines_at = out.iter().position(|word| word == "nines").unwrap_or(0);
    let subcommand = out.get(nines_at + 1).cloned().unwrap_or_default();
    if matches!(subcommand.as_str(), "serve" | "demo") && !out.iter().any(|word| word == "--listen")
    {
        out.push("--listen".into());
        out.push("127.0.0.1:0".into());
    }
    if matches!(subcommand.as_str(), "report" | "gate" | "suggest")
        && !out.iter().any(|word| word == "--at")
    {
        if words
            .iter()
            .any(|word| word.starts_with("examples/counts/"))
        {
            return Err(format!(
                "it reads the shipped counts without --at: once they leave the window (after {COUNTS_AT} plus the window) it shows only \"no data\"; add `--at {COUNTS_AT}`"
            ));
        }
        out.push("--at".into());
        out.push(COUNTS_AT.into());
    }
    Ok(out)
}

/// The files the placeholders stand for, in the run's directory.
fn prepare(directory: &Path) {
    copy_tree(&repo().join("examples"), &directory.join("examples"));
    std::fs::create_dir_all(directory.join("broken")).unwrap();
    std::fs::write(directory.join("broken/checkout.yaml"), BROKEN_SPEC).unwrap();
    std::fs::write(
        directory.join("secret-token"),
        "example-token-0123456789abcdef\n",
    )
    .unwrap();
    std::fs::write(
        directory.join("token.txt"),
        "example-token-0123456789abcdef\n",
    )
    .unwrap();
    let now = jiff::Timestamp::now();
    let stamp = now.strftime("%d/%b/%Y:%H:%M:%S +0000").to_string();
    let mut access = String::new();
    let mut apache = String::new();
    for (index, status) in [200, 200, 503, 200].iter().enumerate() {
        access.push_str(&format!(
            "10.0.0.{index} - - [{stamp}] \"POST /api/checkout HTTP/1.1\" {status} 512 \"-\" \"curl/8\" 0.120\n"
        ));
        apache.push_str(&format!(
            "10.0.0.{index} - - [{stamp}] \"GET /api/search?q=x HTTP/1.1\" {status} 2048 \"-\" \"curl/8\" 180000\n"
        ));
    }
    std::fs::write(directory.join("access.log"), access).unwrap();
    std::fs::write(directory.join("apache.log"), apache).unwrap();
    let millis = now.as_millisecond();
    let events: String = (0..10)
        .map(|index| {
            format!(
                "{{\"timestamp\": {}, \"route\": \"/api/checkout\", \"method\": \"POST\", \"status\": {}, \"duration_seconds\": 0.2}}\n",
                millis - 60_000 * index,
                if index == 3 { 503 } else { 200 }
            )
        })
        .collect();
    std::fs::write(directory.join("events-1.ndjson"), events).unwrap();
}

/// The spec behind README's `nines validate broken/`: a 100% target, no approver.
const BROKEN_SPEC: &str = "apiVersion: nines/v1
name: checkout
owner: team-checkout
review: {every: 90d, last: 2026-11-01}
slos:
  - name: availability
    description: Checkout requests that succeed.
    target: 100%
    window: 28d
    sli:
      events:
        valid: route == \"/api/checkout\"
        good: status < 500
";

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A shell in `directory` whose `nines` is the built binary.
fn shell(directory: &Path, command: &str) -> Command {
    let binaries = Path::new(nines()).parent().unwrap().display().to_string();
    let path = format!("{binaries}:{}", std::env::var("PATH").unwrap_or_default());
    let mut shell = Command::new("sh");
    shell
        .arg("-c")
        .arg(command)
        .current_dir(directory)
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .env("RUST_LOG", "info")
        .env("TOKEN", "example-token-0123456789abcdef")
        .env("TMPDIR", directory)
        .stdin(Stdio::null());
    shell
}

/// Runs one example; `Err` says what went wrong.
fn run(example: &Example, backends: &mut Backends) -> Result<(), String> {
    let (command, comment) = split_comment(&example.command);
    let words: Vec<String> = command.split_whitespace().map(str::to_string).collect();
    let expect = expectation(
        &words
            .iter()
            .skip_while(|word| is_assignment(word))
            .cloned()
            .collect::<Vec<_>>(),
        comment,
    );
    let directory = TempDir::new();
    prepare(directory.path());
    let substituted = substitute(&words, backends)?.join(" ");
    match expect {
        Expect::Serves => serves(directory.path(), &substituted),
        Expect::Exit(_) | Expect::Decision => {
            let mut child = shell(directory.path(), &substituted)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .map_err(|error| format!("cannot start sh: {error}"))?;
            let started = Instant::now();
            let status = loop {
                if let Some(status) = child.try_wait().map_err(|error| error.to_string())? {
                    break status;
                }
                if started.elapsed() > EXAMPLE_TIMEOUT {
                    let _ = child.kill();
                    return Err(format!(
                        "`{substituted}` still runs after {EXAMPLE_TIMEOUT:?}"
                    ));
                }
                std::thread::sleep(Duration::from_millis(50));
            };
            let output = child
                .wait_with_output()
                .map_err(|error| error.to_string())?;
            let code = status.code().unwrap_or(-1);
            let fine = match expect {
                Expect::Exit(wanted) => code == wanted,
                _ => code == 0 || code == 1,
            };
            if fine {
                return Ok(());
            }
            let wanted = match expect {
                Expect::Exit(wanted) => format!("{wanted}"),
                _ => "0 or 1".to_string(),
            };
            Err(format!(
                "`{substituted}` exited {code}, expected {wanted}\n    stderr: {}\n    stdout: {}",
                tail(&String::from_utf8_lossy(&output.stderr)),
                tail(&String::from_utf8_lossy(&output.stdout))
            ))
        }
    }
}

fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(6)..].join("\n            ")
}

/// Starts a server example, waits for "listening on", stops it with SIGTERM: exit 0.
fn serves(directory: &Path, command: &str) -> Result<(), String> {
    let Some(start) = command.split_whitespace().position(|word| word == "nines") else {
        return Err("no `nines` in the command".into());
    };
    let mut words: Vec<&str> = command.split_whitespace().collect();
    words.insert(start, "exec");
    let command = words.join(" ");
    let mut child = shell(directory, &command)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| format!("cannot start sh: {error}"))?;
    let stderr = child.stderr.take().unwrap();
    let (listening, heard) = std::sync::mpsc::channel();
    let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let shared = log.clone();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if let Some(start) = line.find("listening on http://") {
                let _ = listening.send(line[start + "listening on ".len()..].trim().to_string());
            }
            let mut log = shared.lock().unwrap();
            log.push_str(&line);
            log.push('\n');
        }
    });
    let deadline = Instant::now() + EXAMPLE_TIMEOUT;
    let mut up = None;
    while Instant::now() < deadline {
        if let Ok(base) = heard.recv_timeout(Duration::from_millis(100)) {
            up = Some(base);
            break;
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!(
                "`{command}` exited {:?} before listening:\n    {}",
                status.code(),
                tail(&log.lock().unwrap())
            ));
        }
    }
    let Some(base) = up else {
        let _ = child.kill();
        return Err(format!("`{command}` did not start listening"));
    };
    // "listening" is logged just before the server installs its signal handlers: wait
    // until it answers, so that SIGTERM meets the graceful shutdown.
    let http = harness::client();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !http
        .get(format!("{base}/-/healthy"))
        .send()
        .is_ok_and(|response| response.status().is_success())
    {
        if Instant::now() > deadline {
            let _ = child.kill();
            return Err(format!("`{command}` listens on {base} but never answers"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(200));
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return match status.code() {
                Some(0) => Ok(()),
                code => Err(format!(
                    "`{command}` exited {code:?} on SIGTERM, expected 0:\n    {}",
                    tail(&log.lock().unwrap())
                )),
            };
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            return Err(format!("`{command}` did not stop on SIGTERM"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn every_documented_example_runs() {
    // issue 8.13
    let examples = all_examples();
    let texts: BTreeSet<&str> = examples
        .iter()
        .map(|example| example.command.as_str())
        .collect();
    let stale: Vec<&str> = NOT_RUN
        .iter()
        .map(|(text, _)| *text)
        .filter(|text| !texts.contains(text))
        .collect();
    assert!(
        stale.is_empty(),
        "NOT_RUN names examples that no longer exist: {stale:?}"
    );
    let mut backends = Backends {
        directory: TempDir::new(),
        server: None,
        prometheus: None,
    };
    let mut failures = Vec::new();
    let mut ran = 0;
    for example in &examples {
        if NOT_RUN.iter().any(|(text, _)| *text == example.command) {
            continue;
        }
        ran += 1;
        if let Err(problem) = run(example, &mut backends) {
            failures.push(format!(
                "{}: {}\n  {problem}",
                example.origin, example.command
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {ran} documented examples fail:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn examples_are_found_in_the_docs_and_in_every_help() {
    // The extraction itself: a help without examples, or a document whose examples are
    // no longer found, would make the test above vacuous.
    let (commands, examples) = help_examples();
    assert!(commands.len() >= 9, "{commands:?}");
    for command in &commands {
        let origin = format!("`nines {} --help`", command.join(" "));
        assert!(
            examples.iter().any(|example| example.origin == origin),
            "{origin} has no Examples: section"
        );
    }
    let readme = markdown_examples(
        "README.md",
        &std::fs::read_to_string(repo().join("README.md")).unwrap(),
    );
    assert!(readme.len() >= 3, "{readme:?}");
    let sample = "text\n```sh\nnines report --spec a \\\n  --counts b   # note\ncurl x\nNINES_X=1 nines serve\n```\n```text\n$ nines gate x\nnines demo: banner\n```\n";
    let found: Vec<String> = markdown_examples("sample", sample)
        .into_iter()
        .map(|example| example.command)
        .collect();
    assert_eq!(
        found,
        [
            "nines report --spec a --counts b   # note",
            "NINES_X=1 nines serve",
            "nines gate x"
        ]
    );
    assert_eq!(
        split_comment("nines validate x   # exits 1: invalid"),
        ("nines validate x", "exits 1: invalid")
    );
    let words =
        |text: &str| -> Vec<String> { text.split_whitespace().map(str::to_string).collect() };
    assert_eq!(
        expectation(&words("nines validate x"), "exits 1: invalid"),
        Expect::Exit(1)
    );
    assert_eq!(expectation(&words("nines gate x"), ""), Expect::Decision);
    assert_eq!(
        expectation(&words("nines demo --no-serve"), ""),
        Expect::Exit(0)
    );
    assert_eq!(
        expectation(&words("nines demo"), "then open"),
        Expect::Serves
    );
}

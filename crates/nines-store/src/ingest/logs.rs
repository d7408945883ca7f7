//! Access logs and CSV files as events, for `nines import`.
//!
//! The NCSA combined log format (nginx's default `combined`, Apache's `%h %l %u %t \"%r\"
//! %>s %b \"%{Referer}i\" \"%{User-agent}i\"`), optionally followed by the request time
//! (nginx `$request_time` in seconds, Apache `%D` in microseconds or `%T` in seconds; a
//! `rt=0.123` key-value works too). Each line becomes an event with the attributes
//! `remote_addr`, `remote_user`, `method`, `path` (also as `route`), `query`, `protocol`,
//! `status`, `bytes`, `referer`, `user_agent` and, when logged, `duration_seconds`, so
//! SLI filters like `route == "/api/checkout" && status < 500` apply unchanged.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value};

use nines_core::source::Millis;

/// The unit of a request time logged after the user agent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum RequestTimeUnit {
    /// Seconds (nginx `$request_time`, Apache `%T`).
    #[default]
    Seconds,
    /// Milliseconds.
    Milliseconds,
    /// Microseconds (Apache `%D`).
    Microseconds,
}

impl RequestTimeUnit {
    fn to_seconds(self, value: f64) -> f64 {
        match self {
            RequestTimeUnit::Seconds => value,
            RequestTimeUnit::Milliseconds => value / 1e3,
            RequestTimeUnit::Microseconds => value / 1e6,
        }
    }
}

static COMBINED: LazyLock<Regex> = LazyLock::new(|| {
    let quoted = r#""((?:[^"\\]|\\.)*)""#;
    Regex::new(&format!(
        r"^(\S+) (\S+) (\S+) \[([^\]]+)\] {quoted} (\d{{3}}) (\d+|-)(?: {quoted} {quoted})?(.*)$"
    ))
    .unwrap_or_else(|error| unreachable!("the combined log pattern is valid: {error}"))
});

fn unescape(text: &str) -> String {
    if !text.contains('\\') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The request time in what follows the user agent: the first number, or `rt=`,
/// `request_time=` or `duration=`.
fn request_time(rest: &str) -> Option<f64> {
    rest.split_whitespace().find_map(|token| {
        let value = match token.split_once('=') {
            Some(("rt" | "request_time" | "duration", value)) => value,
            Some(_) => return None,
            None => token,
        };
        value
            .trim_matches('"')
            .parse::<f64>()
            .ok()
            .filter(|value| value.is_finite() && *value >= 0.0)
    })
}

/// One combined-log line as an instant and an event.
pub fn parse_combined(line: &str, unit: RequestTimeUnit) -> Result<(Millis, Value), String> {
    let captures = COMBINED.captures(line).ok_or(
        "not a combined log line: expected `HOST IDENT USER [TIME] \"REQUEST\" STATUS BYTES \"REFERER\" \"USER-AGENT\"`",
    )?;
    let field = |index: usize| captures.get(index).map_or("", |found| found.as_str());
    let time = field(4);
    let at = jiff::fmt::strtime::parse("%d/%b/%Y:%H:%M:%S %z", time)
        .and_then(|parsed| parsed.to_timestamp())
        .map_err(|_| format!("`[{time}]` is not a log time like [10/Oct/2026:13:55:36 +0000]"))?
        .as_millisecond();
    let request = unescape(field(5));
    let mut parts = request.splitn(3, ' ');
    let method = parts.next().unwrap_or_default();
    let target = parts.next().unwrap_or_default();
    let protocol = parts.next().unwrap_or_default();
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let status: u16 = field(6)
        .parse()
        .map_err(|_| format!("status `{}` is not a number", field(6)))?;
    let bytes: u64 = field(7).parse().unwrap_or(0);
    let mut event = Map::new();
    event.insert("timestamp".into(), Value::from(at / 1000));
    event.insert("remote_addr".into(), field(1).into());
    event.insert("remote_user".into(), field(3).into());
    event.insert("method".into(), method.into());
    event.insert("path".into(), path.into());
    event.insert("route".into(), path.into());
    event.insert("query".into(), query.into());
    event.insert("protocol".into(), protocol.into());
    event.insert("status".into(), status.into());
    event.insert("bytes".into(), bytes.into());
    event.insert("referer".into(), unescape(field(8)).into());
    event.insert("user_agent".into(), unescape(field(9)).into());
    if let Some(value) = request_time(field(10)) {
        event.insert("duration_seconds".into(), unit.to_seconds(value).into());
    }
    Ok((at, Value::Object(event)))
}

/// A CSV file of events: the header names the attributes; cells that read as numbers
/// or booleans become those, empty cells are left out, the rest are strings.
#[derive(Debug)]
pub struct CsvEvents<R> {
    reader: csv::Reader<R>,
    headers: Vec<String>,
}

impl<R: std::io::Read> CsvEvents<R> {
    /// Reads the header.
    pub fn new(input: R) -> Result<Self, String> {
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(input);
        let headers = reader
            .headers()
            .map_err(|problem| format!("cannot read the header: {problem}"))?
            .iter()
            .map(str::to_string)
            .collect();
        Ok(CsvEvents { reader, headers })
    }
}

impl<R: std::io::Read> Iterator for CsvEvents<R> {
    /// (line, event) or (line, why not).
    type Item = (usize, Result<Value, String>);

    fn next(&mut self) -> Option<Self::Item> {
        let mut record = csv::StringRecord::new();
        match self.reader.read_record(&mut record) {
            Ok(false) => None,
            Err(problem) => {
                let line = problem
                    .position()
                    .map_or(0, |position| position.line() as usize);
                Some((line, Err(format!("malformed CSV: {problem}"))))
            }
            Ok(true) => {
                let line = record
                    .position()
                    .map_or(0, |position| position.line() as usize);
                let mut event = Map::new();
                for (name, cell) in self.headers.iter().zip(record.iter()) {
                    if cell.is_empty() {
                        continue;
                    }
                    let value = if let Ok(number) = cell.parse::<f64>() {
                        serde_json::Number::from_f64(number)
                            .map_or(Value::from(cell), Value::Number)
                    } else if cell == "true" || cell == "false" {
                        Value::Bool(cell == "true")
                    } else {
                        Value::from(cell)
                    };
                    event.insert(name.clone(), value);
                }
                Some((line, Ok(Value::Object(event))))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_nginx_and_apache_lines() {
        let line = r#"203.0.113.9 - - [28/Nov/2026:19:04:11 +0100] "POST /api/checkout?cart=7 HTTP/1.1" 503 512 "https://shop.example.com/cart" "Mozilla/5.0 (X11; Linux x86_64)" 0.412"#;
        let (at, event) = parse_combined(line, RequestTimeUnit::Seconds).unwrap();
        assert_eq!(at, 1_795_889_051_000, "18:04:11Z");
        assert_eq!(event["route"], "/api/checkout");
        assert_eq!(event["query"], "cart=7");
        assert_eq!(event["method"], "POST");
        assert_eq!(event["status"], 503);
        assert_eq!(event["duration_seconds"], 0.412);
        assert_eq!(event["user_agent"], "Mozilla/5.0 (X11; Linux x86_64)");

        let apache = r#"192.0.2.1 - frank [10/Oct/2026:13:55:36 -0700] "GET /index.html HTTP/1.0" 200 - "-" "curl/8.5" 1250"#;
        let (_, event) = parse_combined(apache, RequestTimeUnit::Microseconds).unwrap();
        assert_eq!(event["bytes"], 0);
        assert_eq!(event["duration_seconds"], 0.00125);

        let common = r#"192.0.2.1 - - [10/Oct/2026:13:55:36 +0000] "GET / HTTP/1.1" 404 12"#;
        let (_, event) = parse_combined(common, RequestTimeUnit::Seconds).unwrap();
        assert_eq!(event["status"], 404);
        assert!(event.get("duration_seconds").is_none());

        let keyed = r#"192.0.2.1 - - [10/Oct/2026:13:55:36 +0000] "GET / HTTP/1.1" 200 12 "-" "ua \"quoted\"" rt=0.050 uct="0.001""#;
        let (_, event) = parse_combined(keyed, RequestTimeUnit::Seconds).unwrap();
        assert_eq!(event["duration_seconds"], 0.05);
        assert_eq!(event["user_agent"], "ua \"quoted\"");
    }

    #[test]
    fn explains_bad_lines() {
        assert!(
            parse_combined("hello world", RequestTimeUnit::Seconds)
                .unwrap_err()
                .contains("not a combined log line")
        );
        let bad_time = r#"1.2.3.4 - - [yesterday] "GET / HTTP/1.1" 200 1 "-" "-""#;
        assert!(
            parse_combined(bad_time, RequestTimeUnit::Seconds)
                .unwrap_err()
                .contains("not a log time")
        );
    }

    #[test]
    fn csv_cells_get_types() {
        let text = "timestamp,route,status,duration_seconds,cached\n2026-11-28T10:00:00Z,/api/search,200,0.12,true\n2026-11-28T10:00:01Z,/api/search,,0.5,false\n";
        let events: Vec<_> = CsvEvents::new(text.as_bytes()).unwrap().collect();
        assert_eq!(events.len(), 2);
        let (line, first) = &events[0];
        let first = first.as_ref().unwrap();
        assert_eq!(*line, 2);
        assert_eq!(first["status"], 200.0);
        assert_eq!(first["cached"], true);
        assert_eq!(first["route"], "/api/search");
        assert!(events[1].1.as_ref().unwrap().get("status").is_none());
    }
}

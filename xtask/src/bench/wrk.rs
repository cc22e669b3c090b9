//! One HTTP load run with wrk, pinned to its own core, and what it measured.

use std::{path::Path, process::Stdio};

use anyhow::{Context, bail};
use serde::Serialize;

/// What to load and how hard.
pub struct Load<'a> {
    pub url: &'a str,
    pub connections: u32,
    pub seconds: u32,
    /// A `Cookie` header to send with every request.
    pub cookie: Option<&'a str>,
    /// A JSON body to POST instead of a GET.
    pub post_json: Option<&'a str>,
}

/// The figures of one run.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Measured {
    pub requests_per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// Responses outside 2xx and 3xx.
    pub non_success: u64,
    /// Connect, read, write and timeout errors.
    pub socket_errors: u64,
}

/// The core wrk runs on; the services run on the other.
pub const LOAD_CORE: usize = 1;

/// Runs wrk (one thread) against `load.url` and parses its report. `scratch` holds
/// the Lua script a POST needs.
pub async fn run(load: &Load<'_>, scratch: &Path) -> anyhow::Result<Measured> {
    let mut command = tokio::process::Command::new("taskset");
    command
        // A generous timeout: password hashing under 32 connections queues for
        // seconds, and a timeout would count as a failure rather than a latency.
        .args([
            "-c",
            &LOAD_CORE.to_string(),
            "wrk",
            "-t1",
            "--latency",
            "--timeout",
            "10s",
        ])
        .arg(format!("-c{}", load.connections))
        .arg(format!("-d{}s", load.seconds));
    if let Some(cookie) = load.cookie {
        command.args(["-H", &format!("Cookie: {cookie}")]);
    }
    if let Some(body) = load.post_json {
        let script = scratch.join(format!("post-{:x}.lua", fingerprint(body)));
        std::fs::write(&script, post_script(body))?;
        command.arg("-s").arg(script);
    }
    let output = command
        .arg(load.url)
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output()
        .await
        .context("cannot run wrk")?;
    let report = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        bail!(
            "wrk failed ({}): {report}{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    parse(&report).with_context(|| format!("cannot read wrk's report:\n{report}"))
}

fn post_script(body: &str) -> String {
    format!(
        "wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\nwrk.body = [[{body}]]\n"
    )
}

/// A name for a body's script: two wrk runs at once (signin and currentuser under
/// hashing load) must not share one file.
fn fingerprint(text: &str) -> u64 {
    let mut hasher = std::hash::DefaultHasher::new();
    std::hash::Hash::hash(text, &mut hasher);
    std::hash::Hasher::finish(&hasher)
}

fn parse(report: &str) -> Option<Measured> {
    let mut measured = Measured {
        requests_per_second: 0.0,
        p50_ms: 0.0,
        p99_ms: 0.0,
        non_success: 0,
        socket_errors: 0,
    };
    for line in report.lines().map(str::trim) {
        if let Some(rate) = line.strip_prefix("Requests/sec:") {
            measured.requests_per_second = rate.trim().parse().ok()?;
        } else if let Some(latency) = line.strip_prefix("50%") {
            measured.p50_ms = milliseconds(latency.trim())?;
        } else if let Some(latency) = line.strip_prefix("99%") {
            measured.p99_ms = milliseconds(latency.trim())?;
        } else if let Some(count) = line.strip_prefix("Non-2xx or 3xx responses:") {
            measured.non_success = count.trim().parse().ok()?;
        } else if let Some(errors) = line.strip_prefix("Socket errors:") {
            measured.socket_errors = errors
                .split(',')
                .filter_map(|part| part.split_whitespace().last()?.parse::<u64>().ok())
                .sum();
        }
    }
    (measured.requests_per_second > 0.0).then_some(measured)
}

/// `850.00us`, `1.23ms`, `2.01s` in milliseconds.
fn milliseconds(value: &str) -> Option<f64> {
    let (number, scale) = if let Some(number) = value.strip_suffix("us") {
        (number, 0.001)
    } else if let Some(number) = value.strip_suffix("ms") {
        (number, 1.0)
    } else if let Some(number) = value.strip_suffix('m') {
        (number, 60_000.0)
    } else {
        (value.strip_suffix('s')?, 1000.0)
    };
    Some(number.parse::<f64>().ok()? * scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = "Running 15s test @ http://127.0.0.1:4000/api/nothing
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   310.12us  101.00us   4.01ms   90.00%
  Latency Distribution
     50%  290.00us
     75%  330.00us
     90%  400.00us
     99%    1.20ms
  1500000 requests in 15.00s, 200.00MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 1500000
Requests/sec: 100000.50
Transfer/sec:     13.33MB
";

    #[test]
    fn a_report_gives_rate_percentiles_and_failures() {
        let measured = parse(REPORT).unwrap();

        assert!((measured.requests_per_second - 100_000.5).abs() < 1e-9);
        assert!((measured.p50_ms - 0.29).abs() < 1e-9);
        assert!((measured.p99_ms - 1.2).abs() < 1e-9);
        assert_eq!(measured.non_success, 1_500_000);
        assert_eq!(measured.socket_errors, 3);
    }

    #[test]
    fn latencies_in_every_unit_become_milliseconds() {
        assert_eq!(milliseconds("1.50s"), Some(1500.0));
        assert_eq!(milliseconds("2.00m"), Some(120_000.0));
        assert_eq!(milliseconds("nonsense"), None);
    }
}

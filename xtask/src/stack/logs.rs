//! Service logs go to files; their warnings and errors are also echoed on screen.

use std::{
    io::{Read, Seek, SeekFrom},
    path::{Path, PathBuf},
    time::Duration,
};

use serde_json::Value;

/// Follows each service's log file and prints its WARN and ERROR lines.
pub async fn echo_problems(files: Vec<(String, PathBuf)>) {
    let mut offsets = vec![0_u64; files.len()];
    loop {
        for ((service, path), offset) in files.iter().zip(offsets.iter_mut()) {
            for line in new_lines(path, offset) {
                if let Some(problem) = problem(&line) {
                    eprintln!("[{service}] {problem}");
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// Complete lines appended since `offset`, which moves past them.
fn new_lines(path: &Path, offset: &mut u64) -> Vec<String> {
    let Ok(mut file) = std::fs::File::open(path) else {
        return Vec::new();
    };
    let mut appended = String::new();
    if file.seek(SeekFrom::Start(*offset)).is_err() || file.read_to_string(&mut appended).is_err() {
        return Vec::new();
    }
    let complete = appended.rfind('\n').map_or(0, |end| end + 1);
    *offset += complete as u64;
    appended[..complete].lines().map(str::to_owned).collect()
}

/// A readable form of a JSON log line at WARN or ERROR; plain lines (a panic) as they are.
fn problem(line: &str) -> Option<String> {
    let Ok(Value::Object(entry)) = serde_json::from_str::<Value>(line) else {
        return (!line.trim().is_empty()).then(|| line.to_owned());
    };
    let level = entry.get("level")?.as_str()?;
    if level != "WARN" && level != "ERROR" {
        return None;
    }
    let message = entry.get("message").and_then(Value::as_str).unwrap_or("");
    let fields: Vec<String> = entry
        .iter()
        .filter(|(key, _)| !matches!(key.as_str(), "level" | "message" | "timestamp" | "target"))
        .map(|(key, value)| format!("{key}={value}"))
        .collect();
    Some(format!("{level} {message} {}", fields.join(" ")))
}

/// The last `count` lines of a log, for error messages, without the stack backtraces
/// a process prints when `RUST_BACKTRACE` is set: those would fill the tail and hide
/// the error they follow.
pub fn tail(path: &Path, count: usize) -> String {
    let content = std::fs::read_to_string(path).unwrap_or_default();
    let lines = without_backtraces(&content);
    lines[lines.len().saturating_sub(count)..].join("\n")
}

/// Every line but those of a backtrace: from `Stack backtrace:` (anyhow's) or
/// `stack backtrace:` (a panic's) to the next line that is not indented.
fn without_backtraces(content: &str) -> Vec<&str> {
    let mut in_backtrace = false;
    content
        .lines()
        .filter(|line| {
            if line.eq_ignore_ascii_case("stack backtrace:") {
                in_backtrace = true;
            } else if in_backtrace && !line.starts_with(' ') {
                in_backtrace = false;
            }
            !in_backtrace
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tail_keeps_the_error_and_drops_its_backtrace() {
        let log = "\
{\"level\":\"INFO\",\"message\":\"connected\"}
Error: cannot set up the connection to NATS at nats://127.0.0.1:1: refused

Stack backtrace:
   0: anyhow::error::<impl anyhow::Error>::msg
             at ./src/backtrace.rs:10:14
   1: main
";
        assert_eq!(
            without_backtraces(log),
            [
                "{\"level\":\"INFO\",\"message\":\"connected\"}",
                "Error: cannot set up the connection to NATS at nats://127.0.0.1:1: refused",
                "",
            ]
        );
    }

    #[test]
    fn warnings_and_errors_are_echoed_and_info_is_not() {
        let error =
            r#"{"timestamp":"t","level":"ERROR","message":"request failed","status":"500"}"#;
        let info = r#"{"timestamp":"t","level":"INFO","message":"listening","port":3000}"#;
        assert_eq!(
            problem(error).as_deref(),
            Some(r#"ERROR request failed status="500""#)
        );
        assert_eq!(problem(info), None);
    }

    #[test]
    fn plain_lines_such_as_panics_are_echoed() {
        let panic = "thread 'main' panicked at src/main.rs:1:1";
        assert_eq!(problem(panic).as_deref(), Some(panic));
    }
}

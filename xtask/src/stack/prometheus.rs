//! Prometheus for the local stack (Debian's `prometheus`): it scrapes every service
//! replica's metrics port, one job per service labelled `service` as in Kubernetes,
//! and evaluates the repository's rules, keeping its data in the stack's data dir.

use std::{
    fs::File,
    net::SocketAddr,
    path::{Path, PathBuf},
    process::Stdio,
};

use anyhow::Context;
use serde_json::json;
use testkit::AsyncSupervised;
use tokio::process::Command;

use super::{launch::RunningService, readiness};
use crate::{progress, rules};

/// How often the local Prometheus scrapes and evaluates the rules: often, so a change
/// shows within seconds.
const INTERVAL: &str = "5s";

/// A running Prometheus. Dropping it kills it.
pub struct Prometheus {
    pub url: String,
    process: AsyncSupervised,
}

impl Prometheus {
    pub fn pid(&self) -> u32 {
        self.process.pid()
    }
}

/// Fails, saying what to do, when `port` is taken: before the stack starts, rather
/// than after it is up.
pub fn ensure_port_is_free(port: u16) -> anyhow::Result<()> {
    std::net::TcpListener::bind(("127.0.0.1", port))
        .map(drop)
        .with_context(|| {
            format!(
                "port {port} (Prometheus) is in use: stop what uses it (after installing \
                 Debian's prometheus, its own service: `sudo systemctl disable --now \
                 prometheus`) or pass --prometheus-port"
            )
        })
}

/// Writes `<data>/prometheus/prometheus.yml` for `services` and starts Prometheus on
/// 127.0.0.1:`port` with its data beside it, logging to `<logs_dir>/prometheus.log`.
pub async fn start(
    data: &Path,
    logs_dir: &Path,
    port: u16,
    services: &[RunningService],
) -> anyhow::Result<Prometheus> {
    progress::step("Starting Prometheus");
    let dir = data.join("prometheus");
    std::fs::create_dir_all(&dir)?;
    let config_file = dir.join("prometheus.yml");
    std::fs::write(
        &config_file,
        config(&scrape_jobs(services), &rules::files()?.rules)?,
    )?;
    let log = logs_dir.join("prometheus.log");
    let log_file = File::create(&log)?;
    let mut command = Command::new("prometheus");
    command
        .arg(format!("--config.file={}", config_file.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdin(Stdio::null())
        .stdout(log_file.try_clone()?)
        .stderr(log_file);
    let mut process = AsyncSupervised::spawn(&mut command).context("cannot start prometheus")?;
    readiness::wait_until_listening("prometheus", port, &mut process, &log).await?;
    let url = format!("http://127.0.0.1:{port}");
    progress::done(&format!(
        "Prometheus {url}, configured by {}",
        config_file.display()
    ));
    Ok(Prometheus { url, process })
}

/// Each service's name and its replicas' metrics addresses, in the stack's order.
fn scrape_jobs(services: &[RunningService]) -> Vec<(&'static str, Vec<SocketAddr>)> {
    let mut jobs: Vec<(&'static str, Vec<SocketAddr>)> = Vec::new();
    for service in services {
        match jobs.iter_mut().find(|(name, _)| *name == service.name()) {
            Some((_, targets)) => targets.push(service.metrics_address()),
            None => jobs.push((service.name(), vec![service.metrics_address()])),
        }
    }
    jobs
}

/// The configuration: one scrape job per service, its targets labelled with
/// `service` (the label the rules aggregate by), and the rules files.
fn config(jobs: &[(&str, Vec<SocketAddr>)], rule_files: &[PathBuf]) -> anyhow::Result<String> {
    let scrape_configs: Vec<_> = jobs
        .iter()
        .map(|(service, targets)| {
            let targets: Vec<String> = targets.iter().map(ToString::to_string).collect();
            json!({
                "job_name": service,
                "static_configs": [{ "targets": targets, "labels": { "service": service } }],
            })
        })
        .collect();
    let config = json!({
        "global": { "scrape_interval": INTERVAL, "evaluation_interval": INTERVAL },
        "rule_files": rule_files,
        "scrape_configs": scrape_configs,
    });
    Ok(serde_yaml_ng::to_string(&config)?)
}

#[cfg(test)]
mod tests {
    use std::process::Command;

    use serde_json::Value;

    use super::*;

    fn jobs() -> Vec<(&'static str, Vec<SocketAddr>)> {
        let address = |port| SocketAddr::from(([127, 0, 0, 1], port));
        vec![
            ("auth", vec![address(40001), address(40002)]),
            ("client", vec![address(40003)]),
        ]
    }

    #[test]
    fn the_config_scrapes_every_replica_labelled_with_its_service_and_loads_every_rules_file() {
        let rule_files = rules::files().unwrap().rules;
        let text = config(&jobs(), &rule_files).unwrap();
        let parsed: Value = serde_yaml_ng::from_str(&text).unwrap();

        assert_eq!(parsed["global"]["scrape_interval"], "5s");
        assert_eq!(parsed["global"]["evaluation_interval"], "5s");
        let scrape_configs = parsed["scrape_configs"].as_array().unwrap();
        assert_eq!(scrape_configs.len(), 2, "one job per service");
        assert_eq!(scrape_configs[0]["job_name"], "auth");
        assert_eq!(
            scrape_configs[0]["static_configs"],
            json!([{ "targets": ["127.0.0.1:40001", "127.0.0.1:40002"], "labels": { "service": "auth" } }])
        );
        assert_eq!(scrape_configs[1]["job_name"], "client");
        assert_eq!(
            scrape_configs[1]["static_configs"][0]["labels"]["service"],
            "client"
        );
        let loaded: Vec<PathBuf> = parsed["rule_files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|path| PathBuf::from(path.as_str().unwrap()))
            .collect();
        assert_eq!(loaded, rule_files);
        assert!(
            loaded
                .iter()
                .all(|path| path.is_absolute() && path.is_file())
        );
    }

    /// promtool also loads the rules files the config names. `cargo xtask test`
    /// installs it before the workspace's tests run.
    #[test]
    fn promtool_accepts_the_config() {
        if Command::new("promtool").arg("--version").output().is_err() {
            eprintln!("promtool is not installed (Debian's prometheus): not checked");
            return;
        }
        let home = testkit::Home::temporary("prometheus-config");
        std::fs::create_dir_all(home.path()).unwrap();
        let file = home.path().join("prometheus.yml");
        std::fs::write(
            &file,
            config(&jobs(), &rules::files().unwrap().rules).unwrap(),
        )
        .unwrap();

        let output = Command::new("promtool")
            .args(["check", "config"])
            .arg(&file)
            .output()
            .unwrap();

        assert!(
            output.status.success(),
            "promtool check config:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

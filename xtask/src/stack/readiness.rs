//! Waiting until a process just started serves, or saying why it never will: it
//! exited (with the end of its log), or it was not ready in time.

use std::{path::Path, process::ExitStatus, time::Duration};

use anyhow::bail;
use testkit::{AsyncSupervised, wait_for};

use super::{launch::RunningService, logs};
use crate::{progress, progress::Ticker};

/// How long a service may take to become ready.
const READY_TIMEOUT: Duration = Duration::from_secs(60);
/// How long the Stripe fake or Prometheus may take to listen.
const LISTEN_TIMEOUT: Duration = Duration::from_secs(10);

/// Waits until `service` answers `/readyz` with success.
pub async fn wait_until_ready(service: &mut RunningService) -> anyhow::Result<()> {
    let name = service.label();
    let name = name.as_str();
    let url = format!("http://{}/readyz", service.address);
    let client = reqwest::Client::new();
    let log = &service.log;
    let process = &mut service.process;
    let mut ticker = Ticker::start();
    let what = format!("{name} to be ready (its log: {})", log.display());
    wait_for(what, READY_TIMEOUT)
        .every(Duration::from_millis(200))
        .until_ok(|| {
            let exited = process.exited();
            ticker.tick(&format!("waiting for {name}"));
            let (client, url) = (&client, &url);
            async move {
                let ready = client
                    .get(url)
                    .timeout(Duration::from_secs(2))
                    .send()
                    .await
                    .is_ok_and(|response| response.status().is_success());
                if ready {
                    return Ok(Some(()));
                }
                exited_before(name, "it was ready", exited, log)
            }
        })
        .await?;
    progress::done(&format!(
        "{name:<12} ready on {} ({:.1}s)",
        service.address,
        ticker.elapsed().as_secs_f32()
    ));
    Ok(())
}

/// Waits until `process` accepts connections on `port`.
pub async fn wait_until_listening(
    name: &str,
    port: u16,
    process: &mut AsyncSupervised,
    log: &Path,
) -> anyhow::Result<()> {
    let what = format!(
        "{name} to listen on port {port} (its log: {})",
        log.display()
    );
    wait_for(what, LISTEN_TIMEOUT)
        .every(Duration::from_millis(100))
        .until_ok(|| {
            let exited = process.exited();
            async move {
                if tokio::net::TcpStream::connect(("127.0.0.1", port))
                    .await
                    .is_ok()
                {
                    return Ok(Some(()));
                }
                exited_before(name, "it listened", exited, log)
            }
        })
        .await
}

/// Not ready yet, or an error with the end of the log if the process has exited.
fn exited_before(
    name: &str,
    milestone: &str,
    exited: Option<ExitStatus>,
    log: &Path,
) -> anyhow::Result<Option<()>> {
    match exited {
        Some(status) => bail!(
            "{name} exited ({status}) before {milestone}; the end of {}:\n{}",
            log.display(),
            logs::tail(log, 15)
        ),
        None => Ok(None),
    }
}

//! Building the binaries and starting them: each a `tokio` child killed by its PID
//! when its guard drops (or by a watchdog if the tool dies), logging to a file, and
//! for the benchmark pinned to one core.

use std::{
    fs::File,
    net::SocketAddr,
    path::{Path, PathBuf},
    process::Stdio,
};

use anyhow::{Context, bail};
use testkit::AsyncSupervised;
use tokio::process::Command;

use super::{
    ports::free_port,
    topology::{Backends, ExtraEnv, SERVICES, ServiceSpec},
};
use crate::{progress, workspace};

/// A cargo build profile.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    Debug,
    Release,
}

impl Profile {
    fn dir(self) -> &'static str {
        match self {
            Self::Debug => "debug",
            Self::Release => "release",
        }
    }

    /// Where cargo put the binary `name` of this profile.
    fn binary(self, name: &str) -> PathBuf {
        workspace::target_dir().join(self.dir()).join(name)
    }
}

/// Builds every binary the stack runs, showing cargo's own progress.
pub fn build_services(profile: Profile) -> anyhow::Result<()> {
    progress::step("Building the services (cargo's progress follows)");
    let mut command = workspace::cargo();
    command.args(["build", "--package", "stripe-fake"]);
    if profile == Profile::Release {
        command.arg("--release");
    }
    for spec in SERVICES {
        command.args(["--package", spec.name]);
    }
    let status = command.status()?;
    if !status.success() {
        bail!("building the services failed ({status})");
    }
    Ok(())
}

/// Whether a service's log starts afresh or continues (after a crash).
#[derive(Clone, Copy)]
pub enum LogFile {
    New,
    Append,
}

/// A running service process and where it listens.
pub struct RunningService {
    pub spec: &'static ServiceSpec,
    /// Which of the service's replicas, from 1.
    pub replica: usize,
    /// How many replicas of each service the stack runs.
    pub replicas: usize,
    /// Its API.
    pub address: SocketAddr,
    /// Where it serves `GET /metrics` (`METRICS_PORT`), apart from the API.
    metrics_address: SocketAddr,
    pub log: PathBuf,
    pub process: AsyncSupervised,
}

impl RunningService {
    pub fn name(&self) -> &'static str {
        self.spec.name
    }

    /// The service's name, and with several replicas which one: `tickets-2`.
    pub fn label(&self) -> String {
        replica_label(self.spec.name, self.replica, self.replicas)
    }

    pub fn pid(&self) -> u32 {
        self.process.pid()
    }

    /// Where Prometheus scrapes it: `http://<this>/metrics`.
    pub fn metrics_address(&self) -> SocketAddr {
        self.metrics_address
    }
}

/// Where a service process listens: its API, and its metrics apart from it.
#[derive(Clone, Copy)]
pub struct Listen {
    pub api: SocketAddr,
    pub metrics: SocketAddr,
}

impl Listen {
    /// Two free ports on the loopback address.
    pub fn free() -> std::io::Result<Self> {
        let loopback = |port| SocketAddr::from(([127, 0, 0, 1], port));
        Ok(Self {
            api: loopback(free_port()?),
            metrics: loopback(free_port()?),
        })
    }

    /// Where `service` listens now, to start it again on the same ports.
    pub fn of(service: &RunningService) -> Self {
        Self {
            api: service.address,
            metrics: service.metrics_address,
        }
    }
}

/// How service processes are started: which build, where they log, pinned or not,
/// and what they connect to.
pub struct Launcher {
    pub logs_dir: PathBuf,
    pub profile: Profile,
    /// Runs every service on this CPU core alone (`taskset`), so tokio starts one
    /// worker: the benchmark's method.
    pub core: Option<usize>,
    pub extra_env: ExtraEnv,
    pub backends: Backends,
    /// How many replicas of each service run.
    pub replicas: usize,
    /// Where the services that others call are reached, one address each (a replica,
    /// or a balancer in front of several); filled in once the APIs are up.
    pub service_addresses: Vec<(&'static str, SocketAddr)>,
}

impl Launcher {
    /// Starts replica `replica` (from 1) of `spec` listening on `listen`.
    pub fn start(
        &self,
        spec: &'static ServiceSpec,
        replica: usize,
        listen: Listen,
        log_file: LogFile,
    ) -> anyhow::Result<RunningService> {
        let label = replica_label(spec.name, replica, self.replicas);
        let log = self.logs_dir.join(format!("{label}.log"));
        let log_file = match log_file {
            LogFile::New => File::create(&log)?,
            LogFile::Append => File::options().append(true).open(&log)?,
        };
        let binary = self.profile.binary(spec.name);
        // taskset execs the binary, so the process we supervise is the service itself.
        let mut command = match self.core {
            Some(core) => {
                let mut pinned = Command::new("taskset");
                pinned.args(["-c", &core.to_string()]).arg(&binary);
                pinned
            }
            None => Command::new(&binary),
        };
        command
            .envs(spec.environment(
                listen,
                &self.backends,
                &self.service_addresses,
                &self.extra_env,
            )?)
            .stdin(Stdio::null())
            .stdout(log_file.try_clone()?)
            .stderr(log_file);
        let process = AsyncSupervised::spawn(&mut command)
            .with_context(|| format!("cannot start {}", binary.display()))?;
        Ok(RunningService {
            spec,
            replica,
            replicas: self.replicas,
            address: listen.api,
            metrics_address: listen.metrics,
            log,
            process,
        })
    }
}

/// `tickets` with one replica; `tickets-1`, `tickets-2` with two.
fn replica_label(name: &str, replica: usize, replicas: usize) -> String {
    if replicas == 1 {
        name.to_owned()
    } else {
        format!("{name}-{replica}")
    }
}

/// Starts the workspace's Stripe fake on `port`, sending its events to
/// `webhook` (URL, signing secret), logging to `log`.
pub fn stripe_fake(
    port: u16,
    (webhook_url, webhook_secret): (&str, &str),
    log: &Path,
    profile: Profile,
) -> anyhow::Result<AsyncSupervised> {
    let log_file = File::create(log)?;
    let mut command = Command::new(profile.binary("stripe-fake"));
    command
        .args(["--port", &port.to_string(), "--webhook-url", webhook_url])
        .env("STRIPE_WEBHOOK_SECRET", webhook_secret)
        .stdin(Stdio::null())
        .stdout(log_file.try_clone()?)
        .stderr(log_file);
    AsyncSupervised::spawn(&mut command).context("cannot start stripe-fake")
}

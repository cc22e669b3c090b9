//! The local stack: NATS, the database, the Stripe fake, every service and the gateway,
//! each process killed when the [`Stack`] drops. `cargo xtask dev` runs one until
//! stopped; the browser test, the fuzzer, the benchmark and the chaos run start their
//! own.
//!
//! [`topology`] says which services run and what environment each needs; [`servers`]
//! starts what they depend on; [`launch`] starts the processes and [`readiness`] waits
//! for them; [`faults`] crashes and restarts them for the chaos run; [`prometheus`]
//! scrapes their metrics, for `cargo xtask dev`.

mod faults;
mod launch;
mod logs;
mod options;
mod ports;
mod prometheus;
mod readiness;
mod servers;
mod topology;

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use anyhow::Context;
use testkit::Server;
use tokio::task::JoinHandle;

use launch::{Launcher, Listen, LogFile};
pub use launch::{Profile, RunningService, build_services};
pub use logs::echo_problems;
pub use options::StackOptions;
pub use ports::free_port;
use prometheus::Prometheus;
pub use prometheus::ensure_port_is_free as ensure_prometheus_port_is_free;
use servers::Servers;
use topology::{SERVICES, ServiceSpec};
pub use topology::{no_per_user_limits, settings_from_env};

use crate::progress;

/// The name of every service the stack runs.
pub fn service_names() -> impl Iterator<Item = &'static str> {
    SERVICES.iter().map(|service| service.name)
}

/// The running system. Dropping it stops every process it started.
pub struct Stack {
    url: String,
    /// Where the database, the event stream, Prometheus's data and the logs live.
    data: PathBuf,
    launcher: Launcher,
    // Dropped in field order: Prometheus, then the gateway and services before what
    // they depend on.
    prometheus: Option<Prometheus>,
    gateway: JoinHandle<std::io::Result<()>>,
    /// The balancers in front of APIs that run several replicas, for the client.
    service_balancers: Vec<JoinHandle<std::io::Result<()>>>,
    services: Vec<RunningService>,
    servers: Servers,
}

impl Stack {
    /// Starts everything from binaries already built (see [`build_services`]) and
    /// waits until each service is ready.
    pub async fn start(options: StackOptions) -> anyhow::Result<Self> {
        let gateway_listener = tokio::net::TcpListener::bind(("127.0.0.1", options.port))
            .await
            .with_context(|| {
                format!(
                    "port {} is in use: stop what uses it or pass --port",
                    options.port
                )
            })?;
        let data = options.data.clone();
        let logs_dir = data.join("logs");
        std::fs::create_dir_all(&logs_dir)?;
        let (backends, servers) = servers::start(&options, &logs_dir).await?;
        let mut launcher = Launcher {
            logs_dir,
            profile: options.profile,
            core: options.pin_services_to_core,
            extra_env: options.service_env,
            backends,
            replicas: options.replicas,
            service_addresses: Vec::new(),
        };

        progress::step(&match options.replicas {
            1 => "Starting the services".to_owned(),
            n => format!("Starting the services, {n} replicas of each"),
        });
        // The APIs start together; the client, which is handed their addresses, after.
        let (pages, apis): (Vec<_>, Vec<_>) =
            SERVICES.iter().partition(|spec| spec.calls_the_apis());
        let mut services = start_replicas(&launcher, &apis).await?;
        let (service_addresses, service_balancers) = service_addresses(&services).await?;
        launcher.service_addresses = service_addresses;
        services.extend(start_replicas(&launcher, &pages).await?);

        let upstreams = replicas_by_service(&services);
        let gateway = tokio::spawn(async move {
            // The gateway tells the services who the client is (X-Forwarded-For).
            let app =
                gateway::router(upstreams).into_make_service_with_connect_info::<SocketAddr>();
            axum::serve(gateway_listener, app).await
        });
        Ok(Self {
            url: format!("http://127.0.0.1:{}", options.port),
            data,
            launcher,
            prometheus: None,
            gateway,
            service_balancers,
            services,
            servers,
        })
    }

    /// How many replicas of each service run.
    pub fn replicas(&self) -> usize {
        self.launcher.replicas
    }

    /// The one URL to open: the gateway.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Starts Prometheus on 127.0.0.1:`port`, scraping every service replica; it stops
    /// with the stack. Returns its URL.
    pub async fn start_prometheus(&mut self, port: u16) -> anyhow::Result<&str> {
        let prometheus =
            prometheus::start(&self.data, &self.launcher.logs_dir, port, &self.services).await?;
        Ok(&self.prometheus.insert(prometheus).url)
    }

    /// A signed-out client of the API through the gateway.
    pub fn api(&self) -> testkit::api::ApiClient {
        testkit::api::ApiClient::new(testkit::api::Endpoints::gateway(&self.url))
    }

    pub fn logs_dir(&self) -> &Path {
        &self.launcher.logs_dir
    }

    /// Where the services' databases are.
    pub fn mongo_url(&self) -> &str {
        &self.launcher.backends.mongo_url
    }

    /// The Stripe API the payments service calls (the fake, locally).
    pub fn stripe_api_base(&self) -> &str {
        &self.launcher.backends.stripe.api_base
    }

    /// The secret key the payments service calls Stripe with.
    pub fn stripe_secret_key(&self) -> &str {
        &self.launcher.backends.stripe.secret_key
    }

    pub fn services(&self) -> &[RunningService] {
        &self.services
    }

    /// The service called `name` (its first replica).
    pub fn service(&self, name: &str) -> &RunningService {
        self.services
            .iter()
            .find(|service| service.name() == name)
            .unwrap_or_else(|| panic!("the stack has no {name} service"))
    }

    /// The process ids of the database and NATS servers the stack started.
    pub fn server_pids(&self) -> Vec<u32> {
        let nats = self.servers.nats.iter().flat_map(|nats| &nats.nodes);
        self.servers
            .mongo
            .iter()
            .chain(nats)
            .filter_map(Server::pid)
            .collect()
    }

    /// Every process the stack started, by what it is (a service's name, `database`,
    /// `NATS`, `Stripe fake`, `Prometheus`), with its id; replicas of a service share
    /// a name.
    pub fn processes(&self) -> Vec<(String, u32)> {
        let services = self
            .services
            .iter()
            .map(|service| (service.name().to_owned(), service.pid()));
        let mongo = self.servers.mongo.iter().filter_map(|mongo| mongo.pid());
        let nats = self.servers.nats.iter().flat_map(|nats| &nats.nodes);
        let stripe_fake = self.servers.stripe_fake.iter().map(|fake| fake.pid());
        services
            .chain(mongo.map(|pid| ("database".to_owned(), pid)))
            .chain(
                nats.filter_map(Server::pid)
                    .map(|pid| ("NATS".to_owned(), pid)),
            )
            .chain(stripe_fake.map(|pid| ("Stripe fake".to_owned(), pid)))
            .chain(
                self.prometheus
                    .iter()
                    .map(|prometheus| ("Prometheus".to_owned(), prometheus.pid())),
            )
            .collect()
    }

    /// How many NATS servers the stack runs.
    pub fn nats_nodes(&self) -> usize {
        self.servers
            .nats
            .as_ref()
            .map_or(0, |nats| nats.nodes.len())
    }

    /// Each service replica's label and log file.
    pub fn log_files(&self) -> Vec<(String, PathBuf)> {
        self.services
            .iter()
            .map(|service| (service.label(), service.log.clone()))
            .collect()
    }

    /// Completes, with what went wrong, when a service process exits or the gateway
    /// stops; a healthy stack never completes it.
    pub async fn failure(&mut self) -> String {
        let exits = self.services.iter_mut().map(|service| {
            Box::pin(async move {
                let _ = service.process.wait().await;
                format!(
                    "{} stopped unexpectedly; see {}",
                    service.label(),
                    service.log.display()
                )
            })
        });
        tokio::select! {
            (exited, ..) = futures::future::select_all(exits) => exited,
            _ = &mut self.gateway => "the gateway stopped".to_owned(),
        }
    }

    /// Kills replica `replica` (from 1) of a service with SIGKILL, as a crash would,
    /// and starts it again on the same ports after `down_for`; returns once it is
    /// ready, with the moment the killed process was gone. The service's other
    /// replicas serve meanwhile.
    pub async fn crash_and_restart(
        &mut self,
        name: &str,
        replica: usize,
        down_for: Duration,
    ) -> anyhow::Result<Instant> {
        faults::crash_and_restart_service(
            &self.launcher,
            &mut self.services,
            name,
            replica,
            down_for,
        )
        .await
    }

    /// Kills every NATS server (SIGKILL) and starts them again on the same ports and
    /// data after `down_for`.
    pub async fn crash_and_restart_nats(&mut self, down_for: Duration) -> anyhow::Result<()> {
        let nats = self
            .servers
            .nats
            .as_mut()
            .context("NATS was not started by the stack")?;
        faults::crash_and_restart_cluster(nats, down_for).await;
        Ok(())
    }

    /// Kills one NATS server of the cluster (SIGKILL) and starts it again on the same
    /// port and data after `down_for`; the others keep the stream meanwhile.
    pub async fn crash_and_restart_nats_node(
        &mut self,
        node: usize,
        down_for: Duration,
    ) -> anyhow::Result<()> {
        let server = self
            .servers
            .nats
            .as_mut()
            .and_then(|nats| nats.nodes.get_mut(node))
            .with_context(|| format!("the stack started no NATS node {node}"))?;
        faults::crash_and_restart_server(server, down_for).await;
        Ok(())
    }

    /// Stops the database (SIGKILL) for `down_for`, then starts it again on the same
    /// port and data.
    pub async fn crash_and_restart_database(&mut self, down_for: Duration) -> anyhow::Result<()> {
        let mongo = self
            .servers
            .mongo
            .as_mut()
            .context("the database was not started by the stack")?;
        faults::crash_and_restart_server(mongo, down_for).await;
        Ok(())
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        self.gateway.abort();
        for balancer in &self.service_balancers {
            balancer.abort();
        }
    }
}

/// Starts every replica of each of `specs`, then waits until all are ready.
async fn start_replicas(
    launcher: &Launcher,
    specs: &[&'static ServiceSpec],
) -> anyhow::Result<Vec<RunningService>> {
    let mut started = Vec::new();
    for spec in specs {
        for replica in 1..=launcher.replicas {
            started.push(launcher.start(spec, replica, Listen::free()?, LogFile::New)?);
        }
    }
    for service in &mut started {
        readiness::wait_until_ready(service).await?;
    }
    Ok(started)
}

/// Where each service's replicas listen, by service name.
fn replicas_by_service(services: &[RunningService]) -> gateway::Upstreams {
    let mut upstreams = gateway::Upstreams::new();
    for service in services {
        upstreams
            .entry(service.name().to_owned())
            .or_default()
            .push(service.address);
    }
    upstreams
}

/// One address for each of `services`, as a Kubernetes Service gives: the replica
/// itself when there is one, otherwise a balancer in front of them all (returned to be
/// stopped with the stack).
async fn service_addresses(
    services: &[RunningService],
) -> anyhow::Result<(
    Vec<(&'static str, SocketAddr)>,
    Vec<JoinHandle<std::io::Result<()>>>,
)> {
    let mut by_service = replicas_by_service(services);
    let (mut addresses, mut balancers) = (Vec::new(), Vec::new());
    for spec in SERVICES {
        let Some(replicas) = by_service.remove(spec.name) else {
            continue;
        };
        if let [only] = replicas[..] {
            addresses.push((spec.name, only));
            continue;
        }
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        addresses.push((spec.name, listener.local_addr()?));
        let balancer = gateway::service_router(spec.name, replicas);
        balancers.push(tokio::spawn(async move {
            axum::serve(listener, balancer).await
        }));
    }
    Ok((addresses, balancers))
}

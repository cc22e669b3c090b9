//! The local stack: NATS, the database, the Stripe fake, every service and the gateway,
//! each process killed when the [`Stack`] drops. `cargo xtask dev` runs one until
//! stopped; the browser test, the fuzzer, the benchmark and the chaos run start their
//! own.
//!
//! [`topology`] says which services run and what environment each needs; [`servers`]
//! starts what they depend on; [`launch`] starts the processes and [`readiness`] waits
//! for them; [`faults`] crashes and restarts them for the chaos run.

mod faults;
mod launch;
mod logs;
mod options;
mod ports;
mod readiness;
mod servers;
mod topology;

use std::{
    collections::HashMap,
    net::SocketAddr,
    path::{Path, PathBuf},
    time::Duration,
};

use anyhow::Context;
use tokio::task::JoinHandle;

use launch::{Launcher, LogFile};
pub use launch::{Profile, RunningService, build_services};
pub use logs::echo_problems;
pub use options::StackOptions;
pub use ports::free_port;
use servers::Servers;
use topology::SERVICES;
pub use topology::{no_per_user_limits, per_user_limits_from_env};

use crate::progress;

/// The running system. Dropping it stops every process it started.
pub struct Stack {
    url: String,
    launcher: Launcher,
    // Dropped in field order: the gateway and services before what they depend on.
    gateway: JoinHandle<std::io::Result<()>>,
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
        let logs_dir = options.data.join("logs");
        std::fs::create_dir_all(&logs_dir)?;
        let (backends, servers) = servers::start(&options, &logs_dir).await?;
        let launcher = Launcher {
            logs_dir,
            profile: options.profile,
            core: options.pin_services_to_core,
            extra_env: options.service_env,
            backends,
        };

        progress::step("Starting the services");
        // The APIs start together; the client, which is handed their addresses, after.
        let (pages, apis): (Vec<_>, Vec<_>) =
            SERVICES.iter().partition(|spec| spec.calls_the_apis());
        let mut services: Vec<RunningService> = Vec::new();
        for group in [apis, pages] {
            let first = services.len();
            for spec in group {
                let address = SocketAddr::from(([127, 0, 0, 1], free_port()?));
                let service = launcher.start(spec, address, &services, LogFile::New)?;
                services.push(service);
            }
            for service in &mut services[first..] {
                readiness::wait_until_ready(service).await?;
            }
        }

        let upstreams: HashMap<String, SocketAddr> = services
            .iter()
            .map(|service| (service.name().to_owned(), service.address))
            .collect();
        let gateway = tokio::spawn(async move {
            // The gateway tells the services who the client is (X-Forwarded-For).
            let app =
                gateway::router(upstreams).into_make_service_with_connect_info::<SocketAddr>();
            axum::serve(gateway_listener, app).await
        });
        Ok(Self {
            url: format!("http://127.0.0.1:{}", options.port),
            launcher,
            gateway,
            services,
            servers,
        })
    }

    /// The one URL to open: the gateway.
    pub fn url(&self) -> &str {
        &self.url
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

    pub fn services(&self) -> &[RunningService] {
        &self.services
    }

    /// The service called `name`.
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
            .filter_map(testkit::Server::pid)
            .collect()
    }

    /// How many NATS servers the stack runs.
    pub fn nats_nodes(&self) -> usize {
        self.servers
            .nats
            .as_ref()
            .map_or(0, |nats| nats.nodes.len())
    }

    /// Each service's name and log file.
    pub fn log_files(&self) -> Vec<(&'static str, PathBuf)> {
        self.services
            .iter()
            .map(|service| (service.name(), service.log.clone()))
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
                    service.name(),
                    service.log.display()
                )
            })
        });
        tokio::select! {
            (exited, ..) = futures::future::select_all(exits) => exited,
            _ = &mut self.gateway => "the gateway stopped".to_owned(),
        }
    }

    /// Kills a service with SIGKILL, as a crash would, and starts it again on the same
    /// port after `down_for`; returns once it is ready.
    pub async fn crash_and_restart(
        &mut self,
        name: &str,
        down_for: Duration,
    ) -> anyhow::Result<()> {
        faults::crash_and_restart_service(&self.launcher, &mut self.services, name, down_for).await
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
    }
}

//! The local stack: NATS, the database, the Stripe fake, every service and the gateway,
//! each a child process killed when the [`Stack`] drops. `cargo xtask dev` runs one
//! until stopped; the browser test starts its own.

use std::{
    collections::HashMap,
    fs::File,
    net::SocketAddr,
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::Duration,
};

use anyhow::{Context, bail};
use settings::DEV_JWT_KEY;
use testkit::{Home, Mongo, NatsCluster, NatsEndpoint, Server, Supervised};
use tokio::task::JoinHandle;

use super::logs;
use crate::{progress, progress::Ticker};

pub struct StackOptions {
    /// Port of the gateway.
    pub port: u16,
    /// Where the database, the event stream and the logs live; kept between runs.
    pub data: PathBuf,
    /// How long an order holds its ticket; the orders service's default when `None`.
    pub order_expiration_seconds: Option<u64>,
    /// Which build of the binaries to run.
    pub profile: Profile,
    /// Runs every service on this CPU core alone (`taskset`), so tokio starts one
    /// worker: the benchmark's method.
    pub pin_services_to_core: Option<usize>,
    /// More variables for one service: (service, name, value).
    pub service_env: Vec<(&'static str, &'static str, String)>,
    /// How many NATS servers: 1, or 3 forming a JetStream cluster whose stream keeps
    /// three copies.
    pub nats_nodes: usize,
    /// Use the NATS, MongoDB and Stripe named by `NATS_URL`, `MONGO_URL` and
    /// `STRIPE_API_BASE` when set. Only `xtask dev` does: the browser test, the
    /// benchmark and the chaos run need servers of their own, with fresh data.
    pub servers_from_env: bool,
}

/// `service_env` that lifts auth's attempt limits (30 and 10 a minute): the benchmark
/// and the chaos run sign in and up far faster than a person, from one address.
pub fn unlimited_attempts() -> Vec<(&'static str, &'static str, String)> {
    [
        "AUTH_ATTEMPTS_PER_ADDRESS_PER_MINUTE",
        "AUTH_ATTEMPTS_PER_EMAIL_PER_MINUTE",
    ]
    .into_iter()
    .map(|name| ("auth", name, u32::MAX.to_string()))
    .collect()
}

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
}

/// What a service reads from its environment, beyond its port.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Need {
    /// `MONGO_URL`, `MONGO_DB`, `APP_ENV`.
    Database,
    /// `JWT_KEY`, to verify (auth: to issue) session cookies.
    Sessions,
    /// `NATS_URL`.
    Events,
    /// `STRIPE_API_BASE`, `STRIPE_SECRET_KEY`.
    StripeApi,
    /// `ORDER_EXPIRATION_SECONDS`, when the stack sets one.
    OrderExpiration,
    /// The web client's: the URLs of the APIs it calls, and where Stripe.js comes from.
    ApisAndStripeJs,
}

/// A service binary of the workspace and what it needs.
struct ServiceSpec {
    name: &'static str,
    needs: &'static [Need],
}

/// Every service the local stack runs. Their routes come from `gateway::ROUTES`.
const SERVICES: &[ServiceSpec] = &[
    ServiceSpec {
        name: "auth",
        needs: &[Need::Database, Need::Sessions, Need::Events],
    },
    ServiceSpec {
        name: "tickets",
        needs: &[Need::Database, Need::Sessions, Need::Events],
    },
    ServiceSpec {
        name: "orders",
        needs: &[
            Need::Database,
            Need::Sessions,
            Need::Events,
            Need::OrderExpiration,
        ],
    },
    ServiceSpec {
        name: "expiration",
        needs: &[Need::Database, Need::Events],
    },
    ServiceSpec {
        name: "payments",
        needs: &[
            Need::Database,
            Need::Sessions,
            Need::Events,
            Need::StripeApi,
        ],
    },
    ServiceSpec {
        name: "client",
        needs: &[Need::ApisAndStripeJs],
    },
];

/// The Stripe keys the stack uses against the local fake. Not secrets.
const FAKE_STRIPE_SECRET_KEY: &str = "sk_test_local_fake";
const FAKE_STRIPE_PUBLISHABLE_KEY: &str = "pk_test_local_fake";

/// The services' log filter unless `RUST_LOG` is set. async-stripe warns about every
/// 4xx it gets, a declined test card included; the payments service logs what matters
/// itself, so those warnings would only be noise on screen.
const DEFAULT_LOG_FILTER: &str = "info,stripe=error";

/// How long a service may take to become ready.
const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// Where the services find what they depend on.
struct Backends {
    mongo_url: String,
    nats: NatsEndpoint,
    stream_replicas: usize,
    stripe: StripeEndpoints,
    order_expiration_seconds: Option<u64>,
}

/// Real Stripe (from the environment) or the local fake.
struct StripeEndpoints {
    api_base: String,
    secret_key: String,
    publishable_key: String,
    script_url: String,
}

/// A running service process and where it listens.
pub struct RunningService {
    pub name: &'static str,
    pub address: SocketAddr,
    log: PathBuf,
    process: Supervised,
}

impl RunningService {
    pub fn pid(&self) -> u32 {
        self.process.pid()
    }
}

/// The running system. Dropping it stops every process it started.
pub struct Stack {
    url: String,
    launch: Launch,
    backends: Backends,
    // Dropped in field order: the gateway and services before what they depend on.
    gateway: JoinHandle<std::io::Result<()>>,
    services: Vec<RunningService>,
    _stripe: Option<Supervised>,
    mongo: Option<Server>,
    nats: Option<NatsCluster>,
}

/// How service processes are started.
struct Launch {
    logs_dir: PathBuf,
    profile: Profile,
    core: Option<usize>,
    service_env: Vec<(&'static str, &'static str, String)>,
}

/// Builds every binary the stack runs, showing cargo's own progress.
pub fn build_services(profile: Profile) -> anyhow::Result<()> {
    progress::step("Building the services (cargo's progress follows)");
    let mut command = crate::cargo();
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

        progress::step("Starting NATS JetStream, the database and Stripe");
        let from_env = |name| {
            options
                .servers_from_env
                .then(|| std::env::var(name).ok())
                .flatten()
        };
        let (nats_endpoint, nats) = match from_env("NATS_URL") {
            Some(url) => (NatsEndpoint::external(url), None),
            None => {
                let nats = NatsCluster::start_in(&options.data.join("nats"), options.nats_nodes);
                (nats.endpoint(), Some(nats))
            }
        };
        let (mongo_url, mongo) = match from_env("MONGO_URL") {
            Some(url) => (url, None),
            None => {
                let mongo = Mongo::start_in(Home::kept(options.data.join("mongo")));
                (mongo.url(), Some(mongo))
            }
        };
        let real_stripe = from_env("STRIPE_API_BASE");
        let (stripe, stripe_fake) =
            stripe_endpoints(real_stripe, &logs_dir, options.profile).await?;
        progress::done(&format!("NATS      {}", nats_endpoint.url));
        progress::done(&format!("MongoDB   {mongo_url}"));
        progress::done(&format!("Stripe    {}", stripe.api_base));
        let backends = Backends {
            mongo_url,
            nats: nats_endpoint,
            stream_replicas: options.nats_nodes,
            stripe,
            order_expiration_seconds: options.order_expiration_seconds,
        };
        let launch = Launch {
            logs_dir: logs_dir.clone(),
            profile: options.profile,
            core: options.pin_services_to_core,
            service_env: options.service_env,
        };

        progress::step("Starting the services");
        // The APIs start together; the client, which is handed their addresses, after.
        let (pages, apis): (Vec<&ServiceSpec>, Vec<&ServiceSpec>) = SERVICES
            .iter()
            .partition(|spec| spec.needs.contains(&Need::ApisAndStripeJs));
        let mut services: Vec<RunningService> = Vec::new();
        for group in [apis, pages] {
            let first = services.len();
            for spec in group {
                let address = SocketAddr::from(([127, 0, 0, 1], crate::free_port()?));
                let service =
                    start_service(spec, &launch, &backends, &services, address, LogFile::New)?;
                services.push(service);
            }
            for service in &mut services[first..] {
                wait_until_ready(service).await?;
            }
        }

        let upstreams: HashMap<String, SocketAddr> = services
            .iter()
            .map(|service| (service.name.to_owned(), service.address))
            .collect();
        let gateway = tokio::spawn(async move {
            // The gateway tells the services who the client is (X-Forwarded-For).
            let app =
                gateway::router(upstreams).into_make_service_with_connect_info::<SocketAddr>();
            axum::serve(gateway_listener, app).await
        });
        Ok(Self {
            url: format!("http://127.0.0.1:{}", options.port),
            launch,
            backends,
            gateway,
            services,
            _stripe: stripe_fake,
            mongo,
            nats,
        })
    }

    /// The one URL to open: the gateway.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn logs_dir(&self) -> &Path {
        &self.launch.logs_dir
    }

    /// Where the services' databases are.
    pub fn mongo_url(&self) -> &str {
        &self.backends.mongo_url
    }

    /// The Stripe API the payments service calls (the fake, locally).
    pub fn stripe_api_base(&self) -> &str {
        &self.backends.stripe.api_base
    }

    /// Kills a service with SIGKILL, as a crash would, and starts it again on the same
    /// port after `down_for`; returns once it is ready.
    pub async fn crash_and_restart(
        &mut self,
        name: &str,
        down_for: Duration,
    ) -> anyhow::Result<()> {
        let index = self
            .services
            .iter()
            .position(|service| service.name == name)
            .with_context(|| format!("the stack has no {name} service"))?;
        let crashed = self.services.remove(index);
        let address = crashed.address;
        drop(crashed);
        tokio::time::sleep(down_for).await;
        let spec = SERVICES
            .iter()
            .find(|spec| spec.name == name)
            .expect("every running service has a spec");
        let mut service = start_service(
            spec,
            &self.launch,
            &self.backends,
            &self.services,
            address,
            LogFile::Append,
        )?;
        wait_until_ready(&mut service).await?;
        self.services.insert(index, service);
        Ok(())
    }

    /// Kills every NATS server (SIGKILL) and starts them again on the same ports and
    /// data after `down_for`.
    pub async fn crash_and_restart_nats(&mut self, down_for: Duration) -> anyhow::Result<()> {
        let nodes = &mut self
            .nats
            .as_mut()
            .context("NATS was not started by the stack")?
            .nodes;
        for node in nodes.iter_mut() {
            node.stop();
        }
        tokio::time::sleep(down_for).await;
        for node in nodes.iter_mut() {
            tokio::task::block_in_place(|| node.restart());
        }
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
            .nats
            .as_mut()
            .and_then(|nats| nats.nodes.get_mut(node))
            .with_context(|| format!("the stack started no NATS node {node}"))?;
        crash_and_restart_server(server, down_for).await;
        Ok(())
    }

    /// How many NATS servers the stack runs.
    pub fn nats_nodes(&self) -> usize {
        self.nats.as_ref().map_or(0, |nats| nats.nodes.len())
    }

    /// Stops the database (SIGKILL) for `down_for`, then starts it again on the same
    /// port and data.
    pub async fn crash_and_restart_database(&mut self, down_for: Duration) -> anyhow::Result<()> {
        let mongo = self
            .mongo
            .as_mut()
            .context("the database was not started by the stack")?;
        crash_and_restart_server(mongo, down_for).await;
        Ok(())
    }

    pub fn services(&self) -> &[RunningService] {
        &self.services
    }

    /// The service called `name`.
    pub fn service(&self, name: &str) -> &RunningService {
        self.services
            .iter()
            .find(|service| service.name == name)
            .unwrap_or_else(|| panic!("the stack has no {name} service"))
    }

    /// The process ids of the database and NATS servers the stack started.
    pub fn server_pids(&self) -> Vec<u32> {
        let nats = self.nats.iter().flat_map(|nats| &nats.nodes);
        self.mongo
            .iter()
            .chain(nats)
            .filter_map(Server::pid)
            .collect()
    }

    /// Each service's name and log file.
    pub fn log_files(&self) -> Vec<(&'static str, PathBuf)> {
        self.services
            .iter()
            .map(|service| (service.name, service.log.clone()))
            .collect()
    }

    /// Completes, with what went wrong, when a service process exits or the gateway
    /// stops; a healthy stack never completes it.
    pub async fn failure(&mut self) -> String {
        loop {
            if let Some(service) = self
                .services
                .iter_mut()
                .find_map(|service| service.process.exited().map(|_| service))
            {
                return format!(
                    "{} stopped unexpectedly; see {}",
                    service.name,
                    service.log.display()
                );
            }
            if self.gateway.is_finished() {
                return "the gateway stopped".to_owned();
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
}

async fn crash_and_restart_server(server: &mut Server, down_for: Duration) {
    server.stop();
    tokio::time::sleep(down_for).await;
    // Starting waits for the server's ready line; let the runtime's other tasks
    // (the gateway, the load) go on meanwhile.
    tokio::task::block_in_place(|| server.restart());
}

/// Whether a service's log starts afresh or continues (after a crash).
#[derive(Clone, Copy)]
enum LogFile {
    New,
    Append,
}

impl Drop for Stack {
    fn drop(&mut self) {
        self.gateway.abort();
    }
}

fn start_service(
    spec: &ServiceSpec,
    launch: &Launch,
    backends: &Backends,
    started: &[RunningService],
    address: SocketAddr,
    log_file: LogFile,
) -> anyhow::Result<RunningService> {
    let log = launch.logs_dir.join(format!("{}.log", spec.name));
    let log_file = match log_file {
        LogFile::New => File::create(&log)?,
        LogFile::Append => File::options().append(true).open(&log)?,
    };
    let binary = crate::target_dir()
        .join(launch.profile.dir())
        .join(spec.name);
    // taskset execs the binary, so the process we supervise is the service itself.
    let mut command = match launch.core {
        Some(core) => {
            let mut pinned = Command::new("taskset");
            pinned.args(["-c", &core.to_string()]).arg(&binary);
            pinned
        }
        None => Command::new(&binary),
    };
    command
        .env("PORT", address.port().to_string())
        .env(
            "RUST_LOG",
            std::env::var("RUST_LOG").unwrap_or_else(|_| DEFAULT_LOG_FILTER.to_owned()),
        )
        .stdin(Stdio::null())
        .stdout(log_file.try_clone()?)
        .stderr(log_file);
    for need in spec.needs {
        set_env(&mut command, *need, spec.name, backends, started)?;
    }
    for (_, name, value) in launch
        .service_env
        .iter()
        .filter(|(service, ..)| *service == spec.name)
    {
        command.env(name, value);
    }
    let process = Supervised::spawn(&mut command, None)
        .with_context(|| format!("cannot start {}", binary.display()))?;
    Ok(RunningService {
        name: spec.name,
        address,
        log,
        process,
    })
}

fn set_env(
    command: &mut Command,
    need: Need,
    service: &str,
    backends: &Backends,
    started: &[RunningService],
) -> anyhow::Result<()> {
    match need {
        Need::Database => {
            command
                .env("MONGO_URL", &backends.mongo_url)
                .env("MONGO_DB", service)
                .env("APP_ENV", "development");
        }
        Need::Sessions => {
            // Local sessions are signed with the public dev key unless JWT_KEY is set.
            command.env(
                "JWT_KEY",
                std::env::var("JWT_KEY").unwrap_or_else(|_| DEV_JWT_KEY.to_owned()),
            );
        }
        Need::Events => {
            command.envs(backends.nats.env(service)).env(
                "EVENTS_STREAM_REPLICAS",
                backends.stream_replicas.to_string(),
            );
        }
        Need::StripeApi => {
            command
                .env("STRIPE_API_BASE", &backends.stripe.api_base)
                .env("STRIPE_SECRET_KEY", &backends.stripe.secret_key);
        }
        Need::OrderExpiration => {
            if let Some(seconds) = backends.order_expiration_seconds {
                command.env("ORDER_EXPIRATION_SECONDS", seconds.to_string());
            }
        }
        Need::ApisAndStripeJs => {
            for (variable, api) in [
                ("AUTH_URL", "auth"),
                ("TICKETS_URL", "tickets"),
                ("ORDERS_URL", "orders"),
            ] {
                let address = started
                    .iter()
                    .find(|service| service.name == api)
                    .with_context(|| format!("{service} needs {api}, which starts after it"))?
                    .address;
                command.env(variable, format!("http://{address}"));
            }
            command
                .env("STRIPE_PUBLISHABLE_KEY", &backends.stripe.publishable_key)
                .env("STRIPE_JS_URL", &backends.stripe.script_url);
        }
    }
    Ok(())
}

/// Real Stripe when `real_stripe` names its API (with its keys from the environment),
/// else the workspace's fake, which also serves the Stripe.js stand-in.
async fn stripe_endpoints(
    real_stripe: Option<String>,
    logs_dir: &Path,
    profile: Profile,
) -> anyhow::Result<(StripeEndpoints, Option<Supervised>)> {
    if let Some(api_base) = real_stripe {
        let required = |name: &str| {
            std::env::var(name)
                .with_context(|| format!("STRIPE_API_BASE is set, so {name} must be too"))
        };
        let endpoints = StripeEndpoints {
            api_base,
            secret_key: required("STRIPE_SECRET_KEY")?,
            publishable_key: required("STRIPE_PUBLISHABLE_KEY")?,
            script_url: "https://js.stripe.com/v3/".to_owned(),
        };
        return Ok((endpoints, None));
    }
    let (base, fake) = start_stripe_fake(logs_dir, profile).await?;
    let endpoints = StripeEndpoints {
        script_url: format!("{base}v3/"),
        api_base: base,
        secret_key: FAKE_STRIPE_SECRET_KEY.to_owned(),
        publishable_key: FAKE_STRIPE_PUBLISHABLE_KEY.to_owned(),
    };
    Ok((endpoints, Some(fake)))
}

/// Starts the workspace's Stripe fake and waits until it answers; returns its base URL.
async fn start_stripe_fake(
    logs_dir: &Path,
    profile: Profile,
) -> anyhow::Result<(String, Supervised)> {
    let port = crate::free_port()?;
    let log_file = File::create(logs_dir.join("stripe-fake.log"))?;
    let binary = crate::target_dir().join(profile.dir()).join("stripe-fake");
    let mut command = Command::new(binary);
    command
        .args(["--port", &port.to_string()])
        .stdin(Stdio::null())
        .stdout(log_file.try_clone()?)
        .stderr(log_file);
    let process = Supervised::spawn(&mut command, None).context("cannot start stripe-fake")?;
    let base = format!("http://127.0.0.1:{port}/");
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Ok((base, process));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!(
        "stripe-fake did not start; see {}",
        logs_dir.join("stripe-fake.log").display()
    )
}

async fn wait_until_ready(service: &mut RunningService) -> anyhow::Result<()> {
    let url = format!("http://{}/readyz", service.address);
    let client = reqwest::Client::new();
    let mut ticker = Ticker::start();
    loop {
        let ready = client
            .get(&url)
            .timeout(Duration::from_secs(2))
            .send()
            .await
            .is_ok_and(|response| response.status().is_success());
        if ready {
            progress::done(&format!(
                "{:<10} ready on {} ({:.1}s)",
                service.name,
                service.address,
                ticker.elapsed().as_secs_f32()
            ));
            return Ok(());
        }
        if let Some(status) = service.process.exited() {
            bail!(
                "{} exited ({status}) before it was ready; the end of {}:\n{}",
                service.name,
                service.log.display(),
                logs::tail(&service.log, 15)
            );
        }
        if ticker.elapsed() > READY_TIMEOUT {
            bail!(
                "{} was not ready after {}s; see {}",
                service.name,
                READY_TIMEOUT.as_secs(),
                service.log.display()
            );
        }
        ticker.tick(&format!("waiting for {}", service.name));
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

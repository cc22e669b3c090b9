//! `cargo xtask dev`: the whole system on this machine, behind the gateway.

use std::{
    collections::HashMap,
    fs::File,
    net::{SocketAddr, TcpListener},
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::Duration,
};

use anyhow::{Context, bail};
use testkit::{Home, Mongo, Nats, Supervised};

use crate::{install, progress, progress::Ticker, workspace_root};

mod logs;

#[derive(clap::Args)]
pub struct Options {
    /// Port of the gateway, the one URL to open.
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Delete the local data (database, events, logs) before starting.
    #[arg(long)]
    fresh: bool,
}

/// A service binary of the workspace and what it needs.
struct ServiceSpec {
    name: &'static str,
    uses_nats: bool,
    uses_stripe: bool,
}

/// Where the services find what they depend on.
struct Backends {
    mongo_url: String,
    nats_url: String,
    stripe_api_base: String,
    stripe_secret_key: String,
}

/// Every service the local stack runs. Their routes come from `gateway::ROUTES`.
const SERVICES: &[ServiceSpec] = &[
    ServiceSpec {
        name: "auth",
        uses_nats: false,
        uses_stripe: false,
    },
    ServiceSpec {
        name: "tickets",
        uses_nats: true,
        uses_stripe: false,
    },
    ServiceSpec {
        name: "orders",
        uses_nats: true,
        uses_stripe: false,
    },
    ServiceSpec {
        name: "expiration",
        uses_nats: true,
        uses_stripe: false,
    },
    ServiceSpec {
        name: "payments",
        uses_nats: true,
        uses_stripe: true,
    },
];

/// The Stripe key the services use against the local fake. Not a secret.
const FAKE_STRIPE_KEY: &str = "sk_test_local_fake";

/// Signs local session cookies when `JWT_KEY` is not set. Not a secret: local only.
const DEV_JWT_KEY: &str = "dev-only-jwt-key-not-for-production";

/// How long a service may take to become ready.
const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// A running service process and where it listens.
struct RunningService {
    name: &'static str,
    address: SocketAddr,
    log: PathBuf,
    process: Supervised,
}

pub async fn run(options: Options) -> anyhow::Result<()> {
    let data = workspace_root().join(".dev-data");
    if options.fresh && data.exists() {
        std::fs::remove_dir_all(&data).context("wipe .dev-data")?;
        progress::done("Wiped .dev-data (--fresh)");
    }
    let gateway_listener = tokio::net::TcpListener::bind(("127.0.0.1", options.port))
        .await
        .with_context(|| {
            format!(
                "port {} is in use: stop what uses it or pass --port",
                options.port
            )
        })?;

    install::ensure_tools()?;
    build_services()?;

    progress::step("Starting NATS JetStream and the database");
    let (nats_url, _nats) = match std::env::var("NATS_URL") {
        Ok(url) => (url, None),
        Err(_) => {
            let nats = Nats::start_in(Home::kept(data.join("nats")));
            (nats.url(), Some(nats))
        }
    };
    let (mongo_url, _mongo) = match std::env::var("MONGO_URL") {
        Ok(url) => (url, None),
        Err(_) => {
            let mongo = Mongo::start_in(Home::kept(data.join("mongo")));
            (mongo.url(), Some(mongo))
        }
    };
    let logs_dir = data.join("logs");
    std::fs::create_dir_all(&logs_dir)?;
    let (stripe_api_base, stripe_secret_key, _stripe) = match std::env::var("STRIPE_API_BASE") {
        Ok(base) => {
            let key = std::env::var("STRIPE_SECRET_KEY")
                .context("STRIPE_API_BASE is set, so STRIPE_SECRET_KEY must be too")?;
            (base, key, None)
        }
        Err(_) => {
            let (base, fake) = start_stripe_fake(&logs_dir).await?;
            (base, FAKE_STRIPE_KEY.to_owned(), Some(fake))
        }
    };
    progress::done(&format!("NATS      {nats_url}"));
    progress::done(&format!("MongoDB   {mongo_url}"));
    progress::done(&format!("Stripe    {stripe_api_base}"));
    let backends = Backends {
        mongo_url,
        nats_url,
        stripe_api_base,
        stripe_secret_key,
    };

    progress::step("Starting the services");
    let mut services = Vec::new();
    for spec in SERVICES {
        services.push(start_service(spec, &logs_dir, &backends)?);
    }
    for service in &mut services {
        wait_until_ready(service).await?;
    }

    let upstreams: HashMap<String, SocketAddr> = services
        .iter()
        .map(|service| (service.name.to_owned(), service.address))
        .collect();
    let gateway =
        tokio::spawn(
            async move { axum::serve(gateway_listener, gateway::router(upstreams)).await },
        );
    let log_files = services
        .iter()
        .map(|service| (service.name, service.log.clone()))
        .collect();
    let _echo = tokio::spawn(logs::echo_problems(log_files));

    println!();
    println!("Ticketing is running at http://127.0.0.1:{}", options.port);
    println!(
        "    logs in {}; Ctrl-C stops everything",
        logs_dir.display()
    );

    tokio::select! {
        () = common::http::shutdown_signal() => {}
        name = first_exit(&mut services) => {
            eprintln!("!! {name} stopped unexpectedly; see its log. Stopping everything.");
        }
        result = gateway => {
            eprintln!("!! the gateway stopped: {result:?}");
        }
    }
    progress::step("Stopping every process");
    drop(services);
    Ok(())
}

fn build_services() -> anyhow::Result<()> {
    progress::step("Building the services (cargo's progress follows)");
    let mut command = Command::new(crate::cargo());
    command.args(["build", "--package", "stripe-fake"]);
    for spec in SERVICES {
        command.args(["--package", spec.name]);
    }
    let status = command.status()?;
    if !status.success() {
        bail!("building the services failed ({status})");
    }
    Ok(())
}

fn start_service(
    spec: &ServiceSpec,
    logs_dir: &Path,
    backends: &Backends,
) -> anyhow::Result<RunningService> {
    let address = SocketAddr::from(([127, 0, 0, 1], free_port()?));
    let log = logs_dir.join(format!("{}.log", spec.name));
    let log_file = File::create(&log)?;
    let binary = target_dir().join("debug").join(spec.name);
    let mut command = Command::new(&binary);
    command
        .env("PORT", address.port().to_string())
        .env("MONGO_URL", &backends.mongo_url)
        .env("MONGO_DB", spec.name)
        .env("APP_ENV", "development")
        .env(
            "JWT_KEY",
            std::env::var("JWT_KEY").unwrap_or_else(|_| DEV_JWT_KEY.to_owned()),
        )
        .env(
            "RUST_LOG",
            std::env::var("RUST_LOG").unwrap_or_else(|_| "info".to_owned()),
        )
        .stdin(Stdio::null())
        .stdout(log_file.try_clone()?)
        .stderr(log_file);
    if spec.uses_nats {
        command.env("NATS_URL", &backends.nats_url);
    }
    if spec.uses_stripe {
        command
            .env("STRIPE_API_BASE", &backends.stripe_api_base)
            .env("STRIPE_SECRET_KEY", &backends.stripe_secret_key);
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

/// Starts the workspace's Stripe fake and waits until it answers; returns its base URL.
async fn start_stripe_fake(logs_dir: &Path) -> anyhow::Result<(String, Supervised)> {
    let port = free_port()?;
    let log_file = File::create(logs_dir.join("stripe-fake.log"))?;
    let mut command = Command::new(target_dir().join("debug").join("stripe-fake"));
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

/// Completes with the name of the first service whose process exits.
async fn first_exit(services: &mut [RunningService]) -> &'static str {
    loop {
        for service in services.iter_mut() {
            if service.process.exited().is_some() {
                return service.name;
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| workspace_root().join("target"), PathBuf::from)
}

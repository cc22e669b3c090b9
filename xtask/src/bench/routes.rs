//! Per-route figures: the services on core 0 (auth and tickets are the ones loaded),
//! wrk and the database on core 1, 100 tickets listed; memory before, during and after.
//! Each route is measured in turn on the services and on the floor (`floor.rs`), run
//! against run, so the two see the same machine. The listing's own figures, at two
//! sizes, are in `listing.rs`.

use std::{path::Path, time::Duration};

use anyhow::{Context, bail};
use marketplace::money::Price;
use serde::Serialize;
use serde_json::json;
use testkit::api::{ApiClient, Endpoints};

use super::{
    floor,
    wrk::{self, LOAD_CORE, Load, Measured},
};
use crate::{
    progress,
    stack::{Profile, Stack, StackOptions, free_port, no_per_user_limits},
};

/// The method of the reference figures.
pub(super) const SERVICE_CORE: usize = 0;
const CONNECTIONS: u32 = 32;
const WARM_UP_SECONDS: u32 = 5;
const RUN_SECONDS: u32 = 15;
const RUNS: usize = 2;
const LISTED_TICKETS: usize = 100;

/// A route under load: the services' runs, and the floor's, taken in turn with them.
#[derive(Serialize)]
pub struct RouteFigures {
    pub route: &'static str,
    pub runs: Vec<Measured>,
    /// Empty for a route with no floor (signin is bound by password hashing).
    pub floor_runs: Vec<Measured>,
}

impl RouteFigures {
    /// The services' mean rate and worse p99.
    pub fn summary(&self) -> (f64, f64) {
        summary(&self.runs)
    }

    /// The floor's, if it has one.
    pub fn floor_summary(&self) -> Option<(f64, f64)> {
        (!self.floor_runs.is_empty()).then(|| summary(&self.floor_runs))
    }
}

/// The mean rate and the worse p99 of `runs`.
fn summary(runs: &[Measured]) -> (f64, f64) {
    let rate = runs.iter().map(|run| run.requests_per_second).sum::<f64>() / runs.len() as f64;
    let p99 = runs.iter().map(|run| run.p99_ms).fold(0.0, f64::max);
    (rate, p99)
}

/// Resident memory of one service, in MB.
#[derive(Serialize)]
pub struct Memory {
    pub service: &'static str,
    pub idle_mb: f64,
    pub after_load_mb: f64,
    /// The most it ever held (`VmHWM`): under load, since it was idle before.
    pub peak_mb: f64,
}

#[derive(Serialize)]
pub struct Figures {
    pub routes: Vec<RouteFigures>,
    /// `currentuser` on the auth process while signins saturate password hashing.
    pub current_user_during_hashing: Measured,
    pub signin_during_hashing: Measured,
    pub memory: Vec<Memory>,
}

/// One route to load.
struct Target {
    route: &'static str,
    url: String,
    /// The same route on the floor server; `None` for none.
    floor_url: Option<String>,
    post_json: Option<String>,
    /// Whether answers must be 2xx (the unknown route answers 404 by design).
    expect_success: bool,
}

pub async fn measure(data: &Path, scratch: &Path) -> anyhow::Result<Figures> {
    progress::step(&format!(
        "Route figures: services on core {SERVICE_CORE}, wrk and the database on core {LOAD_CORE}"
    ));
    let stack = start_pinned_stack(data).await?;
    let auth = stack.service("auth").address;
    let tickets = stack.service("tickets").address;
    let bench = ApiClient::new(Endpoints {
        auth: Some(format!("http://{auth}")),
        tickets: Some(format!("http://{tickets}")),
        ..Endpoints::default()
    });
    let (cookie, password_form) = seed(&bench).await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle = megabytes(&stack, "VmRSS")?;

    let first_ticket = first_ticket(&bench).await?;
    let floor = floor::start(&stack).await?;
    let on_floor = |path: &str| Some(format!("http://{}{path}", floor.address));
    let targets = [
        Target {
            route: "GET /api/users/currentuser",
            url: format!("http://{auth}/api/users/currentuser"),
            floor_url: on_floor("/api/users/currentuser"),
            post_json: None,
            expect_success: true,
        },
        Target {
            route: "GET /api/tickets/:id",
            url: format!("http://{tickets}/api/tickets/{first_ticket}"),
            floor_url: on_floor(&format!("/api/tickets/{first_ticket}")),
            post_json: None,
            expect_success: true,
        },
        Target {
            route: "GET /api/tickets (first page of 100)",
            url: format!("http://{tickets}/api/tickets"),
            floor_url: on_floor("/api/tickets"),
            post_json: None,
            expect_success: true,
        },
        Target {
            route: "unknown route (404)",
            url: format!("http://{auth}/api/users/no-such-route"),
            floor_url: on_floor("/api/users/no-such-route"),
            post_json: None,
            expect_success: false,
        },
        Target {
            route: "POST /api/users/signin",
            url: format!("http://{auth}/api/users/signin"),
            floor_url: None,
            post_json: Some(password_form.clone()),
            expect_success: true,
        },
    ];
    let mut routes = Vec::new();
    for target in &targets {
        routes.push(load_route(target, &cookie, scratch).await?);
    }

    progress::step("currentuser while signins saturate password hashing");
    let signin = Load {
        url: &targets[4].url,
        connections: 16,
        seconds: RUN_SECONDS,
        cookie: None,
        post_json: Some(&password_form),
    };
    let current_user = Load {
        url: &targets[0].url,
        connections: 4,
        seconds: RUN_SECONDS,
        cookie: Some(&cookie),
        post_json: None,
    };
    let (signin_during_hashing, current_user_during_hashing) =
        tokio::try_join!(wrk::run(&signin, scratch), wrk::run(&current_user, scratch))?;
    refuse_failures("signin under hashing load", &signin_during_hashing, true)?;
    refuse_failures(
        "currentuser under hashing load",
        &current_user_during_hashing,
        true,
    )?;
    progress::done(&format!(
        "currentuser p99 {:.1} ms while signin ran at {:.0} req/s",
        current_user_during_hashing.p99_ms, signin_during_hashing.requests_per_second
    ));

    let after_load = megabytes(&stack, "VmRSS")?;
    let peak = megabytes(&stack, "VmHWM")?;
    let memory = idle
        .into_iter()
        .zip(after_load)
        .zip(peak)
        .map(
            |(((service, idle_mb), (_, after_load_mb)), (_, peak_mb))| Memory {
                service,
                idle_mb,
                after_load_mb,
                peak_mb,
            },
        )
        .collect();
    Ok(Figures {
        routes,
        current_user_during_hashing,
        signin_during_hashing,
        memory,
    })
}

/// Warms up the services and the floor, then measures them in turn, [`RUNS`] times.
async fn load_route(target: &Target, cookie: &str, scratch: &Path) -> anyhow::Result<RouteFigures> {
    progress::step(target.route);
    let floor = target.floor_url.as_deref();
    for url in std::iter::once(target.url.as_str()).chain(floor) {
        wrk::run(&load(target, url, cookie, WARM_UP_SECONDS), scratch).await?;
    }
    let (mut runs, mut floor_runs) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        runs.push(measure_once(target, "ours ", &target.url, cookie, scratch).await?);
        if let Some(url) = floor {
            floor_runs.push(measure_once(target, "floor", url, cookie, scratch).await?);
        }
    }
    Ok(RouteFigures {
        route: target.route,
        runs,
        floor_runs,
    })
}

/// `target`'s load on `url` (the services' or the floor's) for `seconds`.
fn load<'a>(target: &'a Target, url: &'a str, cookie: &'a str, seconds: u32) -> Load<'a> {
    Load {
        url,
        connections: CONNECTIONS,
        seconds,
        cookie: Some(cookie),
        post_json: target.post_json.as_deref(),
    }
}

/// One measured run on `url`, refused if its answers failed, and printed as `server`.
async fn measure_once(
    target: &Target,
    server: &str,
    url: &str,
    cookie: &str,
    scratch: &Path,
) -> anyhow::Result<Measured> {
    let measured = wrk::run(&load(target, url, cookie, RUN_SECONDS), scratch).await?;
    refuse_failures(target.route, &measured, target.expect_success)?;
    progress::done(&format!(
        "{server} {:>9.0} req/s   p50 {:>6.2} ms   p99 {:>6.2} ms",
        measured.requests_per_second, measured.p50_ms, measured.p99_ms
    ));
    Ok(measured)
}

/// Signs up the benchmark's user and lists the tickets; returns the session cookie
/// and the signin body, which is tried once so that a wrong one fails here rather
/// than as a run of refusals.
async fn seed(bench: &ApiClient) -> anyhow::Result<(String, String)> {
    let (email, password) = ("bench@example.com", "bench-password");
    let signed_in = bench
        .sign_up(email, password)
        .await
        .context("sign up the benchmark's user")?;
    for n in 0..LISTED_TICKETS {
        let price = Price::from_cents(100 * (20 + n as i64))?;
        bench
            .list_ticket(&format!("Concert {n}"), price)
            .await
            .context("list a ticket")?;
    }
    bench
        .sign_in(email, password)
        .await
        .context("sign in as the benchmark's user")?;
    let credentials = json!({ "email": email, "password": password });
    Ok((signed_in.cookie(), credentials.to_string()))
}

async fn first_ticket(bench: &ApiClient) -> anyhow::Result<String> {
    let listing = bench.tickets_for_sale().await?;
    let Some(first) = listing.first() else {
        bail!("the listing is empty after {LISTED_TICKETS} tickets were listed");
    };
    Ok(first.id.clone())
}

/// The stack of the method: release builds, the services on [`SERVICE_CORE`], the
/// servers on [`LOAD_CORE`] with wrk, no per-user limits.
pub(super) async fn start_pinned_stack(data: &Path) -> anyhow::Result<Stack> {
    let stack = Stack::start(StackOptions {
        port: free_port()?,
        data: data.to_path_buf(),
        order_expiration_seconds: None,
        profile: Profile::Release,
        pin_services_to_core: Some(SERVICE_CORE),
        service_env: no_per_user_limits(),
        nats_nodes: 1,
        replicas: 1,
        servers_from_env: false,
    })
    .await?;
    for pid in stack.server_pids() {
        pin(pid, LOAD_CORE)?;
    }
    Ok(stack)
}

/// Moves a running process, all its threads, to `core`.
pub(super) fn pin(pid: u32, core: usize) -> anyhow::Result<()> {
    let status = std::process::Command::new("taskset")
        .args(["-a", "-p", "-c", &core.to_string(), &pid.to_string()])
        .stdout(std::process::Stdio::null())
        .status()?;
    if !status.success() {
        bail!("taskset could not pin process {pid} ({status})");
    }
    Ok(())
}

/// A run whose answers failed measures nothing: stop rather than report it.
pub(super) fn refuse_failures(
    route: &str,
    measured: &Measured,
    expect_success: bool,
) -> anyhow::Result<()> {
    if measured.socket_errors > 0 || (expect_success && measured.non_success > 0) {
        bail!(
            "{route}: {} failed answers and {} socket errors; a benchmark of failures measures nothing",
            measured.non_success,
            measured.socket_errors
        );
    }
    Ok(())
}

/// A memory figure of every service from `/proc/<pid>/status` (`VmRSS` now, `VmHWM`
/// the peak), in MB.
pub(super) fn megabytes(stack: &Stack, field: &str) -> anyhow::Result<Vec<(&'static str, f64)>> {
    stack
        .services()
        .iter()
        .map(|service| {
            let status = std::fs::read_to_string(format!("/proc/{}/status", service.pid()))?;
            let kilobytes: f64 = status
                .lines()
                .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
                .and_then(|value| value.split_whitespace().next()?.parse().ok())
                .with_context(|| format!("no {field} for {}", service.name()))?;
            Ok((service.name(), kilobytes / 1024.0))
        })
        .collect()
}

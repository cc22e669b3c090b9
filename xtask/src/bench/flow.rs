//! The purchase flow through the gateway with the whole stack running, as users take
//! it: list, reserve as soon as the ticket is orderable, pay as soon as the order is
//! payable, and wait until it completes. The users are signed up before the clock
//! starts (signup is bound by password hashing and measured on its own). Each number
//! of concurrent buyers runs with one replica of every service and with more, and the
//! CPU each process spends per purchase gives the bound the machine's cores allow.
//! Then lapsed locks: how long after `expiresAt` a ticket is for sale again.

use std::{
    path::Path,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::Context;
use marketplace::money::Price;
use serde::Serialize;
use testkit::{
    api::{ApiClient, Endpoints, Retry, TicketStatus},
    wait_for,
};
use time::OffsetDateTime;
use tokio::{sync::Semaphore, task::JoinSet};

use super::cpu::Processes;
use crate::{
    progress,
    stack::{Profile, Stack, StackOptions, free_port, no_per_user_limits},
};

/// How many buyers purchase at once, each with a seller of their own.
const CONCURRENT_BUYERS: [usize; 3] = [4, 16, 64];
/// Purchases measured at each number of buyers, after a few that warm the stack up.
const PURCHASES: usize = 256;
const WARM_UP_PURCHASES: usize = 32;
/// Signups at once before the runs: auth hashes on a small pool, so more would only
/// queue.
const CONCURRENT_SIGNUPS: usize = 8;
/// Reservations left to lapse, and their hold.
const LAPSES: usize = 20;
const LAPSE_HOLD_SECONDS: u64 = 2;
/// How often a waiting step asks again, and how long any one wait may take before
/// the purchase fails. It asks after 5 ms, then each pause a quarter longer up to
/// 50 ms: a delay is measured to within a quarter of itself, and 64 buyers waiting on
/// a busy stack do not turn into a load of their own polls.
const POLL: Duration = Duration::from_millis(5);
const LONGEST_POLL: Duration = Duration::from_millis(50);
const PATIENCE: Duration = Duration::from_secs(30);
const RETRY: Retry = Retry {
    patience: PATIENCE,
    poll: POLL,
    longest_poll: LONGEST_POLL,
    through_faults: false,
};
const PASSWORD: &str = "bench-password";

/// p50 and p99 of a set of durations, in milliseconds.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Percentiles {
    pub p50_ms: f64,
    pub p99_ms: f64,
}

impl Percentiles {
    fn of(mut samples: Vec<f64>) -> Self {
        samples.sort_by(f64::total_cmp);
        if samples.is_empty() {
            return Self {
                p50_ms: f64::NAN,
                p99_ms: f64::NAN,
            };
        }
        let at = |quantile: f64| {
            let rank = (quantile * samples.len() as f64).ceil() as usize;
            samples[rank.clamp(1, samples.len()) - 1]
        };
        Self {
            p50_ms: at(0.50),
            p99_ms: at(0.99),
        }
    }
}

#[derive(Serialize)]
pub struct FlowFigures {
    /// The signups before the first run, measured on their own.
    pub signup: SignupFigures,
    /// One run for each number of replicas and of concurrent buyers.
    pub runs: Vec<FlowRun>,
}

#[derive(Serialize)]
pub struct SignupFigures {
    pub users: usize,
    pub concurrency: usize,
    pub per_second: f64,
    pub latency: Percentiles,
}

#[derive(Serialize)]
pub struct FlowRun {
    pub replicas: usize,
    pub concurrent_buyers: usize,
    pub purchases: usize,
    /// Purchases that did not complete, and why the first one failed.
    pub failed: usize,
    pub first_failure: Option<String>,
    pub purchases_per_second: f64,
    /// Requests a purchase took through the gateway, the waiting steps' polls
    /// included.
    pub requests_per_purchase: f64,
    /// From sending the reservation that was accepted until the order is seen complete.
    pub reserve_to_complete: Percentiles,
    /// Each request's latency, in the order a purchase takes them.
    pub steps: Vec<(&'static str, Percentiles)>,
    /// Each event hop on the way, in the order a purchase takes them.
    pub hops: Vec<(&'static str, Percentiles)>,
    /// CPU milliseconds each kind of process spent per purchase, most first.
    pub cpu_ms_per_purchase: Vec<(String, f64)>,
    /// The machine's cores divided by one purchase's CPU time: the most purchases a
    /// second this machine could complete.
    pub cpu_bound_per_second: f64,
}

impl FlowRun {
    /// The measured rate as a share of the CPU bound.
    pub fn share_of_cpu_bound(&self) -> f64 {
        self.purchases_per_second / self.cpu_bound_per_second
    }
}

#[derive(Serialize)]
pub struct LapseFigures {
    pub reservations: usize,
    pub hold_seconds: u64,
    /// From `expiresAt` until the ticket is for sale again.
    pub released_after_expiry: Percentiles,
}

const STEP_NAMES: [&str; 3] = ["list a ticket", "reserve", "pay"];
const HOP_NAMES: [&str; 4] = [
    "ticket:created → orders (orderable; 0 = at the first try)",
    "order:created → tickets (delisted)",
    "order:created → payments (payable; 0 = at the first try)",
    "payment:created → orders (complete)",
];

/// The timings of one purchase, in milliseconds.
struct Purchase {
    steps: [f64; 3],
    hops: [f64; 4],
    reserve_to_complete: f64,
}

/// A seller and a buyer who purchase from them, signed up before the clock starts.
#[derive(Clone)]
struct Pair {
    seller: ApiClient,
    buyer: ApiClient,
}

/// Measures the flow at each number of concurrent buyers, with one replica of every
/// service and then with `replicas`.
pub async fn purchase_flow(data: &Path, replicas: usize) -> anyhow::Result<FlowFigures> {
    let mut signup = None;
    let mut runs = Vec::new();
    let most_buyers = CONCURRENT_BUYERS.into_iter().max().unwrap_or(1);
    let replica_counts = if replicas > 1 {
        vec![1, replicas]
    } else {
        vec![1]
    };
    for replicas in replica_counts {
        progress::step(&format!(
            "Purchase flow, {replicas} replica(s) of every service: {PURCHASES} purchases by each of {CONCURRENT_BUYERS:?} concurrent buyers"
        ));
        let stack = start(&data.join(format!("replicas-{replicas}")), None, replicas).await?;
        let requests = Arc::new(AtomicUsize::new(0));
        let (pairs, signed_up) = sign_up_pairs(stack.url(), most_buyers, &requests).await?;
        signup.get_or_insert(signed_up);
        let processes = Processes::of(&stack);
        purchases(&pairs[..CONCURRENT_BUYERS[0]], WARM_UP_PURCHASES).await;
        for buyers in CONCURRENT_BUYERS {
            let run = measure(&pairs[..buyers], replicas, &processes, &requests).await?;
            progress::done(&format!(
                "{buyers:>2} buyers: {:.1} purchases/s of a CPU bound of {:.1} ({:.0}%), reserve → complete p99 {:.0} ms, {} failed",
                run.purchases_per_second,
                run.cpu_bound_per_second,
                run.share_of_cpu_bound() * 100.0,
                run.reserve_to_complete.p99_ms,
                run.failed
            ));
            runs.push(run);
        }
    }
    Ok(FlowFigures {
        signup: signup.context("no run signed anyone up")?,
        runs,
    })
}

/// One run: [`PURCHASES`] purchases by `pairs` at once, timed, with the CPU every
/// process spent meanwhile.
async fn measure(
    pairs: &[Pair],
    replicas: usize,
    processes: &Processes,
    requests: &AtomicUsize,
) -> anyhow::Result<FlowRun> {
    let cpu_before = processes.snapshot()?;
    requests.store(0, Ordering::Relaxed);
    let started = Instant::now();
    let outcomes = purchases(pairs, PURCHASES).await;
    let elapsed = started.elapsed().as_secs_f64();
    let cpu_after = processes.snapshot()?;
    let requests = requests.load(Ordering::Relaxed);

    let mut completed = Vec::new();
    let mut failures = Vec::new();
    for outcome in outcomes {
        match outcome {
            Ok(purchase) => completed.push(purchase),
            Err(failure) => failures.push(format!("{failure:#}")),
        }
    }
    // What failed purchases spent counts against the ones that completed.
    let cpu = cpu_after.per_purchase_since(&cpu_before, completed.len().max(1));
    let column =
        |pick: &dyn Fn(&Purchase) -> f64| Percentiles::of(completed.iter().map(pick).collect());
    let steps = STEP_NAMES
        .iter()
        .enumerate()
        .map(|(index, name)| (*name, column(&|purchase| purchase.steps[index])))
        .collect();
    let hops = HOP_NAMES
        .iter()
        .enumerate()
        .map(|(index, name)| (*name, column(&|purchase| purchase.hops[index])))
        .collect();
    let cpu_ms: f64 = cpu.iter().map(|(_, ms)| ms).sum();
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    Ok(FlowRun {
        replicas,
        concurrent_buyers: pairs.len(),
        purchases: PURCHASES,
        failed: failures.len(),
        first_failure: failures.into_iter().next(),
        purchases_per_second: completed.len() as f64 / elapsed,
        requests_per_purchase: requests as f64 / PURCHASES as f64,
        reserve_to_complete: column(&|purchase| purchase.reserve_to_complete),
        steps,
        hops,
        cpu_ms_per_purchase: cpu,
        cpu_bound_per_second: cores as f64 * 1000.0 / cpu_ms,
    })
}

/// `count` purchases, each pair making one after another, all pairs at once.
async fn purchases(pairs: &[Pair], count: usize) -> Vec<anyhow::Result<Purchase>> {
    let next = Arc::new(AtomicUsize::new(0));
    let mut running = JoinSet::new();
    for pair in pairs {
        let (pair, next) = (pair.clone(), next.clone());
        running.spawn(async move {
            let mut outcomes = Vec::new();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= count {
                    return outcomes;
                }
                outcomes.push(purchase(&pair, n).await);
            }
        });
    }
    let mut outcomes = Vec::new();
    while let Some(done) = running.join_next().await {
        match done {
            Ok(some) => outcomes.extend(some),
            Err(panicked) => outcomes.push(Err(panicked.into())),
        }
    }
    outcomes
}

/// Signs up `pairs` sellers and as many buyers, [`CONCURRENT_SIGNUPS`] at a time,
/// and measures it.
async fn sign_up_pairs(
    gateway: &str,
    pairs: usize,
    requests: &Arc<AtomicUsize>,
) -> anyhow::Result<(Vec<Pair>, SignupFigures)> {
    let slots = Arc::new(Semaphore::new(CONCURRENT_SIGNUPS));
    let started = Instant::now();
    let mut signing_up = JoinSet::new();
    for n in 0..pairs * 2 {
        let (gateway, slots, requests) = (gateway.to_owned(), slots.clone(), requests.clone());
        signing_up.spawn(async move {
            let _slot = slots.acquire().await?;
            let user = user(&gateway, &requests);
            let (_, took) = timed(user.sign_up(&email(&format!("user-{n}")), PASSWORD)).await?;
            anyhow::Ok((n, user, took))
        });
    }
    let mut users = Vec::new();
    while let Some(done) = signing_up.join_next().await {
        users.push(done??);
    }
    let elapsed = started.elapsed().as_secs_f64();
    users.sort_by_key(|(n, ..)| *n);
    let latency = Percentiles::of(users.iter().map(|(.., took)| *took).collect());
    let mut users = users.into_iter().map(|(_, user, _)| user);
    let pairs: Vec<Pair> = std::iter::from_fn(|| {
        Some(Pair {
            seller: users.next()?,
            buyer: users.next()?,
        })
    })
    .collect();
    let figures = SignupFigures {
        users: pairs.len() * 2,
        concurrency: CONCURRENT_SIGNUPS,
        per_second: (pairs.len() * 2) as f64 / elapsed,
        latency,
    };
    progress::done(&format!(
        "signed up {} users beforehand: {:.1}/s, p50 {:.0} ms",
        figures.users, figures.per_second, figures.latency.p50_ms
    ));
    Ok((pairs, figures))
}

pub async fn lapses(data: &Path) -> anyhow::Result<LapseFigures> {
    progress::step(&format!(
        "Lapsed locks: {LAPSES} reservations held {LAPSE_HOLD_SECONDS}s and left unpaid"
    ));
    let stack = start(data, Some(LAPSE_HOLD_SECONDS), 1).await?;
    let gateway = stack.url();
    let requests = Arc::new(AtomicUsize::new(0));
    let seller = user(gateway, &requests);
    seller.sign_up(&email("lapse-seller"), PASSWORD).await?;
    let buyer = user(gateway, &requests);
    buyer.sign_up(&email("lapse-buyer"), PASSWORD).await?;
    let price = Price::from_cents(2500)?;
    let mut waiting = JoinSet::new();
    for n in 0..LAPSES {
        let ticket = seller.list_ticket(&format!("Lapse {n}"), price).await?.id;
        let order = buyer.reserve_when_orderable(&ticket).await?.value;
        let viewer = user(gateway, &requests);
        waiting.spawn(async move {
            // Locked first (tickets hears of the order), then released by expiry.
            until_ticket(&viewer, &ticket, |status| status == TicketStatus::Reserved).await?;
            until_ticket(&viewer, &ticket, |status| status == TicketStatus::Available).await?;
            let late = OffsetDateTime::now_utc() - order.expires_at;
            anyhow::Ok(late.as_seconds_f64() * 1000.0)
        });
    }
    let mut delays = Vec::new();
    while let Some(done) = waiting.join_next().await {
        delays.push(done??);
    }
    let figures = LapseFigures {
        reservations: LAPSES,
        hold_seconds: LAPSE_HOLD_SECONDS,
        released_after_expiry: Percentiles::of(delays),
    };
    progress::done(&format!(
        "released after expiresAt: p50 {:.0} ms, p99 {:.0} ms",
        figures.released_after_expiry.p50_ms, figures.released_after_expiry.p99_ms
    ));
    Ok(figures)
}

async fn start(data: &Path, hold_seconds: Option<u64>, replicas: usize) -> anyhow::Result<Stack> {
    if data.exists() {
        std::fs::remove_dir_all(data)?;
    }
    Stack::start(StackOptions {
        port: free_port()?,
        data: data.to_path_buf(),
        order_expiration_seconds: hold_seconds,
        profile: Profile::Release,
        pin_services_to_core: None,
        service_env: no_per_user_limits(),
        nats_nodes: 1,
        replicas,
        servers_from_env: false,
    })
    .await
}

/// One purchase: the seller lists, the buyer reserves and pays; the seller watches
/// the ticket leave the listing meanwhile, to time that hop.
async fn purchase(pair: &Pair, n: usize) -> anyhow::Result<Purchase> {
    let Pair { seller, buyer } = pair;
    let title = format!("Concert {n}");
    let (ticket, list_took) = timed(seller.list_ticket(&title, Price::from_cents(2500)?)).await?;
    let listed = Instant::now();
    let reservation = buyer.reserve_when_orderable(&ticket.id).await?;
    let orderable_after = millis(reservation.sent.duration_since(listed));
    let reserved = Instant::now();
    let order_id = reservation.value.id;
    // Tickets and payments each hear of the order; watch both at once. Once paid,
    // the ticket may go straight to sold.
    let delisted = async {
        until_ticket(seller, &ticket.id, |status| {
            status != TicketStatus::Available
        })
        .await?;
        anyhow::Ok(millis(reserved.elapsed()))
    };
    let payable = async { anyhow::Ok(buyer.pay_when_payable(&order_id, "pm_card_visa").await?) };
    let (delisted_after, payment) = tokio::try_join!(delisted, payable)?;
    let payable_after = millis(payment.sent.duration_since(reserved));
    let paid = Instant::now();
    buyer.wait_until_complete(&order_id).await?;
    let complete_after = millis(paid.elapsed());
    Ok(Purchase {
        steps: [list_took, millis(reservation.took), millis(payment.took)],
        hops: [
            orderable_after,
            delisted_after,
            payable_after,
            complete_after,
        ],
        reserve_to_complete: millis(reservation.sent.elapsed()),
    })
}

/// A signed-out user of the gateway, retrying what is in flight often, each request
/// counted in `requests`.
fn user(gateway: &str, requests: &Arc<AtomicUsize>) -> ApiClient {
    let requests = requests.clone();
    ApiClient::new(Endpoints::gateway(gateway))
        .retrying(RETRY)
        .observed(move |_| {
            requests.fetch_add(1, Ordering::Relaxed);
        })
}

/// An address of its own for each user of this run.
fn email(name: &str) -> String {
    format!("{name}-{}@example.com", std::process::id())
}

/// Asks for the ticket until its status is `wanted`, failing after [`PATIENCE`].
async fn until_ticket(
    viewer: &ApiClient,
    ticket: &str,
    wanted: impl Fn(TicketStatus) -> bool,
) -> anyhow::Result<()> {
    wait_for(format!("ticket {ticket} to change status"), PATIENCE)
        .every(POLL)
        .backing_off_to(LONGEST_POLL)
        .until_ok(|| async {
            let status = viewer.ticket(ticket).await?.status;
            anyhow::Ok(wanted(status).then_some(()))
        })
        .await
}

async fn timed<T, E>(work: impl Future<Output = Result<T, E>>) -> Result<(T, f64), E> {
    let started = Instant::now();
    let value = work.await?;
    Ok((value, millis(started.elapsed())))
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

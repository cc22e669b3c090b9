//! The purchase flow through the gateway with the whole stack running: users sign up,
//! list, reserve and pay, and the events between services are timed. Then lapsed locks:
//! how long after `expiresAt` a ticket is for sale again.

use std::{
    path::Path,
    sync::Arc,
    time::{Duration, Instant},
};

use marketplace::money::Price;
use serde::Serialize;
use testkit::{
    api::{ApiClient, Endpoints, Retry, TicketStatus},
    wait_for,
};
use time::OffsetDateTime;
use tokio::{sync::Semaphore, task::JoinSet};

use crate::{
    progress,
    stack::{Profile, Stack, StackOptions, free_port, no_per_user_limits},
};

/// Purchases in the run, and how many run at once.
const PURCHASES: usize = 60;
const CONCURRENCY: usize = 12;
/// Reservations left to lapse, and their hold.
const LAPSES: usize = 20;
const LAPSE_HOLD_SECONDS: u64 = 2;
/// How often a waiting step asks again, and how long any one wait may take before
/// the run fails: asked often, so the event delays measured are not the poll's.
const POLL: Duration = Duration::from_millis(5);
const PATIENCE: Duration = Duration::from_secs(30);
const RETRY: Retry = Retry {
    patience: PATIENCE,
    poll: POLL,
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
    pub purchases: usize,
    pub concurrency: usize,
    pub purchases_per_second: f64,
    /// Each step's latency, in the order a purchase takes them.
    pub steps: Vec<(&'static str, Percentiles)>,
    /// `ticket:created` reaching orders: from the listing's 201 to the first 201 of
    /// a reservation.
    pub ticket_created_to_orderable: Percentiles,
    /// `order:created` reaching tickets: from the reservation's 201 until the ticket
    /// is no longer for sale.
    pub order_created_to_delisted: Percentiles,
    /// `order:created` reaching payments: from the reservation's 201 until the
    /// payment request that was accepted was sent.
    pub order_created_to_payable: Percentiles,
    /// `payment:created` reaching orders: from the payment's 201 until the order is
    /// complete.
    pub paid_to_complete: Percentiles,
}

#[derive(Serialize)]
pub struct LapseFigures {
    pub reservations: usize,
    pub hold_seconds: u64,
    /// From `expiresAt` until the ticket is for sale again.
    pub released_after_expiry: Percentiles,
}

/// The timings of one purchase, in milliseconds.
struct Purchase {
    steps: [f64; 6],
    orderable_after: f64,
    delisted_after: f64,
    payable_after: f64,
    complete_after: f64,
}

const STEP_NAMES: [&str; 6] = [
    "sign up (seller)",
    "sign up (buyer)",
    "list a ticket",
    "reserve",
    "pay",
    "my orders",
];

pub async fn purchase_flow(data: &Path) -> anyhow::Result<FlowFigures> {
    progress::step(&format!(
        "Purchase flow through the gateway: {PURCHASES} purchases, {CONCURRENCY} at a time"
    ));
    let stack = start(data, None).await?;
    let gateway = Arc::new(stack.url().to_owned());
    let slots = Arc::new(Semaphore::new(CONCURRENCY));
    let started = Instant::now();
    let mut running = JoinSet::new();
    for n in 0..PURCHASES {
        let gateway = gateway.clone();
        let slots = slots.clone();
        running.spawn(async move {
            let _slot = slots.acquire().await?;
            purchase(&gateway, n).await
        });
    }
    let mut purchases = Vec::new();
    while let Some(done) = running.join_next().await {
        purchases.push(done??);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let column = |pick: fn(&Purchase) -> f64| Percentiles::of(purchases.iter().map(pick).collect());
    let steps = STEP_NAMES
        .iter()
        .enumerate()
        .map(|(index, name)| {
            let samples = purchases
                .iter()
                .map(|purchase| purchase.steps[index])
                .collect();
            (*name, Percentiles::of(samples))
        })
        .collect();
    let figures = FlowFigures {
        purchases: PURCHASES,
        concurrency: CONCURRENCY,
        purchases_per_second: PURCHASES as f64 / elapsed,
        steps,
        ticket_created_to_orderable: column(|purchase| purchase.orderable_after),
        order_created_to_delisted: column(|purchase| purchase.delisted_after),
        order_created_to_payable: column(|purchase| purchase.payable_after),
        paid_to_complete: column(|purchase| purchase.complete_after),
    };
    progress::done(&format!(
        "{:.1} purchases/s; ticket created → orderable p99 {:.1} ms; order created → delisted p99 {:.1} ms",
        figures.purchases_per_second,
        figures.ticket_created_to_orderable.p99_ms,
        figures.order_created_to_delisted.p99_ms
    ));
    Ok(figures)
}

pub async fn lapses(data: &Path) -> anyhow::Result<LapseFigures> {
    progress::step(&format!(
        "Lapsed locks: {LAPSES} reservations held {LAPSE_HOLD_SECONDS}s and left unpaid"
    ));
    let stack = start(data, Some(LAPSE_HOLD_SECONDS)).await?;
    let gateway = stack.url();
    let seller = sign_up(gateway, "lapse-seller").await?;
    let buyer = sign_up(gateway, "lapse-buyer").await?;
    let price = Price::from_cents(2500)?;
    let mut waiting = JoinSet::new();
    for n in 0..LAPSES {
        let ticket = seller.list_ticket(&format!("Lapse {n}"), price).await?.id;
        let order = buyer.reserve_when_orderable(&ticket).await?.value;
        let viewer = user(gateway);
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

async fn start(data: &Path, hold_seconds: Option<u64>) -> anyhow::Result<Stack> {
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
        replicas: 1,
        servers_from_env: false,
    })
    .await
}

async fn purchase(gateway: &str, n: usize) -> anyhow::Result<Purchase> {
    let mut steps = [0.0; 6];
    let (seller, took) = timed(sign_up(gateway, &format!("seller-{n}"))).await?;
    steps[0] = took;
    let (buyer, took) = timed(sign_up(gateway, &format!("buyer-{n}"))).await?;
    steps[1] = took;
    let title = format!("Concert {n}");
    let (ticket, took) = timed(seller.list_ticket(&title, Price::from_cents(2500)?)).await?;
    steps[2] = took;
    let listed = Instant::now();
    let reservation = buyer.reserve_when_orderable(&ticket.id).await?;
    steps[3] = millis(reservation.took);
    let orderable_after = millis(reservation.sent.duration_since(listed));
    let reserved = Instant::now();
    let order_id = reservation.value.id;
    // Tickets and payments each hear of the order; watch both at once. Once paid,
    // the ticket may go straight to sold.
    let delisted = async {
        until_ticket(&seller, &ticket.id, |status| {
            status != TicketStatus::Available
        })
        .await?;
        anyhow::Ok(millis(reserved.elapsed()))
    };
    let payable = async { anyhow::Ok(buyer.pay_when_payable(&order_id, "pm_card_visa").await?) };
    let (delisted_after, payment) = tokio::try_join!(delisted, payable)?;
    steps[4] = millis(payment.took);
    let payable_after = millis(payment.sent.duration_since(reserved));
    let paid = Instant::now();
    buyer.wait_until_complete(&order_id).await?;
    let complete_after = millis(paid.elapsed());
    let (_, took) = timed(buyer.my_orders()).await?;
    steps[5] = took;
    Ok(Purchase {
        steps,
        orderable_after,
        delisted_after,
        payable_after,
        complete_after,
    })
}

/// A signed-out user of the gateway, retrying what is in flight often.
fn user(gateway: &str) -> ApiClient {
    ApiClient::new(Endpoints::gateway(gateway)).retrying(RETRY)
}

async fn sign_up(gateway: &str, name: &str) -> anyhow::Result<ApiClient> {
    let user = user(gateway);
    let email = format!("{name}-{}@example.com", std::process::id());
    user.sign_up(&email, PASSWORD).await?;
    Ok(user)
}

/// Asks for the ticket until its status is `wanted`, failing after [`PATIENCE`].
async fn until_ticket(
    viewer: &ApiClient,
    ticket: &str,
    wanted: impl Fn(TicketStatus) -> bool,
) -> anyhow::Result<()> {
    wait_for(format!("ticket {ticket} to change status"), PATIENCE)
        .every(POLL)
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

//! The purchase flow through the gateway with the whole stack running: users sign up,
//! list, reserve and pay, and the events between services are timed. Then lapsed locks:
//! how long after `expiresAt` a ticket is for sale again.

use std::{
    path::Path,
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use serde::Serialize;
use serde_json::{Value, json};
use time::OffsetDateTime;
use tokio::{sync::Semaphore, task::JoinSet};

use crate::{
    dev::{Profile, Stack, StackOptions, unlimited_attempts},
    progress,
};

/// Purchases in the run, and how many run at once.
const PURCHASES: usize = 60;
const CONCURRENCY: usize = 12;
/// Reservations left to lapse, and their hold.
const LAPSES: usize = 20;
const LAPSE_HOLD_SECONDS: u64 = 2;
/// How often a waiting step asks again.
const POLL: Duration = Duration::from_millis(5);
/// How long any one wait may take before the run fails.
const PATIENCE: Duration = Duration::from_secs(30);

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
    let seller = User::sign_up(gateway, "lapse-seller").await?;
    let buyer = User::sign_up(gateway, "lapse-buyer").await?;
    let mut waiting = JoinSet::new();
    for n in 0..LAPSES {
        let ticket = seller.list(&format!("Lapse {n}")).await?;
        let (order, _) = buyer.reserve_when_orderable(&ticket).await?;
        let expires_at = OffsetDateTime::parse(
            order["expiresAt"]
                .as_str()
                .context("an order without expiresAt")?,
            &time::format_description::well_known::Rfc3339,
        )?;
        let gateway = gateway.to_owned();
        waiting.spawn(async move {
            // Locked first (tickets hears of the order), then released by expiry.
            until(|| ticket_status_is(&gateway, &ticket, "reserved")).await?;
            until(|| ticket_status_is(&gateway, &ticket, "available")).await?;
            let late = OffsetDateTime::now_utc() - expires_at;
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
        port: crate::free_port()?,
        data: data.to_path_buf(),
        order_expiration_seconds: hold_seconds,
        profile: Profile::Release,
        pin_services_to_core: None,
        service_env: unlimited_attempts(),
        nats_nodes: 1,
        servers_from_env: false,
    })
    .await
}

async fn purchase(gateway: &str, n: usize) -> anyhow::Result<Purchase> {
    let mut steps = [0.0; 6];
    let (seller, took) = timed(User::sign_up(gateway, &format!("seller-{n}"))).await?;
    steps[0] = took;
    let (buyer, took) = timed(User::sign_up(gateway, &format!("buyer-{n}"))).await?;
    steps[1] = took;
    let (ticket, took) = timed(seller.list(&format!("Concert {n}"))).await?;
    steps[2] = took;
    let listed = Instant::now();
    let (order, reservation) = buyer.reserve_when_orderable(&ticket).await?;
    steps[3] = reservation.took;
    let orderable_after = millis(reservation.sent.duration_since(listed));
    let reserved = Instant::now();
    let order_id = order["id"].as_str().context("an order without id")?;
    // Tickets and payments each hear of the order; watch both at once. Once paid,
    // the ticket may go straight to sold.
    let delisted = async {
        until(|| async { Ok(!ticket_status_is(gateway, &ticket, "available").await?) }).await?;
        anyhow::Ok(millis(reserved.elapsed()))
    };
    let (delisted_after, payment) = tokio::try_join!(delisted, buyer.pay_when_payable(order_id))?;
    steps[4] = payment.took;
    let payable_after = millis(payment.sent.duration_since(reserved));
    let paid = Instant::now();
    until(|| buyer.order_is_complete(order_id)).await?;
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

/// The request that succeeded: when it was sent and how long it took, in ms.
struct Attempt {
    sent: Instant,
    took: f64,
}

/// A signed-in user of the gateway.
struct User {
    http: reqwest::Client,
    gateway: String,
}

impl User {
    async fn sign_up(gateway: &str, name: &str) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder().cookie_store(true).build()?;
        let email = format!("{name}-{}@example.com", std::process::id());
        http.post(format!("{gateway}/api/users/signup"))
            .json(&json!({ "email": email, "password": "bench-password" }))
            .send()
            .await?
            .error_for_status()?;
        Ok(Self {
            http,
            gateway: gateway.to_owned(),
        })
    }

    async fn list(&self, title: &str) -> anyhow::Result<String> {
        let ticket: Value = self
            .http
            .post(format!("{}/api/tickets", self.gateway))
            .json(&json!({ "title": title, "price": 25 }))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        ticket["id"]
            .as_str()
            .map(str::to_owned)
            .context("a ticket without id")
    }

    /// Reserves as soon as orders knows the ticket (from `ticket:created`).
    async fn reserve_when_orderable(&self, ticket: &str) -> anyhow::Result<(Value, Attempt)> {
        self.post_once_known("/api/orders", json!({ "ticketId": ticket }))
            .await
    }

    /// Pays with the test card as soon as payments knows the order (from
    /// `order:created`).
    async fn pay_when_payable(&self, order_id: &str) -> anyhow::Result<Attempt> {
        let body = json!({ "orderId": order_id, "token": "pm_card_visa" });
        let (_, attempt) = self.post_once_known("/api/payments", body).await?;
        Ok(attempt)
    }

    /// POSTs `body` until the service knows what it names: it answers 404 until the
    /// event that tells it arrives. Returns the answer and the attempt that succeeded.
    async fn post_once_known(&self, path: &str, body: Value) -> anyhow::Result<(Value, Attempt)> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let sent = Instant::now();
            let response = self
                .http
                .post(format!("{}{path}", self.gateway))
                .json(&body)
                .send()
                .await?;
            let took = millis(sent.elapsed());
            match response.status() {
                reqwest::StatusCode::CREATED => {
                    return Ok((response.json().await?, Attempt { sent, took }));
                }
                reqwest::StatusCode::NOT_FOUND if Instant::now() < deadline => {
                    tokio::time::sleep(POLL).await;
                }
                status => bail!("POST {path} {body} answered {status}"),
            }
        }
    }

    async fn order_is_complete(&self, order_id: &str) -> anyhow::Result<bool> {
        let order: Value = self
            .http
            .get(format!("{}/api/orders/{order_id}", self.gateway))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        Ok(order["status"] == "complete")
    }

    async fn my_orders(&self) -> anyhow::Result<()> {
        self.http
            .get(format!("{}/api/orders", self.gateway))
            .send()
            .await?
            .error_for_status()?;
        Ok(())
    }
}

async fn ticket_status_is(gateway: &str, ticket: &str, status: &str) -> anyhow::Result<bool> {
    let shown: Value = reqwest::get(format!("{gateway}/api/tickets/{ticket}"))
        .await?
        .error_for_status()?
        .json()
        .await?;
    Ok(shown["status"] == status)
}

/// Asks `check` until it says yes, failing after [`PATIENCE`].
async fn until<F, Fut>(mut check: F) -> anyhow::Result<()>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<bool>>,
{
    let deadline = Instant::now() + PATIENCE;
    while !check().await? {
        if Instant::now() > deadline {
            bail!("gave up waiting after {}s", PATIENCE.as_secs());
        }
        tokio::time::sleep(POLL).await;
    }
    Ok(())
}

async fn timed<T>(work: impl Future<Output = anyhow::Result<T>>) -> anyhow::Result<(T, f64)> {
    let started = Instant::now();
    let value = work.await?;
    Ok((value, millis(started.elapsed())))
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

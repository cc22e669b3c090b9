//! The load during a chaos run: purchases through the gateway, and reservation races,
//! each request's outcome recorded with its time so server errors can be matched
//! against the fault windows.

use std::{
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::task::JoinSet;

/// One request's outcome: a status, or `None` when no answer came in time (a service
/// being restarted is a 502 from the gateway, not this).
#[derive(Clone, Copy)]
pub struct Outcome {
    pub sent: Instant,
    pub answered: Instant,
    pub status: Option<StatusCode>,
}

/// Every outcome of the run, shared by the load's tasks.
#[derive(Clone, Default)]
pub struct Outcomes(Arc<Mutex<Vec<Outcome>>>);

impl Outcomes {
    fn record(&self, sent: Instant, status: Option<StatusCode>) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Outcome {
                sent,
                answered: Instant::now(),
                status,
            });
    }

    pub fn all(&self) -> Vec<Outcome> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// A signed-in user of the gateway whose requests are recorded.
#[derive(Clone)]
pub struct User {
    http: reqwest::Client,
    gateway: Arc<str>,
    outcomes: Outcomes,
}

/// How long a request may take; beyond, it counts as unanswered.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// How long to wait between tries of a request that failed for a fault.
const RETRY_PAUSE: Duration = Duration::from_millis(300);
/// How long a step keeps retrying through faults.
const STEP_PATIENCE: Duration = Duration::from_secs(30);

impl User {
    /// Signs up, retrying through faults; `None` if it never could.
    pub async fn sign_up(gateway: &str, name: &str, outcomes: &Outcomes) -> Option<Self> {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .timeout(REQUEST_TIMEOUT)
            .build()
            .ok()?;
        let user = Self {
            http,
            gateway: gateway.into(),
            outcomes: outcomes.clone(),
        };
        let email = format!("{name}-{}@example.com", std::process::id());
        let body = json!({ "email": email, "password": "chaos-password" });
        user.post("/api/users/signup", &body).await.map(|_| user)
    }

    /// POSTs until a 2xx, a 4xx (the answer), or patience runs out. Faults (5xx, no
    /// answer) and 404 (an event not arrived yet) are retried.
    pub async fn post(&self, path: &str, body: &Value) -> Option<(StatusCode, Value)> {
        let deadline = Instant::now() + STEP_PATIENCE;
        while Instant::now() < deadline {
            let sent = Instant::now();
            let answer = self
                .http
                .post(format!("{}{path}", self.gateway))
                .json(body)
                .send()
                .await;
            let Ok(response) = answer else {
                self.outcomes.record(sent, None);
                tokio::time::sleep(RETRY_PAUSE).await;
                continue;
            };
            let status = response.status();
            self.outcomes.record(sent, Some(status));
            if status.is_success() || (status.is_client_error() && status != StatusCode::NOT_FOUND)
            {
                let body = response.json().await.unwrap_or(Value::Null);
                return Some((status, body));
            }
            tokio::time::sleep(RETRY_PAUSE).await;
        }
        None
    }
}

/// Buys tickets in a loop on `workers` tasks until `stop` is set, each worker with its
/// own seller and buyer: list, reserve, pay with the test card.
pub async fn purchases(
    gateway: &str,
    workers: usize,
    stop: Arc<AtomicBool>,
    outcomes: &Outcomes,
) -> (usize, usize) {
    let mut running = JoinSet::new();
    for worker in 0..workers {
        let gateway = gateway.to_owned();
        let outcomes = outcomes.clone();
        let stop = stop.clone();
        running.spawn(async move {
            let seller =
                User::sign_up(&gateway, &format!("chaos-seller-{worker}"), &outcomes).await;
            let buyer = User::sign_up(&gateway, &format!("chaos-buyer-{worker}"), &outcomes).await;
            let (Some(seller), Some(buyer)) = (seller, buyer) else {
                return (0, 0);
            };
            let (mut attempted, mut completed) = (0, 0);
            while !stop.load(Ordering::Relaxed) {
                attempted += 1;
                if purchase(&seller, &buyer, attempted).await {
                    completed += 1;
                }
            }
            (attempted, completed)
        });
    }
    let mut totals = (0, 0);
    while let Some(Ok((attempted, completed))) = running.join_next().await {
        totals.0 += attempted;
        totals.1 += completed;
    }
    totals
}

async fn purchase(seller: &User, buyer: &User, n: usize) -> bool {
    let listing = json!({ "title": format!("Chaos {n}"), "price": 10 + n % 90 });
    let Some((StatusCode::CREATED, ticket)) = seller.post("/api/tickets", &listing).await else {
        return false;
    };
    let reservation = json!({ "ticketId": ticket["id"] });
    let Some((StatusCode::CREATED, order)) = buyer.post("/api/orders", &reservation).await else {
        return false;
    };
    let payment = json!({ "orderId": order["id"], "token": "pm_card_visa" });
    matches!(
        buyer.post("/api/payments", &payment).await,
        Some((StatusCode::CREATED, _))
    )
}

/// Lists `tickets` tickets, then has `buyers` buyers each try to reserve every one of
/// them, all at once. Returns how many reservations succeeded.
pub async fn reservation_race(
    gateway: &str,
    tickets: usize,
    buyers: usize,
    outcomes: &Outcomes,
) -> usize {
    let Some(seller) = User::sign_up(gateway, "race-seller", outcomes).await else {
        return 0;
    };
    let mut ids = Vec::new();
    for n in 0..tickets {
        let listing = json!({ "title": format!("Race {n}"), "price": 30 });
        if let Some((StatusCode::CREATED, ticket)) = seller.post("/api/tickets", &listing).await {
            ids.push(ticket["id"].clone());
        }
    }
    let mut racers = Vec::new();
    for buyer in 0..buyers {
        if let Some(user) = User::sign_up(gateway, &format!("racer-{buyer}"), outcomes).await {
            racers.push(user);
        }
    }
    let mut attempts = JoinSet::new();
    for racer in &racers {
        for id in &ids {
            let racer = racer.clone();
            let body = json!({ "ticketId": id });
            attempts.spawn(async move { racer.post("/api/orders", &body).await });
        }
    }
    let mut won = 0;
    while let Some(Ok(answer)) = attempts.join_next().await {
        if matches!(answer, Some((StatusCode::CREATED, _))) {
            won += 1;
        }
    }
    won
}

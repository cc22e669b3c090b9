//! The load during a chaos run: purchases through the gateway, and reservation races,
//! each request's outcome recorded with its time so server errors can be matched
//! against the fault windows.

use std::{
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use marketplace::money::Price;
use testkit::api::{ApiClient, Endpoints, Exchange, Retry};
use tokio::task::JoinSet;

/// Every request of the run and its outcome, shared by the load's tasks. A request
/// without an answer in time has no status (a service being restarted is a 502 from
/// the gateway, not this).
#[derive(Clone, Default)]
pub struct Outcomes(Arc<Mutex<Vec<Exchange>>>);

impl Outcomes {
    fn record(&self, exchange: Exchange) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(exchange);
    }

    pub fn all(&self) -> Vec<Exchange> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// How long a request may take; beyond, it counts as unanswered.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// As a user would: every step retried through faults (5xx, no answer) and while an
/// event is in flight (404), 300 ms apart, for 30 seconds.
const THROUGH_FAULTS: Retry = Retry {
    patience: Duration::from_secs(30),
    poll: Duration::from_millis(300),
    longest_poll: Duration::from_millis(300),
    through_faults: true,
};

/// Signs a new user up, retrying through faults; `None` if it never could.
async fn sign_up(gateway: &str, name: &str, outcomes: &Outcomes) -> Option<ApiClient> {
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .timeout(REQUEST_TIMEOUT)
        .build()
        .ok()?;
    let outcomes = outcomes.clone();
    let user = ApiClient::with_http(Endpoints::gateway(gateway), http)
        .retrying(THROUGH_FAULTS)
        .observed(move |exchange| outcomes.record(exchange));
    let email = format!("{name}-{}@example.com", std::process::id());
    user.sign_up(&email, "chaos-password").await.ok()?;
    Some(user)
}

/// Connects the seller's payout account and goes through the fake's onboarding page,
/// as a seller's browser would; `false` if it could not.
async fn connect_payout_account(seller: &ApiClient, gateway: &str) -> bool {
    let Ok(account) = seller
        .connect_payout_account(&format!("{gateway}/payouts/account"))
        .await
    else {
        return false;
    };
    if let Some(onboarding) = account.onboarding_url {
        // The page completes the account and redirects back to the gateway.
        let visited = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map(|http| http.get(onboarding).send());
        let Ok(visit) = visited else {
            return false;
        };
        if visit.await.is_err() {
            return false;
        }
    }
    seller
        .payout_account()
        .await
        .is_ok_and(|account| account.ready)
}

/// Buys tickets in a loop on `workers` tasks until `stop` is set, each worker with its
/// own seller and buyer: list, reserve, pay with the test card. Every seller but the
/// first connects a payout account first; the first one's sales wait for one.
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
            let seller = sign_up(&gateway, &format!("chaos-seller-{worker}"), &outcomes).await;
            let buyer = sign_up(&gateway, &format!("chaos-buyer-{worker}"), &outcomes).await;
            let (Some(seller), Some(buyer)) = (seller, buyer) else {
                return (0, 0);
            };
            if worker > 0 && !connect_payout_account(&seller, &gateway).await {
                return (0, 0);
            }
            let (mut attempted, mut completed) = (0, 0);
            while !stop.load(Ordering::Relaxed) {
                attempted += 1;
                if purchase(&seller, &buyer, attempted).await.is_ok() {
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

async fn purchase(seller: &ApiClient, buyer: &ApiClient, n: usize) -> anyhow::Result<()> {
    let price = Price::from_cents(100 * (10 + n as i64 % 90))?;
    let ticket = seller.list_ticket(&format!("Chaos {n}"), price).await?;
    let order = buyer.reserve_when_orderable(&ticket.id).await?.value;
    buyer.pay_when_payable(&order.id, "pm_card_visa").await?;
    Ok(())
}

/// Lists `tickets` tickets, then has `buyers` buyers each try to reserve every one of
/// them, all at once. Returns how many reservations succeeded.
pub async fn reservation_race(
    gateway: &str,
    tickets: usize,
    buyers: usize,
    outcomes: &Outcomes,
) -> usize {
    let Some(seller) = sign_up(gateway, "race-seller", outcomes).await else {
        return 0;
    };
    let price = Price::from_cents(3000).expect("a valid price");
    let mut ids = Vec::new();
    for n in 0..tickets {
        if let Ok(ticket) = seller.list_ticket(&format!("Race {n}"), price).await {
            ids.push(ticket.id);
        }
    }
    let mut racers = Vec::new();
    for buyer in 0..buyers {
        if let Some(user) = sign_up(gateway, &format!("racer-{buyer}"), outcomes).await {
            racers.push(user);
        }
    }
    let mut attempts = JoinSet::new();
    for racer in &racers {
        for id in &ids {
            let (racer, id) = (racer.clone(), id.clone());
            attempts.spawn(async move { racer.reserve_when_orderable(&id).await.is_ok() });
        }
    }
    let mut won = 0;
    while let Some(Ok(reserved)) = attempts.join_next().await {
        if reserved {
            won += 1;
        }
    }
    won
}

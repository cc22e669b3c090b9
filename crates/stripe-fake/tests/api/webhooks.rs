//! Webhooks: events reach an endpoint started here, signed as Stripe signs them, and
//! are retried until it answers 2xx.

use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use hmac::{Hmac, Mac};
use reqwest::header::HeaderMap as ReqwestHeaders;
use serde_json::Value;
use sha2::Sha256;
use stripe_fake::DeliveryOutcome;
use stripe_shared::{Account, Charge, Event, EventType};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::helpers::{Raw, TestFake, wait_until};

pub const SECRET: &str = "whsec_test_fake_endpoint";

/// One POST the endpoint received.
#[derive(Clone, Debug)]
pub struct Delivery {
    pub signature: String,
    pub body: String,
}

impl Delivery {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("a JSON event")
    }

    /// The event, read as async-stripe's `Event`.
    pub fn event(&self) -> Event {
        raw(self.body.clone()).parse()
    }

    /// The event's `data.object`, read as async-stripe's type `T`.
    pub fn object<T: miniserde::Deserialize + serde::de::DeserializeOwned>(&self) -> T {
        raw(self.json()["data"]["object"].to_string()).parse()
    }
}

fn raw(body: String) -> Raw {
    Raw {
        status: reqwest::StatusCode::OK,
        headers: ReqwestHeaders::new(),
        body,
    }
}

#[derive(Debug, Default)]
struct Endpoint {
    received: Mutex<Vec<Delivery>>,
    /// How many coming deliveries to answer 500.
    failures: Mutex<u32>,
}

/// A webhook endpoint on a local port; dropping it stops it.
pub struct Receiver {
    pub url: String,
    endpoint: Arc<Endpoint>,
    server: JoinHandle<()>,
}

impl Receiver {
    /// An endpoint that answers 500 to its first `failures` deliveries, then 200.
    pub async fn start(failures: u32) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
        let url = format!("http://{}/webhooks/stripe", listener.local_addr().unwrap());
        let endpoint = Arc::new(Endpoint {
            failures: Mutex::new(failures),
            ..Endpoint::default()
        });
        let router = axum::Router::new()
            .route("/webhooks/stripe", post(receive))
            .with_state(endpoint.clone());
        let server = tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        Self {
            url,
            endpoint,
            server,
        }
    }

    pub fn received(&self) -> Vec<Delivery> {
        self.endpoint.received.lock().unwrap().clone()
    }

    /// Waits for the `count`th delivery, and answers all so far.
    pub async fn wait_for(&self, count: usize) -> Vec<Delivery> {
        wait_until(&format!("{count} webhook deliveries"), || {
            self.received().len() >= count
        })
        .await;
        self.received()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn receive(
    State(endpoint): State<Arc<Endpoint>>,
    headers: HeaderMap,
    body: String,
) -> StatusCode {
    let signature = headers
        .get("stripe-signature")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    endpoint
        .received
        .lock()
        .unwrap()
        .push(Delivery { signature, body });
    let mut failures = endpoint.failures.lock().unwrap();
    if *failures > 0 {
        *failures -= 1;
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    StatusCode::OK
}

/// Checks the `Stripe-Signature` header as Stripe's libraries do: the `v1` HMAC-SHA256 of
/// `"<t>.<body>"` under `secret`, with `t` no more than five minutes off.
pub fn assert_signed(delivery: &Delivery, secret: &str) {
    let parts: Vec<(&str, &str)> = delivery
        .signature
        .split(',')
        .filter_map(|part| part.split_once('='))
        .collect();
    let part = |name: &str| {
        parts
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| *value)
            .unwrap_or_else(|| panic!("no {name} in {:?}", delivery.signature))
    };
    let timestamp: i64 = part("t").parse().expect("a unix time");
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.{}", delivery.body).as_bytes());
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    assert_eq!(part("v1"), expected, "the signature of {}", delivery.body);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!((i64::try_from(now).unwrap() - timestamp).abs() < 300);
}

async fn app_with_endpoint(failures: u32) -> (TestFake, Receiver) {
    let app = TestFake::start().await;
    let receiver = Receiver::start(failures).await;
    app.fake
        .set_webhook(receiver.url.clone(), SECRET.to_owned());
    (app, receiver)
}

#[tokio::test]
async fn a_refund_is_announced_as_charge_refunded_signed_with_the_endpoint_secret() {
    let (app, receiver) = app_with_endpoint(0).await;
    let (intent, charge) = app.charge(2500, "usd").await;

    app.post(
        "/v1/refunds",
        &[("payment_intent", &intent), ("amount", "1000")],
    )
    .await;
    let partial = receiver.wait_for(1).await.remove(0);

    assert_signed(&partial, SECRET);
    let event = partial.event();
    assert_eq!(event.type_, EventType::ChargeRefunded);
    assert!(event.id.as_str().starts_with("evt_"));
    assert_eq!(
        event.api_version.as_deref(),
        Some(stripe_shared::version::VERSION.as_str())
    );
    assert!(!event.livemode);
    let refunded: Charge = partial.object();
    assert_eq!(refunded.id.as_str(), charge);
    assert_eq!(
        refunded.payment_intent.as_ref().map(|p| p.id().as_str()),
        Some(intent.as_str())
    );
    assert_eq!((refunded.amount, refunded.amount_refunded), (2500, 1000));
    assert!(!refunded.refunded);

    app.post("/v1/refunds", &[("charge", &charge)]).await;
    let full = receiver.wait_for(2).await.remove(1);
    assert_signed(&full, SECRET);
    let refunded: Charge = full.object();
    assert_eq!(refunded.amount_refunded, 2500);
    assert!(refunded.refunded);

    // The fake records an attempt once the answer is back, a moment after the endpoint saw it.
    wait_until("both answers recorded", || {
        app.fake.webhook_deliveries().len() == 2
    })
    .await;
    let deliveries = app.fake.webhook_deliveries();
    let outcomes: Vec<_> = deliveries
        .iter()
        .map(|delivery| (delivery.event_type.as_str(), delivery.outcome.clone()))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("charge.refunded", DeliveryOutcome::Answered(200)),
            ("charge.refunded", DeliveryOutcome::Answered(200))
        ]
    );
    assert_eq!(deliveries[1].event_id, full.json()["id"]);
}

#[tokio::test]
async fn a_delivery_the_endpoint_fails_is_retried_until_it_answers() {
    let (app, receiver) = app_with_endpoint(1).await;
    let (intent, _) = app.charge(2500, "usd").await;

    app.post("/v1/refunds", &[("payment_intent", &intent)])
        .await;
    let attempts = receiver.wait_for(2).await;

    assert_eq!(attempts[0].json()["id"], attempts[1].json()["id"]);
    assert_signed(&attempts[1], SECRET);
    wait_until("the retry recorded", || {
        app.fake.webhook_deliveries().len() == 2
    })
    .await;
    let outcomes: Vec<_> = app
        .fake
        .webhook_deliveries()
        .into_iter()
        .map(|delivery| delivery.outcome)
        .collect();
    assert_eq!(
        outcomes,
        [
            DeliveryOutcome::Answered(500),
            DeliveryOutcome::Answered(200)
        ]
    );
}

#[tokio::test]
async fn an_unreachable_endpoint_is_recorded_as_such() {
    let app = TestFake::start().await;
    let closed = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let url = format!("http://{}/webhooks/stripe", closed.local_addr().unwrap());
    drop(closed);
    app.fake.set_webhook(url, SECRET.to_owned());
    let (intent, _) = app.charge(2500, "usd").await;

    app.post("/v1/refunds", &[("payment_intent", &intent)])
        .await;

    wait_until("a failed attempt", || {
        !app.fake.webhook_deliveries().is_empty()
    })
    .await;
    let first = app.fake.webhook_deliveries().remove(0);
    assert!(
        matches!(first.outcome, DeliveryOutcome::Unreachable(_)),
        "{first:?}"
    );
}

#[tokio::test]
async fn onboarding_is_announced_as_account_updated() {
    let (app, receiver) = app_with_endpoint(0).await;

    let account = app.onboarded_account().await;
    let delivery = receiver.wait_for(1).await.remove(0);

    assert_signed(&delivery, SECRET);
    assert_eq!(delivery.event().type_, EventType::AccountUpdated);
    let updated: Account = delivery.object();
    assert_eq!(updated.id.as_str(), account);
    assert_eq!(updated.payouts_enabled, Some(true));
}

#[tokio::test]
async fn without_an_endpoint_nothing_is_sent() {
    let app = TestFake::start().await;
    let (intent, _) = app.charge(2500, "usd").await;

    let refund = app
        .post("/v1/refunds", &[("payment_intent", &intent)])
        .await;

    assert_eq!(refund.status, reqwest::StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(app.fake.webhook_deliveries().is_empty());
}

//! Webhooks as Stripe sends them: after something happens (a refund, an account
//! onboarded), an event is POSTed to the platform's endpoint, signed with the endpoint's
//! secret, and retried until the endpoint answers 2xx. Each attempt is recorded for
//! tests to read.

mod delivery;
mod signature;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

use crate::account::lock;
use crate::model::event;
use crate::{clock, ids};

/// How long one attempt waits for the endpoint to answer.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// One attempt to deliver a webhook event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookDelivery {
    /// Such as `charge.refunded`.
    pub event_type: String,
    /// The event's id (`evt_…`); retries of one event share it.
    pub event_id: String,
    /// How the attempt went.
    pub outcome: DeliveryOutcome,
}

/// How one delivery attempt went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// The endpoint answered with this HTTP status; only 2xx ends the retries.
    Answered(u16),
    /// No answer: the connection failed or timed out (the error, for a reader).
    Unreachable(String),
}

/// Where events go: the platform's endpoint and its signing secret.
#[derive(Clone, Debug)]
struct Endpoint {
    url: String,
    secret: String,
}

/// An event ready to send.
#[derive(Clone, Debug)]
struct Event {
    id: String,
    type_: String,
    /// The exact bytes signed and sent.
    body: String,
}

/// The endpoint, if one is set, and every delivery attempt so far. Clones share them.
#[derive(Clone, Debug)]
pub(crate) struct Webhooks {
    endpoint: Arc<Mutex<Option<Endpoint>>>,
    deliveries: Arc<Mutex<Vec<WebhookDelivery>>>,
    client: reqwest::Client,
}

impl Default for Webhooks {
    fn default() -> Self {
        let client = reqwest::Client::builder()
            .timeout(ATTEMPT_TIMEOUT)
            .build()
            .unwrap_or_default();
        Self {
            endpoint: Arc::default(),
            deliveries: Arc::default(),
            client,
        }
    }
}

impl Webhooks {
    pub(crate) fn set_endpoint(&self, url: String, secret: String) {
        *lock(&self.endpoint) = Some(Endpoint { url, secret });
    }

    pub(crate) fn deliveries(&self) -> Vec<WebhookDelivery> {
        lock(&self.deliveries).clone()
    }

    /// Announces `object` as an event of `type_` to the endpoint, if one is set. The
    /// delivery runs on a task of its own, so the request that caused it is answered
    /// without waiting for the endpoint.
    pub(crate) fn send(&self, type_: &str, object: Value) {
        let Some(endpoint) = lock(&self.endpoint).clone() else {
            return;
        };
        let id = ids::new_id("evt");
        let body = event::to_json(&id, type_, clock::now(), object).to_string();
        let event = Event {
            id,
            type_: type_.to_owned(),
            body,
        };
        tokio::spawn(delivery::deliver(self.clone(), endpoint, event));
    }

    fn record(&self, event: &Event, outcome: DeliveryOutcome) {
        lock(&self.deliveries).push(WebhookDelivery {
            event_type: event.type_.clone(),
            event_id: event.id.clone(),
            outcome,
        });
    }
}

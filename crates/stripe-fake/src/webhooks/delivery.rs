//! Delivering one event: POST it signed, and retry with a doubling pause while the
//! endpoint fails to answer 2xx, as Stripe keeps retrying an endpoint that is down.

use std::time::Duration;

use crate::clock;
use crate::webhooks::{DeliveryOutcome, Endpoint, Event, Webhooks, signature};

/// Stripe retries for days; a fake only has to outlast a restarting receiver.
const ATTEMPTS: u32 = 8;
const FIRST_PAUSE: Duration = Duration::from_millis(200);

pub(super) async fn deliver(webhooks: Webhooks, endpoint: Endpoint, event: Event) {
    let mut pause = FIRST_PAUSE;
    for attempt in 1..=ATTEMPTS {
        let outcome = attempt_once(&webhooks, &endpoint, &event).await;
        let delivered =
            matches!(outcome, DeliveryOutcome::Answered(status) if (200..300).contains(&status));
        if delivered {
            tracing::info!(event = %event.type_, id = %event.id, attempt, url = %endpoint.url, "webhook delivered");
        } else {
            tracing::warn!(event = %event.type_, id = %event.id, attempt, url = %endpoint.url, ?outcome, "webhook not delivered");
        }
        webhooks.record(&event, outcome);
        if delivered {
            return;
        }
        if attempt < ATTEMPTS {
            tokio::time::sleep(pause).await;
            pause *= 2;
        }
    }
    tracing::error!(event = %event.type_, id = %event.id, url = %endpoint.url, "webhook given up after {ATTEMPTS} attempts");
}

/// One POST, signed afresh: Stripe signs each attempt with the time it is sent.
async fn attempt_once(webhooks: &Webhooks, endpoint: &Endpoint, event: &Event) -> DeliveryOutcome {
    let signature = signature::header(&endpoint.secret, clock::now(), &event.body);
    let sent = webhooks
        .client
        .post(&endpoint.url)
        .header("content-type", "application/json; charset=utf-8")
        .header("stripe-signature", signature)
        .body(event.body.clone())
        .send()
        .await;
    match sent {
        Ok(response) => DeliveryOutcome::Answered(response.status().as_u16()),
        Err(error) => DeliveryOutcome::Unreachable(error.to_string()),
    }
}

//! Assertions shared by the services' tests.

use std::time::Duration;

use bus::EventBus;
use marketplace::events::Event;
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::{probe::published, wait::eventually};

/// Asserts the status and the contract's error shape, and returns the entries.
pub async fn errors_of(response: Response, status: StatusCode) -> Vec<Value> {
    assert_eq!(response.status(), status);
    let body: Value = response.json().await.expect("an error body in JSON");
    let errors = body["errors"]
        .as_array()
        .expect("an `errors` array")
        .clone();
    assert!(!errors.is_empty(), "{body}");
    for error in &errors {
        assert!(
            error["message"].is_string(),
            "every error has a message: {body}"
        );
    }
    errors
}

/// Asserts exactly one error, with this message and no field.
pub async fn assert_error(response: Response, status: StatusCode, message: &str) {
    let errors = errors_of(response, status).await;
    assert_eq!(errors, [json!({ "message": message })]);
}

/// Asserts exactly one error, about `field`, with this message.
pub async fn assert_field_error(
    response: Response,
    status: StatusCode,
    field: &str,
    message: &str,
) {
    let errors = errors_of(response, status).await;
    assert_eq!(errors, [json!({ "field": field, "message": message })]);
}

/// Asserts a per-minute rate limit's refusal: a 429 whose `Retry-After`, between 1
/// and 60 seconds, the message repeats ("Too many {what}. Try again in N seconds.").
pub async fn assert_throttled(response: Response, what: &str) {
    let retry_after: u64 = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .expect("a Retry-After header")
        .to_str()
        .expect("Retry-After in ASCII")
        .parse()
        .expect("Retry-After in whole seconds");
    assert!(
        (1..=60).contains(&retry_after),
        "Retry-After: {retry_after}"
    );
    let message = format!("Too many {what}. Try again in {retry_after} seconds.");
    assert_error(response, StatusCode::TOO_MANY_REQUESTS, &message).await;
}

/// Waits for the number of `E` events in the stream to reach `count`, checks that it
/// stays there a moment, and returns them.
pub async fn assert_published<E: Event>(bus: &EventBus, count: usize) -> Vec<E> {
    let reached = eventually(Duration::from_secs(10), || async {
        published::<E>(bus).await.len() >= count
    })
    .await;
    assert!(reached, "fewer than {count} {} events", E::SUBJECT);
    tokio::time::sleep(Duration::from_millis(400)).await;
    let events = published::<E>(bus).await;
    assert_eq!(events.len(), count, "{} events", E::SUBJECT);
    events
}

/// Publishes `event` again under a new message id, so JetStream does not drop it as a
/// duplicate and the listeners really handle it a second time.
pub async fn redeliver<E: Event>(bus: &EventBus, event: &E) {
    let payload = serde_json::to_vec(event).expect("encode the event");
    let message_id = format!("{}-again-{}", event.message_id(), rand::random::<u32>());
    bus.publisher()
        .publish_encoded(E::SUBJECT, &message_id, payload.into(), &Default::default())
        .await
        .expect("publish the event again");
}

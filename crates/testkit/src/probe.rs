//! Reading what was published, to assert on events.

use std::time::Duration;

use async_nats::jetstream::consumer::{AckPolicy, DeliverPolicy, pull};
use bus::EventBus;
use futures::StreamExt;
use marketplace::events::Event;

/// Every `E` in the bus's stream so far, oldest first (through a throwaway consumer,
/// so the services' own consumers are untouched).
pub async fn published<E: Event>(bus: &EventBus) -> Vec<E> {
    let stream = bus
        .jetstream()
        .get_stream(bus.stream_name())
        .await
        .expect("the event stream exists");
    let consumer = stream
        .create_consumer(pull::Config {
            filter_subject: bus.subject(E::SUBJECT),
            deliver_policy: DeliverPolicy::All,
            ack_policy: AckPolicy::None,
            inactive_threshold: Duration::from_secs(30),
            ..Default::default()
        })
        .await
        .expect("create a probe consumer");
    let mut batch = consumer
        .fetch()
        .max_messages(10_000)
        .expires(Duration::from_millis(300))
        .messages()
        .await
        .expect("fetch published events");
    let mut events = Vec::new();
    while let Some(message) = batch.next().await {
        let message = message.expect("read a published event");
        events.push(serde_json::from_slice(&message.payload).expect("a well-formed event"));
    }
    events
}

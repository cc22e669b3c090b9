//! Publishing events and waiting for JetStream to store them, each with the context of
//! the trace that caused it in its headers.

use std::collections::HashMap;

use async_nats::jetstream::message::PublishMessage;
use bytes::Bytes;

use marketplace::events::{Event, Subject};
use telemetry::propagation;

use crate::{
    event_bus::{EventBus, EventError},
    headers::trace_headers,
};

/// Publishes events into the bus's stream. Cheap to clone.
#[derive(Clone)]
pub struct Publisher {
    bus: EventBus,
}

/// What JetStream said about a stored message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Published {
    /// The message's position in the stream.
    pub sequence: u64,
    /// True when JetStream had already stored a message with the same id and dropped
    /// this one.
    pub duplicate: bool,
}

impl EventBus {
    /// A publisher into this bus's stream. Defined beside [`Publisher`], so the bus
    /// itself needs to know nothing of publishing.
    pub fn publisher(&self) -> Publisher {
        Publisher { bus: self.clone() }
    }
}

impl Publisher {
    /// Publishes `event` on its own subject with its message id, in the current
    /// span's trace, and returns once JetStream has stored it (or recognised it as a
    /// duplicate).
    pub async fn publish<E: Event>(&self, event: &E) -> Result<Published, EventError> {
        let payload = serde_json::to_vec(event)?;
        let trace = propagation::current_context();
        self.publish_encoded(E::SUBJECT, &event.message_id(), payload.into(), &trace)
            .await
    }

    /// Publishes an already encoded payload with the trace context it was caused in
    /// (`traceparent`, `tracestate`; empty for none), for relays that stored the event
    /// as bytes (an outbox) and for tests that need a malformed message.
    pub async fn publish_encoded(
        &self,
        subject: Subject,
        message_id: &str,
        payload: Bytes,
        trace: &HashMap<String, String>,
    ) -> Result<Published, EventError> {
        let failed = |reason: String| EventError::Publish { subject, reason };
        let ack = self
            .bus
            .jetstream()
            .send_publish(
                self.bus.subject(subject),
                PublishMessage::build()
                    .headers(trace_headers(trace))
                    .payload(payload)
                    .message_id(message_id),
            )
            .await
            .map_err(|error| failed(error.to_string()))?
            .await
            .map_err(|error| failed(error.to_string()))?;
        Ok(Published {
            sequence: ack.sequence,
            duplicate: ack.duplicate,
        })
    }

    /// Keeps a copy of a message that the `consumer` gave up on, on the event's
    /// dead-letter subject, with the reason in a header and in the trace of the
    /// handling that gave up.
    pub async fn publish_dead_letter(
        &self,
        subject: Subject,
        consumer: &str,
        sequence: u64,
        payload: Bytes,
        reason: &str,
    ) -> Result<(), EventError> {
        let failed = |reason: String| EventError::Publish { subject, reason };
        let message = PublishMessage::build()
            .headers(trace_headers(&propagation::current_context()))
            .payload(payload)
            .message_id(format!("dead:{consumer}:{sequence}"))
            .header("Ticketing-Consumer", consumer)
            .header(
                "Ticketing-Dead-Reason",
                reason.replace(['\r', '\n'], " ").as_str(),
            );
        self.bus
            .jetstream()
            .send_publish(self.bus.dead_letter_subject(subject), message)
            .await
            .map_err(|error| failed(error.to_string()))?
            .await
            .map_err(|error| failed(error.to_string()))?;
        Ok(())
    }
}

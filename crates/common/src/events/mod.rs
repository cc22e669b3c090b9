//! Events between services over NATS JetStream.
//!
//! Every payload type knows its [`Subject`] (through [`Event`]), so a service can only
//! publish or subscribe with the subject and the payload that belong together.
//! [`EventBus`] owns the connection and the stream, [`Publisher`] publishes and waits
//! for JetStream's ack, and a [`Listener`] handles one event type through a durable
//! consumer shared by all replicas of its service.

mod bus;
mod listener;
mod payloads;
mod publisher;

pub use bus::{EventBus, EventError};
pub use listener::{
    HandlerError, Listener, ListenerHandle, ListenerStats, RetryPolicy, spawn_listener,
};
pub use payloads::*;
pub use publisher::{Published, Publisher};

use serde::{Serialize, de::DeserializeOwned};

/// The subjects of the system, one per event type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Subject {
    TicketCreated,
    TicketUpdated,
    OrderCreated,
    OrderCancelled,
    OrderCompleted,
    ExpirationComplete,
    PaymentCreated,
}

impl Subject {
    pub const ALL: [Self; 7] = [
        Self::TicketCreated,
        Self::TicketUpdated,
        Self::OrderCreated,
        Self::OrderCancelled,
        Self::OrderCompleted,
        Self::ExpirationComplete,
        Self::PaymentCreated,
    ];

    /// The event's name, as the original system spelt it (`ticket:created`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TicketCreated => "ticket:created",
            Self::TicketUpdated => "ticket:updated",
            Self::OrderCreated => "order:created",
            Self::OrderCancelled => "order:cancelled",
            Self::OrderCompleted => "order:completed",
            Self::ExpirationComplete => "expiration:complete",
            Self::PaymentCreated => "payment:created",
        }
    }

    /// The name as it may appear in a consumer name (no `:`).
    fn token(self) -> String {
        self.as_str().replace(':', "-")
    }
}

impl std::str::FromStr for Subject {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|subject| subject.as_str() == name)
            .ok_or_else(|| format!("no event is called {name:?}"))
    }
}

impl std::fmt::Display for Subject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A payload that travels on exactly one subject.
pub trait Event: Serialize + DeserializeOwned + Send + Sync + 'static {
    const SUBJECT: Subject;

    /// Identifies this event for JetStream's de-duplication (`Nats-Msg-Id`): the same
    /// change published twice (a retried publish, an outbox replay) is stored once.
    fn message_id(&self) -> String;
}

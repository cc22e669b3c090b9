//! The event table: every subject, the service that announces it and the services that
//! consume it, and the trait that ties a payload to its subject.

use serde::{Serialize, de::DeserializeOwned};

/// The services that take part in events. Each connects to NATS as the user of its
/// name, whose permissions follow from [`Subject::publisher`] and
/// [`Subject::consumers`] (see the `access` module).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ServiceName {
    Auth,
    Tickets,
    Orders,
    Expiration,
    Payments,
}

impl ServiceName {
    pub const ALL: [Self; 5] = [
        Self::Auth,
        Self::Tickets,
        Self::Orders,
        Self::Expiration,
        Self::Payments,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auth => "auth",
            Self::Tickets => "tickets",
            Self::Orders => "orders",
            Self::Expiration => "expiration",
            Self::Payments => "payments",
        }
    }
}

impl std::fmt::Display for ServiceName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

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
    SessionRevoked,
}

impl Subject {
    pub const ALL: [Self; 8] = [
        Self::TicketCreated,
        Self::TicketUpdated,
        Self::OrderCreated,
        Self::OrderCancelled,
        Self::OrderCompleted,
        Self::ExpirationComplete,
        Self::PaymentCreated,
        Self::SessionRevoked,
    ];

    /// The one service that announces this event. Nobody else may publish it: the
    /// NATS server refuses (see the `access` module).
    pub fn publisher(self) -> ServiceName {
        use ServiceName::*;
        match self {
            Self::TicketCreated | Self::TicketUpdated => Tickets,
            Self::OrderCreated | Self::OrderCancelled | Self::OrderCompleted => Orders,
            Self::ExpirationComplete => Expiration,
            Self::PaymentCreated => Payments,
            Self::SessionRevoked => Auth,
        }
    }

    /// The services with a durable consumer of this event.
    pub fn consumers(self) -> &'static [ServiceName] {
        use ServiceName::*;
        match self {
            Self::TicketCreated | Self::TicketUpdated => &[Orders],
            Self::OrderCreated => &[Tickets, Payments, Expiration],
            Self::OrderCancelled | Self::OrderCompleted => &[Tickets, Payments],
            Self::ExpirationComplete | Self::PaymentCreated => &[Orders],
            // Auth records its own revocations as it signs a session out.
            Self::SessionRevoked => &[Tickets, Orders, Payments],
        }
    }

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
            Self::SessionRevoked => "session:revoked",
        }
    }

    /// The name as it may appear in a consumer name (no `:`).
    fn token(self) -> String {
        self.as_str().replace(':', "-")
    }
}

/// The durable consumer of `subject` shared by the replicas of `service`.
pub fn durable_name(service: &str, subject: Subject) -> String {
    format!("{service}-{}", subject.token())
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

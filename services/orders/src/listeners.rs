//! What the orders service does on events: keep its ticket replica in version order
//! (`ticket:created`, `ticket:updated`), cancel an unpaid order at expiry
//! (`expiration:complete`) and complete a paid one (`payment:created`).

use bus::{
    EventBus, EventError, HandlerError, Listener, ListenerHandle, RetryPolicy, spawn_listener,
};
use marketplace::events::{ExpirationComplete, PaymentCreated, TicketCreated, TicketUpdated};

use crate::{
    orders::{Orders, Unchanged},
    ticket_replica::TicketReplica,
};

/// Durable consumers are named after the service, so its replicas share them.
pub(crate) const SERVICE: &str = "orders";

pub(crate) async fn spawn_all(
    bus: &EventBus,
    replica: &TicketReplica,
    orders: &Orders,
) -> Result<Vec<ListenerHandle>, EventError> {
    let policy = RetryPolicy::default;
    Ok(vec![
        spawn_listener(
            bus,
            SERVICE,
            TicketCreatedListener(replica.clone()),
            policy(),
        )
        .await?,
        spawn_listener(
            bus,
            SERVICE,
            TicketUpdatedListener(replica.clone()),
            policy(),
        )
        .await?,
        spawn_listener(bus, SERVICE, ExpirationListener(orders.clone()), policy()).await?,
        spawn_listener(bus, SERVICE, PaymentListener(orders.clone()), policy()).await?,
    ])
}

pub(crate) struct TicketCreatedListener(pub TicketReplica);

impl Listener for TicketCreatedListener {
    type Event = TicketCreated;

    async fn handle(&self, event: TicketCreated) -> Result<(), HandlerError> {
        self.0.apply_created(&event).await?;
        Ok(())
    }
}

pub(crate) struct TicketUpdatedListener(pub TicketReplica);

impl Listener for TicketUpdatedListener {
    type Event = TicketUpdated;

    async fn handle(&self, event: TicketUpdated) -> Result<(), HandlerError> {
        // Stale versions are acked; one that arrived before its predecessor is retried.
        self.0.apply_updated(&event).await?.in_version_order()?;
        Ok(())
    }
}

/// The reservation ran out: cancel the order unless it was paid.
pub(crate) struct ExpirationListener(pub Orders);

impl Listener for ExpirationListener {
    type Event = ExpirationComplete;

    async fn handle(&self, event: ExpirationComplete) -> Result<(), HandlerError> {
        match self.0.cancel(event.order_id).await? {
            Ok(_) => {
                tracing::info!(order_id = %event.order_id, "cancelled an unpaid order whose hold ran out");
                Ok(())
            }
            Err(Unchanged::AlreadyCancelled | Unchanged::AlreadyComplete) => Ok(()),
            Err(Unchanged::NotFound) => Err(HandlerError::from("no such order")),
        }
    }
}

/// The order was charged: complete it, unless it was cancelled meanwhile (then the
/// payments service refunds the charge when it sees `order:cancelled`).
pub(crate) struct PaymentListener(pub Orders);

impl Listener for PaymentListener {
    type Event = PaymentCreated;

    async fn handle(&self, event: PaymentCreated) -> Result<(), HandlerError> {
        match self.0.complete(event.order_id).await? {
            Ok(_) => {
                tracing::info!(order_id = %event.order_id, "completed a paid order");
                Ok(())
            }
            Err(Unchanged::AlreadyCancelled | Unchanged::AlreadyComplete) => Ok(()),
            Err(Unchanged::NotFound) => Err(HandlerError::from("no such order")),
        }
    }
}

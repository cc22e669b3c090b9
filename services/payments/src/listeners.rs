//! The order replica follows the orders service in version order. A cancellation of an
//! order that was charged refunds the charge: a late payment never turns into a sale.

use bus::{
    EventBus, EventError, HandlerError, Listener, ListenerHandle, RetryPolicy, spawn_listener,
};
use marketplace::{
    events::{OrderCancelled, OrderCompleted, OrderCreated},
    order::OrderStatus,
};

use crate::{
    checkout, order_replica::OrderReplica, payments::Payments, stripe_gateway::StripeGateway,
};

/// Durable consumers are named after the service, so its replicas share them.
pub(crate) const SERVICE: &str = "payments";

pub(crate) async fn spawn_all(
    bus: &EventBus,
    orders: &OrderReplica,
    payments: &Payments,
    gateway: &StripeGateway,
) -> Result<Vec<ListenerHandle>, EventError> {
    let policy = RetryPolicy::default;
    let cancelled = CancelledListener {
        orders: orders.clone(),
        payments: payments.clone(),
        gateway: gateway.clone(),
    };
    Ok(vec![
        spawn_listener(bus, SERVICE, CreatedListener(orders.clone()), policy()).await?,
        spawn_listener(bus, SERVICE, cancelled, policy()).await?,
        spawn_listener(bus, SERVICE, CompletedListener(orders.clone()), policy()).await?,
    ])
}

struct CreatedListener(OrderReplica);

impl Listener for CreatedListener {
    type Event = OrderCreated;

    async fn handle(&self, event: OrderCreated) -> Result<(), HandlerError> {
        self.0.apply_created(&event).await?;
        Ok(())
    }
}

struct CompletedListener(OrderReplica);

impl Listener for CompletedListener {
    type Event = OrderCompleted;

    async fn handle(&self, event: OrderCompleted) -> Result<(), HandlerError> {
        self.0
            .apply_status(event.id, event.version, OrderStatus::Complete)
            .await?
            .in_version_order()?;
        Ok(())
    }
}

struct CancelledListener {
    orders: OrderReplica,
    payments: Payments,
    gateway: StripeGateway,
}

impl Listener for CancelledListener {
    type Event = OrderCancelled;

    async fn handle(&self, event: OrderCancelled) -> Result<(), HandlerError> {
        let order = self
            .orders
            .apply_status(event.id, event.version, OrderStatus::Cancelled)
            .await?
            .in_version_order()?;
        // Checked on every delivery; a refund that keeps failing stays due and the
        // recovery loop retries it.
        if order.paid {
            for payment in self.payments.refund_due_for(event.id).await? {
                checkout::refund(&payment, &self.gateway, &self.payments)
                    .await
                    .map_err(|error| HandlerError::from(error.to_string()))?;
            }
        }
        Ok(())
    }
}

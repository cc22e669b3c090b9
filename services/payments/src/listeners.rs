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
    checkout, order_replica::OrderReplica, payments::Payments, payout_terms::PayoutTerms,
    payouts::Payouts, stripe_gateway::StripeGateway,
};

/// Durable consumers are named after the service, so its replicas share them.
pub(crate) const SERVICE: &str = "payments";

/// What the listeners write to.
pub(crate) struct Ledgers {
    pub orders: OrderReplica,
    pub payments: Payments,
    pub payouts: Payouts,
    pub gateway: StripeGateway,
    pub terms: PayoutTerms,
}

pub(crate) async fn spawn_all(
    bus: &EventBus,
    ledgers: Ledgers,
) -> Result<Vec<ListenerHandle>, EventError> {
    let policy = RetryPolicy::default;
    let cancelled = CancelledListener {
        orders: ledgers.orders.clone(),
        payments: ledgers.payments.clone(),
        gateway: ledgers.gateway.clone(),
    };
    let completed = CompletedListener {
        orders: ledgers.orders.clone(),
        payments: ledgers.payments,
        payouts: ledgers.payouts,
        terms: ledgers.terms,
    };
    Ok(vec![
        spawn_listener(bus, SERVICE, CreatedListener(ledgers.orders), policy()).await?,
        spawn_listener(bus, SERVICE, cancelled, policy()).await?,
        spawn_listener(bus, SERVICE, completed, policy()).await?,
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

/// A completed order is a sale: its payout is recorded, held until the hold ends.
struct CompletedListener {
    orders: OrderReplica,
    payments: Payments,
    payouts: Payouts,
    terms: PayoutTerms,
}

impl Listener for CompletedListener {
    type Event = OrderCompleted;

    async fn handle(&self, event: OrderCompleted) -> Result<(), HandlerError> {
        let order = self
            .orders
            .apply_status(event.id, event.version, OrderStatus::Complete)
            .await?
            .in_version_order()?;
        // An order completes only after its charge was recorded here.
        let payment = self.payments.charge_of(order.id).await?.ok_or_else(|| {
            HandlerError::from(format!("order {} completed without its charge", order.id))
        })?;
        self.payouts
            .record_sale(&order, &payment, &self.terms)
            .await?;
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

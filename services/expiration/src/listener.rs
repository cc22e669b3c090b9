//! `order:created` schedules the order's expiration.

use bus::{
    EventBus, EventError, HandlerError, Listener, ListenerHandle, RetryPolicy, spawn_listener,
};
use marketplace::events::OrderCreated;
use mongodb::bson::DateTime;

use crate::scheduler::Scheduler;

struct OrderCreatedListener(Scheduler);

impl Listener for OrderCreatedListener {
    type Event = OrderCreated;

    async fn handle(&self, order: OrderCreated) -> Result<(), HandlerError> {
        let expires_at = DateTime::from_time_0_3(order.expires_at);
        self.0.schedule(order.id, expires_at).await?;
        Ok(())
    }
}

pub(crate) async fn spawn(
    bus: &EventBus,
    scheduler: &Scheduler,
) -> Result<ListenerHandle, EventError> {
    let listener = OrderCreatedListener(scheduler.clone());
    spawn_listener(bus, "expiration", listener, RetryPolicy::default()).await
}

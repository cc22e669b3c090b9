use std::time::Duration;

use expiration::{Config, build};
use marketplace::{
    events::{ExpirationComplete, OrderCreated, OrderedTicket},
    id::{OrderId, TicketId, UserId},
    money::Price,
    order::OrderStatus,
};
use testkit::{RunningService, World};
use time::OffsetDateTime;

/// Starts an expiration service in `world`.
pub async fn start_expiration(world: &World) -> RunningService {
    let config = Config {
        base: world.base_config("expiration"),
        events: world.events_config("expiration"),
    };
    RunningService::start(build(config).await.expect("build the expiration service"))
}

/// An `order:created` whose reservation ends after `hold`.
pub fn order_expiring_in(hold: Duration) -> OrderCreated {
    OrderCreated {
        id: OrderId::new(),
        version: 0,
        status: OrderStatus::Created,
        user_id: UserId::new(),
        expires_at: OffsetDateTime::now_utc() + hold,
        ticket: OrderedTicket {
            id: TicketId::new(),
            price: Price::from_cents(1000).unwrap(),
            seller_id: UserId::new(),
        },
    }
}

/// The order ids of every `expiration:complete` so far.
pub async fn expired_orders(bus: &bus::EventBus) -> Vec<OrderId> {
    testkit::published::<ExpirationComplete>(bus)
        .await
        .into_iter()
        .map(|event| event.order_id)
        .collect()
}

/// Waits until `expiration:complete` for `order_id` is published; returns how long
/// after `deadline` that was noticed.
pub async fn wait_for_expiry(
    bus: &bus::EventBus,
    order_id: OrderId,
    deadline: OffsetDateTime,
) -> time::Duration {
    let fired = testkit::eventually(Duration::from_secs(20), || async {
        expired_orders(bus).await.contains(&order_id)
    })
    .await;
    assert!(fired, "order {order_id} never expired");
    OffsetDateTime::now_utc() - deadline
}

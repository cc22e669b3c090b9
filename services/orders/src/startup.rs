//! Builds the orders service: database, event bus, listeners, outbox relay, HTTP.

use bus::EventBus;
use httpkit::{service::Service, session::SessionKeys};
use storage::{outbox::Outbox, rate_limit::RateLimit, revocations};

use crate::{
    config::Config,
    listeners,
    orders::Orders,
    routes,
    state::{AppState, OrderExpiration},
    ticket_replica::TicketReplica,
};

/// Connects, starts the listeners and binds `config.base.port`.
pub async fn build(config: Config) -> anyhow::Result<Service> {
    let database =
        storage::mongo::connect(&config.base.mongo_url, &config.base.mongo_database).await?;
    let bus = EventBus::connect(&config.events).await?;
    let outbox = Outbox::new(&database);
    let replica = TicketReplica::new(&database);
    let orders = Orders::new(
        &database,
        replica.clone(),
        outbox.clone(),
        config.buyers.most_unpaid,
    );
    orders.ensure_indexes().await?;
    let order_rate = RateLimit::per_minute(
        &database,
        "orders-placed",
        "orders placed in a minute",
        config.buyers.orders_per_minute,
    );
    order_rate.ensure_indexes().await?;
    let mut listeners = listeners::spawn_all(&bus, &replica, &orders).await?;
    let session = SessionKeys::new(&config.session.jwt_key, config.session.environment);
    let (revocations, follow_revocations) =
        revocations::learn_from_events(&database, &bus, listeners::SERVICE, &session).await?;
    listeners.push(revocations);
    let state = AppState {
        orders,
        session: session.clone(),
        expiration: OrderExpiration(config.order_expiration),
        order_rate,
    };
    let routes = routes::router(session).with_state(state);
    let service =
        backend::bind_with_events(&config.base, routes, database, &bus, outbox, listeners).await?;
    Ok(service.beside(follow_revocations))
}

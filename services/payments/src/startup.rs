//! Builds the payments service: database, Stripe client, event bus, listeners,
//! outbox relay, recovery of interrupted payments, HTTP.

use bus::EventBus;
use httpkit::{service::Service, session::SessionKeys};
use storage::{outbox::Outbox, rate_limit::RateLimit, revocations};

use crate::{
    checkout, config::Config, listeners, order_replica::OrderReplica, payments::Payments, routes,
    state::AppState, stripe_gateway::StripeGateway,
};

/// Connects, starts the listeners and binds `config.base.port`.
pub async fn build(config: Config) -> anyhow::Result<Service> {
    let database =
        storage::mongo::connect(&config.base.mongo_url, &config.base.mongo_database).await?;
    let bus = EventBus::connect(&config.events).await?;
    let gateway = StripeGateway::new(&config.stripe)?;
    let outbox = Outbox::new(&database);
    let orders = OrderReplica::new(&database);
    // A claim's request gets two recovery rounds before the loop takes it over.
    let payments = Payments::new(
        &database,
        orders.clone(),
        outbox.clone(),
        config.recovery_interval * 2,
    );
    payments.ensure_indexes().await?;
    let attempt_rate = RateLimit::per_minute(
        &database,
        "payment-attempts",
        "payment attempts in a minute",
        config.attempts_per_minute,
    );
    attempt_rate.ensure_indexes().await?;
    let mut listeners = listeners::spawn_all(&bus, &orders, &payments, &gateway).await?;
    let session = SessionKeys::new(&config.session.jwt_key, config.session.environment);
    let (revocations, follow_revocations) =
        revocations::learn_from_events(&database, &bus, listeners::SERVICE, &session).await?;
    listeners.push(revocations);
    let recovery = checkout::recover(gateway.clone(), payments.clone(), config.recovery_interval);
    let state = AppState {
        orders,
        payments,
        gateway,
        session,
        attempt_rate,
    };
    let routes = routes::router().with_state(state);
    let service =
        backend::bind_with_events(config.base.port, routes, database, &bus, outbox, listeners)
            .await?;
    Ok(service.beside(recovery).beside(follow_revocations))
}

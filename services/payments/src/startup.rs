//! Builds the payments service: database, Stripe client, event bus, listeners,
//! outbox relay, recovery of interrupted payments, HTTP.

use axum::extract::FromRef;
use common::{events::EventBus, outbox::Outbox, service::Service, session::SessionKeys};

use crate::{
    Config, checkout, listeners, order_replica::OrderReplica, payments::Payments, routes,
    stripe_gateway::StripeGateway,
};

#[derive(Clone, FromRef)]
pub(crate) struct AppState {
    pub orders: OrderReplica,
    pub payments: Payments,
    pub gateway: StripeGateway,
    pub session: SessionKeys,
}

/// Connects, starts the listeners and binds `config.base.port`.
pub async fn build(config: Config) -> anyhow::Result<Service> {
    let database =
        common::mongo::connect(&config.base.mongo_url, &config.base.mongo_database).await?;
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
    let listeners = listeners::spawn_all(&bus, &orders, &payments, &gateway).await?;
    let recovery = checkout::recover(gateway.clone(), payments.clone(), config.recovery_interval);
    let state = AppState {
        orders,
        payments,
        gateway,
        session: SessionKeys::new(&config.session.jwt_key, config.session.environment),
    };
    let routes = routes::router().with_state(state);
    let service =
        Service::bind_with_events(config.base.port, routes, database, &bus, outbox, listeners)
            .await?;
    Ok(service.beside(recovery))
}

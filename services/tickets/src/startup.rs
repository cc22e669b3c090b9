//! Builds the tickets service: database, event bus, listeners, outbox relay, HTTP.

use axum::extract::FromRef;
use common::{
    events::EventBus, health::Dependencies, outbox::Outbox, service::Service, session::SessionKeys,
};

use crate::{Config, listeners, routes, tickets::Tickets};

#[derive(Clone, FromRef)]
pub(crate) struct AppState {
    pub tickets: Tickets,
    pub session: SessionKeys,
}

/// Connects, starts the listeners and binds `config.base.port`.
pub async fn build(config: Config) -> anyhow::Result<Service> {
    let database =
        common::mongo::connect(&config.base.mongo_url, &config.base.mongo_database).await?;
    let bus = EventBus::connect(&config.events.nats_url, &config.events.namespace).await?;
    let outbox = Outbox::new(&database);
    let tickets = Tickets::new(&database, outbox.clone());
    tickets.ensure_indexes().await?;
    let listeners = listeners::spawn_all(&bus, &tickets).await?;
    let state = AppState {
        tickets,
        session: SessionKeys::new(&config.base.jwt_key, config.base.environment),
    };
    let dependencies = Dependencies {
        database,
        nats: Some(bus.client().clone()),
    };
    let service = Service::bind(
        config.base.port,
        routes::router().with_state(state),
        dependencies,
    )
    .await?;
    Ok(service.with_events(outbox, &bus, listeners))
}

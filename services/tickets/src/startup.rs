//! Builds the tickets service: database, event bus, listeners, outbox relay, HTTP.

use axum::extract::FromRef;
use common::{events::EventBus, outbox::Outbox, service::Service, session::SessionKeys};

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
    let bus = EventBus::connect(&config.events).await?;
    let outbox = Outbox::new(&database);
    let tickets = Tickets::new(&database, outbox.clone());
    tickets.ensure_indexes().await?;
    let listeners = listeners::spawn_all(&bus, &tickets).await?;
    let state = AppState {
        tickets,
        session: SessionKeys::new(&config.session.jwt_key, config.session.environment),
    };
    let routes = routes::router().with_state(state);
    let service =
        Service::bind_with_events(config.base.port, routes, database, &bus, outbox, listeners)
            .await?;
    Ok(service)
}

//! Builds the tickets service: database, event bus, listeners, outbox relay, HTTP.

use bus::EventBus;
use httpkit::{service::Service, session::SessionKeys};
use settings::ApiServiceConfig;
use storage::{outbox::Outbox, revocations};

use crate::{listeners, routes, state::AppState, tickets::Tickets};

/// Connects, starts the listeners and binds `config.base.port`.
pub async fn build(config: ApiServiceConfig) -> anyhow::Result<Service> {
    let database =
        storage::mongo::connect(&config.base.mongo_url, &config.base.mongo_database).await?;
    let bus = EventBus::connect(&config.events).await?;
    let outbox = Outbox::new(&database);
    let tickets = Tickets::new(&database, outbox.clone());
    tickets.ensure_indexes().await?;
    let mut listeners = listeners::spawn_all(&bus, &tickets).await?;
    let session = SessionKeys::new(&config.session.jwt_key, config.session.environment);
    let (revocations, follow_revocations) =
        revocations::learn_from_events(&database, &bus, listeners::SERVICE, &session).await?;
    listeners.push(revocations);
    let state = AppState { tickets, session };
    let routes = routes::router().with_state(state);
    let service =
        backend::bind_with_events(config.base.port, routes, database, &bus, outbox, listeners)
            .await?;
    Ok(service.beside(follow_revocations))
}

//! Builds the auth service: connects to the database and the event bus, ensures its
//! indexes, binds.

use axum::extract::FromRef;
use common::{events::EventBus, outbox::Outbox, service::Service, session::SessionKeys};

use crate::{Config, attempts::Attempts, routes, users::Users};

/// What every handler can reach.
#[derive(Clone, FromRef)]
pub(crate) struct AppState {
    pub users: Users,
    pub session: SessionKeys,
    pub attempts: Attempts,
}

/// Connects to MongoDB and NATS, creates the unique email index and binds
/// `config.base.port` (0 picks a free port, for tests).
pub async fn build(config: Config) -> anyhow::Result<Service> {
    let database =
        common::mongo::connect(&config.base.mongo_url, &config.base.mongo_database).await?;
    let bus = EventBus::connect(&config.events).await?;
    let outbox = Outbox::new(&database);
    let users = Users::new(&database);
    users.ensure_indexes().await?;
    let attempts = Attempts::new(config.attempts);
    let state = AppState {
        users,
        session: SessionKeys::new(&config.session.jwt_key, config.session.environment),
        attempts: attempts.clone(),
    };
    let routes = routes::router().with_state(state);
    let service =
        Service::bind_with_events(config.base.port, routes, database, &bus, outbox, Vec::new())
            .await?;
    Ok(service.beside(attempts.forget_idle_keys()))
}

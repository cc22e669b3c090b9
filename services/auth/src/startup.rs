//! Builds the auth service: connects to the database and the event bus, ensures its
//! indexes, follows revoked sessions, binds.

use bus::EventBus;
use httpkit::{service::Service, session::SessionKeys};
use storage::{outbox::Outbox, revocations::Revocations};

use crate::{
    attempts::Attempts, config::Config, routes, sessions::Sessions, state::AppState, users::Users,
};

/// Connects to MongoDB and NATS, creates the unique email index and the index that
/// expires counted attempts, and binds `config.base.port` (0 picks a free port, for
/// tests).
pub async fn build(config: Config) -> anyhow::Result<Service> {
    crate::domain::register_metrics();
    let database =
        storage::mongo::connect(&config.base.mongo_url, &config.base.mongo_database).await?;
    let bus = EventBus::connect(&config.events).await?;
    let outbox = Outbox::new(&database);
    let users = Users::new(&database);
    users.ensure_indexes().await?;
    let attempts = Attempts::new(&database, config.attempts);
    attempts.ensure_indexes().await?;
    let session = SessionKeys::new(&config.session.jwt_key, config.session.environment);
    // Auth records revocations itself as it signs sessions out; its replicas follow
    // that record.
    let revocations = Revocations::new(&database, session.revoked());
    revocations.ensure_indexes().await?;
    let state = AppState {
        users,
        session,
        sessions: Sessions::new(&database, revocations.clone(), outbox.clone()),
        attempts,
    };
    let routes = routes::router().with_state(state);
    let service =
        backend::bind_with_events(&config.base, routes, database, &bus, outbox, Vec::new()).await?;
    Ok(service.beside(revocations.follow()))
}

//! Builds the auth service: connects to the database, ensures its indexes, binds.

use axum::extract::FromRef;
use common::{health::Dependencies, service::Service, session::SessionKeys};

use crate::{Config, attempts::Attempts, routes, users::Users};

/// What every handler can reach.
#[derive(Clone, FromRef)]
pub(crate) struct AppState {
    pub users: Users,
    pub session: SessionKeys,
    pub attempts: Attempts,
}

/// Connects to MongoDB, creates the unique email index and binds `config.base.port`
/// (0 picks a free port, for tests).
pub async fn build(config: Config) -> anyhow::Result<Service> {
    let database =
        common::mongo::connect(&config.base.mongo_url, &config.base.mongo_database).await?;
    let users = Users::new(&database);
    users.ensure_indexes().await?;
    let attempts = Attempts::new(config.attempts);
    let state = AppState {
        users,
        session: SessionKeys::new(&config.base.jwt_key, config.base.environment),
        attempts: attempts.clone(),
    };
    let dependencies = Dependencies {
        database,
        nats: None,
    };
    let service = Service::bind(
        config.base.port,
        routes::router().with_state(state),
        dependencies,
    )
    .await?;
    Ok(service.beside(attempts.forget_idle_keys()))
}

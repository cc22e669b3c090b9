//! Builds the auth app: connects to the database, ensures its indexes, binds the port.

use axum::{Router, extract::FromRef};
use common::{
    health::{self, Dependencies},
    http::{HttpServer, api_stack, shutdown_signal},
    session::SessionKeys,
};

use crate::{Config, routes, users::Users};

/// What every handler can reach.
#[derive(Clone, FromRef)]
pub(crate) struct AppState {
    pub users: Users,
    pub session: SessionKeys,
}

/// The auth service, bound to its port and ready to run.
pub struct Application {
    server: HttpServer,
}

impl Application {
    /// Connects to MongoDB, creates the unique email index and binds `config.base.port`
    /// (0 picks a free port, for tests).
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let database =
            common::mongo::connect(&config.base.mongo_url, &config.base.mongo_database).await?;
        let users = Users::new(&database);
        users.ensure_indexes().await?;
        let state = AppState {
            users,
            session: SessionKeys::new(&config.base.jwt_key, config.base.environment),
        };
        let router = Router::new()
            .merge(routes::router().with_state(state))
            .merge(health::router(Dependencies {
                database,
                nats: None,
            }));
        let server = HttpServer::bind(config.base.port, api_stack(router)).await?;
        Ok(Self { server })
    }

    pub fn port(&self) -> u16 {
        self.server.port()
    }

    /// Serves until Ctrl-C or SIGTERM.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.run_until(shutdown_signal()).await
    }
}

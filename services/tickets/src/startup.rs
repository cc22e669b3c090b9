//! Builds the tickets app: database, event bus, listeners, outbox relay, HTTP.

use axum::{Router, extract::FromRef};
use common::{
    events::{EventBus, ListenerHandle, Publisher},
    health::{self, Dependencies},
    http::{HttpServer, api_stack, shutdown_signal},
    outbox::Outbox,
    session::SessionKeys,
};

use crate::{Config, listeners, routes, tickets::Tickets};

#[derive(Clone, FromRef)]
pub(crate) struct AppState {
    pub tickets: Tickets,
    pub session: SessionKeys,
}

/// The tickets service, bound to its port, its listeners running.
pub struct Application {
    server: HttpServer,
    outbox: Outbox,
    publisher: Publisher,
    _listeners: Vec<ListenerHandle>,
}

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Self> {
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
        let router = Router::new()
            .merge(routes::router().with_state(state))
            .merge(health::router(Dependencies {
                database,
                nats: Some(bus.client().clone()),
            }));
        Ok(Self {
            server: HttpServer::bind(config.base.port, api_stack(router)).await?,
            outbox,
            publisher: bus.publisher(),
            _listeners: listeners,
        })
    }

    pub fn port(&self) -> u16 {
        self.server.port()
    }

    /// Serves and relays the outbox until Ctrl-C or SIGTERM.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        tokio::select! {
            served = self.server.run_until(shutdown_signal()) => served,
            () = self.outbox.run_relay(self.publisher) => Ok(()),
        }
    }
}

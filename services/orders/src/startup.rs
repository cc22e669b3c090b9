//! Builds the orders app: database, event bus, listeners, outbox relay, HTTP.

use axum::{Router, extract::FromRef};
use common::{
    events::{EventBus, ListenerHandle, Publisher},
    health::{self, Dependencies},
    http::{HttpServer, api_stack, shutdown_signal},
    outbox::Outbox,
    session::SessionKeys,
};

use crate::{
    Config, listeners, orders::Orders, routes, routes::OrderExpiration,
    ticket_replica::TicketReplica,
};

#[derive(Clone, FromRef)]
pub(crate) struct AppState {
    pub orders: Orders,
    pub session: SessionKeys,
    #[from_ref(skip)]
    pub expiration: OrderExpiration,
}

/// The orders service, bound to its port, its listeners running.
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
        let replica = TicketReplica::new(&database);
        let orders = Orders::new(&database, replica.clone(), outbox.clone());
        orders.ensure_indexes().await?;
        let listeners = listeners::spawn_all(&bus, &replica, &orders).await?;
        let state = AppState {
            orders,
            session: SessionKeys::new(&config.base.jwt_key, config.base.environment),
            expiration: OrderExpiration(config.order_expiration),
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

//! The running shape every service shares: its routes plus the health probes behind
//! the API stack and, for services with events, the outbox relay and the listeners
//! beside the server. Each service's `build` assembles one; `main` runs it.

use axum::Router;
use futures::future::{BoxFuture, FutureExt, join_all};
use mongodb::Database;

use crate::{
    events::{EventBus, ListenerHandle},
    health,
    http::{HttpServer, api_stack, shutdown_signal},
    metrics,
    outbox::Outbox,
};

/// A service bound to its port, ready to run.
pub struct Service {
    server: HttpServer,
    /// Work that runs as long as the server does: the outbox relay, schedulers.
    background: Vec<BoxFuture<'static, ()>>,
    _listeners: Vec<ListenerHandle>,
}

impl Service {
    /// Binds `routes` plus `/healthz` and `/readyz` (which pings `database`) on `port`
    /// (0 picks a free one).
    pub async fn bind(port: u16, routes: Router, database: Database) -> std::io::Result<Self> {
        let router = routes.merge(health::router(database));
        Ok(Self {
            server: HttpServer::bind(port, api_stack(router)).await?,
            background: Vec::new(),
            _listeners: Vec::new(),
        })
    }

    /// A service that is only its HTTP server: no database, no events (the web
    /// client, whose routes bring their own probes).
    pub fn from_server(server: HttpServer) -> Self {
        Self {
            server,
            background: Vec::new(),
            _listeners: Vec::new(),
        }
    }

    /// Binds a service that uses events: `routes`, the probes and `/metrics`, the
    /// outbox relay publishing through `bus`, and the running `listeners`.
    pub async fn bind_with_events(
        port: u16,
        routes: Router,
        database: Database,
        bus: &EventBus,
        outbox: Outbox,
        listeners: Vec<ListenerHandle>,
    ) -> std::io::Result<Self> {
        let stats = listeners
            .iter()
            .map(|listener| (listener.durable_name().to_owned(), listener.shared_stats()))
            .collect();
        let routes = routes.merge(metrics::router(stats, outbox.clone(), bus.client().clone()));
        let service = Self::bind(port, routes, database).await?;
        Ok(service.with_events(outbox, bus, listeners))
    }

    /// Also publishes the outbox through `bus` and keeps the listeners running, for as
    /// long as the service runs.
    fn with_events(
        mut self,
        outbox: Outbox,
        bus: &EventBus,
        listeners: Vec<ListenerHandle>,
    ) -> Self {
        self._listeners = listeners;
        self.beside(outbox.run_relay(bus.publisher()))
    }

    /// Also runs `task` for as long as the service runs.
    pub fn beside(mut self, task: impl Future<Output = ()> + Send + 'static) -> Self {
        self.background.push(task.boxed());
        self
    }

    pub fn port(&self) -> u16 {
        self.server.port()
    }

    /// Serves, and runs the background work, until Ctrl-C or SIGTERM.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        // Background loops never finish; the server's shutdown ends the service.
        let background = async move {
            join_all(self.background).await;
            std::future::pending::<()>().await
        };
        tokio::select! {
            served = self.server.run_until(shutdown_signal()) => served,
            () = background => Ok(()),
        }
    }
}

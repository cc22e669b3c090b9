//! The running shape every service shares: its routes plus the health probes behind
//! the API stack and, for services with events, the outbox relay and the listeners
//! beside the server. Each service's `build` assembles one; `main` runs it.

use axum::Router;

use crate::{
    events::{EventBus, ListenerHandle, Publisher},
    health::{self, Dependencies},
    http::{HttpServer, api_stack, shutdown_signal},
    outbox::Outbox,
};

/// A service bound to its port, ready to run.
pub struct Service {
    server: HttpServer,
    relay: Option<(Outbox, Publisher)>,
    _listeners: Vec<ListenerHandle>,
}

impl Service {
    /// Binds `routes` plus `/healthz` and `/readyz` on `port` (0 picks a free one).
    pub async fn bind(
        port: u16,
        routes: Router,
        dependencies: Dependencies,
    ) -> std::io::Result<Self> {
        let router = routes.merge(health::router(dependencies));
        Ok(Self {
            server: HttpServer::bind(port, api_stack(router)).await?,
            relay: None,
            _listeners: Vec::new(),
        })
    }

    /// Also publishes the outbox through `bus` and keeps the listeners running, for as
    /// long as the service runs.
    pub fn with_events(
        mut self,
        outbox: Outbox,
        bus: &EventBus,
        listeners: Vec<ListenerHandle>,
    ) -> Self {
        self.relay = Some((outbox, bus.publisher()));
        self._listeners = listeners;
        self
    }

    pub fn port(&self) -> u16 {
        self.server.port()
    }

    /// Serves (and relays) until Ctrl-C or SIGTERM.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let serving = self.server.run_until(shutdown_signal());
        match self.relay {
            None => serving.await,
            Some((outbox, publisher)) => tokio::select! {
                served = serving => served,
                () = outbox.run_relay(publisher) => Ok(()),
            },
        }
    }
}

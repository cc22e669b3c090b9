//! The running shape every service shares: its HTTP server, its metrics port, and
//! beside them the work that runs as long as the server does. Each service's `build`
//! assembles one (those with a database and events through the `backend` crate);
//! `main` runs it.

use futures::future::{BoxFuture, FutureExt, join_all};

use crate::http::{HttpServer, shutdown_signal};

/// A service bound to its ports, ready to run.
pub struct Service {
    server: HttpServer,
    /// `GET /metrics` alone, on a port no Ingress routes to (see [`crate::metrics`]).
    metrics: HttpServer,
    /// Work that runs as long as the server does: the outbox relay, schedulers.
    background: Vec<BoxFuture<'static, ()>>,
    /// What lives as long as the service and stops with it: the handles of its event
    /// listeners, each of which ends its listener when dropped.
    _kept: Vec<Box<dyn Send>>,
}

impl Service {
    /// A service that is its HTTP server and its metrics port, with nothing beside
    /// them yet (as the web client, whose routes bring their own probes, stays).
    pub fn new(server: HttpServer, metrics: HttpServer) -> Self {
        Self {
            server,
            metrics,
            background: Vec::new(),
            _kept: Vec::new(),
        }
    }

    /// Also keeps `value` until the service stops.
    pub fn keeping(mut self, value: impl Send + 'static) -> Self {
        self._kept.push(Box::new(value));
        self
    }

    /// Also runs `task` for as long as the service runs.
    pub fn beside(mut self, task: impl Future<Output = ()> + Send + 'static) -> Self {
        self.background.push(task.boxed());
        self
    }

    pub fn port(&self) -> u16 {
        self.server.port()
    }

    pub fn metrics_port(&self) -> u16 {
        self.metrics.port()
    }

    /// Serves, and runs the background work, until Ctrl-C or SIGTERM.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let metrics = self.metrics.run_until(std::future::pending());
        // Background loops never finish; the server's shutdown ends the service, and
        // the metrics port with it.
        let background = async move {
            let (served, _) = futures::join!(metrics, join_all(self.background));
            if let Err(error) = served {
                tracing::error!(%error, "the metrics port stopped");
            }
            std::future::pending::<()>().await
        };
        tokio::select! {
            served = self.server.run_until(shutdown_signal()) => served,
            () = background => Ok(()),
        }
    }
}

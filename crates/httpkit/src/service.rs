//! The running shape every service shares: its HTTP server, and beside it the work
//! that runs as long as the server does. Each service's `build` assembles one (those
//! with a database and events through the `backend` crate); `main` runs it.

use futures::future::{BoxFuture, FutureExt, join_all};

use crate::http::{HttpServer, shutdown_signal};

/// A service bound to its port, ready to run.
pub struct Service {
    server: HttpServer,
    /// Work that runs as long as the server does: the outbox relay, schedulers.
    background: Vec<BoxFuture<'static, ()>>,
    /// What lives as long as the service and stops with it: the handles of its event
    /// listeners, each of which ends its listener when dropped.
    _kept: Vec<Box<dyn Send>>,
}

impl Service {
    /// A service that is its HTTP server, with nothing beside it yet (as the web
    /// client, whose routes bring their own probes, stays).
    pub fn from_server(server: HttpServer) -> Self {
        Self {
            server,
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

//! Serving a fake on a local port, for tests and tools that run it in-process.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::account::{FakeConfig, FakeStripe};
use crate::model::ledger::Ledger;
use crate::webhooks::WebhookDelivery;

/// Starts a fake on 127.0.0.1 and a free port, served by a task on the current runtime.
///
/// # Errors
/// When no local port can be bound.
pub async fn start(config: FakeConfig) -> std::io::Result<RunningFake> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let address = listener.local_addr()?;
    let fake = FakeStripe::new(config);
    let router = fake.router();
    let server = tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, router).await {
            tracing::error!(%error, "the Stripe fake stopped serving");
        }
    });
    Ok(RunningFake {
        address,
        fake,
        server,
    })
}

/// A fake being served; dropping it stops the server.
#[derive(Debug)]
pub struct RunningFake {
    address: SocketAddr,
    fake: FakeStripe,
    server: JoinHandle<()>,
}

impl RunningFake {
    /// The base URL for async-stripe's `ClientBuilder::url`, such as
    /// `http://127.0.0.1:41234/`. The client writes `{base}v1/…` with no separator of its
    /// own, so a base URL must end with a slash (or have no path at all).
    pub fn url(&self) -> String {
        format!("http://{}/", self.address)
    }

    /// A snapshot of the money that moved so far.
    pub fn ledger(&self) -> Ledger {
        self.fake.ledger()
    }

    /// See [`FakeStripe::set_latency`].
    pub fn set_latency(&self, latency: Duration) {
        self.fake.set_latency(latency);
    }

    /// See [`FakeStripe::set_webhook`].
    pub fn set_webhook(&self, url: String, secret: String) {
        self.fake.set_webhook(url, secret);
    }

    /// See [`FakeStripe::webhook_deliveries`].
    pub fn webhook_deliveries(&self) -> Vec<WebhookDelivery> {
        self.fake.webhook_deliveries()
    }

    /// See [`FakeStripe::expire_account_links`].
    pub fn expire_account_links(&self) {
        self.fake.expire_account_links();
    }

    /// See [`FakeStripe::lose_responses`].
    pub fn lose_responses(&self, count: u32) {
        self.fake.lose_responses(count);
    }
}

impl Drop for RunningFake {
    fn drop(&mut self) {
        self.server.abort();
    }
}

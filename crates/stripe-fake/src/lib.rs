//! A stand-in for the parts of the Stripe API the payments service calls: PaymentIntents
//! (create, retrieve, confirm), refunds and card PaymentMethods, with Stripe's test cards,
//! its error bodies and its `Idempotency-Key` rules. It speaks Stripe's wire format, so
//! the real async-stripe client can be pointed at it, and it keeps a [`Ledger`] of the
//! money that moved so tests can check what was charged.
//!
//! ```no_run
//! # async fn example() -> std::io::Result<()> {
//! let fake = stripe_fake::start(stripe_fake::FakeConfig::default()).await?;
//! // stripe::ClientBuilder::new("sk_test_fake").url(fake.url()).build()
//! assert!(fake.ledger().charges.is_empty());
//! # Ok(())
//! # }
//! ```

mod auth;
mod cards;
mod clock;
mod errors;
mod idempotency;
mod ids;
mod ledger;
mod params;
mod payment_intents;
mod payment_methods;
mod refunds;
mod store;
mod stripe_js;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router, middleware};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::errors::ApiError;
pub use crate::ledger::{Charge, Ledger, RefundRecord};
use crate::store::Store;

/// How the fake behaves where tests want to vary it.
#[derive(Clone, Copy, Debug)]
pub struct FakeConfig {
    /// Honour `Idempotency-Key` as Stripe does (the default). `false` ignores the header,
    /// so every request runs: the fake then shows what a missing key would cost.
    pub honour_idempotency: bool,
}

impl Default for FakeConfig {
    fn default() -> Self {
        Self {
            honour_idempotency: true,
        }
    }
}

/// One fake Stripe account: its objects, ledger and idempotency keys. Clones share them.
#[derive(Clone, Debug)]
pub struct FakeStripe {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: FakeConfig,
    store: Mutex<Store>,
    keys: idempotency::Keys,
    latency: Mutex<Duration>,
    /// How many coming API responses to lose after doing their work.
    responses_to_lose: Mutex<u32>,
}

impl FakeStripe {
    /// An empty account.
    pub fn new(config: FakeConfig) -> Self {
        let inner = Inner {
            config,
            store: Mutex::default(),
            keys: idempotency::Keys::default(),
            latency: Mutex::default(),
            responses_to_lose: Mutex::default(),
        };
        Self {
            inner: Arc::new(inner),
        }
    }

    /// The HTTP API: Stripe's `/v1/…` routes, `GET /_fake/ledger`, and the Stripe.js
    /// stand-in at `GET /v3/` (where js.stripe.com serves Stripe.js).
    pub fn router(&self) -> Router {
        let api = Router::new()
            .merge(payment_intents::router())
            .merge(refunds::router())
            .merge(payment_methods::router())
            // Layers run outside in: losing the answer, the key check, idempotency,
            // latency, the handler.
            .route_layer(middleware::from_fn_with_state(self.clone(), delay))
            .route_layer(middleware::from_fn_with_state(
                self.clone(),
                idempotency::layer,
            ))
            .route_layer(middleware::from_fn(auth::require_secret_key))
            .route_layer(middleware::from_fn_with_state(self.clone(), lose_response));
        Router::new()
            .merge(api)
            .route("/_fake/ledger", get(ledger))
            .route("/v3/", get(stripe_js::stripe_js))
            .fallback(unrecognized_url)
            .with_state(self.clone())
    }

    /// A snapshot of the money that moved so far.
    pub fn ledger(&self) -> Ledger {
        self.store().ledger.clone()
    }

    /// Makes every API request that runs take this long before it is answered, as real
    /// Stripe takes a moment; tests use it to overlap requests (zero by default).
    pub fn set_latency(&self, latency: Duration) {
        *self
            .inner
            .latency
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = latency;
    }

    /// Makes the next `count` API requests do their work (a charge really happens,
    /// and is remembered under its idempotency key) and then answer 500 as if the
    /// response were lost: the case where a client cannot know what happened.
    pub fn lose_responses(&self, count: u32) {
        *self
            .inner
            .responses_to_lose
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = count;
    }

    /// Whether this response is one to lose.
    fn take_lost_response(&self) -> bool {
        let mut remaining = self
            .inner
            .responses_to_lose
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let lose = *remaining > 0;
        *remaining = remaining.saturating_sub(1);
        lose
    }

    fn latency(&self) -> Duration {
        *self
            .inner
            .latency
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn config(&self) -> FakeConfig {
        self.inner.config
    }

    fn keys(&self) -> &idempotency::Keys {
        &self.inner.keys
    }

    /// The account's state; a handler holds it for its whole effect. A panic elsewhere
    /// cannot leave it half-updated (handlers do not panic mid-change), so a poisoned
    /// lock is still usable.
    fn store(&self) -> MutexGuard<'_, Store> {
        self.inner
            .store
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// Holds a request for the configured latency before running it. It runs inside the
/// idempotency layer, so the request's key stays in flight meanwhile.
async fn delay(State(fake): State<FakeStripe>, request: Request, next: Next) -> Response {
    let latency = fake.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    next.run(request).await
}

/// Runs the request, then replaces its answer with Stripe's 500 if it is one to lose.
async fn lose_response(State(fake): State<FakeStripe>, request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if fake.take_lost_response() {
        return ApiError::lost_response().into_response();
    }
    response
}

async fn ledger(State(fake): State<FakeStripe>) -> Json<Ledger> {
    Json(fake.ledger())
}

async fn unrecognized_url(request: Request) -> Response {
    ApiError::unrecognized_url(request.method().as_str(), request.uri().path()).into_response()
}

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

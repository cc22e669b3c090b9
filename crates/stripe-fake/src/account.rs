//! One fake Stripe account: its store, its idempotency keys, its webhook endpoint, and
//! the faults a test set.
//! Handlers reach all of it through [`FakeStripe`], their axum state; its HTTP API is
//! built in `router`.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use crate::model::ledger::Ledger;
use crate::store::Store;
use crate::store::idempotency::Keys;
use crate::webhooks::{WebhookDelivery, Webhooks};

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
    keys: Keys,
    webhooks: Webhooks,
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
            keys: Keys::default(),
            webhooks: Webhooks::default(),
            latency: Mutex::default(),
            responses_to_lose: Mutex::default(),
        };
        Self {
            inner: Arc::new(inner),
        }
    }

    /// A snapshot of the money that moved so far.
    pub fn ledger(&self) -> Ledger {
        self.store().ledger().clone()
    }

    /// Sends webhook events to `url`, signed with `secret` (the endpoint's `whsec_…`
    /// signing secret) in a `Stripe-Signature` header: `charge.refunded` after every
    /// refund, `account.updated` when onboarding completes an account. Without an
    /// endpoint nothing is sent.
    pub fn set_webhook(&self, url: String, secret: String) {
        self.inner.webhooks.set_endpoint(url, secret);
    }

    /// Every webhook delivery attempt so far, in the order they ended.
    pub fn webhook_deliveries(&self) -> Vec<WebhookDelivery> {
        self.inner.webhooks.deliveries()
    }

    /// Lets every onboarding link issued so far expire, as five minutes would: a visit
    /// then goes to its `refresh_url`.
    pub fn expire_account_links(&self) {
        self.store().expire_account_links();
    }

    /// Makes every API request that runs take this long before it is answered, as real
    /// Stripe takes a moment; tests use it to overlap requests (zero by default).
    pub fn set_latency(&self, latency: Duration) {
        *lock(&self.inner.latency) = latency;
    }

    /// Makes the next `count` API requests do their work (a charge really happens,
    /// and is remembered under its idempotency key) and then answer 500 as if the
    /// response were lost: the case where a client cannot know what happened.
    pub fn lose_responses(&self, count: u32) {
        *lock(&self.inner.responses_to_lose) = count;
    }

    /// Whether this response is one to lose.
    pub(crate) fn take_lost_response(&self) -> bool {
        let mut remaining = lock(&self.inner.responses_to_lose);
        let lose = *remaining > 0;
        *remaining = remaining.saturating_sub(1);
        lose
    }

    pub(crate) fn latency(&self) -> Duration {
        *lock(&self.inner.latency)
    }

    pub(crate) fn config(&self) -> FakeConfig {
        self.inner.config
    }

    pub(crate) fn keys(&self) -> &Keys {
        &self.inner.keys
    }

    pub(crate) fn webhooks(&self) -> &Webhooks {
        &self.inner.webhooks
    }

    /// The account's state; a handler holds it for its whole effect.
    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        lock(&self.inner.store)
    }
}

/// A panic elsewhere cannot leave the account half-updated (handlers do not panic
/// mid-change), so a poisoned lock is still usable.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

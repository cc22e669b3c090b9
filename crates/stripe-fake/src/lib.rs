//! A stand-in for the parts of the Stripe API the payments service calls: PaymentIntents
//! (create, retrieve, confirm), refunds and card PaymentMethods, with Stripe's test cards,
//! its error bodies and its `Idempotency-Key` rules. It speaks Stripe's wire format, so
//! the real async-stripe client can be pointed at it, and it keeps a [`Ledger`] of the
//! money that moved so tests can check what was charged, refunded and paid out.
//!
//! For paying sellers it fakes Connect with separate charges and transfers:
//! - `POST /v1/accounts`, `GET /v1/accounts/{id}`: Express accounts, created unable to
//!   take transfers;
//! - `POST /v1/account_links`: single-use onboarding links valid for 300 s, whose URL is
//!   the fake's own page `GET /connect/onboarding/{token}` (on the host the link was
//!   asked from); a browser opening it completes the account and is sent to
//!   `return_url`, or to `refresh_url` when the link is used or expired;
//! - `POST /v1/transfers`, `GET /v1/transfers/{id}`, `GET /v1/transfers?transfer_group=…`:
//!   transfers from a succeeded charge (`source_transaction`) to an onboarded account,
//!   never more than the charge has left after refunds and earlier transfers;
//! - `POST /v1/transfers/{id}/reversals`: taking part or all of a transfer back.
//!
//! With a webhook endpoint set ([`FakeStripe::set_webhook`], or `--webhook-url` and
//! `STRIPE_WEBHOOK_SECRET` for the binary) it sends Stripe's signed events there:
//! `charge.refunded` after every refund and `account.updated` when onboarding completes,
//! retrying until the endpoint answers 2xx ([`FakeStripe::webhook_deliveries`]).
//!
//! ```no_run
//! # async fn example() -> std::io::Result<()> {
//! let fake = stripe_fake::start(stripe_fake::FakeConfig::default()).await?;
//! // stripe::ClientBuilder::new("sk_test_fake").url(fake.url()).build()
//! assert!(fake.ledger().charges.is_empty());
//! # Ok(())
//! # }
//! ```

mod account;
mod clock;
mod errors;
mod handlers;
mod ids;
mod model;
mod money;
mod params;
mod router;
mod server;
mod store;
mod webhooks;

pub use crate::account::{FakeConfig, FakeStripe};
pub use crate::model::ledger::{
    Charge, Ledger, RefundRecord, TransferRecord, TransferReversalRecord,
};
pub use crate::server::{RunningFake, start};
pub use crate::webhooks::{DeliveryOutcome, WebhookDelivery};

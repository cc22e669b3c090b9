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

pub use crate::account::{FakeConfig, FakeStripe};
pub use crate::model::ledger::{Charge, Ledger, RefundRecord};
pub use crate::server::{RunningFake, start};

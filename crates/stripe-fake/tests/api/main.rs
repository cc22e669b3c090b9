//! The Stripe fake over HTTP, through raw requests and through the real async-stripe client.

mod binary;
mod client;
mod helpers;
mod idempotency;
mod shapes;

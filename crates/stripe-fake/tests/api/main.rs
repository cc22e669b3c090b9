//! The Stripe fake over HTTP, through raw requests and through the real async-stripe client.

mod binary;
mod client;
mod connect;
mod helpers;
mod idempotency;
mod shapes;
mod webhooks;

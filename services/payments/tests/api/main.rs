//! The payments service over real HTTP, with real NATS, a real database and the
//! Stripe fake behind the real async-stripe client; the last modules run the whole
//! back end together.

mod bad_input;
mod every_service;
mod helpers;
mod limits;
mod openapi;
mod pay;
mod payouts;

mod refunds;
mod whole_system;

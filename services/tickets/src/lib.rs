//! The tickets service: sellers list and edit tickets; orders lock, unlock and sell
//! them through events. It owns the tickets collection.

mod listeners;
mod routes;
pub mod startup;
mod tickets;
mod title;

/// Reads `PORT`, `MONGO_URL`, `MONGO_DB`, `JWT_KEY`, `APP_ENV`, `NATS_URL` and
/// `EVENTS_NAMESPACE`.
pub use common::config::EventServiceConfig as Config;
pub use startup::build;

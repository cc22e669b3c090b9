//! The tickets service: sellers list and edit tickets; orders lock, unlock and sell
//! them through events. It owns the tickets collection.

mod listeners;
mod routes;
mod search;
pub mod startup;
mod state;
mod tickets;
mod title;
mod word_index;

/// Reads the base, session and events variables (see [`settings`]).
pub use settings::ApiServiceConfig as Config;
pub use startup::build;

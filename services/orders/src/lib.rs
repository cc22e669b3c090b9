//! The orders service: buyers reserve a ticket for a limited time, cancel, and see
//! their orders. It owns the orders and keeps a replica of tickets from events.

pub mod config;
mod listeners;
mod orders;
mod routes;
pub mod startup;
mod state;
mod ticket_replica;

pub use config::{BuyerLimits, Config};
pub use startup::build;

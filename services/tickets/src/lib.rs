//! The tickets service: sellers list and edit tickets; orders lock, unlock and sell
//! them through events. It owns the tickets collection.

pub mod config;
mod listeners;
mod routes;
mod search;
pub mod startup;
mod state;
mod tickets;
mod title;
mod word_index;

pub use config::{Config, SellerLimits};
pub use startup::build;

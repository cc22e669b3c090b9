//! The payments service: charges an order's price through Stripe, exactly once, only
//! while the order still holds its ticket, and refunds a charge whose order was
//! cancelled meanwhile. It owns the payments and keeps a replica of orders.

mod checkout;
pub mod config;
mod currency;
mod listeners;
mod order_replica;
mod payments;
mod routes;
pub mod startup;
mod state;
mod stripe_gateway;
mod token;

pub use config::{Config, StripeConfig};
pub use currency::Currency;
pub use startup::build;

//! The payments service: charges an order's price through Stripe, exactly once, only
//! while the order still holds its ticket, and refunds a charge whose order was
//! cancelled meanwhile. It also pays sellers: each completed order's price minus the
//! platform's fee is transferred from its charge to the seller's Connect account
//! once the hold has passed, exactly once, and reversed if the charge is refunded.
//! It owns the payments, the payouts and the sellers' payout accounts, and keeps a
//! replica of orders.

mod checkout;
pub mod config;
mod currency;
mod listeners;
mod onboarding;
mod order_replica;
mod payments;
mod payout_accounts;
mod payout_loop;
pub mod payout_terms;
mod payouts;
mod routes;
pub mod startup;
mod state;
mod stripe_calls;
mod stripe_connect;
mod stripe_gateway;
mod token;
mod webhook;

pub use config::{Config, StripeConfig};
pub use currency::Currency;
pub use startup::build;

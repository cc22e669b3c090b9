//! The web client against the real auth, tickets, orders and payments services (with
//! their database and NATS, and the Stripe fake), driven like a browser without
//! JavaScript: forms posted, redirects and cookies followed by hand.

mod auth_pages;
mod helpers;
mod orders_pages;
mod paging_pages;
mod payouts_pages;
mod robustness;
mod tickets_pages;

//! The web client against the real auth, tickets and orders services (with their
//! database and NATS), driven like a browser without JavaScript: forms posted,
//! redirects and cookies followed by hand.

mod auth_pages;
mod helpers;
mod orders_pages;
mod paging_pages;
mod robustness;
mod tickets_pages;

//! A typed client of our own HTTP API, for every tool and test that drives the system
//! as its users do: sign up or in, list a ticket, reserve it once the orders service
//! knows it, pay once the payments service knows the order, wait for the order to
//! complete, list one's orders.
//!
//! Listing a ticket and reserving it are told to different services, which learn of
//! each other through events: until `ticket:created` reaches orders, a reservation is
//! a 404. The `…_when_orderable` / `…_when_payable` calls retry that 404 for a while,
//! so no caller writes that loop again.

mod client;
mod endpoints;
mod error;
mod views;

pub use client::{Accepted, ApiClient, Exchange, Retry, SignedIn};
pub use endpoints::Endpoints;
pub use error::ApiError;
pub use views::{
    ErrorEntry, Order, OrderTicket, Payment, PayoutAccount, Ticket, TicketStatus, User,
};

//! The expiration service against real NATS and a real database: on time, after a
//! restart, once with two replicas, and end to end with orders and tickets.

mod end_to_end;
mod helpers;
mod scheduling;

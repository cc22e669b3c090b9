//! The tickets service over real HTTP, with real NATS and a real database.

mod bad_input;
mod helpers;
mod limits;
mod listeners;
mod new_ticket;
mod openapi;
mod outbox;
mod paging;
mod show_and_list;
mod update_ticket;

//! The orders service over real HTTP, with real NATS and a real database; the last
//! module runs it beside the real tickets service.

mod bad_input;
mod cross_service;
mod helpers;
mod limits;
mod listeners;
mod new_order;
mod openapi;
mod outbox;
mod race;
mod show_list_cancel;
mod ticket_replica;

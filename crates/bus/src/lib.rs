//! Events between services over NATS JetStream: the one crate that links the NATS
//! client.
//!
//! [`EventBus`] owns the connection and the stream, [`Publisher`] publishes and waits
//! for JetStream's ack, and a [`Listener`] handles one event type through a durable
//! consumer shared by all replicas of its service. What the events are, and who may
//! publish each, is the `marketplace` crate's event table; this crate only carries
//! them.

mod event_bus;
mod headers;
mod listener;
mod publisher;

pub use event_bus::{EventBus, EventError, SETUP_PATIENCE};
pub use listener::{
    HandlerError, Listener, ListenerHandle, ListenerStats, RetryPolicy, spawn_listener,
};
pub use publisher::{Published, Publisher};

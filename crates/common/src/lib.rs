//! What every ticketing service shares: the error shape of the HTTP contract, the
//! session cookie, typed events over NATS JetStream, configuration, health checks and
//! the HTTP middleware stack.

pub mod config;
pub mod error;
pub mod events;
pub mod extract;
pub mod health;
pub mod http;
pub mod metrics;
pub mod money;
pub mod mongo;
pub mod openapi;
pub mod outbox;
pub mod service;
pub mod session;
pub mod telemetry;

pub use error::{Error, FieldError, Result, validate_both};

//! The events between services: which there are ([`Subject`]), who announces and who
//! consumes each ([`Subject::publisher`], [`Subject::consumers`]), and their payloads.
//!
//! Every payload type knows its [`Subject`] (through [`Event`]), so a service can only
//! publish or subscribe with the subject and the payload that belong together. The
//! `bus` crate carries them over NATS JetStream; [`access`] turns this table into the
//! NATS server's permissions.

pub mod access;
mod payloads;
mod subjects;

pub use payloads::*;
pub use subjects::{Event, ServiceName, Subject, durable_name};

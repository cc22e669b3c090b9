//! The storage crate against the real servers the testkit starts: connecting to a
//! database that is not up yet, and the outbox relays of several replicas sharing one
//! outbox.

mod connecting;
mod outbox_relays;

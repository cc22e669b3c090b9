//! The storage crate against the real servers the testkit starts: the outbox relays of
//! several replicas sharing one outbox.

mod outbox_relays;

//! What services keep in MongoDB beside their own collections: connecting
//! ([`mongo`]), transactions ([`in_transaction!`]), the transactional outbox and its
//! relay ([`outbox`]), copies of other services' entities kept in version order
//! ([`replica`]), the record of revoked sessions ([`revocations`]) and dense
//! sequence numbers ([`sequence`]); and what they do alike with their own
//! collections ([`collections`]), lists read a page at a time ([`paging`]) among
//! them.
//!
//! The one shared crate that links the MongoDB driver. The outbox and the revocations
//! also speak to the event bus (they publish, and learn from, events), so this crate
//! sits above `bus` and `httpkit`; nothing below it builds the driver.

pub mod collections;
pub mod mongo;
pub mod outbox;
pub mod paging;
pub mod replica;
pub mod revocations;
pub mod sequence;

//! What services keep in MongoDB beside their own collections: connecting
//! ([`mongo`]), transactions ([`in_transaction!`]), the transactional outbox and its
//! relay ([`outbox`]), copies of other services' entities kept in version order
//! ([`replica`]), the record of revoked sessions ([`revocations`]), dense sequence
//! numbers ([`sequence`]) and the counts of rate limits that every replica shares
//! ([`rate_limit`]); and what they do alike with their own collections: keep a field
//! unique ([`collections`]), read a list a page at a time ([`paging`]), and let each
//! owner hold at most so many ([`standing_limit`]).
//!
//! The one shared crate that links the MongoDB driver. The outbox and the revocations
//! also speak to the event bus (they publish, and learn from, events), so this crate
//! sits above `bus` and `httpkit`; nothing below it builds the driver.

pub mod collections;
pub mod mongo;
pub mod outbox;
pub mod paging;
pub mod rate_limit;
pub mod replica;
pub mod revocations;
pub mod sequence;
pub mod standing_limit;

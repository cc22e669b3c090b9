//! The marketplace's own vocabulary, shared by every service and by the tools: typed
//! ids ([`id`]), prices and amounts ([`money`]), what an order and a payout are
//! ([`order`], [`payout`]) and the events
//! between services with who may announce each ([`events`]).
//!
//! Plain data with its parsing, serde and OpenAPI schemas, and nothing that talks to
//! a network or a database (it depends on serde, bson's ObjectId, time, utoipa and
//! thiserror only), so any crate can use these types without linking a web framework,
//! the MongoDB driver or the NATS client. Further domain types belong here, each in a
//! module of its own.

pub mod events;
pub mod id;
pub mod money;
pub mod order;
pub mod payout;

//! The expiration service: remembers when each order's reservation runs out and, at
//! that moment, announces `expiration:complete`. Jobs live in its own database (not in
//! memory), so they survive restarts, and each fires once even with several replicas.
//! It replaces the original's Bull + Redis queue.

mod listener;
pub mod scheduler;
pub mod startup;

/// Reads the base and events variables (see [`settings`]); no `JWT_KEY`, since
/// the service verifies no session.
pub use settings::EventServiceConfig as Config;
pub use startup::build;

//! The auth service: sign up, sign in, sign out, and who is signed in. It owns the
//! users collection and is the only service that issues session cookies.

mod attempts;
pub mod config;
mod domain;
mod routes;
mod sessions;
pub mod startup;
mod state;
mod users;

pub use config::{AttemptLimits, Config};
pub use startup::build;

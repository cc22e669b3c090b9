//! Input parsed at the boundary: handlers turn raw strings into these types, and only
//! these travel further.

mod argon2id;
mod email;
mod hashing;
mod password;

pub(crate) use email::Email;
pub(crate) use hashing::register_metrics;
pub(crate) use password::{Password, PasswordHash};

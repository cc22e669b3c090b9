//! The sessions this process knows to be revoked, which [`SessionKeys::verify`]
//! refuses. The `storage` crate's revocations keep the set up to date from the
//! service's database.
//!
//! [`SessionKeys::verify`]: super::SessionKeys::verify

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
};

use time::OffsetDateTime;

/// The revoked sessions one process knows of: token id → the token's expiry (seconds
/// since the epoch). Cheap to clone; clones share the set.
#[derive(Clone, Default)]
pub struct RevokedSessions(Arc<RwLock<HashMap<String, i64>>>);

impl RevokedSessions {
    /// Whether the session with this token id was revoked.
    pub fn contains(&self, token_id: &str) -> bool {
        self.0
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .contains_key(token_id)
    }

    /// Records a revocation of the token `token_id`, which expires at `expires_at`.
    pub fn insert(&self, token_id: String, expires_at: i64) {
        self.0
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(token_id, expires_at);
    }

    /// Forgets revocations of tokens that have expired: they verify no longer anyway.
    pub fn forget_expired(&self) {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        self.0
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .retain(|_, expires_at| *expires_at > now);
    }
}

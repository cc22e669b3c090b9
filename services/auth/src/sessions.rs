//! Ending sessions: signing out revokes the session's token everywhere, not only in
//! the browser that signs out, so a copy of the cookie stops working too.

use httpkit::session::TokenClaims;
use marketplace::events::SessionRevoked;
use mongodb::{Client, Database};
use storage::{in_transaction, outbox::Outbox, revocations::Revocations};
use time::OffsetDateTime;

/// Auth's record of revoked sessions, and the outbox that announces each to the
/// services that verify sessions. Cheap to clone.
#[derive(Clone)]
pub(crate) struct Sessions {
    client: Client,
    revocations: Revocations,
    outbox: Outbox,
}

impl Sessions {
    pub fn new(database: &Database, revocations: Revocations, outbox: Outbox) -> Self {
        Self {
            client: database.client().clone(),
            revocations,
            outbox,
        }
    }

    /// Revokes the session in one transaction with its `session:revoked` event, and
    /// tells this replica at once; the other replicas and services follow within a
    /// second.
    pub async fn revoke(&self, session: &TokenClaims) -> mongodb::error::Result<()> {
        let revoked = SessionRevoked {
            id: session.jti.clone(),
            expires_at: OffsetDateTime::from_unix_timestamp(session.user.exp)
                .unwrap_or(OffsetDateTime::UNIX_EPOCH),
        };
        in_transaction!(self.client, |transaction| async {
            self.revocations
                .record(Some(&mut *transaction), &revoked)
                .await?;
            self.outbox.stage(transaction, &revoked).await
        })
        .await?;
        self.outbox.wake_relay();
        self.revocations.remember(&revoked);
        Ok(())
    }
}

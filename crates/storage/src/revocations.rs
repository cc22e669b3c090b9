//! Sessions that ended before their token expired. Signing out revokes the session's
//! token id (`jti`): auth records it in its database and announces
//! `session:revoked`; every other service that verifies sessions records it in its
//! own database from that event. Each replica follows its service's record into
//! memory, so checking a request costs a hash lookup, and a copy of the cookie taken
//! before signout is refused everywhere within about a second. A revocation is kept
//! until the token would have expired anyway, then forgotten.

use std::time::Duration;

use bus::{EventBus, HandlerError, Listener, ListenerHandle, RetryPolicy, spawn_listener};
use futures::TryStreamExt;
use httpkit::session::{RevokedSessions, SessionKeys};
use marketplace::events::SessionRevoked;
use mongodb::{
    ClientSession, Collection, Database, IndexModel,
    bson::{DateTime, doc},
};
use serde::{Deserialize, Serialize};

/// How often a replica looks for revocations recorded since its last look. With the
/// event's own delay (milliseconds), a revoked cookie is refused well within a second.
const FOLLOW_INTERVAL: Duration = Duration::from_millis(250);

/// Each look re-reads this much before the previous one: a revocation committed late
/// (a slow transaction, a replica whose clock is a little behind) is still seen.
const OVERLAP: Duration = Duration::from_secs(10);

/// How often revocations whose tokens have expired are deleted.
const PRUNE_INTERVAL: Duration = Duration::from_secs(60);

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RevokedSession {
    /// The token id.
    #[serde(rename = "_id")]
    id: String,
    expires_at: DateTime,
    revoked_at: DateTime,
}

/// A service's record of revoked sessions (its `revoked_sessions` collection), and
/// the set in memory it keeps up to date. Cheap to clone.
#[derive(Clone)]
pub struct Revocations {
    collection: Collection<RevokedSession>,
    known: RevokedSessions,
}

impl Revocations {
    /// The record in `database`, followed into `known` (see [`SessionKeys::revoked`]).
    pub fn new(database: &Database, known: &RevokedSessions) -> Self {
        Self {
            collection: database.collection("revoked_sessions"),
            known: known.clone(),
        }
    }

    pub async fn ensure_indexes(&self) -> mongodb::error::Result<()> {
        let index = IndexModel::builder().keys(doc! { "revokedAt": 1 }).build();
        self.collection.create_index(index).await?;
        Ok(())
    }

    /// Records a revocation inside the caller's transaction (auth's signout, beside
    /// the outbox entry that announces it), or on its own when `session` is `None`.
    /// Recording one twice keeps the first.
    pub async fn record(
        &self,
        session: Option<&mut ClientSession>,
        revoked: &SessionRevoked,
    ) -> mongodb::error::Result<()> {
        let expires_at = DateTime::from_millis(
            i64::try_from(revoked.expires_at.unix_timestamp_nanos() / 1_000_000)
                .unwrap_or(i64::MAX),
        );
        let insert = doc! {
            "$setOnInsert": { "expiresAt": expires_at, "revokedAt": DateTime::now() }
        };
        let update = self
            .collection
            .update_one(doc! { "_id": &revoked.id }, insert)
            .upsert(true);
        match session {
            Some(session) => update.session(session).await?,
            None => update.await?,
        };
        Ok(())
    }

    /// Tells this process at once, without waiting for its next look at the record.
    pub fn remember(&self, revoked: &SessionRevoked) {
        self.known
            .insert(revoked.id.clone(), revoked.expires_at.unix_timestamp());
    }

    /// Loads every revocation of an unexpired token, then, forever, what was recorded
    /// since the last look (by this replica or another), and deletes expired ones now
    /// and then. A database that is down only delays it.
    pub async fn follow(self) {
        let mut since: Option<DateTime> = None;
        let mut last_prune = tokio::time::Instant::now();
        loop {
            let started = DateTime::now();
            match self.load_since(since).await {
                Ok(()) => since = Some(overlapping(started)),
                Err(error) => tracing::warn!(%error, "cannot read revoked sessions; retrying"),
            }
            if last_prune.elapsed() >= PRUNE_INTERVAL {
                self.known.forget_expired();
                let expired = doc! { "expiresAt": { "$lte": DateTime::now() } };
                if let Err(error) = self.collection.delete_many(expired).await {
                    tracing::warn!(%error, "cannot delete expired revocations");
                }
                last_prune = tokio::time::Instant::now();
            }
            tokio::time::sleep(FOLLOW_INTERVAL).await;
        }
    }

    async fn load_since(&self, since: Option<DateTime>) -> mongodb::error::Result<()> {
        let filter = match since {
            Some(since) => doc! { "revokedAt": { "$gte": since } },
            None => doc! { "expiresAt": { "$gt": DateTime::now() } },
        };
        let revoked: Vec<RevokedSession> =
            self.collection.find(filter).await?.try_collect().await?;
        for session in revoked {
            self.known
                .insert(session.id, session.expires_at.timestamp_millis() / 1000);
        }
        Ok(())
    }

    /// Records the revocations auth announces, in this service's own database.
    pub fn listener(&self) -> RevocationListener {
        RevocationListener(self.clone())
    }
}

fn overlapping(started: DateTime) -> DateTime {
    let overlap = i64::try_from(OVERLAP.as_millis()).unwrap_or(i64::MAX);
    DateTime::from_millis(started.timestamp_millis().saturating_sub(overlap))
}

/// Handles `session:revoked` for a service that verifies sessions.
pub struct RevocationListener(Revocations);

impl Listener for RevocationListener {
    type Event = SessionRevoked;

    async fn handle(&self, event: SessionRevoked) -> Result<(), HandlerError> {
        self.0.record(None, &event).await?;
        self.0.remember(&event);
        Ok(())
    }
}

/// Why following revocations could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Database(#[from] mongodb::error::Error),
    #[error(transparent)]
    Events(#[from] bus::EventError),
}

/// What a service that verifies sessions (but does not issue them) runs to refuse
/// revoked ones: `service`'s listener of `session:revoked`, which records each in
/// `database`, and the task that follows that record into `keys`. Run the task beside
/// the server and keep the listener with the others.
pub async fn learn_from_events(
    database: &Database,
    bus: &EventBus,
    service: &str,
    keys: &SessionKeys,
) -> Result<(ListenerHandle, impl Future<Output = ()> + use<>), StartError> {
    let revocations = Revocations::new(database, keys.revoked());
    revocations.ensure_indexes().await?;
    let listener =
        spawn_listener(bus, service, revocations.listener(), RetryPolicy::default()).await?;
    Ok((listener, revocations.follow()))
}

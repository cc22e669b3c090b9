//! The transactional outbox: an event is written to the service's own database in the
//! same transaction as the change that implies it, and a relay publishes it afterwards.
//! A NATS outage or a crash between the write and the publish therefore loses nothing:
//! the entry waits in the database until the relay (of this process, of a replica or of
//! the restarted process) publishes it. Publishing twice is harmless because the
//! message id makes JetStream drop the copy.

use std::{sync::Arc, time::Duration};

use futures::TryStreamExt;
use mongodb::{
    ClientSession, Collection, Database,
    bson::{DateTime, doc, oid::ObjectId},
    options::FindOptions,
};
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

use bus::{EventError, Publisher};
use marketplace::events::{Event, Subject};

/// How often the relay looks for entries it was not told about: those left by a
/// process that died, or written by another replica.
const POLL_INTERVAL: Duration = Duration::from_secs(1);

/// Entries published per round, oldest first.
const BATCH: i64 = 100;

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct OutboxEntry {
    #[serde(rename = "_id")]
    id: ObjectId,
    subject: String,
    message_id: String,
    payload: String,
    created_at: DateTime,
}

/// Why the relay could not publish.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    #[error(transparent)]
    Database(#[from] mongodb::error::Error),
    #[error(transparent)]
    Publish(#[from] EventError),
}

/// A service's outbox collection plus the bell that wakes its relay. Cheap to clone.
#[derive(Clone)]
pub struct Outbox {
    entries: Collection<OutboxEntry>,
    wake: Arc<Notify>,
}

impl Outbox {
    pub fn new(database: &Database) -> Self {
        Self {
            entries: database.collection("outbox"),
            wake: Arc::new(Notify::new()),
        }
    }

    /// Writes `event` inside the caller's transaction. It is published only if the
    /// transaction commits; call [`Outbox::wake_relay`] after the commit.
    pub async fn stage<E: Event>(
        &self,
        session: &mut ClientSession,
        event: &E,
    ) -> mongodb::error::Result<()> {
        let payload = serde_json::to_string(event).map_err(mongodb::error::Error::custom)?;
        let entry = OutboxEntry {
            id: ObjectId::new(),
            subject: E::SUBJECT.as_str().to_owned(),
            message_id: event.message_id(),
            payload,
            created_at: DateTime::now(),
        };
        self.entries.insert_one(entry).session(session).await?;
        Ok(())
    }

    /// Tells the relay a transaction with events committed, so it publishes now
    /// rather than at its next poll.
    pub fn wake_relay(&self) {
        self.wake.notify_one();
    }

    /// Entries written but not yet published.
    pub async fn pending(&self) -> mongodb::error::Result<u64> {
        self.entries.count_documents(doc! {}).await
    }

    /// Publishes pending entries oldest first and removes each once JetStream has
    /// stored it. Stops at the first failure, so order is kept. Returns how many it
    /// published.
    pub async fn relay_once(&self, publisher: &Publisher) -> Result<usize, RelayError> {
        let options = FindOptions::builder()
            .sort(doc! { "_id": 1 })
            .limit(BATCH)
            .build();
        let batch: Vec<OutboxEntry> = self
            .entries
            .find(doc! {})
            .with_options(options)
            .await?
            .try_collect()
            .await?;
        for entry in &batch {
            let Ok(subject) = entry.subject.parse::<Subject>() else {
                // Written by a newer or broken version: it can never be published, and
                // must not hold back the events behind it.
                tracing::error!(id = %entry.id, subject = %entry.subject, "outbox entry with an unknown subject dropped");
                self.entries.delete_one(doc! { "_id": entry.id }).await?;
                continue;
            };
            publisher
                .publish_encoded(subject, &entry.message_id, entry.payload.clone().into())
                .await?;
            self.entries.delete_one(doc! { "_id": entry.id }).await?;
        }
        Ok(batch.len())
    }

    /// Publishes forever: after every wake-up and every [`POLL_INTERVAL`], backing off
    /// while NATS or the database is down.
    pub async fn run_relay(self, publisher: Publisher) {
        let mut backoff = Duration::from_millis(200);
        loop {
            match self.relay_once(&publisher).await {
                Ok(published) if published as i64 == BATCH => continue,
                Ok(_) => {
                    backoff = Duration::from_millis(200);
                    tokio::select! {
                        () = self.wake.notified() => {}
                        () = tokio::time::sleep(POLL_INTERVAL) => {}
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, retry_in_ms = backoff.as_millis() as u64, "outbox relay cannot publish yet");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                }
            }
        }
    }
}

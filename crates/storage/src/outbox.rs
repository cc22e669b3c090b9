//! The transactional outbox: an event is written to the service's own database in the
//! same transaction as the change that implies it, and a relay publishes it afterwards.
//! A NATS outage or a crash between the write and the publish therefore loses nothing:
//! the entry waits in the database until the relay (of this process, of a replica or of
//! the restarted process) publishes it.
//!
//! Every replica runs a relay over the same outbox, and they share the entries rather
//! than each publishing all of them. An entry is born claimed by the relay of the
//! process that staged it: the transaction writes the relay's id and a lease deadline
//! into the entry, so that relay publishes it at once, with no write of its own before
//! the publish, and deletes it. The other relays leave it alone while the lease holds.
//! An entry nobody holds (its process died, its lease ran out, or it was staged before
//! relays claimed) is taken, once a second, by whichever relay claims it first, in one
//! atomic update that writes its id and a new lease. So each entry is published by one
//! relay at a time, and the publish load stays the same with any number of replicas.
//! Across replicas, neighbouring entries may reach the stream in either order, as they
//! always could with two processes; consumers apply versions in order and do not rely
//! on it.
//!
//! Each entry keeps the trace context of the request that staged it, and the relay
//! publishes it in the message's headers: the listeners' handling continues the
//! request's trace, though the request has ended by then.
//!
//! Publishing an entry twice (a lease that ran out during a slow publish, a delete lost
//! to a database outage) is harmless because the message id makes JetStream drop the
//! copy.

use std::{
    collections::HashMap,
    sync::Arc,
    time::{Duration, SystemTime},
};

use futures::TryStreamExt;
use mongodb::{
    ClientSession, Collection, Database,
    bson::{DateTime, doc, oid::ObjectId},
};
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

use bus::{EventError, Publisher};
use marketplace::events::{Event, Subject};
use telemetry::propagation;

/// How often the relay looks for entries nobody holds: those of a process that died,
/// or whose lease ran out.
const POLL_INTERVAL: Duration = Duration::from_secs(1);

/// A relay's own entries read per round, oldest first.
const OWN_BATCH: i64 = 100;

/// How long a claim keeps the other relays off an entry. It must outlast the longest
/// a live relay holds one, or a second relay would publish the entry again: the publish
/// waits at most for JetStream's ack (async-nats gives up after 5 s) and the delete takes
/// milliseconds, so twice the ack wait (a staged entry's lease starts inside its
/// transaction, whose commit takes milliseconds too). It is also how late an entry of a relay that
/// died is published, so not much longer; well inside JetStream's 10-minute duplicate
/// window either way. The deadline is the claiming relay's clock, read by the others:
/// a clock skew between machines shortens or stretches it by as much.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(10);

/// One staged event and the relay that holds it. Entries staged before relays
/// claimed have neither `claimedBy` nor `leaseUntil`, and any relay may take them.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct OutboxEntry {
    #[serde(rename = "_id")]
    id: ObjectId,
    subject: String,
    message_id: String,
    payload: String,
    created_at: DateTime,
    /// The W3C trace context (`traceparent`, `tracestate`) of the span that staged it;
    /// absent in entries staged before traces were kept.
    #[serde(default, skip_serializing_if = "HashMap::is_empty")]
    trace: HashMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    claimed_by: Option<ObjectId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lease_until: Option<DateTime>,
}

/// Why the relay could not publish.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    #[error(transparent)]
    Database(#[from] mongodb::error::Error),
    #[error(transparent)]
    Publish(#[from] EventError),
}

/// A service's outbox collection, the bell that wakes its relay, and the id its relay
/// claims entries with. Cheap to clone; clones share the relay id, so run one relay
/// per [`Outbox::new`].
#[derive(Clone)]
pub struct Outbox {
    entries: Collection<OutboxEntry>,
    wake: Arc<Notify>,
    relay_id: ObjectId,
    lease: Duration,
}

impl Outbox {
    /// The outbox of `database`, whose relay claims entries for [`DEFAULT_LEASE`]
    /// under an id of its own.
    pub fn new(database: &Database) -> Self {
        Self {
            entries: database.collection("outbox"),
            wake: Arc::new(Notify::new()),
            relay_id: ObjectId::new(),
            lease: DEFAULT_LEASE,
        }
    }

    /// The same outbox, its relay claiming entries for `lease` instead (tests, which
    /// cannot wait for the default).
    pub fn with_lease(self, lease: Duration) -> Self {
        Self { lease, ..self }
    }

    /// Writes `event` inside the caller's transaction, claimed by this outbox's relay.
    /// It is published only if the transaction commits; call [`Outbox::wake_relay`]
    /// after the commit.
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
            trace: propagation::current_context(),
            claimed_by: Some(self.relay_id),
            lease_until: Some(DateTime::from_system_time(SystemTime::now() + self.lease)),
        };
        self.entries.insert_one(entry).session(session).await?;
        Ok(())
    }

    /// Tells the relay a transaction with events committed, so it publishes now
    /// rather than at its next poll.
    pub fn wake_relay(&self) {
        self.wake.notify_one();
    }

    /// Entries written but not yet published, claimed or not.
    pub async fn pending(&self) -> mongodb::error::Result<u64> {
        self.entries.count_documents(doc! {}).await
    }

    /// How long the oldest entry not yet published has waited; zero when there is
    /// none. Entry ids are ObjectIds, which begin with their creation time, so this is
    /// one read of the `_id` index's first key.
    pub async fn oldest_age(&self) -> mongodb::error::Result<Duration> {
        #[derive(Deserialize)]
        struct EntryId {
            #[serde(rename = "_id")]
            id: ObjectId,
        }
        let oldest = self
            .entries
            .clone_with_type::<EntryId>()
            .find_one(doc! {})
            .sort(doc! { "_id": 1 })
            .projection(doc! { "_id": 1 })
            .await?;
        Ok(oldest.map_or(Duration::ZERO, |entry| {
            let created = entry.id.timestamp().to_system_time();
            SystemTime::now()
                .duration_since(created)
                .unwrap_or_default()
        }))
    }

    /// Publishes and removes this relay's entries, then claims and publishes those
    /// nobody holds, oldest first; each is removed once JetStream has stored it. Stops
    /// at the first failure, so order is kept. Returns how many entries it took out of
    /// the outbox.
    pub async fn relay_once(&self, publisher: &Publisher) -> Result<usize, RelayError> {
        let mut relayed = self.relay_own(publisher).await?;
        while let Some(entry) = self.claim_unheld().await? {
            self.publish_and_remove(publisher, entry).await?;
            relayed += 1;
        }
        Ok(relayed)
    }

    /// Publishes and removes the entries this relay holds while their lease lasts,
    /// oldest first: those its process staged, and those it claimed and could not
    /// publish yet. A read, then per entry a publish and a delete; no claim is written
    /// on this, the common, path. Once a lease ran out the entry is anyone's, this
    /// relay's included, through [`Outbox::claim_unheld`].
    async fn relay_own(&self, publisher: &Publisher) -> Result<usize, RelayError> {
        let mut relayed = 0;
        loop {
            let held = doc! {
                "claimedBy": self.relay_id,
                "leaseUntil": { "$gt": DateTime::now() },
            };
            let own: Vec<OutboxEntry> = self
                .entries
                .find(held)
                .sort(doc! { "_id": 1 })
                .limit(OWN_BATCH)
                .await?
                .try_collect()
                .await?;
            let full = own.len() as i64 == OWN_BATCH;
            for entry in own {
                self.publish_and_remove(publisher, entry).await?;
                relayed += 1;
            }
            if !full {
                return Ok(relayed);
            }
        }
    }

    async fn publish_and_remove(
        &self,
        publisher: &Publisher,
        entry: OutboxEntry,
    ) -> Result<(), RelayError> {
        if let Ok(subject) = entry.subject.parse::<Subject>() {
            publisher
                .publish_encoded(
                    subject,
                    &entry.message_id,
                    entry.payload.into(),
                    &entry.trace,
                )
                .await?;
        } else {
            // Written by a newer or broken version: it can never be published, and
            // must not hold back the events behind it.
            tracing::error!(id = %entry.id, subject = %entry.subject, "outbox entry with an unknown subject dropped");
        }
        self.entries.delete_one(doc! { "_id": entry.id }).await?;
        Ok(())
    }

    /// The oldest entry nobody holds (unclaimed, or its lease ran out), now claimed by
    /// this relay for another lease.
    async fn claim_unheld(&self) -> mongodb::error::Result<Option<OutboxEntry>> {
        let now = SystemTime::now();
        let lease_until = DateTime::from_system_time(now + self.lease);
        let now = DateTime::from_system_time(now);
        let unheld = doc! {
            "$or": [
                { "leaseUntil": { "$exists": false } },
                { "leaseUntil": { "$lte": now } },
            ]
        };
        let claim = doc! { "$set": { "claimedBy": self.relay_id, "leaseUntil": lease_until } };
        self.entries
            .find_one_and_update(unheld, claim)
            .sort(doc! { "_id": 1 })
            .await
    }

    /// Publishes forever: its own entries after every wake-up, and every
    /// [`POLL_INTERVAL`] those nobody holds too, backing off while NATS or the
    /// database is down.
    pub async fn run_relay(self, publisher: Publisher) {
        let mut backoff = Duration::from_millis(200);
        let mut unheld_too = true;
        loop {
            let relayed = if unheld_too {
                self.relay_once(&publisher).await
            } else {
                self.relay_own(&publisher).await
            };
            match relayed {
                Ok(_) => {
                    backoff = Duration::from_millis(200);
                    unheld_too = tokio::select! {
                        () = self.wake.notified() => false,
                        () = tokio::time::sleep(POLL_INTERVAL) => true,
                    };
                }
                Err(error) => {
                    tracing::warn!(%error, retry_in_ms = backoff.as_millis() as u64, "outbox relay cannot publish yet");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                    unheld_too = true;
                }
            }
        }
    }
}

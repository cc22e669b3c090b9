//! Expiration jobs and the loop that fires them on time.
//!
//! The loop sleeps until the earliest pending deadline (no polling interval); a new
//! job wakes it so an earlier deadline is not missed. Firing a job is one transaction:
//! a conditional update from `pending` to `fired` plus the `expiration:complete` event
//! in the outbox. Of several replicas racing for one job, exactly one update matches,
//! so each job fires once, and its event is published even if the process dies
//! right after.
//!
//! A job keeps the trace context of the `order:created` handling that scheduled it,
//! and fires inside a span of that trace: a lapse is part of its purchase's trace.

use std::{
    collections::HashMap,
    sync::{Arc, LazyLock},
    time::Duration,
};

use marketplace::{events::ExpirationComplete, id::OrderId};
use mongodb::{
    Client, Collection, Database, IndexModel,
    bson::{Bson, DateTime, doc},
    options::ReturnDocument,
};
use serde::{Deserialize, Serialize};
use storage::{in_transaction, outbox::Outbox};
use telemetry::{
    metrics::{self, Histogram, Unit},
    propagation,
};
use tokio::sync::Notify;
use tracing::Instrument;

/// `expiration_lock_release_delay_seconds`: from an order's `expiresAt` to the
/// moment its `expiration:complete` was staged. Late means a held ticket stayed off
/// sale after its hold ended.
static RELEASE_DELAY: LazyLock<Histogram> = LazyLock::new(|| {
    let delay = Histogram::new([0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0]);
    metrics::register(
        "expiration_lock_release_delay",
        "Time from an order's expiresAt to the staging of its expiration:complete.",
        Some(Unit::Seconds),
        delay.clone(),
    );
    delay
});

/// The longest the loop sleeps with nothing due, so that a job another replica stored
/// (and whose wake-up this replica never heard) is still seen if that replica dies.
const MAX_IDLE: Duration = Duration::from_secs(10);

/// After a failure (database down), how long to wait before trying again.
const RETRY_AFTER: Duration = Duration::from_millis(500);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum JobState {
    Pending,
    Fired,
}

/// Queries write a state as the documents store it, so the two cannot drift apart.
impl From<JobState> for Bson {
    fn from(state: JobState) -> Self {
        mongodb::bson::to_bson(&state).expect("a unit variant always serializes")
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Job {
    /// The order id (its hex string, not an ObjectId): one job per order.
    #[serde(rename = "_id")]
    order_id: OrderId,
    expires_at: DateTime,
    state: JobState,
    #[serde(default)]
    fired_at: Option<DateTime>,
    /// The W3C trace context of the handling that scheduled it; absent in jobs
    /// scheduled before traces were kept.
    #[serde(default)]
    trace: HashMap<String, String>,
}

/// Registers the scheduler's metrics, so their series exist before the first lapse.
pub(crate) fn register_metrics() {
    LazyLock::force(&RELEASE_DELAY);
}

/// The jobs collection plus the bell that wakes the loop. Cheap to clone.
#[derive(Clone)]
pub struct Scheduler {
    client: Client,
    jobs: Collection<Job>,
    outbox: Outbox,
    wake: Arc<Notify>,
}

impl Scheduler {
    pub fn new(database: &Database, outbox: Outbox) -> Self {
        Self {
            client: database.client().clone(),
            jobs: database.collection("expirations"),
            outbox,
            wake: Arc::new(Notify::new()),
        }
    }

    pub async fn ensure_indexes(&self) -> mongodb::error::Result<()> {
        let due = IndexModel::builder()
            .keys(doc! { "state": 1, "expiresAt": 1 })
            .build();
        self.jobs.create_index(due).await?;
        Ok(())
    }

    /// Stores the job for `order_id` unless it exists, and wakes the loop.
    pub async fn schedule(
        &self,
        order_id: OrderId,
        expires_at: DateTime,
    ) -> mongodb::error::Result<()> {
        let insert = doc! {
            "$setOnInsert": {
                "expiresAt": expires_at,
                "state": JobState::Pending,
                "trace": mongodb::bson::to_bson(&propagation::current_context())?,
            }
        };
        match self
            .jobs
            .update_one(doc! { "_id": order_id.to_hex() }, insert)
            .upsert(true)
            .await
        {
            Ok(_) => {}
            // Two deliveries raced to insert it: the other one did.
            Err(error) if storage::mongo::is_duplicate_key(&error) => {}
            Err(error) => return Err(error),
        }
        self.wake.notify_one();
        Ok(())
    }

    /// Fires every job whose deadline has passed; returns how many this call fired.
    pub async fn fire_due(&self) -> mongodb::error::Result<usize> {
        let mut fired = 0;
        loop {
            let now = DateTime::now();
            let job = in_transaction!(self.client, |session| async {
                let job = self
                    .jobs
                    .find_one_and_update(
                        doc! { "state": JobState::Pending, "expiresAt": { "$lte": now } },
                        doc! { "$set": { "state": JobState::Fired, "firedAt": now } },
                    )
                    .sort(doc! { "expiresAt": 1 })
                    .return_document(ReturnDocument::After)
                    .session(&mut *session)
                    .await?;
                let Some(job) = job else {
                    return Ok(None);
                };
                let event = ExpirationComplete {
                    order_id: job.order_id,
                };
                let span = expiry_span(&job);
                self.outbox
                    .stage(session, &event)
                    .instrument(span.clone())
                    .await?;
                Ok(Some((job, span)))
            })
            .await?;
            match job {
                Some((job, span)) => {
                    let late_ms = now.timestamp_millis() - job.expires_at.timestamp_millis();
                    RELEASE_DELAY.observe(late_ms.max(0) as f64 / 1000.0);
                    span.in_scope(|| {
                        tracing::info!(order_id = %job.order_id, late_ms, "expired");
                    });
                    fired += 1;
                }
                None => break,
            }
        }
        if fired > 0 {
            self.outbox.wake_relay();
        }
        Ok(fired)
    }

    /// The earliest deadline still pending.
    async fn next_deadline(&self) -> mongodb::error::Result<Option<DateTime>> {
        let next = self
            .jobs
            .find_one(doc! { "state": JobState::Pending })
            .sort(doc! { "expiresAt": 1 })
            .await?;
        Ok(next.map(|job| job.expires_at))
    }

    /// Fires due jobs, then sleeps until the next deadline or a new job, forever.
    pub async fn run(self) {
        loop {
            let pause = match self.step().await {
                Ok(pause) => pause,
                Err(error) => {
                    tracing::warn!(%error, "expiration loop cannot reach the database");
                    RETRY_AFTER
                }
            };
            tokio::select! {
                () = tokio::time::sleep(pause) => {}
                () = self.wake.notified() => {}
            }
        }
    }

    /// One round: fire what is due and say how long to sleep.
    async fn step(&self) -> mongodb::error::Result<Duration> {
        self.fire_due().await?;
        Ok(match self.next_deadline().await? {
            Some(deadline) => {
                let wait_ms = deadline.timestamp_millis() - DateTime::now().timestamp_millis();
                Duration::from_millis(u64::try_from(wait_ms).unwrap_or(0)).min(MAX_IDLE)
            }
            None => MAX_IDLE,
        })
    }
}

/// The span a job fires in: a child of the `order:created` handling that scheduled
/// it, so the `expiration:complete` it stages continues the purchase's trace.
fn expiry_span(job: &Job) -> tracing::Span {
    let span = tracing::info_span!(
        "expire",
        otel.name = "expire order",
        order.id = %job.order_id,
    );
    propagation::continue_trace(&span, &job.trace);
    span
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_states_are_stored_as_the_strings_earlier_releases_wrote() {
        assert_eq!(
            Bson::from(JobState::Pending),
            Bson::String("pending".to_owned())
        );
        assert_eq!(
            Bson::from(JobState::Fired),
            Bson::String("fired".to_owned())
        );
    }
}

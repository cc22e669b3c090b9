//! Rate limits whose counts live in the service's own database, so that every replica
//! enforces the same limit: two replicas allow what one does, not twice as much.
//!
//! The shape: a fixed window per key that opens at the key's first attempt after the
//! previous window ended. One attempt is one atomic `find_one_and_update` with upsert
//! on the key's document: an update pipeline that either adds one to the count of the
//! open window or, when the window has ended (or the key is new), opens a new one with
//! a count of one. So attempts on one key from any number of replicas are counted
//! exactly, with no read-then-write race, at the cost of one round trip each. The
//! window is measured on the database's clock (`$$NOW`), which every replica shares,
//! so replicas whose clocks disagree still agree on when it ends; its end, against that
//! same clock, is the refusal's `Retry-After`. (The update uses `$dateAdd`, MongoDB 5.0
//! or later: production runs 7.0, and SecantusDB has it.)
//!
//! What it allows at a window's edge: up to twice the allowance in a moment, the whole
//! allowance at the end of one window and again as the next one opens. Over a longer
//! span it averages at most the allowance a minute, which is what these limits are
//! for (a script is slowed down to it; a person never meets it). A sliding window
//! would close that gap but needs the previous window's count, or a record of every
//! attempt, for each key; a window that opens at the first attempt rather than on the
//! clock's minute at least never splits a burst that starts from rest.
//!
//! A refused attempt is counted too (the write is what decides), which changes
//! nothing: the window's end, not the count, says when attempts are let through again.
//!
//! Old windows expire: a TTL index deletes a key's document once its window has ended
//! (MongoDB's TTL monitor, and SecantusDB's, pass every 60 seconds), so the collection
//! holds only the keys seen in the last minute or two. A deleted window and an ended
//! one mean the same to the next attempt.

use std::{num::NonZeroU32, time::Duration};

use mongodb::{
    Collection, Database, IndexModel,
    bson::{DateTime, doc},
    options::{IndexOptions, ReturnDocument},
};
use serde::Deserialize;

/// How long a window lasts.
const WINDOW: Duration = Duration::from_secs(60);

/// The collection every rate limit of a service keeps its windows in, one document
/// per limit and key.
const COLLECTION: &str = "rate_limits";

/// One key's window, as the update leaves it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Window {
    count: i64,
    /// When the window ends; the TTL index deletes the document after that.
    ends_at: DateTime,
    /// The database's clock at this attempt, to say how long until `ends_at`.
    seen_at: DateTime,
}

/// An allowance of attempts a minute for each key, e.g. 30 ticket listings a minute
/// per user. Cheap to clone.
#[derive(Debug, Clone)]
pub struct RateLimit {
    windows: Collection<Window>,
    name: &'static str,
    what: &'static str,
    allowance: NonZeroU32,
}

/// An attempt over its key's allowance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Throttled {
    /// What was counted, as the refusal names it ("tickets listed in a minute").
    pub what: &'static str,
    /// Whole seconds until the key's window ends (at least 1).
    pub retry_after_seconds: u64,
}

/// A refusal is a 429 with `Retry-After` in the error shape.
impl From<Throttled> for httpkit::Error {
    fn from(throttled: Throttled) -> Self {
        Self::TooManyRequests {
            what: throttled.what,
            retry_after_seconds: throttled.retry_after_seconds,
        }
    }
}

impl RateLimit {
    /// `allowance` attempts a minute for each key of the limit `name` (unique within
    /// the service), in `database`; a refusal says "Too many `what`".
    pub fn per_minute(
        database: &Database,
        name: &'static str,
        what: &'static str,
        allowance: NonZeroU32,
    ) -> Self {
        Self {
            windows: database.collection(COLLECTION),
            name,
            what,
            allowance,
        }
    }

    /// The TTL index that deletes ended windows. Every limit of a service asks for the
    /// same one.
    pub async fn ensure_indexes(&self) -> mongodb::error::Result<()> {
        let expire_when_ended = IndexOptions::builder()
            .expire_after(Duration::ZERO)
            .name("rate_limit_window_expiry".to_owned())
            .build();
        let index = IndexModel::builder()
            .keys(doc! { "endsAt": 1 })
            .options(expire_when_ended)
            .build();
        self.windows.create_index(index).await?;
        Ok(())
    }

    /// Counts one attempt for `key`: refused once the key's window has seen its
    /// allowance.
    pub async fn count(&self, key: &str) -> mongodb::error::Result<Result<(), Throttled>> {
        let window = self
            .count_in_window(&format!("{}:{key}", self.name))
            .await?;
        if window.count <= i64::from(self.allowance.get()) {
            return Ok(Ok(()));
        }
        let left = window.ends_at.timestamp_millis() - window.seen_at.timestamp_millis();
        let retry_after_seconds = u64::try_from(left.max(1)).unwrap_or(1).div_ceil(1000);
        Ok(Err(Throttled {
            what: self.what,
            retry_after_seconds,
        }))
    }

    /// The one write of an attempt: the window after counting it.
    async fn count_in_window(&self, id: &str) -> mongodb::error::Result<Window> {
        let window_millis = i64::try_from(WINDOW.as_millis()).unwrap_or(i64::MAX);
        // In one `$set` stage every expression sees the document as it was, so both
        // fields decide on the same `open`. A missing `endsAt` (a new key) compares
        // below any date: not open.
        let open = doc! { "$gt": ["$endsAt", "$$NOW"] };
        let update = vec![doc! { "$set": {
            "count": { "$cond": [&open, { "$add": ["$count", 1] }, 1] },
            "endsAt": { "$cond": [&open, "$endsAt", {
                "$dateAdd": { "startDate": "$$NOW", "unit": "millisecond", "amount": window_millis },
            }] },
            "seenAt": "$$NOW",
        } }];
        let count = || {
            self.windows
                .find_one_and_update(doc! { "_id": id }, update.clone())
                .upsert(true)
                .return_document(ReturnDocument::After)
        };
        // Two first attempts on one key race to insert its document. From MongoDB the
        // loser may hear of it as a duplicate key, its update not applied: it applies
        // it to the document the winner inserted.
        let counted = match count().await {
            Err(error) if crate::mongo::is_duplicate_key(&error) => count().await?,
            counted => counted?,
        };
        match counted {
            Some(window) => Ok(window),
            // SecantusDB applies the loser's update but answers with no document. Read
            // back, the count may include attempts made since, which matters only when
            // more than the allowance race to be a key's first.
            None => self
                .windows
                .find_one(doc! { "_id": id })
                .await?
                .ok_or_else(|| mongodb::error::Error::custom("a counted window vanished")),
        }
    }
}

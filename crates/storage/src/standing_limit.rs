//! Limits on how many of something one owner holds at once (tickets a seller has for
//! sale, orders a buyer has not paid), checked inside the transaction that adds one.
//!
//! Counting and then inserting in one transaction is not enough: under snapshot
//! isolation two concurrent creates for one owner both count 199 of 200, both insert,
//! and the owner holds 201 (write skew). So before it counts, the transaction writes
//! the owner's own document in a collection of owners. Of two transactions that write
//! one document, only one can commit; the other aborts with a transient write conflict
//! and [`in_transaction!`](crate::in_transaction) runs it again on a fresh snapshot,
//! where it counts what the first one inserted. Creates for one owner are serialized
//! that way, on every replica alike, while those of different owners never meet. The
//! caller keeps an index that serves the count, and the count stops at the limit, so it
//! costs at most the limit's worth of index keys, whatever the collection holds.
//!
//! No limit (`None`) costs nothing: no write, no count. That is for a benchmark that
//! lists 100,000 tickets as one seller, 32 at a time; a limit of four billion would
//! still serialize them and count each time.

use std::num::NonZeroU32;

use mongodb::{
    ClientSession, Collection, Database,
    bson::{Document, doc},
};

/// At most `most` held at once per owner, serialized on a collection of owners.
#[derive(Debug, Clone)]
pub struct StandingLimit {
    owners: Collection<Document>,
    most: Option<NonZeroU32>,
}

/// The owner already holds the most allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AtLimit {
    pub most: u32,
}

impl StandingLimit {
    /// At most `most` per owner (`None`: no limit), whose documents are in
    /// `database`'s `owners` collection (one per limit: `sellers`, `buyers`).
    pub fn new(database: &Database, owners: &str, most: Option<NonZeroU32>) -> Self {
        Self {
            owners: database.collection(owners),
            most,
        }
    }

    /// Inside the caller's transaction on `session`: whether `owner` may hold one
    /// more, given that `held` matches what they hold in `holdings`. Call it before
    /// the insert it guards.
    pub async fn room_for_one_more<T: Send + Sync>(
        &self,
        session: &mut ClientSession,
        owner: &str,
        holdings: &Collection<T>,
        held: Document,
    ) -> mongodb::error::Result<Result<(), AtLimit>> {
        let Some(most) = self.most else {
            return Ok(Ok(()));
        };
        // `$inc` always changes the document, so this is always a write that two
        // concurrent transactions conflict on (a `$set` to the value already there
        // may be a no-op, which would not).
        self.owners
            .update_one(doc! { "_id": owner }, doc! { "$inc": { "turns": 1 } })
            .upsert(true)
            .session(&mut *session)
            .await?;
        let most = most.get();
        let holding = holdings
            .count_documents(held)
            .limit(u64::from(most))
            .session(session)
            .await?;
        Ok(if holding < u64::from(most) {
            Ok(())
        } else {
            Err(AtLimit { most })
        })
    }
}

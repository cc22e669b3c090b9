//! Dense sequence numbers: 1, 2, 3, … per name, each handed out once, kept in the
//! `sequences` collection. A list keyed by one can be read in bounded windows of
//! keys (see [`paging::read_in_windows`](crate::paging::read_in_windows)), because
//! a window of `w` numbers holds at most `w` entries.
//!
//! A number is taken in its own atomic update, outside the transaction that uses
//! it: inside, every concurrent writer would conflict on the one counter. A
//! transaction that then fails leaves a gap, which costs a window nothing.

use mongodb::{
    Collection, Database,
    bson::{Document, doc},
    options::ReturnDocument,
};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Counter {
    last: i64,
}

/// One named sequence.
#[derive(Debug, Clone)]
pub struct Sequence {
    counters: Collection<Document>,
    name: &'static str,
}

impl Sequence {
    pub fn new(database: &Database, name: &'static str) -> Self {
        Self {
            counters: database.collection("sequences"),
            name,
        }
    }

    /// The next number, never handed out before.
    pub async fn next(&self) -> mongodb::error::Result<i64> {
        let counter = self
            .counters
            .clone_with_type::<Counter>()
            .find_one_and_update(doc! { "_id": self.name }, doc! { "$inc": { "last": 1 } })
            .upsert(true)
            .return_document(ReturnDocument::After)
            .await?;
        Ok(counter.map_or(1, |counter| counter.last))
    }

    /// The last number handed out (0 before the first).
    pub async fn last(&self) -> mongodb::error::Result<i64> {
        let counter = self
            .counters
            .clone_with_type::<Counter>()
            .find_one(doc! { "_id": self.name })
            .await?;
        Ok(counter.map_or(0, |counter| counter.last))
    }
}

//! What services do alike with collections of their own: list what a filter matches
//! in the order it was inserted.

use futures::TryStreamExt;
use mongodb::{
    Collection,
    bson::{Document, doc},
};
use serde::de::DeserializeOwned;

/// Which way a listing runs. An ObjectId begins with the second it was made, so
/// sorting on `_id` lists documents in the order they were inserted.
#[derive(Debug, Clone, Copy)]
pub enum ByAge {
    OldestFirst,
    NewestFirst,
}

/// Every document of `collection` that `filter` matches, oldest or newest first.
pub async fn list<T>(
    collection: &Collection<T>,
    filter: Document,
    order: ByAge,
) -> mongodb::error::Result<Vec<T>>
where
    T: DeserializeOwned + Send + Sync,
{
    let direction = match order {
        ByAge::OldestFirst => 1,
        ByAge::NewestFirst => -1,
    };
    collection
        .find(filter)
        .sort(doc! { "_id": direction })
        .await?
        .try_collect()
        .await
}

//! What services do alike with collections of their own: list what a filter matches
//! in the order it was inserted, and keep a field unique.

use futures::TryStreamExt;
use mongodb::{
    Collection, IndexModel,
    bson::{Document, doc},
    options::IndexOptions,
};
use serde::de::DeserializeOwned;

/// Which way a listing runs. An ObjectId begins with the second it was made, so
/// sorting on `_id` lists documents in the order they were inserted.
#[derive(Debug, Clone, Copy)]
pub enum ByAge {
    OldestFirst,
    NewestFirst,
}

/// An index named `name` that refuses a second document with the same `keys`.
pub fn unique_index(keys: Document, name: &str) -> IndexModel {
    let unique = IndexOptions::builder()
        .unique(true)
        .name(name.to_owned())
        .build();
    IndexModel::builder().keys(keys).options(unique).build()
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

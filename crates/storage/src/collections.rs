//! What services do alike with collections of their own: keep a field unique.

use mongodb::{IndexModel, bson::Document, options::IndexOptions};

/// An index named `name` that refuses a second document with the same `keys`.
pub fn unique_index(keys: Document, name: &str) -> IndexModel {
    let unique = IndexOptions::builder()
        .unique(true)
        .name(name.to_owned())
        .build();
    IndexModel::builder().keys(keys).options(unique).build()
}

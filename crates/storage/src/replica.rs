//! A service's copy of another service's entity, kept from that service's events and
//! applied in version order: the event that created the entity inserts it, and each
//! change after that carries the next version and applies only on top of the one
//! before. Events of one entity can arrive out of order (they travel on different
//! subjects, and a retry comes late), so a change that finds its predecessor missing
//! is refused as [`Replicated::TooEarly`] for the listener to retry; one that finds a
//! later version already there was applied before and changes nothing.

use bus::HandlerError;
use marketplace::id::{Entity, Id};
use mongodb::{
    Collection, Database,
    bson::{Document, doc},
    options::ReturnDocument,
};
use serde::de::DeserializeOwned;

/// What applying one event to a replica found.
#[derive(Debug)]
pub enum Replicated<D> {
    /// The copy as it now is: the event was applied now, or had been before.
    Current(D),
    /// An earlier version has not arrived yet.
    TooEarly,
}

impl<D> Replicated<D> {
    /// The copy, or for a listener, a retry: its predecessor is still on its way.
    pub fn in_version_order(self) -> Result<D, HandlerError> {
        match self {
            Self::Current(copy) => Ok(copy),
            Self::TooEarly => Err(HandlerError::not_yet("an earlier version has not arrived")),
        }
    }
}

/// The copies of `E`s, one document `D` each, keyed by the entity's id and carrying
/// its `version`.
pub struct VersionedReplica<E: Entity, D: Send + Sync> {
    collection: Collection<D>,
    entity: std::marker::PhantomData<fn() -> E>,
}

impl<E: Entity, D: Send + Sync> Clone for VersionedReplica<E, D> {
    fn clone(&self) -> Self {
        Self {
            collection: self.collection.clone(),
            entity: self.entity,
        }
    }
}

impl<E, D> VersionedReplica<E, D>
where
    E: Entity,
    D: DeserializeOwned + Send + Sync,
{
    pub fn new(database: &Database, collection: &str) -> Self {
        Self {
            collection: database.collection(collection),
            entity: std::marker::PhantomData,
        }
    }

    /// The documents themselves, for the service's own conditional writes on them.
    pub fn collection(&self) -> &Collection<D> {
        &self.collection
    }

    pub async fn find(&self, id: Id<E>) -> mongodb::error::Result<Option<D>> {
        self.collection
            .find_one(doc! { "_id": id.object_id() })
            .await
    }

    /// The entity's first version, `fields` (its `version` among them), inserted
    /// unless the copy already exists.
    pub async fn insert(&self, id: Id<E>, fields: Document) -> mongodb::error::Result<D> {
        let inserted = self
            .collection
            .find_one_and_update(
                doc! { "_id": id.object_id() },
                doc! { "$setOnInsert": fields },
            )
            .upsert(true)
            .return_document(ReturnDocument::After)
            .await;
        match inserted {
            Ok(Some(copy)) => Ok(copy),
            Ok(None) => Err(mongodb::error::Error::custom(
                "an upsert returned no document",
            )),
            // Two deliveries raced to insert it: the other one did.
            Err(error) if crate::mongo::is_duplicate_key(&error) => {
                self.find(id).await?.ok_or(error)
            }
            Err(error) => Err(error),
        }
    }

    /// Version `version` of the entity, `set` (which does not name `version`), applied
    /// only on top of version `version - 1`.
    pub async fn update(
        &self,
        id: Id<E>,
        version: i64,
        mut set: Document,
    ) -> mongodb::error::Result<Replicated<D>> {
        set.insert("version", version);
        let applied = self
            .collection
            .find_one_and_update(
                doc! { "_id": id.object_id(), "version": version - 1 },
                doc! { "$set": set },
            )
            .return_document(ReturnDocument::After)
            .await?;
        if let Some(copy) = applied {
            return Ok(Replicated::Current(copy));
        }
        let already = self
            .collection
            .find_one(doc! { "_id": id.object_id(), "version": { "$gte": version } })
            .await?;
        Ok(already.map_or(Replicated::TooEarly, Replicated::Current))
    }
}

//! The orders service's copy of tickets, kept from `ticket:created` and
//! `ticket:updated`, applied in version order. `heldBy` is the orders service's own
//! field: the order that holds the ticket. Reserving sets it with one conditional
//! write, which is what keeps a ticket to one holder.

use marketplace::{
    events::{TicketCreated, TicketUpdated},
    money::{Price, cents},
};
use mongodb::{
    Collection, Database,
    bson::{doc, oid::ObjectId},
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ReplicaTicket {
    #[serde(rename = "_id")]
    pub id: ObjectId,
    pub title: String,
    #[serde(with = "cents")]
    pub price: Price,
    /// The seller.
    pub user_id: String,
    pub version: i64,
    /// The order holding the ticket: reserved, or bought.
    #[serde(default)]
    pub held_by: Option<String>,
}

/// What applying a ticket event did.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Replicated {
    Applied,
    /// An old or repeated version: nothing to do.
    Stale,
    /// An earlier version has not arrived yet.
    TooEarly,
}

#[derive(Clone)]
pub(crate) struct TicketReplica {
    collection: Collection<ReplicaTicket>,
}

impl TicketReplica {
    pub fn new(database: &Database) -> Self {
        Self {
            collection: database.collection("tickets"),
        }
    }

    pub fn collection(&self) -> &Collection<ReplicaTicket> {
        &self.collection
    }

    pub async fn find(&self, id: ObjectId) -> mongodb::error::Result<Option<ReplicaTicket>> {
        self.collection.find_one(doc! { "_id": id }).await
    }

    /// Inserts the ticket unless it is already there.
    pub async fn apply_created(&self, event: &TicketCreated) -> mongodb::error::Result<Replicated> {
        let id = parse(&event.id)?;
        let insert = doc! {
            "$setOnInsert": {
                "title": &event.title,
                "price": event.price.cents(),
                "userId": &event.user_id,
                "version": event.version,
                "heldBy": null,
            }
        };
        match self
            .collection
            .update_one(doc! { "_id": id }, insert)
            .upsert(true)
            .await
        {
            Ok(result) if result.upserted_id.is_some() => Ok(Replicated::Applied),
            Ok(_) => Ok(Replicated::Stale),
            // Two deliveries raced to insert it: the other one did.
            Err(error) if storage::mongo::is_duplicate_key(&error) => Ok(Replicated::Stale),
            Err(error) => Err(error),
        }
    }

    /// Applies version `v` only on top of version `v - 1`.
    pub async fn apply_updated(&self, event: &TicketUpdated) -> mongodb::error::Result<Replicated> {
        let id = parse(&event.id)?;
        let next = doc! {
            "$set": { "title": &event.title, "price": event.price.cents(), "version": event.version }
        };
        let applied = self
            .collection
            .update_one(doc! { "_id": id, "version": event.version - 1 }, next)
            .await?;
        if applied.matched_count == 1 {
            return Ok(Replicated::Applied);
        }
        Ok(match self.find(id).await? {
            Some(current) if current.version >= event.version => Replicated::Stale,
            _ => Replicated::TooEarly,
        })
    }
}

fn parse(id: &str) -> mongodb::error::Result<ObjectId> {
    ObjectId::parse_str(id).map_err(mongodb::error::Error::custom)
}

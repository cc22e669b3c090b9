//! The payments service's copy of orders, from `order:created`, `order:cancelled` and
//! `order:completed`, applied in version order. `paid` is this service's own mark,
//! set in the same transaction that records a charge: the cancellation and the charge
//! both write this one document, so whichever commits second sees the first.

use marketplace::{
    events::OrderCreated,
    money::{Price, cents},
    order::OrderStatus,
};
use mongodb::{
    Collection, Database,
    bson::{DateTime, doc, oid::ObjectId},
    options::ReturnDocument,
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ReplicaOrder {
    #[serde(rename = "_id")]
    pub id: ObjectId,
    pub version: i64,
    pub user_id: String,
    #[serde(with = "cents")]
    pub price: Price,
    pub status: OrderStatus,
    pub expires_at: DateTime,
    #[serde(default)]
    pub paid: bool,
}

/// What applying an order event did.
#[derive(Debug)]
pub(crate) enum Replicated {
    /// Applied now, or already applied before: the order as it now is.
    Current(ReplicaOrder),
    /// An earlier version has not arrived yet.
    TooEarly,
}

#[derive(Clone)]
pub(crate) struct OrderReplica {
    collection: Collection<ReplicaOrder>,
}

impl OrderReplica {
    pub fn new(database: &Database) -> Self {
        Self {
            collection: database.collection("orders"),
        }
    }

    pub fn collection(&self) -> &Collection<ReplicaOrder> {
        &self.collection
    }

    pub async fn find(&self, id: ObjectId) -> mongodb::error::Result<Option<ReplicaOrder>> {
        self.collection.find_one(doc! { "_id": id }).await
    }

    /// Inserts the order unless it is already there.
    pub async fn apply_created(&self, event: &OrderCreated) -> mongodb::error::Result<()> {
        let id = ObjectId::parse_str(&event.id).map_err(mongodb::error::Error::custom)?;
        let insert = doc! {
            "$setOnInsert": {
                "version": event.version,
                "userId": &event.user_id,
                "price": event.ticket.price.cents(),
                "status": event.status.as_str(),
                "expiresAt": DateTime::from_time_0_3(event.expires_at),
                "paid": false,
            }
        };
        match self
            .collection
            .update_one(doc! { "_id": id }, insert)
            .upsert(true)
            .await
        {
            Ok(_) => Ok(()),
            Err(error) if storage::mongo::is_duplicate_key(&error) => Ok(()),
            Err(error) => Err(error),
        }
    }

    /// Moves the order to `status` at `version`, only on top of `version - 1`.
    pub async fn apply_status(
        &self,
        id: &str,
        version: i64,
        status: OrderStatus,
    ) -> mongodb::error::Result<Replicated> {
        let id = ObjectId::parse_str(id).map_err(mongodb::error::Error::custom)?;
        let applied = self
            .collection
            .find_one_and_update(
                doc! { "_id": id, "version": version - 1 },
                doc! { "$set": { "status": status.as_str(), "version": version } },
            )
            .return_document(ReturnDocument::After)
            .await?;
        if let Some(order) = applied {
            return Ok(Replicated::Current(order));
        }
        Ok(match self.find(id).await? {
            Some(order) if order.version >= version => Replicated::Current(order),
            _ => Replicated::TooEarly,
        })
    }
}

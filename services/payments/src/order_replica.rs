//! The payments service's copy of orders, from `order:created`, `order:cancelled` and
//! `order:completed`, applied in version order. `paid` is this service's own mark,
//! set in the same transaction that records a charge: the cancellation and the charge
//! both write this one document, so whichever commits second sees the first. The
//! ticket's seller comes with the order, for the payout of its sale.

use marketplace::{
    events::OrderCreated,
    id::{OrderId, TicketId, UserId, entity},
    money::{Price, cents},
    order::OrderStatus,
};
use mongodb::{
    Collection, Database,
    bson::{DateTime, doc},
};
use serde::{Deserialize, Serialize};
use storage::replica::{Replicated, VersionedReplica};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ReplicaOrder {
    #[serde(rename = "_id", with = "marketplace::id::object_id")]
    pub id: OrderId,
    pub version: i64,
    pub user_id: UserId,
    #[serde(with = "cents")]
    pub price: Price,
    pub status: OrderStatus,
    pub expires_at: DateTime,
    #[serde(default)]
    pub paid: bool,
    pub ticket_id: TicketId,
    /// Who sold the ticket: the one paid out when the order completes.
    pub seller_id: UserId,
}

#[derive(Clone)]
pub(crate) struct OrderReplica(VersionedReplica<entity::Order, ReplicaOrder>);

impl OrderReplica {
    pub fn new(database: &Database) -> Self {
        Self(VersionedReplica::new(database, "orders"))
    }

    pub fn collection(&self) -> &Collection<ReplicaOrder> {
        self.0.collection()
    }

    pub async fn find(&self, id: OrderId) -> mongodb::error::Result<Option<ReplicaOrder>> {
        self.0.find(id).await
    }

    /// Inserts the order unless it is already there.
    pub async fn apply_created(
        &self,
        event: &OrderCreated,
    ) -> mongodb::error::Result<ReplicaOrder> {
        let first = doc! {
            "version": event.version,
            "userId": event.user_id.to_hex(),
            "price": event.ticket.price.cents(),
            "status": event.status.as_str(),
            "expiresAt": DateTime::from_time_0_3(event.expires_at),
            "paid": false,
            "ticketId": event.ticket.id.to_hex(),
            "sellerId": event.ticket.seller_id.to_hex(),
        };
        self.0.insert(event.id, first).await
    }

    /// Moves the order to `status` at `version`, only on top of `version - 1`.
    pub async fn apply_status(
        &self,
        id: OrderId,
        version: i64,
        status: OrderStatus,
    ) -> mongodb::error::Result<Replicated<ReplicaOrder>> {
        self.0
            .update(id, version, doc! { "status": status.as_str() })
            .await
    }
}

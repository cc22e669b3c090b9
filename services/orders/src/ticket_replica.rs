//! The orders service's copy of tickets, kept from `ticket:created` and
//! `ticket:updated`, applied in version order. `heldBy` is the orders service's own
//! field: the order that holds the ticket. Reserving sets it with one conditional
//! write, which is what keeps a ticket to one holder.

use marketplace::{
    events::{TicketCreated, TicketUpdated},
    id::{OrderId, TicketId, UserId, entity},
    money::{Price, cents},
};
use mongodb::{Collection, Database, bson::doc};
use serde::{Deserialize, Serialize};
use storage::replica::{Replicated, VersionedReplica};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ReplicaTicket {
    #[serde(rename = "_id", with = "marketplace::id::object_id")]
    pub id: TicketId,
    pub title: String,
    #[serde(with = "cents")]
    pub price: Price,
    /// The seller.
    pub user_id: UserId,
    pub version: i64,
    /// The order holding the ticket: reserved, or bought.
    #[serde(default)]
    pub held_by: Option<OrderId>,
}

#[derive(Clone)]
pub(crate) struct TicketReplica(VersionedReplica<entity::Ticket, ReplicaTicket>);

impl TicketReplica {
    pub fn new(database: &Database) -> Self {
        Self(VersionedReplica::new(database, "tickets"))
    }

    pub fn collection(&self) -> &Collection<ReplicaTicket> {
        self.0.collection()
    }

    /// Inserts the ticket unless it is already there.
    pub async fn apply_created(
        &self,
        event: &TicketCreated,
    ) -> mongodb::error::Result<ReplicaTicket> {
        let first = doc! {
            "title": &event.title,
            "price": event.price.cents(),
            "userId": event.user_id.to_hex(),
            "version": event.version,
            "heldBy": null,
        };
        self.0.insert(event.id, first).await
    }

    /// The seller's edit, or a lock, release or sale (which change only the version
    /// here: who holds the ticket is this service's own business).
    pub async fn apply_updated(
        &self,
        event: &TicketUpdated,
    ) -> mongodb::error::Result<Replicated<ReplicaTicket>> {
        let change = doc! { "title": &event.title, "price": event.price.cents() };
        self.0.update(event.id, event.version, change).await
    }
}

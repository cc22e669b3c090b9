//! The orders collection. Reserving, cancelling and completing each change the order,
//! the ticket replica's holder and the outbox in one transaction.

use std::num::NonZeroU32;

use marketplace::{
    events::{OrderCancelled, OrderCompleted, OrderCreated, OrderedTicket, TicketRef},
    id::{OrderId, TicketId, UserId},
    money::{Price, cents},
    order::OrderStatus,
};
use mongodb::{
    Client, Collection, Database, IndexModel,
    bson::{DateTime, Document, doc, oid::ObjectId},
    options::ReturnDocument,
};
use serde::{Deserialize, Serialize};
use storage::{
    in_transaction,
    outbox::Outbox,
    paging::{self, Walk},
    standing_limit::{AtLimit, StandingLimit},
};
use time::OffsetDateTime;

use crate::ticket_replica::TicketReplica;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Order {
    #[serde(rename = "_id", with = "marketplace::id::object_id")]
    pub id: OrderId,
    pub user_id: UserId,
    pub status: OrderStatus,
    pub expires_at: DateTime,
    /// The ticket as it was when reserved: the buyer pays this price.
    pub ticket: OrderTicket,
    pub version: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct OrderTicket {
    pub id: TicketId,
    pub title: String,
    #[serde(with = "cents")]
    pub price: Price,
    /// Who listed it: the order's sale pays them.
    #[serde(rename = "sellerId")]
    pub seller_id: UserId,
}

impl Order {
    fn created_event(&self) -> OrderCreated {
        OrderCreated {
            id: self.id,
            version: self.version,
            status: self.status,
            user_id: self.user_id,
            expires_at: self.expires_at.to_time_0_3(),
            ticket: OrderedTicket {
                id: self.ticket.id,
                price: self.ticket.price,
                seller_id: self.ticket.seller_id,
            },
        }
    }

    fn ticket_ref(&self) -> TicketRef {
        TicketRef { id: self.ticket.id }
    }
}

/// Why a reservation was refused.
#[derive(Debug)]
pub(crate) enum ReserveRefused {
    NoSuchTicket,
    OwnTicket,
    AlreadyReserved,
    /// The buyer already holds the most unpaid orders allowed.
    TooManyUnpaid(AtLimit),
}

/// Why an order could not be cancelled or completed, or that it already was.
#[derive(Debug)]
pub(crate) enum Unchanged {
    NotFound,
    AlreadyCancelled,
    AlreadyComplete,
}

/// The statuses of orders that still hold their ticket.
fn active() -> Document {
    doc! { "$in": [OrderStatus::Created.as_str(), OrderStatus::AwaitingPayment.as_str()] }
}

/// The filter for `user_id`'s orders that count against the most a buyer may hold
/// unpaid: those that still hold their ticket.
fn unpaid_of(user_id: UserId) -> Document {
    doc! { "userId": user_id.to_hex(), "status": active() }
}

#[derive(Clone)]
pub(crate) struct Orders {
    client: Client,
    collection: Collection<Order>,
    tickets: TicketReplica,
    outbox: Outbox,
    unpaid_per_buyer: StandingLimit,
}

impl Orders {
    /// The orders in `database`, at most `most_unpaid` unpaid per buyer (`None`: no
    /// limit).
    pub fn new(
        database: &Database,
        tickets: TicketReplica,
        outbox: Outbox,
        most_unpaid: Option<NonZeroU32>,
    ) -> Self {
        Self {
            client: database.client().clone(),
            collection: database.collection("orders"),
            tickets,
            outbox,
            unpaid_per_buyer: StandingLimit::new(database, "buyers", most_unpaid),
        }
    }

    pub async fn ensure_indexes(&self) -> mongodb::error::Result<()> {
        let by_user = IndexModel::builder()
            .keys(doc! { "userId": 1, "_id": -1 })
            .build();
        self.collection.create_index(by_user).await?;
        // Serves the count of `unpaid_of`, which every reservation runs.
        let unpaid_by_user = IndexModel::builder()
            .keys(doc! { "userId": 1, "status": 1 })
            .build();
        self.collection.create_index(unpaid_by_user).await?;
        Ok(())
    }

    /// Reserves the ticket for the user until `expires_at`, unless they already hold
    /// the most unpaid orders allowed. The conditional write on the replica's
    /// `heldBy` is the single point that decides between racing buyers.
    pub async fn reserve(
        &self,
        ticket_id: TicketId,
        user_id: UserId,
        expires_at: OffsetDateTime,
    ) -> mongodb::error::Result<Result<Order, ReserveRefused>> {
        let replica = self.tickets.collection();
        let outcome = in_transaction!(self.client, |session| async {
            let room = self
                .unpaid_per_buyer
                .room_for_one_more(
                    session,
                    &user_id.to_hex(),
                    &self.collection,
                    unpaid_of(user_id),
                )
                .await?;
            if let Err(at_limit) = room {
                return Ok(Err(ReserveRefused::TooManyUnpaid(at_limit)));
            }
            let Some(ticket) = replica
                .find_one(doc! { "_id": ticket_id.object_id() })
                .session(&mut *session)
                .await?
            else {
                return Ok(Err(ReserveRefused::NoSuchTicket));
            };
            if ticket.user_id == user_id {
                return Ok(Err(ReserveRefused::OwnTicket));
            }
            let order = Order {
                id: OrderId::new(),
                user_id,
                status: OrderStatus::Created,
                expires_at: DateTime::from_time_0_3(expires_at),
                ticket: OrderTicket {
                    id: ticket.id,
                    title: ticket.title,
                    price: ticket.price,
                    seller_id: ticket.user_id,
                },
                version: 0,
            };
            let held = replica
                .update_one(
                    doc! { "_id": ticket_id.object_id(), "heldBy": null },
                    doc! { "$set": { "heldBy": order.id.to_hex() } },
                )
                .session(&mut *session)
                .await?;
            if held.modified_count == 0 {
                return Ok(Err(ReserveRefused::AlreadyReserved));
            }
            self.collection
                .insert_one(&order)
                .session(&mut *session)
                .await?;
            self.outbox.stage(session, &order.created_event()).await?;
            Ok(Ok(order))
        })
        .await?;
        if outcome.is_ok() {
            self.outbox.wake_relay();
        }
        Ok(outcome)
    }

    pub async fn find(&self, id: OrderId) -> mongodb::error::Result<Option<Order>> {
        self.collection
            .find_one(doc! { "_id": id.object_id() })
            .await
    }

    /// The user's orders of `walk`, by `_id`.
    pub async fn list_for(
        &self,
        user_id: UserId,
        walk: Walk<ObjectId>,
    ) -> mongodb::error::Result<Vec<Order>> {
        let filter = doc! { "userId": user_id.to_hex() };
        paging::read_by_key(&self.collection, &filter, "_id", walk).await
    }

    /// Cancels an active order and frees its ticket (by the buyer, or at expiry).
    pub async fn cancel(&self, id: OrderId) -> mongodb::error::Result<Result<Order, Unchanged>> {
        self.finish(id, OrderStatus::Cancelled).await
    }

    /// Completes an active order after its payment; the ticket stays held: sold.
    pub async fn complete(&self, id: OrderId) -> mongodb::error::Result<Result<Order, Unchanged>> {
        self.finish(id, OrderStatus::Complete).await
    }

    /// Moves an active order to `status` (cancelled or complete), bumping its version,
    /// releasing the ticket if cancelled, and staging the matching event.
    async fn finish(
        &self,
        id: OrderId,
        status: OrderStatus,
    ) -> mongodb::error::Result<Result<Order, Unchanged>> {
        let replica = self.tickets.collection();
        let outcome = in_transaction!(self.client, |session| async {
            let finished = self
                .collection
                .find_one_and_update(
                    doc! { "_id": id.object_id(), "status": active() },
                    doc! { "$set": { "status": status.as_str() }, "$inc": { "version": 1 } },
                )
                .return_document(ReturnDocument::After)
                .session(&mut *session)
                .await?;
            let Some(order) = finished else {
                let current = self
                    .collection
                    .find_one(doc! { "_id": id.object_id() })
                    .session(&mut *session)
                    .await?;
                return Ok(Err(match current {
                    None => Unchanged::NotFound,
                    Some(order) if order.status == OrderStatus::Complete => {
                        Unchanged::AlreadyComplete
                    }
                    Some(_) => Unchanged::AlreadyCancelled,
                }));
            };
            if status == OrderStatus::Cancelled {
                replica
                    .update_one(
                        doc! { "_id": order.ticket.id.object_id(), "heldBy": order.id.to_hex() },
                        doc! { "$set": { "heldBy": null } },
                    )
                    .session(&mut *session)
                    .await?;
                let event = OrderCancelled {
                    id: order.id,
                    version: order.version,
                    ticket: order.ticket_ref(),
                };
                self.outbox.stage(session, &event).await?;
            } else {
                let event = OrderCompleted {
                    id: order.id,
                    version: order.version,
                    ticket: order.ticket_ref(),
                };
                self.outbox.stage(session, &event).await?;
            }
            Ok(Ok(order))
        })
        .await?;
        if outcome.is_ok() {
            self.outbox.wake_relay();
        }
        Ok(outcome)
    }
}

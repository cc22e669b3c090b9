//! The payouts collection: one document per completed order (the order's id is its
//! id), so a sale is paid out at most once however often `order:completed` arrives.
//! Each move between statuses is one conditional write on the status it leaves, so
//! of two replicas (or a request and the loop) exactly one makes each move, and a
//! Stripe call is only made by whoever moved the payout into `transferring` or
//! `reversing`. A move whose process died is taken over after its lease, and finished
//! with the same idempotency key.

use std::time::Duration;

use futures::TryStreamExt;
use marketplace::{
    id::{OrderId, TicketId, UserId},
    money::{Amount, Price, amount_cents, cents},
    payout::PayoutStatus,
};
use mongodb::{
    Collection, Database, IndexModel,
    bson::{DateTime, doc, oid::ObjectId},
};
use serde::{Deserialize, Serialize};
use storage::paging::{self, Walk};

use crate::{
    order_replica::ReplicaOrder,
    payments::{Payment, PaymentStatus},
    payout_terms::PayoutTerms,
};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Payout {
    #[serde(rename = "_id", with = "marketplace::id::object_id")]
    pub order_id: OrderId,
    pub seller_id: UserId,
    pub ticket_id: TicketId,
    #[serde(with = "cents")]
    pub price: Price,
    /// What the platform keeps.
    #[serde(with = "amount_cents")]
    pub fee: Amount,
    /// What the seller is transferred: the price minus the fee.
    #[serde(with = "amount_cents")]
    pub amount: Amount,
    /// The charge the transfer comes from (`ch_…`).
    pub charge_id: String,
    /// When the hold ends.
    pub due_at: DateTime,
    pub status: PayoutStatus,
    /// The charge was refunded (by support, in Stripe's Dashboard): never transfer,
    /// and reverse a transfer already made.
    #[serde(default)]
    pub refunded: bool,
    /// When the current `transferring` or `reversing` move was claimed.
    #[serde(default)]
    pub claimed_at: Option<DateTime>,
    /// The seller's account the transfer went (or goes) to.
    #[serde(default)]
    pub destination: Option<String>,
    #[serde(default)]
    pub transfer_id: Option<String>,
    #[serde(default)]
    pub reversal_id: Option<String>,
}

#[derive(Clone)]
pub(crate) struct Payouts {
    collection: Collection<Payout>,
    /// How long a claimed move is left to whoever claimed it.
    lease: Duration,
}

/// How many payouts one pass of the loop takes of each kind; the rest wait for the
/// next pass, so a backlog never makes one unbounded read.
pub(crate) const BATCH: i64 = 50;

impl Payouts {
    pub fn new(database: &Database, lease: Duration) -> Self {
        Self {
            collection: database.collection("payouts"),
            lease,
        }
    }

    pub async fn ensure_indexes(&self) -> mongodb::error::Result<()> {
        // Each query reads only what it finds: none scans the paid payouts, which
        // grow with every sale.
        for keys in [
            // The loop's work: the due, the stale and the refunded-but-paid.
            doc! { "status": 1, "dueAt": 1 },
            doc! { "status": 1, "claimedAt": 1 },
            doc! { "refunded": 1, "status": 1 },
            // What waits for a seller's account.
            doc! { "sellerId": 1, "status": 1 },
            // A seller's list, newest first.
            doc! { "sellerId": 1, "_id": 1 },
        ] {
            self.collection
                .create_index(IndexModel::builder().keys(keys).build())
                .await?;
        }
        Ok(())
    }

    /// Records the sale of a completed order, once: a redelivered `order:completed`
    /// finds it there. A charge refunded before the order's completion was seen is
    /// recorded as refunded, never to be transferred.
    pub async fn record_sale(
        &self,
        order: &ReplicaOrder,
        payment: &Payment,
        terms: &PayoutTerms,
    ) -> mongodb::error::Result<()> {
        let split = terms.split(order.price);
        let due_at = after_now(terms.hold);
        let refunded = payment.status == PaymentStatus::Refunded;
        let status = if refunded {
            PayoutStatus::Refunded
        } else {
            PayoutStatus::Held
        };
        self.collection
            .update_one(
                doc! { "_id": order.id.object_id() },
                doc! { "$setOnInsert": {
                    "sellerId": order.seller_id.to_hex(),
                    "ticketId": order.ticket_id.to_hex(),
                    "price": order.price.cents(),
                    "fee": split.fee.cents(),
                    "amount": split.payout.cents(),
                    "chargeId": payment.charge_id.as_deref().unwrap_or_default(),
                    "dueAt": due_at,
                    "status": status.as_str(),
                    "refunded": refunded,
                } },
            )
            .upsert(true)
            .await?;
        Ok(())
    }

    /// Payouts whose hold has passed and that nobody has started, oldest first.
    pub async fn due(&self) -> mongodb::error::Result<Vec<Payout>> {
        self.collection
            .find(
                doc! { "status": "held", "dueAt": { "$lte": DateTime::now() }, "refunded": false },
            )
            .sort(doc! { "dueAt": 1 })
            .limit(BATCH)
            .await?
            .try_collect()
            .await
    }

    /// Paid payouts whose charge was refunded since.
    pub async fn to_reverse(&self) -> mongodb::error::Result<Vec<Payout>> {
        self.collection
            .find(doc! { "refunded": true, "status": "paid" })
            .limit(BATCH)
            .await?
            .try_collect()
            .await
    }

    /// Moves in `status` (`transferring` or `reversing`) whose claimer has not
    /// finished within the lease: its process died, or Stripe gave no answer.
    pub async fn stale(&self, status: PayoutStatus) -> mongodb::error::Result<Vec<Payout>> {
        self.collection
            .find(doc! { "status": status.as_str(), "claimedAt": { "$lt": self.stale_before() } })
            .limit(BATCH)
            .await?
            .try_collect()
            .await
    }

    /// The hold passed but the seller cannot be paid yet.
    pub async fn wait_for_account(&self, payout: &Payout) -> mongodb::error::Result<()> {
        self.move_from(
            payout.order_id,
            PayoutStatus::Held,
            doc! { "status": "waiting_for_account" },
        )
        .await
        .map(drop)
    }

    /// The seller's account became ready: what waited for it is due again.
    pub async fn release_waiting(&self, seller: UserId) -> mongodb::error::Result<()> {
        self.collection
            .update_many(
                doc! { "sellerId": seller.to_hex(), "status": "waiting_for_account" },
                doc! { "$set": { "status": "held" } },
            )
            .await?;
        Ok(())
    }

    /// Claims a due payout for its transfer to `destination`; `None` if another
    /// replica claimed it first or it was refunded meanwhile.
    pub async fn claim_transfer(
        &self,
        payout: &Payout,
        destination: &str,
    ) -> mongodb::error::Result<Option<Payout>> {
        self.collection
            .find_one_and_update(
                doc! { "_id": payout.order_id.object_id(), "status": "held", "refunded": false },
                doc! { "$set": {
                    "status": "transferring",
                    "claimedAt": DateTime::now(),
                    "destination": destination,
                } },
            )
            .return_document(mongodb::options::ReturnDocument::After)
            .await
    }

    /// Claims a paid, refunded payout for its reversal.
    pub async fn claim_reversal(&self, payout: &Payout) -> mongodb::error::Result<Option<Payout>> {
        self.collection
            .find_one_and_update(
                doc! { "_id": payout.order_id.object_id(), "status": "paid", "refunded": true },
                doc! { "$set": { "status": "reversing", "claimedAt": DateTime::now() } },
            )
            .return_document(mongodb::options::ReturnDocument::After)
            .await
    }

    /// Renews a stale claim; `None` if someone else renewed or finished it.
    pub async fn take_over(&self, payout: &Payout) -> mongodb::error::Result<Option<Payout>> {
        self.collection
            .find_one_and_update(
                doc! {
                    "_id": payout.order_id.object_id(),
                    "status": payout.status.as_str(),
                    "claimedAt": { "$lt": self.stale_before() },
                },
                doc! { "$set": { "claimedAt": DateTime::now() } },
            )
            .return_document(mongodb::options::ReturnDocument::After)
            .await
    }

    pub async fn record_transfer(
        &self,
        payout: &Payout,
        transfer_id: &str,
    ) -> mongodb::error::Result<()> {
        self.move_from(
            payout.order_id,
            PayoutStatus::Transferring,
            doc! { "status": "paid", "transferId": transfer_id },
        )
        .await
        .map(drop)
    }

    /// Stripe refused the transfer: it is tried again after `retry_in`.
    pub async fn put_back(
        &self,
        payout: &Payout,
        retry_in: Duration,
    ) -> mongodb::error::Result<()> {
        self.move_from(
            payout.order_id,
            PayoutStatus::Transferring,
            doc! { "status": "held", "dueAt": after_now(retry_in) },
        )
        .await
        .map(drop)
    }

    pub async fn record_reversal(
        &self,
        payout: &Payout,
        reversal_id: &str,
    ) -> mongodb::error::Result<()> {
        self.move_from(
            payout.order_id,
            PayoutStatus::Reversing,
            doc! { "status": "reversed", "reversalId": reversal_id },
        )
        .await
        .map(drop)
    }

    /// The order's charge was refunded: a payout not transferred yet never will be;
    /// one transferred (or being transferred) is reversed by the loop. Repeating it
    /// changes nothing.
    pub async fn mark_refunded(&self, order_id: OrderId) -> mongodb::error::Result<()> {
        let untransferred = doc! { "$in": ["held", "waiting_for_account"] };
        let stopped = self
            .collection
            .update_one(
                doc! { "_id": order_id.object_id(), "status": untransferred },
                doc! { "$set": { "status": "refunded", "refunded": true } },
            )
            .await?;
        if stopped.matched_count == 0 {
            self.collection
                .update_one(
                    doc! { "_id": order_id.object_id() },
                    doc! { "$set": { "refunded": true } },
                )
                .await?;
        }
        Ok(())
    }

    /// A page of the seller's payouts.
    pub async fn list_for(
        &self,
        seller: UserId,
        walk: Walk<ObjectId>,
    ) -> mongodb::error::Result<Vec<Payout>> {
        let filter = doc! { "sellerId": seller.to_hex() };
        paging::read_by_key(&self.collection, &filter, "_id", walk).await
    }

    /// Moves the payout out of `from` with `set`; `false` if it was not in `from`.
    async fn move_from(
        &self,
        order_id: OrderId,
        from: PayoutStatus,
        set: mongodb::bson::Document,
    ) -> mongodb::error::Result<bool> {
        let moved = self
            .collection
            .update_one(
                doc! { "_id": order_id.object_id(), "status": from.as_str() },
                doc! { "$set": set },
            )
            .await?;
        Ok(moved.matched_count == 1)
    }

    fn stale_before(&self) -> DateTime {
        before_now(self.lease)
    }
}

/// The moment `offset` after now.
fn after_now(offset: Duration) -> DateTime {
    DateTime::from_millis(
        DateTime::now()
            .timestamp_millis()
            .saturating_add(millis(offset)),
    )
}

/// The moment `offset` before now.
fn before_now(offset: Duration) -> DateTime {
    DateTime::from_millis(
        DateTime::now()
            .timestamp_millis()
            .saturating_sub(millis(offset)),
    )
}

fn millis(offset: Duration) -> i64 {
    i64::try_from(offset.as_millis()).unwrap_or(i64::MAX)
}

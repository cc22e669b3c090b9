//! The payments collection. A payment starts as a claim (`charging`), one per order by
//! a unique index, so two concurrent requests cannot both charge: this holds even if
//! Stripe's idempotency did not. The claim becomes `succeeded` in the transaction that
//! marks the order paid and stages `payment:created`, or is deleted if the card is
//! declined (nothing stored). A claim left `charging` by a crash is taken over later
//! and finished with the same idempotency key, so Stripe replays the first result.

use std::time::Duration;

use futures::TryStreamExt;
use marketplace::{
    events::PaymentCreated,
    id::{OrderId, PaymentId},
    money::{Price, cents},
    order::OrderStatus,
};
use mongodb::{
    Client, Collection, Database, IndexModel,
    bson::{DateTime, doc},
};
use serde::{Deserialize, Serialize};
use storage::{collections::unique_index, in_transaction, outbox::Outbox};

use crate::{order_replica::OrderReplica, stripe_gateway::Charged, token::Token};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum PaymentStatus {
    /// Claimed; the charge is being made (or its outcome is not known yet).
    Charging,
    /// Charged, for an order that holds its ticket.
    Succeeded,
    /// Charged, but the order was cancelled: the charge must be refunded.
    RefundDue,
    Refunded,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Payment {
    #[serde(rename = "_id", with = "marketplace::id::object_id")]
    pub id: PaymentId,
    pub order_id: OrderId,
    pub status: PaymentStatus,
    #[serde(with = "cents")]
    pub amount: Price,
    /// The payment method the buyer's browser produced.
    pub payment_method: Token,
    pub claimed_at: DateTime,
    #[serde(default)]
    pub stripe_id: Option<String>,
    /// The charge the PaymentIntent made (`ch_…`): a seller's transfer comes from it.
    #[serde(default)]
    pub charge_id: Option<String>,
    #[serde(default)]
    pub refund_id: Option<String>,
}

/// Why a new payment could not start.
#[derive(Debug)]
pub(crate) enum ClaimRefused {
    AlreadyPaid,
    InProgress,
}

/// What recording a successful charge found.
#[derive(Debug)]
pub(crate) enum Recorded {
    Paid(Payment),
    /// The order was cancelled while the card was being charged: the payment is now
    /// due for a refund.
    OrderCancelled(Payment),
    /// Another attempt at the same claim (a recovery, a slow request) recorded it first.
    ByAnotherAttempt,
}

#[derive(Clone)]
pub(crate) struct Payments {
    /// How long a `charging` claim is left to its request before another may finish it.
    claim_lease: Duration,
    client: Client,
    collection: Collection<Payment>,
    orders: OrderReplica,
    outbox: Outbox,
}

impl Payments {
    pub fn new(
        database: &Database,
        orders: OrderReplica,
        outbox: Outbox,
        claim_lease: Duration,
    ) -> Self {
        Self {
            claim_lease,
            client: database.client().clone(),
            collection: database.collection("payments"),
            orders,
            outbox,
        }
    }

    pub async fn ensure_indexes(&self) -> mongodb::error::Result<()> {
        let one_per_order = unique_index(doc! { "orderId": 1 }, "order_unique");
        self.collection.create_index(one_per_order).await?;
        // Stripe's events name the PaymentIntent.
        let by_intent = IndexModel::builder().keys(doc! { "stripeId": 1 }).build();
        self.collection.create_index(by_intent).await?;
        Ok(())
    }

    /// The charge of a completed order: succeeded, or refunded since.
    pub async fn charge_of(&self, order_id: OrderId) -> mongodb::error::Result<Option<Payment>> {
        self.collection
            .find_one(doc! {
                "orderId": order_id.to_hex(),
                "status": { "$in": ["succeeded", "refunded"] },
            })
            .await
    }

    /// Stripe says the PaymentIntent's charge was refunded in full: a refund this
    /// service made (a cancelled order's) is already recorded; one made elsewhere (by
    /// support, in Stripe's Dashboard) is recorded now. Returns the order of a
    /// refunded payment, so that its payout can be stopped or reversed; repeating it
    /// (Stripe redelivers events) changes nothing more.
    pub async fn record_refund(
        &self,
        payment_intent: &str,
        refund_id: Option<&str>,
    ) -> mongodb::error::Result<Option<OrderId>> {
        self.collection
            .update_one(
                doc! { "stripeId": payment_intent, "status": "succeeded" },
                doc! { "$set": { "status": "refunded", "refundId": refund_id } },
            )
            .await?;
        let payment = self
            .collection
            .find_one(doc! { "stripeId": payment_intent, "status": "refunded" })
            .await?;
        Ok(payment.map(|payment| payment.order_id))
    }

    /// Starts the one payment of the order, or takes over a claim whose request died.
    pub async fn claim(
        &self,
        order_id: OrderId,
        amount: Price,
        payment_method: &Token,
    ) -> mongodb::error::Result<Result<Payment, ClaimRefused>> {
        let claim = Payment {
            id: PaymentId::new(),
            order_id,
            status: PaymentStatus::Charging,
            amount,
            payment_method: payment_method.clone(),
            claimed_at: DateTime::now(),
            stripe_id: None,
            charge_id: None,
            refund_id: None,
        };
        match self.collection.insert_one(&claim).await {
            Ok(_) => return Ok(Ok(claim)),
            Err(error) if storage::mongo::is_duplicate_key(&error) => {}
            Err(error) => return Err(error),
        }
        let Some(existing) = self
            .collection
            .find_one(doc! { "orderId": order_id.to_hex() })
            .await?
        else {
            return Ok(Err(ClaimRefused::InProgress));
        };
        if existing.status != PaymentStatus::Charging {
            return Ok(Err(ClaimRefused::AlreadyPaid));
        }
        Ok(self
            .take_over(&existing)
            .await?
            .ok_or(ClaimRefused::InProgress))
    }

    /// Renews a `charging` claim whose lease ran out; `None` if it is still held.
    pub async fn take_over(&self, claim: &Payment) -> mongodb::error::Result<Option<Payment>> {
        let stale_before = self.stale_before();
        let renewed = self
            .collection
            .find_one_and_update(
                doc! { "_id": claim.id.object_id(), "status": "charging", "claimedAt": { "$lt": stale_before } },
                doc! { "$set": { "claimedAt": DateTime::now() } },
            )
            .return_document(mongodb::options::ReturnDocument::After)
            .await?;
        Ok(renewed)
    }

    /// Claims left `charging` past their lease (their request died mid-charge).
    pub async fn stale_claims(&self) -> mongodb::error::Result<Vec<Payment>> {
        let stale_before = self.stale_before();
        self.collection
            .find(doc! { "status": "charging", "claimedAt": { "$lt": stale_before } })
            .await?
            .try_collect()
            .await
    }

    /// Claims older than this have lost their lease.
    fn stale_before(&self) -> DateTime {
        let lease_ms = i64::try_from(self.claim_lease.as_millis()).unwrap_or(i64::MAX);
        DateTime::from_millis(DateTime::now().timestamp_millis().saturating_sub(lease_ms))
    }

    /// Forgets a claim whose charge did not happen.
    pub async fn release(&self, claim: &Payment) -> mongodb::error::Result<()> {
        self.collection
            .delete_one(doc! { "_id": claim.id.object_id(), "status": "charging" })
            .await?;
        Ok(())
    }

    /// Records the successful charge. In one transaction: moves the claim out of
    /// `charging` (once only), marks the order paid unless it was cancelled, and
    /// stages `payment:created` for a paid order, or records the refund as due.
    pub async fn record_success(
        &self,
        claim: &Payment,
        charged: &Charged,
    ) -> mongodb::error::Result<Recorded> {
        let stripe_id = charged.payment_intent.as_str();
        let recorded = in_transaction!(self.client, |session| async {
            let marked = self
                .orders
                .collection()
                .update_one(
                    doc! { "_id": claim.order_id.object_id(), "status": { "$ne": OrderStatus::Cancelled.as_str() } },
                    doc! { "$set": { "paid": true } },
                )
                .session(&mut *session)
                .await?;
            let status = if marked.matched_count == 1 {
                PaymentStatus::Succeeded
            } else {
                PaymentStatus::RefundDue
            };
            let moved = self
                .collection
                .update_one(
                    doc! { "_id": claim.id.object_id(), "status": "charging" },
                    doc! { "$set": {
                        "status": status_name(status),
                        "stripeId": stripe_id,
                        "chargeId": charged.charge.as_deref(),
                    } },
                )
                .session(&mut *session)
                .await?;
            if moved.matched_count == 0 {
                // The first record already marked the order; nothing more to write.
                return Ok(Recorded::ByAnotherAttempt);
            }
            let mut payment = claim.clone();
            payment.status = status;
            payment.stripe_id = Some(stripe_id.to_owned());
            payment.charge_id.clone_from(&charged.charge);
            if status == PaymentStatus::RefundDue {
                return Ok(Recorded::OrderCancelled(payment));
            }
            let event = PaymentCreated {
                id: payment.id,
                order_id: payment.order_id,
                stripe_id: stripe_id.to_owned(),
            };
            self.outbox.stage(session, &event).await?;
            Ok(Recorded::Paid(payment))
        })
        .await?;
        if matches!(recorded, Recorded::Paid(_)) {
            self.outbox.wake_relay();
        }
        Ok(recorded)
    }

    /// The order was cancelled: its charge, if any, is now due for a refund.
    pub async fn refund_due_for(&self, order_id: OrderId) -> mongodb::error::Result<Vec<Payment>> {
        let order_id = order_id.to_hex();
        self.collection
            .update_many(
                doc! { "orderId": &order_id, "status": "succeeded" },
                doc! { "$set": { "status": "refund_due" } },
            )
            .await?;
        self.collection
            .find(doc! { "orderId": &order_id, "status": "refund_due" })
            .await?
            .try_collect()
            .await
    }

    /// Every payment waiting for its refund.
    pub async fn due_refunds(&self) -> mongodb::error::Result<Vec<Payment>> {
        self.collection
            .find(doc! { "status": "refund_due" })
            .await?
            .try_collect()
            .await
    }

    pub async fn mark_refunded(
        &self,
        payment: &Payment,
        refund_id: &str,
    ) -> mongodb::error::Result<()> {
        self.collection
            .update_one(
                doc! { "_id": payment.id.object_id(), "status": "refund_due" },
                doc! { "$set": { "status": "refunded", "refundId": refund_id } },
            )
            .await?;
        Ok(())
    }
}

/// The stored name of a status.
fn status_name(status: PaymentStatus) -> &'static str {
    match status {
        PaymentStatus::Charging => "charging",
        PaymentStatus::Succeeded => "succeeded",
        PaymentStatus::RefundDue => "refund_due",
        PaymentStatus::Refunded => "refunded",
    }
}

//! What the audit reads, as typed documents: each field it checks is required, so a
//! renamed or missing field is an error, never a silent `""`, `-1` or `false`. Only
//! the fields the audit checks are named; the others are ignored.

use marketplace::{order::OrderStatus, payout::PayoutStatus};
use mongodb::bson::{DateTime, oid::ObjectId};
use serde::{Deserialize, Deserializer};

/// A document of the tickets service's `tickets`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ticket {
    #[serde(rename = "_id")]
    pub id: ObjectId,
    pub version: i64,
    /// The order that holds or bought it; stored as `null` when none does.
    #[serde(deserialize_with = "present_but_nullable")]
    pub order_id: Option<String>,
    pub sold: bool,
}

/// A document of the orders service's `orders`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    #[serde(rename = "_id")]
    pub id: ObjectId,
    pub status: OrderStatus,
    pub expires_at: DateTime,
    pub ticket: OrderedTicket,
    pub version: i64,
}

/// The ticket an order holds.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderedTicket {
    pub id: String,
    /// In cents.
    pub price: i64,
    pub seller_id: String,
}

/// A document of the payments service's `payments`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Payment {
    pub order_id: String,
    pub status: PaymentStatus,
}

/// Where a payment is, as the payments service stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    /// The charge is being made, or its outcome is not known yet.
    Charging,
    Succeeded,
    /// Charged for an order that was cancelled meanwhile: to be refunded.
    RefundDue,
    Refunded,
}

/// A document of the payments service's `payouts`: one per completed order.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Payout {
    /// The order's id.
    #[serde(rename = "_id")]
    pub order_id: ObjectId,
    pub status: PayoutStatus,
    pub due_at: DateTime,
}

/// A document of the payments service's `payoutAccounts`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PayoutAccount {
    /// The seller.
    #[serde(rename = "_id")]
    pub seller_id: String,
    pub stripe_account_id: String,
    pub ready: bool,
}

/// A replica's copy (orders' of a ticket, payments' of an order): which version of
/// the original it holds.
#[derive(Debug, Clone, Deserialize)]
pub struct ReplicaCopy {
    #[serde(rename = "_id")]
    pub id: ObjectId,
    pub version: i64,
}

/// The Stripe fake's ledger (`GET /_fake/ledger`): money that moved.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Ledger {
    pub charges: Vec<Charge>,
    pub refunds: Vec<Refund>,
    pub transfers: Vec<Transfer>,
    pub transfer_reversals: Vec<TransferReversal>,
}

/// Money moved from a charge to a seller's connected account.
#[derive(Debug, Clone, Deserialize)]
pub struct Transfer {
    pub id: String,
    pub amount: i64,
    pub destination: String,
    pub metadata: ChargeMetadata,
}

/// Money taken back from a transfer.
#[derive(Debug, Clone, Deserialize)]
pub struct TransferReversal {
    pub transfer: String,
    pub amount: i64,
}

/// A successful charge, made by confirming a PaymentIntent.
#[derive(Debug, Clone, Deserialize)]
pub struct Charge {
    pub payment_intent: String,
    pub amount: i64,
    pub metadata: ChargeMetadata,
}

/// What the payments service tags each PaymentIntent and transfer with.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChargeMetadata {
    pub order_id: String,
}

/// A refund of a PaymentIntent's charge.
#[derive(Debug, Clone, Deserialize)]
pub struct Refund {
    pub payment_intent: String,
    pub amount: i64,
}

/// A field that must be there, though it may be `null`: serde would read a missing
/// `Option` as `None`.
fn present_but_nullable<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::deserialize(deserializer)
}

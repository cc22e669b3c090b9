//! The API's answers as the contract gives them. Every field the contract always sends
//! is required, so a renamed field fails loudly instead of reading as a default.

use marketplace::{money::Price, order::OrderStatus};
use serde::Deserialize;
use time::OffsetDateTime;

/// A signed-up user.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct User {
    pub id: String,
    pub email: String,
}

/// A listed ticket.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ticket {
    pub id: String,
    pub title: String,
    pub price: Price,
    pub user_id: String,
    pub version: i64,
    /// The order that holds or bought it; absent while it is for sale.
    #[serde(default)]
    pub order_id: Option<String>,
    pub status: TicketStatus,
}

/// Whether a ticket can be bought.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TicketStatus {
    Available,
    Reserved,
    Sold,
}

/// An order, with the ticket it holds.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    pub id: String,
    pub user_id: String,
    pub status: OrderStatus,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    pub ticket: OrderTicket,
    pub version: i64,
}

/// The ticket an order holds, at the price it was reserved at.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct OrderTicket {
    pub id: String,
    pub title: String,
    pub price: Price,
}

/// An accepted payment.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Payment {
    pub id: String,
}

/// A seller's payout account.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PayoutAccount {
    pub connected: bool,
    pub ready: bool,
    /// Stripe's onboarding page, while the account is not ready.
    #[serde(default)]
    pub onboarding_url: Option<String>,
}

/// One entry of the contract's error body, `{"errors": [{"message", "field"?}]}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ErrorEntry {
    pub message: String,
    #[serde(default)]
    pub field: Option<String>,
}

/// The contract's error body.
#[derive(Deserialize)]
pub(crate) struct ErrorBody {
    pub errors: Vec<ErrorEntry>,
}

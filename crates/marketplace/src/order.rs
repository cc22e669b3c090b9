//! What an order is in every service that keeps one: its status.

use serde::{Deserialize, Serialize};
use utoipa::{
    PartialSchema, ToSchema,
    openapi::{
        RefOr, Schema,
        schema::{Object, Type},
    },
};

/// The life of an order. `awaiting:payment` is kept from the original's vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OrderStatus {
    /// Reserved: the ticket is held for the buyer until `expiresAt`.
    #[serde(rename = "created")]
    Created,
    /// Cancelled by the buyer, by expiry, or because the ticket was taken.
    #[serde(rename = "cancelled")]
    Cancelled,
    #[serde(rename = "awaiting:payment")]
    AwaitingPayment,
    /// Paid: the ticket is sold.
    #[serde(rename = "complete")]
    Complete,
}

impl OrderStatus {
    /// The status as stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Cancelled => "cancelled",
            Self::AwaitingPayment => "awaiting:payment",
            Self::Complete => "complete",
        }
    }
}

impl PartialSchema for OrderStatus {
    fn schema() -> RefOr<Schema> {
        use OrderStatus::{AwaitingPayment, Cancelled, Complete, Created};
        // The match is exhaustive, so a new status does not compile until it is
        // listed here too.
        let statuses = [Created, Cancelled, AwaitingPayment, Complete].map(|status| match status {
            Created | Cancelled | AwaitingPayment | Complete => status.as_str(),
        });
        Object::builder()
            .schema_type(Type::String)
            .enum_values(Some(statuses))
            .into()
    }
}

impl ToSchema for OrderStatus {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_statuses_keep_their_original_spelling() {
        let json = serde_json::to_string(&OrderStatus::AwaitingPayment).unwrap();
        assert_eq!(json, "\"awaiting:payment\"");
    }

    #[test]
    fn every_order_status_in_the_schema_is_one_serde_reads() {
        let schema = serde_json::to_value(OrderStatus::schema()).unwrap();
        let listed = schema["enum"].as_array().unwrap();
        assert_eq!(listed.len(), 4);
        for status in listed {
            serde_json::from_value::<OrderStatus>(status.clone()).unwrap();
        }
    }
}

//! The payloads of the seven events. Field names are camelCase on the wire, as in the
//! original system; ids are typed ([`crate::id`]) and travel as 24-hex strings; prices
//! are [`Price`]s.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::subjects::{Event, Subject};
use crate::{
    id::{OrderId, PaymentId, TicketId, UserId},
    money::Price,
    order::OrderStatus,
};

/// A ticket was listed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TicketCreated {
    pub id: TicketId,
    pub version: i64,
    pub title: String,
    pub price: Price,
    pub user_id: UserId,
}

/// A ticket changed: edited by its seller, locked, unlocked or sold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TicketUpdated {
    pub id: TicketId,
    pub version: i64,
    pub title: String,
    pub price: Price,
    pub user_id: UserId,
    /// The order holding the ticket, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<OrderId>,
}

/// The ticket part of `order:created`: what the buyer locked, at which price, and
/// whose it is (the seller, whom payments pays once the order is complete).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderedTicket {
    pub id: TicketId,
    pub price: Price,
    pub seller_id: UserId,
}

/// A reference to a ticket by id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketRef {
    pub id: TicketId,
}

/// A buyer reserved a ticket until `expires_at`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderCreated {
    pub id: OrderId,
    pub version: i64,
    pub status: OrderStatus,
    pub user_id: UserId,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    pub ticket: OrderedTicket,
}

/// An order was cancelled; its ticket is free again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderCancelled {
    pub id: OrderId,
    pub version: i64,
    pub ticket: TicketRef,
}

/// An order was paid; its ticket is sold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderCompleted {
    pub id: OrderId,
    pub version: i64,
    pub ticket: TicketRef,
}

/// An order's reservation ran out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExpirationComplete {
    pub order_id: OrderId,
}

/// An order was charged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentCreated {
    pub id: PaymentId,
    pub order_id: OrderId,
    pub stripe_id: String,
}

/// A user signed out: the session with this token id is void everywhere from now on,
/// though its cookie would still verify until `expires_at`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionRevoked {
    /// The token's `jti`.
    pub id: String,
    /// When the token expires anyway; the revocation can be forgotten after that.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

/// Versioned events are identified by entity and version: each version is one change.
macro_rules! versioned_event {
    ($($payload:ident => $subject:ident),* $(,)?) => {$(
        impl Event for $payload {
            const SUBJECT: Subject = Subject::$subject;

            fn message_id(&self) -> String {
                format!("{}:{}:{}", Self::SUBJECT, self.id, self.version)
            }
        }
    )*};
}

versioned_event! {
    TicketCreated => TicketCreated,
    TicketUpdated => TicketUpdated,
    OrderCreated => OrderCreated,
    OrderCancelled => OrderCancelled,
    OrderCompleted => OrderCompleted,
}

impl Event for ExpirationComplete {
    const SUBJECT: Subject = Subject::ExpirationComplete;

    fn message_id(&self) -> String {
        format!("{}:{}", Self::SUBJECT, self.order_id)
    }
}

impl Event for SessionRevoked {
    const SUBJECT: Subject = Subject::SessionRevoked;

    fn message_id(&self) -> String {
        format!("{}:{}", Self::SUBJECT, self.id)
    }
}

impl Event for PaymentCreated {
    const SUBJECT: Subject = Subject::PaymentCreated;

    fn message_id(&self) -> String {
        format!("{}:{}", Self::SUBJECT, self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORDER: &str = "65f1c0ffee000000000000a1";
    const USER: &str = "65f1c0ffee000000000000b2";
    const TICKET: &str = "65f1c0ffee000000000000c3";
    const SELLER: &str = "65f1c0ffee000000000000d4";

    #[test]
    fn payloads_use_the_original_camel_case_wire_names() {
        let event = OrderCreated {
            id: ORDER.parse().unwrap(),
            version: 0,
            status: OrderStatus::Created,
            user_id: USER.parse().unwrap(),
            expires_at: OffsetDateTime::from_unix_timestamp(0).unwrap(),
            ticket: OrderedTicket {
                id: TICKET.parse().unwrap(),
                price: Price::from_cents(2550).unwrap(),
                seller_id: SELLER.parse().unwrap(),
            },
        };
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "id": ORDER, "version": 0, "status": "created", "userId": USER,
                "expiresAt": "1970-01-01T00:00:00Z",
                "ticket": {"id": TICKET, "price": 25.5, "sellerId": SELLER}
            })
        );
        assert_eq!(serde_json::from_value::<OrderCreated>(json).unwrap(), event);
    }

    #[test]
    fn each_version_of_an_entity_is_a_distinct_message() {
        let v1 = OrderCancelled {
            id: ORDER.parse().unwrap(),
            version: 1,
            ticket: TicketRef {
                id: TICKET.parse().unwrap(),
            },
        };
        let v2 = OrderCancelled {
            version: 2,
            ..v1.clone()
        };
        assert_eq!(v1.message_id(), format!("order:cancelled:{ORDER}:1"));
        assert_ne!(v1.message_id(), v2.message_id());
    }
}

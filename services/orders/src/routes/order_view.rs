use marketplace::{
    id::{OrderId, TicketId, UserId},
    money::Price,
    order::OrderStatus,
};
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::orders::Order;

/// An order as the API shows it, with its ticket embedded.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OrderView {
    id: OrderId,
    user_id: UserId,
    status: OrderStatus,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    expires_at: OffsetDateTime,
    ticket: TicketView,
    version: i64,
}

/// The ticket an order holds, at the price it was reserved at.
#[derive(Serialize, ToSchema)]
pub(crate) struct TicketView {
    id: TicketId,
    title: String,
    price: Price,
}

impl From<Order> for OrderView {
    fn from(order: Order) -> Self {
        Self {
            id: order.id,
            user_id: order.user_id,
            status: order.status,
            expires_at: order.expires_at.to_time_0_3(),
            ticket: TicketView {
                id: order.ticket.id,
                title: order.ticket.title,
                price: order.ticket.price,
            },
            version: order.version,
        }
    }
}

use marketplace::{
    id::{OrderId, TicketId, UserId},
    money::Price,
};
use serde::Serialize;
use utoipa::ToSchema;

use crate::tickets::Ticket;

/// Whether a ticket can be bought.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum TicketStatus {
    Available,
    /// An order holds it while its buyer pays.
    Reserved,
    Sold,
}

/// A ticket as the API shows it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TicketView {
    id: TicketId,
    title: String,
    price: Price,
    user_id: UserId,
    version: i64,
    /// The order that holds or bought it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    order_id: Option<OrderId>,
    status: TicketStatus,
}

impl From<Ticket> for TicketView {
    fn from(ticket: Ticket) -> Self {
        let status = match (&ticket.order_id, ticket.sold) {
            (_, true) => TicketStatus::Sold,
            (Some(_), false) => TicketStatus::Reserved,
            (None, false) => TicketStatus::Available,
        };
        Self {
            id: ticket.id,
            title: ticket.title.as_str().to_owned(),
            price: ticket.price,
            user_id: ticket.user_id,
            version: ticket.version,
            order_id: ticket.order_id,
            status,
        }
    }
}

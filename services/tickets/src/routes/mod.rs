//! The `/api/tickets` routes, one file per route.

mod list_tickets;
mod new_ticket;
mod show_ticket;
mod update_ticket;

use axum::Router;
use httpkit::{Error, validate_both};
use marketplace::{
    id::{OrderId, TicketId, UserId},
    money::Price,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{startup::AppState, tickets::Ticket, title::Title};

pub(crate) fn router() -> Router<AppState> {
    httpkit::openapi::serve_documented(
        "/api/tickets",
        "tickets",
        OpenApiRouter::new()
            .routes(routes!(new_ticket::new_ticket, list_tickets::list_tickets))
            .routes(routes!(list_tickets::list_my_tickets))
            .routes(routes!(
                show_ticket::show_ticket,
                update_ticket::update_ticket
            )),
    )
}

/// The body of create and update. Fields arrive as raw JSON so that a missing field or
/// a wrong type is reported with its field named, like an invalid value; the schema
/// says what is valid.
#[derive(Deserialize, ToSchema)]
pub(crate) struct TicketForm {
    #[serde(default)]
    #[schema(value_type = Title, required = true)]
    title: Option<Value>,
    #[serde(default)]
    #[schema(value_type = Price, required = true)]
    price: Option<Value>,
}

impl TicketForm {
    fn parse(self) -> Result<(Title, Price), Error> {
        let title = match self.title {
            Some(Value::String(title)) => Title::parse(&title),
            _ => Err(Error::invalid("title", "Title is required")),
        };
        let price = match self.price {
            Some(Value::Number(amount)) => amount
                .as_f64()
                .ok_or_else(|| Error::invalid("price", "Price must be a number"))
                .and_then(|amount| {
                    Price::from_amount(amount)
                        .map_err(|error| Error::invalid("price", error.to_string()))
                }),
            None | Some(Value::Null) => Err(Error::invalid("price", "Price is required")),
            Some(_) => Err(Error::invalid("price", "Price must be a number")),
        };
        validate_both(title, price)
    }
}

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

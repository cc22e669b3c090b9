use std::time::Duration;

use axum::{
    extract::{FromRef, State},
    http::StatusCode,
};
use common::{
    Error, Result,
    extract::{Json, parse_id},
    session::CurrentUser,
};
use serde::Deserialize;
use serde_json::Value;
use time::OffsetDateTime;

use super::OrderView;
use crate::{
    orders::{Orders, ReserveRefused},
    startup::AppState,
};

/// How long a new order holds its ticket.
#[derive(Clone, Copy)]
pub(crate) struct OrderExpiration(pub Duration);

impl FromRef<AppState> for OrderExpiration {
    fn from_ref(state: &AppState) -> Self {
        state.expiration
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct NewOrder {
    #[serde(default)]
    ticket_id: Option<Value>,
}

/// `POST /api/orders`: reserves the ticket for the caller until `expiresAt` and
/// announces `order:created`.
pub(crate) async fn new_order(
    CurrentUser(user): CurrentUser,
    State(orders): State<Orders>,
    State(OrderExpiration(expiration)): State<OrderExpiration>,
    Json(body): Json<NewOrder>,
) -> Result<(StatusCode, Json<OrderView>)> {
    let ticket_id = match body.ticket_id {
        Some(Value::String(raw)) => parse_id(&raw, "ticketId")?,
        _ => return Err(Error::invalid("ticketId", "ticketId must be provided")),
    };
    let expires_at = OffsetDateTime::now_utc() + expiration;
    match orders.reserve(ticket_id, &user.id, expires_at).await? {
        Ok(order) => Ok((StatusCode::CREATED, Json(order.into()))),
        Err(ReserveRefused::NoSuchTicket) => Err(Error::NotFound),
        Err(ReserveRefused::OwnTicket) => Err(Error::BadRequest(
            "You cannot buy your own ticket".to_owned(),
        )),
        Err(ReserveRefused::AlreadyReserved) => {
            Err(Error::BadRequest("Ticket is already reserved".to_owned()))
        }
    }
}

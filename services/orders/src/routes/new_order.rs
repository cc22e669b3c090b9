use axum::{extract::State, http::StatusCode};
use httpkit::{
    Error, Result,
    error::ErrorBody,
    extract::{Json, parse_id},
    openapi::{NotAuthorized, NotFound, TooManyRequests},
    session::CurrentUser,
};
use marketplace::id::TicketId;
use serde::Deserialize;
use serde_json::Value;
use storage::{rate_limit::RateLimit, standing_limit::AtLimit};
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::order_view::OrderView;
use crate::{
    orders::{Orders, ReserveRefused},
    state::OrderExpiration,
};

/// The body of a reservation; the field arrives as raw JSON so that a missing or
/// mistyped one is reported with its field named.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct NewOrder {
    #[serde(default)]
    #[schema(value_type = TicketId, required = true)]
    ticket_id: Option<Value>,
}

/// `POST /api/orders`: reserves the ticket for the caller until `expiresAt` and
/// announces `order:created`.
#[utoipa::path(
    post,
    path = "/api/orders",
    request_body = NewOrder,
    responses(
        (status = CREATED, description = "Reserved until `expiresAt`", body = OrderView),
        (status = BAD_REQUEST, description = "Invalid ticketId, malformed JSON, \"Ticket is already reserved\", the caller's own ticket, or the most unpaid orders a buyer may hold", body = ErrorBody),
        NotAuthorized,
        NotFound,
        TooManyRequests,
    ),
    security(("session" = [])),
)]
pub(crate) async fn new_order(
    CurrentUser(user): CurrentUser,
    State(orders): State<Orders>,
    State(OrderExpiration(expiration)): State<OrderExpiration>,
    State(order_rate): State<RateLimit>,
    Json(body): Json<NewOrder>,
) -> Result<(StatusCode, Json<OrderView>)> {
    let ticket_id = match body.ticket_id {
        Some(Value::String(raw)) => parse_id(&raw, "ticketId")?,
        _ => return Err(Error::invalid("ticketId", "ticketId must be provided")),
    };
    // Counted once the ticket id is valid: a malformed request reserves nothing,
    // and a person correcting one should not use up their allowance. A reservation
    // refused for its ticket (taken, missing, the buyer's own) counts: it cost the
    // transaction.
    order_rate.count(&user.id.to_hex()).await??;
    let expires_at = OffsetDateTime::now_utc() + expiration;
    match orders.reserve(ticket_id, user.id, expires_at).await? {
        Ok(order) => {
            tracing::info!(order_id = %order.id, %ticket_id, expires_at = %order.expires_at, "reserved a ticket");
            Ok((StatusCode::CREATED, Json(order.into())))
        }
        Err(ReserveRefused::NoSuchTicket) => Err(Error::NotFound),
        Err(ReserveRefused::OwnTicket) => Err(Error::BadRequest(
            "You cannot buy your own ticket".to_owned(),
        )),
        Err(ReserveRefused::AlreadyReserved) => {
            Err(Error::BadRequest("Ticket is already reserved".to_owned()))
        }
        Err(ReserveRefused::TooManyUnpaid(AtLimit { most })) => Err(Error::BadRequest(format!(
            "You already hold {most} unpaid orders, the most one buyer may hold at once; pay for or cancel one before reserving another"
        ))),
    }
}

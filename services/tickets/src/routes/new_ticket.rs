use axum::{extract::State, http::StatusCode};
use httpkit::{
    Error, Result,
    error::ErrorBody,
    extract::Json,
    openapi::{NotAuthorized, TooManyRequests},
    session::CurrentUser,
};
use storage::{rate_limit::RateLimit, standing_limit::AtLimit};

use super::{ticket_form::TicketForm, ticket_view::TicketView};
use crate::tickets::Tickets;

/// `POST /api/tickets`: lists a ticket for sale and announces `ticket:created`.
#[utoipa::path(
    post,
    path = "/api/tickets",
    request_body = TicketForm,
    responses(
        (status = CREATED, description = "Listed", body = TicketView),
        (status = BAD_REQUEST, description = "Invalid title or price, malformed JSON, or the seller already has the most unsold tickets allowed", body = ErrorBody),
        NotAuthorized,
        TooManyRequests,
    ),
    security(("session" = [])),
)]
pub(crate) async fn new_ticket(
    CurrentUser(user): CurrentUser,
    State(tickets): State<Tickets>,
    State(listing_rate): State<RateLimit>,
    Json(form): Json<TicketForm>,
) -> Result<(StatusCode, Json<TicketView>)> {
    let (title, price) = form.parse()?;
    // Counted once the form is valid: a refused form writes nothing, and a person
    // correcting a typo should not use up their allowance.
    listing_rate.count(&user.id.to_hex()).await??;
    match tickets.create(title, price, user.id).await? {
        Ok(ticket) => Ok((StatusCode::CREATED, Json(ticket.into()))),
        Err(AtLimit { most }) => Err(Error::BadRequest(format!(
            "You already have {most} tickets listed that have not sold, the most one seller may have at once; list more once some have sold"
        ))),
    }
}

use axum::{extract::State, http::StatusCode};
use httpkit::{
    Result, error::ErrorBody, extract::Json, openapi::NotAuthorized, session::CurrentUser,
};

use super::{ticket_form::TicketForm, ticket_view::TicketView};
use crate::tickets::Tickets;

/// `POST /api/tickets`: lists a ticket for sale and announces `ticket:created`.
#[utoipa::path(
    post,
    path = "/api/tickets",
    request_body = TicketForm,
    responses(
        (status = CREATED, description = "Listed", body = TicketView),
        (status = BAD_REQUEST, description = "Invalid title or price, or malformed JSON", body = ErrorBody),
        NotAuthorized,
    ),
    security(("session" = [])),
)]
pub(crate) async fn new_ticket(
    CurrentUser(user): CurrentUser,
    State(tickets): State<Tickets>,
    Json(form): Json<TicketForm>,
) -> Result<(StatusCode, Json<TicketView>)> {
    let (title, price) = form.parse()?;
    let ticket = tickets.create(title, price, user.id).await?;
    Ok((StatusCode::CREATED, Json(ticket.into())))
}

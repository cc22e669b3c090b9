use axum::extract::State;
use httpkit::{
    Error, Result,
    error::ErrorBody,
    extract::{IdPath, Json},
    openapi::NotFound,
};
use marketplace::id::entity;

use super::ticket_view::TicketView;
use crate::tickets::Tickets;

/// `GET /api/tickets/:id`: any ticket, whatever its status.
#[utoipa::path(
    get,
    path = "/api/tickets/{id}",
    params(IdPath<entity::Ticket>),
    responses(
        (status = OK, description = "The ticket", body = TicketView),
        (status = BAD_REQUEST, description = "Not a valid id", body = ErrorBody),
        NotFound,
    ),
)]
pub(crate) async fn show_ticket(
    State(tickets): State<Tickets>,
    IdPath(id): IdPath<entity::Ticket>,
) -> Result<Json<TicketView>> {
    let ticket = tickets.find(id).await?.ok_or(Error::NotFound)?;
    Ok(Json(ticket.into()))
}

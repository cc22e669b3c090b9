use axum::extract::State;
use common::{Error, Result, extract::IdPath, extract::Json};

use super::TicketView;
use crate::tickets::Tickets;

/// `GET /api/tickets/:id`: any ticket, whatever its status.
pub(crate) async fn show_ticket(
    State(tickets): State<Tickets>,
    IdPath(id): IdPath,
) -> Result<Json<TicketView>> {
    let ticket = tickets.find(id).await?.ok_or(Error::NotFound)?;
    Ok(Json(ticket.into()))
}

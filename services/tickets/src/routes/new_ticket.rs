use axum::{extract::State, http::StatusCode};
use common::{Result, extract::Json, session::CurrentUser};

use super::{TicketForm, TicketView};
use crate::tickets::Tickets;

/// `POST /api/tickets`: lists a ticket for sale and announces `ticket:created`.
pub(crate) async fn new_ticket(
    CurrentUser(user): CurrentUser,
    State(tickets): State<Tickets>,
    Json(form): Json<TicketForm>,
) -> Result<(StatusCode, Json<TicketView>)> {
    let (title, price) = form.parse()?;
    let ticket = tickets.create(title, price, &user.id).await?;
    Ok((StatusCode::CREATED, Json(ticket.into())))
}

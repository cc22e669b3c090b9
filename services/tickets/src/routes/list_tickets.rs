use axum::extract::State;
use common::{Result, extract::Json};

use super::TicketView;
use crate::tickets::Tickets;

/// `GET /api/tickets`: the tickets for sale (neither locked nor sold).
pub(crate) async fn list_tickets(State(tickets): State<Tickets>) -> Result<Json<Vec<TicketView>>> {
    let for_sale = tickets.list_for_sale().await?;
    Ok(Json(for_sale.into_iter().map(TicketView::from).collect()))
}

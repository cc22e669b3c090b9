use axum::extract::State;
use httpkit::{Result, extract::Json, openapi::NotAuthorized, session::CurrentUser};

use super::ticket_view::TicketView;
use crate::tickets::Tickets;

/// `GET /api/tickets`: the tickets for sale (neither locked nor sold).
#[utoipa::path(
    get,
    path = "/api/tickets",
    responses((status = OK, description = "The tickets for sale", body = Vec<TicketView>)),
)]
pub(crate) async fn list_tickets(State(tickets): State<Tickets>) -> Result<Json<Vec<TicketView>>> {
    let for_sale = tickets.list_for_sale().await?;
    Ok(Json(for_sale.into_iter().map(TicketView::from).collect()))
}

/// `GET /api/tickets/mine`: every ticket the caller listed, with its status
/// (`available`, `reserved` while a buyer pays, `sold`), newest first.
#[utoipa::path(
    get,
    path = "/api/tickets/mine",
    responses(
        (status = OK, description = "The caller's tickets", body = Vec<TicketView>),
        NotAuthorized,
    ),
    security(("session" = [])),
)]
pub(crate) async fn list_my_tickets(
    CurrentUser(user): CurrentUser,
    State(tickets): State<Tickets>,
) -> Result<Json<Vec<TicketView>>> {
    let listed = tickets.list_by_seller(user.id).await?;
    Ok(Json(listed.into_iter().map(TicketView::from).collect()))
}

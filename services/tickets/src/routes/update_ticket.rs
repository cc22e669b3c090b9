use axum::extract::State;
use httpkit::{
    Error, Result,
    error::ErrorBody,
    extract::{IdPath, Json},
    openapi::{NotAuthorized, NotFound},
    session::CurrentUser,
};
use marketplace::id::entity;

use super::{ticket_form::TicketForm, ticket_view::TicketView};
use crate::tickets::{EditRefused, Tickets};

/// `PUT /api/tickets/:id`: the seller edits title and price, unless an order holds
/// the ticket. Announces `ticket:updated` with the next version.
#[utoipa::path(
    put,
    path = "/api/tickets/{id}",
    params(IdPath<entity::Ticket>),
    request_body = TicketForm,
    responses(
        (status = OK, description = "The edited ticket, one version up", body = TicketView),
        (status = BAD_REQUEST, description = "Invalid id, title or price, malformed JSON, or \"Cannot edit a reserved ticket\"", body = ErrorBody),
        NotAuthorized,
        NotFound,
    ),
    security(("session" = [])),
)]
pub(crate) async fn update_ticket(
    CurrentUser(user): CurrentUser,
    State(tickets): State<Tickets>,
    IdPath(id): IdPath<entity::Ticket>,
    Json(form): Json<TicketForm>,
) -> Result<Json<TicketView>> {
    let (title, price) = form.parse()?;
    match tickets.edit(id, user.id, &title, price).await? {
        Ok(ticket) => Ok(Json(ticket.into())),
        Err(EditRefused::NotFound) => Err(Error::NotFound),
        Err(EditRefused::NotOwner) => Err(Error::NotAuthorized),
        Err(EditRefused::Reserved) => Err(Error::BadRequest(
            "Cannot edit a reserved ticket".to_owned(),
        )),
    }
}

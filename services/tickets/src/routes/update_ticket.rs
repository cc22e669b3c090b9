use axum::extract::State;
use common::{
    Error, Result,
    extract::{IdPath, Json},
    session::CurrentUser,
};

use super::{TicketForm, TicketView};
use crate::tickets::{EditRefused, Tickets};

/// `PUT /api/tickets/:id`: the seller edits title and price, unless an order holds
/// the ticket. Announces `ticket:updated` with the next version.
pub(crate) async fn update_ticket(
    CurrentUser(user): CurrentUser,
    State(tickets): State<Tickets>,
    IdPath(id): IdPath,
    Json(form): Json<TicketForm>,
) -> Result<Json<TicketView>> {
    let (title, price) = form.parse()?;
    match tickets.edit(id, &user.id, &title, price).await? {
        Ok(ticket) => Ok(Json(ticket.into())),
        Err(EditRefused::NotFound) => Err(Error::NotFound),
        Err(EditRefused::NotOwner) => Err(Error::NotAuthorized),
        Err(EditRefused::Reserved) => Err(Error::BadRequest(
            "Cannot edit a reserved ticket".to_owned(),
        )),
    }
}

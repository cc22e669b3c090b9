use axum::{extract::State, http::StatusCode};
use httpkit::{
    Error, Result,
    error::ErrorBody,
    extract::IdPath,
    openapi::{NotAuthorized, NotFound},
    session::CurrentUser,
};
use marketplace::id::entity;

use super::owned_order::owned_order;
use crate::orders::{Orders, Unchanged};

/// `DELETE /api/orders/:id`: the buyer cancels; the ticket is for sale again and
/// `order:cancelled` is announced. Cancelling twice is a no-op; a paid order stays paid.
#[utoipa::path(
    delete,
    path = "/api/orders/{id}",
    params(IdPath<entity::Order>),
    responses(
        (status = NO_CONTENT, description = "Cancelled (or already was); the ticket is for sale again"),
        (status = BAD_REQUEST, description = "Not a valid id, or the order is complete", body = ErrorBody),
        NotAuthorized,
        NotFound,
    ),
    security(("session" = [])),
)]
pub(crate) async fn cancel_order(
    CurrentUser(user): CurrentUser,
    State(orders): State<Orders>,
    IdPath(id): IdPath<entity::Order>,
) -> Result<StatusCode> {
    owned_order(&orders, id, &user).await?;
    match orders.cancel(id).await? {
        Ok(_) | Err(Unchanged::AlreadyCancelled) => Ok(StatusCode::NO_CONTENT),
        Err(Unchanged::AlreadyComplete) => Err(Error::BadRequest(
            "Cannot cancel a completed order".to_owned(),
        )),
        Err(Unchanged::NotFound) => Err(Error::NotFound),
    }
}

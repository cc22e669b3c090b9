use axum::{extract::State, http::StatusCode};
use common::{Error, Result, extract::IdPath, session::CurrentUser};

use super::owned_order;
use crate::orders::{Orders, Unchanged};

/// `DELETE /api/orders/:id`: the buyer cancels; the ticket is for sale again and
/// `order:cancelled` is announced. Cancelling twice is a no-op; a paid order stays paid.
pub(crate) async fn cancel_order(
    CurrentUser(user): CurrentUser,
    State(orders): State<Orders>,
    IdPath(id): IdPath,
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

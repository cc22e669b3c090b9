use axum::extract::State;
use common::{
    Result,
    extract::{IdPath, Json},
    session::CurrentUser,
};

use super::{OrderView, owned_order};
use crate::orders::Orders;

/// `GET /api/orders/:id`: one of the caller's orders.
pub(crate) async fn show_order(
    CurrentUser(user): CurrentUser,
    State(orders): State<Orders>,
    IdPath(id): IdPath,
) -> Result<Json<OrderView>> {
    Ok(Json(owned_order(&orders, id, &user).await?.into()))
}

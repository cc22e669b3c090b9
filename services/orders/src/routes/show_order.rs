use axum::extract::State;
use httpkit::{
    Result,
    error::ErrorBody,
    extract::{IdPath, Json},
    openapi::{NotAuthorized, NotFound},
    session::CurrentUser,
};
use marketplace::id::entity;

use super::{order_view::OrderView, owned_order::owned_order};
use crate::orders::Orders;

/// `GET /api/orders/:id`: one of the caller's orders.
#[utoipa::path(
    get,
    path = "/api/orders/{id}",
    params(IdPath<entity::Order>),
    responses(
        (status = OK, description = "The order", body = OrderView),
        (status = BAD_REQUEST, description = "Not a valid id", body = ErrorBody),
        NotAuthorized,
        NotFound,
    ),
    security(("session" = [])),
)]
pub(crate) async fn show_order(
    CurrentUser(user): CurrentUser,
    State(orders): State<Orders>,
    IdPath(id): IdPath<entity::Order>,
) -> Result<Json<OrderView>> {
    Ok(Json(owned_order(&orders, id, &user).await?.into()))
}

use axum::extract::State;
use httpkit::{Result, extract::Json, openapi::NotAuthorized, session::CurrentUser};

use super::order_view::OrderView;
use crate::orders::Orders;

/// `GET /api/orders`: the caller's orders, newest first, tickets embedded.
#[utoipa::path(
    get,
    path = "/api/orders",
    responses(
        (status = OK, description = "The caller's orders", body = Vec<OrderView>),
        NotAuthorized,
    ),
    security(("session" = [])),
)]
pub(crate) async fn list_orders(
    CurrentUser(user): CurrentUser,
    State(orders): State<Orders>,
) -> Result<Json<Vec<OrderView>>> {
    let mine = orders.list_for(user.id).await?;
    Ok(Json(mine.into_iter().map(OrderView::from).collect()))
}

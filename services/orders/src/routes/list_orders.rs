use axum::extract::State;
use httpkit::{
    Result,
    error::ErrorBody,
    openapi::NotAuthorized,
    paging::{PageParams, Paged, Paging},
    session::CurrentUser,
};
use storage::paging::{self, ByAge};

use super::order_view::OrderView;
use crate::orders::Orders;

/// `GET /api/orders`: a page of the caller's orders, newest first, tickets embedded.
#[utoipa::path(
    get,
    path = "/api/orders",
    params(PageParams),
    responses(
        (status = OK, description = "A page of the caller's orders", body = Vec<OrderView>,
            headers(("Link" = String, description = "The next and previous pages (RFC 8288)"))),
        (status = BAD_REQUEST, description = "A bad `limit` or `cursor`", body = ErrorBody),
        NotAuthorized,
    ),
    security(("session" = [])),
)]
pub(crate) async fn list_orders(
    CurrentUser(user): CurrentUser,
    State(orders): State<Orders>,
    paging: Paging,
) -> Result<Paged<OrderView>> {
    let page = paging::page(
        &paging,
        ByAge::NewestFirst,
        |walk| async move { Ok(orders.list_for(user.id, walk).await?) },
        |order| order.id.object_id(),
    )
    .await?;
    Ok(Paged(page.map(OrderView::from), paging))
}

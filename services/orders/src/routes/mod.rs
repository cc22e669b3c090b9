//! The `/api/orders` routes, one file per route.

mod cancel_order;
mod list_orders;
mod new_order;

pub(crate) use new_order::OrderExpiration;
mod show_order;

use axum::{Router, middleware};
use httpkit::{
    Error,
    session::{SessionKeys, UserClaims, require_auth},
};
use marketplace::{
    id::{OrderId, TicketId, UserId},
    money::Price,
    order::OrderStatus,
};
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    orders::{Order, Orders},
    startup::AppState,
};

/// Every orders route needs a signed-in user: the layer refuses anyone else before
/// a handler (or its body and path parsing) runs.
pub(crate) fn router(session: SessionKeys) -> Router<AppState> {
    httpkit::openapi::serve_documented(
        "/api/orders",
        "orders",
        OpenApiRouter::new()
            .routes(routes!(new_order::new_order, list_orders::list_orders))
            .routes(routes!(show_order::show_order, cancel_order::cancel_order))
            .route_layer(middleware::from_fn_with_state(session, require_auth)),
    )
}

/// An order as the API shows it, with its ticket embedded.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OrderView {
    id: OrderId,
    user_id: UserId,
    status: OrderStatus,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    expires_at: OffsetDateTime,
    ticket: TicketView,
    version: i64,
}

/// The ticket an order holds, at the price it was reserved at.
#[derive(Serialize, ToSchema)]
pub(crate) struct TicketView {
    id: TicketId,
    title: String,
    price: Price,
}

impl From<Order> for OrderView {
    fn from(order: Order) -> Self {
        Self {
            id: order.id,
            user_id: order.user_id,
            status: order.status,
            expires_at: order.expires_at.to_time_0_3(),
            ticket: TicketView {
                id: order.ticket.id,
                title: order.ticket.title,
                price: order.ticket.price,
            },
            version: order.version,
        }
    }
}

/// The order, if it exists and belongs to the user: 404 if it does not exist, 401 if
/// it is someone else's.
async fn owned_order(orders: &Orders, id: OrderId, user: &UserClaims) -> Result<Order, Error> {
    let order = orders.find(id).await?.ok_or(Error::NotFound)?;
    if order.user_id != user.id {
        return Err(Error::NotAuthorized);
    }
    Ok(order)
}

//! The `/api/orders` routes, one file per route.

mod cancel_order;
mod list_orders;
mod new_order;
mod order_view;
mod owned_order;
mod show_order;

use axum::{Router, middleware};
use httpkit::session::{SessionKeys, require_auth};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::state::AppState;

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

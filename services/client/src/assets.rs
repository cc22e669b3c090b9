//! The stylesheet and the one script, compiled into the binary and served by the
//! client itself (no CDN).

use axum::{Router, http::header, routing::get};

const STYLESHEET: &str = include_str!("../assets/app.css");
const ORDER_SCRIPT: &str = include_str!("../assets/order.js");

pub(crate) fn router() -> Router {
    Router::new()
        .route("/assets/app.css", get(|| asset("text/css", STYLESHEET)))
        .route(
            "/assets/order.js",
            get(|| asset("text/javascript", ORDER_SCRIPT)),
        )
}

async fn asset(
    content_type: &'static str,
    body: &'static str,
) -> ([(header::HeaderName, &'static str); 2], &'static str) {
    (
        [
            (header::CONTENT_TYPE, content_type),
            // Revalidate every time, so a new build's assets are used at once.
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
}

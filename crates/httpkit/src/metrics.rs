//! The metrics port's one route, `GET /metrics`: the process's metrics and the
//! service's own, read at each scrape. It is served on a port of its own
//! (`METRICS_PORT`), never on the API's, so no Ingress rule can route to it.

use std::sync::Arc;

use axum::{Router, http::header, response::IntoResponse, routing::get};
use futures::future::BoxFuture;
use telemetry::metrics::{self, Collector};

use crate::http::HttpServer;

/// Reads what a service reports at each scrape (its listeners, its outbox, …).
pub type ServiceMetrics =
    Arc<dyn Fn() -> BoxFuture<'static, Option<Box<dyn Collector>>> + Send + Sync>;

/// The router of the metrics port. `service` adds the service's own metrics to the
/// process's; `None` for a service with nothing of its own to report.
pub fn router(service: Option<ServiceMetrics>) -> Router {
    Router::new().route(
        "/metrics",
        get(move || {
            let service = service.clone();
            async move {
                let own = match service {
                    Some(read) => read().await,
                    None => None,
                };
                (
                    [(header::CONTENT_TYPE, metrics::CONTENT_TYPE)],
                    metrics::render(own),
                )
                    .into_response()
            }
        }),
    )
}

/// The metrics port bound on `port` (0 picks a free one). Its scrapes are neither
/// traced nor counted: they are not the service's work.
pub async fn bind(port: u16, service: Option<ServiceMetrics>) -> std::io::Result<HttpServer> {
    HttpServer::bind(port, router(service)).await
}

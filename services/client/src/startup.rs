use std::sync::Arc;

use axum::{
    Json, Router, middleware,
    routing::{any, get},
};
use common::{
    http::{HttpServer, server_stack},
    service::Service,
};
use serde_json::json;

use crate::{Config, api::Api, assets, config::StripeJs, pages};

#[derive(Clone)]
pub(crate) struct AppState {
    pub api: Api,
    pub stripe: Arc<StripeJs>,
}

/// Binds the web client on the configured port.
pub async fn build(config: Config) -> anyhow::Result<Service> {
    let state = AppState {
        api: Api::new(config.apis),
        stripe: Arc::new(config.stripe),
    };
    let probes = Router::new()
        .route(
            "/healthz",
            get(|| async { Json(json!({ "status": "ok" })) }),
        )
        // The client holds no connections of its own: when it answers, it is ready.
        // A page whose API is down says so itself.
        .route("/readyz", get(|| async { Json(json!({ "ready": true })) }));
    let router = pages::router()
        // An API path no API serves reaches the client through the catch-all route;
        // callers of the API still get the API's 404.
        .route("/api/{*rest}", any(|| async { common::Error::NotFound }))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            pages::render_error_pages,
        ))
        .with_state(state)
        .merge(assets::router())
        .merge(probes);
    let server = HttpServer::bind(config.port, server_stack(router)).await?;
    Ok(Service::from_server(server))
}

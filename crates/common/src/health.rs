//! Liveness and readiness probes, as Kubernetes uses them.

use axum::{Json, Router, extract::State, http::StatusCode, routing::get};
use mongodb::Database;
use serde_json::{Value, json};

/// What a service depends on to serve requests.
#[derive(Clone)]
pub struct Dependencies {
    pub database: Database,
    pub nats: Option<async_nats::Client>,
}

/// `GET /healthz`: the process is alive. `GET /readyz`: MongoDB answers a ping and,
/// when the service uses events, the NATS connection is up; 503 otherwise.
pub fn router<S>(dependencies: Dependencies) -> Router<S> {
    Router::new()
        .route(
            "/healthz",
            get(|| async { Json(json!({ "status": "ok" })) }),
        )
        .route("/readyz", get(readiness))
        .with_state(dependencies)
}

async fn readiness(State(dependencies): State<Dependencies>) -> (StatusCode, Json<Value>) {
    let mongo = crate::mongo::ping(&dependencies.database).await;
    let nats = dependencies
        .nats
        .as_ref()
        .map(|client| client.connection_state() == async_nats::connection::State::Connected);
    let ready = mongo && nats.unwrap_or(true);
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(json!({ "ready": ready, "mongo": mongo, "nats": nats })),
    )
}

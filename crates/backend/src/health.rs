//! Liveness and readiness probes, as Kubernetes uses them.

use axum::{Json, Router, extract::State, http::StatusCode, routing::get};
use mongodb::Database;
use serde_json::{Value, json};

/// `GET /healthz`: the process is alive. `GET /readyz`: MongoDB answers a ping; 503
/// otherwise. NATS is not asked: requests only stage events in the outbox and never
/// wait for NATS, so a service serves while NATS is away (its connection state is in
/// `/metrics` and the logs) and one NATS restart cannot take every API out of its
/// Service's endpoints at once.
pub fn router<S>(database: Database) -> Router<S> {
    Router::new()
        .route(
            "/healthz",
            get(|| async { Json(json!({ "status": "ok" })) }),
        )
        .route("/readyz", get(readiness))
        .with_state(database)
}

async fn readiness(State(database): State<Database>) -> (StatusCode, Json<Value>) {
    let mongo = storage::mongo::ping(&database).await;
    let status = if mongo {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(json!({ "ready": mongo, "mongo": mongo })))
}

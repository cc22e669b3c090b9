//! The floor `cargo xtask bench` measures the services against: the same routes on
//! the same database, each doing only its essential work, with no middleware, no
//! tracing, no metrics and no logs.
//!
//! - `GET /api/users/currentuser`: verify the session cookie's JWT (with the
//!   services' own [`SessionKeys`], so the JWT check costs the same);
//! - `GET /api/tickets/{id}`: one find by id;
//! - `GET /api/tickets`: one find of the listing's first page;
//! - anything else: a 404.
//!
//! It reads `PORT`, `MONGO_URL`, `MONGO_DB` (the tickets database) and `JWT_KEY`.

use axum::{
    Json, Router,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::get,
};
use axum_extra::extract::CookieJar;
use futures::TryStreamExt;
use httpkit::session::SessionKeys;
use mongodb::{
    Collection,
    bson::{Document, doc, oid::ObjectId},
};
use serde_json::{Value, json};
use settings::{Env, Environment};

/// The listing's page, as the tickets service's default.
const PAGE: i64 = 50;

#[derive(Clone)]
struct Floor {
    keys: SessionKeys,
    tickets: Collection<Document>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let env = Env::process();
    let port: u16 = env.optional("PORT", 3000)?;
    let mongo_url = env.required("MONGO_URL", "the database the services use")?;
    let database = env.required("MONGO_DB", "the tickets service's database")?;
    let jwt_key = env.required("JWT_KEY", "the services' session key")?;
    let client = mongodb::Client::with_uri_str(&mongo_url).await?;
    let floor = Floor {
        keys: SessionKeys::new(&jwt_key, Environment::Development),
        tickets: client.database(&database).collection("tickets"),
    };
    let app = Router::new()
        .route("/api/users/currentuser", get(current_user))
        .route("/api/tickets", get(listing))
        .route("/api/tickets/{id}", get(ticket))
        .fallback(|| async { (StatusCode::NOT_FOUND, Json(json!({ "errors": [] }))) })
        .with_state(floor);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    axum::serve(listener, app).await?;
    Ok(())
}

async fn current_user(State(floor): State<Floor>, jar: CookieJar) -> Json<Value> {
    let user = floor.keys.session_of(&jar).map(|claims| claims.user);
    Json(json!({ "currentUser": user }))
}

async fn ticket(State(floor): State<Floor>, Path(id): Path<String>) -> Response {
    let Ok(id) = id.parse::<ObjectId>() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match floor.tickets.find_one(doc! { "_id": id }).await {
        Ok(Some(ticket)) => Json(ticket).into_response(),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

async fn listing(State(floor): State<Floor>) -> Response {
    let page = floor
        .tickets
        .find(doc! { "orderId": null, "sold": false })
        .sort(doc! { "seq": -1 })
        .limit(PAGE)
        .await;
    match page {
        Ok(cursor) => match cursor.try_collect::<Vec<Document>>().await {
            Ok(tickets) => Json(tickets).into_response(),
            Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
        },
        Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

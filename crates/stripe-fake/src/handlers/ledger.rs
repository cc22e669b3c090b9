//! `GET /_fake/ledger`: the money that moved, for tests and the chaos audit.

use axum::Json;
use axum::extract::State;

use crate::account::FakeStripe;
use crate::model::ledger::Ledger;

pub(crate) async fn ledger(State(fake): State<FakeStripe>) -> Json<Ledger> {
    Json(fake.ledger())
}

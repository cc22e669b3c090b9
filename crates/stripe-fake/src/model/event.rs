//! The Event object as Stripe sends it to a webhook endpoint.

use serde_json::{Value, json};

/// The API version async-stripe 1.0.0-rc.10 pins (`stripe_shared::VERSION`): Stripe
/// renders an event's object in the account's version, which is the client's.
const API_VERSION: &str = "2026-09-30.endive";

/// An event announcing `object`, as it is first sent (one endpoint, not yet answered).
pub(crate) fn to_json(id: &str, type_: &str, created: i64, object: Value) -> Value {
    json!({
        "id": id,
        "object": "event",
        "api_version": API_VERSION,
        "created": created,
        "data": { "object": object },
        "livemode": false,
        "pending_webhooks": 1,
        "request": { "id": null, "idempotency_key": null },
        "type": type_,
    })
}

//! `GET /v3/`: a stand-in for Stripe.js, so a browser page that loads Stripe.js from
//! the configured URL runs unchanged against the fake. The script's card table comes
//! from [`crate::model::cards`], so it cannot disagree with what the API charges or declines.

use axum::{http::header, response::IntoResponse};
use serde_json::{Map, json};

use crate::model::cards;

const SCRIPT: &str = include_str!("../../assets/stripe-js-stand-in.js");

pub(crate) async fn stripe_js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            // Pages on another origin (the app) load it, as they load js.stripe.com.
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        ],
        script(),
    )
}

fn script() -> String {
    let table: Map<_, _> = cards::typed_cards()
        .map(|typed| {
            let card = json!({
                "paymentMethod": typed.payment_method,
                "brand": typed.card.brand,
                "last4": typed.card.last4,
            });
            (typed.number.to_owned(), card)
        })
        .collect();
    SCRIPT.replace(
        "__TEST_CARDS__",
        &serde_json::Value::Object(table).to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_carries_the_card_table() {
        let script = script();
        assert!(!script.contains("__TEST_CARDS__"));
        assert!(script.contains(r#""4242424242424242":{"paymentMethod":"pm_card_visa","brand":"visa","last4":"4242"}"#), "{script}");
    }
}

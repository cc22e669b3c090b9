//! How many payments one user may attempt a minute, counted in the database so that
//! every replica enforces the same limit.

use std::num::NonZeroU32;

use reqwest::StatusCode;
use testkit::{assert_error, assert_throttled};

use crate::helpers::{TestApp, ledger_of, pay, start_payments_allowing};

const ATTEMPTED_TOO_OFTEN: &str = "payment attempts in a minute";

const FIFTEEN_MINUTES: time::Duration = time::Duration::minutes(15);

fn allowing(attempts: u32) -> NonZeroU32 {
    NonZeroU32::new(attempts).unwrap()
}

#[tokio::test]
async fn a_user_attempts_their_allowance_in_a_minute_and_the_next_one_is_a_429() {
    let app = TestApp::allowing(allowing(3)).await;
    let buyer = app.user();
    let order = app.seed_order(&buyer, 1000, FIFTEEN_MINUTES).await;

    for _ in 0..3 {
        let declined = app
            .pay(&buyer, order.id, "pm_card_visa_chargeDeclined")
            .await;
        assert_error(declined, StatusCode::BAD_REQUEST, "Your card was declined.").await;
    }
    assert_throttled(
        app.pay(&buyer, order.id, "pm_card_visa").await,
        ATTEMPTED_TOO_OFTEN,
    )
    .await;

    assert_eq!(
        ledger_of(&app.stripe, order.id),
        (0, 0),
        "the refused one charged nothing"
    );
    assert!(app.payments_of(order.id).await.is_empty());
    let other_buyer = app.user();
    let other_order = app.seed_order(&other_buyer, 1000, FIFTEEN_MINUTES).await;
    let paid = app.pay(&other_buyer, other_order.id, "pm_card_visa").await;
    assert_eq!(
        paid.status(),
        StatusCode::CREATED,
        "another user is not affected"
    );
}

#[tokio::test]
async fn a_malformed_payment_does_not_use_up_the_allowance() {
    let app = TestApp::allowing(allowing(1)).await;
    let buyer = app.user();
    let order = app.seed_order(&buyer, 1000, FIFTEEN_MINUTES).await;

    for _ in 0..3 {
        let malformed = app.pay(&buyer, "not-an-order", "pm card; drop").await;
        assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    }

    let paid = app.pay(&buyer, order.id, "pm_card_visa").await;
    assert_eq!(paid.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn two_replicas_share_one_users_allowance() {
    let app = TestApp::allowing(allowing(2)).await;
    let other = start_payments_allowing(&app.world, &app.stripe, allowing(2)).await;
    let buyer = app.user();
    let order = app.seed_order(&buyer, 1000, FIFTEEN_MINUTES).await;

    for replica in [&app.service, &other] {
        let declined = pay(replica, &buyer, order.id, "pm_card_visa_chargeDeclined").await;
        assert_eq!(declined.status(), StatusCode::BAD_REQUEST);
    }

    let refused = pay(&app.service, &buyer, order.id, "pm_card_visa").await;
    assert_throttled(refused, ATTEMPTED_TOO_OFTEN).await;
    let refused = pay(&other, &buyer, order.id, "pm_card_visa").await;
    assert_throttled(refused, ATTEMPTED_TOO_OFTEN).await;
}

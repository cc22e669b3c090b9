//! `Idempotency-Key` through the real client (`RequestStrategy::Idempotent`) and raw.

use std::collections::HashMap;
use std::time::Duration;

use reqwest::StatusCode;
use stripe::{ApiErrorsType, StripeRequest};
use stripe_connect::transfer::{CreateTransfer, RetrieveTransfer};
use stripe_connect::transfer_reversal::CreateIdTransferReversal;
use stripe_core::payment_intent::CreatePaymentIntent;
use stripe_shared::PaymentIntentStatus;
use stripe_types::Currency;

use crate::helpers::{TestFake, idempotent, stripe_error};
use stripe_fake::FakeConfig;

/// Sends the request once with the Idempotency-Key `key`.
async fn send_keyed<R>(
    app: &TestFake,
    request: &R,
    key: &str,
) -> Result<R::Output, stripe::StripeError>
where
    R: StripeRequest,
    R::Output: miniserde::Deserialize,
{
    request
        .customize()
        .request_strategy(idempotent(key))
        .send(&app.client)
        .await
}

fn pay_for(order_id: &str, amount: i64, payment_method: &str) -> CreatePaymentIntent {
    CreatePaymentIntent::new(amount, Currency::USD)
        .payment_method(payment_method)
        .confirm(true)
        .metadata(HashMap::from([
            ("order_id".to_owned(), order_id.to_owned()),
            ("user_id".to_owned(), "user-1".to_owned()),
            ("ticket_id".to_owned(), "ticket-1".to_owned()),
        ]))
}

#[tokio::test]
async fn the_same_key_and_request_charge_once_and_answer_the_same() {
    let app = TestFake::start().await;
    let request = pay_for("order-1", 2500, "pm_card_visa");

    // Each `send` serializes the metadata map afresh, in whatever order it iterates.
    let first = send_keyed(&app, &request, "order-1").await;
    let second = send_keyed(&app, &request, "order-1").await;

    let (first, second) = (first.expect("charged"), second.expect("replayed"));
    assert_eq!(first.id, second.id);
    assert_eq!(second.status, PaymentIntentStatus::Succeeded);
    assert_eq!(app.ledger().charges.len(), 1);
}

#[tokio::test]
async fn the_same_key_with_other_parameters_is_refused() {
    let app = TestFake::start().await;
    pay_for("order-1", 2500, "pm_card_visa")
        .customize()
        .request_strategy(idempotent("order-1"))
        .send(&app.client)
        .await
        .expect("charged");

    let (error, status) = stripe_error(
        pay_for("order-1", 3000, "pm_card_visa")
            .customize()
            .request_strategy(idempotent("order-1"))
            .send(&app.client)
            .await,
    );

    assert_eq!(status, 400);
    assert_eq!(error.type_, ApiErrorsType::IdempotencyError);
    assert_eq!(
        error.message.as_deref(),
        Some(
            "Keys for idempotent requests can only be used with the same parameters they were \
             first used with. Try using a key other than 'order-1' if you meant to execute a \
             different request."
        )
    );
    assert_eq!(app.ledger().charges.len(), 1);
}

#[tokio::test]
async fn concurrent_requests_with_one_key_charge_once() {
    let app = TestFake::start().await;
    // Long enough for every request to arrive while the first one is still running.
    app.fake.set_latency(Duration::from_millis(300));
    let attempts: Vec<_> = (0..8)
        .map(|_| {
            let client = app.client.clone();
            tokio::spawn(async move {
                pay_for("order-1", 2500, "pm_card_visa")
                    .customize()
                    .request_strategy(idempotent("order-1"))
                    .send(&client)
                    .await
            })
        })
        .collect();

    let (mut charged, mut turned_away) = (Vec::new(), 0);
    for attempt in attempts {
        match attempt.await.expect("the task ends") {
            Ok(intent) => charged.push(intent.id),
            Err(stripe::StripeError::Stripe(error, 409)) => {
                assert_eq!(error.type_, ApiErrorsType::IdempotencyError);
                turned_away += 1;
            }
            Err(other) => panic!("unexpected error: {other:?}"),
        }
    }
    assert_eq!((charged.len(), turned_away), (1, 7));
    assert_eq!(app.ledger().charges.len(), 1);

    let retried = pay_for("order-1", 2500, "pm_card_visa")
        .customize()
        .request_strategy(idempotent("order-1"))
        .send(&app.client)
        .await
        .expect("a retry after the first finished gets its answer");
    assert_eq!(retried.id, charged[0]);
    assert_eq!(app.ledger().charges.len(), 1);
}

#[tokio::test]
async fn without_idempotency_every_request_charges() {
    let app = TestFake::start_with(FakeConfig {
        honour_idempotency: false,
    })
    .await;
    let request = pay_for("order-1", 2500, "pm_card_visa");

    let first = send_keyed(&app, &request, "order-1").await;
    let second = send_keyed(&app, &request, "order-1").await;

    assert_ne!(first.unwrap().id, second.unwrap().id);
    assert_eq!(app.ledger().charges.len(), 2);
}

#[tokio::test]
async fn a_decline_is_replayed_too_so_a_new_card_needs_a_new_key() {
    let app = TestFake::start().await;
    let declined = pay_for("order-1", 2500, "pm_card_visa_chargeDeclined");

    let first = stripe_error(send_keyed(&app, &declined, "order-1").await);
    let again = stripe_error(send_keyed(&app, &declined, "order-1").await);
    assert_eq!(first.1, 402);
    assert_eq!(
        first.0.payment_intent.map(|p| p.id),
        again.0.payment_intent.map(|p| p.id)
    );

    let (other_card, status) = stripe_error(
        pay_for("order-1", 2500, "pm_card_visa")
            .customize()
            .request_strategy(idempotent("order-1"))
            .send(&app.client)
            .await,
    );
    assert_eq!(
        (status, other_card.type_),
        (400, ApiErrorsType::IdempotencyError)
    );
    assert!(app.ledger().charges.is_empty());
}

#[tokio::test]
async fn a_replay_is_marked_and_identical() {
    let app = TestFake::start().await;
    let params = [
        ("amount", "2500"),
        ("currency", "usd"),
        ("payment_method", "pm_card_visa"),
        ("confirm", "true"),
    ];

    let first = app.post_with_key("/v1/payment_intents", &params, "k").await;
    let replay = app.post_with_key("/v1/payment_intents", &params, "k").await;

    assert_eq!(first.headers.get("idempotent-replayed"), None);
    assert_eq!(
        replay
            .headers
            .get("idempotent-replayed")
            .map(|v| v.to_str().unwrap()),
        Some("true")
    );
    assert_eq!(
        (replay.status, replay.body.as_str()),
        (first.status, first.body.as_str())
    );
}

#[tokio::test]
async fn a_key_belongs_to_one_endpoint() {
    let app = TestFake::start().await;
    let intent = app
        .post_with_key(
            "/v1/payment_intents",
            &[
                ("amount", "2500"),
                ("currency", "usd"),
                ("payment_method", "pm_card_visa"),
                ("confirm", "true"),
            ],
            "k",
        )
        .await;

    let refund = app
        .post_with_key("/v1/refunds", &[("payment_intent", &intent.id())], "k")
        .await;

    assert_eq!(refund.status, StatusCode::BAD_REQUEST);
    assert_eq!(refund.error().type_, ApiErrorsType::IdempotencyError);
    assert!(app.ledger().refunds.is_empty());
}

#[tokio::test]
async fn a_request_rejected_before_running_does_not_use_up_its_key() {
    let app = TestFake::start().await;

    let missing_currency = app
        .post_with_key("/v1/payment_intents", &[("amount", "2500")], "k")
        .await;
    let corrected = app
        .post_with_key(
            "/v1/payment_intents",
            &[
                ("amount", "2500"),
                ("currency", "usd"),
                ("payment_method", "pm_card_visa"),
                ("confirm", "true"),
            ],
            "k",
        )
        .await;

    assert_eq!(missing_currency.status, StatusCode::BAD_REQUEST);
    assert_eq!(corrected.status, StatusCode::OK, "{}", corrected.body);
    assert_eq!(app.ledger().charges.len(), 1);
}

#[tokio::test]
async fn keys_are_ignored_on_reads() {
    let app = TestFake::start().await;
    let intent = app
        .post(
            "/v1/payment_intents",
            &[("amount", "2500"), ("currency", "usd")],
        )
        .await
        .id();
    let path = format!("/v1/payment_intents/{intent}");

    let read = |key: &'static str| {
        let request = app
            .request(reqwest::Method::GET, &path)
            .bearer_auth("sk_test_fake")
            .header("idempotency-key", key);
        app.send(request, &[])
    };
    let (first, second) = (read("k").await, read("k").await);

    assert_eq!(
        (first.status, second.status),
        (StatusCode::OK, StatusCode::OK)
    );
    assert_eq!(second.headers.get("idempotent-replayed"), None);
}

/// The transfer of order-1's seller share, as the payments service sends it.
fn pay_out(charge: &str, destination: &str) -> CreateTransfer {
    CreateTransfer::new(Currency::USD, destination)
        .amount(1000)
        .source_transaction(charge)
        .transfer_group("order-1")
        .metadata(HashMap::from([(
            "order_id".to_owned(),
            "order-1".to_owned(),
        )]))
}

#[tokio::test]
async fn a_transfer_retried_with_its_key_pays_once() {
    let app = TestFake::start().await;
    let (_, charge) = app.charge(2500, "usd").await;
    let seller = app.onboarded_account().await;
    let request = pay_out(&charge, &seller);

    let first = send_keyed(&app, &request, "transfer-order-1").await;
    let second = send_keyed(&app, &request, "transfer-order-1").await;

    assert_eq!(first.expect("paid").id, second.expect("replayed").id);
    assert_eq!(app.ledger().transfers.len(), 1);
}

#[tokio::test]
async fn without_idempotency_every_transfer_pays() {
    let app = TestFake::start_with(FakeConfig {
        honour_idempotency: false,
    })
    .await;
    let (_, charge) = app.charge(2500, "usd").await;
    let seller = app.onboarded_account().await;
    let request = pay_out(&charge, &seller);

    let first = send_keyed(&app, &request, "transfer-order-1").await;
    let second = send_keyed(&app, &request, "transfer-order-1").await;

    assert_ne!(first.unwrap().id, second.unwrap().id);
    assert_eq!(app.ledger().transfers.len(), 2);
}

#[tokio::test]
async fn a_reversal_retried_with_its_key_reverses_once() {
    let app = TestFake::start().await;
    let (_, charge) = app.charge(2500, "usd").await;
    let seller = app.onboarded_account().await;
    let transfer = pay_out(&charge, &seller).send(&app.client).await.unwrap();
    let request = CreateIdTransferReversal::new(transfer.id.clone()).amount(400);

    let first = send_keyed(&app, &request, "reverse-order-1").await;
    let second = send_keyed(&app, &request, "reverse-order-1").await;

    assert_eq!(first.expect("reversed").id, second.expect("replayed").id);
    assert_eq!(app.ledger().transfer_reversals.len(), 1);
    let transfer = RetrieveTransfer::new(transfer.id)
        .send(&app.client)
        .await
        .unwrap();
    assert_eq!(transfer.amount_reversed, 400);
}

#[tokio::test]
async fn an_account_created_twice_with_one_key_is_one_account() {
    let app = TestFake::start().await;
    let params = [
        ("type", "express"),
        ("capabilities[transfers][requested]", "true"),
    ];

    let first = app.post_with_key("/v1/accounts", &params, "seller-1").await;
    let second = app.post_with_key("/v1/accounts", &params, "seller-1").await;

    assert_eq!(first.id(), second.id());
    assert!(
        app.get(&format!("/v1/accounts/{}", first.id()))
            .await
            .status
            .is_success()
    );
}

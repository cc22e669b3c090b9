use std::time::Duration;

use marketplace::events::{OrderCancelled, OrderCompleted, PaymentCreated, TicketRef};
use reqwest::StatusCode;
use serde_json::Value;
use testkit::{assert_error, assert_published};

use crate::helpers::{TestApp, ledger_of};

const FIFTEEN_MINUTES: time::Duration = time::Duration::minutes(15);

#[tokio::test]
async fn the_test_visa_card_pays_the_order_price_once_and_payment_created_is_published() {
    let app = TestApp::spawn().await;
    let buyer = app.user();
    let order = app.seed_order(&buyer, 2550, FIFTEEN_MINUTES).await;

    let response = app.pay(&buyer, &order.id, "pm_card_visa").await;

    assert_eq!(response.status(), StatusCode::CREATED);
    let payment: Value = response.json().await.unwrap();
    let events = assert_published::<PaymentCreated>(&app.bus, 1).await;
    assert_eq!(events[0].id.to_hex(), payment["id"].as_str().unwrap());
    assert_eq!(events[0].order_id, order.id);
    let ledger = app.stripe.ledger();
    assert_eq!(ledger.charges.len(), 1);
    assert_eq!(ledger.charges[0].amount, 2550, "the price in cents");
    assert_eq!(ledger.charges[0].payment_intent, events[0].stripe_id);
    assert_eq!(app.payments_of(order.id).await.len(), 1);
}

#[tokio::test]
async fn a_declined_card_is_a_400_with_stripes_message_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let buyer = app.user();

    for (token, message) in [
        ("pm_card_visa_chargeDeclined", "Your card was declined."),
        (
            "pm_card_chargeDeclinedInsufficientFunds",
            "Your card has insufficient funds.",
        ),
    ] {
        let order = app.seed_order(&buyer, 1000, FIFTEEN_MINUTES).await;
        let response = app.pay(&buyer, &order.id, token).await;
        assert_error(response, StatusCode::BAD_REQUEST, message).await;
        assert!(app.payments_of(order.id).await.is_empty(), "nothing stored");
        assert_eq!(ledger_of(&app.stripe, order.id), (0, 0), "nothing charged");
    }
    assert_published::<PaymentCreated>(&app.bus, 0).await;
}

#[tokio::test]
async fn after_a_decline_the_buyer_can_pay_with_another_card() {
    let app = TestApp::spawn().await;
    let buyer = app.user();
    let order = app.seed_order(&buyer, 1000, FIFTEEN_MINUTES).await;
    app.pay(&buyer, &order.id, "pm_card_visa_chargeDeclined")
        .await;

    let response = app.pay(&buyer, &order.id, "pm_card_visa").await;

    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(ledger_of(&app.stripe, order.id), (1, 0));
}

#[tokio::test]
async fn paying_needs_the_buyers_own_existing_order() {
    let app = TestApp::spawn().await;
    let buyer = app.user();
    let order = app.seed_order(&buyer, 1000, FIFTEEN_MINUTES).await;

    let anonymous = reqwest::Client::new()
        .post(app.service.url("/api/payments"))
        .json(&serde_json::json!({ "orderId": order.id, "token": "pm_card_visa" }))
        .send()
        .await
        .unwrap();
    let someone_else = app.pay(&app.user(), &order.id, "pm_card_visa").await;
    let unknown = app
        .pay(&buyer, "5f0000000000000000000000", "pm_card_visa")
        .await;

    assert_error(anonymous, StatusCode::UNAUTHORIZED, "Not authorized").await;
    assert_error(someone_else, StatusCode::UNAUTHORIZED, "Not authorized").await;
    assert_error(unknown, StatusCode::NOT_FOUND, "Not Found").await;
    assert!(app.stripe.ledger().charges.is_empty());
}

#[tokio::test]
async fn cancelled_completed_and_expired_orders_are_refused() {
    let app = TestApp::spawn().await;
    let buyer = app.user();
    let cancelled = app.seed_order(&buyer, 1000, FIFTEEN_MINUTES).await;
    let completed = app.seed_order(&buyer, 1000, FIFTEEN_MINUTES).await;
    let expired = app
        .seed_order(&buyer, 1000, time::Duration::milliseconds(-1))
        .await;
    let ticket = |order: &marketplace::events::OrderCreated| TicketRef {
        id: order.ticket.id,
    };
    app.bus
        .publisher()
        .publish(&OrderCancelled {
            id: cancelled.id,
            version: 1,
            ticket: ticket(&cancelled),
        })
        .await
        .unwrap();
    app.bus
        .publisher()
        .publish(&OrderCompleted {
            id: completed.id,
            version: 1,
            ticket: ticket(&completed),
        })
        .await
        .unwrap();
    let replicated = testkit::eventually(Duration::from_secs(5), || async {
        let status = |order: Option<mongodb::bson::Document>| {
            order.and_then(|o| o.get_str("status").ok().map(str::to_owned))
        };
        status(app.replica_order(cancelled.id).await).as_deref() == Some("cancelled")
            && status(app.replica_order(completed.id).await).as_deref() == Some("complete")
    })
    .await;
    assert!(replicated);

    let responses = [
        (
            app.pay(&buyer, &cancelled.id, "pm_card_visa").await,
            "Cannot pay for a cancelled order",
        ),
        (
            app.pay(&buyer, &completed.id, "pm_card_visa").await,
            "This order is already paid",
        ),
        (
            app.pay(&buyer, &expired.id, "pm_card_visa").await,
            "This order has expired; reserve the ticket again to buy it",
        ),
    ];
    for (response, message) in responses {
        assert_error(response, StatusCode::BAD_REQUEST, message).await;
    }
    assert!(app.stripe.ledger().charges.is_empty());
}

/// Invariant 4 through our own code: the claim, not Stripe's idempotency, stops the
/// second charge, so it holds with the fake's idempotency switched off.
#[tokio::test]
async fn the_same_payment_posted_twice_at_once_charges_once_even_without_stripe_idempotency() {
    for honour_idempotency in [true, false] {
        let app = TestApp::spawn_with(honour_idempotency).await;
        let buyer = app.user();
        let order = app.seed_order(&buyer, 1000, FIFTEEN_MINUTES).await;
        // Slow Stripe down so that the two requests really overlap.
        app.stripe.set_latency(Duration::from_millis(300));

        let (first, second) = tokio::join!(
            app.pay(&buyer, &order.id, "pm_card_visa"),
            app.pay(&buyer, &order.id, "pm_card_visa"),
        );

        let mut statuses = [first.status(), second.status()];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::CREATED, StatusCode::BAD_REQUEST],
            "idempotency {honour_idempotency}"
        );
        assert_eq!(
            ledger_of(&app.stripe, order.id),
            (1, 0),
            "one charge (idempotency {honour_idempotency})"
        );
        assert_eq!(
            app.payments_of(order.id).await.len(),
            1,
            "one payment stored"
        );
        let again = app.pay(&buyer, &order.id, "pm_card_visa").await;
        assert_error(again, StatusCode::BAD_REQUEST, "This order is already paid").await;
    }
}

/// Stripe charged the card but its answer was lost. The claim stays: the buyer cannot
/// pay a second time, and the recovery loop asks Stripe again with the same
/// idempotency key, which replays the first charge instead of making another.
#[tokio::test]
async fn a_charge_whose_answer_was_lost_is_settled_once_by_the_recovery_loop() {
    let app = TestApp::spawn().await;
    let buyer = app.user();
    let order = app.seed_order(&buyer, 1000, FIFTEEN_MINUTES).await;
    app.stripe.lose_responses(1);

    let unknown = app.pay(&buyer, &order.id, "pm_card_visa").await;

    assert_eq!(unknown.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        ledger_of(&app.stripe, order.id),
        (1, 0),
        "Stripe did charge"
    );
    let retry = app.pay(&buyer, &order.id, "pm_card_mastercard").await;
    assert_error(
        retry,
        StatusCode::BAD_REQUEST,
        "A payment for this order is already in progress",
    )
    .await;
    let events = assert_published::<PaymentCreated>(&app.bus, 1).await;
    assert_eq!(events[0].order_id, order.id);
    assert_eq!(ledger_of(&app.stripe, order.id), (1, 0), "still one charge");
    let stored = app.payments_of(order.id).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].get_str("status").unwrap(), "succeeded");
}

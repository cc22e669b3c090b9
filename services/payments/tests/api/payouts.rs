//! Sellers are paid: a completed order's price minus the fee is transferred from its
//! charge to the seller's ready Connect account after the hold, exactly once, and a
//! refund reported by Stripe's webhook stops or reverses it. Real payments service,
//! real NATS and database, the Stripe fake behind the real async-stripe client.

use std::time::Duration;

use marketplace::{
    events::{OrderCompleted, OrderCreated, TicketRef},
    id::UserId,
};
use payments::payout_terms::{FeePercent, PayoutTerms};
use reqwest::{StatusCode, redirect::Policy};
use serde_json::{Value, json};
use stripe_fake::TransferRecord;
use testkit::{TestUser, assert_error, assert_field_error};

use crate::helpers::{STRIPE_KEY, TestApp, WEBHOOK_SECRET, start_payments_with};

const FIFTEEN_MINUTES: time::Duration = time::Duration::minutes(15);
/// The payout loop runs every 2 s; a payout shows within a few passes.
const PAYOUT_SEEN_WITHIN: Duration = Duration::from_secs(15);

fn holding_for(hold: Duration) -> PayoutTerms {
    PayoutTerms {
        fee_percent: FeePercent::DEFAULT,
        hold,
    }
}

impl TestApp {
    /// The seller's payout account, connected and through the fake's onboarding.
    async fn connect_ready_account(&self, seller: &TestUser) -> String {
        let onboarding_url = self.start_connecting(seller).await;
        visit_onboarding(&onboarding_url).await;
        let status = self.payout_account(seller).await;
        assert_eq!(status["ready"], true, "{status}");
        self.stripe_account_of(seller).await
    }

    /// Asks for the seller's account and returns its onboarding link.
    async fn start_connecting(&self, seller: &TestUser) -> String {
        let response = seller
            .client
            .post(self.service.url("/api/payouts/account"))
            .json(&json!({ "returnUrl": "https://ticketing.dev/payouts/account" }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["ready"], false, "{body}");
        body["onboardingUrl"].as_str().unwrap().to_owned()
    }

    async fn payout_account(&self, seller: &TestUser) -> Value {
        let response = seller
            .client
            .get(self.service.url("/api/payouts/account"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.unwrap()
    }

    async fn stripe_account_of(&self, seller: &TestUser) -> String {
        let account = self
            .world
            .database("payments")
            .await
            .collection::<mongodb::bson::Document>("payoutAccounts")
            .find_one(mongodb::bson::doc! { "_id": &seller.id })
            .await
            .unwrap()
            .expect("the seller's account is recorded");
        account.get_str("stripeAccountId").unwrap().to_owned()
    }

    /// An order of a new buyer for `seller`'s ticket, paid, and completed as the
    /// orders service would complete it.
    async fn sell(&self, seller: &TestUser, price_cents: i64) -> OrderCreated {
        let buyer = self.user();
        let seller_id: UserId = seller.id.parse().unwrap();
        let order = self
            .seed_order_of(&buyer, seller_id, price_cents, FIFTEEN_MINUTES)
            .await;
        let paid = self.pay(&buyer, &order.id, "pm_card_visa").await;
        assert_eq!(paid.status(), StatusCode::CREATED);
        let completed = OrderCompleted {
            id: order.id,
            version: 1,
            ticket: TicketRef {
                id: order.ticket.id,
            },
        };
        self.bus.publisher().publish(&completed).await.unwrap();
        // Delivered twice, as JetStream may: still one sale, one payout.
        testkit::redeliver(&self.bus, &completed).await;
        order
    }

    async fn payouts_of(&self, seller: &TestUser) -> Vec<Value> {
        let response = seller
            .client
            .get(self.service.url("/api/payouts"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.unwrap()
    }

    /// Waits until the seller's payout of `order` has `status`.
    async fn await_payout_status(&self, seller: &TestUser, order: &OrderCreated, status: &str) {
        let order_id = order.id.to_hex();
        let reached = testkit::eventually(PAYOUT_SEEN_WITHIN, || async {
            self.payouts_of(seller)
                .await
                .iter()
                .any(|payout| payout["orderId"] == order_id.as_str() && payout["status"] == status)
        })
        .await;
        assert!(
            reached,
            "the payout of {order_id} reaches {status}: {:?}",
            self.payouts_of(seller).await
        );
    }

    fn transfers_of(&self, order: &OrderCreated) -> Vec<TransferRecord> {
        let order_id = order.id.to_hex();
        self.stripe
            .ledger()
            .transfers
            .into_iter()
            .filter(|transfer| transfer.metadata.get("orderId") == Some(&order_id))
            .collect()
    }

    fn charge_of(&self, order: &OrderCreated) -> stripe_fake::Charge {
        let order_id = order.id.to_hex();
        self.stripe
            .ledger()
            .charges
            .into_iter()
            .find(|charge| charge.metadata.get("orderId") == Some(&order_id))
            .expect("the order was charged")
    }

    /// Refunds the order's charge as support would, in Stripe's Dashboard: straight
    /// at Stripe, which tells the service by its webhook.
    async fn refund_at_stripe(&self, order: &OrderCreated) {
        let charge = self.charge_of(order);
        let refunded = reqwest::Client::new()
            .post(format!("{}v1/refunds", self.stripe.url()))
            .bearer_auth(STRIPE_KEY)
            .form(&[("payment_intent", charge.payment_intent.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(
            refunded.status(),
            StatusCode::OK,
            "{:?}",
            refunded.text().await
        );
    }

    fn send_webhooks_here(&self) {
        self.stripe.set_webhook(
            self.service.url("/api/payments/webhooks/stripe"),
            WEBHOOK_SECRET.to_owned(),
        );
    }
}

/// Opens the fake's onboarding page as the seller's browser would, which completes
/// the account and sends the browser back to the return URL (not followed here).
async fn visit_onboarding(onboarding_url: &str) {
    let visit = reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap()
        .get(onboarding_url)
        .send()
        .await
        .unwrap();
    assert_eq!(visit.status(), StatusCode::SEE_OTHER, "onboarding returns");
    assert_eq!(
        visit.headers()["location"],
        "https://ticketing.dev/payouts/account"
    );
}

#[tokio::test]
async fn a_sale_is_paid_to_the_sellers_account_once_after_its_hold_less_the_fee() {
    let app = TestApp::paying_out(true, holding_for(Duration::from_secs(3))).await;
    let seller = app.user();
    let account = app.connect_ready_account(&seller).await;

    let sold_at = time::OffsetDateTime::now_utc();
    // 10% of 10.09 is 1.009: the fee is rounded down to 1.00.
    let order = app.sell(&seller, 1009).await;

    app.await_payout_status(&seller, &order, "held").await;
    let payout = app.payouts_of(&seller).await.remove(0);
    assert_eq!(
        (&payout["price"], &payout["fee"], &payout["amount"]),
        (&json!(10.09), &json!(1), &json!(9.09))
    );
    let held_until = time::OffsetDateTime::parse(
        payout["heldUntil"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert!(
        held_until >= sold_at + time::Duration::seconds(3),
        "held for the hold: until {held_until}, sold at {sold_at}"
    );
    assert!(
        app.transfers_of(&order).is_empty(),
        "nothing moves during the hold"
    );
    app.await_payout_status(&seller, &order, "paid").await;
    assert!(
        time::OffsetDateTime::now_utc() >= held_until,
        "paid only once the hold ended"
    );
    let transfers = app.transfers_of(&order);
    assert_eq!(transfers.len(), 1, "one transfer: {transfers:?}");
    assert_eq!(transfers[0].amount, 909);
    assert_eq!(transfers[0].destination, account);
    assert_eq!(transfers[0].source_transaction, app.charge_of(&order).id);
    assert_eq!(
        app.payouts_of(&seller).await.len(),
        1,
        "one payout per sale"
    );
}

#[tokio::test]
async fn a_payout_waits_for_the_sellers_account_and_goes_when_it_is_ready() {
    let app = TestApp::paying_out(true, holding_for(Duration::ZERO)).await;
    let seller = app.user();

    let order = app.sell(&seller, 2000).await;

    app.await_payout_status(&seller, &order, "waiting_for_account")
        .await;
    let onboarding_url = app.start_connecting(&seller).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        app.transfers_of(&order).is_empty(),
        "not before onboarding is finished"
    );
    visit_onboarding(&onboarding_url).await;
    assert_eq!(app.payout_account(&seller).await["ready"], true);
    app.await_payout_status(&seller, &order, "paid").await;
    assert_eq!(app.transfers_of(&order).len(), 1);
}

#[tokio::test]
async fn two_replicas_and_a_lost_answer_pay_each_sale_once_with_stripes_idempotency_off() {
    // Without Stripe's idempotency, only the claim in the database (between the
    // replicas) and asking Stripe before retrying (after the lost answer) keep each
    // sale to one transfer. At a 50% fee a charge covers two transfers of the
    // seller's share, so Stripe's own check of the charge's amount cannot hide a
    // second one.
    let terms = PayoutTerms {
        fee_percent: "50".parse().unwrap(),
        hold: Duration::from_secs(1),
    };
    let app = TestApp::paying_out(false, terms).await;
    let _second_replica = start_payments_with(
        &app.world,
        &app.stripe,
        payments::config::DEFAULT_ATTEMPTS_PER_MINUTE,
        terms,
    )
    .await;
    let seller = app.user();
    app.connect_ready_account(&seller).await;
    let mut orders = Vec::new();
    for _ in 0..6 {
        orders.push(app.sell(&seller, 1500).await);
    }
    // The first transfer happens, but its answer is lost: the claim stays
    // `transferring` until its lease ends and another pass takes it over.
    app.stripe.lose_responses(1);

    for order in &orders {
        app.await_payout_status(&seller, order, "paid").await;
    }
    for order in &orders {
        assert_eq!(app.transfers_of(order).len(), 1, "{}", order.id);
    }
}

#[tokio::test]
async fn a_refund_at_stripe_stops_a_held_payout_and_reverses_a_paid_one() {
    let app = TestApp::paying_out(true, holding_for(Duration::from_secs(4))).await;
    app.send_webhooks_here();
    let seller = app.user();
    app.connect_ready_account(&seller).await;
    let refunded_during_hold = app.sell(&seller, 3000).await;
    let refunded_after_payout = app.sell(&seller, 5000).await;

    app.await_payout_status(&seller, &refunded_during_hold, "held")
        .await;
    app.refund_at_stripe(&refunded_during_hold).await;
    app.await_payout_status(&seller, &refunded_during_hold, "refunded")
        .await;
    app.await_payout_status(&seller, &refunded_after_payout, "paid")
        .await;
    app.refund_at_stripe(&refunded_after_payout).await;
    app.await_payout_status(&seller, &refunded_after_payout, "reversed")
        .await;

    assert!(app.transfers_of(&refunded_during_hold).is_empty());
    let transfer = app.transfers_of(&refunded_after_payout).remove(0);
    let reversals: Vec<_> = app
        .stripe
        .ledger()
        .transfer_reversals
        .into_iter()
        .filter(|reversal| reversal.transfer == transfer.id)
        .collect();
    assert_eq!(reversals.len(), 1, "{reversals:?}");
    assert_eq!(reversals[0].amount, transfer.amount, "reversed in full");
}

#[tokio::test]
async fn connecting_needs_a_session_and_an_absolute_return_url_and_writes_nothing_otherwise() {
    let app = TestApp::spawn().await;
    let seller = app.user();

    for (body, message) in [
        (json!({}), "returnUrl must be provided"),
        (
            json!({ "returnUrl": "/payouts/account" }),
            "returnUrl must be an absolute http or https URL",
        ),
    ] {
        let response = seller
            .client
            .post(app.service.url("/api/payouts/account"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_field_error(response, StatusCode::BAD_REQUEST, "returnUrl", message).await;
    }
    assert_eq!(app.payout_account(&seller).await["connected"], false);
    let anonymous = reqwest::Client::new()
        .get(app.service.url("/api/payouts"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_webhook_without_a_valid_signature_is_refused_and_changes_nothing() {
    let app = TestApp::paying_out(true, holding_for(Duration::from_secs(60))).await;
    let seller = app.user();
    app.connect_ready_account(&seller).await;
    let order = app.sell(&seller, 3000).await;
    app.await_payout_status(&seller, &order, "held").await;
    let charge = app.charge_of(&order);
    let forged = json!({
        "type": "charge.refunded",
        "data": { "object": { "payment_intent": charge.payment_intent, "refunded": true } },
    });
    let now = time::OffsetDateTime::now_utc().unix_timestamp();

    for (signature, refusal) in [
        (
            None,
            "Refused: the Stripe-Signature header is missing or malformed",
        ),
        (
            Some(format!("t={now},v1={}", "ab".repeat(32))),
            "Refused: no signature in Stripe-Signature matches the endpoint's secret",
        ),
    ] {
        let mut request = reqwest::Client::new()
            .post(app.service.url("/api/payments/webhooks/stripe"))
            .json(&forged);
        if let Some(signature) = signature {
            request = request.header("Stripe-Signature", signature);
        }
        let response = request.send().await.unwrap();
        assert_error(response, StatusCode::BAD_REQUEST, refusal).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(app.payouts_of(&seller).await[0]["status"], "held");
}

#[tokio::test]
async fn each_pass_of_the_payout_loop_reads_only_the_payouts_it_has_work_for() {
    let app = TestApp::paying_out(true, holding_for(Duration::from_secs(3600))).await;
    let database = app.world.database("payments").await;
    let payouts = database.collection::<mongodb::bson::Document>("payouts");
    // Forty sales paid out long ago, ten held for an hour, and one refunded since
    // its transfer: only that one is work.
    let stored = |status: &str, refunded: bool| {
        mongodb::bson::doc! {
            "_id": mongodb::bson::oid::ObjectId::new(),
            "sellerId": UserId::new().to_hex(),
            "ticketId": mongodb::bson::oid::ObjectId::new().to_hex(),
            "price": 1000_i64, "fee": 100_i64, "amount": 900_i64,
            "chargeId": "ch_old",
            "dueAt": mongodb::bson::DateTime::from_millis(
                mongodb::bson::DateTime::now().timestamp_millis() + if status == "held" { 3_600_000 } else { -3_600_000 }
            ),
            "status": status, "refunded": refunded, "transferId": "tr_unknown",
        }
    };
    let documents = (0..40)
        .map(|_| stored("paid", false))
        .chain((0..10).map(|_| stored("held", false)))
        .chain([stored("paid", true)]);
    payouts.insert_many(documents).await.unwrap();

    database
        .run_command(mongodb::bson::doc! { "profile": 2 })
        .await
        .unwrap();
    // Two passes of the loop, every 2 s.
    tokio::time::sleep(Duration::from_secs(5)).await;
    database
        .run_command(mongodb::bson::doc! { "profile": 0 })
        .await
        .unwrap();

    let reads = testkit::query_plan::profiled_finds(&database, "payouts").await;
    assert!(reads.len() >= 4, "the loop's reads of one pass: {reads:?}");
    for read in &reads {
        let plan = testkit::query_plan::explain_unlimited_find(&database, "payouts", read).await;
        assert_eq!(plan.scans, ["IXSCAN"], "{read:?}: {plan:?}");
        assert!(
            plan.docs_examined <= 1,
            "{read:?} read {plan:?} of 51 payouts, one of them work"
        );
    }
}

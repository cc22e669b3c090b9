use std::{fmt::Display, num::NonZeroU32, time::Duration};

use marketplace::{
    events::{OrderCreated, OrderedTicket},
    id::{OrderId, TicketId, UserId},
    money::Price,
    order::OrderStatus,
};
use mongodb::bson::{Document, doc};
use payments::{
    Config, Currency, StripeConfig, build,
    config::DEFAULT_ATTEMPTS_PER_MINUTE,
    payout_terms::{FeePercent, PayoutTerms},
};
use reqwest::Response;
use serde_json::json;
use stripe_fake::{FakeConfig, RunningFake};
use testkit::{RunningService, TestUser, World};
use time::OffsetDateTime;

/// The Stripe key the services use against the fake.
pub const STRIPE_KEY: &str = "sk_test_fake_key";

/// Starts the Stripe fake.
pub async fn start_stripe(honour_idempotency: bool) -> RunningFake {
    stripe_fake::start(FakeConfig { honour_idempotency })
        .await
        .expect("start the Stripe fake")
}

/// Starts a payments service in `world`, talking to `stripe`.
pub async fn start_payments(world: &World, stripe: &RunningFake) -> RunningService {
    start_payments_allowing(world, stripe, DEFAULT_ATTEMPTS_PER_MINUTE).await
}

/// Starts a payments service in `world`, talking to `stripe`, that lets each user
/// attempt `attempts_per_minute` payments a minute.
pub async fn start_payments_allowing(
    world: &World,
    stripe: &RunningFake,
    attempts_per_minute: NonZeroU32,
) -> RunningService {
    start_payments_with(world, stripe, attempts_per_minute, HOLD_FOR_TESTS).await
}

/// The secret the fake signs its webhooks with in these tests.
pub const WEBHOOK_SECRET: &str = "whsec_dev_only_test_secret";

/// The tests' payout terms: the default fee, a three-day hold (payout tests set
/// their own).
pub const HOLD_FOR_TESTS: PayoutTerms = PayoutTerms {
    fee_percent: FeePercent::DEFAULT,
    hold: payments::config::DEFAULT_PAYOUT_HOLD,
};

/// Starts a payments service in `world`, talking to `stripe`, paying sellers on
/// `payouts` terms.
pub async fn start_payments_with(
    world: &World,
    stripe: &RunningFake,
    attempts_per_minute: NonZeroU32,
    payouts: PayoutTerms,
) -> RunningService {
    let config = Config {
        base: world.base_config("payments"),
        session: world.session_config(),
        events: world.events_config("payments"),
        stripe: StripeConfig {
            secret_key: STRIPE_KEY.to_owned(),
            api_base: stripe.url(),
            currency: Currency::USD,
            webhook_secret: Some(WEBHOOK_SECRET.to_owned()),
        },
        recovery_interval: Duration::from_millis(500),
        attempts_per_minute,
        payouts,
    };
    RunningService::start(build(config).await.expect("build the payments service"))
}

/// The payments service and the Stripe fake, in a world of their own.
pub struct TestApp {
    pub service: RunningService,
    pub stripe: RunningFake,
    pub world: World,
    pub bus: bus::EventBus,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(true).await
    }

    /// With the fake's idempotency switched off, only our own code stands between a
    /// double submit and a double charge.
    pub async fn spawn_with(honour_idempotency: bool) -> Self {
        Self::start(honour_idempotency, DEFAULT_ATTEMPTS_PER_MINUTE).await
    }

    /// Letting each user attempt `attempts_per_minute` payments a minute.
    pub async fn allowing(attempts_per_minute: NonZeroU32) -> Self {
        Self::start(true, attempts_per_minute).await
    }

    /// Paying sellers on `payouts` terms.
    pub async fn paying_out(honour_idempotency: bool, payouts: PayoutTerms) -> Self {
        Self::start_with(honour_idempotency, DEFAULT_ATTEMPTS_PER_MINUTE, payouts).await
    }

    async fn start(honour_idempotency: bool, attempts_per_minute: NonZeroU32) -> Self {
        Self::start_with(honour_idempotency, attempts_per_minute, HOLD_FOR_TESTS).await
    }

    async fn start_with(
        honour_idempotency: bool,
        attempts_per_minute: NonZeroU32,
        payouts: PayoutTerms,
    ) -> Self {
        let world = World::new();
        let stripe = start_stripe(honour_idempotency).await;
        let service = start_payments_with(&world, &stripe, attempts_per_minute, payouts).await;
        let bus = world.bus().await;
        Self {
            service,
            stripe,
            world,
            bus,
        }
    }

    pub fn user(&self) -> TestUser {
        self.world.user()
    }

    /// Announces an order of `buyer` as the orders service would, and waits for the
    /// replica.
    pub async fn seed_order(
        &self,
        buyer: &TestUser,
        price_cents: i64,
        hold: time::Duration,
    ) -> OrderCreated {
        self.seed_order_of(buyer, UserId::new(), price_cents, hold)
            .await
    }

    /// Announces an order of `buyer` for a ticket `seller` listed.
    pub async fn seed_order_of(
        &self,
        buyer: &TestUser,
        seller: UserId,
        price_cents: i64,
        hold: time::Duration,
    ) -> OrderCreated {
        let order = OrderCreated {
            id: OrderId::new(),
            version: 0,
            status: OrderStatus::Created,
            user_id: buyer.id.parse().unwrap(),
            expires_at: OffsetDateTime::now_utc() + hold,
            ticket: OrderedTicket {
                id: TicketId::new(),
                price: Price::from_cents(price_cents).unwrap(),
                seller_id: seller,
            },
        };
        self.bus.publisher().publish(&order).await.unwrap();
        let replicated = testkit::eventually(Duration::from_secs(5), || async {
            self.replica_order(order.id).await.is_some()
        })
        .await;
        assert!(replicated, "the order reached the replica");
        order
    }

    pub async fn replica_order(&self, id: OrderId) -> Option<Document> {
        self.collection("orders")
            .await
            .find_one(doc! { "_id": id.object_id() })
            .await
            .unwrap()
    }

    /// Stored payments of the order.
    pub async fn payments_of(&self, order_id: OrderId) -> Vec<Document> {
        use futures::TryStreamExt;
        self.collection("payments")
            .await
            .find(doc! { "orderId": order_id.to_hex() })
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap()
    }

    async fn collection(&self, name: &str) -> mongodb::Collection<Document> {
        self.world.database("payments").await.collection(name)
    }

    pub async fn pay(&self, buyer: &TestUser, order_id: impl Display, token: &str) -> Response {
        pay(&self.service, buyer, order_id, token).await
    }
}

pub async fn pay(
    payments: &RunningService,
    buyer: &TestUser,
    order_id: impl Display,
    token: &str,
) -> Response {
    buyer
        .client
        .post(payments.url("/api/payments"))
        .json(&json!({ "orderId": order_id.to_string(), "token": token }))
        .send()
        .await
        .unwrap()
}

/// Charges and refunds of one order in the fake's ledger.
pub fn ledger_of(stripe: &RunningFake, order_id: OrderId) -> (usize, usize) {
    let order_id = order_id.to_hex();
    let ledger = stripe.ledger();
    let charges: Vec<_> = ledger
        .charges
        .iter()
        .filter(|charge| {
            charge.metadata.get("orderId").map(String::as_str) == Some(order_id.as_str())
        })
        .collect();
    let refunds = ledger
        .refunds
        .iter()
        .filter(|refund| {
            charges
                .iter()
                .any(|charge| charge.payment_intent == refund.payment_intent)
        })
        .count();
    (charges.len(), refunds)
}

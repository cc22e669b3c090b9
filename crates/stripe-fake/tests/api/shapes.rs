//! Every response, raw from the wire, reads as async-stripe's type for it: a field the
//! generated types require and the fake forgot would fail here.

use reqwest::StatusCode;
use stripe_connect::AccountLink;
use stripe_shared::{
    Account, AccountCapabilitiesStatus, AccountType, PaymentIntent, PaymentIntentStatus,
    PaymentMethod, Refund, Transfer, TransferReversal,
};
use stripe_types::List;

use crate::helpers::{Outcome, REFRESH_URL, RETURN_URL, Raw, TEST_PAYMENT_METHODS, TestFake};

const ORDER: [(&str, &str); 4] = [
    ("amount", "2500"),
    ("currency", "usd"),
    ("metadata[order_id]", "order-1"),
    ("description", "Concert A"),
];

fn with<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    ORDER.iter().chain(extra).copied().collect()
}

/// A 402 decline: the error reads, and so do the PaymentIntent and payment method in it.
fn assert_declined(response: &Raw, decline_code: &str) -> PaymentIntent {
    assert_eq!(
        response.status,
        StatusCode::PAYMENT_REQUIRED,
        "{}",
        response.body
    );
    let error = response.error();
    assert_eq!(error.decline_code.as_deref(), Some(decline_code));
    assert!(error.payment_method.is_some(), "{}", response.body);
    let intent = error.payment_intent.expect("the declined PaymentIntent");
    assert_eq!(intent.status, PaymentIntentStatus::RequiresPaymentMethod);
    let last_error = intent
        .last_payment_error
        .as_ref()
        .expect("the decline on the PaymentIntent");
    assert_eq!(last_error.decline_code.as_deref(), Some(decline_code));
    intent
}

/// Reads a charge's answer as `outcome` says it should be: a succeeded PaymentIntent,
/// or a decline. Returns the PaymentIntent either way.
fn assert_outcome(response: &Raw, outcome: Outcome) -> PaymentIntent {
    match outcome {
        Outcome::Succeeds => {
            let intent: PaymentIntent = response.parse();
            assert_eq!(intent.status, PaymentIntentStatus::Succeeded);
            intent
        }
        Outcome::Declines(code) => assert_declined(response, code),
    }
}

/// Creates the order's PaymentIntent, confirmed at once with `payment_method`.
async fn pay_now(app: &TestFake, payment_method: &str) -> Raw {
    app.post(
        "/v1/payment_intents",
        &with(&[("payment_method", payment_method), ("confirm", "true")]),
    )
    .await
}

#[tokio::test]
async fn every_test_payment_method_reads_as_a_payment_method() {
    let app = TestFake::start().await;
    for (id, _) in TEST_PAYMENT_METHODS {
        let response = app.get(&format!("/v1/payment_methods/{id}")).await;
        assert_eq!(response.status, StatusCode::OK, "{id}: {}", response.body);
        let payment_method: PaymentMethod = response.parse();
        assert_eq!(payment_method.id.as_str(), id);
        assert!(payment_method.card.is_some());
    }
}

#[tokio::test]
async fn created_payment_methods_read_as_payment_methods() {
    let app = TestFake::start().await;
    let cards: [&[(&str, &str)]; 7] = [
        &[("card[token]", "tok_visa")],
        &[("card[token]", "tok_chargeDeclined")],
        &[("card[token]", "tok_chargeDeclinedInsufficientFunds")],
        &[
            ("card[number]", "4242424242424242"),
            ("card[exp_month]", "12"),
            ("card[exp_year]", "2040"),
            ("card[cvc]", "123"),
        ],
        &[
            ("card[number]", "4000000000000002"),
            ("card[exp_month]", "1"),
            ("card[exp_year]", "2040"),
        ],
        &[
            ("card[number]", "4000000000009995"),
            ("card[exp_month]", "6"),
            ("card[exp_year]", "2040"),
        ],
        &[
            ("card[number]", "5555555555554444"),
            ("card[exp_month]", "6"),
            ("card[exp_year]", "2040"),
        ],
    ];
    for card in cards {
        let params: Vec<_> = [("type", "card")].iter().chain(card).copied().collect();
        let created = app.post("/v1/payment_methods", &params).await;
        assert_eq!(created.status, StatusCode::OK, "{card:?}: {}", created.body);
        let payment_method: PaymentMethod = created.parse();
        assert!(payment_method.id.as_str().starts_with("pm_"));

        let retrieved = app
            .get(&format!("/v1/payment_methods/{}", payment_method.id))
            .await;
        let _: PaymentMethod = retrieved.parse();
    }
}

#[tokio::test]
async fn payment_intents_read_as_payment_intents_at_every_step() {
    let app = TestFake::start().await;
    for (payment_method, outcome) in TEST_PAYMENT_METHODS {
        let created = app
            .post(
                "/v1/payment_intents",
                &with(&[("payment_method", payment_method)]),
            )
            .await;
        let intent: PaymentIntent = created.parse();
        assert_eq!(intent.status, PaymentIntentStatus::RequiresConfirmation);
        let path = format!("/v1/payment_intents/{}", intent.id);
        let _: PaymentIntent = app.get(&path).await.parse();

        let confirmed = app.post(&format!("{path}/confirm"), &[]).await;
        assert_outcome(&confirmed, outcome);
        let _: PaymentIntent = app.get(&path).await.parse();
    }
}

#[tokio::test]
async fn confirming_on_creation_reads_the_same_way() {
    let app = TestFake::start().await;
    for (payment_method, outcome) in TEST_PAYMENT_METHODS {
        let intent = assert_outcome(&pay_now(&app, payment_method).await, outcome);
        let _: PaymentIntent = app
            .get(&format!("/v1/payment_intents/{}", intent.id))
            .await
            .parse();
    }
}

#[tokio::test]
async fn inline_card_data_reads_the_same_way() {
    let app = TestFake::start().await;
    let tokens = [
        ("tok_visa", Outcome::Succeeds),
        ("tok_chargeDeclined", Outcome::Declines("generic_decline")),
        (
            "tok_chargeDeclinedInsufficientFunds",
            Outcome::Declines("insufficient_funds"),
        ),
    ];
    for (token, outcome) in tokens {
        let response = app
            .post(
                "/v1/payment_intents",
                &with(&[
                    ("payment_method_data[type]", "card"),
                    ("payment_method_data[card][token]", token),
                    ("confirm", "true"),
                ]),
            )
            .await;
        assert_outcome(&response, outcome);
    }
}

#[tokio::test]
async fn refunds_read_as_refunds() {
    let app = TestFake::start().await;
    for (payment_method, outcome) in TEST_PAYMENT_METHODS {
        let response = pay_now(&app, payment_method).await;
        let refund = app
            .post(
                "/v1/refunds",
                &[
                    ("payment_intent", &response_intent_id(&response)),
                    ("amount", "500"),
                ],
            )
            .await;
        match outcome {
            Outcome::Succeeds => {
                let refund: Refund = refund.parse();
                assert_eq!(refund.amount, 500);
                let full = app
                    .post(
                        "/v1/refunds",
                        &[("payment_intent", &response_intent_id(&response))],
                    )
                    .await;
                assert_eq!(full.parse::<Refund>().amount, 2000);
            }
            Outcome::Declines(_) => {
                assert_eq!(refund.status, StatusCode::BAD_REQUEST);
                refund.error();
            }
        }
    }
}

/// The PaymentIntent id of a success body or of a decline body.
fn response_intent_id(response: &Raw) -> String {
    let json = response.json();
    let intent = json
        .get("error")
        .map_or(&json, |error| &error["payment_intent"]);
    intent["id"]
        .as_str()
        .expect("a PaymentIntent id")
        .to_owned()
}

#[tokio::test]
async fn every_error_reads_as_a_stripe_error() {
    let app = TestFake::start().await;
    let succeeded = pay_now(&app, "pm_card_visa").await.id();
    app.post_with_key("/v1/payment_intents", &ORDER, "used")
        .await;
    let no_key = app
        .request(reqwest::Method::GET, "/v1/payment_intents/pi_x")
        .send()
        .await
        .unwrap();
    assert_eq!(no_key.status(), StatusCode::UNAUTHORIZED);
    let no_key_body = no_key.text().await.unwrap();
    let _: stripe_shared::Error = miniserde::json::from_str(&no_key_body).expect(&no_key_body);

    let failures = [
        app.get("/v1/payment_intents/pi_missing").await,
        app.get("/v1/payment_methods/pm_missing").await,
        app.get("/v1/nowhere").await,
        app.post("/v1/payment_intents", &[("amount", "2500")]).await,
        app.post(
            "/v1/payment_intents",
            &[("amount", "ten"), ("currency", "usd")],
        )
        .await,
        app.post(
            "/v1/payment_intents",
            &[("amount", "20"), ("currency", "usd")],
        )
        .await,
        app.post(
            "/v1/payment_intents",
            &with(&[("payment_method", "pm_nope")]),
        )
        .await,
        app.post(&format!("/v1/payment_intents/{succeeded}/confirm"), &[])
            .await,
        app.post(
            "/v1/payment_methods",
            &[("type", "card"), ("card[token]", "tok_nope")],
        )
        .await,
        app.post(
            "/v1/payment_methods",
            &[
                ("type", "card"),
                ("card[number]", "1234"),
                ("card[exp_month]", "1"),
                ("card[exp_year]", "2040"),
            ],
        )
        .await,
        app.post("/v1/refunds", &[("payment_intent", "pi_missing")])
            .await,
        app.post(
            "/v1/refunds",
            &[("payment_intent", &succeeded), ("amount", "9999")],
        )
        .await,
        app.post_with_key(
            "/v1/payment_intents",
            &with(&[("confirm", "false")]),
            "used",
        )
        .await,
        app.post_with_key("/v1/refunds", &ORDER, "used").await,
    ];
    for failure in failures {
        assert!(failure.status.is_client_error(), "{}", failure.body);
        let error = failure.error();
        assert!(error.message.is_some(), "{}", failure.body);
    }
}

#[tokio::test]
async fn accounts_and_their_links_read_as_accounts_and_account_links() {
    let app = TestFake::start().await;
    let id = app.account().await;
    let path = format!("/v1/accounts/{id}");
    let waiting: Account = app.get(&path).await.parse();
    assert_eq!(waiting.type_, Some(AccountType::Express));
    let capabilities = waiting.capabilities.expect("the requested capabilities");
    assert_eq!(
        capabilities.transfers,
        Some(AccountCapabilitiesStatus::Inactive)
    );

    let link = app
        .post(
            "/v1/account_links",
            &[
                ("account", &id),
                ("type", "account_onboarding"),
                ("refresh_url", REFRESH_URL),
                ("return_url", RETURN_URL),
            ],
        )
        .await;
    let link: AccountLink = link.parse();
    assert_eq!(link.expires_at, link.created + 300);
    app.visit(&link.url).await;

    let onboarded: Account = app.get(&path).await.parse();
    assert_eq!(onboarded.charges_enabled, Some(true));
    let capabilities = onboarded.capabilities.expect("the capabilities");
    assert_eq!(
        capabilities.transfers,
        Some(AccountCapabilitiesStatus::Active)
    );
}

#[tokio::test]
async fn transfers_and_reversals_read_as_transfers_and_transfer_reversals() {
    let app = TestFake::start().await;
    let (_, charge) = app.charge(2500, "usd").await;
    let seller = app.onboarded_account().await;
    let created = app
        .post(
            "/v1/transfers",
            &[
                ("amount", "2000"),
                ("currency", "usd"),
                ("destination", &seller),
                ("source_transaction", &charge),
                ("transfer_group", "order-1"),
                ("description", "Concert A"),
                ("metadata[order_id]", "order-1"),
            ],
        )
        .await;
    let transfer: Transfer = created.parse();
    assert_eq!((transfer.amount, transfer.amount_reversed), (2000, 0));
    assert!(transfer.reversals.data.is_empty());
    let path = format!("/v1/transfers/{}", transfer.id);

    let reversal = app
        .post(&format!("{path}/reversals"), &[("amount", "500")])
        .await;
    let reversal: TransferReversal = reversal.parse();
    assert_eq!(reversal.transfer.id(), &transfer.id);

    let reversed: Transfer = app.get(&path).await.parse();
    assert_eq!(reversed.amount_reversed, 500);
    assert_eq!(reversed.reversals.data.len(), 1);
    let listed: List<Transfer> = app
        .get("/v1/transfers?transfer_group=order-1")
        .await
        .parse();
    assert_eq!(listed.data.len(), 1);
}

#[tokio::test]
async fn connect_errors_read_as_stripe_errors() {
    let app = TestFake::start().await;
    let (_, charge) = app.charge(2500, "usd").await;
    let waiting = app.account().await;
    let transfer = |destination: &'static str| {
        [
            ("amount", "100"),
            ("currency", "usd"),
            ("destination", destination),
            ("source_transaction", "ch_nope"),
        ]
    };

    let failures = [
        app.get("/v1/accounts/acct_nope").await,
        app.post("/v1/accounts", &[("type", "standard")]).await,
        app.post("/v1/account_links", &[("account", &waiting)])
            .await,
        app.post("/v1/transfers", &transfer("acct_nope")).await,
        app.post(
            "/v1/transfers",
            &[
                ("amount", "100"),
                ("currency", "usd"),
                ("destination", &waiting),
                ("source_transaction", &charge),
            ],
        )
        .await,
        app.get("/v1/transfers/tr_nope").await,
        app.get("/v1/transfers?limit=0").await,
        app.post("/v1/transfers/tr_nope/reversals", &[]).await,
    ];
    for failure in failures {
        assert!(failure.status.is_client_error(), "{}", failure.body);
        assert!(failure.error().message.is_some(), "{}", failure.body);
    }
}

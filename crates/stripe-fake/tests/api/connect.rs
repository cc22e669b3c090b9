//! Connect over raw HTTP: onboarding through the fake's page, and the checks Stripe
//! makes before a transfer or a reversal moves money.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{REFRESH_URL, RETURN_URL, TestFake};

const CAPABILITY_MESSAGE: &str = "Your destination account needs to have at least one of the \
    following capabilities enabled: transfers, crypto_transfers, legacy_payments";

async fn account_json(app: &TestFake, account: &str) -> Value {
    let retrieved = app.get(&format!("/v1/accounts/{account}")).await;
    assert_eq!(retrieved.status, StatusCode::OK, "{}", retrieved.body);
    retrieved.json()
}

/// A transfer of `amount` from `charge` to `destination`, as the payments service sends it.
async fn transfer(
    app: &TestFake,
    destination: &str,
    charge: &str,
    amount: &str,
) -> crate::helpers::Raw {
    app.post(
        "/v1/transfers",
        &[
            ("amount", amount),
            ("currency", "usd"),
            ("destination", destination),
            ("source_transaction", charge),
            ("transfer_group", "order-1"),
            ("metadata[order_id]", "order-1"),
        ],
    )
    .await
}

#[tokio::test]
async fn onboarding_completes_the_account_and_returns_to_the_platform() {
    let app = TestFake::start().await;
    let account = app.account().await;
    let before = account_json(&app, &account).await;
    assert_eq!(before["charges_enabled"], false);
    assert_eq!(before["payouts_enabled"], false);
    assert_eq!(before["details_submitted"], false);
    assert_eq!(before["capabilities"]["transfers"], "inactive");

    let url = app.onboarding_link(&account).await;
    assert!(
        url.starts_with(&app.fake.url()),
        "{url} is the fake's own page"
    );
    let visited = app.visit(&url).await;

    assert_eq!(visited.status, StatusCode::SEE_OTHER);
    assert_eq!(visited.location(), RETURN_URL);
    let after = account_json(&app, &account).await;
    assert_eq!(after["charges_enabled"], true);
    assert_eq!(after["payouts_enabled"], true);
    assert_eq!(after["details_submitted"], true);
    assert_eq!(after["capabilities"]["transfers"], "active");
    assert_eq!(after["metadata"]["user_id"], "seller-1");
}

#[tokio::test]
async fn a_used_or_expired_link_sends_the_browser_to_refresh_url() {
    let app = TestFake::start().await;
    let onboarded = app.account().await;
    let used = app.onboarding_link(&onboarded).await;
    app.visit(&used).await;

    let again = app.visit(&used).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert_eq!(again.location(), REFRESH_URL);

    let waiting = app.account().await;
    let expired = app.onboarding_link(&waiting).await;
    app.fake.expire_account_links();
    let late = app.visit(&expired).await;
    assert_eq!(late.location(), REFRESH_URL);
    assert_eq!(
        account_json(&app, &waiting).await["details_submitted"],
        false
    );

    let fresh = app.onboarding_link(&waiting).await;
    assert_eq!(app.visit(&fresh).await.location(), RETURN_URL);
}

#[tokio::test]
async fn an_unknown_link_is_a_small_404_page() {
    let app = TestFake::start().await;

    let visited = app
        .visit(&format!(
            "{}connect/onboarding/onboarding_nope",
            app.fake.url()
        ))
        .await;

    assert_eq!(visited.status, StatusCode::NOT_FOUND);
    assert!(
        visited.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(
        visited.body.contains("Unknown onboarding link"),
        "{}",
        visited.body
    );
}

#[tokio::test]
async fn an_unknown_account_is_resource_missing() {
    let app = TestFake::start().await;

    let retrieved = app.get("/v1/accounts/acct_nope").await;
    assert_eq!(retrieved.status, StatusCode::NOT_FOUND);
    let error = retrieved.error();
    assert_eq!(error.param.as_deref(), Some("account"));
    assert_eq!(
        error.message.as_deref(),
        Some("No such account: 'acct_nope'")
    );

    let link = app
        .post(
            "/v1/account_links",
            &[
                ("account", "acct_nope"),
                ("type", "account_onboarding"),
                ("refresh_url", REFRESH_URL),
                ("return_url", RETURN_URL),
            ],
        )
        .await;
    assert_eq!(link.status, StatusCode::BAD_REQUEST);
    assert_eq!(link.error().param.as_deref(), Some("account"));
}

#[tokio::test]
async fn a_transfer_to_an_account_not_onboarded_is_refused() {
    let app = TestFake::start().await;
    let (_, charge) = app.charge(2500, "usd").await;
    let waiting = app.account().await;

    let refused = transfer(&app, &waiting, &charge, "2250").await;

    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    let error = refused.error();
    assert_eq!(error.param.as_deref(), Some("destination"));
    assert_eq!(error.message.as_deref(), Some(CAPABILITY_MESSAGE));
    assert!(app.ledger().transfers.is_empty());
}

#[tokio::test]
async fn a_transfer_needs_a_known_destination_and_a_succeeded_charge_in_its_currency() {
    let app = TestFake::start().await;
    let (_, charge) = app.charge(2500, "usd").await;
    let seller = app.onboarded_account().await;

    let no_destination = transfer(&app, "acct_nope", &charge, "100").await;
    assert_eq!(no_destination.error().param.as_deref(), Some("destination"));
    let no_charge = transfer(&app, &seller, "ch_nope", "100").await;
    assert_eq!(
        no_charge.error().param.as_deref(),
        Some("source_transaction")
    );
    let other_currency = app
        .post(
            "/v1/transfers",
            &[
                ("amount", "100"),
                ("currency", "eur"),
                ("destination", &seller),
                ("source_transaction", &charge),
            ],
        )
        .await;
    assert_eq!(other_currency.status, StatusCode::BAD_REQUEST);
    assert_eq!(other_currency.error().param.as_deref(), Some("currency"));
    for amount in ["0", "-5"] {
        let not_positive = transfer(&app, &seller, &charge, amount).await;
        assert_eq!(
            not_positive.error().param.as_deref(),
            Some("amount"),
            "{amount}"
        );
    }
    assert!(app.ledger().transfers.is_empty());
}

#[tokio::test]
async fn a_charge_cannot_be_transferred_beyond_what_refunds_and_transfers_left() {
    let app = TestFake::start().await;
    let (intent, charge) = app.charge(2500, "usd").await;
    let seller = app.onboarded_account().await;
    app.post(
        "/v1/refunds",
        &[("payment_intent", &intent), ("amount", "500")],
    )
    .await;
    let first = transfer(&app, &seller, &charge, "1500").await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);

    let too_much = transfer(&app, &seller, &charge, "501").await;
    assert_eq!(
        too_much.status,
        StatusCode::BAD_REQUEST,
        "{}",
        too_much.body
    );
    assert_eq!(too_much.error().param.as_deref(), Some("amount"));

    // A reversal gives what it took back to the charge.
    app.post(
        &format!("/v1/transfers/{}/reversals", first.id()),
        &[("amount", "300")],
    )
    .await;
    let rest = transfer(&app, &seller, &charge, "800").await;
    assert_eq!(rest.status, StatusCode::OK, "{}", rest.body);
    assert_eq!(
        transfer(&app, &seller, &charge, "1").await.status,
        StatusCode::BAD_REQUEST
    );
    let amounts: Vec<i64> = app.ledger().transfers.iter().map(|t| t.amount).collect();
    assert_eq!(amounts, [1500, 800]);
}

#[tokio::test]
async fn a_reversal_updates_the_transfer_and_the_ledger() {
    let app = TestFake::start().await;
    let (_, charge) = app.charge(2500, "usd").await;
    let seller = app.onboarded_account().await;
    let transferred = transfer(&app, &seller, &charge, "2000").await.id();
    let reversals = format!("/v1/transfers/{transferred}/reversals");

    let partial = app
        .post(
            &reversals,
            &[("amount", "500"), ("metadata[reason]", "refund")],
        )
        .await;
    assert_eq!(partial.status, StatusCode::OK, "{}", partial.body);
    let after_partial = app
        .get(&format!("/v1/transfers/{transferred}"))
        .await
        .json();
    assert_eq!(after_partial["amount_reversed"], 500);
    assert_eq!(after_partial["reversed"], false);

    let too_much = app.post(&reversals, &[("amount", "1501")]).await;
    assert_eq!(
        too_much.status,
        StatusCode::BAD_REQUEST,
        "{}",
        too_much.body
    );
    let rest = app.post(&reversals, &[]).await;
    assert_eq!(rest.json()["amount"], 1500);
    let after_rest = app
        .get(&format!("/v1/transfers/{transferred}"))
        .await
        .json();
    assert_eq!(after_rest["amount_reversed"], 2000);
    assert_eq!(after_rest["reversed"], true);
    assert_eq!(after_rest["reversals"]["data"][0]["id"], rest.json()["id"]);
    assert_eq!(
        app.post(&reversals, &[]).await.status,
        StatusCode::BAD_REQUEST
    );

    let ledger = app.ledger();
    let recorded: Vec<_> = ledger
        .transfer_reversals
        .iter()
        .map(|reversal| {
            (
                reversal.id.clone(),
                reversal.transfer.clone(),
                reversal.amount,
            )
        })
        .collect();
    assert_eq!(
        recorded,
        [
            (partial.id(), transferred.clone(), 500),
            (rest.id(), transferred.clone(), 1500)
        ]
    );
    let sent = &ledger.transfers[0];
    assert_eq!(sent.id, transferred);
    assert_eq!((sent.amount, sent.currency.as_str()), (2000, "usd"));
    assert_eq!(
        (sent.destination.as_str(), sent.source_transaction.as_str()),
        (seller.as_str(), charge.as_str())
    );
    assert_eq!(sent.transfer_group.as_deref(), Some("order-1"));
    assert_eq!(
        sent.metadata.get("order_id").map(String::as_str),
        Some("order-1")
    );
}

#[tokio::test]
async fn transfers_list_newest_first_by_group_within_the_limit() {
    let app = TestFake::start().await;
    let (_, charge) = app.charge(5000, "usd").await;
    let seller = app.onboarded_account().await;
    let mut order_1 = Vec::new();
    for _ in 0..3 {
        order_1.push(transfer(&app, &seller, &charge, "100").await.id());
    }
    app.post(
        "/v1/transfers",
        &[
            ("amount", "100"),
            ("currency", "usd"),
            ("destination", &seller),
            ("source_transaction", &charge),
            ("transfer_group", "order-2"),
        ],
    )
    .await;

    let listed = app
        .get("/v1/transfers?transfer_group=order-1&limit=2")
        .await
        .json();

    let ids: Vec<&str> = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [order_1[2].as_str(), order_1[1].as_str()]);
    assert_eq!(listed["has_more"], true);
    assert_eq!(listed["url"], "/v1/transfers");
    let everything = app.get("/v1/transfers").await.json();
    assert_eq!(everything["data"].as_array().unwrap().len(), 4);
    assert_eq!(everything["has_more"], false);
    assert_eq!(
        app.get("/v1/transfers?limit=101").await.status,
        StatusCode::BAD_REQUEST
    );
}

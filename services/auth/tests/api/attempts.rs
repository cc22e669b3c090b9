use std::num::NonZeroU32;

use auth::AttemptLimits;
use futures::TryStreamExt;
use reqwest::{Response, StatusCode, header};
use serde_json::json;
use testkit::World;

use crate::helpers::{PASSWORD, TestApp, email};

fn limits(per_address: u32, per_email: u32) -> AttemptLimits {
    AttemptLimits {
        per_address_per_minute: NonZeroU32::new(per_address).unwrap(),
        per_email_per_minute: NonZeroU32::new(per_email).unwrap(),
    }
}

/// A signin attempt that appears to come from `address`, as ingress-nginx or the
/// dev gateway would report it.
async fn signin_from(app: &TestApp, address: &str, email: &str) -> Response {
    app.client
        .post(app.url("/api/users/signin"))
        .header("x-forwarded-for", address)
        .json(&json!({ "email": email, "password": "wrong password" }))
        .send()
        .await
        .unwrap()
}

async fn assert_too_many(response: Response) {
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = response.headers()[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (1..=60).contains(&retry_after),
        "Retry-After: {retry_after}"
    );
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["message"],
        format!("Too many attempts. Try again in {retry_after} seconds.")
    );
}

#[tokio::test]
async fn one_address_gets_a_429_after_its_allowance_and_others_are_not_affected() {
    let app = TestApp::with_limits(limits(3, 100)).await;

    for _ in 0..3 {
        let response = signin_from(&app, "203.0.113.1", &email()).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    }
    assert_too_many(signin_from(&app, "203.0.113.1", &email()).await).await;

    let elsewhere = signin_from(&app, "203.0.113.2", &email()).await;
    assert_eq!(elsewhere.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn one_email_gets_a_429_after_its_allowance_from_any_address() {
    let app = TestApp::with_limits(limits(100, 2)).await;
    let target = email();

    for address in ["203.0.113.1", "203.0.113.2"] {
        let response = signin_from(&app, address, &target).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    }
    // The same account, however its case and spacing are typed.
    assert_too_many(
        signin_from(&app, "203.0.113.3", &format!(" {} ", target.to_uppercase())).await,
    )
    .await;

    let other_account = signin_from(&app, "203.0.113.3", &email()).await;
    assert_eq!(other_account.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn signup_counts_against_the_same_allowance_and_a_refused_one_creates_nothing() {
    let app = TestApp::with_limits(limits(1, 100)).await;
    let first = app.signup(&email(), PASSWORD).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let refused_email = email();

    assert_too_many(app.signup(&refused_email, PASSWORD).await).await;

    let elsewhere = signin_from(&app, "198.51.100.4", &refused_email).await;
    assert_eq!(
        elsewhere.status(),
        StatusCode::BAD_REQUEST,
        "no account was created for the refused signup"
    );
}

#[tokio::test]
async fn two_replicas_share_one_allowance() {
    let world = World::new();
    let one = TestApp::in_world(&world, limits(3, 100)).await;
    let other = TestApp::in_world(&world, limits(3, 100)).await;

    for replica in [&one, &other, &one] {
        let response = signin_from(replica, "203.0.113.1", &email()).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    }

    assert_too_many(signin_from(&other, "203.0.113.1", &email()).await).await;
    assert_too_many(signin_from(&one, "203.0.113.1", &email()).await).await;
}

#[tokio::test]
async fn counted_attempts_expire_once_their_window_has_ended() {
    let world = World::new();
    let app = TestApp::in_world(&world, limits(3, 100)).await;
    signin_from(&app, "203.0.113.1", &email()).await;

    let indexes: Vec<_> = world
        .database("auth")
        .await
        .collection::<mongodb::bson::Document>("rate_limits")
        .list_indexes()
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();

    let expiry = indexes
        .iter()
        .find(|index| index.keys == mongodb::bson::doc! { "endsAt": 1 })
        .expect("an index on the window's end");
    let expire_after = expiry
        .options
        .as_ref()
        .and_then(|options| options.expire_after);
    assert_eq!(expire_after, Some(std::time::Duration::ZERO));
}

#[tokio::test]
async fn api_responses_forbid_sniffing_and_framing() {
    let app = TestApp::spawn().await;

    let response = reqwest::get(app.url("/api/users/currentuser"))
        .await
        .unwrap();

    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    assert_eq!(response.headers()["x-frame-options"], "DENY");
}

use std::time::Duration;

use httpkit::session::{COOKIE_NAME, SessionKeys};
use reqwest::StatusCode;
use serde_json::{Value, json};
use settings::Environment;

use crate::helpers::{JWT_KEY, PASSWORD, TestApp, email};

/// `currentuser` as seen with exactly this cookie value.
async fn current_user_with_cookie(app: &TestApp, value: &str) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .get(app.url("/api/users/currentuser"))
        .header("cookie", format!("{COOKIE_NAME}={value}"))
        .send()
        .await
        .unwrap();
    (response.status(), response.json().await.unwrap())
}

#[tokio::test]
async fn a_signed_in_user_sees_their_claims() {
    let app = TestApp::spawn().await;
    let email = email();
    app.signup(&email, PASSWORD).await;

    let user = app.current_user().await;

    assert_eq!(user["email"], email.as_str());
    assert!(user["id"].is_string() && user["iat"].is_i64() && user["exp"].is_i64());
    assert!(user["exp"].as_i64() > user["iat"].as_i64());
}

#[tokio::test]
async fn without_a_cookie_the_current_user_is_null() {
    let app = TestApp::spawn().await;

    let response = reqwest::get(app.url("/api/users/currentuser"))
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({ "currentUser": null })
    );
}

#[tokio::test]
async fn garbage_forged_and_expired_cookies_give_null_never_an_error() {
    let app = TestApp::spawn().await;
    let forged = SessionKeys::new("someone-elses-key", Environment::Development)
        .issue_token(
            "5f0000000000000000000000".parse().unwrap(),
            "mallory@example.com",
        )
        .unwrap();
    let expired = SessionKeys::with_ttl(JWT_KEY, Environment::Development, Duration::ZERO)
        .issue_token(
            "5f0000000000000000000000".parse().unwrap(),
            "old@example.com",
        )
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;

    for cookie in ["garbage", "a.b.c", "", &forged, &expired] {
        let (status, body) = current_user_with_cookie(&app, cookie).await;
        assert_eq!(status, StatusCode::OK, "cookie {cookie:?}");
        assert_eq!(body, json!({ "currentUser": null }), "cookie {cookie:?}");
    }
}

#[tokio::test]
async fn a_cookie_signed_with_the_shared_key_is_accepted() {
    let app = TestApp::spawn().await;
    let valid = SessionKeys::new(JWT_KEY, Environment::Development)
        .issue_token(
            "5f0000000000000000000000".parse().unwrap(),
            "ann@example.com",
        )
        .unwrap();

    let (_, body) = current_user_with_cookie(&app, &valid).await;

    assert_eq!(body["currentUser"]["email"], "ann@example.com");
}

use reqwest::StatusCode;
use serde_json::{Value, json};

use testkit::{assert_error, errors_of};

use crate::helpers::{PASSWORD, TestApp, browser, current_user_of, email, session_set_cookie};

#[tokio::test]
async fn signin_with_the_right_password_sets_the_session_cookie() {
    let app = TestApp::spawn().await;
    let email = email();
    app.signup(&email, PASSWORD).await;
    let other_browser = browser();

    let response = other_browser
        .post(app.url("/api/users/signin"))
        .json(&json!({ "email": email.to_uppercase(), "password": PASSWORD }))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    assert!(session_set_cookie(&response).is_some());
    let user: Value = response.json().await.unwrap();
    assert_eq!(user["email"], email.as_str());
    assert_eq!(
        current_user_of(&other_browser, &app).await["email"],
        email.as_str()
    );
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_answer() {
    let app = TestApp::spawn().await;
    let email = email();
    app.signup(&email, PASSWORD).await;

    let wrong_password = app.signin(&email, "wrong-password").await;
    let unknown_email = app.signin(&self::email(), PASSWORD).await;

    assert!(session_set_cookie(&wrong_password).is_none());
    assert!(session_set_cookie(&unknown_email).is_none());
    assert_error(
        wrong_password,
        StatusCode::BAD_REQUEST,
        "Invalid credentials",
    )
    .await;
    assert_error(
        unknown_email,
        StatusCode::BAD_REQUEST,
        "Invalid credentials",
    )
    .await;
}

#[tokio::test]
async fn signin_without_a_password_or_with_an_invalid_email_is_a_400() {
    let app = TestApp::spawn().await;

    let response = app
        .post_json("/api/users/signin", &json!({ "email": "nope" }))
        .await;

    let errors = errors_of(response, StatusCode::BAD_REQUEST).await;
    assert_eq!(
        errors,
        [
            json!({ "message": "Email must be valid", "field": "email" }),
            json!({ "message": "You must supply a password", "field": "password" }),
        ]
    );
}

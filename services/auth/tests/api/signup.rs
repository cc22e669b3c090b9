use reqwest::StatusCode;
use serde_json::{Value, json};

use testkit::{assert_error, errors_of};

use crate::helpers::{PASSWORD, TestApp, email, session_set_cookie};

#[tokio::test]
async fn signup_creates_the_user_and_signs_them_in() {
    let app = TestApp::spawn().await;
    let email = email();

    let response = app.signup(&email, PASSWORD).await;

    assert_eq!(response.status(), StatusCode::CREATED);
    let cookie = session_set_cookie(&response).expect("a session cookie");
    assert!(cookie.contains("HttpOnly"));
    assert!(cookie.contains("SameSite=Lax"));
    let user: Value = response.json().await.unwrap();
    assert_eq!(user["email"], email.as_str());
    let id = user["id"].as_str().unwrap();
    assert!(id.len() == 24 && id.chars().all(|c| c.is_ascii_hexdigit()));
    assert!(user.get("password").is_none() && user.get("passwordHash").is_none());
    assert_eq!(app.current_user().await["id"], id);
}

#[tokio::test]
async fn an_invalid_email_is_a_400_naming_the_field() {
    let app = TestApp::spawn().await;

    let response = app.signup("not-an-email", PASSWORD).await;

    let errors = errors_of(response, StatusCode::BAD_REQUEST).await;
    assert_eq!(
        errors,
        [json!({ "message": "Email must be valid", "field": "email" })]
    );
}

#[tokio::test]
async fn passwords_of_3_and_31_characters_are_refused() {
    let app = TestApp::spawn().await;

    for password in ["abc".to_owned(), "x".repeat(31)] {
        let response = app.signup(&email(), &password).await;
        let errors = errors_of(response, StatusCode::BAD_REQUEST).await;
        assert_eq!(errors[0]["field"], "password");
        assert_eq!(
            errors[0]["message"],
            "Password must be between 4 and 30 characters"
        );
    }
}

#[tokio::test]
async fn every_invalid_field_is_reported_at_once() {
    let app = TestApp::spawn().await;

    let response = app.post_json("/api/users/signup", &json!({})).await;

    let errors = errors_of(response, StatusCode::BAD_REQUEST).await;
    let fields: Vec<_> = errors.iter().map(|error| error["field"].clone()).collect();
    assert_eq!(fields, ["email", "password"]);
}

#[tokio::test]
async fn a_duplicate_email_is_refused_whatever_its_case() {
    let app = TestApp::spawn().await;
    let email = email();
    assert_eq!(
        app.signup(&email, PASSWORD).await.status(),
        StatusCode::CREATED
    );

    let response = app
        .signup(&format!("  {}", email.to_uppercase()), PASSWORD)
        .await;

    assert!(session_set_cookie(&response).is_none());
    assert_error(response, StatusCode::BAD_REQUEST, "Email in use").await;
}

#[tokio::test]
async fn ten_concurrent_signups_with_one_email_create_exactly_one_user() {
    let app = TestApp::spawn().await;
    let email = email();

    let attempts = (0..10).map(|_| app.signup(&email, PASSWORD));
    let responses = futures::future::join_all(attempts).await;

    let mut created = 0;
    for response in responses {
        if response.status() == StatusCode::CREATED {
            created += 1;
        } else {
            assert_error(response, StatusCode::BAD_REQUEST, "Email in use").await;
        }
    }
    assert_eq!(created, 1);
}

/// A signup is counted under its route template, and the hashing queue is reported.
#[tokio::test]
async fn the_metrics_port_reports_the_signup_route_and_the_hashing_queue() {
    let app = TestApp::spawn().await;

    let response = app.signup("metrics@example.com", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::CREATED);

    let metrics = app.service.metrics().await;
    let signups = "http_server_request_duration_seconds_count{http_request_method=\"POST\",http_route=\"/api/users/signup\",http_response_status_class=\"2xx\"}";
    assert!(metrics.contains(signups), "{metrics}");
    let queue = metrics
        .lines()
        .any(|line| line.starts_with("auth_password_hashing_queue_depth "));
    assert!(queue, "{metrics}");
}

use reqwest::StatusCode;
use serde_json::json;

use testkit::{assert_error, errors_of};

use crate::helpers::TestApp;

#[tokio::test]
async fn malformed_json_is_a_400_in_the_error_shape() {
    let app = TestApp::spawn().await;

    for path in ["/api/users/signup", "/api/users/signin"] {
        let response = app
            .client
            .post(app.url(path))
            .header("content-type", "application/json")
            .body("{\"email\": ")
            .send()
            .await
            .unwrap();
        errors_of(response, StatusCode::BAD_REQUEST).await;
    }
}

#[tokio::test]
async fn a_wrong_content_type_is_a_400_in_the_error_shape() {
    let app = TestApp::spawn().await;

    let response = app
        .client
        .post(app.url("/api/users/signup"))
        .header("content-type", "text/plain")
        .body("email=a@b.co&password=abcd")
        .send()
        .await
        .unwrap();

    let errors = errors_of(response, StatusCode::BAD_REQUEST).await;
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .contains("application/json")
    );
}

#[tokio::test]
async fn wrong_types_are_a_400_in_the_error_shape() {
    let app = TestApp::spawn().await;

    for body in [
        json!({ "email": 5, "password": "abcd" }),
        json!([1, 2]),
        json!("x"),
        json!(null),
    ] {
        let response = app.post_json("/api/users/signup", &body).await;
        errors_of(response, StatusCode::BAD_REQUEST).await;
    }
}

#[tokio::test]
async fn an_oversized_body_is_refused_in_the_error_shape() {
    let app = TestApp::spawn().await;
    let huge = "x".repeat(200 * 1024);

    let response = app
        .post_json(
            "/api/users/signup",
            &json!({ "email": huge, "password": "abcd" }),
        )
        .await;

    assert!(response.status().is_client_error());
    errors_of(response, StatusCode::PAYLOAD_TOO_LARGE).await;
}

#[tokio::test]
async fn unknown_routes_and_methods_are_a_404_in_the_error_shape() {
    let app = TestApp::spawn().await;

    let unknown = app
        .client
        .get(app.url("/api/users/nope"))
        .send()
        .await
        .unwrap();
    assert_error(unknown, StatusCode::NOT_FOUND, "Not Found").await;

    let wrong_method = app
        .client
        .get(app.url("/api/users/signup"))
        .send()
        .await
        .unwrap();
    assert_error(wrong_method, StatusCode::NOT_FOUND, "Not Found").await;
}

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = TestApp::spawn().await;

    let live = app.client.get(app.url("/healthz")).send().await.unwrap();
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();

    assert_eq!(live.status(), StatusCode::OK);
    assert_eq!(ready.status(), StatusCode::OK);
    assert_eq!(
        ready.json::<serde_json::Value>().await.unwrap()["mongo"],
        true
    );
}

#[tokio::test]
async fn random_bodies_on_every_route_never_get_a_5xx() {
    let app = TestApp::spawn().await;
    let routes = [
        (reqwest::Method::POST, "/api/users/signup"),
        (reqwest::Method::POST, "/api/users/signin"),
        (reqwest::Method::POST, "/api/users/signout"),
        (reqwest::Method::GET, "/api/users/currentuser"),
        (reqwest::Method::GET, "/api/users/{random}"),
    ];

    testkit::fuzz::assert_no_server_errors(
        &app.client,
        &app.url(""),
        &routes,
        &["email", "password"],
        60,
    )
    .await;
}

//! Whatever arrives, the answer is never a 5xx.

use rand::{Rng, SeedableRng, rngs::StdRng};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use testkit::fuzz;

use testkit::errors_of;

use crate::helpers::TestApp;

const CASES: usize = 150;

#[tokio::test]
async fn random_bodies_on_every_route_never_get_a_5xx() {
    let app = TestApp::spawn().await;
    let seller = app.user();
    let ticket = app.create_ticket(&seller, "Concert", 20.0).await;
    let own = format!("/api/tickets/{}", ticket["id"].as_str().unwrap());
    let seed = rand::random();
    let mut rng = StdRng::seed_from_u64(seed);

    for case in 0..CASES {
        let body = if rng.random_bool(0.7) {
            Value::Object(fuzz::object(&mut rng, 2, &["title", "price"]))
        } else {
            fuzz::json(&mut rng, 3)
        };
        let random_id = format!("/api/tickets/{}", fuzz::url_segment(&mut rng));
        for (method, path) in [
            (Method::POST, "/api/tickets".to_owned()),
            (Method::PUT, own.clone()),
            (Method::PUT, random_id.clone()),
            (Method::GET, random_id),
        ] {
            let response = seller
                .client
                .request(method.clone(), app.url(&path))
                .json(&body)
                .send()
                .await
                .unwrap();
            assert!(
                response.status().is_success() || response.status().is_client_error(),
                "case {case} (seed {seed}): {method} {path} with {body} gave {}",
                response.status()
            );
        }
    }
}

#[tokio::test]
async fn malformed_json_and_wrong_content_types_are_400s() {
    let app = TestApp::spawn().await;
    let seller = app.user();

    for (content_type, body) in [
        ("application/json", "{\"title\": "),
        ("application/json", "\u{0}\u{1}"),
        ("text/plain", "title=Concert&price=10"),
        (
            "application/x-www-form-urlencoded",
            "title=Concert&price=10",
        ),
    ] {
        let response = seller
            .client
            .post(app.url("/api/tickets"))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        errors_of(response, StatusCode::BAD_REQUEST).await;
    }
    assert!(app.listing().await.is_empty(), "nothing was written");
}

#[tokio::test]
async fn a_forged_session_is_refused() {
    let app = TestApp::spawn().await;
    let forger = testkit::TestUser::signed_in("not-the-shared-key");

    let response = forger
        .client
        .post(app.url("/api/tickets"))
        .json(&serde_json::json!({ "title": "Concert", "price": 10 }))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

//! Whatever arrives, the answer is never a 5xx.

use rand::{Rng, SeedableRng, rngs::StdRng};
use reqwest::Method;
use serde_json::Value;
use testkit::fuzz;

use crate::helpers::TestApp;

const CASES: usize = 150;

#[tokio::test]
async fn random_bodies_and_ids_on_every_route_never_get_a_5xx() {
    let app = TestApp::spawn().await;
    let buyer = app.user();
    let order = app.create_order(&buyer, &app.seed_ticket(1000).await).await;
    let own = format!("/api/orders/{}", order["id"].as_str().unwrap());
    let seed = rand::random();
    let mut rng = StdRng::seed_from_u64(seed);

    for case in 0..CASES {
        let body = if rng.random_bool(0.7) {
            Value::Object(fuzz::object(&mut rng, 2, &["ticketId"]))
        } else {
            fuzz::json(&mut rng, 3)
        };
        let random_id = format!("/api/orders/{}", fuzz::url_segment(&mut rng));
        for (method, path) in [
            (Method::POST, "/api/orders".to_owned()),
            (Method::GET, random_id.clone()),
            (Method::DELETE, random_id),
            (Method::GET, own.clone()),
        ] {
            let response = buyer
                .client
                .request(method.clone(), app.url(&path))
                .json(&body)
                .send()
                .await
                .unwrap();
            assert!(
                !response.status().is_server_error(),
                "case {case} (seed {seed}): {method} {path} with {body} gave {}",
                response.status()
            );
        }
    }
}

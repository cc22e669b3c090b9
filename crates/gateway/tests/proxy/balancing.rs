//! A service with several replicas: requests take them in turn, and one that is down
//! is passed over without the caller seeing it.

use std::net::SocketAddr;

use axum::{Router, http::StatusCode, routing::any};
use tokio::io::AsyncReadExt;

use crate::serve;

/// A replica that answers with its own name.
async fn replica(name: &'static str) -> SocketAddr {
    serve(Router::new().route("/{*path}", any(move || async move { name }))).await
}

/// An address that refuses connections: nothing listens there.
fn refusing() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

/// A replica that dies while it has the request: it accepts the connection, reads
/// what was sent and closes it without answering.
async fn dying_with_the_request() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (mut connection, _) = listener.accept().await.unwrap();
            let mut request = [0; 4096];
            let _ = connection.read(&mut request).await;
        }
    });
    address
}

async fn gateway_to_replicas(replicas: Vec<SocketAddr>) -> String {
    let upstreams = [("tickets".to_owned(), replicas)].into_iter().collect();
    format!("http://{}", serve(gateway::router(upstreams)).await)
}

async fn send(method: reqwest::Method, url: &str) -> (StatusCode, String) {
    let response = reqwest::Client::new()
        .request(method, url)
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

#[tokio::test]
async fn requests_take_the_replicas_in_turn() {
    let gateway = gateway_to_replicas(vec![replica("one").await, replica("two").await]).await;

    let mut answers = Vec::new();
    for _ in 0..4 {
        answers.push(
            send(reqwest::Method::GET, &format!("{gateway}/api/tickets"))
                .await
                .1,
        );
    }

    assert_eq!(answers, ["one", "two", "one", "two"]);
}

#[tokio::test]
async fn a_replica_that_refuses_the_connection_is_passed_over_even_for_a_post() {
    let gateway = gateway_to_replicas(vec![refusing(), replica("alive").await]).await;

    for _ in 0..4 {
        let answer = send(reqwest::Method::POST, &format!("{gateway}/api/tickets")).await;

        assert_eq!(answer, (StatusCode::OK, "alive".to_owned()));
    }
}

#[tokio::test]
async fn a_replica_that_dies_with_a_get_is_passed_over() {
    let gateway =
        gateway_to_replicas(vec![dying_with_the_request().await, replica("alive").await]).await;

    for _ in 0..4 {
        let answer = send(reqwest::Method::GET, &format!("{gateway}/api/tickets")).await;

        assert_eq!(answer, (StatusCode::OK, "alive".to_owned()));
    }
}

/// A POST the replica may have acted on is not sent again: the caller hears that it
/// may or may not have taken effect.
#[tokio::test]
async fn a_replica_that_dies_with_a_post_is_a_502_that_says_to_check() {
    let gateway = gateway_to_replicas(vec![dying_with_the_request().await]).await;

    let (status, body) = send(reqwest::Method::POST, &format!("{gateway}/api/tickets")).await;

    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert!(body.contains("may or may not have taken effect"), "{body}");
}

#[tokio::test]
async fn a_service_router_sends_every_path_to_its_service_as_it_came() {
    let upstream = serve(Router::new().fallback(any(crate::echo))).await;
    let service = serve(gateway::service_router("auth", vec![refusing(), upstream])).await;

    let (status, body) = send(
        reqwest::Method::GET,
        &format!("http://{service}/api/users/currentuser"),
    )
    .await;

    assert_eq!(status, StatusCode::CREATED);
    let echoed: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(echoed["uri"], "/api/users/currentuser");
    assert_eq!(
        echoed["forwardedFor"],
        serde_json::Value::Null,
        "a Service adds nothing"
    );
}

#[tokio::test]
async fn a_body_larger_than_the_ingress_takes_is_a_413() {
    let gateway = gateway_to_replicas(vec![replica("alive").await]).await;

    let response = reqwest::Client::new()
        .post(format!("{gateway}/api/tickets"))
        .body(vec![b'x'; 1024 * 1024 + 1])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

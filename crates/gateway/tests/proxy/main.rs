//! The gateway in front of a stand-in upstream, over real HTTP.

use std::net::SocketAddr;

use axum::{
    Router,
    extract::Request,
    http::{HeaderMap, Method, StatusCode},
    routing::any,
};
use serde_json::{Value, json};

/// Serves `router` on a random port and returns its address.
async fn serve(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = router.into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    address
}

/// An upstream that echoes what it received and sets a cookie.
async fn echo(request: Request) -> (StatusCode, HeaderMap, String) {
    let method = request.method().to_string();
    let uri = request.uri().to_string();
    let [cookie, forwarded_for] = ["cookie", "x-forwarded-for"].map(|name| {
        request
            .headers()
            .get(name)
            .map(|value| value.to_str().unwrap().to_owned())
    });
    let body = axum::body::to_bytes(request.into_body(), usize::MAX)
        .await
        .unwrap();
    let mut headers = HeaderMap::new();
    headers.insert(
        "set-cookie",
        "session=abc; Path=/; HttpOnly".parse().unwrap(),
    );
    let echoed = json!({
        "method": method,
        "uri": uri,
        "cookie": cookie,
        "forwardedFor": forwarded_for,
        "body": String::from_utf8_lossy(&body),
    });
    (StatusCode::CREATED, headers, echoed.to_string())
}

async fn gateway_to(upstream: SocketAddr) -> String {
    let upstreams = [("auth".to_owned(), vec![upstream])].into_iter().collect();
    format!("http://{}", serve(gateway::router(upstreams)).await)
}

#[tokio::test]
async fn a_routed_request_reaches_its_service_unchanged_and_the_answer_comes_back() {
    let upstream = serve(Router::new().route("/{*path}", any(echo))).await;
    let gateway = gateway_to(upstream).await;

    let response = reqwest::Client::new()
        .request(Method::PUT, format!("{gateway}/api/users/signin?x=1"))
        .header("cookie", "session=xyz")
        .body("{\"a\":1}")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(
        response.headers()["set-cookie"],
        "session=abc; Path=/; HttpOnly"
    );
    let echoed: Value = response.json().await.unwrap();
    assert_eq!(
        echoed,
        json!({
            "method": "PUT",
            "uri": "/api/users/signin?x=1",
            "cookie": "session=xyz",
            "forwardedFor": "127.0.0.1",
            "body": "{\"a\":1}",
        })
    );
}

#[tokio::test]
async fn every_path_outside_the_apis_goes_to_the_web_client() {
    let client = serve(Router::new().fallback(any(echo))).await;
    let upstreams = [("client".to_owned(), vec![client])].into_iter().collect();
    let gateway = format!("http://{}", serve(gateway::router(upstreams)).await);

    for path in ["/", "/tickets/new", "/orders/5f0000000000000000000001"] {
        let response = reqwest::get(format!("{gateway}{path}")).await.unwrap();

        assert_eq!(response.status(), StatusCode::CREATED, "{path}");
        let echoed: Value = response.json().await.unwrap();
        assert_eq!(echoed["uri"], path);
    }
}

#[tokio::test]
async fn a_service_that_is_down_is_a_502_that_names_it() {
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let gateway = gateway_to(closed).await;

    let response = reqwest::get(format!("{gateway}/api/users/currentuser"))
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("auth")
    );
}

/// The hop-by-hop headers (RFC 9110 §7.6.1) these tests send, less `Transfer-Encoding`:
/// each side's HTTP stack frames the body itself and sets that one again, so the unit
/// test of the filter covers it.
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "upgrade",
    // Named in `Connection`, so hop-by-hop too.
    "x-hop",
];

/// The hop-by-hop headers above with a value each; `x-end-to-end` is one that stays.
fn hop_by_hop_headers() -> HeaderMap {
    [
        ("connection", "keep-alive, x-hop"),
        ("keep-alive", "timeout=5"),
        ("proxy-authenticate", "Basic realm=\"proxy\""),
        ("proxy-authorization", "Basic dXNlcjpwYXNz"),
        ("te", "trailers"),
        ("trailer", "x-checksum"),
        ("upgrade", "websocket"),
        ("x-hop", "1"),
        ("x-end-to-end", "1"),
    ]
    .into_iter()
    .map(|(name, value)| (name.parse().unwrap(), value.parse().unwrap()))
    .collect()
}

fn header_names(headers: &HeaderMap) -> Vec<String> {
    headers
        .keys()
        .map(|name| name.as_str().to_owned())
        .collect()
}

/// Checks that of the headers above only the end-to-end one reached `side`.
fn assert_only_end_to_end_arrived(received: &[String], side: &str) {
    assert!(
        received.iter().any(|name| name == "x-end-to-end"),
        "{received:?}"
    );
    for name in HOP_BY_HOP {
        assert!(
            !received.iter().any(|received| received == name),
            "{name} reached the {side}: {received:?}"
        );
    }
}

#[tokio::test]
async fn hop_by_hop_headers_of_a_request_stop_at_the_gateway() {
    let names_received =
        |request: Request| async move { axum::Json(header_names(request.headers())) };
    let upstream = serve(Router::new().route("/{*path}", any(names_received))).await;
    let gateway = gateway_to(upstream).await;

    let response = reqwest::Client::new()
        .get(format!("{gateway}/api/users/currentuser"))
        .headers(hop_by_hop_headers())
        .send()
        .await
        .unwrap();

    let received: Vec<String> = response.json().await.unwrap();
    assert_only_end_to_end_arrived(&received, "service");
}

#[tokio::test]
async fn hop_by_hop_headers_of_a_response_stop_at_the_gateway() {
    let upstream = serve(Router::new().route(
        "/{*path}",
        any(|| async { (hop_by_hop_headers(), "answer") }),
    ))
    .await;
    let gateway = gateway_to(upstream).await;

    let response = reqwest::get(format!("{gateway}/api/users/currentuser"))
        .await
        .unwrap();

    assert_only_end_to_end_arrived(&header_names(response.headers()), "client");
    assert_eq!(response.text().await.unwrap(), "answer");
}

mod balancing;

//! A small reverse proxy over hyper's client.

use std::{
    collections::HashMap,
    net::{IpAddr, SocketAddr},
    sync::Arc,
};

use axum::{
    Router,
    body::Body,
    extract::{ConnectInfo, Request, State},
    http::{HeaderMap, HeaderName, StatusCode, Uri, header},
    response::{IntoResponse, Response},
};
use httpkit::{error::ErrorBody, extract::FORWARDED_FOR};
use hyper_util::{
    client::legacy::{Client, connect::HttpConnector},
    rt::TokioExecutor,
};

use crate::{hop_by_hop, routes::service_for};

/// Where each service listens, by service name.
pub type Upstreams = HashMap<String, SocketAddr>;

#[derive(Clone)]
struct Gateway {
    upstreams: Arc<Upstreams>,
    client: Client<HttpConnector, Body>,
}

/// A router that forwards every request to the service [`crate::ROUTES`] names, and
/// answers 404 (no route) or 502 (service down) in the contract's error shape.
pub fn router(upstreams: Upstreams) -> Router {
    let gateway = Gateway {
        upstreams: Arc::new(upstreams),
        client: Client::builder(TokioExecutor::new()).build_http(),
    };
    Router::new().fallback(forward).with_state(gateway)
}

async fn forward(State(gateway): State<Gateway>, request: Request) -> Response {
    let Some(service) = service_for(request.uri().path()) else {
        return error(StatusCode::NOT_FOUND, "Not Found".to_owned());
    };
    let Some(address) = gateway.upstreams.get(service) else {
        return error(
            StatusCode::BAD_GATEWAY,
            format!("The {service} service is not part of this stack"),
        );
    };
    let (mut parts, body) = request.into_parts();
    let path_and_query = parts
        .uri
        .path_and_query()
        .map_or("/", |path_and_query| path_and_query.as_str());
    parts.uri = match Uri::try_from(format!("http://{address}{path_and_query}")) {
        Ok(uri) => uri,
        Err(_) => return error(StatusCode::BAD_REQUEST, "Bad request URI".to_owned()),
    };
    hop_by_hop::remove(&mut parts.headers);
    parts.headers.insert(
        HeaderName::from_static("x-forwarded-proto"),
        header::HeaderValue::from_static("http"),
    );
    // Like ingress-nginx: the client's address goes last, where the services read it
    // (`httpkit::extract::ClientAddress`).
    if let Some(ConnectInfo(peer)) = parts.extensions.get::<ConnectInfo<SocketAddr>>() {
        append_forwarded_for(&mut parts.headers, peer.ip());
    }
    match gateway
        .client
        .request(Request::from_parts(parts, body))
        .await
    {
        Ok(mut response) => {
            hop_by_hop::remove(response.headers_mut());
            response.map(Body::new)
        }
        Err(failure) => {
            tracing::warn!(service, %failure, "upstream unreachable");
            error(
                StatusCode::BAD_GATEWAY,
                format!(
                    "The {service} service is not reachable; check that it is running and see its log"
                ),
            )
        }
    }
}

fn append_forwarded_for(headers: &mut HeaderMap, client: IpAddr) {
    let chain = match headers
        .get(FORWARDED_FOR)
        .and_then(|value| value.to_str().ok())
    {
        Some(earlier) => format!("{earlier}, {client}"),
        None => client.to_string(),
    };
    if let Ok(value) = header::HeaderValue::from_str(&chain) {
        headers.insert(FORWARDED_FOR, value);
    }
}

fn error(status: StatusCode, message: String) -> Response {
    (status, axum::Json(ErrorBody::message(message))).into_response()
}

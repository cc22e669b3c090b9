//! A small reverse proxy over hyper's client, balancing each service's replicas.

use std::{
    collections::HashMap,
    net::{IpAddr, SocketAddr},
    sync::Arc,
};

use axum::{
    Router,
    body::{Body, Bytes},
    extract::{ConnectInfo, Request, State},
    http::{HeaderMap, HeaderName, StatusCode, Uri, header, request::Parts},
    response::{IntoResponse, Response},
};
use httpkit::{error::ErrorBody, extract::FORWARDED_FOR};
use hyper_util::{
    client::legacy::{Client, connect::HttpConnector},
    rt::TokioExecutor,
};

use crate::{hop_by_hop, replicas::Replicas, routes::service_for};

/// Where each service's replicas listen, by service name.
pub type Upstreams = HashMap<String, Vec<SocketAddr>>;

/// The largest request body passed on: ingress-nginx's default `proxy-body-size`, so
/// a request the Ingress would refuse is refused here too. The body is read whole
/// before it is sent, so that it can be sent again to the next replica.
const MAX_BODY_BYTES: usize = 1024 * 1024;

#[derive(Clone)]
struct Proxy {
    services: Arc<HashMap<String, Replicas>>,
    client: Client<HttpConnector, Body>,
}

/// What a proxy in front of the services adds to each request.
#[derive(Clone, Copy)]
enum Role {
    /// The Ingress: routes by path, and tells the service who the client is.
    Ingress,
    /// A Kubernetes Service: every request to its one service, as it came.
    Service(&'static str),
}

/// The Ingress: a router that forwards every request to the service
/// [`crate::ROUTES`] names, and answers 404 (no route) or 502 (service down) in the
/// contract's error shape.
pub fn router(upstreams: Upstreams) -> Router {
    Router::new()
        .fallback(forward)
        .with_state((Proxy::new(upstreams), Role::Ingress))
}

/// A stand-in for a Kubernetes Service in front of `service`'s replicas, for what
/// calls a service directly (the web client calls the APIs): every path goes to the
/// service, balanced the same way, and nothing is added to the request.
pub fn service_router(service: &'static str, replicas: Vec<SocketAddr>) -> Router {
    let upstreams = [(service.to_owned(), replicas)].into_iter().collect();
    Router::new()
        .fallback(forward)
        .with_state((Proxy::new(upstreams), Role::Service(service)))
}

impl Proxy {
    fn new(upstreams: Upstreams) -> Self {
        let services = upstreams
            .into_iter()
            .map(|(service, addresses)| (service, Replicas::new(addresses)))
            .collect();
        Self {
            services: Arc::new(services),
            client: Client::builder(TokioExecutor::new()).build_http(),
        }
    }
}

async fn forward(State((proxy, role)): State<(Proxy, Role)>, request: Request) -> Response {
    let service = match role {
        Role::Service(service) => service,
        Role::Ingress => match service_for(request.uri().path()) {
            Some(service) => service,
            None => return error(StatusCode::NOT_FOUND, "Not Found".to_owned()),
        },
    };
    let Some(replicas) = proxy.services.get(service) else {
        return error(
            StatusCode::BAD_GATEWAY,
            format!("The {service} service is not part of this stack"),
        );
    };
    let (mut parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
        return error(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("The request body is larger than {MAX_BODY_BYTES} bytes"),
        );
    };
    hop_by_hop::remove(&mut parts.headers);
    if let Role::Ingress = role {
        add_forwarded_headers(&mut parts);
    }
    pass_on(&proxy, service, replicas, &parts, &body).await
}

/// Sends the request to each replica in turn until one answers. A replica that
/// refuses the connection never saw the request, so the next one is asked; one that
/// fails after taking it is passed over only for an idempotent method, which is safe
/// to send twice. ingress-nginx does the same (`proxy_next_upstream error`).
async fn pass_on(
    proxy: &Proxy,
    service: &str,
    replicas: &Replicas,
    parts: &Parts,
    body: &Bytes,
) -> Response {
    let path_and_query = parts
        .uri
        .path_and_query()
        .map_or("/", |path_and_query| path_and_query.as_str());
    for replica in replicas.in_turn() {
        let Ok(uri) = Uri::try_from(format!("http://{replica}{path_and_query}")) else {
            return error(StatusCode::BAD_REQUEST, "Bad request URI".to_owned());
        };
        let mut attempt = Request::new(Body::from(body.clone()));
        *attempt.method_mut() = parts.method.clone();
        *attempt.uri_mut() = uri;
        *attempt.version_mut() = parts.version;
        *attempt.headers_mut() = parts.headers.clone();
        match proxy.client.request(attempt).await {
            Ok(mut response) => {
                hop_by_hop::remove(response.headers_mut());
                return response.map(Body::new);
            }
            Err(failure) if failure.is_connect() || parts.method.is_idempotent() => {
                tracing::warn!(service, %replica, %failure, "replica unreachable; trying the next");
            }
            Err(failure) => {
                tracing::warn!(service, %replica, %failure, "replica failed during the request");
                return error(
                    StatusCode::BAD_GATEWAY,
                    format!(
                        "The {service} service failed before answering, so the request may or may not have taken effect; check, then try again"
                    ),
                );
            }
        }
    }
    error(
        StatusCode::BAD_GATEWAY,
        format!("The {service} service is not reachable; check that it is running and see its log"),
    )
}

/// Like ingress-nginx: the scheme the client used, and the client's address last in
/// `X-Forwarded-For`, where the services read it (`httpkit::extract::ClientAddress`).
fn add_forwarded_headers(parts: &mut Parts) {
    parts.headers.insert(
        HeaderName::from_static("x-forwarded-proto"),
        header::HeaderValue::from_static("http"),
    );
    if let Some(ConnectInfo(peer)) = parts.extensions.get::<ConnectInfo<SocketAddr>>() {
        append_forwarded_for(&mut parts.headers, peer.ip());
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

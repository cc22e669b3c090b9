//! Every request as a span of its trace and as a sample of its route's latency: the
//! one layer that sees every request and every response of a server.

use std::{sync::LazyLock, time::Instant};

use axum::{
    extract::{MatchedPath, Request},
    http::Method,
    response::Response,
};
use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};
use telemetry::{
    ServerTrace,
    metrics::{self, Family, Histogram},
    propagation::HttpHeaders,
};
use tracing::field::Empty;

/// `http_server_request_duration_seconds`, as OpenTelemetry's HTTP semantic
/// conventions name it, by method, route template and status class.
static REQUESTS: LazyLock<Family<RequestLabels, Histogram>> = LazyLock::new(|| {
    metrics::duration_family(
        "http_server_request_duration",
        "Time from a request's arrival to its response's head, by route and status class.",
    )
});

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    http_request_method: &'static str,
    http_route: Route,
    http_response_status_class: &'static str,
}

/// The route a request matched, shared with the router rather than copied per
/// request; `None` for one that matched none.
#[derive(Clone, Debug)]
struct Route(Option<MatchedPath>);

impl Route {
    fn as_str(&self) -> &str {
        self.0.as_ref().map_or(UNMATCHED, MatchedPath::as_str)
    }
}

impl PartialEq for Route {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Route {}

impl std::hash::Hash for Route {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl EncodeLabelValue for Route {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> std::fmt::Result {
        EncodeLabelValue::encode(&self.as_str(), encoder)
    }
}

/// `2xx`, `4xx`, …: one series per class rather than per status.
fn status_class(status: axum::http::StatusCode) -> &'static str {
    match status.as_u16() {
        ..200 => "1xx",
        200..300 => "2xx",
        300..400 => "3xx",
        400..500 => "4xx",
        _ => "5xx",
    }
}

/// The route a request matched, as its template (`/api/tickets/{id}`), so that a
/// metric has one series per route rather than one per ticket. Requests that matched
/// none (the 404s) share one.
const UNMATCHED: &str = "unmatched";

/// A request being answered: its trace (a server span that continues the caller's
/// W3C `traceparent` or starts a trace, or only its ids when nothing is exported; see
/// [`ServerTrace`]), and what its latency sample needs.
pub(crate) struct Observed {
    trace: ServerTrace,
    started: Instant,
    method: &'static str,
    route: Route,
}

impl Observed {
    pub(crate) fn start(request: &Request) -> Self {
        let started = Instant::now();
        let method = method_name(request.method());
        let route = Route(request.extensions().get::<MatchedPath>().cloned());
        let span = || {
            let route = route.as_str();
            tracing::info_span!(
                "request",
                otel.name = %format_args!("{method} {route}"),
                otel.kind = "server",
                otel.status_code = Empty,
                http.request.method = method,
                http.route = %route,
                http.response.status_code = Empty,
            )
        };
        let trace = ServerTrace::start(span, &HttpHeaders(request.headers()));
        Self {
            trace,
            started,
            method,
            route,
        }
    }

    /// When the request arrived.
    pub(crate) fn started(&self) -> Instant {
        self.started
    }

    /// The request's trace, to answer and to log in.
    pub(crate) fn trace(&self) -> &ServerTrace {
        &self.trace
    }

    /// Records the answer in the span and in `http_server_request_duration_seconds`.
    pub(crate) fn finish(self, response: &Response) {
        let status = response.status();
        if let Some(span) = self.trace.span() {
            span.record("http.response.status_code", status.as_u16());
            if status.is_server_error() {
                span.record("otel.status_code", "ERROR");
            }
        }
        let labels = RequestLabels {
            http_request_method: self.method,
            http_route: self.route,
            http_response_status_class: status_class(status),
        };
        REQUESTS
            .get_or_create(&labels)
            .observe(self.started.elapsed().as_secs_f64());
    }
}

/// The method's name, or `_OTHER` for one outside HTTP's own, as the semantic
/// conventions say: a client cannot make a new series per invented method.
fn method_name(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "_OTHER",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invented_method_shares_one_series() {
        let invented = Method::from_bytes(b"BREW").unwrap();
        assert_eq!(method_name(&invented), "_OTHER");
        assert_eq!(method_name(&Method::PATCH), "PATCH");
    }

    #[test]
    fn statuses_fall_into_their_class() {
        use axum::http::StatusCode;
        assert_eq!(status_class(StatusCode::CREATED), "2xx");
        assert_eq!(status_class(StatusCode::SEE_OTHER), "3xx");
        assert_eq!(status_class(StatusCode::NOT_FOUND), "4xx");
        assert_eq!(status_class(StatusCode::BAD_GATEWAY), "5xx");
    }
}

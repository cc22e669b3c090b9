//! Every request as a span of its trace and as a sample of its route's latency: the
//! one layer that sees every request and every response of a server.

use std::{sync::LazyLock, time::Instant};

use axum::{
    extract::{MatchedPath, Request},
    http::Method,
    response::Response,
};
use prometheus_client::encoding::EncodeLabelSet;
use telemetry::{
    metrics::{self, Family, Histogram, Unit},
    propagation::{self, HttpHeaders},
};
use tracing::field::Empty;

/// `http_server_request_duration_seconds`, as OpenTelemetry's HTTP semantic
/// conventions name it, by method, route template and status class.
static REQUESTS: LazyLock<Family<RequestLabels, Histogram>> = LazyLock::new(|| {
    let family = Family::new_with_constructor(metrics::duration_histogram as fn() -> Histogram);
    metrics::register(
        "http_server_request_duration",
        "Time from a request's arrival to its response's head, by route and status class.",
        Some(Unit::Seconds),
        family.clone(),
    );
    family
});

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    http_request_method: &'static str,
    http_route: String,
    http_response_status_class: &'static str,
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

/// A request being answered: its server span, which continues the caller's trace
/// (W3C `traceparent`) or starts one, and what its latency sample needs.
pub(crate) struct Observed {
    span: tracing::Span,
    started: Instant,
    method: &'static str,
    route: String,
}

impl Observed {
    pub(crate) fn start(request: &Request) -> Self {
        let started = Instant::now();
        let method = method_name(request.method());
        let route = request
            .extensions()
            .get::<MatchedPath>()
            .map_or(UNMATCHED, MatchedPath::as_str)
            .to_owned();
        let span = tracing::info_span!(
            "request",
            otel.name = %format_args!("{method} {route}"),
            otel.kind = "server",
            otel.status_code = Empty,
            http.request.method = method,
            http.route = %route,
            http.response.status_code = Empty,
        );
        propagation::continue_trace(&span, &HttpHeaders(request.headers()));
        Self {
            span,
            started,
            method,
            route,
        }
    }

    /// The span to answer the request in.
    pub(crate) fn span(&self) -> tracing::Span {
        self.span.clone()
    }

    /// Records the answer in the span and in `http_server_request_duration_seconds`.
    pub(crate) fn finish(self, response: &Response) {
        let status = response.status();
        self.span
            .record("http.response.status_code", status.as_u16());
        if status.is_server_error() {
            self.span.record("otel.status_code", "ERROR");
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

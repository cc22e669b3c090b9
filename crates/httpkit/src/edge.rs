//! The one layer around every server's routes, API or web page: each request's trace
//! and latency sample, its session headers marked sensitive (so no `Debug` of a
//! request shows them), its body read whole and capped, a timeout, panic recovery,
//! the cause of a 5xx logged, the contract's error shape on bare errors (APIs), and
//! the headers that stop browsers from sniffing content types or framing our
//! responses (clickjacking).
//!
//! One layer, and a hand-written one, does all of it in one future: a layer per duty
//! would clone the services below it and box a future per request, and axum's
//! `from_fn` wraps the rest of the stack in a boxed service per request; on the
//! benchmark's cheapest routes each cost as much as the handler.

use std::{
    any::Any,
    convert::Infallible,
    panic::AssertUnwindSafe,
    task::{Context, Poll},
};

use axum::{
    body::{Body, HttpBody},
    extract::Request,
    http::{
        HeaderMap, HeaderName, HeaderValue, StatusCode,
        header::{self, Entry},
    },
    response::{IntoResponse, Response},
};
use futures::{FutureExt, future::BoxFuture};
use tower::{Layer, Service};

use crate::{
    error::{Error, ErrorBody, ServerErrorCause},
    http::{MAX_BODY_BYTES, REQUEST_TIMEOUT},
    observe::Observed,
};

/// What differs between an API's edge and a web page server's.
#[derive(Clone, Copy)]
pub(crate) struct Edge {
    /// Whether a bare error response gets the contract's JSON error shape.
    pub(crate) error_shape: bool,
}

async fn at_the_edge<S>(edge: Edge, mut request: Request, inner: S) -> Response
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    mark_sensitive(
        request.headers_mut(),
        &[header::COOKIE, header::AUTHORIZATION],
    );
    let observed = Observed::start(&request);
    let deadline = tokio::time::Instant::from_std(observed.started()) + REQUEST_TIMEOUT;
    let mut response = observed.trace().run(answer(request, inner, deadline)).await;
    if let Some(ServerErrorCause(cause)) = response.extensions().get::<ServerErrorCause>() {
        // Reported here rather than in `Error::into_response`, so that panics and
        // every other 5xx are logged the same way, in the request's span.
        observed
            .trace()
            .in_scope(|| tracing::error!(status = %response.status(), %cause, "request failed"));
    }
    if edge.error_shape {
        response = error_shape_for_bare_errors(response);
    }
    let headers = response.headers_mut();
    for (name, value) in [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ] {
        headers
            .entry(name)
            .or_insert_with(|| HeaderValue::from_static(value));
    }
    mark_sensitive(headers, &[header::SET_COOKIE]);
    observed.finish(&response);
    response
}

/// The request answered: its body read whole, then the handler, done by `deadline`
/// ([`REQUEST_TIMEOUT`] after the request arrived; then 503), whose panic is a 500.
async fn answer<S>(request: Request, mut inner: S, deadline: tokio::time::Instant) -> Response
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    let handled = async {
        let request = read_whole_body(request).await?;
        let answered = AssertUnwindSafe(async move {
            // axum's routes are always ready.
            let Ok(response) = inner.call(request).await;
            response
        });
        Ok::<_, Response>(answered.catch_unwind().await.unwrap_or_else(panic_response))
    };
    match tokio::time::timeout_at(deadline, handled).await {
        Ok(Ok(response) | Err(response)) => response,
        // `error_shape_for_bare_errors` gives it the error shape.
        Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

fn mark_sensitive(headers: &mut HeaderMap, names: &[HeaderName]) {
    for name in names {
        if let Entry::Occupied(mut entry) = headers.entry(name) {
            for value in entry.iter_mut() {
                value.set_sensitive(true);
            }
        }
    }
}

/// Reads the whole body before the handler runs, and refuses one over
/// [`MAX_BODY_BYTES`] with 413. A
/// handler that answers without reading it (a 401 before the JSON) would leave it
/// partly unread; hyper then closes the keep-alive connection after the answer, and a
/// proxy that is already sending the next request on it gets no answer: a 502 at the
/// gateway for a request that did nothing wrong. Found by fuzzing through the gateway.
async fn read_whole_body(request: Request) -> Result<Request, Response> {
    // Most requests have no body: nothing to wait for.
    if request.body().is_end_stream() {
        return Ok(request);
    }
    let (parts, body) = request.into_parts();
    match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) => Ok(Request::from_parts(parts, Body::from(bytes))),
        // `error_shape_for_bare_errors` gives it the error shape.
        Err(error) if is_too_large(&error) => Err(StatusCode::PAYLOAD_TOO_LARGE.into_response()),
        Err(_) => {
            Err(Error::BadRequest("The request body could not be read".to_owned()).into_response())
        }
    }
}

fn is_too_large(error: &axum::Error) -> bool {
    std::iter::successors(std::error::Error::source(error), |cause| cause.source())
        .any(|cause| cause.is::<http_body_util::LengthLimitError>())
}

/// Layers such as the timeout and the body limit answer with an empty or plain-text
/// body; the contract wants every error as JSON in the error shape.
fn error_shape_for_bare_errors(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let message = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "Request body is too large".to_owned(),
        StatusCode::SERVICE_UNAVAILABLE => {
            "The service is busy or a dependency is down; try again shortly".to_owned()
        }
        other => other.canonical_reason().unwrap_or("Error").to_owned(),
    };
    let mut shaped = (status, axum::Json(ErrorBody::message(message))).into_response();
    *shaped.extensions_mut() = response.extensions().clone();
    shaped
}

fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response {
    let detail = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic payload".to_owned());
    Error::unexpected(format!("handler panicked: {detail}")).into_response()
}

/// Puts [`at_the_edge`] around a router's routes.
#[derive(Clone, Copy)]
pub(crate) struct EdgeLayer(Edge);

impl EdgeLayer {
    pub(crate) fn new(edge: Edge) -> Self {
        Self(edge)
    }
}

impl<S> Layer<S> for EdgeLayer {
    type Service = EdgeService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        EdgeService {
            inner,
            edge: self.0,
        }
    }
}

#[derive(Clone)]
pub(crate) struct EdgeService<S> {
    inner: S,
    edge: Edge,
}

impl<S> Service<Request> for EdgeService<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Response, Infallible>>;

    fn poll_ready(&mut self, context: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(context)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        // The clone that was made ready answers this request; the new one waits for
        // the next (tower's rule for services that are cloned into a future).
        let fresh = self.inner.clone();
        let ready = std::mem::replace(&mut self.inner, fresh);
        let edge = self.edge;
        Box::pin(async move { Ok(at_the_edge(edge, request, ready).await) })
    }
}

//! The HTTP stack every service shares: middleware applied once, the contract's 404,
//! and serving with graceful shutdown.

use std::{any::Any, future::Future, net::SocketAddr, panic::AssertUnwindSafe, time::Duration};

use axum::{
    Router,
    body::{Body, HttpBody},
    extract::{Request, State},
    http::{
        HeaderMap, HeaderName, HeaderValue, StatusCode,
        header::{self, Entry},
    },
    middleware::{self, Next},
    response::{IntoResponse, Response},
};
use futures::FutureExt;
use tokio::net::TcpListener;
use tracing::Instrument;

use crate::{
    error::{Error, ErrorBody, ServerErrorCause},
    observe::Observed,
};

/// Requests larger than this are refused before a handler sees them.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// A request that takes longer than this is answered with 503.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Adds what every API service needs around its routes: the contract's 404 for
/// unknown routes and methods, and the [`server_stack`] with the error shape on
/// responses that it, or a layer below, produced without one.
pub fn api_stack(router: Router) -> Router {
    let router = router
        .fallback(not_found)
        .method_not_allowed_fallback(not_found);
    with_edge(router, Edge { error_shape: true })
}

/// The middleware every HTTP server of the system shares, API or web page: a span
/// and a latency sample per request (see [`observe`]), a timeout, a body cap, panic
/// recovery, session headers marked sensitive (so no `Debug` of a request shows them),
/// logging of 5xx causes, and headers that stop browsers from sniffing content types
/// or framing our responses (clickjacking).
pub fn server_stack(router: Router) -> Router {
    with_edge(router, Edge { error_shape: false })
}

/// What differs between an API's edge and a web page server's.
#[derive(Clone, Copy)]
struct Edge {
    /// Whether a bare error response gets the contract's JSON error shape.
    error_shape: bool,
}

/// One layer does all of it, in one future: each layer of its own would clone the
/// services below it and box a future per request, which measured as much as the
/// handler of a cheap route.
fn with_edge(router: Router, edge: Edge) -> Router {
    router.layer(middleware::from_fn_with_state(edge, at_the_edge))
}

async fn at_the_edge(State(edge): State<Edge>, mut request: Request, next: Next) -> Response {
    mark_sensitive(
        request.headers_mut(),
        &[header::COOKIE, header::AUTHORIZATION],
    );
    let observed = Observed::start(&request);
    let mut response = answer(request, next).instrument(observed.span()).await;
    if let Some(ServerErrorCause(cause)) = response.extensions().get::<ServerErrorCause>() {
        // Reported here rather than in `Error::into_response`, so that panics and
        // every other 5xx are logged the same way, in the request's span.
        observed
            .span()
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

/// The request answered: its body read whole, then the handler, which may take at
/// most [`REQUEST_TIMEOUT`] (then 503) and whose panic is a 500.
async fn answer(request: Request, next: Next) -> Response {
    let handled = async {
        let request = read_whole_body(request).await?;
        Ok::<_, Response>(
            AssertUnwindSafe(next.run(request))
                .catch_unwind()
                .await
                .unwrap_or_else(panic_response),
        )
    };
    match tokio::time::timeout(REQUEST_TIMEOUT, handled).await {
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

async fn not_found() -> Error {
    Error::NotFound
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

/// A bound listener and the app to serve on it. Binding is separate from serving so a
/// test can bind port 0, read the port, then run.
pub struct HttpServer {
    listener: TcpListener,
    router: Router,
}

impl HttpServer {
    /// Binds all interfaces on `port` (0 picks a free one).
    pub async fn bind(port: u16, router: Router) -> std::io::Result<Self> {
        let listener = TcpListener::bind(SocketAddr::from(([0, 0, 0, 0], port))).await?;
        Ok(Self { listener, router })
    }

    pub fn port(&self) -> u16 {
        self.listener
            .local_addr()
            .map(|address| address.port())
            .unwrap_or_default()
    }

    /// Serves until `shutdown` completes, then lets in-flight requests finish.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        tracing::info!(port = self.port(), "listening");
        // Handlers may read the peer's address (see `extract::ClientAddress`).
        let app = self
            .router
            .into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(self.listener, app)
            .with_graceful_shutdown(shutdown)
            .await
    }
}

/// Completes on Ctrl-C or SIGTERM (what Kubernetes sends before killing a pod).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    use axum::routing::post;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    #[tokio::test]
    async fn a_request_answered_before_its_body_arrived_keeps_its_connection_usable() {
        // Refuses without looking at the body, as a handler does for a missing session.
        let app =
            api_stack(Router::new().route("/refuse", post(|| async { Error::NotAuthorized })));
        let server = HttpServer::bind(0, app).await.unwrap();
        let port = server.port();
        tokio::spawn(server.run_until(std::future::pending()));
        let mut connection = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap();
        let body = r#"{"price":1}"#;
        let head = format!(
            "POST /refuse HTTP/1.1\r\nhost: t\r\ncontent-length: {}\r\n\r\n",
            body.len()
        );

        // The body follows its headers late, as it may behind a busy proxy; then the
        // proxy sends the next request on the same keep-alive connection.
        connection.write_all(head.as_bytes()).await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        let rest = format!("{body}POST /refuse HTTP/1.1\r\nhost: t\r\ncontent-length: 0\r\n\r\n");
        let sent = connection.write_all(rest.as_bytes()).await;
        let mut answers = String::new();
        let mut buffer = [0; 4096];
        while sent.is_ok() && answers.matches("HTTP/1.1 401").count() < 2 {
            match tokio::time::timeout(REQUEST_TIMEOUT, connection.read(&mut buffer)).await {
                Ok(Ok(read)) if read > 0 => answers += &String::from_utf8_lossy(&buffer[..read]),
                _ => break,
            }
        }

        assert_eq!(answers.matches("HTTP/1.1 401").count(), 2, "{answers}");
    }
}

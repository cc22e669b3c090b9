//! The HTTP stack every service shares: middleware applied once, the contract's 404,
//! and serving with graceful shutdown.

use std::{future::Future, net::SocketAddr, time::Duration};

use axum::Router;
use tokio::net::TcpListener;

use crate::{
    edge::{Edge, EdgeLayer},
    error::Error,
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
    router.layer(EdgeLayer::new(Edge { error_shape: true }))
}

/// The middleware every HTTP server of the system shares, API or web page (see
/// [`crate::edge`]): a trace and a latency sample per request, a timeout, a body cap,
/// panic recovery, session headers marked sensitive, logging of 5xx causes, and
/// headers that stop browsers from sniffing content types or framing our responses
/// (clickjacking).
pub fn server_stack(router: Router) -> Router {
    router.layer(EdgeLayer::new(Edge { error_shape: false }))
}

async fn not_found() -> Error {
    Error::NotFound
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

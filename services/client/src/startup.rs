use std::sync::Arc;

use axum::{
    Json, Router,
    extract::Request,
    http::{HeaderValue, Method, StatusCode, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{any, get},
};
use httpkit::{
    http::{HttpServer, server_stack},
    service::Service,
};
use serde_json::json;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::{api::Api, assets, config::Config, pages, state::AppState};

/// Binds the web client on the configured port.
pub async fn build(config: Config) -> anyhow::Result<Service> {
    let state = AppState {
        api: Api::new(config.apis),
        stripe: Arc::new(config.stripe),
    };
    let probes = Router::new()
        .route(
            "/healthz",
            get(|| async { Json(json!({ "status": "ok" })) }),
        )
        // The client holds no connections of its own: when it answers, it is ready.
        // A page whose API is down says so itself.
        .route("/readyz", get(|| async { Json(json!({ "ready": true })) }));
    let content_security_policy = content_security_policy(&state.stripe.script_url)?;
    let router = pages::router()
        // An API path no API serves reaches the client through the catch-all route;
        // callers of the API still get the API's 404.
        .route("/api/{*rest}", any(|| async { httpkit::Error::NotFound }))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            pages::render_error_pages,
        ))
        .layer(middleware::from_fn(refuse_cross_site_posts))
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            content_security_policy,
        ))
        .with_state(state)
        .merge(assets::router())
        .merge(probes);
    let server = HttpServer::bind(config.port, server_stack(router)).await?;
    let metrics = httpkit::metrics::bind(config.metrics_port, None).await?;
    Ok(Service::new(server, metrics))
}

/// What the pages may load: only our own assets, plus Stripe.js and the frames and API
/// calls it makes (https://docs.stripe.com/security/guide#content-security-policy).
/// No inline script or style anywhere, and no page of ours inside another's frame.
/// Forms post to us alone, but browsers hold a form's redirects to `form-action` too,
/// and Get paid's is answered with Stripe's onboarding page (`connect.stripe.com`;
/// locally the fake's, which serves Stripe.js as well).
fn content_security_policy(stripe_js_url: &str) -> anyhow::Result<HeaderValue> {
    let stripe_js = reqwest::Url::parse(stripe_js_url)?
        .origin()
        .ascii_serialization();
    let policy = format!(
        "default-src 'self'; script-src 'self' {stripe_js} https://*.js.stripe.com; \
         frame-src {stripe_js} https://*.js.stripe.com https://hooks.stripe.com; \
         connect-src 'self' https://api.stripe.com; img-src 'self' data:; \
         style-src 'self'; form-action 'self' {stripe_js} https://connect.stripe.com; \
         frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    );
    Ok(HeaderValue::from_str(&policy)?)
}

/// Forms are posted from our own pages only. The session cookie is `SameSite=Lax`,
/// which already keeps it off cross-site posts; this also stops another site from
/// signing a visitor in to an account of its choosing (login CSRF). Browsers say where
/// a request comes from in `Sec-Fetch-Site`.
async fn refuse_cross_site_posts(request: Request, next: Next) -> Response {
    let cross_site = request
        .headers()
        .get("sec-fetch-site")
        .is_some_and(|site| site == "cross-site");
    if request.method() == Method::POST && cross_site {
        return (
            StatusCode::FORBIDDEN,
            "Forms can only be sent from this site's own pages.",
        )
            .into_response();
    }
    next.run(request).await
}

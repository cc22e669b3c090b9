//! The OpenAPI document every API service serves at `/api/<resource>/openapi.json`.
//!
//! A service registers its handlers through a [`utoipa_axum`] `OpenApiRouter`, so
//! the routes it serves and the operations its document lists come from the same
//! `routes!` calls and cannot drift apart. [`serve_documented`] adds what every
//! document shares (the session cookie's security scheme, the 413 the body limit
//! answers) and the route that serves it.

use axum::{Router, http::header, routing::get};
use bytes::Bytes;
use utoipa::{
    IntoResponses, PartialSchema, ToSchema,
    openapi::{
        Content, Info, OpenApi, Response,
        path::{Operation, PathItem},
        security::{ApiKey, ApiKeyValue, SecurityScheme},
    },
};
use utoipa_axum::router::OpenApiRouter;

use crate::{error::ErrorBody, http::MAX_BODY_BYTES, session::COOKIE_NAME};

/// The security scheme operations name in `security(("session" = []))`: the session
/// cookie that auth issues.
pub const SESSION_SCHEME: &str = "session";

/// The router for a service's documented routes, plus `GET {prefix}/openapi.json`
/// serving their document (no session needed). `prefix` is where the gateway and the
/// Ingress route to the service, e.g. `/api/tickets`.
pub fn serve_documented<S>(prefix: &str, title: &str, routes: OpenApiRouter<S>) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    let (router, mut document) = routes.split_for_parts();
    complete(&mut document, title);
    let json = Bytes::from(
        document
            .to_json()
            .expect("an OpenAPI document always serializes"),
    );
    router.route(
        &format!("{prefix}/openapi.json"),
        get(move || async move { ([(header::CONTENT_TYPE, "application/json")], json) }),
    )
}

/// What every document shares but no handler annotation says.
fn complete(document: &mut OpenApi, title: &str) {
    // `OpenApiRouter::new` starts from utoipa-axum's own package metadata.
    document.info = Info::builder()
        .title(title)
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some(format!(
            "The {title} API of the ticketing marketplace"
        )))
        .build();
    let components = document.components.get_or_insert_with(Default::default);
    // The shared responses below inline the error shape, which refers to these.
    let mut error_schemas = vec![(ErrorBody::name().into_owned(), ErrorBody::schema())];
    ErrorBody::schemas(&mut error_schemas);
    components.schemas.extend(error_schemas);
    components.add_security_scheme(
        SESSION_SCHEME,
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
            COOKIE_NAME,
            "The signed session JWT that signup and signin set",
        ))),
    );
    // The body limit sits in front of every handler (see `http::server_stack`).
    let too_large = Response::builder()
        .description(format!("The body is over {MAX_BODY_BYTES} bytes"))
        .content("application/json", Content::new(Some(ErrorBody::schema())))
        .build();
    for operation in document.paths.paths.values_mut().flat_map(operations) {
        if operation.request_body.is_some() {
            operation
                .responses
                .responses
                .insert("413".to_owned(), too_large.clone().into());
        }
    }
}

fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.patch,
        &mut item.head,
        &mut item.options,
        &mut item.trace,
    ]
    .into_iter()
    .filter_map(Option::as_mut)
}

/// The 401 of [`crate::Error::NotAuthorized`], for `responses(…)`.
#[derive(IntoResponses)]
#[response(
    status = UNAUTHORIZED,
    description = "Not signed in, or not allowed to touch this resource"
)]
pub struct NotAuthorized(#[to_schema] pub ErrorBody);

/// The 404 of [`crate::Error::NotFound`], for `responses(…)`.
#[derive(IntoResponses)]
#[response(status = NOT_FOUND, description = "No such resource")]
pub struct NotFound(#[to_schema] pub ErrorBody);

/// The 429 of [`crate::Error::TooManyRequests`], for `responses(…)`.
#[derive(IntoResponses)]
#[response(
    status = TOO_MANY_REQUESTS,
    description = "Too many requests in a short time (from this client, at this account or by this user); the message says when to try again",
    headers(("retry-after" = u64, description = "Seconds until the next attempt is let through"))
)]
pub struct TooManyRequests(#[to_schema] pub ErrorBody);

#[cfg(test)]
mod tests {
    use tower::ServiceExt;
    use utoipa_axum::routes;

    use crate::session::UserClaims;

    use super::*;

    #[utoipa::path(post, path = "/api/things", request_body = UserClaims, responses(NotFound))]
    async fn create(crate::extract::Json(_): crate::extract::Json<UserClaims>) -> crate::Error {
        crate::Error::NotFound
    }

    #[tokio::test]
    async fn a_served_document_has_our_metadata_the_session_scheme_and_the_413() {
        let app = serve_documented(
            "/api/things",
            "things",
            OpenApiRouter::new().routes(routes!(create)),
        );
        let request = axum::http::Request::get("/api/things/openapi.json")
            .body(axum::body::Body::empty())
            .unwrap();
        let response = app.oneshot(request).await.unwrap();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        let document: serde_json::Value = serde_json::from_slice(&bytes).unwrap();

        assert_eq!(document["info"]["title"], "things");
        assert!(
            document["info"].get("contact").is_none(),
            "{}",
            document["info"]
        );
        assert_eq!(
            document["components"]["securitySchemes"]["session"]["in"],
            "cookie"
        );
        let responses = &document["paths"]["/api/things"]["post"]["responses"];
        assert!(responses.get("413").is_some() && responses.get("404").is_some());
        assert!(
            document["components"]["schemas"]
                .get("FieldError")
                .is_some()
        );
    }
}

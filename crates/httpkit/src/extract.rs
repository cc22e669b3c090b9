//! Extractors whose rejections come out in the contract's error shape instead of
//! axum's plain-text bodies.

use std::net::{IpAddr, SocketAddr};

use axum::{
    extract::{ConnectInfo, FromRequest, FromRequestParts, Request, rejection::JsonRejection},
    http::request::Parts,
    response::{IntoResponse, Response},
};
use marketplace::id::{Entity, Id};
use serde::Serialize;
use utoipa::{
    IntoParams, PartialSchema,
    openapi::{
        Required,
        path::{Parameter, ParameterBuilder, ParameterIn},
    },
};

use crate::error::Error;

/// Like [`axum::Json`], but malformed JSON, a wrong content type, missing fields and
/// wrong types are all a 400 in the error shape, with serde's description of the
/// problem (which names the offending field).
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T, S> FromRequest<S> for Json<T>
where
    axum::Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(Error::BadRequest(rejection.body_text())),
        }
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// Like [`axum::extract::Query`], but a query string that does not fit `T` is a 400
/// in the error shape.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(value)| Self(value))
            .map_err(|rejection| Error::BadRequest(rejection.body_text()))
    }
}

/// The `:id` path segment as an `E`'s id; anything else is a 400 naming the `id`
/// field, never a 500 or a database query. Operations list it with
/// `params(IdPath<E>)`.
#[derive(Debug, Clone, Copy)]
pub struct IdPath<E: Entity>(pub Id<E>);

/// Written out because utoipa's derive cannot document a field whose type is generic.
impl<E: Entity> IntoParams for IdPath<E> {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![
            ParameterBuilder::new()
                .name("id")
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .description(Some(format!("The {}'s 24-hex id.", E::NAME)))
                .schema(Some(Id::<E>::schema()))
                .build(),
        ]
    }
}

impl<E: Entity, S: Send + Sync> FromRequestParts<S> for IdPath<E> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(raw) =
            axum::extract::Path::<String>::from_request_parts(parts, state)
                .await
                .map_err(|rejection| Error::BadRequest(rejection.body_text()))?;
        parse_id(&raw, "id").map(Self)
    }
}

/// Parses an `E`'s id from user input (surrounding blanks ignored), naming `field`
/// when it is not one.
pub fn parse_id<E: Entity>(raw: &str, field: &str) -> Result<Id<E>, Error> {
    raw.trim()
        .parse()
        .map_err(|_| Error::invalid(field, format!("{field} must be a valid id")))
}

/// The address of the client behind the request: the last `X-Forwarded-For` entry,
/// which the nearest proxy (ingress-nginx, the dev gateway, the web client on a
/// visitor's behalf) appended, or the TCP peer when no proxy is in between. Clients
/// from outside reach the services only through those proxies, so the entry is theirs,
/// not one a client made up; inside the cluster any pod could still set it (a
/// NetworkPolicy would close that).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        // Only the last entry is the proxy's own; an unreadable one is not replaced
        // by an earlier entry, which the client may have written.
        let forwarded = parts
            .headers
            .get_all(FORWARDED_FOR)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .next_back()
            .and_then(|entry| entry.trim().parse::<IpAddr>().ok());
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(peer)| peer.ip());
        Ok(Self(
            forwarded
                .or(peer)
                .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED)),
        ))
    }
}

/// The header proxies append the client's address to.
pub const FORWARDED_FOR: &str = "x-forwarded-for";

/// Where the client reached us, as `scheme://host[:port]`: what a URL given back to it
/// (a `Link`, a return address for Stripe's onboarding) must start with. Behind
/// ingress-nginx or the dev gateway that is not our own address: the scheme comes from
/// `X-Forwarded-Proto` and the host from `X-Forwarded-Host` when the proxy sets them,
/// else from `Host`; plain `http` without a proxy. Only the asker's own answer depends
/// on these headers, so one who makes them up fools nobody but themselves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicOrigin(pub String);

impl PublicOrigin {
    pub fn of(parts: &Parts) -> Self {
        let header = |name: &str| {
            parts
                .headers
                .get(name)
                .and_then(|value| value.to_str().ok())
                // A proxy behind another appends: the first entry is the client's.
                .and_then(|value| value.split(',').next())
                .map(str::trim)
        };
        let scheme = header("x-forwarded-proto")
            .filter(|scheme| *scheme == "https" || *scheme == "http")
            .unwrap_or("http");
        let host = [header("x-forwarded-host"), header("host")]
            .into_iter()
            .flatten()
            .find(|host| is_plain_host(host))
            .map(str::to_owned)
            .or_else(|| parts.uri.authority().map(ToString::to_string))
            .unwrap_or_else(|| "localhost".to_owned());
        Self(format!("{scheme}://{host}"))
    }
}

/// A host name or address with an optional port, and nothing that would change what
/// a URL built on it means (a path, a query, credentials).
fn is_plain_host(host: &str) -> bool {
    !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
}

impl<S: Send + Sync> FromRequestParts<S> for PublicOrigin {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::of(parts))
    }
}

#[cfg(test)]
mod tests {
    use axum::http::Request;

    use super::*;

    async fn client_address(request: Request<()>) -> IpAddr {
        let (mut parts, ()) = request.into_parts();
        let ClientAddress(address) = ClientAddress::from_request_parts(&mut parts, &())
            .await
            .unwrap();
        address
    }

    #[tokio::test]
    async fn the_last_forwarded_entry_is_the_client_and_the_peer_is_the_fallback() {
        let proxied = Request::builder()
            .header(FORWARDED_FOR, "203.0.113.9, 198.51.100.7")
            .body(())
            .unwrap();
        let mut direct = Request::builder().body(()).unwrap();
        direct
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([192, 0, 2, 1], 5000))));

        assert_eq!(
            client_address(proxied).await,
            "198.51.100.7".parse::<IpAddr>().unwrap()
        );
        assert_eq!(
            client_address(direct).await,
            "192.0.2.1".parse::<IpAddr>().unwrap()
        );
    }

    fn public_origin(headers: &[(&str, &str)]) -> String {
        let mut request = Request::builder().uri("/payouts/account");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let (parts, ()) = request.body(()).unwrap().into_parts();
        PublicOrigin::of(&parts).0
    }

    #[test]
    fn the_public_origin_is_the_proxys_forwarded_scheme_and_host_else_the_host_over_http() {
        let behind_ingress = [
            ("host", "ticketing-srv"),
            ("x-forwarded-proto", "https"),
            ("x-forwarded-host", "ticketing.dev"),
        ];
        let behind_gateway = [("host", "127.0.0.1:8080"), ("x-forwarded-proto", "http")];

        assert_eq!(public_origin(&behind_ingress), "https://ticketing.dev");
        assert_eq!(public_origin(&behind_gateway), "http://127.0.0.1:8080");
        assert_eq!(
            public_origin(&[("host", "[::1]:3000")]),
            "http://[::1]:3000"
        );
    }

    #[test]
    fn a_forwarded_scheme_or_host_that_is_not_one_is_ignored() {
        let odd = [
            ("host", "ticketing.dev"),
            ("x-forwarded-proto", "javascript"),
            ("x-forwarded-host", "evil.example/path?"),
        ];

        assert_eq!(public_origin(&odd), "http://ticketing.dev");
        assert_eq!(public_origin(&[]), "http://localhost");
    }

    #[tokio::test]
    async fn an_unreadable_last_entry_falls_back_to_the_peer_not_to_an_earlier_entry() {
        let mut request = Request::builder()
            .header(FORWARDED_FOR, "203.0.113.9, unknown")
            .body(())
            .unwrap();
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([192, 0, 2, 1], 5000))));

        assert_eq!(
            client_address(request).await,
            "192.0.2.1".parse::<IpAddr>().unwrap()
        );
    }
}

//! Headers that describe one connection rather than the message (RFC 9110 §7.6.1). A
//! proxy answers for its own connections, so it drops them in both directions, along
//! with every header that `Connection` names as such.

use axum::http::{HeaderMap, HeaderName, header};

/// The hop-by-hop headers that RFC 9110 and RFC 9112 name, whatever `Connection` says.
const ALWAYS: [HeaderName; 8] = [
    header::CONNECTION,
    HeaderName::from_static("keep-alive"),
    header::PROXY_AUTHENTICATE,
    header::PROXY_AUTHORIZATION,
    header::TE,
    header::TRAILER,
    header::TRANSFER_ENCODING,
    header::UPGRADE,
];

/// Removes every hop-by-hop header from a request or response about to be passed on.
pub(crate) fn remove(headers: &mut HeaderMap) {
    let named: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect();
    for name in ALWAYS.iter().chain(&named) {
        headers.remove(name);
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(name, value)| {
                (
                    HeaderName::from_static(name),
                    HeaderValue::from_static(value),
                )
            })
            .collect()
    }

    #[test]
    fn every_hop_by_hop_header_goes_and_end_to_end_ones_stay() {
        let mut message = headers(&[
            ("connection", "keep-alive, X-Hop"),
            ("connection", "x-other-hop"),
            ("keep-alive", "timeout=5"),
            ("proxy-authenticate", "Basic realm=\"proxy\""),
            ("proxy-authorization", "Basic dXNlcjpwYXNz"),
            ("te", "trailers"),
            ("trailer", "x-checksum"),
            ("transfer-encoding", "chunked"),
            ("upgrade", "websocket"),
            ("x-hop", "1"),
            ("x-other-hop", "2"),
            ("content-type", "application/json"),
            ("cookie", "session=abc"),
        ]);

        remove(&mut message);

        let mut left: Vec<&str> = message.keys().map(HeaderName::as_str).collect();
        left.sort_unstable();
        assert_eq!(left, ["content-type", "cookie"]);
    }

    #[test]
    fn a_malformed_connection_header_still_goes() {
        let mut message = headers(&[("connection", "not a header name, x-hop"), ("x-hop", "1")]);

        remove(&mut message);

        assert!(message.is_empty(), "{message:?}");
    }
}

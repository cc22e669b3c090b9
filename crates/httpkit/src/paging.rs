//! Cursor pagination of a list route: the `limit` and `cursor` query parameters
//! ([`Paging`]), the opaque cursor ([`Cursor`]) and the response ([`Paged`]), whose
//! body stays the plain array and whose `Link` header (RFC 8288) names the pages
//! around it.
//!
//! A cursor says where a page starts: after, or before, one entry of the list,
//! named by its key (whatever the list is ordered by). It is opaque to clients
//! (base64url), so the key's form can change without breaking them.

use axum::{
    extract::FromRequestParts,
    http::{HeaderValue, header, request::Parts},
    response::{IntoResponse, Response},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use crate::{
    error::Error,
    extract::{Json, PublicOrigin, Query},
};

/// How many entries a page has when `limit` is not given.
pub const DEFAULT_LIMIT: usize = 50;
/// The most a page can have.
pub const MAX_LIMIT: usize = 100;

/// Which way a page runs from its cursor, in the list's own order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// The entries after the cursor's key.
    After,
    /// The entries before the cursor's key (a "previous" page).
    Before,
}

/// Where a page starts: after or before the entry whose key is `key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub direction: Direction,
    pub key: String,
}

impl Cursor {
    pub fn after(key: impl ToString) -> Self {
        Self {
            direction: Direction::After,
            key: key.to_string(),
        }
    }

    pub fn before(key: impl ToString) -> Self {
        Self {
            direction: Direction::Before,
            key: key.to_string(),
        }
    }

    /// The cursor as it appears in a URL.
    pub fn encode(&self) -> String {
        let mark = match self.direction {
            Direction::After => 'a',
            Direction::Before => 'b',
        };
        URL_SAFE_NO_PAD.encode(format!("{mark}{}", self.key))
    }

    /// A cursor from its URL form; `None` if it is not one this API made.
    pub fn decode(encoded: &str) -> Option<Self> {
        let bytes = URL_SAFE_NO_PAD.decode(encoded).ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let mut chars = text.chars();
        let direction = match chars.next()? {
            'a' => Direction::After,
            'b' => Direction::Before,
            _ => return None,
        };
        let key = chars.as_str();
        (!key.is_empty()).then(|| Self {
            direction,
            key: key.to_owned(),
        })
    }

    /// The key as a `K`, or the 400 a cursor that does not decode gets.
    pub fn key_as<K: std::str::FromStr>(&self) -> Result<K, Error> {
        self.key.parse().map_err(|_| bad_cursor())
    }
}

fn bad_cursor() -> Error {
    Error::invalid(
        "cursor",
        "cursor is not one this list gave out; start again from the first page",
    )
}

/// The query parameters every paged list takes, as they arrive (validated into
/// [`Paging`]).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// How many entries the page has: 1 to 100 (default 50).
    #[param(minimum = 1, maximum = 100, value_type = Option<u32>)]
    limit: Option<String>,
    /// Where the page starts: copied from a `Link` header of an earlier page. Opaque.
    #[param(pattern = "^[A-Za-z0-9_-]+$")]
    cursor: Option<String>,
}

/// A validated page request, with what it takes to link to the pages around it.
#[derive(Debug, Clone)]
pub struct Paging {
    pub limit: usize,
    pub cursor: Option<Cursor>,
    /// The request's URL without its `cursor` parameter, for the `Link` header.
    base_url: String,
    other_params: Vec<(String, String)>,
}

impl Paging {
    fn from_params(params: PageParams) -> Result<Self, Error> {
        let limit = match params.limit.as_deref() {
            None => DEFAULT_LIMIT,
            Some(raw) => raw
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|limit| (1..=MAX_LIMIT).contains(limit))
                .ok_or_else(|| {
                    Error::invalid(
                        "limit",
                        format!("limit must be a whole number from 1 to {MAX_LIMIT}"),
                    )
                })?,
        };
        let cursor = match params.cursor.as_deref() {
            None => None,
            Some(raw) => Some(Cursor::decode(raw.trim()).ok_or_else(bad_cursor)?),
        };
        Ok(Self {
            limit,
            cursor,
            base_url: String::new(),
            other_params: Vec::new(),
        })
    }

    /// The URL of the page that `cursor` starts: this request's, with its cursor.
    fn url_with(&self, cursor: &Cursor) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (name, value) in &self.other_params {
            query.append_pair(name, value);
        }
        query.append_pair("cursor", &cursor.encode());
        format!("{}?{}", self.base_url, query.finish())
    }
}

/// `limit` and `cursor` from the query string; anything wrong with them is a 400 in
/// the error shape.
impl<S: Send + Sync> FromRequestParts<S> for Paging {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Query(params) = Query::<PageParams>::from_request_parts(parts, state).await?;
        let mut paging = Self::from_params(params)?;
        paging.base_url = request_url(parts);
        paging.other_params = form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes())
            .filter(|(name, _)| name != "cursor")
            .map(|(name, value)| (name.into_owned(), value.into_owned()))
            .collect();
        Ok(paging)
    }
}

/// The URL the client asked for, without its query, as the client sees it.
fn request_url(parts: &Parts) -> String {
    let PublicOrigin(origin) = PublicOrigin::of(parts);
    format!("{origin}{}", parts.uri.path())
}

/// One page of a list, and the cursors of the pages around it.
#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<Cursor>,
    pub previous: Option<Cursor>,
}

impl<T> Page<T> {
    /// The same page of `f` of each entry (a view of it, say).
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next: self.next,
            previous: self.previous,
        }
    }
}

/// The response of a page: its entries as a JSON array, and a `Link` header naming
/// the next page (`rel="next"`) and the previous one (`rel="prev"`) where there is
/// one.
#[derive(Debug)]
pub struct Paged<T>(pub Page<T>, pub Paging);

impl<T: Serialize> IntoResponse for Paged<T> {
    fn into_response(self) -> Response {
        let Self(page, paging) = self;
        let links: Vec<String> = [(&page.next, "next"), (&page.previous, "prev")]
            .into_iter()
            .filter_map(|(cursor, rel)| {
                let url = paging.url_with(cursor.as_ref()?);
                Some(format!("<{url}>; rel=\"{rel}\""))
            })
            .collect();
        let mut response = Json(page.items).into_response();
        if !links.is_empty()
            && let Ok(value) = HeaderValue::try_from(links.join(", "))
        {
            response.headers_mut().insert(header::LINK, value);
        }
        response
    }
}

/// The `cursor` of the page a `Link` header names as `rel` (`next` or `prev`), as
/// a client that follows the links reads it.
pub fn cursor_in_link(link_header: &str, rel: &str) -> Option<String> {
    let wanted = format!("rel=\"{rel}\"");
    link_header.split(',').find_map(|link| {
        let (target, params) = link.trim().split_once(';')?;
        if !params.split(';').any(|param| param.trim() == wanted) {
            return None;
        }
        let url = target.trim().strip_prefix('<')?.strip_suffix('>')?;
        let (_, query) = url.split_once('?')?;
        form_urlencoded::parse(query.as_bytes())
            .find(|(name, _)| name == "cursor")
            .map(|(_, cursor)| cursor.into_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(limit: Option<&str>, cursor: Option<&str>) -> PageParams {
        PageParams {
            limit: limit.map(str::to_owned),
            cursor: cursor.map(str::to_owned),
        }
    }

    #[test]
    fn a_cursor_survives_its_url_form() {
        for cursor in [
            Cursor::after(42),
            Cursor::before("65a1f0c2e4b0a1b2c3d4e5f6"),
        ] {
            assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
        }
    }

    #[test]
    fn a_client_finds_each_pages_cursor_in_the_link_header() {
        let header = "<http://h/api/tickets?q=a%2Cb&cursor=YTQy>; rel=\"next\", \
                      <http://h/api/tickets?q=a%2Cb&cursor=YjQz>; rel=\"prev\"";
        assert_eq!(cursor_in_link(header, "next").as_deref(), Some("YTQy"));
        assert_eq!(cursor_in_link(header, "prev").as_deref(), Some("YjQz"));
        assert_eq!(cursor_in_link(header, "last"), None);
    }

    #[test]
    fn limits_outside_one_to_a_hundred_and_foreign_cursors_are_refused() {
        assert_eq!(
            Paging::from_params(params(None, None)).unwrap().limit,
            DEFAULT_LIMIT
        );
        assert_eq!(
            Paging::from_params(params(Some("100"), None))
                .unwrap()
                .limit,
            100
        );
        for bad in ["0", "101", "ten", "-1", ""] {
            assert!(
                Paging::from_params(params(Some(bad), None)).is_err(),
                "{bad}"
            );
        }
        for bad in ["!!", "", "eA", "YQ"] {
            assert!(
                Paging::from_params(params(None, Some(bad))).is_err(),
                "{bad}"
            );
        }
    }
}

//! The APIs as the pages see them: one call per route, each carrying the visitor's
//! session cookie (as the original's `getInitialProps` did), and each answer either a
//! value or the API's own error messages, ready to show beside the form that caused
//! them.

use axum::http::{HeaderValue, StatusCode, header};
use std::net::IpAddr;

use httpkit::{
    FieldError, error::ErrorBody, extract::FORWARDED_FOR, paging::cursor_in_link,
    session::UserClaims,
};
use marketplace::{
    id::{OrderId, TicketId, UserId},
    money::Price,
    order::OrderStatus,
};
use reqwest::{Method, RequestBuilder};
use serde::{Deserialize, de::DeserializeOwned};
use serde_json::{Value, json};
use time::OffsetDateTime;
use tracing::Instrument;

use crate::config::ApiUrls;

mod payouts;

pub(crate) use payouts::{Payout, PayoutAccount};

/// A ticket as the tickets API shows it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Ticket {
    pub id: TicketId,
    pub title: String,
    pub price: Price,
    pub user_id: UserId,
    pub status: TicketStatus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum TicketStatus {
    Available,
    Reserved,
    Sold,
}

/// An order as the orders API shows it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Order {
    pub id: OrderId,
    pub status: OrderStatus,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    pub ticket: OrderedTicket,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct OrderedTicket {
    pub id: TicketId,
    pub title: String,
    pub price: Price,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CurrentUser {
    current_user: Option<UserClaims>,
}

/// On whose behalf a call is made: the visitor's session cookie and address.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub cookie: Option<HeaderValue>,
    pub client: IpAddr,
}

/// Why a call gave no value.
#[derive(Debug)]
pub(crate) enum ApiError {
    /// The API refused the request (4xx) and said why.
    Refused {
        status: StatusCode,
        errors: Vec<FieldError>,
    },
    /// The API could not be reached or failed (5xx); the detail is for the log. A 503
    /// may also say, for the user, what cannot be done just now (payments, when
    /// Stripe cannot be reached): `said`, empty otherwise.
    Unavailable {
        detail: String,
        said: Vec<FieldError>,
    },
}

impl ApiError {
    /// An API that gave no answer the user can read.
    fn unavailable(detail: String) -> Self {
        Self::Unavailable {
            detail,
            said: Vec::new(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::Refused { status, .. } => *status,
            Self::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

/// A successful answer and the cookies it set, which the page hands to the browser
/// (signing in and out change the session cookie), and its `Link` header, which a
/// list's answer has when there are pages around it.
pub(crate) struct Answer<T> {
    pub value: T,
    pub set_cookies: Vec<HeaderValue>,
    pub link: Option<String>,
}

/// One page of a list, and the API's cursors of the pages before and after it.
pub(crate) struct Listed<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
    pub previous: Option<String>,
}

/// What a visitor searches the listing for, as typed, passed on to the tickets API
/// (whose validation names what is wrong).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Search {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub min_price: String,
    #[serde(default)]
    pub max_price: String,
}

impl Search {
    /// The search's non-blank parameters, as the tickets API (and the landing page's
    /// own URL) take them.
    pub fn params(&self) -> Vec<(&'static str, &str)> {
        [
            ("q", &self.q),
            ("minPrice", &self.min_price),
            ("maxPrice", &self.max_price),
        ]
        .into_iter()
        .filter(|(_, value)| !value.trim().is_empty())
        .map(|(name, value)| (name, value.as_str()))
        .collect()
    }
}

/// `path` with `params` as its query string.
pub(crate) fn with_query(path: &str, params: &[(&str, &str)]) -> String {
    if params.is_empty() {
        return path.to_owned();
    }
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.extend_pairs(params);
    format!("{path}?{}", query.finish())
}

pub(crate) type ApiResult<T> = Result<T, ApiError>;

#[derive(Clone)]
pub(crate) struct Api {
    http: reqwest::Client,
    urls: ApiUrls,
}

impl Api {
    pub fn new(urls: ApiUrls) -> Self {
        let http = reqwest::Client::builder()
            // A page may ask twice (its content, then the header of an error page):
            // both must fit in the 10 s every request is given.
            .timeout(std::time::Duration::from_secs(4))
            .build()
            .expect("a plain HTTP client builds");
        Self { http, urls }
    }

    pub async fn current_user(&self, caller: &Caller) -> ApiResult<Option<UserClaims>> {
        let answer: CurrentUser = self
            .call(
                caller,
                Method::GET,
                &self.urls.auth,
                "/api/users/currentuser",
                None,
            )
            .await?
            .value;
        Ok(answer.current_user)
    }

    /// Signs up (`action` "signup") or in ("signin").
    pub async fn authenticate(
        &self,
        caller: &Caller,
        action: &str,
        email: &str,
        password: &str,
    ) -> ApiResult<Answer<Value>> {
        let body = json!({ "email": email, "password": password });
        let path = format!("/api/users/{action}");
        self.call(caller, Method::POST, &self.urls.auth, &path, Some(body))
            .await
    }

    pub async fn sign_out(&self, caller: &Caller) -> ApiResult<Answer<Value>> {
        self.call(
            caller,
            Method::POST,
            &self.urls.auth,
            "/api/users/signout",
            Some(json!({})),
        )
        .await
    }

    /// The page of the tickets for sale that `cursor` names, of those `search` finds.
    pub async fn tickets_for_sale(
        &self,
        caller: &Caller,
        search: &Search,
        cursor: Option<&str>,
    ) -> ApiResult<Listed<Ticket>> {
        let mut params = search.params();
        params.extend(cursor.map(|cursor| ("cursor", cursor)));
        let path = with_query("/api/tickets", &params);
        self.list(caller, &self.urls.tickets, &path).await
    }

    pub async fn my_tickets(
        &self,
        caller: &Caller,
        cursor: Option<&str>,
    ) -> ApiResult<Listed<Ticket>> {
        let path = with_query("/api/tickets/mine", &cursor_param(cursor));
        self.list(caller, &self.urls.tickets, &path).await
    }

    pub async fn ticket(&self, caller: &Caller, id: TicketId) -> ApiResult<Ticket> {
        self.get(caller, &self.urls.tickets, &format!("/api/tickets/{id}"))
            .await
    }

    /// Lists (no `id`) or edits a ticket. `price` is passed on as typed when it is not
    /// a number, so the API's own validation message names the problem.
    pub async fn save_ticket(
        &self,
        caller: &Caller,
        id: Option<TicketId>,
        title: &str,
        price: &str,
    ) -> ApiResult<Ticket> {
        let price = match price.trim() {
            "" => Value::Null,
            typed => typed
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map_or_else(|| Value::String(typed.to_owned()), Value::Number),
        };
        let body = json!({ "title": title, "price": price });
        let (method, path) = match id {
            None => (Method::POST, "/api/tickets".to_owned()),
            Some(id) => (Method::PUT, format!("/api/tickets/{id}")),
        };
        let answer = self
            .call(caller, method, &self.urls.tickets, &path, Some(body))
            .await?;
        Ok(answer.value)
    }

    pub async fn my_orders(
        &self,
        caller: &Caller,
        cursor: Option<&str>,
    ) -> ApiResult<Listed<Order>> {
        let path = with_query("/api/orders", &cursor_param(cursor));
        self.list(caller, &self.urls.orders, &path).await
    }

    pub async fn order(&self, caller: &Caller, id: OrderId) -> ApiResult<Order> {
        self.get(caller, &self.urls.orders, &format!("/api/orders/{id}"))
            .await
    }

    pub async fn reserve(&self, caller: &Caller, ticket_id: TicketId) -> ApiResult<Order> {
        let body = json!({ "ticketId": ticket_id });
        let answer = self
            .call(
                caller,
                Method::POST,
                &self.urls.orders,
                "/api/orders",
                Some(body),
            )
            .await?;
        Ok(answer.value)
    }

    async fn get<T: DeserializeOwned>(
        &self,
        caller: &Caller,
        base: &str,
        path: &str,
    ) -> ApiResult<T> {
        Ok(self
            .call(caller, Method::GET, base, path, None)
            .await?
            .value)
    }

    /// A page of a list, with the cursors its `Link` header names.
    async fn list<T: DeserializeOwned>(
        &self,
        caller: &Caller,
        base: &str,
        path: &str,
    ) -> ApiResult<Listed<T>> {
        let answer = self.call(caller, Method::GET, base, path, None).await?;
        let link = answer.link.unwrap_or_default();
        Ok(Listed {
            items: answer.value,
            next: cursor_in_link(&link, "next"),
            previous: cursor_in_link(&link, "prev"),
        })
    }

    /// One call to an API, as a client span of the page's trace: the API's request
    /// span becomes its child through the `traceparent` it is sent.
    async fn call<T: DeserializeOwned>(
        &self,
        caller: &Caller,
        method: Method,
        base: &str,
        path: &str,
        body: Option<Value>,
    ) -> ApiResult<Answer<T>> {
        let url = format!("{base}{path}");
        let span = tracing::info_span!(
            "call",
            otel.name = %method,
            otel.kind = "client",
            http.request.method = %method,
            url.full = %url,
            http.response.status_code = tracing::field::Empty,
        );
        self.send(caller, method, &url, body).instrument(span).await
    }

    async fn send<T: DeserializeOwned>(
        &self,
        caller: &Caller,
        method: Method,
        url: &str,
        body: Option<Value>,
    ) -> ApiResult<Answer<T>> {
        let mut trace = reqwest::header::HeaderMap::new();
        telemetry::propagation::inject_current(&mut trace);
        let mut request: RequestBuilder = self.http.request(method, url).headers(trace);
        if let Some(cookie) = &caller.cookie {
            request = request.header(header::COOKIE, cookie);
        }
        // The APIs see the visitor's address, not ours (auth limits attempts by it).
        request = request.header(FORWARDED_FOR, caller.client.to_string());
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request
            .send()
            .await
            .map_err(|error| ApiError::unavailable(format!("{url}: {error}")))?;
        let status = response.status();
        tracing::Span::current().record("http.response.status_code", status.as_u16());
        let link = response
            .headers()
            .get(header::LINK)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let set_cookies = response
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .cloned()
            .collect();
        if status.is_client_error() {
            let errors = match response.json::<ErrorBody>().await {
                Ok(body) => body.errors,
                Err(_) => vec![FieldError {
                    message: status.canonical_reason().unwrap_or("Refused").to_owned(),
                    field: None,
                }],
            };
            return Err(ApiError::Refused { status, errors });
        }
        if !status.is_success() {
            let said = match status {
                StatusCode::SERVICE_UNAVAILABLE => response
                    .json::<ErrorBody>()
                    .await
                    .map_or_else(|_| Vec::new(), |body| body.errors),
                _ => Vec::new(),
            };
            let detail = format!("{url} answered {status}");
            return Err(ApiError::Unavailable { detail, said });
        }
        let value = response
            .json()
            .await
            .map_err(|error| ApiError::unavailable(format!("{url}: unexpected body: {error}")))?;
        Ok(Answer {
            value,
            set_cookies,
            link,
        })
    }
}

fn cursor_param(cursor: Option<&str>) -> Vec<(&'static str, &str)> {
    cursor
        .map(|cursor| ("cursor", cursor))
        .into_iter()
        .collect()
}

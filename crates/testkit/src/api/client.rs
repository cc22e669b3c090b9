//! The client itself: one request loop that every call goes through, so what is
//! retried, for how long, and what each attempt is recorded as, is decided once.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use marketplace::{money::Price, order::OrderStatus};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::{
    endpoints::{Api, Endpoints},
    error::ApiError,
    views::{ErrorBody, Order, Payment, PayoutAccount, Ticket, User},
};
use crate::wait::wait_for;

/// What the client retries, and for how long.
#[derive(Debug, Clone, Copy)]
pub struct Retry {
    /// How long one call keeps retrying before it gives up.
    pub patience: Duration,
    /// The pause between two attempts.
    pub poll: Duration,
    /// With a value above `poll`, each pause is a quarter longer than the one before,
    /// up to this ([`crate::Wait::backing_off_to`]).
    pub longest_poll: Duration,
    /// Whether a 5xx or no answer is retried too, as a user would through an outage
    /// (the chaos run); otherwise it ends the call.
    pub through_faults: bool,
}

impl Retry {
    /// Retries only what is in flight (an event not delivered yet), for 15 seconds.
    pub const IN_FLIGHT: Self = Self {
        patience: Duration::from_secs(15),
        poll: Duration::from_millis(20),
        longest_poll: Duration::from_millis(20),
        through_faults: false,
    };
}

/// One request and what came of it: its status, or `None` when no answer came.
#[derive(Debug, Clone, Copy)]
pub struct Exchange {
    pub sent: Instant,
    pub answered: Instant,
    pub status: Option<StatusCode>,
}

/// The answer of the attempt that succeeded, with when it was sent and how long the
/// service took to answer it (until its headers).
#[derive(Debug, Clone)]
pub struct Accepted<T> {
    pub value: T,
    pub sent: Instant,
    pub took: Duration,
}

/// A user just signed up or in, and the session the service gave them.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user: User,
    /// The session cookie's value.
    pub session: String,
}

impl SignedIn {
    /// The session as a `Cookie` header value (`session=…`).
    pub fn cookie(&self) -> String {
        format!("{}={}", httpkit::session::COOKIE_NAME, self.session)
    }
}

/// A client of the API as one user. Cheap to clone; clones share the session.
#[derive(Clone)]
pub struct ApiClient {
    http: reqwest::Client,
    endpoints: Arc<Endpoints>,
    retry: Retry,
    observer: Option<Arc<dyn Fn(Exchange) + Send + Sync>>,
}

/// Whether a call retries a 404: the service does not know yet what the request names.
#[derive(Clone, Copy, PartialEq, Eq)]
enum NotFound {
    Answer,
    Retry,
}

impl ApiClient {
    /// A signed-out user with a cookie store of their own, so that signing up or in
    /// signs the client in.
    pub fn new(endpoints: Endpoints) -> Self {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .expect("build an HTTP client");
        Self::with_http(endpoints, http)
    }

    /// A client that sends through `http`: one with a request timeout, or one that
    /// already carries a session (a test's [`crate::TestUser`]).
    pub fn with_http(endpoints: Endpoints, http: reqwest::Client) -> Self {
        Self {
            http,
            endpoints: Arc::new(endpoints),
            retry: Retry::IN_FLIGHT,
            observer: None,
        }
    }

    /// Retries as `retry` says instead of [`Retry::IN_FLIGHT`].
    pub fn retrying(mut self, retry: Retry) -> Self {
        self.retry = retry;
        self
    }

    /// Hands every request's [`Exchange`] to `observer`, retries included.
    pub fn observed(mut self, observer: impl Fn(Exchange) + Send + Sync + 'static) -> Self {
        self.observer = Some(Arc::new(observer));
        self
    }

    /// `POST /api/users/signup`; the client is signed in as the new user after.
    pub async fn sign_up(&self, email: &str, password: &str) -> Result<SignedIn, ApiError> {
        self.session_from("/api/users/signup", StatusCode::CREATED, email, password)
            .await
    }

    /// `POST /api/users/signin`; the client is signed in as the user after.
    pub async fn sign_in(&self, email: &str, password: &str) -> Result<SignedIn, ApiError> {
        self.session_from("/api/users/signin", StatusCode::OK, email, password)
            .await
    }

    /// `POST /api/tickets`: lists a ticket for sale.
    pub async fn list_ticket(&self, title: &str, price: Price) -> Result<Ticket, ApiError> {
        let body = json!({ "title": title, "price": price });
        let listed = self
            .create(Api::Tickets, "/api/tickets", &body, NotFound::Answer)
            .await?;
        Ok(listed.value)
    }

    /// `GET /api/tickets/{id}`.
    pub async fn ticket(&self, id: &str) -> Result<Ticket, ApiError> {
        self.get(Api::Tickets, &format!("/api/tickets/{id}")).await
    }

    /// `GET /api/tickets`: every ticket for sale.
    pub async fn tickets_for_sale(&self) -> Result<Vec<Ticket>, ApiError> {
        self.get(Api::Tickets, "/api/tickets").await
    }

    /// `POST /api/orders` as soon as the orders service knows the ticket (from
    /// `ticket:created`): its 404 until then is retried.
    pub async fn reserve_when_orderable(
        &self,
        ticket_id: &str,
    ) -> Result<Accepted<Order>, ApiError> {
        let body = json!({ "ticketId": ticket_id });
        self.create(Api::Orders, "/api/orders", &body, NotFound::Retry)
            .await
    }

    /// `POST /api/payments` as soon as the payments service knows the order (from
    /// `order:created`): its 404 until then is retried.
    pub async fn pay_when_payable(
        &self,
        order_id: &str,
        token: &str,
    ) -> Result<Accepted<Payment>, ApiError> {
        let body = json!({ "orderId": order_id, "token": token });
        self.create(Api::Payments, "/api/payments", &body, NotFound::Retry)
            .await
    }

    /// `GET /api/orders/{id}`.
    pub async fn order(&self, id: &str) -> Result<Order, ApiError> {
        self.get(Api::Orders, &format!("/api/orders/{id}")).await
    }

    /// Asks for the order until it is complete (`payment:created` reached orders);
    /// fails at once if it was cancelled instead.
    pub async fn wait_until_complete(&self, id: &str) -> Result<Order, ApiError> {
        wait_for(format!("order {id} to complete"), self.retry.patience)
            .every(self.retry.poll)
            .backing_off_to(self.retry.longest_poll)
            .until_ok(|| async {
                let order = self.order(id).await?;
                match order.status {
                    OrderStatus::Complete => Ok(Some(order)),
                    OrderStatus::Cancelled => Err(ApiError::Cancelled { order: order.id }),
                    OrderStatus::Created | OrderStatus::AwaitingPayment => Ok(None),
                }
            })
            .await
    }

    /// `GET /api/orders`: the user's orders.
    pub async fn my_orders(&self) -> Result<Vec<Order>, ApiError> {
        self.get(Api::Orders, "/api/orders").await
    }

    /// `POST /api/payouts/account`: connects the user's payout account; Stripe's
    /// onboarding sends them back to `return_url`.
    pub async fn connect_payout_account(
        &self,
        return_url: &str,
    ) -> Result<PayoutAccount, ApiError> {
        let body = json!({ "returnUrl": return_url });
        let answer = self
            .send(
                Method::POST,
                Api::Payments,
                "/api/payouts/account",
                Some(&body),
                NotFound::Answer,
            )
            .await?;
        Ok(expect(answer, StatusCode::OK).await?.value)
    }

    /// `GET /api/payouts/account`.
    pub async fn payout_account(&self) -> Result<PayoutAccount, ApiError> {
        self.get(Api::Payments, "/api/payouts/account").await
    }

    /// `GET path` on `api`, answered 200.
    async fn get<T: DeserializeOwned>(&self, api: Api, path: &str) -> Result<T, ApiError> {
        let answer = self
            .send(Method::GET, api, path, None, NotFound::Answer)
            .await?;
        Ok(expect(answer, StatusCode::OK).await?.value)
    }

    /// `POST path` on `api` with `body`, answered 201.
    async fn create<T: DeserializeOwned>(
        &self,
        api: Api,
        path: &str,
        body: &Value,
        not_found: NotFound,
    ) -> Result<Accepted<T>, ApiError> {
        let answer = self
            .send(Method::POST, api, path, Some(body), not_found)
            .await?;
        expect(answer, StatusCode::CREATED).await
    }

    async fn session_from(
        &self,
        path: &str,
        success: StatusCode,
        email: &str,
        password: &str,
    ) -> Result<SignedIn, ApiError> {
        let body = json!({ "email": email, "password": password });
        let answer = self
            .send(Method::POST, Api::Auth, path, Some(&body), NotFound::Answer)
            .await?;
        let session = session_cookie(&answer.response);
        let request = answer.request.clone();
        let user: User = expect(answer, success).await?.value;
        let session = session.ok_or(ApiError::NoSession { request })?;
        Ok(SignedIn { user, session })
    }

    /// Sends one request until it is answered as [`Retry`] and `not_found` want.
    async fn send(
        &self,
        method: Method,
        api: Api,
        path: &str,
        body: Option<&Value>,
        not_found: NotFound,
    ) -> Result<Answer, ApiError> {
        let url = self.endpoints.url(api, path);
        let request = format!("{method} {path}");
        let attempt = || {
            let mut builder: RequestBuilder = self.http.request(method.clone(), &url);
            if let Some(body) = body {
                builder = builder.json(body);
            }
            builder
        };
        wait_for(format!("an answer to {request}"), self.retry.patience)
            .every(self.retry.poll)
            .backing_off_to(self.retry.longest_poll)
            .until_ok(|| async {
                let sent = Instant::now();
                let answer = attempt().send().await;
                let took = sent.elapsed();
                let status = answer.as_ref().ok().map(Response::status);
                if let Some(observer) = &self.observer {
                    observer(Exchange {
                        sent,
                        answered: Instant::now(),
                        status,
                    });
                }
                let fault = status.is_none_or(|status| status.is_server_error());
                if fault && self.retry.through_faults {
                    return Ok(None);
                }
                if status == Some(StatusCode::NOT_FOUND) && not_found == NotFound::Retry {
                    return Ok(None);
                }
                match answer {
                    Ok(response) => Ok(Some(Answer {
                        request: request.clone(),
                        took,
                        sent,
                        response,
                    })),
                    Err(source) => Err(ApiError::Unanswered {
                        request: request.clone(),
                        source,
                    }),
                }
            })
            .await
    }
}

/// A response and the attempt it answered.
struct Answer {
    request: String,
    response: Response,
    sent: Instant,
    took: Duration,
}

/// The body as `T` if the status is `success`, else a refusal with its error entries.
async fn expect<T: DeserializeOwned>(
    answer: Answer,
    success: StatusCode,
) -> Result<Accepted<T>, ApiError> {
    let Answer {
        request,
        response,
        sent,
        took,
    } = answer;
    let status = response.status();
    if status != success {
        let errors = response
            .json::<ErrorBody>()
            .await
            .map_or_else(|_| Vec::new(), |body| body.errors);
        return Err(ApiError::Refused {
            request,
            status,
            errors,
        });
    }
    let value = response
        .json()
        .await
        .map_err(|source| ApiError::Malformed {
            request,
            status,
            source,
        })?;
    Ok(Accepted { value, sent, took })
}

/// The session cookie a signup or signin set.
fn session_cookie(response: &Response) -> Option<String> {
    let prefix = format!("{}=", httpkit::session::COOKIE_NAME);
    response
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find_map(|value| {
            value
                .split(';')
                .next()?
                .strip_prefix(&prefix)
                .map(str::to_owned)
        })
}

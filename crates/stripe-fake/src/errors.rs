//! Stripe's error responses: `{"error": {"type": …, "code": …, "message": …, …}}`.

use axum::Json;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::model::cards::Decline;

/// Marks a response whose request was rejected before anything ran. Stripe saves no
/// idempotent result for those, so a corrected retry with the same key can go through.
#[derive(Clone, Copy, Debug)]
pub(crate) struct NotExecuted;

/// An error in Stripe's wire format.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    error: Map<String, Value>,
    executed: bool,
}

impl ApiError {
    fn new(status: StatusCode, type_: &str, message: impl Into<String>) -> Self {
        let mut error = Map::new();
        error.insert("type".into(), type_.into());
        error.insert("message".into(), message.into().into());
        Self {
            status,
            error,
            executed: true,
        }
    }

    fn with(mut self, field: &str, value: impl Into<Value>) -> Self {
        self.error.insert(field.into(), value.into());
        self
    }

    fn with_code(self, code: &str) -> Self {
        let doc_url = format!(
            "https://stripe.com/docs/error-codes/{}",
            code.replace('_', "-")
        );
        self.with("code", code).with("doc_url", doc_url)
    }

    /// Marks a request refused before it ran (invalid parameters), so that its
    /// idempotency key stays free for a corrected request.
    pub(crate) fn before_execution(mut self) -> Self {
        self.executed = false;
        self
    }

    /// A 400 `invalid_request_error`, optionally with a code and the parameter at fault.
    pub(crate) fn invalid_request(
        code: Option<&str>,
        param: Option<&str>,
        message: impl Into<String>,
    ) -> Self {
        let mut error = Self::new(StatusCode::BAD_REQUEST, "invalid_request_error", message);
        if let Some(code) = code {
            error = error.with_code(code);
        }
        if let Some(param) = param {
            error = error.with("param", param);
        }
        error
    }

    /// Adds the PaymentIntent the error is about, as Stripe does.
    pub(crate) fn with_payment_intent(self, payment_intent: Value) -> Self {
        self.with("payment_intent", payment_intent)
    }

    /// A required parameter is absent.
    pub(crate) fn parameter_missing(param: &str) -> Self {
        Self::invalid_request(
            Some("parameter_missing"),
            Some(param),
            format!("Missing required param: {param}."),
        )
        .before_execution()
    }

    /// A parameter has a value of the wrong form (`parameter_invalid_integer`, …).
    pub(crate) fn parameter_invalid(code: &str, param: &str, message: impl Into<String>) -> Self {
        Self::invalid_request(Some(code), Some(param), message).before_execution()
    }

    /// An id that names nothing (`No such payment_intent: 'pi_x'`).
    pub(crate) fn resource_missing(status: StatusCode, param: &str, message: String) -> Self {
        let mut error = Self::invalid_request(Some("resource_missing"), Some(param), message);
        error.status = status;
        error
    }

    /// A card declined while charging: a 402 `card_error` that carries the failed
    /// charge, the PaymentIntent as it now stands and the payment method.
    pub(crate) fn card_declined(
        decline: Decline,
        charge: &str,
        payment_intent: Value,
        payment_method: Value,
    ) -> Self {
        let error = declined_charge_error(decline, charge, payment_method);
        Self {
            status: StatusCode::PAYMENT_REQUIRED,
            error,
            executed: true,
        }
        .with_payment_intent(payment_intent)
    }

    /// Card details that are not a card (bad number, unknown test token).
    pub(crate) fn card_invalid(code: &str, param: &str, message: &str) -> Self {
        Self::new(StatusCode::PAYMENT_REQUIRED, "card_error", message)
            .with_code(code)
            .with("param", param)
            .before_execution()
    }

    /// A misused `Idempotency-Key`; nothing ran and nothing is saved.
    pub(crate) fn idempotency(status: StatusCode, message: String) -> Self {
        Self::new(status, "idempotency_error", message).before_execution()
    }

    /// No usable secret key in the `Authorization` header.
    pub(crate) fn unauthorized(message: String) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "invalid_request_error", message).before_execution()
    }

    /// A PaymentIntent id that names nothing; `param` is where the id came from
    /// (`intent` in a path, `payment_intent` in a refund).
    pub(crate) fn no_such_payment_intent(status: StatusCode, param: &str, id: &str) -> Self {
        Self::resource_missing(status, param, format!("No such payment_intent: '{id}'"))
    }

    /// A payment method id that names nothing.
    pub(crate) fn no_such_payment_method(status: StatusCode, id: &str) -> Self {
        Self::resource_missing(
            status,
            "payment_method",
            format!("No such PaymentMethod: '{id}'"),
        )
    }

    /// What a client sees when Stripe did the work but the answer did not arrive.
    pub(crate) fn lost_response() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "api_error",
            "An unknown error occurred while processing the request",
        )
    }

    /// No route for this method and path.
    pub(crate) fn unrecognized_url(method: &str, path: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "invalid_request_error",
            format!(
                "Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs \
                 or we can help at https://support.stripe.com/."
            ),
        )
        .before_execution()
    }
}

/// The error object of a declined charge, as it appears both in the 402 body and in the
/// PaymentIntent's `last_payment_error` (which does not nest the PaymentIntent again).
pub(crate) fn declined_charge_error(
    decline: Decline,
    charge: &str,
    payment_method: Value,
) -> Map<String, Value> {
    let error = ApiError::new(
        StatusCode::PAYMENT_REQUIRED,
        "card_error",
        decline.message(),
    )
    .with_code("card_declined")
    .with("decline_code", decline.decline_code())
    .with("charge", charge)
    .with("payment_method", payment_method);
    error.error
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(json!({ "error": self.error }))).into_response();
        // Stripe says whether a retry can help; async-stripe's retrying strategies obey
        // it. Only a request that raced another one with its key is worth repeating.
        let retry = HeaderValue::from_static(if self.status == StatusCode::CONFLICT {
            "true"
        } else {
            "false"
        });
        response.headers_mut().insert("stripe-should-retry", retry);
        if !self.executed {
            response.extensions_mut().insert(NotExecuted);
        }
        response
    }
}

use axum::{extract::State, http::StatusCode};
use httpkit::{
    Error, Result,
    error::ErrorBody,
    extract::{Json, parse_id},
    openapi::{NotAuthorized, NotFound, TooManyRequests},
    session::CurrentUser,
    validate_both,
};
use marketplace::{
    id::{OrderId, PaymentId},
    order::OrderStatus,
};
use mongodb::bson::DateTime;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use storage::rate_limit::RateLimit;
use utoipa::ToSchema;

use crate::{
    checkout,
    order_replica::OrderReplica,
    payments::{ClaimRefused, Payments},
    stripe_gateway::StripeGateway,
    token::Token,
};

/// The body of a payment. Fields arrive as raw JSON so that a missing or mistyped one
/// is reported with its field named; the schema says what is valid.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct NewPayment {
    #[serde(default)]
    #[schema(value_type = OrderId, required = true)]
    order_id: Option<Value>,
    /// The PaymentMethod (or token) id Stripe.js made, e.g. `pm_card_visa`.
    #[serde(default)]
    #[schema(value_type = Token, required = true)]
    token: Option<Value>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct PaymentView {
    id: PaymentId,
}

/// `POST /api/payments`: charges the caller's order with the payment method Stripe.js
/// made in the browser. Refused for an order that is cancelled, complete or expired.
#[utoipa::path(
    post,
    path = "/api/payments",
    request_body = NewPayment,
    responses(
        (status = CREATED, description = "Paid; the order becomes complete", body = PaymentView),
        (status = BAD_REQUEST, description = "Invalid orderId or token, malformed JSON, a cancelled, paid or expired order, a declined card, or a payment already in progress", body = ErrorBody),
        NotAuthorized,
        NotFound,
        TooManyRequests,
        (status = SERVICE_UNAVAILABLE, description = "Stripe gave no definite answer; it is settled automatically within a minute", body = ErrorBody),
    ),
    security(("session" = [])),
)]
pub(crate) async fn new_payment(
    CurrentUser(user): CurrentUser,
    State(orders): State<OrderReplica>,
    State(payments): State<Payments>,
    State(gateway): State<StripeGateway>,
    State(attempt_rate): State<RateLimit>,
    Json(body): Json<NewPayment>,
) -> Result<(StatusCode, Json<PaymentView>)> {
    let order_id = match body.order_id {
        Some(Value::String(raw)) => parse_id(&raw, "orderId"),
        _ => Err(Error::invalid("orderId", "orderId must be provided")),
    };
    let token = match body.token {
        Some(Value::String(raw)) => Token::parse(&raw),
        _ => Err(Token::refusal()),
    };
    let (order_id, token) = validate_both(order_id, token)?;
    // Counted once the order id and token are well-formed, before the order is even
    // looked up: every such attempt could reach Stripe, which is what the limit
    // protects (a script testing cards), while a malformed one reaches nothing and a
    // person correcting it should not use up their allowance.
    attempt_rate.count(&user.id.to_hex()).await??;

    let order = orders.find(order_id).await?.ok_or(Error::NotFound)?;
    if order.user_id != user.id {
        return Err(Error::NotAuthorized);
    }
    match order.status {
        OrderStatus::Cancelled => {
            return Err(Error::BadRequest(
                "Cannot pay for a cancelled order".to_owned(),
            ));
        }
        OrderStatus::Complete => {
            return Err(Error::BadRequest("This order is already paid".to_owned()));
        }
        OrderStatus::Created | OrderStatus::AwaitingPayment => {}
    }
    if order.expires_at <= DateTime::now() {
        return Err(Error::BadRequest(
            "This order has expired; reserve the ticket again to buy it".to_owned(),
        ));
    }
    let claim = match payments.claim(order.id, order.price, &token).await? {
        Ok(claim) => claim,
        Err(ClaimRefused::AlreadyPaid) => {
            return Err(Error::BadRequest("This order is already paid".to_owned()));
        }
        Err(ClaimRefused::InProgress) => {
            return Err(Error::BadRequest(
                "A payment for this order is already in progress".to_owned(),
            ));
        }
    };
    let payment = checkout::settle(&claim, &gateway, &payments).await?;
    tracing::info!(order_id = %order.id, payment_id = %payment.id, "charged an order");
    Ok((StatusCode::CREATED, Json(PaymentView { id: payment.id })))
}

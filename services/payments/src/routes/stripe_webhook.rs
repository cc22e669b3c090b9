use axum::{body::Bytes, extract::State, http::HeaderMap};
use httpkit::{Error, Result, error::ErrorBody, extract::Json};
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::{
    onboarding::Onboarding,
    payments::Payments,
    payouts::Payouts,
    state::WebhookSecret,
    webhook::{self, StripeEvent},
};

#[derive(Serialize, ToSchema)]
pub(crate) struct Received {
    received: bool,
}

/// `POST /api/payments/webhooks/stripe`: Stripe's events, signed with the endpoint's
/// secret (`Stripe-Signature`). A charge refunded in full (by support, in the
/// Dashboard) stops its sale's payout, or reverses it if it was already transferred;
/// an account that finished onboarding releases its seller's waiting payouts. Stripe
/// retries an event until it is answered 2xx, and each is handled so that a repeat
/// changes nothing.
#[utoipa::path(
    post,
    path = "/api/payments/webhooks/stripe",
    request_body(content = String, description = "A Stripe event, as Stripe sends it", content_type = "application/json"),
    params(("Stripe-Signature" = String, Header, description = "t=<unix seconds>,v1=<hex HMAC-SHA256>")),
    responses(
        (status = OK, description = "The event was handled (or is one this service ignores)", body = Received),
        (status = BAD_REQUEST, description = "A missing, stale or wrong signature, or not an event", body = ErrorBody),
        (status = SERVICE_UNAVAILABLE, description = "No webhook secret is configured, or Stripe cannot be reached; Stripe retries", body = ErrorBody),
    ),
)]
pub(crate) async fn stripe_webhook(
    State(secret): State<WebhookSecret>,
    State(payments): State<Payments>,
    State(payouts): State<Payouts>,
    State(onboarding): State<Onboarding>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Received>> {
    let Some(secret) = secret.0.as_deref() else {
        return Err(Error::Unavailable(
            "Stripe webhooks are not configured here: set STRIPE_WEBHOOK_SECRET".to_owned(),
        ));
    };
    let signature = headers
        .get("stripe-signature")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let now = OffsetDateTime::now_utc().unix_timestamp();
    webhook::verify(secret, signature, &body, now)
        .map_err(|refused| Error::BadRequest(format!("Refused: {refused}")))?;
    let event = webhook::parse(&body)
        .map_err(|_| Error::BadRequest("The body is not a Stripe event".to_owned()))?;
    match event {
        StripeEvent::ChargeRefunded {
            payment_intent,
            refund_id,
        } => {
            if let Some(order_id) = payments
                .record_refund(&payment_intent, refund_id.as_deref())
                .await?
            {
                payouts.mark_refunded(order_id).await?;
            }
        }
        StripeEvent::ChargePartlyRefunded { payment_intent } => {
            tracing::warn!(%payment_intent, "a charge was partly refunded; its payout is left to support");
        }
        StripeEvent::AccountUpdated { account_id } => onboarding.refresh(&account_id).await?,
        StripeEvent::Other(kind) => tracing::debug!(%kind, "ignored a Stripe event"),
    }
    Ok(Json(Received { received: true }))
}

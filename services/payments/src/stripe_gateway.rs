//! Charges and refunds through Stripe with the async-stripe client. The same code
//! talks to real Stripe and to the fake; only the base URL and key differ.

use std::collections::HashMap;

use marketplace::id::OrderId;

use stripe::{Client, ClientBuilder, IdempotencyKey, RequestStrategy, StripeError, StripeRequest};
use stripe_core::{
    payment_intent::{
        CreatePaymentIntent, CreatePaymentIntentAutomaticPaymentMethods,
        CreatePaymentIntentAutomaticPaymentMethodsAllowRedirects,
    },
    refund::CreateRefund,
};
use stripe_shared::PaymentIntentStatus;

use crate::{
    config::StripeConfig,
    stripe_calls::{is_definite_refusal, observed},
    token::Token,
};

/// Why a charge did not succeed.
#[derive(Debug)]
pub(crate) enum ChargeFailed {
    /// The card was refused and nothing was charged; Stripe's message is for the buyer.
    Declined(String),
    /// No definite answer (timeout, Stripe error, a concurrent request with the same
    /// key, a payment still processing): the card may or may not be charged. Asking
    /// again with the same idempotency key later gives the real outcome.
    Unknown(String),
}

/// A successful charge: the PaymentIntent, and the charge it made (which a seller's
/// transfer is paid from).
#[derive(Debug, Clone)]
pub(crate) struct Charged {
    pub payment_intent: String,
    pub charge: Option<String>,
}

#[derive(Clone)]
pub(crate) struct StripeGateway {
    pub(crate) client: Client,
    pub(crate) currency: stripe_types::Currency,
}

impl StripeGateway {
    pub fn new(config: &StripeConfig) -> Result<Self, StripeError> {
        let client = ClientBuilder::new(config.secret_key.clone())
            .url(config.api_base.clone())
            .build()?;
        Ok(Self {
            client,
            currency: config.currency.to_stripe(),
        })
    }

    /// Charges `amount_cents` for the order with the payment method the browser made,
    /// confirmed at once. The idempotency key is derived from the order and the payment
    /// method, so a retried request (a timeout, a crash) never charges twice, while a
    /// second attempt with another card is a new request.
    pub async fn charge(
        &self,
        order_id: OrderId,
        amount_cents: i64,
        payment_method: &Token,
    ) -> Result<Charged, ChargeFailed> {
        let payment_method = payment_method.as_str();
        let key = idempotency_key(&format!("order-{order_id}-charge-{payment_method}"));
        let no_redirects = CreatePaymentIntentAutomaticPaymentMethods {
            enabled: true,
            allow_redirects: Some(CreatePaymentIntentAutomaticPaymentMethodsAllowRedirects::Never),
        };
        let intent = observed(
            "create_payment_intent",
            CreatePaymentIntent::new(amount_cents, self.currency.clone())
                .payment_method(payment_method)
                .confirm(true)
                .automatic_payment_methods(no_redirects)
                .metadata(HashMap::from([("orderId".to_owned(), order_id.to_hex())]))
                .customize()
                .request_strategy(RequestStrategy::Idempotent(key))
                .send(&self.client),
        )
        .await
        .map_err(charge_failure)?;
        match intent.status {
            PaymentIntentStatus::Succeeded => Ok(Charged {
                payment_intent: intent.id.to_string(),
                charge: intent.latest_charge.map(|charge| charge.id().to_string()),
            }),
            PaymentIntentStatus::RequiresPaymentMethod | PaymentIntentStatus::Canceled => Err(
                ChargeFailed::Declined("The payment could not be completed; try another card".to_owned()),
            ),
            PaymentIntentStatus::RequiresAction => Err(ChargeFailed::Declined(
                "This card needs an extra authentication step, which is not supported; try another card".to_owned(),
            )),
            other => Err(ChargeFailed::Unknown(format!("payment intent is {other:?}"))),
        }
    }

    /// Refunds the whole charge. Keyed by the payment intent, so repeating it (a
    /// redelivered event) refunds once.
    pub async fn refund(&self, payment_intent: &str) -> Result<String, StripeError> {
        let key = idempotency_key(&format!("refund-{payment_intent}"));
        let refund = observed(
            "create_refund",
            CreateRefund::new()
                .payment_intent(payment_intent)
                .customize()
                .request_strategy(RequestStrategy::Idempotent(key))
                .send(&self.client),
        )
        .await?;
        Ok(refund.id.to_string())
    }
}

pub(crate) fn idempotency_key(raw: &str) -> IdempotencyKey {
    // Keys are at most 255 characters; ours are well under, built from ids.
    IdempotencyKey::new(raw).expect("an idempotency key built from ids is valid")
}

/// Only a definite refusal is a decline. A 409 (another request with the same key is
/// in flight), a 429, a 5xx or no answer at all leaves the outcome unknown.
fn charge_failure(error: StripeError) -> ChargeFailed {
    match definite_refusal(error) {
        Ok(message) => {
            ChargeFailed::Declined(message.unwrap_or_else(|| "Your card was declined.".to_owned()))
        }
        Err(other) => ChargeFailed::Unknown(other.to_string()),
    }
}

/// Stripe's message if `error` is a definite refusal, after which nothing happened
/// (see [`is_definite_refusal`]). Any other error leaves the outcome unknown, and is
/// given back.
pub(crate) fn definite_refusal(error: StripeError) -> Result<Option<String>, StripeError> {
    match error {
        StripeError::Stripe(details, status) if is_definite_refusal(status) => Ok(details.message),
        other => Err(other),
    }
}

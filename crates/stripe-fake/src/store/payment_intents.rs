//! Creating and confirming PaymentIntents. Confirming charges the payment method once,
//! which either moves money (into the ledger) or records the decline on the
//! PaymentIntent.

use axum::http::StatusCode;
use serde_json::Value;

use crate::errors::{self, ApiError};
use crate::model::ledger::Charge;
use crate::model::payment_intent::{PaymentIntent, Status, Terms};
use crate::model::payment_method::PaymentMethod;
use crate::store::{PaymentMethodChoice, Store};
use crate::{clock, ids};

impl Store {
    /// PaymentIntent `id`; `intent` is the parameter a missing one is reported against.
    pub(crate) fn payment_intent(&self, id: &str) -> Result<&PaymentIntent, ApiError> {
        self.payment_intents
            .get(id)
            .ok_or_else(|| ApiError::no_such_payment_intent(StatusCode::NOT_FOUND, "intent", id))
    }

    fn payment_intent_mut(&mut self, id: &str) -> Result<&mut PaymentIntent, ApiError> {
        self.payment_intents
            .get_mut(id)
            .ok_or_else(|| ApiError::no_such_payment_intent(StatusCode::NOT_FOUND, "intent", id))
    }

    /// Makes and keeps a PaymentIntent, with the payment method chosen, if any.
    pub(crate) fn create_payment_intent(
        &mut self,
        terms: Terms,
        payment_method: Option<PaymentMethodChoice>,
    ) -> Result<PaymentIntent, ApiError> {
        let payment_method = payment_method
            .map(|choice| self.chosen_payment_method(choice))
            .transpose()?;
        let intent = PaymentIntent {
            id: ids::new_id("pi"),
            created: clock::now(),
            terms,
            status: if payment_method.is_some() {
                Status::RequiresConfirmation
            } else {
                Status::RequiresPaymentMethod
            },
            payment_method: payment_method.map(|payment_method| payment_method.id),
            amount_received: 0,
            latest_charge: None,
            last_payment_error: None,
        };
        self.payment_intents
            .insert(intent.id.clone(), intent.clone());
        Ok(intent)
    }

    /// Confirms PaymentIntent `id`, with the payment method chosen or the one it holds.
    /// Returns the PaymentIntent after a successful charge, or Stripe's 402
    /// `card_error` after a decline.
    pub(crate) fn confirm_payment_intent(
        &mut self,
        id: &str,
        payment_method: Option<PaymentMethodChoice>,
        return_url: Option<&str>,
    ) -> Result<PaymentIntent, ApiError> {
        self.payment_intent(id)?;
        let payment_method = payment_method
            .map(|choice| self.chosen_payment_method(choice))
            .transpose()?;
        let intent = self.payment_intent_mut(id)?;
        // A succeeded PaymentIntent keeps its payment method; confirming it again fails below.
        if let Some(payment_method) = payment_method
            && intent.status != Status::Succeeded
        {
            intent.payment_method = Some(payment_method.id);
        }
        self.charge(id, return_url)
    }

    /// Charges PaymentIntent `id` with the payment method it holds, once.
    fn charge(&mut self, id: &str, return_url: Option<&str>) -> Result<PaymentIntent, ApiError> {
        let payment_method = self.chargeable_payment_method(id, return_url)?;
        let Self {
            payment_intents,
            ledger,
            ..
        } = self;
        let intent = payment_intents
            .get_mut(id)
            .ok_or_else(|| ApiError::no_such_payment_intent(StatusCode::NOT_FOUND, "intent", id))?;
        let charge_id = ids::new_id("ch");
        intent.latest_charge = Some(charge_id.clone());
        match payment_method.card.decline {
            None => {
                intent.status = Status::Succeeded;
                intent.amount_received = intent.terms.amount;
                intent.last_payment_error = None;
                ledger.charges.push(Charge {
                    id: charge_id,
                    payment_intent: intent.id.clone(),
                    amount: intent.terms.amount,
                    currency: intent.terms.currency.clone(),
                    metadata: intent.terms.metadata.clone(),
                });
                Ok(intent.clone())
            }
            Some(decline) => {
                // Stripe detaches the failed payment method so the next attempt needs a new one.
                intent.status = Status::RequiresPaymentMethod;
                intent.payment_method = None;
                intent.last_payment_error = Some(errors::declined_charge_error(
                    decline,
                    &charge_id,
                    payment_method.to_json(),
                ));
                Err(ApiError::card_declined(
                    decline,
                    &charge_id,
                    intent.to_json(),
                    payment_method.to_json(),
                ))
            }
        }
    }

    /// The payment method to charge, once the PaymentIntent is known to be ready for it.
    fn chargeable_payment_method(
        &self,
        id: &str,
        return_url: Option<&str>,
    ) -> Result<PaymentMethod, ApiError> {
        let intent = self.payment_intent(id)?;
        if intent.status == Status::Succeeded {
            return Err(unexpected_state(
                "You cannot confirm this PaymentIntent because it has already succeeded after \
                 being previously confirmed.",
                intent.to_json(),
            ));
        }
        let Some(payment_method_id) = &intent.payment_method else {
            return Err(unexpected_state(
                "You cannot confirm this PaymentIntent because it's missing a payment method. \
                 You can either update the PaymentIntent with a payment method and then confirm \
                 it again, or confirm it again directly with a payment method.",
                intent.to_json(),
            ));
        };
        if intent.may_redirect() && return_url.is_none() {
            return Err(ApiError::invalid_request(
                None,
                None,
                "A `return_url` must be specified because this Payment Intent is configured to \
                 automatically accept the payment methods enabled in the Dashboard, some of \
                 which may require a full page redirect to succeed. If you do not want to accept \
                 redirect-based payment methods, set `automatic_payment_methods[enabled]` to \
                 `true` and `automatic_payment_methods[allow_redirects]` to `never` when \
                 creating Setup Intents and Payment Intents.",
            ));
        }
        self.payment_method(payment_method_id).ok_or_else(|| {
            ApiError::no_such_payment_method(StatusCode::BAD_REQUEST, payment_method_id)
        })
    }
}

fn unexpected_state(message: &str, payment_intent: Value) -> ApiError {
    ApiError::invalid_request(Some("payment_intent_unexpected_state"), None, message)
        .with_payment_intent(payment_intent)
}

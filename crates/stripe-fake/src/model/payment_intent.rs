//! The PaymentIntent object and its JSON, with every field async-stripe requires.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

/// Where a PaymentIntent is in its life (the subset this fake reaches).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Status {
    RequiresPaymentMethod,
    RequiresConfirmation,
    Succeeded,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Self::RequiresPaymentMethod => "requires_payment_method",
            Self::RequiresConfirmation => "requires_confirmation",
            Self::Succeeded => "succeeded",
        }
    }
}

/// `automatic_payment_methods` as sent when creating the PaymentIntent.
#[derive(Clone, Debug)]
pub(crate) struct AutomaticPaymentMethods {
    pub(crate) enabled: bool,
    pub(crate) allow_redirects: Option<String>,
}

/// What a PaymentIntent is created with; none of it changes afterwards.
#[derive(Clone, Debug)]
pub(crate) struct Terms {
    /// In the currency's smallest unit.
    pub(crate) amount: i64,
    /// Lowercase ISO code.
    pub(crate) currency: String,
    pub(crate) capture_method: String,
    pub(crate) description: Option<String>,
    pub(crate) receipt_email: Option<String>,
    pub(crate) metadata: BTreeMap<String, String>,
    pub(crate) payment_method_types: Vec<String>,
    pub(crate) allowed_payment_method_types: Option<Vec<String>>,
    pub(crate) automatic_payment_methods: Option<AutomaticPaymentMethods>,
}

#[derive(Clone, Debug)]
pub(crate) struct PaymentIntent {
    pub(crate) id: String,
    pub(crate) created: i64,
    pub(crate) terms: Terms,
    pub(crate) payment_method: Option<String>,
    pub(crate) status: Status,
    pub(crate) amount_received: i64,
    pub(crate) latest_charge: Option<String>,
    /// The error object of the last declined attempt, cleared when a later one succeeds.
    pub(crate) last_payment_error: Option<Map<String, Value>>,
}

impl PaymentIntent {
    pub(crate) fn has_succeeded(&self) -> bool {
        self.status == Status::Succeeded
    }

    /// Stripe refuses to confirm without a `return_url` when a payment method that
    /// redirects the customer could be chosen: automatic payment methods that allow
    /// redirects, unless the allowed types rule every redirecting one out.
    pub(crate) fn may_redirect(&self) -> bool {
        let redirects_allowed =
            self.terms
                .automatic_payment_methods
                .as_ref()
                .is_some_and(|automatic| {
                    automatic.enabled && automatic.allow_redirects.as_deref() != Some("never")
                });
        let cards_only = self
            .terms
            .allowed_payment_method_types
            .as_ref()
            .is_some_and(|types| types.iter().all(|type_| type_ == "card"));
        redirects_allowed && !cards_only
    }

    /// The PaymentIntent object as Stripe returns it.
    pub(crate) fn to_json(&self) -> Value {
        let automatic_payment_methods = self.terms.automatic_payment_methods.as_ref().map(|automatic| {
            json!({ "enabled": automatic.enabled, "allow_redirects": automatic.allow_redirects })
        });
        json!({
            "id": self.id,
            "object": "payment_intent",
            "allowed_payment_method_types": self.terms.allowed_payment_method_types,
            "amount": self.terms.amount,
            "amount_capturable": 0,
            "amount_details": { "tip": {} },
            "amount_received": self.amount_received,
            "application": null,
            "application_fee_amount": null,
            "automatic_payment_methods": automatic_payment_methods,
            "canceled_at": null,
            "cancellation_reason": null,
            "capture_method": self.terms.capture_method,
            "client_secret": format!("{}_secret_fake", self.id),
            "confirmation_method": "automatic",
            "created": self.created,
            "currency": self.terms.currency,
            "customer": null,
            "description": self.terms.description,
            "excluded_payment_method_types": null,
            "last_payment_error": self.last_payment_error,
            "latest_charge": self.latest_charge,
            "livemode": false,
            "metadata": self.terms.metadata,
            "next_action": null,
            "on_behalf_of": null,
            "payment_method": self.payment_method,
            "payment_method_configuration_details": null,
            "payment_method_options": null,
            "payment_method_types": self.terms.payment_method_types,
            "processing": null,
            "receipt_email": self.terms.receipt_email,
            "review": null,
            "setup_future_usage": null,
            "shipping": null,
            "source": null,
            "statement_descriptor": null,
            "statement_descriptor_suffix": null,
            "status": self.status.as_str(),
            "transfer_data": null,
            "transfer_group": null,
        })
    }
}

//! Card payment methods: made from a test card, or one of Stripe's ready-made test ids.

use std::collections::BTreeMap;

use axum::http::StatusCode;

use crate::errors::ApiError;
use crate::ids;
use crate::model::cards::TestCard;
use crate::model::payment_method::{Expiry, PaymentMethod};
use crate::store::Store;

/// A card payment method to make, its parameters already checked.
#[derive(Debug)]
pub(crate) struct NewPaymentMethod {
    pub(crate) card: TestCard,
    pub(crate) expiry: Expiry,
    pub(crate) metadata: BTreeMap<String, String>,
}

/// The payment method a request names, or the one it describes inline.
#[derive(Debug)]
pub(crate) enum PaymentMethodChoice {
    Existing(String),
    New(NewPaymentMethod),
}

impl Store {
    /// A payment method made through the API, or one of Stripe's ready-made test ids.
    pub(crate) fn payment_method(&self, id: &str) -> Option<PaymentMethod> {
        self.payment_methods
            .get(id)
            .cloned()
            .or_else(|| PaymentMethod::documented(id))
    }

    /// Makes and keeps a card payment method.
    pub(crate) fn create_payment_method(&mut self, new: NewPaymentMethod) -> PaymentMethod {
        let payment_method =
            PaymentMethod::new(ids::new_id("pm"), new.card, new.expiry, new.metadata);
        self.payment_methods
            .insert(payment_method.id.clone(), payment_method.clone());
        payment_method
    }

    /// The payment method a PaymentIntent request chose, made first if it is new.
    pub(super) fn chosen_payment_method(
        &mut self,
        choice: PaymentMethodChoice,
    ) -> Result<PaymentMethod, ApiError> {
        match choice {
            PaymentMethodChoice::Existing(id) => self
                .payment_method(&id)
                .ok_or_else(|| ApiError::no_such_payment_method(StatusCode::BAD_REQUEST, &id)),
            PaymentMethodChoice::New(new) => Ok(self.create_payment_method(new)),
        }
    }
}

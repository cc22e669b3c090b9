//! Everything the fake account holds, and every operation on it: creating payment
//! methods and PaymentIntents, confirming (charging) and refunding, with the ledger of
//! what moved. The account keeps the store behind one lock and each request runs its
//! whole effect while holding it, so requests never see each other half done.
//! Idempotency keys are kept apart ([`idempotency::Keys`]): a request holds its key
//! across its whole run, the store only while it acts.

pub(crate) mod idempotency;
mod payment_intents;
mod payment_methods;
mod refunds;

use std::collections::HashMap;

use crate::model::ledger::Ledger;
use crate::model::payment_intent::PaymentIntent;
use crate::model::payment_method::PaymentMethod;
pub(crate) use payment_methods::{NewPaymentMethod, PaymentMethodChoice};
pub(crate) use refunds::{NewRefund, RefundTarget};

#[derive(Debug, Default)]
pub(crate) struct Store {
    payment_intents: HashMap<String, PaymentIntent>,
    payment_methods: HashMap<String, PaymentMethod>,
    ledger: Ledger,
}

impl Store {
    /// The money that moved so far.
    pub(crate) fn ledger(&self) -> &Ledger {
        &self.ledger
    }
}

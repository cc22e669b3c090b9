//! Everything the fake account holds, behind one lock: each request runs its whole
//! effect while holding it, so requests never see each other half done.

use std::collections::HashMap;

use crate::ledger::Ledger;
use crate::payment_intents::PaymentIntent;
use crate::payment_methods::PaymentMethod;

#[derive(Debug, Default)]
pub(crate) struct Store {
    pub(crate) payment_intents: HashMap<String, PaymentIntent>,
    pub(crate) payment_methods: HashMap<String, PaymentMethod>,
    pub(crate) ledger: Ledger,
}

impl Store {
    /// A payment method made through the API, or one of Stripe's ready-made test ids.
    pub(crate) fn payment_method(&self, id: &str) -> Option<PaymentMethod> {
        self.payment_methods
            .get(id)
            .cloned()
            .or_else(|| PaymentMethod::documented(id))
    }
}

//! The platform's succeeded charges, as the ledger and their PaymentIntents hold them.

use serde_json::Value;

use crate::model::charge;
use crate::model::ledger::Charge;
use crate::store::Store;

impl Store {
    /// The succeeded charge `id` (`ch_…`).
    pub(super) fn succeeded_charge(&self, id: &str) -> Option<&Charge> {
        self.ledger.charges.iter().find(|charge| charge.id == id)
    }

    /// The Charge object of PaymentIntent `payment_intent`'s succeeded charge.
    pub(crate) fn charge_json(&self, payment_intent: &str) -> Option<Value> {
        let intent = self.payment_intents.get(payment_intent)?;
        if !intent.has_succeeded() {
            return None;
        }
        Some(charge::to_json(
            intent,
            self.ledger.refunded(payment_intent),
        ))
    }
}

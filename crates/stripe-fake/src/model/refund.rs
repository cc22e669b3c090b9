//! The Refund object and its JSON, with every field async-stripe requires.

use std::collections::BTreeMap;

use serde_json::{Value, json};

/// Money given back on a PaymentIntent's charge.
#[derive(Clone, Debug)]
pub(crate) struct Refund {
    pub(crate) id: String,
    pub(crate) created: i64,
    /// In the currency's smallest unit.
    pub(crate) amount: i64,
    pub(crate) currency: String,
    /// The refunded charge (`ch_…`).
    pub(crate) charge: String,
    /// The PaymentIntent that made the charge (`pi_…`).
    pub(crate) payment_intent: String,
    pub(crate) metadata: BTreeMap<String, String>,
    pub(crate) reason: Option<String>,
}

impl Refund {
    /// The Refund object as Stripe returns it.
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "object": "refund",
            "amount": self.amount,
            "balance_transaction": null,
            "charge": self.charge,
            "created": self.created,
            "currency": self.currency,
            "destination_details": null,
            "metadata": self.metadata,
            "payment_intent": self.payment_intent,
            "reason": self.reason,
            "receipt_number": null,
            "source_transfer_reversal": null,
            "status": "succeeded",
            "transfer_reversal": null,
        })
    }
}

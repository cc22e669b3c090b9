//! What actually moved: successful charges and refunds, for tests to check that an order
//! was charged once, or refunded.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Every successful charge and every refund, in the order they happened.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ledger {
    /// Successful charges; declined attempts are not here.
    pub charges: Vec<Charge>,
    /// Refunds, each of part or all of one charge.
    pub refunds: Vec<RefundRecord>,
}

/// Money taken from a card by confirming a PaymentIntent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Charge {
    /// The charge id (`ch_…`), the PaymentIntent's `latest_charge`.
    pub id: String,
    /// The PaymentIntent that made the charge (`pi_…`).
    pub payment_intent: String,
    /// In the currency's smallest unit.
    pub amount: i64,
    /// Lowercase ISO code, as sent.
    pub currency: String,
    /// The PaymentIntent's metadata when it was charged.
    pub metadata: BTreeMap<String, String>,
}

/// Money given back on a PaymentIntent's charge.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundRecord {
    /// The refund id (`re_…`).
    pub id: String,
    /// The refunded PaymentIntent (`pi_…`).
    pub payment_intent: String,
    /// In the currency's smallest unit.
    pub amount: i64,
}

impl Ledger {
    /// How much of a PaymentIntent's charge has been refunded.
    pub(crate) fn refunded(&self, payment_intent: &str) -> i64 {
        self.refunds
            .iter()
            .filter(|refund| refund.payment_intent == payment_intent)
            .map(|refund| refund.amount)
            .sum()
    }
}

//! What actually moved: successful charges and refunds, transfers to connected accounts
//! and their reversals, for tests to check that an order was charged once, or refunded,
//! and its seller paid once.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Every successful charge, refund, transfer and transfer reversal, each list in the
/// order they happened.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ledger {
    /// Successful charges; declined attempts are not here.
    pub charges: Vec<Charge>,
    /// Refunds, each of part or all of one charge.
    pub refunds: Vec<RefundRecord>,
    /// Transfers to connected accounts, each from one charge.
    pub transfers: Vec<TransferRecord>,
    /// Money taken back out of transfers.
    pub transfer_reversals: Vec<TransferReversalRecord>,
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

/// Money sent from a charge to a connected account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferRecord {
    /// The transfer id (`tr_…`).
    pub id: String,
    /// In the currency's smallest unit.
    pub amount: i64,
    /// Lowercase ISO code, as sent.
    pub currency: String,
    /// The connected account paid (`acct_…`).
    pub destination: String,
    /// The charge the money came from (`ch_…`).
    pub source_transaction: String,
    /// The group it was sent in (an order, say), if any.
    pub transfer_group: Option<String>,
    /// The transfer's metadata when it was made.
    pub metadata: BTreeMap<String, String>,
}

/// Money taken back from a connected account out of one transfer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferReversalRecord {
    /// The reversal id (`trr_…`).
    pub id: String,
    /// The reversed transfer (`tr_…`).
    pub transfer: String,
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

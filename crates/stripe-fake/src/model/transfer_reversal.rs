//! The TransferReversal object and its JSON, with every field async-stripe requires:
//! money taken back from a connected account out of one transfer.

use std::collections::BTreeMap;

use serde_json::{Value, json};

#[derive(Clone, Debug)]
pub(crate) struct TransferReversal {
    pub(crate) id: String,
    pub(crate) created: i64,
    /// In the currency's smallest unit.
    pub(crate) amount: i64,
    pub(crate) currency: String,
    /// The reversed transfer (`tr_…`).
    pub(crate) transfer: String,
    pub(crate) metadata: BTreeMap<String, String>,
}

impl TransferReversal {
    /// The TransferReversal object as Stripe returns it.
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "object": "transfer_reversal",
            "amount": self.amount,
            "balance_transaction": null,
            "created": self.created,
            "currency": self.currency,
            "destination_payment_refund": null,
            "metadata": self.metadata,
            "source_refund": null,
            "transfer": self.transfer,
        })
    }
}

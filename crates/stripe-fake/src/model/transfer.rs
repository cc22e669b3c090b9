//! The Transfer object and its JSON, with every field async-stripe requires: money sent
//! from the platform to a connected account, drawn from one of the platform's charges.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::model::transfer_reversal::TransferReversal;

/// What a transfer is made with; none of it changes afterwards.
#[derive(Clone, Debug)]
pub(crate) struct TransferTerms {
    /// In the currency's smallest unit, at least 1.
    pub(crate) amount: i64,
    /// Lowercase ISO code.
    pub(crate) currency: String,
    /// The connected account paid (`acct_…`).
    pub(crate) destination: String,
    /// The charge the money comes from (`ch_…`).
    pub(crate) source_transaction: String,
    pub(crate) transfer_group: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) metadata: BTreeMap<String, String>,
}

#[derive(Clone, Debug)]
pub(crate) struct Transfer {
    pub(crate) id: String,
    pub(crate) created: i64,
    pub(crate) terms: TransferTerms,
    /// Oldest first.
    pub(crate) reversals: Vec<TransferReversal>,
}

impl Transfer {
    pub(crate) fn amount_reversed(&self) -> i64 {
        self.reversals.iter().map(|reversal| reversal.amount).sum()
    }

    /// What is still with the destination: the amount less what was reversed.
    pub(crate) fn unreversed(&self) -> i64 {
        self.terms.amount - self.amount_reversed()
    }

    /// The Transfer object as Stripe returns it.
    pub(crate) fn to_json(&self) -> Value {
        // Stripe's lists run newest first.
        let reversals: Vec<Value> = self
            .reversals
            .iter()
            .rev()
            .map(TransferReversal::to_json)
            .collect();
        json!({
            "id": self.id,
            "object": "transfer",
            "amount": self.terms.amount,
            "amount_reversed": self.amount_reversed(),
            "balance_transaction": null,
            "created": self.created,
            "currency": self.terms.currency,
            "description": self.terms.description,
            "destination": self.terms.destination,
            "destination_payment": null,
            "livemode": false,
            "metadata": self.terms.metadata,
            "reversals": {
                "object": "list",
                "data": reversals,
                "has_more": false,
                "url": format!("/v1/transfers/{}/reversals", self.id),
            },
            "reversed": self.unreversed() == 0,
            "source_transaction": self.terms.source_transaction,
            "source_type": "card",
            "transfer_group": self.terms.transfer_group,
        })
    }
}

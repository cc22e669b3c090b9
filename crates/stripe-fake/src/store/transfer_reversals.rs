//! Reversing part or all of a transfer: the money goes back from the connected account.

use std::collections::BTreeMap;

use crate::errors::ApiError;
use crate::model::ledger::TransferReversalRecord;
use crate::model::transfer_reversal::TransferReversal;
use crate::store::Store;
use crate::store::giving_back::amount_to_give_back;
use crate::{clock, ids, money};

/// A reversal to make, its parameters already checked.
#[derive(Debug)]
pub(crate) struct NewReversal {
    /// In the currency's smallest unit; `None` reverses whatever is left.
    pub(crate) amount: Option<i64>,
    pub(crate) metadata: BTreeMap<String, String>,
}

impl Store {
    /// Takes back money from transfer `id`, and records it in the ledger.
    pub(crate) fn reverse_transfer(
        &mut self,
        id: &str,
        new: NewReversal,
    ) -> Result<TransferReversal, ApiError> {
        let transfer = self.transfer_mut(id)?;
        let remaining = transfer.unreversed();
        let currency = &transfer.terms.currency;
        let amount = amount_to_give_back(
            new.amount,
            remaining,
            || {
                ApiError::invalid_request(
                    Some("transfer_already_reversed"),
                    None,
                    format!("Transfer {id} has already been fully reversed."),
                )
            },
            |amount| {
                format!(
                    "Reversal amount ({}) is greater than the unreversed amount on transfer ({})",
                    money::format(amount, currency),
                    money::format(remaining, currency)
                )
            },
        )?;
        let reversal = TransferReversal {
            id: ids::new_id("trr"),
            created: clock::now(),
            amount,
            currency: transfer.terms.currency.clone(),
            transfer: transfer.id.clone(),
            metadata: new.metadata,
        };
        transfer.reversals.push(reversal.clone());
        self.ledger.transfer_reversals.push(TransferReversalRecord {
            id: reversal.id.clone(),
            transfer: reversal.transfer.clone(),
            amount,
        });
        Ok(reversal)
    }
}

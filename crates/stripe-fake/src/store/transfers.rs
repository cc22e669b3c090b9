//! Transfers from the platform's charges to connected accounts, with the checks Stripe
//! makes before it moves the money.

use axum::http::StatusCode;

use crate::errors::ApiError;
use crate::model::ledger::{Charge, TransferRecord};
use crate::model::transfer::{Transfer, TransferTerms};
use crate::store::Store;
use crate::{clock, ids, money};

impl Store {
    /// Sends money from a charge to a connected account able to receive it, and records
    /// it in the ledger.
    pub(crate) fn create_transfer(&mut self, terms: TransferTerms) -> Result<Transfer, ApiError> {
        let destination = self.accounts.get(&terms.destination).ok_or_else(|| {
            ApiError::resource_missing(
                StatusCode::BAD_REQUEST,
                "destination",
                format!("No such destination: '{}'", terms.destination),
            )
        })?;
        if !destination.can_receive_transfers() {
            return Err(ApiError::invalid_request(
                Some("insufficient_capabilities_for_transfer"),
                Some("destination"),
                "Your destination account needs to have at least one of the following \
                 capabilities enabled: transfers, crypto_transfers, legacy_payments",
            ));
        }
        let charge = self.source_charge(&terms)?;
        let available = self.transferable(charge);
        if terms.amount > available {
            return Err(ApiError::invalid_request(
                Some("amount_too_large"),
                Some("amount"),
                format!(
                    "Transfer amount ({}) is greater than what is left to transfer from source \
                     transaction {} ({})",
                    money::format(terms.amount, &terms.currency),
                    charge.id,
                    money::format(available, &terms.currency)
                ),
            ));
        }
        let transfer = Transfer {
            id: ids::new_id("tr"),
            created: clock::now(),
            terms,
            reversals: Vec::new(),
        };
        let terms = &transfer.terms;
        self.ledger.transfers.push(TransferRecord {
            id: transfer.id.clone(),
            amount: terms.amount,
            currency: terms.currency.clone(),
            destination: terms.destination.clone(),
            source_transaction: terms.source_transaction.clone(),
            transfer_group: terms.transfer_group.clone(),
            metadata: terms.metadata.clone(),
        });
        self.transfers.push(transfer.clone());
        Ok(transfer)
    }

    /// Transfer `id`.
    pub(crate) fn transfer(&self, id: &str) -> Result<&Transfer, ApiError> {
        self.transfers
            .iter()
            .find(|transfer| transfer.id == id)
            .ok_or_else(|| no_such_transfer(id))
    }

    pub(super) fn transfer_mut(&mut self, id: &str) -> Result<&mut Transfer, ApiError> {
        self.transfers
            .iter_mut()
            .find(|transfer| transfer.id == id)
            .ok_or_else(|| no_such_transfer(id))
    }

    /// The transfers of `transfer_group`, or all of them, newest first.
    pub(crate) fn transfers(&self, transfer_group: Option<&str>) -> Vec<&Transfer> {
        self.transfers
            .iter()
            .rev()
            .filter(|transfer| {
                transfer_group
                    .is_none_or(|group| transfer.terms.transfer_group.as_deref() == Some(group))
            })
            .collect()
    }

    /// The succeeded charge a transfer draws on, in the transfer's currency.
    fn source_charge(&self, terms: &TransferTerms) -> Result<&Charge, ApiError> {
        let charge = self
            .succeeded_charge(&terms.source_transaction)
            .ok_or_else(|| {
                ApiError::resource_missing(
                    StatusCode::BAD_REQUEST,
                    "source_transaction",
                    format!("No such charge: '{}'", terms.source_transaction),
                )
            })?;
        if charge.currency != terms.currency {
            return Err(ApiError::invalid_request(
                None,
                Some("currency"),
                format!(
                    "The currency of source_transaction's balance transaction ({}) must be the \
                     same as the transfer currency ({}).",
                    charge.currency, terms.currency
                ),
            ));
        }
        Ok(charge)
    }

    /// What is left of a charge to transfer: its amount, less refunds, less what earlier
    /// transfers from it still hold (a reversal gives its amount back).
    fn transferable(&self, charge: &Charge) -> i64 {
        let transferred: i64 = self
            .transfers
            .iter()
            .filter(|transfer| transfer.terms.source_transaction == charge.id)
            .map(Transfer::unreversed)
            .sum();
        charge.amount - self.ledger.refunded(&charge.payment_intent) - transferred
    }
}

fn no_such_transfer(id: &str) -> ApiError {
    ApiError::resource_missing(
        StatusCode::NOT_FOUND,
        "id",
        format!("No such transfer: '{id}'"),
    )
}

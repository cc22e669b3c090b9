//! Paying sellers through Stripe Connect, with "separate charges and transfers": each
//! seller has an Express account they finish setting up on Stripe's onboarding page,
//! and each sale's share is transferred from the order's own charge
//! (`source_transaction`), grouped by order (`transfer_group`). Every request that
//! moves money or creates an account carries an idempotency key derived from what it
//! is for, so a retry replays the first answer.

use std::collections::HashMap;

use marketplace::id::{OrderId, UserId};
use stripe::{RequestStrategy, StripeError, StripeRequest};
use stripe_connect::{
    account::{
        CreateAccount, CreateAccountCapabilities, CreateAccountCapabilitiesTransfers,
        CreateAccountType, RetrieveAccount,
    },
    account_link::{CreateAccountLink, CreateAccountLinkType},
    transfer::{CreateTransfer, ListTransfer, RetrieveTransfer},
    transfer_reversal::CreateIdTransferReversal,
};
use stripe_shared::{Account, AccountCapabilitiesStatus};

use crate::{
    payouts::Payout,
    stripe_calls::observed,
    stripe_gateway::{StripeGateway, definite_refusal, idempotency_key},
};

/// Why a transfer was not made.
#[derive(Debug)]
pub(crate) enum TransferFailed {
    /// Stripe refused it (the account cannot receive transfers, the charge has not
    /// enough left): nothing moved.
    Refused(String),
    /// No definite answer: the transfer may or may not exist.
    Unknown(String),
}

impl StripeGateway {
    /// Creates the seller's Express account. Keyed by the seller, so two requests at
    /// once (two tabs, a retry) create one account.
    pub async fn create_payout_account(
        &self,
        seller: UserId,
        email: &str,
    ) -> Result<String, StripeError> {
        let transfers = CreateAccountCapabilitiesTransfers {
            requested: Some(true),
        };
        let capabilities = CreateAccountCapabilities {
            transfers: Some(transfers),
            ..CreateAccountCapabilities::new()
        };
        let account = observed(
            "create_account",
            CreateAccount::new()
                .type_(CreateAccountType::Express)
                .email(email)
                .capabilities(capabilities)
                .metadata(HashMap::from([("sellerId".to_owned(), seller.to_hex())]))
                .customize()
                .request_strategy(RequestStrategy::Idempotent(idempotency_key(&format!(
                    "payout-account-{seller}"
                ))))
                .send(&self.client),
        )
        .await?;
        Ok(account.id.to_string())
    }

    /// A fresh onboarding link for the account; Stripe sends the seller back to
    /// `return_url` when they finish or leave, and when the link has expired.
    pub async fn onboarding_link(
        &self,
        account: &str,
        return_url: &str,
    ) -> Result<String, StripeError> {
        let link = observed(
            "create_account_link",
            CreateAccountLink::new(account, CreateAccountLinkType::AccountOnboarding)
                .return_url(return_url)
                .refresh_url(return_url)
                .send(&self.client),
        )
        .await?;
        Ok(link.url)
    }

    /// Whether transfers to the account are allowed now.
    pub async fn account_ready(&self, account: &str) -> Result<bool, StripeError> {
        let account = observed(
            "retrieve_account",
            RetrieveAccount::new(account).send(&self.client),
        )
        .await?;
        Ok(may_receive_transfers(&account))
    }

    /// Transfers the seller's share of the order's charge to the account the payout
    /// was claimed for. Keyed by the order: one order, one transfer.
    pub async fn transfer(&self, payout: &Payout) -> Result<String, TransferFailed> {
        let destination = payout.destination.as_deref().unwrap_or_default();
        let transfer = observed(
            "create_transfer",
            CreateTransfer::new(self.currency.clone(), destination)
                .amount(payout.amount.cents())
                .source_transaction(payout.charge_id.as_str())
                .transfer_group(transfer_group(payout.order_id))
                .metadata(HashMap::from([
                    ("orderId".to_owned(), payout.order_id.to_hex()),
                    ("sellerId".to_owned(), payout.seller_id.to_hex()),
                ]))
                .customize()
                .request_strategy(RequestStrategy::Idempotent(idempotency_key(&format!(
                    "payout-{}",
                    payout.order_id
                ))))
                .send(&self.client),
        )
        .await
        .map_err(|error| match definite_refusal(error) {
            Ok(message) => TransferFailed::Refused(message.unwrap_or_default()),
            Err(other) => TransferFailed::Unknown(other.to_string()),
        })?;
        Ok(transfer.id.to_string())
    }

    /// The transfer already made for the order, if any. A claim taken over after a
    /// crash asks this first, so that the sale is paid once even where the
    /// idempotency key is no longer remembered (Stripe forgets keys after a day).
    pub async fn transfer_made_for(&self, order: OrderId) -> Result<Option<String>, StripeError> {
        let transfers = observed(
            "list_transfers",
            ListTransfer::new()
                .transfer_group(transfer_group(order))
                .send(&self.client),
        )
        .await?;
        Ok(transfers
            .data
            .first()
            .map(|transfer| transfer.id.to_string()))
    }

    /// The reversal already made of the payout's transfer, if it is reversed.
    pub async fn reversal_made_for(&self, payout: &Payout) -> Result<Option<String>, StripeError> {
        let transfer = payout.transfer_id.as_deref().unwrap_or_default();
        let transfer = observed(
            "retrieve_transfer",
            RetrieveTransfer::new(transfer).send(&self.client),
        )
        .await?;
        Ok(transfer
            .reversals
            .data
            .first()
            .filter(|_| transfer.reversed)
            .map(|reversal| reversal.id.to_string()))
    }

    /// Reverses the whole transfer. Keyed by the order, like the transfer.
    pub async fn reverse(&self, payout: &Payout) -> Result<String, StripeError> {
        let transfer = payout.transfer_id.as_deref().unwrap_or_default();
        let reversal = observed(
            "create_transfer_reversal",
            CreateIdTransferReversal::new(transfer)
                .metadata(HashMap::from([(
                    "orderId".to_owned(),
                    payout.order_id.to_hex(),
                )]))
                .customize()
                .request_strategy(RequestStrategy::Idempotent(idempotency_key(&format!(
                    "reversal-{}",
                    payout.order_id
                ))))
                .send(&self.client),
        )
        .await?;
        Ok(reversal.id.to_string())
    }
}

/// Transfers may go to an account whose `transfers` capability is active; an older
/// account without capabilities qualifies once charges and payouts are enabled.
pub(crate) fn may_receive_transfers(account: &Account) -> bool {
    let transfers = account
        .capabilities
        .as_ref()
        .and_then(|capabilities| capabilities.transfers.as_ref());
    match transfers {
        Some(status) => *status == AccountCapabilitiesStatus::Active,
        None => account.charges_enabled == Some(true) && account.payouts_enabled == Some(true),
    }
}

/// Every transfer of an order's sale is in its group.
fn transfer_group(order: OrderId) -> String {
    format!("order-{order}")
}

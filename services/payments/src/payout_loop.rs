//! Paying sellers, every couple of seconds: transfers the share of every sale whose
//! hold has passed to its seller's ready account, reverses the transfer of a sale
//! whose charge was refunded since, and finishes moves whose process died half-way.
//! Each move is claimed first (see `payouts`), so replicas share the work and never
//! repeat a Stripe call; a claim taken over after a crash asks Stripe what the first
//! attempt did before trying again, so a sale is paid once even if Stripe no longer
//! remembers the idempotency key.

use std::time::Duration;

use marketplace::payout::PayoutStatus;

use crate::{
    payout_accounts::PayoutAccounts,
    payouts::{Payout, Payouts},
    stripe_connect::TransferFailed,
    stripe_gateway::StripeGateway,
};

/// How often the loop looks for work.
pub(crate) const PASS_INTERVAL: Duration = Duration::from_secs(2);

/// How long a transfer Stripe refused waits before it is tried again.
const RETRY_REFUSED: Duration = Duration::from_secs(10 * 60);

/// What the loop needs.
#[derive(Clone)]
pub(crate) struct PayoutLoop {
    pub gateway: StripeGateway,
    pub payouts: Payouts,
    pub accounts: PayoutAccounts,
}

impl PayoutLoop {
    /// Runs forever; a pass that fails is logged and the next one tries again.
    pub async fn run(self, interval: Duration) {
        loop {
            tokio::time::sleep(interval).await;
            if let Err(error) = self.pass().await {
                tracing::warn!(%error, "payout pass failed; the next one retries");
            }
        }
    }

    async fn pass(&self) -> mongodb::error::Result<()> {
        for payout in self.payouts.due().await? {
            self.transfer_due(&payout).await?;
        }
        for payout in self.payouts.stale(PayoutStatus::Transferring).await? {
            if let Some(claim) = self.payouts.take_over(&payout).await? {
                self.finish_interrupted_transfer(&claim).await?;
            }
        }
        for payout in self.payouts.to_reverse().await? {
            if let Some(claim) = self.payouts.claim_reversal(&payout).await? {
                self.reverse(&claim).await?;
            }
        }
        for payout in self.payouts.stale(PayoutStatus::Reversing).await? {
            if let Some(claim) = self.payouts.take_over(&payout).await? {
                self.finish_interrupted_reversal(&claim).await?;
            }
        }
        Ok(())
    }

    async fn transfer_due(&self, payout: &Payout) -> mongodb::error::Result<()> {
        let account = self.accounts.find(payout.seller_id).await?;
        let Some(account) = account.filter(|account| account.ready) else {
            return self.payouts.wait_for_account(payout).await;
        };
        match self
            .payouts
            .claim_transfer(payout, &account.stripe_account_id)
            .await?
        {
            Some(claim) => self.transfer(&claim).await,
            // Another replica claimed it, or it was refunded meanwhile.
            None => Ok(()),
        }
    }

    async fn finish_interrupted_transfer(&self, claim: &Payout) -> mongodb::error::Result<()> {
        match self.gateway.transfer_made_for(claim.order_id).await {
            Ok(Some(transfer_id)) => self.payouts.record_transfer(claim, &transfer_id).await,
            Ok(None) => self.transfer(claim).await,
            Err(error) => {
                tracing::warn!(%error, order_id = %claim.order_id, "cannot ask Stripe for an interrupted transfer; retried after the lease");
                Ok(())
            }
        }
    }

    async fn transfer(&self, claim: &Payout) -> mongodb::error::Result<()> {
        match self.gateway.transfer(claim).await {
            Ok(transfer_id) => {
                self.payouts.record_transfer(claim, &transfer_id).await?;
                tracing::info!(order_id = %claim.order_id, %transfer_id, amount = %claim.amount, "paid a seller");
                Ok(())
            }
            Err(TransferFailed::Refused(message)) => {
                tracing::warn!(order_id = %claim.order_id, %message, "Stripe refused a payout; it is tried again later");
                self.payouts.put_back(claim, RETRY_REFUSED).await
            }
            Err(TransferFailed::Unknown(cause)) => {
                tracing::warn!(order_id = %claim.order_id, %cause, "payout outcome unknown; retried after the lease");
                Ok(())
            }
        }
    }

    async fn finish_interrupted_reversal(&self, claim: &Payout) -> mongodb::error::Result<()> {
        match self.gateway.reversal_made_for(claim).await {
            Ok(Some(reversal_id)) => self.payouts.record_reversal(claim, &reversal_id).await,
            Ok(None) => self.reverse(claim).await,
            Err(error) => {
                tracing::warn!(%error, order_id = %claim.order_id, "cannot ask Stripe for an interrupted reversal; retried after the lease");
                Ok(())
            }
        }
    }

    async fn reverse(&self, claim: &Payout) -> mongodb::error::Result<()> {
        match self.gateway.reverse(claim).await {
            Ok(reversal_id) => {
                self.payouts.record_reversal(claim, &reversal_id).await?;
                tracing::info!(order_id = %claim.order_id, %reversal_id, "reversed a refunded sale's payout");
            }
            Err(error) => {
                tracing::warn!(%error, order_id = %claim.order_id, "reversal failed; retried after the lease");
            }
        }
        Ok(())
    }
}

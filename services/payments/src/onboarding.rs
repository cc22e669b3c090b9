//! Connecting a seller's payout account, and noticing when Stripe says it may receive
//! transfers: then the payouts that waited for it are due again.

use httpkit::{Error, session::UserClaims};
use stripe::StripeError;

use crate::{
    payout_accounts::{PayoutAccount, PayoutAccounts},
    payouts::Payouts,
    stripe_gateway::StripeGateway,
};

/// A seller's payout account as they see it.
#[derive(Debug, Clone)]
pub(crate) struct AccountStatus {
    pub connected: bool,
    pub ready: bool,
    /// Where to finish setting the account up, when it is not ready.
    pub onboarding_url: Option<String>,
}

/// What onboarding reaches.
#[derive(Clone)]
pub(crate) struct Onboarding {
    pub gateway: StripeGateway,
    pub accounts: PayoutAccounts,
    pub payouts: Payouts,
}

impl Onboarding {
    /// Creates the seller's account if they have none, and, unless it is ready, a
    /// link to Stripe's onboarding that comes back to `return_url`.
    pub async fn connect(
        &self,
        seller: &UserClaims,
        return_url: &str,
    ) -> Result<AccountStatus, Error> {
        let account = match self.accounts.find(seller.id).await? {
            Some(account) => account,
            None => {
                let created = self
                    .gateway
                    .create_payout_account(seller.id, &seller.email)
                    .await
                    .map_err(unreachable_stripe)?;
                self.accounts.record(seller.id, &created).await?
            }
        };
        if self.is_ready(&account).await? {
            return Ok(ready());
        }
        let link = self
            .gateway
            .onboarding_link(&account.stripe_account_id, return_url)
            .await
            .map_err(unreachable_stripe)?;
        Ok(AccountStatus {
            connected: true,
            ready: false,
            onboarding_url: Some(link),
        })
    }

    /// The seller's account, asking Stripe again while it is not ready.
    pub async fn status(&self, seller: &UserClaims) -> Result<AccountStatus, Error> {
        let Some(account) = self.accounts.find(seller.id).await? else {
            return Ok(AccountStatus {
                connected: false,
                ready: false,
                onboarding_url: None,
            });
        };
        if self.is_ready(&account).await? {
            return Ok(ready());
        }
        Ok(AccountStatus {
            connected: true,
            ready: false,
            onboarding_url: None,
        })
    }

    /// Stripe says the account changed (its `account.updated` event): looks again.
    pub async fn refresh(&self, stripe_account_id: &str) -> Result<(), Error> {
        if self
            .gateway
            .account_ready(stripe_account_id)
            .await
            .map_err(unreachable_stripe)?
        {
            self.became_ready(stripe_account_id).await?;
        }
        Ok(())
    }

    /// Whether the account is ready, asking Stripe while it is not. Every time it is
    /// seen ready, what waits for it is released: one indexed write, and no payout
    /// stays waiting because a process died between noting the account and releasing.
    async fn is_ready(&self, account: &PayoutAccount) -> Result<bool, Error> {
        let ready = account.ready
            || self
                .gateway
                .account_ready(&account.stripe_account_id)
                .await
                .map_err(unreachable_stripe)?;
        if ready {
            self.became_ready(&account.stripe_account_id).await?;
        }
        Ok(ready)
    }

    async fn became_ready(&self, stripe_account_id: &str) -> mongodb::error::Result<()> {
        if let Some(seller) = self.accounts.mark_ready(stripe_account_id).await? {
            self.payouts.release_waiting(seller).await?;
        }
        Ok(())
    }
}

fn ready() -> AccountStatus {
    AccountStatus {
        connected: true,
        ready: true,
        onboarding_url: None,
    }
}

fn unreachable_stripe(error: StripeError) -> Error {
    tracing::warn!(%error, "Stripe Connect call failed");
    Error::Unavailable(
        "The payment provider cannot be reached just now; try again in a minute".to_owned(),
    )
}

//! Sellers' payout accounts: one Stripe Connect Express account per seller, and
//! whether Stripe lets us transfer to it yet. The seller's id is the document's id,
//! so two requests connecting the same seller at once write one document.

use marketplace::id::UserId;
use mongodb::{
    Collection, Database,
    bson::{DateTime, doc},
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PayoutAccount {
    /// The seller.
    #[serde(rename = "_id")]
    pub seller_id: UserId,
    /// The Connect account (`acct_…`).
    pub stripe_account_id: String,
    /// Onboarding is finished and transfers to the account are allowed.
    pub ready: bool,
    pub created_at: DateTime,
}

#[derive(Clone)]
pub(crate) struct PayoutAccounts {
    collection: Collection<PayoutAccount>,
}

impl PayoutAccounts {
    pub fn new(database: &Database) -> Self {
        Self {
            collection: database.collection("payoutAccounts"),
        }
    }

    pub async fn find(&self, seller: UserId) -> mongodb::error::Result<Option<PayoutAccount>> {
        self.collection
            .find_one(doc! { "_id": seller.to_hex() })
            .await
    }

    /// Records the seller's account unless one is recorded already, and returns the
    /// one that is. Stripe's idempotency key makes a concurrent second request create
    /// the same account, so both agree on it.
    pub async fn record(
        &self,
        seller: UserId,
        stripe_account_id: &str,
    ) -> mongodb::error::Result<PayoutAccount> {
        let recorded = self
            .collection
            .find_one_and_update(
                doc! { "_id": seller.to_hex() },
                doc! { "$setOnInsert": {
                    "stripeAccountId": stripe_account_id,
                    "ready": false,
                    "createdAt": DateTime::now(),
                } },
            )
            .upsert(true)
            .return_document(mongodb::options::ReturnDocument::After)
            .await?;
        Ok(recorded.expect("an upsert returns the document"))
    }

    /// Notes that the account finished onboarding; returns its seller (`None` for an
    /// account that is not a seller's here).
    pub async fn mark_ready(
        &self,
        stripe_account_id: &str,
    ) -> mongodb::error::Result<Option<UserId>> {
        let marked = self
            .collection
            .find_one_and_update(
                doc! { "stripeAccountId": stripe_account_id },
                doc! { "$set": { "ready": true } },
            )
            .await?;
        Ok(marked.map(|account| account.seller_id))
    }

    pub async fn ensure_indexes(&self) -> mongodb::error::Result<()> {
        let by_account = mongodb::IndexModel::builder()
            .keys(doc! { "stripeAccountId": 1 })
            .build();
        self.collection.create_index(by_account).await?;
        Ok(())
    }
}

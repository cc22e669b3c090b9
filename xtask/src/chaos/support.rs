//! What support does after the load: refunds a few sales at Stripe, as in the
//! Dashboard, outside the payments service, which hears of it by webhook and must
//! stop or reverse each sale's payout.

use futures::TryStreamExt;
use marketplace::payout::PayoutStatus;
use mongodb::{
    Client,
    bson::{Document, doc},
};

use super::audit::documents::Ledger;

/// Refunds the charges of up to `each` sales already paid out (their transfers must
/// be reversed) and `each` still held or waiting for the seller's account (they must
/// never be paid); returns how many it refunded of each.
pub async fn refund_paid_and_held_sales(
    mongo_url: &str,
    stripe_api_base: &str,
    secret_key: &str,
    each: i64,
) -> anyhow::Result<(usize, usize)> {
    let client = Client::with_uri_str(mongo_url).await?;
    let payouts = client
        .database("payments")
        .collection::<Document>("payouts");
    let orders_in = |statuses: &[PayoutStatus]| {
        let statuses: Vec<&str> = statuses.iter().map(|status| status.as_str()).collect();
        let payouts = payouts.clone();
        async move {
            let found: Vec<Document> = payouts
                .find(doc! { "status": { "$in": statuses } })
                .limit(each)
                .await?
                .try_collect()
                .await?;
            anyhow::Ok(
                found
                    .iter()
                    .filter_map(|payout| Some(payout.get_object_id("_id").ok()?.to_hex()))
                    .collect::<Vec<_>>(),
            )
        }
    };
    let paid = orders_in(&[PayoutStatus::Paid]).await?;
    let held = orders_in(&[PayoutStatus::Held, PayoutStatus::WaitingForAccount]).await?;
    let ledger: Ledger = reqwest::get(format!("{stripe_api_base}_fake/ledger"))
        .await?
        .error_for_status()?
        .json()
        .await?;
    let http = reqwest::Client::new();
    let refund = |order_id: String| {
        let charge = ledger
            .charges
            .iter()
            .find(|charge| charge.metadata.order_id == order_id)
            .map(|charge| charge.payment_intent.clone());
        let http = http.clone();
        async move {
            let Some(payment_intent) = charge else {
                anyhow::bail!("order {order_id} has a payout but no charge in the ledger");
            };
            http.post(format!("{stripe_api_base}v1/refunds"))
                .bearer_auth(secret_key)
                .form(&[("payment_intent", payment_intent.as_str())])
                .send()
                .await?
                .error_for_status()?;
            anyhow::Ok(())
        }
    };
    let (paid_count, held_count) = (paid.len(), held.len());
    for order_id in paid.into_iter().chain(held) {
        refund(order_id).await?;
    }
    Ok((paid_count, held_count))
}

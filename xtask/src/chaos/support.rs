//! What support does after the load: refunds a few completed sales at Stripe, as in
//! the Dashboard, outside the payments service, which hears of it by webhook and must
//! stop or reverse each sale's payout.

use futures::TryStreamExt;
use marketplace::order::OrderStatus;
use mongodb::{
    Client,
    bson::{Document, doc},
};

use super::audit::documents::Ledger;

/// Refunds the charges of the `each_end` oldest and `each_end` newest completed
/// orders; returns how many were refunded.
pub async fn refund_oldest_and_newest_sales(
    mongo_url: &str,
    stripe_api_base: &str,
    secret_key: &str,
    each_end: usize,
) -> anyhow::Result<usize> {
    let client = Client::with_uri_str(mongo_url).await?;
    let completed: Vec<Document> = client
        .database("orders")
        .collection::<Document>("orders")
        .find(doc! { "status": OrderStatus::Complete.as_str() })
        .sort(doc! { "_id": 1 })
        .await?
        .try_collect()
        .await?;
    let order_ids: Vec<String> = completed
        .iter()
        .filter_map(|order| Some(order.get_object_id("_id").ok()?.to_hex()))
        .collect();
    let newest_from = order_ids.len().saturating_sub(each_end).max(each_end);
    let chosen = order_ids
        .iter()
        .take(each_end)
        .chain(order_ids.iter().skip(newest_from));
    let ledger: Ledger = reqwest::get(format!("{stripe_api_base}_fake/ledger"))
        .await?
        .error_for_status()?
        .json()
        .await?;
    let http = reqwest::Client::new();
    let mut refunded = 0;
    for order_id in chosen {
        let Some(charge) = ledger
            .charges
            .iter()
            .find(|charge| &charge.metadata.order_id == order_id)
        else {
            continue;
        };
        http.post(format!("{stripe_api_base}v1/refunds"))
            .bearer_auth(secret_key)
            .form(&[("payment_intent", charge.payment_intent.as_str())])
            .send()
            .await?
            .error_for_status()?;
        refunded += 1;
    }
    Ok(refunded)
}

//! Paying for an order, from the claim to the recorded charge, and finishing claims
//! whose request died half-way.

use std::time::Duration;

use httpkit::Error;

use crate::{
    payments::{Payment, Payments, Recorded},
    stripe_gateway::{ChargeFailed, StripeGateway},
};

/// Charges the claimed payment and records the result. A decline releases the claim
/// (nothing stored). An unknown outcome keeps the claim, so that nobody can pay again
/// until the recovery loop has asked Stripe with the same key. A charge that lands on
/// an order cancelled meanwhile is refunded.
pub(crate) async fn settle(
    claim: &Payment,
    gateway: &StripeGateway,
    payments: &Payments,
) -> Result<Payment, Error> {
    let charged = gateway
        .charge(claim.order_id, claim.amount.cents(), &claim.payment_method)
        .await;
    let charged = match charged {
        Ok(charged) => charged,
        Err(ChargeFailed::Declined(message)) => {
            payments.release(claim).await?;
            return Err(Error::BadRequest(message));
        }
        Err(ChargeFailed::Unknown(cause)) => {
            tracing::warn!(%cause, order_id = %claim.order_id, "charge outcome unknown; recovery will settle it");
            return Err(Error::Unavailable(
                "The payment provider has not confirmed the charge yet; it will be settled within a minute. Check your order before paying again".to_owned(),
            ));
        }
    };
    match payments.record_success(claim, &charged).await? {
        Recorded::Paid(payment) => Ok(payment),
        Recorded::ByAnotherAttempt => Ok(claim.clone()),
        Recorded::OrderCancelled(payment) => {
            // If this fails, the recovery loop refunds it: the payment stays due.
            refund(&payment, gateway, payments).await?;
            Err(Error::BadRequest(
                "The order was cancelled while the card was being charged; the charge has been refunded".to_owned(),
            ))
        }
    }
}

/// Refunds a payment that is due for a refund, and records it.
pub(crate) async fn refund(
    payment: &Payment,
    gateway: &StripeGateway,
    payments: &Payments,
) -> Result<(), Error> {
    let Some(stripe_id) = payment.stripe_id.as_deref() else {
        return Ok(());
    };
    let refund_id = gateway.refund(stripe_id).await.map_err(Error::unexpected)?;
    payments.mark_refunded(payment, &refund_id).await?;
    tracing::info!(order_id = %payment.order_id, %refund_id, "refunded a charge on a cancelled order");
    Ok(())
}

/// The safety net, every `interval`: refunds that are due (an earlier
/// attempt failed), and claims whose outcome is unknown or whose request died between
/// the charge and its record. The same idempotency key makes Stripe replay the first
/// outcome instead of charging again.
pub(crate) async fn recover(gateway: StripeGateway, payments: Payments, interval: Duration) {
    loop {
        tokio::time::sleep(interval).await;
        match payments.due_refunds().await {
            Ok(due) => {
                for payment in due {
                    if let Err(error) = refund(&payment, &gateway, &payments).await {
                        tracing::warn!(%error, order_id = %payment.order_id, "refund still failing");
                    }
                }
            }
            Err(error) => tracing::warn!(%error, "cannot look for due refunds"),
        }
        let stale = match payments.stale_claims().await {
            Ok(stale) => stale,
            Err(error) => {
                tracing::warn!(%error, "cannot look for unfinished payments");
                continue;
            }
        };
        for claim in stale {
            if let Ok(Some(claim)) = payments.take_over(&claim).await {
                let outcome = settle(&claim, &gateway, &payments).await;
                tracing::info!(order_id = %claim.order_id, ok = outcome.is_ok(), "finished an interrupted payment");
            }
        }
    }
}

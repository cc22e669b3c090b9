//! Paying for an order, from the claim to the recorded charge, and finishing claims
//! whose request died half-way.

use std::time::Duration;

use common::Error;

use crate::{
    payments::{Payment, Payments, Recorded},
    stripe_gateway::{ChargeFailed, StripeGateway},
};

/// How often claims left behind by a crash are looked for.
const RECOVERY_INTERVAL: Duration = Duration::from_secs(15);

/// Charges the claimed payment and records the result. A decline or an unreachable
/// Stripe releases the claim (nothing stored); a charge that lands on an order
/// cancelled meanwhile is refunded at once.
pub(crate) async fn settle(
    claim: &Payment,
    gateway: &StripeGateway,
    payments: &Payments,
) -> Result<Payment, Error> {
    let charged = gateway
        .charge(&claim.order_id, claim.amount.cents(), &claim.payment_method)
        .await;
    let stripe_id = match charged {
        Ok(stripe_id) => stripe_id,
        Err(failure) => {
            payments.release(claim).await?;
            return Err(match failure {
                ChargeFailed::Declined(message) => Error::BadRequest(message),
                ChargeFailed::Unavailable(cause) => {
                    tracing::warn!(%cause, order_id = %claim.order_id, "Stripe unavailable");
                    Error::Unavailable(
                        "The payment provider cannot be reached; nothing was charged, try again in a moment".to_owned(),
                    )
                }
            });
        }
    };
    match payments.record_success(claim, &stripe_id).await? {
        Recorded::Paid(payment) => Ok(payment),
        Recorded::OrderCancelled(payment) => {
            refund(&payment, gateway, payments).await?;
            Err(Error::BadRequest(
                "The order was cancelled while the card was being charged; the charge has been refunded".to_owned(),
            ))
        }
    }
}

/// Refunds a charge whose order is cancelled, and records it.
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

/// Finishes claims whose request died between the charge and its record: the same
/// idempotency key makes Stripe replay the first outcome instead of charging again.
pub(crate) async fn recover_stale_claims(gateway: StripeGateway, payments: Payments) {
    loop {
        tokio::time::sleep(RECOVERY_INTERVAL).await;
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

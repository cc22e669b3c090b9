//! Refunding part or all of a succeeded PaymentIntent's charge.

use std::collections::BTreeMap;

use axum::http::StatusCode;

use crate::errors::ApiError;
use crate::model::ledger::RefundRecord;
use crate::model::payment_intent::PaymentIntent;
use crate::model::refund::Refund;
use crate::store::Store;
use crate::store::giving_back::amount_to_give_back;
use crate::{clock, ids, money};

/// What a refund request names: the PaymentIntent, or its charge.
#[derive(Debug)]
pub(crate) enum RefundTarget {
    PaymentIntent(String),
    Charge(String),
}

/// A refund to make, its parameters already checked.
#[derive(Debug)]
pub(crate) struct NewRefund {
    pub(crate) target: RefundTarget,
    /// In the currency's smallest unit; `None` refunds whatever is left.
    pub(crate) amount: Option<i64>,
    pub(crate) metadata: BTreeMap<String, String>,
    pub(crate) reason: Option<String>,
}

impl Store {
    /// Gives back money from the target's charge, and records it in the ledger.
    pub(crate) fn refund(&mut self, new: NewRefund) -> Result<Refund, ApiError> {
        let intent = self.refunded_intent(&new.target)?;
        let charge = intent.latest_charge.clone().unwrap_or_default();
        let remaining = intent.amount_received - self.ledger.refunded(&intent.id);
        let currency = &intent.terms.currency;
        let amount = amount_to_give_back(
            new.amount,
            remaining,
            || {
                ApiError::invalid_request(
                    Some("charge_already_refunded"),
                    None,
                    format!("Charge {charge} has already been refunded."),
                )
            },
            |amount| {
                format!(
                    "Refund amount ({}) is greater than unrefunded amount on charge ({})",
                    money::format(amount, currency),
                    money::format(remaining, currency)
                )
            },
        )?;
        let refund = Refund {
            id: ids::new_id("re"),
            created: clock::now(),
            amount,
            currency: intent.terms.currency,
            charge,
            payment_intent: intent.id,
            metadata: new.metadata,
            reason: new.reason,
        };
        self.ledger.refunds.push(RefundRecord {
            id: refund.id.clone(),
            payment_intent: refund.payment_intent.clone(),
            amount,
        });
        Ok(refund)
    }

    /// The succeeded PaymentIntent a refund names.
    fn refunded_intent(&self, target: &RefundTarget) -> Result<PaymentIntent, ApiError> {
        let intent = match target {
            RefundTarget::PaymentIntent(id) => self.payment_intents.get(id).ok_or_else(|| {
                ApiError::no_such_payment_intent(StatusCode::BAD_REQUEST, "payment_intent", id)
            })?,
            RefundTarget::Charge(charge) => self
                .payment_intents
                .values()
                .find(|intent| intent.latest_charge.as_deref() == Some(charge))
                .ok_or_else(|| {
                    ApiError::resource_missing(
                        StatusCode::BAD_REQUEST,
                        "charge",
                        format!("No such charge: '{charge}'"),
                    )
                })?,
        };
        if !intent.has_succeeded() {
            return Err(ApiError::invalid_request(
                None,
                Some("payment_intent"),
                format!(
                    "This PaymentIntent ({}) does not have a successful charge to refund.",
                    intent.id
                ),
            ));
        }
        Ok(intent.clone())
    }
}

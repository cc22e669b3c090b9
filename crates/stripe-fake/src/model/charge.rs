//! The Charge object's JSON, with every field async-stripe requires. The fake keeps a
//! succeeded charge as its PaymentIntent's `latest_charge` plus the ledger's refunds, so
//! the object is drawn from those; webhook events carry it.

use serde_json::{Value, json};

use crate::model::payment_intent::PaymentIntent;

/// The succeeded charge of `intent`, `amount_refunded` of it given back so far.
pub(crate) fn to_json(intent: &PaymentIntent, amount_refunded: i64) -> Value {
    let amount = intent.terms.amount;
    json!({
        "id": intent.latest_charge,
        "object": "charge",
        "amount": amount,
        "amount_captured": amount,
        "amount_refunded": amount_refunded,
        "application": null,
        "application_fee": null,
        "application_fee_amount": null,
        "balance_transaction": null,
        "billing_details": {
            "address": null, "email": null, "name": null, "phone": null, "tax_id": null,
        },
        "captured": true,
        "created": intent.created,
        "currency": intent.terms.currency,
        "customer": null,
        "description": intent.terms.description,
        "disputed": false,
        "failure_code": null,
        "failure_message": null,
        "livemode": false,
        "metadata": intent.terms.metadata,
        "on_behalf_of": null,
        "paid": true,
        "payment_intent": intent.id,
        "payment_method": intent.payment_method,
        "receipt_email": intent.terms.receipt_email,
        "refunded": amount_refunded == amount,
        "review": null,
        "shipping": null,
        "source_transfer": null,
        "statement_descriptor": null,
        "statement_descriptor_suffix": null,
        "status": "succeeded",
        "transfer_data": null,
        "transfer_group": null,
    })
}

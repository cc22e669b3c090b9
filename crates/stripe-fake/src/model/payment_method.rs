//! The card PaymentMethod object and its JSON, with every field async-stripe requires.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::clock;
use crate::model::cards::{self, TestCard};

/// A card's expiry date, as sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Expiry {
    pub(crate) month: i64,
    pub(crate) year: i64,
}

impl Expiry {
    /// Test tokens and the ready-made ids carry no expiry date; any future one will do.
    pub(crate) fn any_future() -> Self {
        Self {
            month: 12,
            year: clock::year() + 3,
        }
    }
}

/// A card payment method and how charging it turns out.
#[derive(Clone, Debug)]
pub(crate) struct PaymentMethod {
    pub(crate) id: String,
    created: i64,
    pub(crate) card: TestCard,
    expiry: Expiry,
    metadata: BTreeMap<String, String>,
}

impl PaymentMethod {
    /// A card payment method created now.
    pub(crate) fn new(
        id: String,
        card: TestCard,
        expiry: Expiry,
        metadata: BTreeMap<String, String>,
    ) -> Self {
        Self {
            id,
            created: clock::now(),
            card,
            expiry,
            metadata,
        }
    }

    /// One of Stripe's ready-made ids (`pm_card_visa`), which exist without being created.
    pub(crate) fn documented(id: &str) -> Option<Self> {
        let card = cards::by_payment_method(id)?;
        Some(Self::new(
            id.to_owned(),
            card,
            Expiry::any_future(),
            BTreeMap::new(),
        ))
    }

    /// The PaymentMethod object as Stripe returns it.
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "object": "payment_method",
            "allow_redisplay": "unspecified",
            "billing_details": {
                "address": {
                    "city": null, "country": null, "line1": null,
                    "line2": null, "postal_code": null, "state": null,
                },
                "email": null,
                "name": null,
                "phone": null,
                "tax_id": null,
            },
            "card": {
                "brand": self.card.brand,
                "checks": {
                    "address_line1_check": null,
                    "address_postal_code_check": null,
                    "cvc_check": "unchecked",
                },
                "country": "US",
                "display_brand": self.card.brand,
                "exp_month": self.expiry.month,
                "exp_year": self.expiry.year,
                "fingerprint": format!("fake{}{}", self.card.brand, self.card.last4),
                "funding": "credit",
                "generated_from": null,
                "last4": self.card.last4,
                "networks": { "available": [self.card.brand], "preferred": null },
                "regulated_status": "unregulated",
                "three_d_secure_usage": { "supported": true },
                "wallet": null,
            },
            "created": self.created,
            "customer": null,
            "livemode": false,
            "metadata": self.metadata,
            "type": "card",
        })
    }
}

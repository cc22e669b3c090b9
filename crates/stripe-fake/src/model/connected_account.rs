//! The connected account (Connect Express) and its JSON, with every field async-stripe
//! reads. An account starts unable to take charges, pay out or receive transfers, and
//! becomes able to once its owner has been through onboarding.

use std::collections::BTreeMap;

use serde_json::{Value, json};

/// A capability's standing, as Stripe writes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CapabilityStatus {
    Inactive,
    Active,
}

impl CapabilityStatus {
    fn as_str(self) -> &'static str {
        match self {
            Self::Inactive => "inactive",
            Self::Active => "active",
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct ConnectedAccount {
    pub(crate) id: String,
    pub(crate) created: i64,
    pub(crate) country: Option<String>,
    pub(crate) email: Option<String>,
    pub(crate) metadata: BTreeMap<String, String>,
    /// The capabilities requested on creation (`transfers`, …).
    pub(crate) capabilities: BTreeMap<String, CapabilityStatus>,
    /// Whether its owner completed onboarding.
    pub(crate) details_submitted: bool,
}

impl ConnectedAccount {
    /// Whether Stripe would let a transfer land in this account.
    pub(crate) fn can_receive_transfers(&self) -> bool {
        self.capabilities.get("transfers") == Some(&CapabilityStatus::Active)
    }

    /// What onboarding does: details submitted, every requested capability active.
    /// Answers whether anything changed.
    pub(crate) fn complete_onboarding(&mut self) -> bool {
        let before = (self.details_submitted, self.capabilities.clone());
        self.details_submitted = true;
        for status in self.capabilities.values_mut() {
            *status = CapabilityStatus::Active;
        }
        before != (self.details_submitted, self.capabilities.clone())
    }

    /// The Account object as Stripe returns it to the platform.
    pub(crate) fn to_json(&self) -> Value {
        let capabilities: BTreeMap<_, _> = self
            .capabilities
            .iter()
            .map(|(name, status)| (name, status.as_str()))
            .collect();
        json!({
            "id": self.id,
            "object": "account",
            "business_profile": null,
            "business_type": null,
            "capabilities": capabilities,
            // Express onboarding collects what both need, so they turn on together.
            "charges_enabled": self.details_submitted,
            "country": self.country,
            "created": self.created,
            "default_currency": null,
            "details_submitted": self.details_submitted,
            "email": self.email,
            "metadata": self.metadata,
            "payouts_enabled": self.details_submitted,
            "type": "express",
        })
    }
}

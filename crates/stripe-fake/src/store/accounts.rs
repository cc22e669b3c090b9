//! Connected accounts: made by the platform, completed by their owner's onboarding.

use std::collections::BTreeMap;

use axum::http::StatusCode;

use crate::errors::ApiError;
use crate::model::connected_account::{CapabilityStatus, ConnectedAccount};
use crate::store::Store;
use crate::{clock, ids};

/// An Express account to make, its parameters already checked.
#[derive(Debug)]
pub(crate) struct NewAccount {
    pub(crate) country: Option<String>,
    pub(crate) email: Option<String>,
    pub(crate) metadata: BTreeMap<String, String>,
    /// The capabilities requested (`transfers`, …).
    pub(crate) capabilities: Vec<String>,
}

impl Store {
    /// Makes and keeps an account that has not been onboarded yet.
    pub(crate) fn create_account(&mut self, new: NewAccount) -> ConnectedAccount {
        let account = ConnectedAccount {
            id: ids::new_id("acct"),
            created: clock::now(),
            country: new.country,
            email: new.email,
            metadata: new.metadata,
            capabilities: new
                .capabilities
                .into_iter()
                .map(|name| (name, CapabilityStatus::Inactive))
                .collect(),
            details_submitted: false,
        };
        self.accounts.insert(account.id.clone(), account.clone());
        account
    }

    /// Account `id`; `status` and `param` say how a missing one is reported.
    pub(crate) fn account(
        &self,
        id: &str,
        status: StatusCode,
        param: &str,
    ) -> Result<&ConnectedAccount, ApiError> {
        self.accounts.get(id).ok_or_else(|| {
            ApiError::resource_missing(status, param, format!("No such account: '{id}'"))
        })
    }
}

//! The payments service's payout routes: the seller's payout account, which Stripe's
//! onboarding sets up, and what each of their sales pays them.

use marketplace::{
    id::{OrderId, TicketId},
    money::{Amount, Price},
    payout::PayoutStatus,
};
use reqwest::Method;
use serde::Deserialize;
use serde_json::json;
use time::OffsetDateTime;

use super::{Api, ApiResult, Caller, Listed, cursor_param, with_query};

/// A seller's payout account as the payments API shows it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PayoutAccount {
    pub connected: bool,
    pub ready: bool,
    /// Stripe's onboarding page, when connecting answered one.
    pub onboarding_url: Option<String>,
}

/// One sale's payout.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Payout {
    pub order_id: OrderId,
    pub ticket_id: TicketId,
    pub price: Price,
    pub fee: Amount,
    pub amount: Amount,
    pub status: PayoutStatus,
    #[serde(with = "time::serde::rfc3339")]
    pub held_until: OffsetDateTime,
}

impl Api {
    pub async fn payout_account(&self, caller: &Caller) -> ApiResult<PayoutAccount> {
        self.get(caller, &self.urls.payments, "/api/payouts/account")
            .await
    }

    /// Connects the caller's payout account; Stripe's onboarding, when the answer
    /// names it, sends them back to `return_url`.
    pub async fn connect_payout_account(
        &self,
        caller: &Caller,
        return_url: &str,
    ) -> ApiResult<PayoutAccount> {
        let body = json!({ "returnUrl": return_url });
        let answer = self
            .call(
                caller,
                Method::POST,
                &self.urls.payments,
                "/api/payouts/account",
                Some(body),
            )
            .await?;
        Ok(answer.value)
    }

    pub async fn my_payouts(
        &self,
        caller: &Caller,
        cursor: Option<&str>,
    ) -> ApiResult<Listed<Payout>> {
        let path = with_query("/api/payouts", &cursor_param(cursor));
        self.list(caller, &self.urls.payments, &path).await
    }
}

//! The payments service's payout routes: the seller's payout account, which Stripe's
//! onboarding sets up, and what each of their sales pays them.

use std::fmt;

use marketplace::{
    id::{OrderId, TicketId},
    money::Price,
};
use reqwest::Method;
use serde::{Deserialize, Deserializer, de};
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum PayoutStatus {
    Held,
    WaitingForAccount,
    Transferring,
    Paid,
    Reversing,
    Reversed,
    Refunded,
}

/// An amount of money that may be zero (a fee), in whole cents; JSON shows it as a
/// decimal amount, like a [`Price`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Amount(i64);

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let cents = (f64::deserialize(deserializer)? * 100.0).round();
        if !cents.is_finite() || cents < 0.0 {
            return Err(de::Error::custom("an amount of money of at least 0"));
        }
        Ok(Self(cents as i64))
    }
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

#[cfg(test)]
mod tests {
    use super::Amount;

    #[test]
    fn amounts_are_whole_cents_from_zero_up() {
        let amount = |json| serde_json::from_str::<Amount>(json);

        assert_eq!(amount("22.5").unwrap().to_string(), "22.50");
        assert_eq!(amount("0").unwrap().to_string(), "0.00");
        assert_eq!(amount("9.05").unwrap().to_string(), "9.05");
        assert!(amount("-0.01").is_err());
    }
}

//! What a seller's payout is in every crate that shows or checks one: its status.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Where a sale's payout is, from the order's completion to the seller's account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PayoutStatus {
    /// The hold has not passed yet (or a transfer was refused and waits to be tried
    /// again).
    Held,
    /// The hold passed, but the seller has no payout account that may receive
    /// transfers yet.
    WaitingForAccount,
    /// The transfer is being made (or its outcome is not known yet).
    Transferring,
    Paid,
    /// The charge was refunded after the transfer; the transfer is being reversed.
    Reversing,
    Reversed,
    /// The charge was refunded before any transfer: the seller is not paid.
    Refunded,
}

impl PayoutStatus {
    /// The status as stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Held => "held",
            Self::WaitingForAccount => "waiting_for_account",
            Self::Transferring => "transferring",
            Self::Paid => "paid",
            Self::Reversing => "reversing",
            Self::Reversed => "reversed",
            Self::Refunded => "refunded",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_status_is_stored_as_serde_writes_it() {
        for status in [
            PayoutStatus::Held,
            PayoutStatus::WaitingForAccount,
            PayoutStatus::Transferring,
            PayoutStatus::Paid,
            PayoutStatus::Reversing,
            PayoutStatus::Reversed,
            PayoutStatus::Refunded,
        ] {
            let json = serde_json::to_value(status).unwrap();
            assert_eq!(json, status.as_str());
        }
    }
}

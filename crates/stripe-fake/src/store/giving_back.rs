//! Giving back part or all of what is left of some money, as a refund gives back a
//! charge and a reversal a transfer: Stripe checks both the same way.

use crate::errors::ApiError;

/// How much to give back: `requested`, or all of `remaining` when no amount was named.
/// `nothing_left` is Stripe's error when all of it went back already; `too_much` writes
/// the message when `requested` is more than `remaining`.
pub(super) fn amount_to_give_back(
    requested: Option<i64>,
    remaining: i64,
    nothing_left: impl FnOnce() -> ApiError,
    too_much: impl FnOnce(i64) -> String,
) -> Result<i64, ApiError> {
    if remaining == 0 {
        return Err(nothing_left());
    }
    let amount = requested.unwrap_or(remaining);
    if amount > remaining {
        return Err(ApiError::invalid_request(
            Some("amount_too_large"),
            Some("amount"),
            too_much(amount),
        ));
    }
    Ok(amount)
}

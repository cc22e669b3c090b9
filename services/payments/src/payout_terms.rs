//! What a seller is paid for a sale, and when: the price minus the platform's fee,
//! after a holding period that lets a buyer's problem be settled before the money
//! leaves the platform.

use std::{str::FromStr, time::Duration};

use marketplace::money::{Amount, Price};

/// The platform's share of a sale, in whole percent: 0 to 99, so a seller is always
/// paid at least a cent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeePercent(u8);

impl FeePercent {
    pub const DEFAULT: Self = Self(10);

    pub fn get(self) -> u8 {
        self.0
    }
}

impl FromStr for FeePercent {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        match raw.parse::<u8>() {
            Ok(percent) if percent < 100 => Ok(Self(percent)),
            _ => Err("a whole percentage from 0 to 99".to_owned()),
        }
    }
}

/// The payout terms every sale gets.
#[derive(Debug, Clone, Copy)]
pub struct PayoutTerms {
    pub fee_percent: FeePercent,
    /// How long after the sale the seller's share is transferred.
    pub hold: Duration,
}

/// A sale's price, divided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Split {
    /// What the platform keeps.
    pub fee: Amount,
    /// What the seller is transferred.
    pub payout: Amount,
}

impl PayoutTerms {
    /// Divides `price`. The fee is rounded down to the whole cent, so a fraction of a
    /// cent goes to the seller, and fee + payout is always exactly the price.
    pub(crate) fn split(&self, price: Price) -> Split {
        let fee = price.cents() * i64::from(self.fee_percent.get()) / 100;
        let amount = |cents| Amount::from_cents(cents).expect("0 ≤ fee ≤ price");
        Split {
            fee: amount(fee),
            payout: amount(price.cents() - fee),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(price_cents: i64, percent: &str) -> (i64, i64) {
        let terms = PayoutTerms {
            fee_percent: percent.parse().unwrap(),
            hold: Duration::ZERO,
        };
        let split = terms.split(Price::from_cents(price_cents).unwrap());
        (split.fee.cents(), split.payout.cents())
    }

    #[test]
    fn the_fee_is_rounded_down_to_the_cent_and_the_seller_gets_the_rest() {
        assert_eq!(split(2500, "10"), (250, 2250));
        // 10% of 10.09 is 1.009: the fee is 1.00, the seller gets 9.09.
        assert_eq!(split(1009, "10"), (100, 909));
        // 10% of 0.09 is 0.009: no fee at all.
        assert_eq!(split(9, "10"), (0, 9));
        assert_eq!(split(1, "99"), (0, 1));
        assert_eq!(split(100_000_000, "99"), (99_000_000, 1_000_000));
        assert_eq!(split(1234, "0"), (0, 1234));
    }

    #[test]
    fn a_fee_of_100_percent_or_more_or_not_whole_is_refused() {
        for refused in ["100", "250", "-1", "7.5", "ten", ""] {
            assert!(refused.parse::<FeePercent>().is_err(), "{refused}");
        }
        assert_eq!("99".parse::<FeePercent>().unwrap().get(), 99);
    }
}

//! What a seller is paid for a sale, and when: the price minus the platform's fee,
//! after a holding period that lets a buyer's problem be settled before the money
//! leaves the platform.

use std::{fmt, str::FromStr, time::Duration};

use marketplace::money::Price;
use serde::{Serialize, Serializer};
use utoipa::{
    PartialSchema, ToSchema,
    openapi::{
        RefOr,
        schema::{Object, Schema, Type},
    },
};

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
    pub fee: Cents,
    /// What the seller is transferred.
    pub payout: Cents,
}

impl PayoutTerms {
    /// Divides `price`. The fee is rounded down to the whole cent, so a fraction of a
    /// cent goes to the seller, and fee + payout is always exactly the price.
    pub(crate) fn split(&self, price: Price) -> Split {
        let fee = price.cents() * i64::from(self.fee_percent.get()) / 100;
        Split {
            fee: Cents(fee),
            payout: Cents(price.cents() - fee),
        }
    }
}

/// An amount of money in cents that may be zero (a fee), shown in JSON as a decimal
/// amount like a [`Price`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Cents(pub i64);

impl fmt::Display for Cents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

impl Serialize for Cents {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.0 % 100 == 0 {
            serializer.serialize_i64(self.0 / 100)
        } else {
            serializer.serialize_f64(self.0 as f64 / 100.0)
        }
    }
}

impl PartialSchema for Cents {
    fn schema() -> RefOr<Schema> {
        Object::builder()
            .schema_type(Type::Number)
            .description(Some(
                "An amount in the currency's main unit, in whole cents; may be 0",
            ))
            .minimum(Some(0))
            .multiple_of(Some(0.01))
            .into()
    }
}

impl ToSchema for Cents {}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(price_cents: i64, percent: &str) -> (i64, i64) {
        let terms = PayoutTerms {
            fee_percent: percent.parse().unwrap(),
            hold: Duration::ZERO,
        };
        let split = terms.split(Price::from_cents(price_cents).unwrap());
        (split.fee.0, split.payout.0)
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

    #[test]
    fn amounts_show_as_decimals_like_prices() {
        assert_eq!(serde_json::to_string(&Cents(250)).unwrap(), "2.5");
        assert_eq!(serde_json::to_string(&Cents(0)).unwrap(), "0");
        assert_eq!(serde_json::to_string(&Cents(2300)).unwrap(), "23");
        assert_eq!(Cents(905).to_string(), "9.05");
    }
}

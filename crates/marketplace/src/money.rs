//! Money is integer cents everywhere inside the system; JSON shows it as a decimal
//! amount (`25`, `25.5`), as the original API did. Stripe takes the cents directly.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer, de};
use utoipa::openapi::{
    RefOr,
    schema::{Object, Schema, Type},
};

/// A ticket price: more than zero, at most [`Price::MAX_CENTS`], whole cents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Price(i64);

/// Why an amount is not a valid price. The message is shown to the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PriceError {
    #[error("Price must be greater than 0")]
    NotPositive,
    #[error("Price must be at most 1000000")]
    TooLarge,
    #[error("Price must have at most 2 decimal places")]
    FractionOfCent,
    #[error("Price must be a number")]
    NotANumber,
}

impl Price {
    /// One million in the currency's main unit.
    pub const MAX_CENTS: i64 = 100_000_000;

    pub fn from_cents(cents: i64) -> Result<Self, PriceError> {
        if cents <= 0 {
            Err(PriceError::NotPositive)
        } else if cents > Self::MAX_CENTS {
            Err(PriceError::TooLarge)
        } else {
            Ok(Self(cents))
        }
    }

    /// Parses an amount in the main unit, such as `25` or `19.99`.
    pub fn from_amount(amount: f64) -> Result<Self, PriceError> {
        if !amount.is_finite() {
            return Err(PriceError::NotANumber);
        }
        if amount <= 0.0 {
            return Err(PriceError::NotPositive);
        }
        if amount > (Self::MAX_CENTS / 100) as f64 {
            return Err(PriceError::TooLarge);
        }
        let cents = (amount * 100.0).round();
        // Binary floats cannot hold 19.99 exactly; anything within a millionth of a
        // cent of a whole cent is what the user typed.
        if ((amount * 100.0) - cents).abs() > 1e-6 {
            return Err(PriceError::FractionOfCent);
        }
        Self::from_cents(cents as i64)
    }

    /// The price in the smallest currency unit, as Stripe wants it.
    pub fn cents(self) -> i64 {
        self.0
    }
}

impl fmt::Display for Price {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_decimal(self.0, f)
    }
}

impl Serialize for Price {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_decimal(self.0, serializer)
    }
}

/// Cents as `12.34`.
fn write_decimal(cents: i64, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    write!(f, "{}.{:02}", cents / 100, cents % 100)
}

/// Cents as the JSON amount a user would type: `25`, `25.5`.
fn serialize_decimal<S: Serializer>(cents: i64, serializer: S) -> Result<S::Ok, S::Error> {
    if cents % 100 == 0 {
        serializer.serialize_i64(cents / 100)
    } else {
        serializer.serialize_f64(cents as f64 / 100.0)
    }
}

/// An amount of money that may be zero, such as a platform's fee: whole cents, at
/// least 0. JSON shows it as a decimal amount, like a [`Price`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Amount(i64);

impl Amount {
    /// `None` for a negative amount.
    pub fn from_cents(cents: i64) -> Option<Self> {
        (cents >= 0).then_some(Self(cents))
    }

    pub fn cents(self) -> i64 {
        self.0
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_decimal(self.0, f)
    }
}

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_decimal(self.0, serializer)
    }
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let cents = (f64::deserialize(deserializer)? * 100.0).round();
        if !cents.is_finite() || cents < 0.0 || cents > i64::MAX as f64 {
            return Err(de::Error::custom("an amount of money of at least 0"));
        }
        Ok(Self(cents as i64))
    }
}

impl utoipa::PartialSchema for Amount {
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

impl utoipa::ToSchema for Amount {}

/// The schema says what [`Price::from_amount`] accepts, from the same limits.
impl utoipa::PartialSchema for Price {
    fn schema() -> RefOr<Schema> {
        Object::builder()
            .schema_type(Type::Number)
            .description(Some(
                "An amount in the currency's main unit, in whole cents",
            ))
            .exclusive_minimum(Some(0))
            .maximum(Some(Self::MAX_CENTS / 100))
            .multiple_of(Some(0.01))
            .into()
    }
}

impl utoipa::ToSchema for Price {}

impl<'de> Deserialize<'de> for Price {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let amount = f64::deserialize(deserializer)?;
        Self::from_amount(amount).map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_and_two_decimal_amounts_are_prices() {
        assert_eq!(Price::from_amount(25.0).unwrap().cents(), 2500);
        assert_eq!(Price::from_amount(19.99).unwrap().cents(), 1999);
        assert_eq!(Price::from_amount(0.01).unwrap().cents(), 1);
    }

    #[test]
    fn zero_negative_fractions_of_a_cent_and_huge_amounts_are_refused() {
        assert_eq!(Price::from_amount(0.0), Err(PriceError::NotPositive));
        assert_eq!(Price::from_amount(-5.0), Err(PriceError::NotPositive));
        assert_eq!(Price::from_amount(10.001), Err(PriceError::FractionOfCent));
        assert_eq!(Price::from_amount(1e12), Err(PriceError::TooLarge));
        assert_eq!(Price::from_amount(f64::NAN), Err(PriceError::NotANumber));
        assert_eq!(Price::from_cents(0), Err(PriceError::NotPositive));
    }

    #[test]
    fn an_amount_may_be_zero_and_reads_and_shows_like_a_price() {
        assert_eq!(
            serde_json::to_string(&Amount::from_cents(250)).unwrap(),
            "2.5"
        );
        assert_eq!(serde_json::to_string(&Amount::from_cents(0)).unwrap(), "0");
        assert_eq!(Amount::from_cents(905).unwrap().to_string(), "9.05");
        assert_eq!(Amount::from_cents(-1), None);
        let read = |json| serde_json::from_str::<Amount>(json);
        assert_eq!(read("22.5").unwrap().cents(), 2250);
        assert_eq!(read("0").unwrap().cents(), 0);
        assert!(read("-0.01").is_err());
    }

    #[test]
    fn json_shows_the_amount_the_user_typed() {
        let whole = Price::from_cents(2500).unwrap();
        let cents = Price::from_cents(1999).unwrap();
        assert_eq!(serde_json::to_string(&whole).unwrap(), "25");
        assert_eq!(serde_json::to_string(&cents).unwrap(), "19.99");
        assert_eq!(serde_json::from_str::<Price>("19.99").unwrap(), cents);
        assert!(serde_json::from_str::<Price>("-1").is_err());
        assert_eq!(cents.to_string(), "19.99");
    }
}

/// Stores a [`Price`] as integer cents in the database (`#[serde(with = "cents")]`),
/// while JSON shows the amount.
pub mod cents {
    use serde::{Deserialize, Deserializer, Serializer, de};

    use super::Price;

    pub fn serialize<S: Serializer>(price: &Price, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_i64(price.cents())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Price, D::Error> {
        Price::from_cents(i64::deserialize(deserializer)?).map_err(de::Error::custom)
    }
}

/// Stores an [`Amount`] as integer cents in the database
/// (`#[serde(with = "amount_cents")]`), while JSON shows the amount.
pub mod amount_cents {
    use serde::{Deserialize, Deserializer, Serializer, de};

    use super::Amount;

    pub fn serialize<S: Serializer>(amount: &Amount, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_i64(amount.cents())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Amount, D::Error> {
        Amount::from_cents(i64::deserialize(deserializer)?)
            .ok_or_else(|| de::Error::custom("a negative amount"))
    }
}

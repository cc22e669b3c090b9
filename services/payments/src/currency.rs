//! The currency every charge is made in, checked once when the service starts.

use std::{fmt, str::FromStr};

/// An ISO 4217 alpha-3 code that Stripe accepts, kept in lower case as Stripe wants it.
/// async-stripe's own [`stripe_types::Currency`] takes any string (an unknown one
/// becomes `Currency::Unknown`), so this type is what refuses a typo such as `dollars`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Currency(stripe_types::Currency);

impl Currency {
    /// The US dollar, the default.
    pub const USD: Self = Self(stripe_types::Currency::USD);

    /// The code as async-stripe sends it.
    pub(crate) fn to_stripe(&self) -> stripe_types::Currency {
        self.0.clone()
    }
}

impl FromStr for Currency {
    type Err = String;

    /// Accepts any case (`EUR`, `eur`), as operators write codes either way.
    fn from_str(code: &str) -> Result<Self, Self::Err> {
        let Ok(currency) = code.trim().to_ascii_lowercase().parse();
        match currency {
            stripe_types::Currency::Unknown(_) => Err(format!(
                "expected an ISO 4217 currency code that Stripe supports, such as `usd` or \
                 `eur`, got `{code}`"
            )),
            currency => Ok(Self(currency)),
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_stripe_supports_parses_in_any_case_and_is_kept_in_lower_case() {
        assert_eq!("usd".parse(), Ok(Currency::USD));
        let euro: Currency = " EUR ".parse().unwrap();
        assert_eq!(euro.to_string(), "eur");
        assert_eq!(euro.to_stripe(), stripe_types::Currency::EUR);
    }

    #[test]
    fn anything_else_is_refused() {
        for code in ["dollars", "us", "xyz", "", "u$d"] {
            assert!(code.parse::<Currency>().is_err(), "{code:?} was accepted");
        }
    }
}

//! What the browser sends to pay with: the id of the PaymentMethod (or token) that
//! Stripe.js made from the card, which we pass on to Stripe as it is.

use serde::{Deserialize, Serialize};
use utoipa::{
    PartialSchema, ToSchema,
    openapi::{
        RefOr,
        schema::{Object, Schema, Type},
    },
};

/// A payment method or token id: ASCII letters, digits and `_`, at most
/// [`Token::MAX_LENGTH`] of them (Stripe's own are `pm_…`, `tok_…`, `card_…`).
/// Anything else never reaches Stripe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub(crate) struct Token(String);

impl Token {
    pub const MAX_LENGTH: usize = 200;

    pub fn parse(raw: &str) -> Result<Self, httpkit::Error> {
        let valid = !raw.is_empty()
            && raw.len() <= Self::MAX_LENGTH
            && raw.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if valid {
            Ok(Self(raw.to_owned()))
        } else {
            Err(Self::refusal())
        }
    }

    /// The 400 for a token that is malformed, missing or not a string.
    pub fn refusal() -> httpkit::Error {
        httpkit::Error::invalid("token", "token must be a Stripe payment method or token id")
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<Token> for String {
    fn from(token: Token) -> Self {
        token.0
    }
}

/// A stored token was parsed on its way in; reading it back checks it again.
impl TryFrom<String> for Token {
    type Error = httpkit::Error;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

/// What [`Token::parse`] accepts, as a schema.
impl PartialSchema for Token {
    fn schema() -> RefOr<Schema> {
        Object::builder()
            .schema_type(Type::String)
            .pattern(Some(format!("^[A-Za-z0-9_]{{1,{}}}$", Self::MAX_LENGTH)))
            .into()
    }
}

impl ToSchema for Token {}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: [&str; 4] = ["pm_card_visa", "tok_visa", "card_1AbC", "x"];
    const INVALID: [&str; 5] = ["", " pm_card_visa", "pm-card", "pm_card_visa\n", "pm_cärd"];

    #[test]
    fn stripe_ids_are_tokens() {
        for raw in VALID {
            assert_eq!(Token::parse(raw).unwrap().as_str(), raw);
        }
        assert!(Token::parse(&"a".repeat(Token::MAX_LENGTH)).is_ok());
    }

    #[test]
    fn anything_else_is_refused_naming_the_field() {
        let too_long = "a".repeat(Token::MAX_LENGTH + 1);
        for raw in INVALID.into_iter().chain([too_long.as_str()]) {
            let error = Token::parse(raw).unwrap_err();
            assert!(format!("{error:?}").contains("token"), "{raw:?}: {error:?}");
        }
    }

    /// The fuzzer generates bodies from the schema, so the two must agree.
    #[test]
    fn the_schema_accepts_exactly_what_parse_accepts() {
        let schema = serde_json::to_value(Token::schema()).unwrap();
        let pattern = regex::Regex::new(schema["pattern"].as_str().unwrap()).unwrap();
        let longest = "a".repeat(Token::MAX_LENGTH);
        let too_long = "a".repeat(Token::MAX_LENGTH + 1);
        let samples = VALID
            .into_iter()
            .chain(INVALID)
            .chain([longest.as_str(), too_long.as_str()]);
        for raw in samples {
            assert_eq!(pattern.is_match(raw), Token::parse(raw).is_ok(), "{raw:?}");
        }
    }
}

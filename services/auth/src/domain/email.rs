use email_address::{EmailAddress, Options};
use serde::{Deserialize, Serialize};
use utoipa::{
    PartialSchema, ToSchema,
    openapi::{
        KnownFormat, RefOr, SchemaFormat,
        schema::{Object, Schema, Type},
    },
};

/// A syntactically valid email address, trimmed and lower-cased so that
/// `Ann@Example.com ` and `ann@example.com` are the same account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub(crate) struct Email(String);

/// The longest address SMTP can deliver to.
const MAX_LENGTH: usize = 254;

impl Email {
    pub fn parse(raw: &str) -> Result<Self, httpkit::Error> {
        let normalised = raw.trim().to_lowercase();
        let options = Options {
            minimum_sub_domains: 2,
            allow_domain_literal: false,
            allow_display_text: false,
            ..Options::default()
        };
        if normalised.len() > MAX_LENGTH
            || EmailAddress::parse_with_options(&normalised, options).is_err()
        {
            return Err(httpkit::Error::invalid("email", "Email must be valid"));
        }
        Ok(Self(normalised))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What [`Email::parse`] accepts, as a schema.
impl PartialSchema for Email {
    fn schema() -> RefOr<Schema> {
        Object::builder()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Email)))
            .max_length(Some(MAX_LENGTH))
            .into()
    }
}

impl ToSchema for Email {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_lower_cased() {
        let email = Email::parse("  Ann@Example.COM ").unwrap();
        assert_eq!(email.as_str(), "ann@example.com");
    }

    #[test]
    fn malformed_emails_are_refused_with_the_field_named() {
        for raw in [
            "",
            "ann",
            "ann@",
            "@example.com",
            "ann@localhost",
            "Ann <ann@example.com>",
            "a b@example.com",
        ] {
            let error = Email::parse(raw).unwrap_err();
            assert!(
                matches!(&error, httpkit::Error::Validation(errors) if errors[0].field.as_deref() == Some("email")),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn overlong_emails_are_refused() {
        let raw = format!("{}@example.com", "a".repeat(250));
        assert!(Email::parse(&raw).is_err());
    }
}

use serde::{Deserialize, Serialize};
use utoipa::{
    PartialSchema, ToSchema,
    openapi::{
        RefOr,
        schema::{Object, Schema, Type},
    },
};

/// A ticket's title: trimmed, not empty, at most [`Title::MAX_CHARS`] characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub(crate) struct Title(String);

impl Title {
    pub const MAX_CHARS: usize = 120;

    pub fn parse(raw: &str) -> Result<Self, httpkit::Error> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(httpkit::Error::invalid("title", "Title is required"));
        }
        if trimmed.chars().count() > Self::MAX_CHARS {
            return Err(httpkit::Error::invalid(
                "title",
                format!("Title must be at most {} characters", Self::MAX_CHARS),
            ));
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What [`Title::parse`] accepts, as a schema: some non-blank character, and at most
/// [`Title::MAX_CHARS`] (surrounding blanks are trimmed before counting).
impl PartialSchema for Title {
    fn schema() -> RefOr<Schema> {
        Object::builder()
            .schema_type(Type::String)
            .pattern(Some(format!(
                r"^\s*\S([\s\S]{{0,{}}}\S)?\s*$",
                Self::MAX_CHARS - 2
            )))
            .into()
    }
}

impl ToSchema for Title {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_trimmed() {
        assert_eq!(Title::parse("  Concert A ").unwrap().as_str(), "Concert A");
    }

    #[test]
    fn blank_and_overlong_titles_are_refused() {
        assert!(Title::parse("   ").is_err());
        assert!(Title::parse(&"x".repeat(121)).is_err());
        assert!(
            Title::parse(&"é".repeat(120)).is_ok(),
            "counted in characters"
        );
    }
}

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use utoipa::{
    PartialSchema, ToSchema,
    openapi::{
        RefOr,
        schema::{Object, Schema, Type},
    },
};

use super::argon2id;

/// A password as typed at signup: 4 to 30 characters, kept exactly as typed.
pub(crate) struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 4;
    pub const MAX_CHARS: usize = 30;

    pub fn parse(raw: String) -> Result<Self, httpkit::Error> {
        let chars = raw.chars().count();
        if !(Self::MIN_CHARS..=Self::MAX_CHARS).contains(&chars) {
            return Err(httpkit::Error::invalid(
                "password",
                format!(
                    "Password must be between {} and {} characters",
                    Self::MIN_CHARS,
                    Self::MAX_CHARS
                ),
            ));
        }
        Ok(Self(raw))
    }

    /// Hashes with argon2id. Deliberately slow, so it runs off the request-serving
    /// threads (see [`super::hashing`]).
    pub async fn hash(self) -> Result<PasswordHash, httpkit::Error> {
        super::hashing::run(move || PasswordHash::compute(&self.0)).await?
    }
}

/// What [`Password::parse`] accepts, as a schema.
impl PartialSchema for Password {
    fn schema() -> RefOr<Schema> {
        Object::builder()
            .schema_type(Type::String)
            .min_length(Some(Self::MIN_CHARS))
            .max_length(Some(Self::MAX_CHARS))
            .into()
    }
}

impl ToSchema for Password {}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// An argon2id hash in PHC string form (algorithm, parameters and salt included).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub(crate) struct PasswordHash(String);

/// Checked against when the email is unknown, so that a wrong email costs as much
/// time as a wrong password and timing does not reveal which emails exist.
static DECOY: LazyLock<PasswordHash> = LazyLock::new(|| {
    PasswordHash::compute("decoy password that matches nothing")
        .expect("hashing a constant password")
});

impl PasswordHash {
    fn compute(password: &str) -> Result<Self, httpkit::Error> {
        argon2id::hash(password.as_bytes())
            .map(Self)
            .map_err(|error| httpkit::Error::unexpected(error.to_string()))
    }

    /// Whether `candidate` matches, checked off the request-serving threads. With no
    /// stored hash (unknown email) the decoy is checked and the answer is always no.
    pub async fn matches(stored: Option<Self>, candidate: String) -> Result<bool, httpkit::Error> {
        super::hashing::run(move || {
            let known = stored.is_some();
            let hash = stored.unwrap_or_else(|| DECOY.clone());
            let matched = argon2id::verify(&hash.0, candidate.as_bytes())
                .map_err(|error| httpkit::Error::unexpected(error.to_string()))?;
            Ok(known && matched)
        })
        .await?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_of_4_to_30_characters_are_accepted() {
        assert!(Password::parse("abcd".into()).is_ok());
        assert!(Password::parse("a".repeat(30)).is_ok());
        assert!(
            Password::parse("ünïcødé".into()).is_ok(),
            "counted in characters, not bytes"
        );
    }

    #[test]
    fn passwords_of_3_or_31_characters_are_refused() {
        assert!(Password::parse("abc".into()).is_err());
        assert!(Password::parse("a".repeat(31)).is_err());
    }

    #[tokio::test]
    async fn a_hash_matches_its_password_only() {
        let hash = Password::parse("secret-1".into())
            .unwrap()
            .hash()
            .await
            .unwrap();
        assert!(hash.0.starts_with("$argon2id$"));
        assert!(
            PasswordHash::matches(Some(hash.clone()), "secret-1".into())
                .await
                .unwrap()
        );
        assert!(
            !PasswordHash::matches(Some(hash), "secret-2".into())
                .await
                .unwrap()
        );
        assert!(
            !PasswordHash::matches(None, "decoy password that matches nothing".into())
                .await
                .unwrap()
        );
    }
}

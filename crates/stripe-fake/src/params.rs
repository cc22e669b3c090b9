//! Stripe's request bodies: form-encoded pairs whose keys nest with brackets
//! (`metadata[order_id]=…`, `payment_method_types[0]=card`, `card[number]=…`).

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};

use crate::errors::ApiError;

/// The parameters of one request, in the order they were sent.
#[derive(Debug, Default)]
pub(crate) struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    pub(crate) fn parse(body: &[u8]) -> Self {
        let pairs = form_urlencoded::parse(body).into_owned().collect();
        Self { pairs }
    }

    /// The pairs sorted, so that two encodings of the same parameters compare equal
    /// (async-stripe sends `metadata` from a `HashMap`, in no fixed order).
    pub(crate) fn canonical(&self) -> Vec<(String, String)> {
        let mut pairs = self.pairs.clone();
        pairs.sort();
        pairs
    }

    /// A scalar parameter; Stripe treats an empty value as not given.
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(name, value)| name == key && !value.is_empty())
            .map(|(_, value)| value.as_str())
    }

    pub(crate) fn required(&self, key: &str) -> Result<&str, ApiError> {
        self.get(key)
            .ok_or_else(|| ApiError::parameter_missing(key))
    }

    pub(crate) fn integer(&self, key: &str) -> Result<Option<i64>, ApiError> {
        self.get(key)
            .map(|value| {
                value.parse().map_err(|_| {
                    ApiError::parameter_invalid(
                        "parameter_invalid_integer",
                        key,
                        format!("Invalid integer: {value}"),
                    )
                })
            })
            .transpose()
    }

    /// `amount` when given: an integer of at least 1, in the currency's smallest unit.
    pub(crate) fn amount(&self) -> Result<Option<i64>, ApiError> {
        let amount = self.integer("amount")?;
        if amount.is_some_and(|amount| amount < 1) {
            return Err(ApiError::parameter_invalid(
                "parameter_invalid_integer",
                "amount",
                "This value must be greater than or equal to 1.",
            ));
        }
        Ok(amount)
    }

    pub(crate) fn boolean(&self, key: &str) -> Result<Option<bool>, ApiError> {
        self.get(key)
            .map(|value| match value {
                "true" => Ok(true),
                "false" => Ok(false),
                _ => Err(ApiError::parameter_invalid(
                    "parameter_invalid_boolean",
                    key,
                    format!("Invalid boolean: {value}"),
                )),
            })
            .transpose()
    }

    /// A hash such as `metadata[…]`: its keys and values (empty values unset a key).
    pub(crate) fn hash(&self, name: &str) -> BTreeMap<String, String> {
        let mut hash = BTreeMap::new();
        for (key, value) in &self.pairs {
            if let Some(field) = sub_key(key, name) {
                if value.is_empty() {
                    hash.remove(field);
                } else {
                    hash.insert(field.to_owned(), value.clone());
                }
            }
        }
        hash
    }

    /// The hashes of a hash, one field of each: for `capabilities[transfers][requested]=true`,
    /// `nested("capabilities", "requested")` has `transfers` → `true`.
    pub(crate) fn nested(&self, name: &str, field: &str) -> BTreeMap<String, String> {
        self.hash(name)
            .into_iter()
            .filter_map(|(key, value)| {
                // `hash` took off the outer brackets: `transfers][requested`.
                let inner = key.strip_suffix(field)?.strip_suffix("][")?;
                Some((inner.to_owned(), value))
            })
            .collect()
    }

    /// A list sent as `name[]=…` or `name[0]=…`, in index order.
    pub(crate) fn list(&self, name: &str) -> Vec<String> {
        let mut items: Vec<(Option<usize>, &str)> = self
            .pairs
            .iter()
            .filter_map(|(key, value)| {
                let index = sub_key(key, name)?;
                Some((index.parse().ok(), value.as_str()))
            })
            .collect();
        // A stable sort keeps `name[]` items in the order they were sent.
        items.sort_by_key(|(index, _)| *index);
        items
            .into_iter()
            .map(|(_, value)| value.to_owned())
            .collect()
    }
}

/// `field` when `key` is `name[field]`.
fn sub_key<'a>(key: &'a str, name: &str) -> Option<&'a str> {
    key.strip_prefix(name)?.strip_prefix('[')?.strip_suffix(']')
}

impl<S: Send + Sync> FromRequest<S> for Params {
    type Rejection = <Bytes as FromRequest<S>>::Rejection;

    /// Reads the body whatever its declared content type: a POST without parameters
    /// may come with none.
    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let body = Bytes::from_request(request, state).await?;
        Ok(Self::parse(&body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bracket_keys_nest() {
        let params = Params::parse(
            b"amount=2500&metadata%5Border_id%5D=o1&metadata[user]=u%201\
              &payment_method_types[1]=link&payment_method_types[0]=card&description=",
        );
        assert_eq!(params.integer("amount").unwrap(), Some(2500));
        assert_eq!(params.get("description"), None);
        let metadata = params.hash("metadata");
        assert_eq!(metadata.get("order_id").map(String::as_str), Some("o1"));
        assert_eq!(metadata.get("user").map(String::as_str), Some("u 1"));
        assert_eq!(params.list("payment_method_types"), ["card", "link"]);
    }

    #[test]
    fn hashes_nest_in_hashes() {
        let params = Params::parse(
            b"capabilities[transfers][requested]=true&capabilities[card_payments][requested]=false\
              &capabilities[transfers][other]=x",
        );
        let requested = params.nested("capabilities", "requested");
        assert_eq!(
            requested.into_iter().collect::<Vec<_>>(),
            [
                ("card_payments".to_owned(), "false".to_owned()),
                ("transfers".to_owned(), "true".to_owned())
            ]
        );
    }

    #[test]
    fn order_does_not_change_the_canonical_form() {
        let one = Params::parse(b"metadata[a]=1&metadata[b]=2&amount=5");
        let other = Params::parse(b"amount=5&metadata[b]=2&metadata[a]=1");
        assert_eq!(one.canonical(), other.canonical());
    }

    #[test]
    fn malformed_values_are_rejected() {
        let params = Params::parse(b"amount=ten&confirm=yes");
        assert!(params.integer("amount").is_err());
        assert!(params.boolean("confirm").is_err());
        assert!(params.required("currency").is_err());
    }
}

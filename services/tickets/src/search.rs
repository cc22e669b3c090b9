//! Searching the listing: the words of a title as the index keeps them, and the
//! `q`, `minPrice` and `maxPrice` query parameters.
//!
//! A title's words are kept with the ticket (`words`), folded: lowercase, accents
//! dropped (Unicode decomposition, then without its combining marks), split at
//! anything that is not a letter or a digit. A search folds its words the same way
//! and finds the tickets that have every one of them.

use httpkit::Error;
use marketplace::money::Price;
use serde::Deserialize;
use unicode_normalization::{UnicodeNormalization, char::is_combining_mark};
use utoipa::IntoParams;

/// The distinct folded words of `text`, in the order they first appear.
pub(crate) fn words(text: &str) -> Vec<String> {
    let folded: String = text
        .nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect();
    let mut words: Vec<String> = Vec::new();
    for word in folded.split(|c: char| !c.is_alphanumeric()) {
        if !word.is_empty() && !words.iter().any(|seen| seen == word) {
            words.push(word.to_owned());
        }
    }
    words
}

/// The most words a search may have; a title has at most 120 characters anyway.
const MAX_SEARCH_WORDS: usize = 10;

/// The search and filter parameters of `GET /api/tickets`, as they arrive.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SearchParams {
    /// Words of the title, all of which a ticket's title must have (case and
    /// accents do not matter).
    #[param(max_length = 200)]
    q: Option<String>,
    /// The lowest price shown, in the currency's main unit.
    #[param(value_type = Option<f64>, minimum = 0)]
    min_price: Option<String>,
    /// The highest price shown, in the currency's main unit.
    #[param(value_type = Option<f64>, minimum = 0)]
    max_price: Option<String>,
}

/// What a visitor searches the listing for; the default finds every ticket.
#[derive(Debug, Default, Clone)]
pub(crate) struct Search {
    /// Folded words, each of which a title must have.
    pub words: Vec<String>,
    pub min_cents: Option<i64>,
    pub max_cents: Option<i64>,
}

impl SearchParams {
    pub(crate) fn parse(self) -> Result<Search, Error> {
        let q = self.q.unwrap_or_default();
        if q.chars().count() > 200 {
            return Err(Error::invalid("q", "Search at most 200 characters"));
        }
        let words = words(&q);
        if words.len() > MAX_SEARCH_WORDS {
            return Err(Error::invalid(
                "q",
                format!("Search for at most {MAX_SEARCH_WORDS} words"),
            ));
        }
        let min_cents = cents_of(self.min_price.as_deref(), "minPrice")?;
        let max_cents = cents_of(self.max_price.as_deref(), "maxPrice")?;
        if let (Some(min), Some(max)) = (min_cents, max_cents)
            && min > max
        {
            return Err(Error::invalid(
                "minPrice",
                "minPrice must not be more than maxPrice",
            ));
        }
        Ok(Search {
            words,
            min_cents,
            max_cents,
        })
    }
}

/// A price bound in whole cents, rounded to the nearest; blank is no bound.
fn cents_of(raw: Option<&str>, field: &str) -> Result<Option<i64>, Error> {
    let Some(raw) = raw.map(str::trim).filter(|raw| !raw.is_empty()) else {
        return Ok(None);
    };
    let max_amount = (Price::MAX_CENTS / 100) as f64;
    raw.parse::<f64>()
        .ok()
        .filter(|amount| amount.is_finite() && (0.0..=max_amount).contains(amount))
        .map(|amount| Some((amount * 100.0).round() as i64))
        .ok_or_else(|| {
            Error::invalid(
                field,
                format!("{field} must be an amount from 0 to {max_amount}"),
            )
        })
}

impl Search {
    /// Whether a ticket with these title words and price is one the search finds.
    pub(crate) fn finds(&self, title_words: &[String], price: Price) -> bool {
        let cents = price.cents();
        self.words.iter().all(|word| title_words.contains(word))
            && self.min_cents.is_none_or(|min| cents >= min)
            && self.max_cents.is_none_or(|max| cents <= max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_folded_to_lowercase_without_accents() {
        assert_eq!(
            words("Beyoncé — RENAISSANCE World Tour, Zürich 2026!"),
            ["beyonce", "renaissance", "world", "tour", "zurich", "2026"]
        );
        assert_eq!(words("Ça va, ÇA VA"), ["ca", "va"]);
        assert!(words(" ,;- ").is_empty());
    }

    #[test]
    fn a_search_finds_titles_with_every_word_within_the_prices() {
        let search = SearchParams {
            q: Some("ZURICH tour".into()),
            min_price: Some("10".into()),
            max_price: Some("20.5".into()),
        }
        .parse()
        .unwrap();
        let title = words("World Tour, Zürich");
        let price = |amount| Price::from_amount(amount).unwrap();
        assert!(search.finds(&title, price(20.5)));
        assert!(!search.finds(&title, price(20.51)));
        assert!(!search.finds(&title, price(9.99)));
        assert!(!search.finds(&words("World Tour, Basel"), price(15.0)));
    }

    #[test]
    fn bad_bounds_are_refused() {
        let parse = |min: &str, max: &str| {
            SearchParams {
                q: None,
                min_price: Some(min.into()),
                max_price: Some(max.into()),
            }
            .parse()
        };
        assert!(parse("-1", "").is_err());
        assert!(parse("ten", "").is_err());
        assert!(parse("NaN", "").is_err());
        assert!(parse("30", "20").is_err());
        assert!(parse("", "").is_ok());
    }
}

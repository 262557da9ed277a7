//! What a user asks: who requests, from where, which data, how urgently, on which date.
//!
//! The edges (CLI flags, HTTP query strings) hand raw text to [`Query::parse`], which turns
//! every mistake into a [`QueryError`] that says which field was wrong and, for a country,
//! which codes were probably meant.

use std::fmt;

use accord_core::country::{self, CountryCode};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::vocabulary::DataCategory;

/// A pathway question between two states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Query {
    /// The requesting state.
    pub from: CountryCode,
    /// The state where the data or the provider is.
    pub to: CountryCode,
    /// The data asked for.
    pub data: DataCategory,
    /// Danger to life or similar urgency.
    pub emergency: bool,
    /// The date the answer is for (the law as it stood that day).
    pub on: Date,
}

/// Which input field a [`QueryError`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Field {
    /// The requesting state (`--from`, `from=`).
    From,
    /// The requested state (`--to`, `to=`).
    To,
    /// The attacker's state in the three-state scenario.
    Attacker,
    /// The state whose computer was used, in the three-state scenario.
    Via,
    /// The victim's state in the three-state scenario.
    Victim,
    /// The data category.
    Data,
    /// The date.
    On,
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Field::From => "from",
            Field::To => "to",
            Field::Attacker => "attacker",
            Field::Via => "via",
            Field::Victim => "victim",
            Field::Data => "data",
            Field::On => "on",
        })
    }
}

/// Why a question could not be asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    /// The text is not an assigned ISO 3166-1 alpha-2 code.
    #[error("{field}: {input:?} is not an ISO 3166-1 alpha-2 country code{}", suggestion_text(.suggestions))]
    UnknownCountry {
        /// Which field.
        field: Field,
        /// What was given.
        input: String,
        /// Close assigned codes, best first (may be empty).
        suggestions: Vec<CountryCode>,
    },
    /// The text names no data category.
    #[error(
        "{field}: {input:?} is not a data category; expected subscriber, identification, traffic, content or domain"
    )]
    UnknownCategory {
        /// Which field.
        field: Field,
        /// What was given.
        input: String,
    },
    /// The text is not a calendar date.
    #[error("{field}: {input:?} is not a date (expected YYYY-MM-DD): {reason}")]
    BadDate {
        /// Which field.
        field: Field,
        /// What was given.
        input: String,
        /// What the date parser reported.
        reason: String,
    },
}

fn suggestion_text(suggestions: &[CountryCode]) -> String {
    if suggestions.is_empty() {
        String::new()
    } else {
        let list: Vec<String> = suggestions
            .iter()
            .map(|c| format!("{c} ({})", c.name()))
            .collect();
        format!("; did you mean {}?", list.join(", "))
    }
}

/// Parses a country code for `field`, suggesting close codes when it is wrong.
pub fn parse_country(field: Field, input: &str) -> Result<CountryCode, QueryError> {
    CountryCode::parse(input.trim()).map_err(|_| QueryError::UnknownCountry {
        field,
        input: input.to_owned(),
        suggestions: country::suggest(input),
    })
}

/// Parses a data category for `field`.
pub fn parse_category(field: Field, input: &str) -> Result<DataCategory, QueryError> {
    input.parse().map_err(|_| QueryError::UnknownCategory {
        field,
        input: input.to_owned(),
    })
}

/// Parses a `YYYY-MM-DD` date for `field`.
pub fn parse_date(field: Field, input: &str) -> Result<Date, QueryError> {
    input
        .trim()
        .parse::<Date>()
        .map_err(|e| QueryError::BadDate {
            field,
            input: input.to_owned(),
            reason: e.to_string(),
        })
}

impl Query {
    /// Builds a query from raw text, as the CLI and the HTTP API receive it. `on` is the date
    /// the answer is for; the caller supplies "today" when the user gave none, since this
    /// crate does not read the clock.
    pub fn parse(
        from: &str,
        to: &str,
        data: &str,
        emergency: bool,
        on: &str,
    ) -> Result<Query, QueryError> {
        Ok(Query {
            from: parse_country(Field::From, from)?,
            to: parse_country(Field::To, to)?,
            data: parse_category(Field::Data, data)?,
            emergency,
            on: parse_date(Field::On, on)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uk_is_refused_with_gb_suggested() {
        let err = Query::parse("UK", "US", "content", false, "2026-11-29").unwrap_err();
        match &err {
            QueryError::UnknownCountry {
                field, suggestions, ..
            } => {
                assert_eq!(*field, Field::From);
                assert_eq!(suggestions[0].as_str(), "GB");
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(err.to_string().contains("did you mean GB"));
    }

    #[test]
    fn a_country_name_suggests_its_code() {
        let err = parse_country(Field::To, "France").unwrap_err();
        assert!(
            matches!(err, QueryError::UnknownCountry { ref suggestions, .. }
            if suggestions.iter().any(|c| c.as_str() == "FR"))
        );
    }

    #[test]
    fn bad_dates_and_categories_name_their_field() {
        let err = Query::parse("FR", "US", "subscriber", false, "2026-02-30").unwrap_err();
        assert!(matches!(
            err,
            QueryError::BadDate {
                field: Field::On,
                ..
            }
        ));
        let err = Query::parse("FR", "US", "emails", false, "2026-01-01").unwrap_err();
        assert!(matches!(
            err,
            QueryError::UnknownCategory {
                field: Field::Data,
                ..
            }
        ));
    }
}

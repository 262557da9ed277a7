//! ISO 3166-1 alpha-2 country codes.
//!
//! States are identified by their alpha-2 code everywhere in Accord (party ids, victim and
//! jurisdiction fields, legal-instrument parties). A [`CountryCode`] can only hold a code that
//! ISO 3166-1 assigns, so a typo is caught where the data enters, with suggestions.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An ISO 3166-1 alpha-2 code of an existing country, always upper case (`FR`, `US`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CountryCode([u8; 2]);

/// Why a string is not a country code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CountryError {
    /// The text is not two ASCII letters.
    #[error("{input:?} is not an ISO 3166-1 alpha-2 code (expected two letters, e.g. \"FR\")")]
    Malformed {
        /// The text that was given.
        input: String,
    },
    /// Two letters, but ISO 3166-1 assigns them to no country.
    #[error("{input:?} is not an assigned ISO 3166-1 alpha-2 code{}", suggestion_text(.suggestions))]
    Unassigned {
        /// The text that was given.
        input: String,
        /// Assigned codes close to the input, best first.
        suggestions: Vec<CountryCode>,
    },
}

fn suggestion_text(suggestions: &[CountryCode]) -> String {
    if suggestions.is_empty() {
        String::new()
    } else {
        let list: Vec<String> = suggestions
            .iter()
            .map(|c| format!("{} ({})", c, c.name()))
            .collect();
        format!("; did you mean {}?", list.join(", "))
    }
}

impl CountryCode {
    /// Parses a code, accepting either case; rejects codes ISO 3166-1 does not assign.
    pub fn parse(input: &str) -> Result<Self, CountryError> {
        let bytes = input.as_bytes();
        if bytes.len() != 2 || !bytes.iter().all(u8::is_ascii_alphabetic) {
            return Err(CountryError::Malformed {
                input: input.to_owned(),
            });
        }
        let upper = [bytes[0].to_ascii_uppercase(), bytes[1].to_ascii_uppercase()];
        let assigned = celes::Country::get_countries()
            .iter()
            .any(|c| c.alpha2.as_bytes() == upper);
        if assigned {
            Ok(CountryCode(upper))
        } else {
            Err(CountryError::Unassigned {
                input: input.to_owned(),
                suggestions: suggest(input),
            })
        }
    }

    /// The code as text, e.g. `"FR"`.
    pub fn as_str(&self) -> &str {
        // Only ASCII letters are ever stored, so this cannot fail.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }

    /// The country's English name from ISO 3166-1, in sentence case ("United Kingdom of
    /// Great Britain and Northern Ireland", "Korea, Republic of").
    pub fn name(&self) -> String {
        let raw = celes::Country::get_countries()
            .iter()
            .find(|c| c.alpha2.as_bytes() == self.0)
            .map(|c| c.long_name)
            .unwrap_or("unknown");
        // The table title-cases every word ("The United States Of America"): drop a leading
        // article and lower-case the small words, as ISO writes them.
        let raw = raw.strip_prefix("The ").unwrap_or(raw);
        raw.split(' ')
            .enumerate()
            .map(|(i, w)| match w {
                "Of" | "And" | "The" | "Da" | "De" | "Du" | "Des" if i > 0 => w.to_lowercase(),
                _ => w.to_owned(),
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Every assigned alpha-2 code, in alphabetical order.
    pub fn all() -> Vec<CountryCode> {
        let mut all: Vec<CountryCode> = celes::Country::get_countries()
            .iter()
            .filter_map(|c| {
                let b = c.alpha2.as_bytes();
                (b.len() == 2).then(|| CountryCode([b[0], b[1]]))
            })
            .collect();
        all.sort();
        all.dedup();
        all
    }
}

/// Assigned codes that are close to `input`: a code one letter away, or a country whose name
/// starts with the input. Best matches first, at most five.
pub fn suggest(input: &str) -> Vec<CountryCode> {
    let needle = input.trim().to_ascii_uppercase();
    let mut scored: Vec<(u8, CountryCode)> = Vec::new();
    // ISO 3166/MA "exceptionally reserved" codes that people use for a country in place of its
    // assigned code (UK for GB, EL for GR): suggest the assigned code first.
    for (reserved, assigned) in [("UK", *b"GB"), ("EL", *b"GR")] {
        if needle == reserved {
            scored.push((0, CountryCode(assigned)));
        }
    }
    for code in CountryCode::all() {
        let text = code.as_str();
        let score = if needle.len() == 2 {
            let diff = text
                .bytes()
                .zip(needle.bytes())
                .filter(|(a, b)| a != b)
                .count();
            // A swapped pair ("RF" for "FR") is as likely a typo as one wrong letter.
            let swapped = needle.bytes().rev().eq(text.bytes());
            match (diff, swapped) {
                (_, true) => Some(1),
                // Keeping the first letter is the likelier typo.
                (1, _) if text.as_bytes()[0] == needle.as_bytes()[0] => Some(2),
                (1, _) => Some(3),
                _ => None,
            }
        } else if needle.len() > 2 && code.name().to_ascii_uppercase().starts_with(&needle) {
            Some(1)
        } else {
            None
        };
        if let Some(s) = score {
            scored.push((s, code));
        }
    }
    scored.sort();
    scored.into_iter().take(5).map(|(_, c)| c).collect()
}

impl FromStr for CountryCode {
    type Err = CountryError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CountryCode::parse(s)
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CountryCode({})", self.as_str())
    }
}

impl Serialize for CountryCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for CountryCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        CountryCode::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_assigned_codes_in_any_case() {
        assert_eq!(CountryCode::parse("fr").unwrap().as_str(), "FR");
        assert_eq!(
            CountryCode::parse("US").unwrap().name(),
            "United States of America"
        );
        assert_eq!(
            CountryCode::parse("GB").unwrap().name(),
            "United Kingdom of Great Britain and Northern Ireland"
        );
    }

    #[test]
    fn rejects_malformed_and_unassigned() {
        assert!(matches!(
            CountryCode::parse("FRA"),
            Err(CountryError::Malformed { .. })
        ));
        assert!(matches!(
            CountryCode::parse("F1"),
            Err(CountryError::Malformed { .. })
        ));
        let err = CountryCode::parse("UK").unwrap_err();
        let CountryError::Unassigned { suggestions, .. } = &err else {
            panic!("expected Unassigned, got {err:?}");
        };
        assert_eq!(suggestions[0].as_str(), "GB", "{suggestions:?}");
        assert!(
            suggestions.iter().any(|c| c.as_str() == "UA"),
            "{suggestions:?}"
        );
        assert!(err.to_string().contains("did you mean"));
    }

    #[test]
    fn swapped_letters_are_suggested_first() {
        assert_eq!(suggest("RF")[0].as_str(), "FR");
    }

    #[test]
    fn serde_round_trip_and_rejection() {
        let c: CountryCode = serde_json::from_str("\"de\"").unwrap();
        assert_eq!(serde_json::to_string(&c).unwrap(), "\"DE\"");
        assert!(serde_json::from_str::<CountryCode>("\"ZZ\"").is_err());
    }
}

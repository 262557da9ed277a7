//! Where a fact comes from, and how far it has been checked.
//!
//! Every fact Accord ships or records carries a [`Source`]: a URL, the date the source reflects
//! (its as-of date) and a [`Verification`] level. The level is shown wherever the fact is.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::date::FuzzyDate;
use crate::validate::Problems;

/// How far a fact has been checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Verification {
    /// Read on an authoritative page: government, court, regulator, the victim, the vendor's
    /// primary report, the official site's data.
    Verified,
    /// Read only in a secondary source: news, blog, encyclopedia, a copy on another host.
    Secondary,
    /// Not confirmed in any page read; shown as such wherever it is used.
    Unverified,
}

impl Verification {
    /// The level's name as written in data files and shown to users.
    pub fn as_str(self) -> &'static str {
        match self {
            Verification::Verified => "verified",
            Verification::Secondary => "secondary",
            Verification::Unverified => "unverified",
        }
    }
}

impl fmt::Display for Verification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The provenance of one fact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// Where the fact was read. Absent only for unverified facts that no page confirmed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// A human-readable name for the source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The date the source reflects (when it was read, or the date it states).
    pub as_of: FuzzyDate,
    /// How far the fact has been checked.
    pub verification: Verification,
    /// Caveats: conflicts with other sources, where the primary text lives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Source {
    /// Checks the source, reporting problems under `path`.
    pub fn validate(&self, path: &str, problems: &mut Problems) {
        match &self.url {
            Some(url) => {
                let ok = url.starts_with("https://") || url.starts_with("http://");
                if !ok || url.contains(char::is_whitespace) || url.len() < 12 {
                    problems.push(
                        format!("{path}.url"),
                        format!("{url:?} is not an http(s) URL"),
                    );
                }
            }
            None if self.verification != Verification::Unverified => problems.push(
                format!("{path}.url"),
                format!(
                    "a {} fact needs the URL it was read at; only unverified facts may omit it",
                    self.verification
                ),
            ),
            None => {}
        }
    }
}

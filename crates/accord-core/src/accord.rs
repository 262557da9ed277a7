//! The accord itself: its launch, its principles, and how many supported it over time.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::date::FuzzyDate;
use crate::source::Source;
use crate::validate::{Problems, check_slug};

/// A principle's number within its accord, written `P1`…`P9` for the Paris Call.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PrincipleId(pub u8);

impl PrincipleId {
    /// Parses `P3` or `p3` (also a bare `3`).
    pub fn parse(s: &str) -> Option<Self> {
        let digits = s.strip_prefix(['P', 'p']).unwrap_or(s);
        let n: u8 = digits.parse().ok()?;
        (n >= 1 && digits.len() <= 2 && !digits.starts_with('0')).then_some(PrincipleId(n))
    }
}

impl fmt::Display for PrincipleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "P{}", self.0)
    }
}

impl fmt::Debug for PrincipleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "P{}", self.0)
    }
}

impl FromStr for PrincipleId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PrincipleId::parse(s)
            .ok_or_else(|| format!("{s:?} is not a principle id (expected P1, P2, …)"))
    }
}

impl Serialize for PrincipleId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PrincipleId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// One of the accord's principles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Principle {
    /// Its number, `P1`…
    pub id: PrincipleId,
    /// Its short name, e.g. "Protect individuals and infrastructure".
    pub short_name: String,
    /// What it asks, in one sentence.
    pub gist: String,
    /// Where the wording was read.
    pub source: Source,
}

/// A published count of the accord's supporters at some date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SupporterCount {
    /// What the count describes ("at launch", "latest on the Paris Peace Forum page").
    pub label: String,
    /// When the count applies, if the source says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<FuzzyDate>,
    /// Total supporters, as the source words it (">1,200").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<String>,
    /// Supporting states, as the source words it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub states: Option<String>,
    /// Supporting companies (private sector).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub companies: Option<String>,
    /// Supporting civil-society organisations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub civil_society: Option<String>,
    /// Where the count was read.
    pub source: Source,
}

/// The accord: what it is, when it started, its principles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Accord {
    /// Stable id, e.g. `paris-call`.
    pub id: String,
    /// Full name.
    pub name: String,
    /// When it was launched.
    pub launched: FuzzyDate,
    /// Where and by whom it was launched.
    pub venue: String,
    /// What it is, in a few sentences.
    pub summary: String,
    /// Where the launch facts were read.
    pub sources: Vec<Source>,
    /// Its principles in order.
    pub principles: Vec<Principle>,
    /// Published supporter counts over time.
    #[serde(default)]
    pub supporter_counts: Vec<SupporterCount>,
}

impl Accord {
    /// Looks up a principle by id.
    pub fn principle(&self, id: PrincipleId) -> Option<&Principle> {
        self.principles.iter().find(|p| p.id == id)
    }

    /// Checks the accord record, reporting every problem.
    pub fn validate(&self) -> Problems {
        let mut p = Problems::new();
        check_slug("id", &self.id, &mut p);
        p.require_text("name", &self.name);
        p.require_text("summary", &self.summary);
        if self.sources.is_empty() {
            p.push("sources", "at least one source is required");
        }
        for (i, s) in self.sources.iter().enumerate() {
            s.validate(&format!("sources[{i}]"), &mut p);
        }
        for (i, pr) in self.principles.iter().enumerate() {
            let path = format!("principles[{i}]");
            if usize::from(pr.id.0) != i + 1 {
                p.push(
                    format!("{path}.id"),
                    format!("expected P{}, found {}", i + 1, pr.id),
                );
            }
            p.require_text(&format!("{path}.short_name"), &pr.short_name);
            p.require_text(&format!("{path}.gist"), &pr.gist);
            pr.source.validate(&format!("{path}.source"), &mut p);
        }
        for (i, c) in self.supporter_counts.iter().enumerate() {
            c.source
                .validate(&format!("supporter_counts[{i}].source"), &mut p);
        }
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principle_ids() {
        assert_eq!(PrincipleId::parse("P3"), Some(PrincipleId(3)));
        assert_eq!(PrincipleId::parse("p9"), Some(PrincipleId(9)));
        assert_eq!(PrincipleId::parse("P0"), None);
        assert_eq!(PrincipleId::parse("P03"), None);
        assert_eq!(PrincipleId::parse("X3"), None);
        assert_eq!(PrincipleId(4).to_string(), "P4");
    }
}

//! Parties: the states, companies, organisations and public authorities that support the
//! accord, stay out of it, or appear in its incident record.

use std::fmt;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::country::CountryCode;
use crate::date::FuzzyDate;
use crate::source::Source;
use crate::validate::{Problems, check_slug};

/// What kind of party this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PartyKind {
    /// A state, identified by its ISO 3166-1 alpha-2 code.
    State,
    /// A company (the official list's "private-sector").
    Company,
    /// A civil-society body: an NGO, association, think tank, university, foundation.
    CivilSociety,
    /// A public authority below the state (a federated state, a city, a regulator, an agency).
    PublicAuthority,
    /// An international organisation (the European Union, INTERPOL).
    InternationalOrganisation,
    /// An organisation the sources place in no narrower kind: the hub operator, and the
    /// supporters the official list leaves uncategorised.
    Organisation,
}

impl PartyKind {
    /// Every kind, in the order lists show them.
    pub const ALL: [PartyKind; 6] = [
        PartyKind::State,
        PartyKind::Company,
        PartyKind::CivilSociety,
        PartyKind::PublicAuthority,
        PartyKind::InternationalOrganisation,
        PartyKind::Organisation,
    ];

    /// The kind's name as written in data files.
    pub fn as_str(self) -> &'static str {
        match self {
            PartyKind::State => "state",
            PartyKind::Company => "company",
            PartyKind::CivilSociety => "civil_society",
            PartyKind::PublicAuthority => "public_authority",
            PartyKind::InternationalOrganisation => "international_organisation",
            PartyKind::Organisation => "organisation",
        }
    }

    /// The kind's name for people ("civil society").
    pub fn label(self) -> &'static str {
        match self {
            PartyKind::State => "state",
            PartyKind::Company => "company",
            PartyKind::CivilSociety => "civil society",
            PartyKind::PublicAuthority => "public authority",
            PartyKind::InternationalOrganisation => "international organisation",
            PartyKind::Organisation => "other organisation",
        }
    }

    /// The kind named `name` (as in data files), if any.
    pub fn parse(name: &str) -> Option<PartyKind> {
        PartyKind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// The kinds' names, comma-separated, for error messages.
    pub fn names() -> String {
        PartyKind::ALL.map(PartyKind::as_str).join(", ")
    }
}

impl fmt::Display for PartyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How the `since` date of a [`Support`] is to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SinceMeaning {
    /// The date the party joined, as announced.
    Joined,
    /// The date the party was first seen listed as a supporter: it joined on or before it.
    FirstSeenUpperBound,
}

/// A party's support of the accord.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Support {
    /// When the party is known to support the accord.
    pub since: FuzzyDate,
    /// Whether `since` is the joining date or only an upper bound for it.
    pub since_meaning: SinceMeaning,
    /// When support was withdrawn, if ever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<FuzzyDate>,
    /// How the party joined, if the source says (an announcement, who made it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub how: Option<String>,
    /// Set when the official list once named the party and no longer does: the date of the
    /// list that no longer names it. When it left the list is not known, and leaving the list
    /// is not a withdrawal on record (see [`SupportStatus::FormerlyListed`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unlisted_by: Option<FuzzyDate>,
    /// Where the support was read.
    pub source: Source,
}

impl Support {
    /// A short human explanation of the date, honest about first-seen bounds.
    pub fn since_text(&self) -> String {
        match self.since_meaning {
            SinceMeaning::Joined => format!("joined {}", self.since),
            SinceMeaning::FirstSeenUpperBound => match &self.unlisted_by {
                None => format!(
                    "listed as a supporter by {} (first seen on the official site; it may have joined earlier)",
                    self.since
                ),
                Some(u) => format!(
                    "listed as a supporter by {}; no longer listed on the official site by {u} (when it left the list is not known)",
                    self.since
                ),
            },
        }
    }
}

/// A record that the party stayed out of the accord at its launch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Absence {
    /// Context from the source ("absent at launch; administration declined").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Where the absence was read.
    pub source: Source,
}

/// How the official supporters list names a party, kept as listed so that the mapping to
/// Accord's fields (kind, nationality) can be audited.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Listing {
    /// The name exactly as listed (state names are in French: "Allemagne").
    pub name: String,
    /// The list's category (`state`, `private-sector`, `civil-society`, `public-authority`),
    /// absent where the list gives none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// The list's French label of the party's nature ("Think tank", "Etat fédéré").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nature: Option<String>,
    /// The nationality as the list writes it (mostly ISO 3166-1 alpha-3, some retired codes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nationality: Option<String>,
}

/// A party to the accord's record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Party {
    /// Stable id: the ISO alpha-2 code for a state (`FR`), a slug otherwise (`european-union`).
    pub id: String,
    /// Display name.
    pub name: String,
    /// What kind of party.
    pub kind: PartyKind,
    /// The state's code, or the country where a company or organisation is based.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<CountryCode>,
    /// Its support of the accord, if it supports it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub support: Option<Support>,
    /// Set when a source records the party as absent at the accord's launch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub absent_at_launch: Option<Absence>,
    /// How the official supporters list names the party, when it does or did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listing: Option<Listing>,
}

/// Where a party stands on the accord at a given date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum SupportStatus {
    /// Supports the accord.
    Supporter,
    /// Supported it, then withdrew.
    Withdrawn,
    /// Listed as a supporter by its `since` date, and no longer on the official list by its
    /// `unlisted_by` date. The list records no withdrawal, and when the party left it is not
    /// known, so this is neither "supporter" nor "withdrawn".
    FormerlyListed,
    /// Not (yet) a supporter.
    NonSupporter,
}

impl SupportStatus {
    /// The status's name as shown to users.
    pub fn as_str(self) -> &'static str {
        match self {
            SupportStatus::Supporter => "supporter",
            SupportStatus::Withdrawn => "withdrawn",
            SupportStatus::FormerlyListed => "formerly-listed",
            SupportStatus::NonSupporter => "non-supporter",
        }
    }

    /// The status's name for people ("formerly listed").
    pub fn label(self) -> &'static str {
        match self {
            SupportStatus::FormerlyListed => "formerly listed",
            s => s.as_str(),
        }
    }

    /// Every status, in the order lists show them.
    pub const ALL: [SupportStatus; 4] = [
        SupportStatus::Supporter,
        SupportStatus::FormerlyListed,
        SupportStatus::Withdrawn,
        SupportStatus::NonSupporter,
    ];

    /// The status named `name` (as shown to users), if any.
    pub fn parse(name: &str) -> Option<SupportStatus> {
        SupportStatus::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// The statuses' names, comma-separated, for error messages.
    pub fn names() -> String {
        SupportStatus::ALL.map(SupportStatus::as_str).join(", ")
    }
}

impl Party {
    /// A state the record names that is not in the registry: no support, no absence on record.
    /// Scorecards use it so that every state in the record has one.
    pub fn unregistered_state(code: CountryCode) -> Party {
        Party {
            id: code.to_string(),
            name: code.name().to_owned(),
            kind: PartyKind::State,
            country: Some(code),
            support: None,
            absent_at_launch: None,
            listing: None,
        }
    }

    /// The party's status on `date`: a supporter from the latest day its `since` may mean. A
    /// party no longer on the official list is "formerly listed" from that day on: when it
    /// left is unknown, so no day after `since` can honestly be called a supporter's.
    pub fn status_on(&self, date: Date) -> SupportStatus {
        match &self.support {
            Some(s) if s.withdrawn.is_some_and(|w| w.earliest() <= date) => {
                SupportStatus::Withdrawn
            }
            Some(s) if s.unlisted_by.is_some() && s.since.latest() <= date => {
                SupportStatus::FormerlyListed
            }
            Some(s) if s.since.latest() <= date => SupportStatus::Supporter,
            _ => SupportStatus::NonSupporter,
        }
    }

    /// Checks the party record, reporting every problem.
    pub fn validate(&self) -> Problems {
        let mut p = Problems::new();
        p.require_text("name", &self.name);
        match self.kind {
            PartyKind::State => match &self.country {
                Some(c) if c.as_str() == self.id => {}
                Some(c) => p.push(
                    "id",
                    format!(
                        "a state's id must be its ISO 3166-1 alpha-2 code {c}, found {:?}",
                        self.id
                    ),
                ),
                None => p.push(
                    "country",
                    "a state needs its ISO 3166-1 alpha-2 country code",
                ),
            },
            _ => check_slug("id", &self.id, &mut p),
        }
        if let Some(s) = &self.support {
            s.source.validate("support.source", &mut p);
            if let Some(w) = &s.withdrawn
                && w.certainly_before(&s.since)
            {
                p.push(
                    "support.withdrawn",
                    format!("withdrawn {w} is before support since {}", s.since),
                );
            }
            if let Some(u) = &s.unlisted_by
                && u.certainly_before(&s.since)
            {
                p.push(
                    "support.unlisted_by",
                    format!("unlisted by {u} is before support since {}", s.since),
                );
            }
        }
        if let Some(l) = &self.listing {
            p.require_text("listing.name", &l.name);
        }
        if let Some(a) = &self.absent_at_launch {
            a.source.validate("absent_at_launch.source", &mut p);
        }
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Verification;

    fn src() -> Source {
        Source {
            url: Some("https://pariscall.international/en/supporters".into()),
            title: None,
            as_of: FuzzyDate::parse("2026-11").unwrap(),
            verification: Verification::Verified,
            note: None,
        }
    }

    fn state(id: &str, country: &str) -> Party {
        Party {
            id: id.into(),
            name: "France".into(),
            kind: PartyKind::State,
            country: Some(CountryCode::parse(country).unwrap()),
            support: Some(Support {
                since: FuzzyDate::parse("2019-09-16").unwrap(),
                since_meaning: SinceMeaning::FirstSeenUpperBound,
                withdrawn: None,
                how: None,
                unlisted_by: None,
                source: src(),
            }),
            absent_at_launch: None,
            listing: None,
        }
    }

    #[test]
    fn state_id_must_be_its_code() {
        assert!(state("FR", "FR").validate().is_empty());
        let p = state("france", "FR").validate();
        assert_eq!(p.0[0].path, "id");
        let mut no_country = state("FR", "FR");
        no_country.country = None;
        assert_eq!(no_country.validate().0[0].path, "country");
    }

    #[test]
    fn non_state_ids_are_slugs() {
        let mut eu = state("European Union", "FR");
        eu.kind = PartyKind::InternationalOrganisation;
        eu.country = None;
        assert_eq!(eu.validate().0[0].path, "id");
        eu.id = "european-union".into();
        assert!(eu.validate().is_empty());
    }

    #[test]
    fn status_follows_dates() {
        let fr = state("FR", "FR");
        let d = |s: &str| s.parse::<Date>().unwrap();
        assert_eq!(fr.status_on(d("2019-01-01")), SupportStatus::NonSupporter);
        assert_eq!(fr.status_on(d("2019-09-16")), SupportStatus::Supporter);
        let mut w = fr.clone();
        w.support.as_mut().unwrap().withdrawn = Some(FuzzyDate::parse("2020").unwrap());
        assert_eq!(w.status_on(d("2021-01-01")), SupportStatus::Withdrawn);
        w.support.as_mut().unwrap().withdrawn = Some(FuzzyDate::parse("2018").unwrap());
        assert_eq!(w.validate().0[0].path, "support.withdrawn");
    }

    #[test]
    fn a_party_no_longer_listed_is_formerly_listed_not_withdrawn() {
        let mut p = state("FR", "FR");
        let d = |s: &str| s.parse::<Date>().unwrap();
        let support = p.support.as_mut().unwrap();
        support.unlisted_by = Some(FuzzyDate::parse("2025-12-25").unwrap());
        assert_eq!(p.status_on(d("2019-01-01")), SupportStatus::NonSupporter);
        assert_eq!(p.status_on(d("2020-01-01")), SupportStatus::FormerlyListed);
        assert_eq!(p.status_on(d("2026-01-01")), SupportStatus::FormerlyListed);
        assert!(
            p.support
                .as_ref()
                .unwrap()
                .since_text()
                .contains("no longer listed")
        );
        p.support.as_mut().unwrap().unlisted_by = Some(FuzzyDate::parse("2018").unwrap());
        assert_eq!(p.validate().0[0].path, "support.unlisted_by");
    }

    #[test]
    fn kinds_and_statuses_parse_from_their_names() {
        for k in PartyKind::ALL {
            assert_eq!(PartyKind::parse(k.as_str()), Some(k));
            let json = serde_json::to_string(&k).unwrap();
            assert_eq!(json, format!("\"{}\"", k.as_str()));
        }
        for s in SupportStatus::ALL {
            assert_eq!(SupportStatus::parse(s.as_str()), Some(s));
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
        }
        assert_eq!(PartyKind::parse("planet"), None);
    }
}

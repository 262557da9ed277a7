//! An incident as the hub keeps it: the reported facts plus what the hub derived from them.

use serde::{Deserialize, Serialize};

use crate::accord::PrincipleId;
use crate::incident::{Concerns, Incident};
use crate::mapping::Suggestion;

/// An incident with the principles the rules suggested when it was recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IncidentRecord {
    /// The facts as reported.
    pub incident: Incident,
    /// Principles suggested by the mapping rules, with reasons; kept apart from the asserted ones.
    pub suggested_principles: Vec<Suggestion>,
    /// Index of the log entry that recorded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_index: Option<u64>,
}

/// A principle the incident bears on, suggested by a rule or asserted by a reporter, with
/// whose conduct it concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Finding<'a> {
    /// The principle.
    pub principle: PrincipleId,
    /// Whose conduct it concerns.
    pub concerns: &'a Concerns,
}

impl IncidentRecord {
    /// Every finding, suggested then asserted.
    pub fn findings(&self) -> impl Iterator<Item = Finding<'_>> {
        self.suggested_principles
            .iter()
            .map(|s| Finding {
                principle: s.principle,
                concerns: &s.concerns,
            })
            .chain(self.incident.asserted_principles.iter().map(|a| Finding {
                principle: a.principle,
                concerns: &a.concerns,
            }))
    }

    /// The principles of the findings that `keep` accepts, each once, in order.
    pub fn principles_where(&self, keep: impl Fn(&Finding<'_>) -> bool) -> Vec<PrincipleId> {
        let mut v: Vec<PrincipleId> = self
            .findings()
            .filter(|f| keep(f))
            .map(|f| f.principle)
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// Every principle the incident bears on, suggested or asserted, each once, in order.
    pub fn principles(&self) -> Vec<PrincipleId> {
        let mut v: Vec<PrincipleId> = self
            .suggested_principles
            .iter()
            .map(|s| s.principle)
            .chain(
                self.incident
                    .asserted_principles
                    .iter()
                    .map(|a| a.principle),
            )
            .collect();
        v.sort();
        v.dedup();
        v
    }
}

/// A dimension incidents can be filtered on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Facet {
    /// A principle the incident bears on (`P1`).
    Principle,
    /// A party linked to it as initiator or victim (a state's code, or a party id).
    Party,
    /// Any country the record names: victims, origin, infrastructure, state nexus.
    Country,
    /// A victim's sector.
    Sector,
    /// The year it is filed under.
    Year,
    /// A victim's target class as the record reads it (`civilian`, `disputed`…); a victim
    /// stored without one is indexed under none.
    TargetClass,
    /// Whether it happened during an armed conflict (`yes`, `no`, `disputed`, `unknown`); a
    /// record stored without the statement is indexed under none.
    ArmedConflict,
}

impl Facet {
    /// The facet's name as stored and as used in query strings.
    pub fn as_str(self) -> &'static str {
        match self {
            Facet::Principle => "principle",
            Facet::Party => "party",
            Facet::Country => "country",
            Facet::Sector => "sector",
            Facet::Year => "year",
            Facet::TargetClass => "target_class",
            Facet::ArmedConflict => "armed_conflict",
        }
    }
}

impl IncidentRecord {
    /// The values under which the record is indexed, one pair per facet value; every backend
    /// indexes with this so that filters mean the same everywhere.
    pub fn facets(&self) -> Vec<(Facet, String)> {
        let i = &self.incident;
        let mut out: Vec<(Facet, String)> = Vec::new();
        for p in self.principles() {
            out.push((Facet::Principle, p.to_string()));
        }
        for c in i.linked_states().into_iter().chain(i.victim_countries()) {
            out.push((Facet::Party, c.to_string()));
        }
        for id in i
            .initiators
            .iter()
            .filter_map(|x| x.party.clone())
            .chain(i.victims.iter().filter_map(|v| v.party.clone()))
        {
            out.push((Facet::Party, id));
        }
        let j = &i.jurisdictions;
        for c in i
            .victim_countries()
            .into_iter()
            .chain(i.linked_states())
            .chain(j.origin.iter().copied())
            .chain(j.infrastructure.iter().copied())
        {
            out.push((Facet::Country, c.to_string()));
        }
        for v in &i.victims {
            out.push((Facet::Sector, v.sector.to_string()));
            if let Some(c) = &v.target_class {
                out.push((Facet::TargetClass, c.class.to_string()));
            }
        }
        if let Some(a) = &i.armed_conflict {
            out.push((Facet::ArmedConflict, a.status.to_string()));
        }
        if let Some(y) = i.year() {
            out.push((Facet::Year, y.to_string()));
        }
        out.sort();
        out.dedup();
        out
    }

    /// The key incidents are listed by, newest first when sorted descending: the filing date's
    /// first day, then the id so that keys are unique.
    pub fn sort_key(&self) -> String {
        let date = self
            .incident
            .reference_date()
            .map(|d| d.earliest().to_string())
            .unwrap_or_else(|| "0000-00-00".to_owned());
        format!("{date}|{}", self.incident.id)
    }
}

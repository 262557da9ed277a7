//! Scorecards, computed from the record and never typed in.
//!
//! A party's scorecard counts the incidents the record links to it as initiator (through an
//! initiator's state nexus or party, or an attribution naming it), those where a principle
//! concerns its conduct in another role (a hack-back in response, its own hygiene), and those
//! it suffered, by principle and by year. Each principle finding says whose conduct it
//! concerns ([`crate::incident::Concerns`]), so a party's lines count only its own conduct, and
//! the victim's side is kept apart. Every initiator link carries the tier of the strongest
//! attribution behind it, so a reader can weigh an indictment against a press report; only
//! tiers 1–2 count as "attributed", and whether a link is contested is derived from the record.
//! The bloc view compares supporters and non-supporters of the accord.

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::accord::{Accord, PrincipleId};
use crate::country::CountryCode;
use crate::date::FuzzyDate;
use crate::incident::{
    AttributionBasis, AttributionTier, Concerns, ConductRole, Contest, Incident, Victim,
};
use crate::party::{Party, PartyKind, SupportStatus};
use crate::record::{Finding, IncidentRecord};
use crate::source::Verification;
use crate::targeting::ConflictStatus;

/// Whether a party's link to an incident as initiator is a formal attribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// A government's formal attribution names the party (tier 1 or 2).
    Attributed,
    /// Nothing stronger than a research report, an allegation or an unverified claim names the
    /// party, or only an initiator's nexus links it with no attribution behind it.
    Alleged,
}

impl Standing {
    /// The standing's name as serialised and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::Attributed => "attributed",
            Standing::Alleged => "alleged",
        }
    }
}

/// An attribution behind a link, as a scorecard cites it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CitedAttribution {
    /// Index in the incident's attributions.
    pub index: usize,
    /// Who attributes.
    pub by: String,
    /// When.
    pub date: Option<FuzzyDate>,
    /// On what it rests.
    pub basis: AttributionBasis,
    /// Its tier.
    pub tier: AttributionTier,
    /// The verification of the page it was read on.
    pub verification: Verification,
}

/// One incident as it appears on a scorecard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IncidentLine {
    /// The incident's id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// The year it is filed under.
    pub year: Option<i16>,
    /// The principles this line counts (suggested or asserted): on an initiator line, the
    /// findings about the party's conduct as initiator; on an other-conduct line, those about
    /// its conduct in `roles`; on a victim or bloc line, those about the initiators' conduct
    /// (and findings that do not say whose conduct they concern).
    pub principles: Vec<PrincipleId>,
    /// For an other-conduct line: the roles in which the findings concern the party.
    pub roles: Vec<ConductRole>,
    /// For an initiator line: the bases of the attributions that name this party.
    pub bases: Vec<AttributionBasis>,
    /// For an initiator line: the attributions naming this party, strongest first.
    pub attributions: Vec<CitedAttribution>,
    /// For an initiator line: the strongest tier behind the link, from the attributions naming
    /// the party and the initiators' nexus to it (a nexus alone is an `allegation`, or
    /// `unverified` when its own source is).
    pub tier: Option<AttributionTier>,
    /// For an initiator line: attributed (tier 1–2) or alleged.
    pub standing: Option<Standing>,
    /// For an initiator line: whether the record contests the link (derived: see `contests`).
    pub contested: bool,
    /// For an initiator line: why the link is contested.
    pub contests: Vec<Contest>,
    /// The target classes of the victims this line is about (on a victim line, the party's
    /// own victims; elsewhere every victim), each once, as the record reads them;
    /// `unclassified` for a victim stored without a class.
    pub target_classes: Vec<String>,
    /// Whether the incident happened during an armed conflict; `None` for a record stored
    /// without the statement.
    pub armed_conflict: Option<ConflictStatus>,
}

/// Counts over a set of incidents.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Tally {
    /// How many incidents.
    pub total: usize,
    /// Incidents per principle.
    pub by_principle: BTreeMap<PrincipleId, usize>,
    /// Incidents per year.
    pub by_year: BTreeMap<i16, usize>,
    /// Incidents per principle per year.
    pub by_principle_year: BTreeMap<PrincipleId, BTreeMap<i16, usize>>,
    /// Incidents whose link is a government's formal attribution (tiers 1–2); only for
    /// initiator and bloc tallies.
    pub attributed: usize,
    /// Incidents by the strongest tier behind their link; only for initiator and bloc tallies.
    pub by_tier: BTreeMap<AttributionTier, usize>,
    /// Incidents per target class of their victims (an incident with victims of two classes
    /// counts under each; `unclassified` for victims stored without a class).
    pub by_target_class: BTreeMap<String, usize>,
    /// Incidents by whether they happened during an armed conflict (`yes`, `no`, `disputed`,
    /// `unknown`; `not-stated` for records stored without the statement).
    pub by_armed_conflict: BTreeMap<String, usize>,
    /// The incidents, newest first.
    pub incidents: Vec<IncidentLine>,
}

impl Tally {
    fn add(&mut self, line: IncidentLine) {
        self.total += 1;
        if let Some(t) = line.tier {
            *self.by_tier.entry(t).or_default() += 1;
            self.attributed += usize::from(t.is_formal());
        }
        for p in &line.principles {
            *self.by_principle.entry(*p).or_default() += 1;
            if let Some(y) = line.year {
                *self
                    .by_principle_year
                    .entry(*p)
                    .or_default()
                    .entry(y)
                    .or_default() += 1;
            }
        }
        if let Some(y) = line.year {
            *self.by_year.entry(y).or_default() += 1;
        }
        for c in &line.target_classes {
            *self.by_target_class.entry(c.clone()).or_default() += 1;
        }
        let conflict = line
            .armed_conflict
            .map_or(NOT_STATED, ConflictStatus::as_str);
        *self
            .by_armed_conflict
            .entry(conflict.to_owned())
            .or_default() += 1;
        self.incidents.push(line);
    }

    fn finish(mut self) -> Self {
        self.incidents
            .sort_by(|a, b| b.year.cmp(&a.year).then_with(|| a.id.cmp(&b.id)));
        self
    }
}

/// A party's record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PartyScorecard {
    /// The party's id.
    pub party: String,
    /// Its name.
    pub name: String,
    /// Its kind.
    pub kind: PartyKind,
    /// Its support status on the scorecard's date.
    pub status: SupportStatus,
    /// Its support, explained (honest about first-seen dates).
    pub support: Option<String>,
    /// Whether a source records it as absent at the accord's launch.
    pub absent_at_launch: bool,
    /// Incidents the record links to the party as initiator, counting the principles that
    /// concern its conduct as initiator.
    pub as_initiator: Tally,
    /// Incidents where a principle concerns the party's conduct in another role: a hack-back
    /// it carried out in response, its own hygiene as a victim, its territory.
    pub other_conduct: Tally,
    /// Incidents the party suffered, counting the principles that concern what the initiators
    /// did (the victim's side, kept apart from its own conduct).
    pub as_victim: Tally,
    /// The date the status was computed for.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub as_of: Date,
}

/// The state a party speaks for: its country, when it is a state.
fn state_of(party: &Party) -> Option<CountryCode> {
    party.country.filter(|_| party.kind == PartyKind::State)
}

/// True when the finding's `concerns` is about `party`'s conduct in this incident.
pub fn concerns_party(c: &Concerns, party: &Party, i: &Incident) -> bool {
    if let Some(id) = &c.party {
        return *id == party.id;
    }
    match c.role {
        ConductRole::Initiator => is_initiator(party, i),
        ConductRole::Victim => i
            .victims
            .iter()
            .any(|v| v.party.as_deref() == Some(party.id.as_str())),
        _ => false,
    }
}

/// The principles of the findings about what the initiators did (and of findings recorded
/// without saying whose conduct they concern): what a victim suffered, what a bloc's states
/// are linked to.
fn initiators_principles(record: &IncidentRecord) -> Vec<PrincipleId> {
    record.principles_where(|f| {
        matches!(
            f.concerns.role,
            ConductRole::Initiator | ConductRole::Unstated
        )
    })
}

/// The key under which a tally counts records stored without an armed-conflict statement.
pub const NOT_STATED: &str = "not-stated";

/// The target classes of the victims `keep` accepts, each once, in order.
fn classes_of(i: &Incident, keep: impl Fn(&Victim) -> bool) -> Vec<String> {
    let mut v: Vec<String> = i
        .victims
        .iter()
        .filter(|v| keep(v))
        .map(|v| v.class_name().to_owned())
        .collect();
    v.sort();
    v.dedup();
    v
}

/// The target classes of `party`'s own victims in the incident: those naming it, or, for a
/// state, those in its country; every victim's when none does (a state recorded as a victim
/// only through the jurisdictions).
fn victim_classes(i: &Incident, party: &Party) -> Vec<String> {
    let state = state_of(party);
    let own = classes_of(i, |v| {
        v.party.as_deref() == Some(party.id.as_str()) || (state.is_some() && v.country == state)
    });
    if own.is_empty() {
        classes_of(i, |_| true)
    } else {
        own
    }
}

/// An incident's line on a scorecard, with no link, counting `principles`.
fn line(record: &IncidentRecord, principles: Vec<PrincipleId>) -> IncidentLine {
    let i = &record.incident;
    IncidentLine {
        id: i.id.clone(),
        title: i.title.clone(),
        year: i.year(),
        principles,
        roles: Vec::new(),
        bases: Vec::new(),
        attributions: Vec::new(),
        tier: None,
        standing: None,
        contested: false,
        contests: Vec::new(),
        target_classes: classes_of(i, |_| true),
        armed_conflict: i.armed_conflict.as_ref().map(|a| a.status),
    }
}

/// The tier of a link with no attribution behind it, an initiator's nexus alone: an
/// allegation at best, unverified when the nexus's own source is.
fn nexus_tier(i: &Incident, state: Option<CountryCode>, party_id: &str) -> Option<AttributionTier> {
    i.initiators
        .iter()
        .filter(|ini| {
            (state.is_some() && ini.state_nexus == state) || ini.party.as_deref() == Some(party_id)
        })
        .map(|ini| match ini.source.verification {
            Verification::Unverified => AttributionTier::Unverified,
            _ => AttributionTier::Allegation,
        })
        .min()
}

/// The strongest tier behind the link of `state` to the incident as initiator.
fn state_link_tier(i: &Incident, state: CountryCode) -> Option<AttributionTier> {
    let attributed = i
        .attributions
        .iter()
        .filter(|a| a.attributed_to == Some(state))
        .filter_map(|a| a.tier())
        .min();
    strongest(attributed, nexus_tier(i, Some(state), ""))
}

/// The stronger of two tiers, either of which may be missing.
fn strongest(a: Option<AttributionTier>, b: Option<AttributionTier>) -> Option<AttributionTier> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn standing(tier: AttributionTier) -> Standing {
    if tier.is_formal() {
        Standing::Attributed
    } else {
        Standing::Alleged
    }
}

/// An incident's line on `party`'s initiator tally: the link's attributions, tier, standing
/// and contests.
fn initiator_line(record: &IncidentRecord, party: &Party) -> IncidentLine {
    let i = &record.incident;
    let state = state_of(party);
    let mut attributions: Vec<CitedAttribution> = i
        .attributions
        .iter()
        .enumerate()
        .filter(|(_, a)| a.names(state, &party.id))
        .filter_map(|(index, a)| {
            Some(CitedAttribution {
                index,
                by: a.by.clone(),
                date: a.date,
                basis: a.basis,
                tier: a.tier()?,
                verification: a.source.verification,
            })
        })
        .collect();
    attributions.sort_by_key(|a| (a.tier, a.index));
    let mut bases: Vec<AttributionBasis> = attributions.iter().map(|a| a.basis).collect();
    bases.sort();
    bases.dedup();
    let tier = strongest(
        attributions.first().map(|a| a.tier),
        nexus_tier(i, state, &party.id),
    );
    let contests = i.contests(state, &party.id);
    IncidentLine {
        bases,
        attributions,
        standing: tier.map(standing),
        tier,
        contested: !contests.is_empty(),
        contests,
        ..line(
            record,
            record.principles_where(|f| {
                f.concerns.role == ConductRole::Initiator && concerns_party(f.concerns, party, i)
            }),
        )
    }
}

/// An incident's line on `party`'s other-conduct tally: findings about its conduct other than
/// as initiator (a hack-back, its own hygiene, its territory), if any.
fn other_conduct_line(record: &IncidentRecord, party: &Party) -> Option<IncidentLine> {
    let i = &record.incident;
    let own = |f: &Finding<'_>| {
        !matches!(
            f.concerns.role,
            ConductRole::Initiator | ConductRole::Unstated
        ) && concerns_party(f.concerns, party, i)
    };
    let mut roles: Vec<ConductRole> = record
        .findings()
        .filter(|f| own(f))
        .map(|f| f.concerns.role)
        .collect();
    if roles.is_empty() {
        return None;
    }
    roles.sort();
    roles.dedup();
    Some(IncidentLine {
        roles,
        ..line(record, record.principles_where(own))
    })
}

/// True when the record links `party` to the incident as initiator: an initiator's state
/// nexus or party, or an attribution naming it.
pub fn is_initiator(party: &Party, i: &Incident) -> bool {
    i.links_initiator(state_of(party), &party.id)
}

/// True when `party` suffered the incident.
pub fn is_victim(party: &Party, i: &Incident) -> bool {
    let by_state = party.kind == PartyKind::State
        && party
            .country
            .is_some_and(|c| i.victim_countries().contains(&c));
    by_state
        || i.victims
            .iter()
            .any(|v| v.party.as_deref() == Some(&party.id))
}

/// Computes a party's scorecard from the record, with its status on `as_of`.
pub fn party_scorecard(party: &Party, records: &[IncidentRecord], as_of: Date) -> PartyScorecard {
    let mut as_initiator = Tally::default();
    let mut other_conduct = Tally::default();
    let mut as_victim = Tally::default();
    for r in records {
        if is_initiator(party, &r.incident) {
            as_initiator.add(initiator_line(r, party));
        }
        if let Some(l) = other_conduct_line(r, party) {
            other_conduct.add(l);
        }
        if is_victim(party, &r.incident) {
            as_victim.add(IncidentLine {
                target_classes: victim_classes(&r.incident, party),
                ..line(r, initiators_principles(r))
            });
        }
    }
    PartyScorecard {
        party: party.id.clone(),
        name: party.name.clone(),
        kind: party.kind,
        status: party.status_on(as_of),
        support: party.support.as_ref().map(|s| s.since_text()),
        absent_at_launch: party.absent_at_launch.is_some(),
        as_initiator: as_initiator.finish(),
        other_conduct: other_conduct.finish(),
        as_victim: as_victim.finish(),
        as_of,
    }
}

/// One principle's record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PrincipleScorecard {
    /// The principle.
    pub principle: PrincipleId,
    /// Its short name.
    pub short_name: String,
    /// Incidents bearing on it, by any route.
    pub total: usize,
    /// Incidents per year.
    pub by_year: BTreeMap<i16, usize>,
    /// How many incidents the rules suggest it for.
    pub suggested: usize,
    /// How many incidents a reporter asserts it for.
    pub asserted: usize,
    /// The incidents' ids, newest first.
    pub incidents: Vec<String>,
}

/// Computes every principle's scorecard from the record.
pub fn principle_scorecards(
    accord: &Accord,
    records: &[IncidentRecord],
) -> Vec<PrincipleScorecard> {
    accord
        .principles
        .iter()
        .map(|p| {
            let mut card = PrincipleScorecard {
                principle: p.id,
                short_name: p.short_name.clone(),
                total: 0,
                by_year: BTreeMap::new(),
                suggested: 0,
                asserted: 0,
                incidents: Vec::new(),
            };
            let mut hits: Vec<(Option<i16>, &str)> = Vec::new();
            for r in records {
                let suggested = r.suggested_principles.iter().any(|s| s.principle == p.id);
                let asserted = r
                    .incident
                    .asserted_principles
                    .iter()
                    .any(|a| a.principle == p.id);
                card.suggested += usize::from(suggested);
                card.asserted += usize::from(asserted);
                if suggested || asserted {
                    card.total += 1;
                    let year = r.incident.year();
                    if let Some(y) = year {
                        *card.by_year.entry(y).or_default() += 1;
                    }
                    hits.push((year, &r.incident.id));
                }
            }
            hits.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
            card.incidents = hits.into_iter().map(|(_, id)| id.to_owned()).collect();
            card
        })
        .collect()
}

/// One side of the bloc view.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Bloc {
    /// How many states are in the bloc.
    pub states: usize,
    /// States of the bloc that the record links to at least one incident as initiator.
    pub states_linked: Vec<String>,
    /// Incidents linked to at least one state of the bloc; each line carries the strongest
    /// tier behind any of its states' links, and the tally counts per tier and "attributed"
    /// (tiers 1–2) as a party's does.
    pub incidents: Tally,
}

/// Supporters against non-supporters: incidents the record links to each.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BlocView {
    /// States supporting the accord on `as_of`.
    pub supporters: Bloc,
    /// Every other state in the registry, or named in the record, on `as_of`.
    pub non_supporters: Bloc,
    /// Incidents that link no state at all.
    pub unattributed: usize,
    /// The date statuses were computed for (the current status, not the status at the time of
    /// each incident: most incidents pre-date the accord).
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub as_of: Date,
}

/// Computes the bloc view. States named in the record but absent from the registry count as
/// non-supporters.
pub fn bloc_view(parties: &[Party], records: &[IncidentRecord], as_of: Date) -> BlocView {
    let supporter = |code: &str| {
        parties.iter().any(|p| {
            p.kind == PartyKind::State
                && p.id == code
                && p.status_on(as_of) == SupportStatus::Supporter
        })
    };
    let mut supporters = Bloc::default();
    let mut non = Bloc::default();
    let mut known_states: Vec<String> = parties
        .iter()
        .filter(|p| p.kind == PartyKind::State)
        .map(|p| p.id.clone())
        .collect();
    let mut unattributed = 0;
    for r in records {
        let linked = r.incident.linked_states();
        if linked.is_empty() {
            unattributed += 1;
            continue;
        }
        // Each bloc's line carries the strongest link of any of its states.
        let (mut s_tier, mut n_tier) = (None, None);
        for c in &linked {
            let code = c.as_str().to_owned();
            if !known_states.contains(&code) {
                known_states.push(code.clone());
            }
            let tier = state_link_tier(&r.incident, *c);
            let (bloc, hit) = if supporter(&code) {
                (&mut supporters, &mut s_tier)
            } else {
                (&mut non, &mut n_tier)
            };
            // A state named only by an attribution without a tier (stored before `none`
            // was refused a name) is linked on nothing verified.
            *hit = strongest(*hit, tier).or(Some(AttributionTier::Unverified));
            if !bloc.states_linked.contains(&code) {
                bloc.states_linked.push(code);
            }
        }
        for (bloc, tier) in [(&mut supporters, s_tier), (&mut non, n_tier)] {
            if let Some(t) = tier {
                bloc.incidents.add(IncidentLine {
                    tier: Some(t),
                    standing: Some(standing(t)),
                    ..line(r, initiators_principles(r))
                });
            }
        }
    }
    supporters.states = known_states.iter().filter(|c| supporter(c)).count();
    non.states = known_states.len() - supporters.states;
    for b in [&mut supporters, &mut non] {
        b.states_linked.sort();
        b.incidents = std::mem::take(&mut b.incidents).finish();
    }
    BlocView {
        supporters,
        non_supporters: non,
        unattributed,
        as_of,
    }
}

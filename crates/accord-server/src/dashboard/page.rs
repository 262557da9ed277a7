//! The dashboard's pages: one askama template struct per page, and the views that turn the
//! domain's records into what a reader sees.
//!
//! Templates use the domain types directly where they display well; the small traits here add
//! the few wordings that belong to the page (a date's precision, a source's link text), so
//! that every page says them the same way.

use std::collections::BTreeSet;

use askama::Template;
use jiff::civil::Date;

use accord_core::accord::Accord;
use accord_core::country::CountryCode;
use accord_core::date::{FuzzyDate, Precision};
use accord_core::incident::{AttributionTier, DatedFact};
use accord_core::party::{Party, SinceMeaning, SupportStatus};
use accord_core::record::IncidentRecord;
use accord_core::scorecard::{BlocView, IncidentLine, PartyScorecard, PrincipleScorecard, Tally};
use accord_core::source::Source;
use accord_store::Counts;

use super::bars::BarChart;
use super::chart::Chart;
use super::link;

/// How a source is shown: a badge with its verification level and a safe link.
pub trait SourceDisplay {
    /// `verified`, `secondary` or `unverified`; also the badge's CSS class.
    fn level(&self) -> &'static str;
    /// The URL when it may be linked (http or https only).
    fn href(&self) -> Option<&str>;
    /// The link text: the source's title, else its URL, else a plain statement.
    fn label(&self) -> &str;
}

impl SourceDisplay for Source {
    fn level(&self) -> &'static str {
        self.verification.as_str()
    }

    fn href(&self) -> Option<&str> {
        self.url.as_deref().and_then(link::external)
    }

    fn label(&self) -> &str {
        match (&self.title, &self.url) {
            (Some(t), _) if !t.trim().is_empty() => t,
            // A bare URL makes a poor link text and overflows tables: name its site; the link
            // itself keeps the full address.
            (_, Some(u)) => host(u).unwrap_or(u),
            _ => "no source page recorded",
        }
    }
}

/// The host of an http(s) URL: `https://www.example.org/a` → `www.example.org`.
fn host(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    Some(&rest[..end]).filter(|h| !h.is_empty())
}

/// How dates are worded.
pub trait DateDisplay {
    /// `day`, `month` or `year`: how precisely the source dates the event.
    fn precision_label(&self) -> &'static str;
}

impl DateDisplay for FuzzyDate {
    fn precision_label(&self) -> &'static str {
        match self.precision() {
            Precision::Day => "day",
            Precision::Month => "month",
            Precision::Year => "year",
        }
    }
}

/// How a country is shown: its code with the ISO short name for a tooltip.
pub trait CountryDisplay {
    /// The English short name.
    fn long(&self) -> String;
}

impl CountryDisplay for CountryCode {
    fn long(&self) -> String {
        self.name()
    }
}

/// A party's `since` in words, honest about first-seen dates (they are upper bounds).
pub fn since_label(party: &Party) -> Option<String> {
    let s = party.support.as_ref()?;
    let mut text = match s.since_meaning {
        SinceMeaning::Joined => format!("joined {}", s.since),
        SinceMeaning::FirstSeenUpperBound => format!(
            "listed by {} (first seen; may have joined earlier)",
            s.since
        ),
    };
    if let Some(w) = s.withdrawn {
        text.push_str(&format!("; withdrawn {w}"));
    }
    if let Some(u) = s.unlisted_by {
        text.push_str(&format!("; no longer listed by {u}"));
    }
    Some(text)
}

/// The error page.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    /// The HTTP status.
    pub status: u16,
    /// Its reason phrase.
    pub title: String,
    /// What went wrong.
    pub detail: String,
    /// The offending parameters: (name, what is wrong).
    pub fields: Vec<(String, String)>,
}

/// The standalone chart, `/charts/principles.svg`.
#[derive(Template)]
#[template(path = "principles-chart.svg")]
pub struct ChartSvg {
    /// The laid-out chart.
    pub chart: Chart,
}

/// A principle on the home page.
pub struct PrincipleRow {
    /// The principle.
    pub principle: accord_core::accord::Principle,
    /// Incidents bearing on it.
    pub total: usize,
    /// How many of those the rules suggest, and how many a reporter asserts.
    pub suggested: usize,
    /// See `suggested`.
    pub asserted: usize,
}

/// One bloc of the bloc view.
pub struct BlocRow {
    /// `Supporters` or `Non-supporters`.
    pub name: &'static str,
    /// States in the bloc.
    pub states: usize,
    /// States of the bloc the record links to an incident as initiator.
    pub linked: Vec<String>,
    /// The incidents linked to the bloc.
    pub incidents: Vec<IncidentLine>,
    /// How many of them a government's formal attribution links to the bloc (tiers 1–2).
    pub attributed: usize,
    /// The incidents per target class of their victims (`unclassified` for victims stored
    /// without one).
    pub by_target_class: Vec<(String, usize)>,
}

/// The home page.
#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    /// The accord.
    pub accord: Accord,
    /// What the hub holds.
    pub counts: Counts,
    /// The principles with their totals.
    pub principles: Vec<PrincipleRow>,
    /// Supporters and non-supporters.
    pub blocs: Vec<BlocRow>,
    /// Incidents that link no state.
    pub unattributed: usize,
    /// The date statuses were computed for.
    pub as_of: String,
    /// The chart of incidents per principle per year.
    pub chart: Chart,
    /// Incidents per target class of their victims.
    pub by_class: BarChart,
    /// Incidents by whether they happened during an armed conflict.
    pub by_conflict: BarChart,
    /// Which incidents the scorecards count (`local`, `mirrored`, `all`).
    pub scope: &'static str,
    /// The corrections of the accord, then of the rules that suggest principles, each oldest
    /// first and named by what it corrects.
    pub corrections: Vec<(&'static str, CorrectionView)>,
}

/// The scopes a scorecard can be computed over, as the pages' select offers them.
pub const SCOPES: [(&str, &str); 3] = [
    ("local", "this hub's own record"),
    ("mirrored", "records mirrored from peer hubs"),
    ("all", "both (each incident once)"),
];

impl HomePage {
    /// The page with the corrections of the accord and of the rules shown.
    pub fn with_amendments(
        mut self,
        accord: &[accord_store::log::StoredAmendment],
        rules: &[accord_store::log::StoredAmendment],
    ) -> Self {
        self.corrections = accord
            .iter()
            .map(|a| ("The accord", CorrectionView::new(a)))
            .chain(
                rules
                    .iter()
                    .map(|a| ("The rules that suggest principles", CorrectionView::new(a))),
            )
            .collect();
        self
    }

    /// Assembles the home page.
    pub fn new(
        accord: Accord,
        counts: Counts,
        cards: &[PrincipleScorecard],
        bloc: BlocView,
        chart: Chart,
        by_class: BarChart,
        by_conflict: BarChart,
    ) -> Self {
        let principles = accord
            .principles
            .iter()
            .map(|p| {
                let card = cards.iter().find(|c| c.principle == p.id);
                PrincipleRow {
                    principle: p.clone(),
                    total: card.map_or(0, |c| c.total),
                    suggested: card.map_or(0, |c| c.suggested),
                    asserted: card.map_or(0, |c| c.asserted),
                }
            })
            .collect();
        let blocs = vec![
            BlocRow {
                name: "Supporters",
                states: bloc.supporters.states,
                linked: bloc.supporters.states_linked,
                attributed: bloc.supporters.incidents.attributed,
                by_target_class: bloc
                    .supporters
                    .incidents
                    .by_target_class
                    .clone()
                    .into_iter()
                    .collect(),
                incidents: bloc.supporters.incidents.incidents,
            },
            BlocRow {
                name: "Non-supporters",
                states: bloc.non_supporters.states,
                linked: bloc.non_supporters.states_linked,
                attributed: bloc.non_supporters.incidents.attributed,
                by_target_class: bloc
                    .non_supporters
                    .incidents
                    .by_target_class
                    .clone()
                    .into_iter()
                    .collect(),
                incidents: bloc.non_supporters.incidents.incidents,
            },
        ];
        HomePage {
            accord,
            counts,
            principles,
            blocs,
            unattributed: bloc.unattributed,
            as_of: bloc.as_of.to_string(),
            chart,
            by_class,
            by_conflict,
            scope: "local",
            corrections: Vec::new(),
        }
    }
}

/// A party on the parties list.
pub struct PartyRow {
    /// The party.
    pub party: Party,
    /// Its status today.
    pub status: SupportStatus,
    /// Its `since`, in words.
    pub since: Option<String>,
}

impl PartyRow {
    /// The row for `party` with its status on `today`.
    pub fn new(party: Party, today: Date) -> Self {
        PartyRow {
            status: party.status_on(today),
            since: since_label(&party),
            party,
        }
    }
}

/// The parties list: one page of the registry, filtered and searched on the server, with
/// the supporters charted by kind and by year first listed.
#[derive(Template)]
#[template(path = "parties.html")]
pub struct PartiesPage {
    /// The parties on this page.
    pub rows: Vec<PartyRow>,
    /// How many parties the registry holds.
    pub total: usize,
    /// How many pass the filters (on every page).
    pub matching: usize,
    /// The kind filter, empty for any.
    pub kind: &'static str,
    /// The status filter, empty for any.
    pub status: &'static str,
    /// The country filter as given, empty for any.
    pub country: String,
    /// The search text as given, empty for none.
    pub q: String,
    /// The kinds for the filter: (value, label).
    pub kinds: Vec<(&'static str, &'static str)>,
    /// The statuses for the filter: (value, label).
    pub statuses: Vec<(&'static str, &'static str)>,
    /// The first page with the same filters, when this is a later page.
    pub first_href: Option<String>,
    /// The next page, when more parties match.
    pub next_href: Option<String>,
    /// Supporters by kind.
    pub by_kind: BarChart,
    /// Supporters by year first listed.
    pub by_year: BarChart,
    /// Parties once listed and listed no more.
    pub formerly_listed: usize,
    /// The date statuses are computed for.
    pub today: String,
}

impl PartiesPage {
    /// Whether any filter is set.
    pub fn filtered(&self) -> bool {
        !(self.kind.is_empty()
            && self.status.is_empty()
            && self.country.is_empty()
            && self.q.is_empty())
    }
}

/// A principle × year table of a tally.
pub struct Matrix {
    /// The years with incidents, ascending.
    pub years: Vec<i16>,
    /// One row per principle with incidents: (id, short name, count per year, total).
    pub rows: Vec<MatrixRow>,
}

/// One principle's row of a [`Matrix`].
pub struct MatrixRow {
    /// `P1`.
    pub principle: String,
    /// Its short name.
    pub name: String,
    /// Counts per year, aligned with [`Matrix::years`].
    pub cells: Vec<usize>,
    /// Incidents bearing on the principle.
    pub total: usize,
}

impl Matrix {
    fn new(tally: &Tally, accord: &Accord) -> Self {
        let years: BTreeSet<i16> = tally
            .by_principle_year
            .values()
            .flat_map(|m| m.keys().copied())
            .collect();
        let years: Vec<i16> = years.into_iter().collect();
        let rows = tally
            .by_principle
            .iter()
            .map(|(id, total)| {
                let per_year = tally.by_principle_year.get(id);
                MatrixRow {
                    principle: id.to_string(),
                    name: accord
                        .principle(*id)
                        .map(|p| p.short_name.clone())
                        .unwrap_or_default(),
                    cells: years
                        .iter()
                        .map(|y| per_year.and_then(|m| m.get(y)).copied().unwrap_or(0))
                        .collect(),
                    total: *total,
                }
            })
            .collect();
        Matrix { years, rows }
    }
}

/// A party's page with its scorecard.
#[derive(Template)]
#[template(path = "party.html")]
pub struct PartyPage {
    /// The party.
    pub party: Party,
    /// Its `since`, in words.
    pub since: Option<String>,
    /// The scorecard's fuller support text, when it says more than `since`.
    pub support_text: Option<String>,
    /// Its scorecard.
    pub card: PartyScorecard,
    /// Incidents as initiator by principle and year.
    pub initiator: Matrix,
    /// Incidents suffered by principle and year.
    pub victim: Matrix,
    /// Other conduct by principle and year.
    pub other: Matrix,
    /// Links as initiator per tier: (number, tier, incidents), every tier listed.
    pub tiers: Vec<(u8, AttributionTier, usize)>,
    /// A member state's UN votes and agreement figures, when the hub holds the votes.
    pub votes: Option<PartyVotes>,
    /// Which incidents the scorecard counts (`local`, `mirrored`, `all`).
    pub scope: &'static str,
}

impl PartyPage {
    /// Assembles a party's page.
    pub fn new(party: Party, card: PartyScorecard, accord: &Accord) -> Self {
        let since = since_label(&party);
        PartyPage {
            support_text: card.support.clone().filter(|t| Some(t) != since.as_ref()),
            since,
            initiator: Matrix::new(&card.as_initiator, accord),
            victim: Matrix::new(&card.as_victim, accord),
            other: Matrix::new(&card.other_conduct, accord),
            tiers: AttributionTier::ALL
                .iter()
                .map(|t| {
                    let n = card.as_initiator.by_tier.get(t).copied().unwrap_or(0);
                    (t.number(), *t, n)
                })
                .collect(),
            party,
            card,
            votes: None,
            scope: "local",
        }
    }
}

/// An incident on the incidents list.
pub struct IncidentRow {
    /// Its id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// The year it is filed under.
    pub year: Option<i16>,
    /// Where its victims are.
    pub countries: Vec<CountryCode>,
    /// The principles it bears on.
    pub principles: Vec<String>,
    /// For a record mirrored from a peer: "from hub X, entry N" and the link to its proof.
    pub mirrored: Option<(String, String)>,
}

impl IncidentRow {
    /// The row for a record.
    pub fn new(r: &IncidentRecord) -> Self {
        IncidentRow {
            id: r.incident.id.clone(),
            title: r.incident.title.clone(),
            year: r.incident.year(),
            countries: r.incident.victim_countries(),
            principles: r.principles().iter().map(ToString::to_string).collect(),
            mirrored: None,
        }
    }

    /// The row for a record mirrored from a peer's log, with where it comes from.
    pub fn mirrored(m: &accord_store::mirrored::MirroredIncident) -> Self {
        let from = crate::mirrored::MirroredFrom::of(m);
        IncidentRow {
            mirrored: Some((from.provenance, from.proof)),
            ..IncidentRow::new(&m.record)
        }
    }
}

/// The incidents list with its filter form.
#[derive(Template)]
#[template(path = "incidents.html")]
pub struct IncidentsPage {
    /// The incidents on this page.
    pub rows: Vec<IncidentRow>,
    /// Every principle: (id, short name), for the form.
    pub principles: Vec<(String, String)>,
    /// Every sector, for the form.
    pub sectors: Vec<&'static str>,
    /// Every party: (id, name), suggested in the form.
    pub parties: Vec<(String, String)>,
    /// The principle filter as given.
    pub principle: String,
    /// The party filter as given.
    pub party: String,
    /// The country filter as given.
    pub country: String,
    /// The sector filter as given.
    pub sector: String,
    /// The year filter as given.
    pub year: String,
    /// Every target class, for the form.
    pub target_classes: Vec<&'static str>,
    /// The target-class filter as given.
    pub target_class: String,
    /// Every armed-conflict status, for the form.
    pub conflict_statuses: Vec<&'static str>,
    /// The armed-conflict filter as given.
    pub armed_conflict: String,
    /// Whose incidents, as given (`local`, `mirrored`, a peer).
    pub origin: String,
    /// The choices of origin beyond `local` and `mirrored`: each current peer (id, origin).
    pub peers: Vec<(String, String)>,
    /// The page size, when given.
    pub limit: Option<String>,
    /// Whether any filter is set.
    pub filtered: bool,
    /// The first page's link when this is a later page.
    pub first_href: Option<String>,
    /// The next page's link, when there is one.
    pub next_href: Option<String>,
}

/// A dated fact with the name of the event it dates.
pub struct TimelineRow {
    /// `Started`, `Discovered`, `Disclosed`.
    pub event: &'static str,
    /// The date and its source.
    pub fact: DatedFact,
}

/// A principle the rules suggest, with its reason.
pub struct SuggestedRow {
    /// `P1`.
    pub principle: String,
    /// Its short name.
    pub name: String,
    /// The rule that fired.
    pub rule: String,
    /// Why, from the record.
    pub reason: String,
    /// Whose conduct it concerns, in words.
    pub concerns: String,
}

/// A principle a reporter asserts.
pub struct AssertedRow {
    /// `P1`.
    pub principle: String,
    /// Its short name.
    pub name: String,
    /// Why, in the reporter's words.
    pub reason: String,
    /// Who asserts it.
    pub by: String,
    /// Whose conduct it concerns, in words.
    pub concerns: String,
}

/// A step of the incident with its ATT&CK links.
pub struct StepView {
    /// The step.
    pub step: accord_core::incident::Step,
    /// Technique ids with their ATT&CK page (`None` for an id that is not one).
    pub techniques: Vec<(String, Option<String>)>,
}

/// An incident's page.
#[derive(Template)]
#[template(path = "incident.html")]
pub struct IncidentPage {
    /// The record.
    pub record: IncidentRecord,
    /// The timeline, in order.
    pub timeline: Vec<TimelineRow>,
    /// The steps with links.
    pub steps: Vec<StepView>,
    /// Suggested principles.
    pub suggested: Vec<SuggestedRow>,
    /// Asserted principles.
    pub asserted: Vec<AssertedRow>,
    /// Every principle it bears on.
    pub principles: Vec<String>,
    /// Its corrections, oldest first.
    pub corrections: Vec<CorrectionView>,
}

/// One amendment of a record as a page shows it: "corrected on DATE: was …, now …, because …".
pub struct CorrectionView {
    /// The day of the correction (its first reason's, else the day the entry was signed).
    pub date: String,
    /// The amendment's log entry index.
    pub index: u64,
    /// Who signed it.
    pub submitter: String,
    /// Each changed field: path, was, now (compact JSON, cut to a readable length).
    pub changes: Vec<(String, String, String)>,
    /// Each reason: what changed and why.
    pub reasons: Vec<(String, String)>,
}

impl CorrectionView {
    /// The page's view of a stored amendment.
    pub fn new(a: &accord_store::log::StoredAmendment) -> Self {
        let show = |v: &Option<serde_json::Value>| match v {
            None => "(absent)".to_owned(),
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(v) => {
                let text = v.to_string();
                match text.char_indices().nth(300) {
                    Some((i, _)) => format!("{}…", &text[..i]),
                    None => text,
                }
            }
        };
        CorrectionView {
            date: a.body.reasons.first().map_or_else(
                || a.submitted_at.chars().take(10).collect(),
                |r| r.date.to_string(),
            ),
            index: a.index,
            submitter: a.submitter.clone(),
            changes: a
                .body
                .changes()
                .iter()
                .map(|c| (c.path.clone(), show(&c.was), show(&c.now)))
                .collect(),
            reasons: a
                .body
                .reasons
                .iter()
                .map(|r| (r.what.clone(), r.why.clone()))
                .collect(),
        }
    }
}

impl IncidentPage {
    /// Assembles an incident's page.
    pub fn new(record: IncidentRecord, accord: &Accord) -> Self {
        let name = |id| {
            accord
                .principle(id)
                .map(|p| p.short_name.clone())
                .unwrap_or_default()
        };
        let d = &record.incident.dates;
        let timeline = [
            ("Started", &d.start),
            ("Discovered", &d.discovered),
            ("Disclosed", &d.disclosed),
        ]
        .into_iter()
        .filter_map(|(event, fact)| fact.clone().map(|fact| TimelineRow { event, fact }))
        .collect();
        let steps = record
            .incident
            .steps
            .iter()
            .map(|s| StepView {
                techniques: s
                    .techniques
                    .iter()
                    .map(|t| (t.clone(), link::attack_technique(t)))
                    .collect(),
                step: s.clone(),
            })
            .collect();
        let suggested = record
            .suggested_principles
            .iter()
            .map(|s| SuggestedRow {
                principle: s.principle.to_string(),
                name: name(s.principle),
                rule: s.rule.clone(),
                reason: s.reason.clone(),
                concerns: s.concerns.to_string(),
            })
            .collect();
        let asserted = record
            .incident
            .asserted_principles
            .iter()
            .map(|a| AssertedRow {
                principle: a.principle.to_string(),
                name: name(a.principle),
                reason: a.reason.clone(),
                by: a.by.clone(),
                concerns: a.concerns.to_string(),
            })
            .collect();
        IncidentPage {
            principles: record
                .principles()
                .iter()
                .map(ToString::to_string)
                .collect(),
            timeline,
            steps,
            suggested,
            asserted,
            record,
            corrections: Vec::new(),
        }
    }

    /// The page with the record's corrections shown.
    pub fn with_amendments(mut self, amendments: &[accord_store::log::StoredAmendment]) -> Self {
        self.corrections = amendments.iter().map(CorrectionView::new).collect();
        self
    }
}

/// An agreement rate as a percentage, a range when unrecorded positions leave it open.
pub fn rate_text(a: &accord_core::voting_bloc::Agreement) -> String {
    match a.rate {
        None => "–".to_owned(),
        Some(b) if b.is_exact() => format!("{:.0}%", b.low * 100.0),
        Some(b) => format!("{:.0}–{:.0}%", b.low * 100.0, b.high * 100.0),
    }
}

/// One vote on a state's party page.
#[derive(Debug, Clone)]
pub struct PartyVoteRow {
    /// The vote's id (its section on `/votes`).
    pub id: String,
    /// Its date.
    pub date: String,
    /// Its symbol.
    pub symbol: String,
    /// First Committee or plenary.
    pub body: &'static str,
    /// The state's position.
    pub position: String,
    /// Its standing toward the accord that day.
    pub standing: &'static str,
    /// The supporters' majority that day, when certain.
    pub supporters: String,
    /// The non-supporters' majority that day, when certain.
    pub non_supporters: String,
}

/// A member state's votes and agreement figures, for its party page.
#[derive(Debug, Clone)]
pub struct PartyVotes {
    /// Every vote actually taken, in date order.
    pub rows: Vec<PartyVoteRow>,
    /// Agreement with the supporters' majority.
    pub with_supporters: String,
    /// Agreement with the non-supporters' majority.
    pub with_non_supporters: String,
}

fn position_text(p: Option<accord_core::votes::Position>) -> String {
    p.and_then(|p| serde_json::to_value(p).ok())
        .and_then(|v| v.as_str().map(|s| s.replace('_', " ")))
        .unwrap_or_else(|| "–".to_owned())
}

/// `state`'s votes and agreement figures; `None` when it is not a UN member state.
pub fn party_votes(
    votes: &accord_core::votes::VoteSet,
    parties: &[accord_core::party::Party],
    launched: accord_core::date::FuzzyDate,
    state: accord_core::country::CountryCode,
) -> Option<PartyVotes> {
    if !votes.members.codes().contains(&state) {
        return None;
    }
    let bloc = accord_core::voting_bloc::VotingBloc::new(
        &votes.votes,
        votes.members.codes(),
        parties,
        launched,
    );
    let rows = bloc
        .votes()
        .iter()
        .enumerate()
        .filter(|(_, v)| !v.adopted_without_vote)
        .map(|(i, v)| PartyVoteRow {
            id: v.id.clone(),
            date: v.date.to_string(),
            symbol: match v.body {
                accord_core::votes::Body::FirstCommittee => {
                    v.document.clone().or_else(|| v.resolution.clone())
                }
                accord_core::votes::Body::Plenary => {
                    v.resolution.clone().or_else(|| v.document.clone())
                }
            }
            .unwrap_or_else(|| "symbol not sourced".to_owned()),
            body: match v.body {
                accord_core::votes::Body::FirstCommittee => "First Committee",
                accord_core::votes::Body::Plenary => "Plenary",
            },
            position: position_text(bloc.positions(i).and_then(|p| p.get(&state).copied())),
            standing: bloc.standing(state, &v.date).as_str(),
            supporters: position_text(
                bloc.cohesion(i, &accord_core::voting_bloc::Group::Supporters)
                    .majority,
            ),
            non_supporters: position_text(
                bloc.cohesion(i, &accord_core::voting_bloc::Group::NonSupporters)
                    .majority,
            ),
        })
        .collect();
    Some(PartyVotes {
        rows,
        with_supporters: rate_text(
            &bloc.agreement_with_majority(state, &accord_core::voting_bloc::Group::Supporters),
        ),
        with_non_supporters: rate_text(
            &bloc.agreement_with_majority(state, &accord_core::voting_bloc::Group::NonSupporters),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_urls_are_labelled_by_host() {
        let source = |url: Option<&str>, title: Option<&str>| Source {
            url: url.map(str::to_owned),
            title: title.map(str::to_owned),
            as_of: FuzzyDate::parse("2026-11").expect("date"),
            verification: accord_core::source::Verification::Secondary,
            note: None,
        };
        assert_eq!(
            source(Some("https://incyber.org/en/x/"), None).label(),
            "incyber.org"
        );
        assert_eq!(
            source(Some("https://incyber.org/x"), Some("InCyber")).label(),
            "InCyber"
        );
        assert_eq!(source(None, None).label(), "no source page recorded");
        assert_eq!(host("https://a.example?q"), Some("a.example"));
    }

    /// Every `<input>` and `<select>` has a `<label for>`, and every `<th>` a scope.
    fn assert_accessible(html: &str) {
        for tag in ["<input", "<select"] {
            for rest in html.split(tag).skip(1) {
                let open = &rest[..rest.find('>').expect("closed tag")];
                if open.contains("type=\"hidden\"") {
                    continue;
                }
                let id = open
                    .split("id=\"")
                    .nth(1)
                    .and_then(|r| r.split('"').next())
                    .unwrap_or_else(|| panic!("{tag}{open}> has no id"));
                assert!(
                    html.contains(&format!("<label for=\"{id}\">")),
                    "no label for {id}"
                );
            }
        }
        for rest in html.split("<th").skip(1) {
            if !rest.starts_with([' ', '>']) {
                continue; // <thead>
            }
            let open = &rest[..rest.find('>').expect("closed tag")];
            assert!(open.contains("scope="), "<th{open}> has no scope");
        }
    }

    #[test]
    fn forms_are_labelled_and_headers_scoped() {
        let incidents = IncidentsPage {
            rows: vec![IncidentRow {
                id: "x-2020".into(),
                title: "X".into(),
                year: Some(2020),
                countries: Vec::new(),
                principles: vec!["P1".into()],
                mirrored: None,
            }],
            principles: vec![("P1".into(), "Protect".into())],
            sectors: vec!["energy"],
            parties: vec![("FR".into(), "France".into())],
            principle: String::new(),
            party: String::new(),
            country: String::new(),
            sector: String::new(),
            year: String::new(),
            target_classes: vec!["civilian", "military"],
            target_class: "military".into(),
            conflict_statuses: vec!["yes", "no"],
            armed_conflict: String::new(),
            origin: "local".into(),
            peers: vec![("0123456789abcdef".into(), "a.example/log".into())],
            limit: Some("5".into()),
            filtered: false,
            first_href: None,
            next_href: Some("/incidents?cursor=abc".into()),
        };
        let html = incidents.render().expect("renders");
        assert!(html.contains("<label for=\"f-year\">"));
        assert!(html.contains("<label for=\"f-target-class\">"));
        assert!(html.contains("<label for=\"f-armed-conflict\">"));
        assert!(html.contains("<label for=\"f-origin\">"));
        assert!(html.contains("<option value=\"military\" selected>"));
        assert_accessible(&html);
        let bars = |id| BarChart::layout(id, "T", "D", "supporters", &[("a".into(), 1)]);
        let parties = PartiesPage {
            rows: Vec::new(),
            total: 0,
            matching: 0,
            kind: "state",
            status: "",
            country: String::new(),
            q: "a <b>".into(),
            kinds: vec![("state", "state")],
            statuses: vec![("supporter", "supporter")],
            first_href: None,
            next_href: Some("/parties?cursor=abc".into()),
            by_kind: bars("by-kind"),
            by_year: bars("by-year"),
            formerly_listed: 7,
            today: "2026-11-29".into(),
        };
        let html = parties.render().expect("renders");
        assert!(html.contains("<option value=\"state\" selected>"));
        assert!(
            html.contains("value=\"a &#60;b&#62;\""),
            "the search text is escaped"
        );
        assert_accessible(&html);
        let error = ErrorPage {
            status: 400,
            title: "Bad Request".into(),
            detail: "\"20x7\" is not a year".into(),
            fields: vec![("year".into(), "\"20x7\" is not a year".into())],
        };
        let html = error.render().expect("renders");
        assert!(html.contains("<title>400 Bad Request · Accord</title>"));
        assert!(html.contains("&#34;20x7&#34; is not a year"));
        assert_accessible(&html);
    }
}

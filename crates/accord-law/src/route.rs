//! The rules engine: every lawful pathway between two states for one kind of data on one
//! date, and the reason each other instrument does not apply.
//!
//! For each instrument, in dataset order, [`route`] asks three questions and stops at the
//! first "no", which becomes the reason shown to the user:
//!
//! 1. Is the instrument in force on the date? (a fixed date, or enough dated ratifications
//!    plus the treaty's delay)
//! 2. Does it connect these two states on that date? (both bound parties, or the hub and a
//!    party, or a bound requesting state and a provider the instrument reaches)
//! 3. Which of its mechanisms cover the data category? (minus those a reservation of the
//!    requested state excludes, and emergency-only ones outside emergencies)
//!
//! Each pathway lists the facts it rests on with their sources; its `verification` is the
//! weakest of them, and every unverified fact is named in `unverified`, so an answer that
//! leans on something nobody has checked says so.
//!
//! Pathways are ordered by expected speed: emergency mechanisms in an emergency, then
//! mechanisms with a response deadline (shortest first), then those without one by channel
//! (24/7 network, then directly to the provider, then authority to authority), and plain
//! mutual legal assistance last.

use std::borrow::Cow;

use accord_core::country::CountryCode;
use accord_core::source::{Source, Verification};
use jiff::civil::Date;
use serde::Serialize;

use crate::dataset::{
    Dataset, DeadlineKind, EntryRule, Instrument, InstrumentKind, Mechanism, Pairing, Party,
    PartyStatus,
};
use crate::query::Query;
use crate::vocabulary::{Action, Channel, Period};

/// One fact an answer rests on: what it says, and where it was read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FactUse<'d> {
    /// The fact in plain words.
    pub about: Cow<'d, str>,
    /// Its source, as-of date and verification level.
    #[serde(flatten)]
    pub source: &'d Source,
}

/// A time limit that applies to one pathway.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeadlineUse<'d> {
    /// Which kind of limit.
    pub kind: DeadlineKind,
    /// The period that holds for this request (the emergency one when shorter).
    pub period: Period,
    /// True when `period` is the emergency period.
    pub emergency: bool,
    /// True when `period` is a minimum.
    pub at_least: bool,
    /// The limit as the text states it.
    pub text: &'d str,
    /// How far the limit was checked.
    pub verification: Verification,
}

/// A lawful way to obtain or preserve the data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pathway<'d> {
    /// Stable instrument id (`budapest`, `eu-e-evidence`, ...).
    pub instrument: &'d str,
    /// The instrument's short name.
    pub instrument_name: &'d str,
    /// The legal basis ("Art. 29").
    pub article: &'d str,
    /// Stable mechanism id within the instrument.
    pub mechanism: &'d str,
    /// What the mechanism is.
    pub title: &'d str,
    /// Preservation, production or disclosure.
    pub action: Action,
    /// Through whom the request travels.
    pub channel: Channel,
    /// The time limits in a phrase, or "no treaty deadline".
    pub deadline: String,
    /// The time limits, for computing due dates.
    pub deadlines: Vec<DeadlineUse<'d>>,
    /// Conditions and caveats that hold for this request.
    pub conditions: Vec<Cow<'d, str>>,
    /// When the requested state is outside the instrument's parties: the condition under
    /// which the instrument still reaches the provider there (also listed in `conditions`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reach: Option<&'d str>,
    /// The weakest verification level among the facts used.
    pub verification: Verification,
    /// The facts used that nobody has verified (empty when none).
    pub unverified: Vec<Cow<'d, str>>,
    /// Every fact used, with its source.
    pub facts: Vec<FactUse<'d>>,
    #[serde(skip)]
    rank: (u8, u64, usize, usize),
}

/// An instrument (or one of its articles) that does not apply, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NotApplicable<'d> {
    /// Stable instrument id.
    pub instrument: &'d str,
    /// The article, when only one mechanism of an otherwise applicable instrument is out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub article: Option<&'d str>,
    /// Why, in plain words.
    pub reason: String,
    /// The weakest verification level among the facts behind the reason.
    pub verification: Verification,
    /// The facts behind the reason.
    pub facts: Vec<FactUse<'d>>,
}

/// A measure a state's own law provides under an instrument it is party to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DomesticMeasure<'d> {
    /// The instrument that requires it.
    pub instrument: &'d str,
    /// The measure.
    pub text: &'d str,
    /// Where it was read.
    pub source: &'d Source,
}

/// The answer when both sides are the same state.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Domestic<'d> {
    /// The state.
    pub state: CountryCode,
    /// What to do, in a sentence or two.
    pub summary: String,
    /// Domestic measures its treaties require.
    pub measures: Vec<DomesticMeasure<'d>>,
}

/// Everything the engine says about one question.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Answer<'d> {
    /// The question.
    pub query: Query,
    /// Present when both sides are the same state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domestic: Option<Domestic<'d>>,
    /// Every applicable pathway, fastest first.
    pub pathways: Vec<Pathway<'d>>,
    /// Every instrument (or article) that does not apply, with the reason.
    pub not_applicable: Vec<NotApplicable<'d>>,
}

impl Answer<'_> {
    /// The fastest pathway, if any.
    pub fn fastest(&self) -> Option<&Pathway<'_>> {
        self.pathways.first()
    }

    /// True when some pathway rests on an unverified fact.
    pub fn relies_on_unverified(&self) -> bool {
        self.pathways
            .iter()
            .any(|p| p.verification == Verification::Unverified)
    }
}

/// Answers `query` from `dataset`.
pub fn route<'d>(dataset: &'d Dataset, query: &Query) -> Answer<'d> {
    if query.from == query.to {
        return domestic(dataset, query);
    }
    let mut pathways = Vec::new();
    let mut not_applicable = Vec::new();
    for (i, inst) in dataset.instruments().iter().enumerate() {
        match connects(dataset, inst, query) {
            Err(na) => not_applicable.push(na),
            Ok(link) => mechanisms(
                dataset,
                inst,
                i,
                query,
                link,
                &mut pathways,
                &mut not_applicable,
            ),
        }
    }
    pathways.sort_by_key(|p| p.rank);
    Answer {
        query: *query,
        domestic: None,
        pathways,
        not_applicable,
    }
}

/// What an applicable instrument contributes to each of its pathways.
struct Link<'d> {
    facts: Vec<FactUse<'d>>,
    conditions: Vec<Cow<'d, str>>,
    reach: Option<&'d str>,
}

/// Capitalises the first letter, for names that start a sentence ("the Budapest Convention").
pub(crate) fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A state's name as it reads inside a sentence ("the United States", "France").
pub(crate) fn state_phrase(dataset: &Dataset, state: CountryCode) -> String {
    let name = dataset.state_name(state);
    let takes_article = name.starts_with("United ")
        || name.starts_with("Republic ")
        || matches!(
            name.as_str(),
            "Netherlands"
                | "Philippines"
                | "Dominican Republic"
                | "Czech Republic"
                | "Bahamas"
                | "Gambia"
        );
    if takes_article {
        format!("the {name}")
    } else {
        name
    }
}

fn weakest(facts: &[FactUse<'_>]) -> Verification {
    facts
        .iter()
        .map(|f| f.source.verification)
        .max()
        .unwrap_or(Verification::Verified)
}

fn not_applicable<'d>(
    inst: &'d Instrument,
    article: Option<&'d str>,
    reason: String,
    facts: Vec<FactUse<'d>>,
) -> NotApplicable<'d> {
    NotApplicable {
        instrument: &inst.id,
        article,
        reason,
        verification: weakest(&facts),
        facts,
    }
}

fn in_force_phrase(inst: &Instrument) -> &'static str {
    match inst.kind {
        InstrumentKind::EuRegulation => "applies",
        _ => "is in force",
    }
}

/// Question 1 and 2: is `inst` in force on the date, and does it connect the two states?
fn connects<'d>(
    dataset: &'d Dataset,
    inst: &'d Instrument,
    q: &Query,
) -> Result<Link<'d>, NotApplicable<'d>> {
    let eif = &inst.entry_into_force;
    let mut facts = Vec::with_capacity(6);
    let mut conditions = Vec::new();
    let mut reach_used = None;
    match &eif.rule {
        EntryRule::Always => facts.push(FactUse {
            about: Cow::Borrowed(&eif.text),
            source: &eif.source,
        }),
        EntryRule::Fixed { date } => {
            let about = Cow::Owned(format!(
                "{} {} from {date}",
                sentence(&inst.short_name),
                in_force_phrase(inst)
            ));
            let fact = FactUse {
                about,
                source: &eif.source,
            };
            if q.on < *date {
                let reason = format!(
                    "{} {} only from {date}, not on {}",
                    sentence(&inst.short_name),
                    in_force_phrase(inst),
                    q.on
                );
                return Err(not_applicable(inst, None, reason, vec![fact]));
            }
            facts.push(fact);
        }
        EntryRule::AfterRatifications { count, .. } => {
            let general = inst.general_entry_into_force();
            match general {
                Some(g) if q.on >= g => facts.push(FactUse {
                    about: Cow::Owned(format!(
                        "{} is in force from {g}",
                        sentence(&inst.short_name)
                    )),
                    source: &eif.source,
                }),
                _ => {
                    let dated = inst
                        .dated_ratifications()
                        .into_iter()
                        .filter(|d| *d <= q.on)
                        .count();
                    let undated = inst
                        .parties
                        .iter()
                        .filter(|p| p.ratification_reported && p.ratified.is_none())
                        .count();
                    let mut reason = format!(
                        "{} is not in force on {}: {dated} of {count} ratifications",
                        sentence(&inst.short_name),
                        q.on
                    );
                    if undated > 0 {
                        reason.push_str(&format!(" (and {undated} reported without a date)"));
                    }
                    if let Some(g) = general {
                        reason.push_str(&format!("; it enters into force on {g}"));
                    }
                    let mut used = vec![FactUse {
                        about: Cow::Borrowed(&eif.text),
                        source: &eif.source,
                    }];
                    used.extend(inst.status.iter().map(|s| FactUse {
                        about: Cow::Borrowed(&s.text),
                        source: &s.source,
                    }));
                    return Err(not_applicable(inst, None, reason, used));
                }
            }
        }
    }

    match inst.pairing {
        Pairing::AnyStates => {}
        Pairing::AnyTwoParties => {
            let a = bound(dataset, inst, q.from, q.on);
            let b = bound(dataset, inst, q.to, q.on);
            match (a, b) {
                (Ok(fa), Ok(fb)) => facts.extend([fa, fb]),
                (a, b) => return Err(refusal(inst, [a.err(), b.err()])),
            }
        }
        Pairing::Hub => {
            let hub = inst.hub.unwrap_or(q.from);
            if q.from != hub && q.to != hub {
                let hub = state_phrase(dataset, hub);
                let reason = format!(
                    "{} applies only between {hub} and another party; neither side is {hub}",
                    sentence(&inst.short_name),
                );
                return Err(not_applicable(inst, None, reason, Vec::new()));
            }
            let a = bound(dataset, inst, q.from, q.on);
            let b = bound(dataset, inst, q.to, q.on);
            match (a, b) {
                (Ok(fa), Ok(fb)) => facts.extend([fa, fb]),
                (a, b) => return Err(refusal(inst, [a.err(), b.err()])),
            }
        }
        Pairing::RequestingParty => {
            let a = bound(dataset, inst, q.from, q.on);
            let b = match inst.party(q.to) {
                // Listed on the requested side: it must be bound, like the requesting side.
                Some(_) => bound(dataset, inst, q.to, q.on),
                // Not listed: the instrument reaches providers there only under a condition.
                None => match &inst.reach_beyond_parties {
                    Some(reach) => {
                        reach_used = Some(reach.text.as_str());
                        conditions.push(Cow::Borrowed(reach.text.as_str()));
                        Ok(FactUse {
                            about: Cow::Borrowed(&reach.text),
                            source: &reach.source,
                        })
                    }
                    None => bound(dataset, inst, q.to, q.on),
                },
            };
            match (a, b) {
                (Ok(fa), Ok(fb)) => facts.extend([fa, fb]),
                (a, b) => return Err(refusal(inst, [a.err(), b.err()])),
            }
        }
    }
    Ok(Link {
        facts,
        conditions,
        reach: reach_used,
    })
}

/// Why one side is not bound: the reason and the fact behind it.
type SideRefusal<'d> = (String, Option<FactUse<'d>>);

fn refusal<'d>(inst: &'d Instrument, sides: [Option<SideRefusal<'d>>; 2]) -> NotApplicable<'d> {
    let mut reasons: Vec<String> = Vec::new();
    let mut facts = Vec::new();
    for (reason, fact) in sides.into_iter().flatten() {
        if !reasons.contains(&reason) {
            reasons.push(reason);
        }
        facts.extend(fact);
    }
    not_applicable(inst, None, reasons.join("; "), facts)
}

/// Whether `state` is bound by `inst` on `on`; the fact used, or the reason it is not.
fn bound<'d>(
    dataset: &'d Dataset,
    inst: &'d Instrument,
    state: CountryCode,
    on: Date,
) -> Result<FactUse<'d>, SideRefusal<'d>> {
    let name = state_phrase(dataset, state);
    let subject = sentence(&name);
    let Some(party) = inst.party(state) else {
        let reason = match inst.kind {
            InstrumentKind::EuRegulation => {
                format!(
                    "{subject} is not an EU Member State bound by {}",
                    inst.short_name
                )
            }
            InstrumentKind::BilateralAgreement => {
                let names: Vec<String> = inst
                    .parties
                    .iter()
                    .map(|p| state_phrase(dataset, p.state))
                    .collect();
                format!(
                    "{} binds only {}",
                    sentence(&inst.short_name),
                    names.join(" and ")
                )
            }
            _ => format!("{subject} is not a party to {}", inst.short_name),
        };
        return Err((reason, None));
    };
    let fact = |about: String| FactUse {
        about: Cow::Owned(about),
        source: &party.source,
    };
    if !party.bound {
        let reason = party
            .not_bound_reason
            .clone()
            .unwrap_or_else(|| format!("{subject} is not bound by {}", inst.short_name));
        return Err((reason.clone(), Some(fact(reason))));
    }
    if party.status == PartyStatus::Signatory {
        let reason = match party.signed {
            Some(d) => format!(
                "{subject} signed {} on {d} but has not ratified it",
                inst.short_name
            ),
            None => format!(
                "{subject} has signed {} but not ratified it",
                inst.short_name
            ),
        };
        return Err((reason.clone(), Some(fact(reason))));
    }
    match inst.party_entry_into_force(party) {
        None => {
            let reason = if party.ratification_reported {
                format!(
                    "{subject}'s ratification of {} is reported without a date",
                    inst.short_name
                )
            } else {
                format!("{subject} is not yet bound by {}", inst.short_name)
            };
            Err((reason.clone(), Some(fact(reason))))
        }
        Some(from) if on < from => {
            let reason = format!(
                "{} binds {name} only from {from}",
                sentence(&inst.short_name)
            );
            Err((reason.clone(), Some(fact(reason))))
        }
        Some(from) => {
            let name = subject;
            let about = match (
                &inst.entry_into_force.rule,
                party.in_force.or(party.ratified),
            ) {
                (EntryRule::Always, _) => format!("{name} can make and receive requests"),
                (_, Some(_)) => format!("{name} is bound by {} from {from}", inst.short_name),
                (_, None) => format!("{name} is a party to {}", inst.short_name),
            };
            Ok(fact(about))
        }
    }
}

/// Question 3: the mechanisms of an applicable instrument that cover the data.
fn mechanisms<'d>(
    dataset: &'d Dataset,
    inst: &'d Instrument,
    inst_index: usize,
    q: &Query,
    link: Link<'d>,
    pathways: &mut Vec<Pathway<'d>>,
    out: &mut Vec<NotApplicable<'d>>,
) {
    let covering: Vec<(usize, &Mechanism)> = inst
        .mechanisms
        .iter()
        .enumerate()
        .filter(|(_, m)| m.covers(q.data))
        .collect();
    if covering.is_empty() {
        let mut facts = Vec::new();
        let mut reason = format!(
            "{} has no mechanism for {}",
            sentence(&inst.short_name),
            q.data.phrase()
        );
        // Say what the instrument does cover, so the user sees the gap is deliberate.
        let mut covered: Vec<&str> = inst
            .mechanisms
            .iter()
            .flat_map(|m| m.categories.iter().map(|c| c.phrase()))
            .collect();
        covered.sort_unstable();
        covered.dedup();
        reason.push_str(&format!(" (it covers {})", covered.join(", ")));
        for m in &inst.mechanisms {
            for n in &m.category_notes {
                facts.push(FactUse {
                    about: Cow::Borrowed(&n.text),
                    source: &n.source,
                });
            }
        }
        out.push(not_applicable(inst, None, reason, facts));
        return;
    }
    for (mech_index, m) in covering {
        if m.emergency_only && !q.emergency {
            let reason = format!(
                "{} of {} is for emergencies only",
                m.article, inst.short_name
            );
            let facts = vec![FactUse {
                about: Cow::Borrowed(&m.title),
                source: &m.source,
            }];
            out.push(not_applicable(inst, Some(&m.article), reason, facts));
            continue;
        }
        if let Some(r) = inst
            .reservations
            .iter()
            .find(|r| r.state == q.to && r.article == m.article)
        {
            let facts = vec![FactUse {
                about: Cow::Borrowed(&r.text),
                source: &r.source,
            }];
            out.push(not_applicable(
                inst,
                Some(&m.article),
                r.text.clone(),
                facts,
            ));
            continue;
        }
        pathways.push(pathway(dataset, inst, inst_index, mech_index, m, q, &link));
    }
}

fn pathway<'d>(
    _dataset: &'d Dataset,
    inst: &'d Instrument,
    inst_index: usize,
    mech_index: usize,
    m: &'d Mechanism,
    q: &Query,
    link: &Link<'d>,
) -> Pathway<'d> {
    let mut facts = link.facts.clone();
    let mut conditions = link.conditions.clone();
    facts.push(FactUse {
        about: Cow::Owned(format!("{}: {}", m.article, m.title)),
        source: &m.source,
    });
    if let Some(basis) = &m.channel_basis {
        conditions.push(Cow::Borrowed(&basis.text));
        facts.push(FactUse {
            about: Cow::Borrowed(&basis.text),
            source: &basis.source,
        });
    }
    let mut deadlines = Vec::new();
    for d in &m.deadlines {
        if d.category.is_some_and(|c| c != q.data) {
            continue;
        }
        let period = d.period(q.emergency);
        deadlines.push(DeadlineUse {
            kind: d.kind,
            period,
            emergency: q.emergency && d.emergency.is_some(),
            at_least: d.at_least,
            text: &d.text,
            verification: d.source.verification,
        });
        facts.push(FactUse {
            about: Cow::Borrowed(&d.text),
            source: &d.source,
        });
    }
    for c in &m.conditions {
        if c.emergency && !q.emergency {
            continue;
        }
        if c.when.as_ref().is_some_and(|w| !w.matches(q.from, q.to)) {
            continue;
        }
        conditions.push(Cow::Borrowed(&c.text));
        facts.push(FactUse {
            about: Cow::Borrowed(&c.text),
            source: &c.source,
        });
    }
    for n in m.category_notes.iter().filter(|n| n.category == q.data) {
        conditions.push(Cow::Borrowed(&n.text));
        facts.push(FactUse {
            about: Cow::Borrowed(&n.text),
            source: &n.source,
        });
    }
    for n in inst
        .notes
        .iter()
        .filter(|n| n.article == m.article && (n.state == q.to || n.state == q.from))
    {
        conditions.push(Cow::Borrowed(&n.text));
        facts.push(FactUse {
            about: Cow::Borrowed(&n.text),
            source: &n.source,
        });
    }
    let verification = weakest(&facts);
    let unverified = facts
        .iter()
        .filter(|f| f.source.verification == Verification::Unverified)
        .map(|f| f.about.clone())
        .collect();
    let rank = rank(inst, m, &deadlines, q.emergency, inst_index, mech_index);
    Pathway {
        instrument: &inst.id,
        instrument_name: &inst.short_name,
        article: &m.article,
        mechanism: &m.id,
        title: &m.title,
        action: m.action,
        channel: m.channel,
        deadline: deadline_phrase(&deadlines),
        deadlines,
        conditions,
        reach: link.reach,
        verification,
        unverified,
        facts,
        rank,
    }
}

/// The sort key that orders pathways by expected speed (see the module documentation).
fn rank(
    inst: &Instrument,
    m: &Mechanism,
    deadlines: &[DeadlineUse<'_>],
    emergency: bool,
    inst_index: usize,
    mech_index: usize,
) -> (u8, u64, usize, usize) {
    let limit = deadlines
        .iter()
        .filter(|d| {
            matches!(
                d.kind,
                DeadlineKind::Response | DeadlineKind::ProviderWindow
            )
        })
        .map(|d| d.period.hours())
        .min();
    let (bucket, hours) = if inst.kind == InstrumentKind::Fallback {
        (5, 0)
    } else if m.emergency_only && emergency {
        (0, limit.unwrap_or(0))
    } else if let Some(h) = limit {
        (1, h)
    } else {
        match m.channel {
            Channel::Network247 => (2, 0),
            Channel::ProviderDirect => (3, 0),
            Channel::AuthorityToAuthority => (4, 0),
        }
    };
    (bucket, hours, inst_index, mech_index)
}

fn deadline_phrase(deadlines: &[DeadlineUse<'_>]) -> String {
    if deadlines.is_empty() {
        return "no treaty deadline".to_owned();
    }
    let parts: Vec<String> = deadlines
        .iter()
        .map(|d| {
            let p = if d.at_least {
                format!("at least {}", d.period)
            } else {
                d.period.to_string()
            };
            let what = match d.kind {
                DeadlineKind::Response => format!("data within {p}"),
                DeadlineKind::Hold => format!("preserved for {p}"),
                DeadlineKind::HoldExtension => format!("extendable by {p}"),
                DeadlineKind::Serve => format!("served on the provider within {p}"),
                DeadlineKind::RefusalWindow => format!("objections within {p}"),
                DeadlineKind::ProviderWindow => format!("provider has {p} to answer"),
            };
            if d.emergency {
                format!("{what} (emergency)")
            } else {
                what
            }
        })
        .collect();
    parts.join("; ")
}

fn domestic<'d>(dataset: &'d Dataset, q: &Query) -> Answer<'d> {
    let name = state_phrase(dataset, q.from);
    let mut measures = Vec::new();
    let mut parties_to = Vec::new();
    for inst in dataset.instruments() {
        if inst.domestic.is_empty() {
            continue;
        }
        let in_force = inst
            .party(q.from)
            .and_then(|p: &Party| inst.party_entry_into_force(p))
            .is_some_and(|d| d <= q.on)
            && inst.general_entry_into_force().is_none_or(|g| g <= q.on);
        if in_force {
            parties_to.push(inst.short_name.as_str());
            measures.extend(inst.domestic.iter().map(|s| DomesticMeasure {
                instrument: &inst.id,
                text: &s.text,
                source: &s.source,
            }));
        }
    }
    let mut summary = format!(
        "Both sides are {name}: this is a domestic matter for {name}'s own criminal procedure, and no cross-border instrument is needed."
    );
    if !parties_to.is_empty() {
        summary.push_str(&format!(
            " As a party to {}, {name} must provide for the measures listed.",
            parties_to.join(" and ")
        ));
    }
    let not_applicable = dataset
        .instruments()
        .iter()
        .map(|inst| {
            not_applicable(
                inst,
                None,
                format!(
                    "both sides are {name}: {} governs requests between states",
                    inst.short_name
                ),
                Vec::new(),
            )
        })
        .collect();
    Answer {
        query: *q,
        domestic: Some(Domestic {
            state: q.from,
            summary,
            measures,
        }),
        pathways: Vec::new(),
        not_applicable,
    }
}

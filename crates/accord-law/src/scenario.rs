//! The three-state question: an attacker in A uses a computer in B against a victim in C.
//!
//! The victim's state C is the natural requesting state (reference, A/B/C scenario notes). It
//! asks B first to preserve, then to produce; while preserving, B can on its own disclose
//! enough traffic data to identify the provider in A and the path (Budapest Art. 30); C then
//! repeats its request to A. [`scenario`] runs the engine for each leg and writes the
//! one-paragraph summary a liaison officer reads first.

use accord_core::country::CountryCode;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::dataset::Dataset;
use crate::query::{Field, Query, QueryError, parse_category, parse_country, parse_date};
use crate::route::{Domestic, NotApplicable, Pathway, route, sentence, state_phrase};
use crate::vocabulary::{Action, DataCategory};

/// The three-state question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scenario {
    /// The attacker's state (A).
    pub attacker: CountryCode,
    /// The state whose computer or provider was used (B).
    pub via: CountryCode,
    /// The victim's state (C), which asks.
    pub victim: CountryCode,
    /// The data asked for.
    pub data: DataCategory,
    /// Danger to life or similar urgency.
    pub emergency: bool,
    /// The date the answer is for.
    pub on: Date,
}

impl Scenario {
    /// Builds a scenario from raw text, naming the field of any mistake.
    pub fn parse(
        attacker: &str,
        via: &str,
        victim: &str,
        data: &str,
        emergency: bool,
        on: &str,
    ) -> Result<Scenario, QueryError> {
        Ok(Scenario {
            attacker: parse_country(Field::Attacker, attacker)?,
            via: parse_country(Field::Via, via)?,
            victim: parse_country(Field::Victim, victim)?,
            data: parse_category(Field::Data, data)?,
            emergency,
            on: parse_date(Field::On, on)?,
        })
    }
}

/// What one state can ask of another, split into preservation and production.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Leg<'d> {
    /// The requesting state.
    pub from: CountryCode,
    /// The requested state.
    pub to: CountryCode,
    /// Pathways that keep the data, fastest first: ask these first.
    pub preservation: Vec<Pathway<'d>>,
    /// Pathways that hand the data over, fastest first.
    pub production: Vec<Pathway<'d>>,
    /// Instruments that do not apply, with the reason.
    pub not_applicable: Vec<NotApplicable<'d>>,
    /// Present when both sides are the same state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domestic: Option<Domestic<'d>>,
}

/// What the intermediary state can do without being asked to produce.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OwnMotion<'d> {
    /// Disclosure pathways (Budapest Art. 30) open to B towards C.
    pub pathways: Vec<Pathway<'d>>,
    /// Why there is none, when there is none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The answer to the three-state question.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScenarioAnswer<'d> {
    /// The question.
    pub scenario: Scenario,
    /// What C can ask of B.
    pub victim_asks_via: Leg<'d>,
    /// What C can ask of A.
    pub victim_asks_attacker: Leg<'d>,
    /// What B can do on its own to trace the hop back to A.
    pub via_on_its_own: OwnMotion<'d>,
    /// One paragraph for a reader in a hurry.
    pub summary: String,
}

fn leg<'d>(dataset: &'d Dataset, s: &Scenario, to: CountryCode) -> Leg<'d> {
    let answer = route(
        dataset,
        &Query {
            from: s.victim,
            to,
            data: s.data,
            emergency: s.emergency,
            on: s.on,
        },
    );
    let (preservation, production) = answer
        .pathways
        .into_iter()
        .filter(|p| p.action != Action::Disclosure)
        .partition(|p| p.action == Action::Preservation);
    Leg {
        from: s.victim,
        to,
        preservation,
        production,
        not_applicable: answer.not_applicable,
        domestic: answer.domestic,
    }
}

/// Answers the three-state question from `dataset`.
pub fn scenario<'d>(dataset: &'d Dataset, s: &Scenario) -> ScenarioAnswer<'d> {
    let to_via = leg(dataset, s, s.via);
    let to_attacker = leg(dataset, s, s.attacker);
    let own = own_motion(dataset, s);
    let summary = summary(dataset, s, &to_via, &to_attacker, &own);
    ScenarioAnswer {
        scenario: *s,
        victim_asks_via: to_via,
        victim_asks_attacker: to_attacker,
        via_on_its_own: own,
        summary,
    }
}

fn own_motion<'d>(dataset: &'d Dataset, s: &Scenario) -> OwnMotion<'d> {
    let via = sentence(&state_phrase(dataset, s.via));
    if s.via == s.victim {
        return OwnMotion {
            pathways: Vec::new(),
            reason: Some(format!(
                "The computer used is in {via}, the victim's own state: its authorities trace the hop under domestic law"
            )),
        };
    }
    // Art. 30 discloses traffic data whatever the data asked for: it is how B shows C where the
    // connection came from.
    let answer = route(
        dataset,
        &Query {
            from: s.victim,
            to: s.via,
            data: DataCategory::Traffic,
            emergency: s.emergency,
            on: s.on,
        },
    );
    let pathways: Vec<Pathway<'d>> = answer
        .pathways
        .into_iter()
        .filter(|p| p.action == Action::Disclosure)
        .collect();
    let reason = if pathways.is_empty() {
        let why: Vec<String> = answer
            .not_applicable
            .iter()
            .filter(|na| {
                dataset
                    .instrument(na.instrument)
                    .is_some_and(|i| i.mechanisms.iter().any(|m| m.action == Action::Disclosure))
            })
            .map(|na| na.reason.clone())
            .collect();
        Some(if why.is_empty() {
            format!(
                "No instrument in the dataset lets {via} disclose traffic data to {} on its own",
                state_phrase(dataset, s.victim)
            )
        } else {
            format!(
                "{via} has no expedited-disclosure duty towards {}: {}",
                state_phrase(dataset, s.victim),
                why.join("; ")
            )
        })
    } else {
        None
    };
    OwnMotion { pathways, reason }
}

fn describe(p: &Pathway<'_>) -> String {
    let mut text = format!(
        "{}, {} ({}, {})",
        p.instrument_name, p.article, p.channel, p.deadline
    );
    if let Some(reach) = p.reach {
        // "Only if the provider offers services in the Union: ..." → the part before the colon.
        let head = reach.split(':').next().unwrap_or(reach);
        let mut chars = head.chars();
        let lowered: String = chars
            .next()
            .map(|c| c.to_lowercase().chain(chars).collect())
            .unwrap_or_default();
        text.push_str(&format!(", {lowered}"));
    }
    if p.verification == accord_core::source::Verification::Unverified {
        text.push_str(" [relies on unverified facts]");
    }
    text
}

fn summary(
    dataset: &Dataset,
    s: &Scenario,
    to_via: &Leg<'_>,
    to_attacker: &Leg<'_>,
    own: &OwnMotion<'_>,
) -> String {
    let a = state_phrase(dataset, s.attacker);
    let b = state_phrase(dataset, s.via);
    let c = state_phrase(dataset, s.victim);
    let c_cap = sentence(&c);
    let data = s.data.phrase();
    let mut out = format!(
        "On {}, for {data}{}: ",
        s.on,
        if s.emergency { " in an emergency" } else { "" }
    );
    if to_via.domestic.is_some() {
        out.push_str(&format!(
            "the computer used is in {c} itself, so {c} secures it under its own law. "
        ));
    } else {
        match to_via.preservation.first() {
            Some(p) => out.push_str(&format!(
                "{c_cap} should first ask {b} to preserve the data through {}",
                describe(p)
            )),
            None => out.push_str(&format!("{c_cap} has no preservation pathway to {b}")),
        }
        match to_via.production.first() {
            Some(p) => out.push_str(&format!(", then obtain it through {}. ", describe(p))),
            None => out.push_str(&format!(", and no production pathway to {b}. ")),
        }
        match own.pathways.first() {
            Some(p) => out.push_str(&format!(
                "While preserving, {} must disclose enough traffic data to identify the provider in {a} and the path ({}, {}). ",
                b, p.instrument_name, p.article
            )),
            None => {
                if let Some(r) = &own.reason {
                    out.push_str(&format!("{r}. "));
                }
            }
        }
    }
    if to_attacker.domestic.is_some() {
        out.push_str(&format!(
            "The attacker is in {c} itself, so {c} acts under its own law."
        ));
    } else {
        let first = to_attacker
            .preservation
            .first()
            .or(to_attacker.production.first());
        match (first, to_attacker.production.first()) {
            (Some(first), Some(prod)) if first != prod => out.push_str(&format!(
                "{c_cap} then repeats the request to {a}: preservation through {}, production through {}.",
                describe(first),
                describe(prod)
            )),
            (Some(first), _) => out.push_str(&format!(
                "{c_cap} then repeats the request to {a} through {}.",
                describe(first)
            )),
            (None, _) => out.push_str(&format!("{c_cap} has no pathway to {a} in the dataset.")),
        }
    }
    let any_unverified = [to_via, to_attacker].iter().any(|l| {
        l.preservation
            .iter()
            .chain(&l.production)
            .any(|p| !p.unverified.is_empty())
    });
    if any_unverified {
        out.push_str(" Pathways marked as relying on unverified facts must be checked against the official texts before use.");
    }
    out
}

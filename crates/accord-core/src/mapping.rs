//! Principle mapping: data-driven rules that suggest which principles an incident bears on,
//! each with a reason derived from the record.
//!
//! The rules live in `data/principle-rules.json`, not in code, so that the secretariat can read
//! and amend the analysis without a release. A rule is a condition over the incident's facts
//! and a reason template; the template's `{placeholders}` are filled from the facts that made
//! the condition true ("P1: victim sector energy is critical infrastructure"). Suggestions are
//! kept apart from what a reporter asserts: the record shows both, and says which is which.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::accord::PrincipleId;
use crate::country::CountryCode;
use crate::incident::{
    ActorKind, AttributionBasis, AttributionTier, Concerns, ConductRole, ImpactKind, Incident,
    Initiator, Method, Motive, Sector,
};
use crate::validate::{Problems, check_slug};

/// Conditions over one initiator; every field given must hold for the same initiator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InitiatorCondition {
    /// The initiator's kind is one of these.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<Vec<ActorKind>>,
    /// One of the initiator's motives is one of these.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub motive: Option<Vec<Motive>>,
    /// The initiator has (true) or lacks (false) a state nexus.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_nexus: Option<bool>,
}

/// Conditions over one attribution; every field given must hold for the same attribution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttributionCondition {
    /// The attribution rests on one of these bases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basis: Option<Vec<AttributionBasis>>,
    /// The attribution names (true) or does not name (false) a state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub names_state: Option<bool>,
    /// The attribution's tier is one of these (an attribution of basis `none` has no tier).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<Vec<AttributionTier>>,
}

/// A condition over an incident's facts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Condition {
    /// A victim is in one of these sectors. Binds `{sector}` and `{victim}`.
    VictimSector(Vec<Sector>),
    /// An impact is of one of these kinds. Binds `{impact}` (its description) and `{impact_kind}`.
    ImpactKind(Vec<ImpactKind>),
    /// A step uses one of these methods. Binds `{method}` and `{step}`.
    Method(Vec<Method>),
    /// A step names an ATT&CK technique starting with one of these ids (`T1195` matches
    /// `T1195.002`). Binds `{technique}`.
    Technique(Vec<String>),
    /// An initiator matches. Binds `{initiator}`, `{kind}` and, when present, `{motive}`,
    /// `{state}` and `{link}` (what links that state: the strongest attribution naming it, or
    /// "alleged" with the verification of the nexus's source).
    Initiator(InitiatorCondition),
    /// An attribution matches; the strongest matching one (lowest tier, then highest stated
    /// confidence, then first recorded) supplies the bindings. Binds `{attributor}`, `{basis}`,
    /// `{verification}` (of its source), `{tier}` and, when named, `{state}`.
    Attribution(AttributionCondition),
    /// Every condition holds.
    All(Vec<Condition>),
    /// At least one condition holds (the first that does supplies the bindings).
    Any(Vec<Condition>),
}

/// Placeholder values that a condition bound when it held.
pub type Bindings = BTreeMap<&'static str, String>;

impl Condition {
    /// Evaluates the condition; `Some(bindings)` when it holds.
    pub fn eval(&self, i: &Incident) -> Option<Bindings> {
        let one =
            |pairs: &[(&'static str, String)]| -> Bindings { pairs.iter().cloned().collect() };
        match self {
            Condition::VictimSector(sectors) => i.victims.iter().find_map(|v| {
                sectors
                    .contains(&v.sector)
                    .then(|| one(&[("sector", v.sector.to_string()), ("victim", v.name.clone())]))
            }),
            Condition::ImpactKind(kinds) => i.impacts.iter().find_map(|im| {
                kinds.contains(&im.kind).then(|| {
                    one(&[
                        ("impact", im.description.clone()),
                        ("impact_kind", im.kind.to_string()),
                    ])
                })
            }),
            Condition::Method(methods) => i.steps.iter().find_map(|s| {
                s.methods
                    .iter()
                    .find(|m| methods.contains(m))
                    .map(|m| one(&[("method", m.to_string()), ("step", s.description.clone())]))
            }),
            Condition::Technique(prefixes) => i.steps.iter().find_map(|s| {
                s.techniques
                    .iter()
                    .find(|t| {
                        prefixes.iter().any(|p| {
                            t.as_str() == p
                                || t.strip_prefix(p.as_str())
                                    .is_some_and(|r| r.starts_with('.'))
                        })
                    })
                    .map(|t| one(&[("technique", t.clone())]))
            }),
            Condition::Initiator(c) => i.initiators.iter().find_map(|ini| {
                if c.kind.as_ref().is_some_and(|k| !k.contains(&ini.kind)) {
                    return None;
                }
                if c.state_nexus
                    .is_some_and(|want| want != ini.state_nexus.is_some())
                {
                    return None;
                }
                let motive = match &c.motive {
                    Some(ms) => Some(*ini.motives.iter().find(|m| ms.contains(m))?),
                    None => ini.motives.first().copied(),
                };
                let mut b = one(&[
                    ("initiator", ini.name.clone()),
                    ("kind", ini.kind.to_string()),
                ]);
                if let Some(m) = motive {
                    b.insert("motive", m.to_string());
                }
                if let Some(s) = ini.state_nexus {
                    b.insert("state", s.to_string());
                    b.insert("link", nexus_link(i, s, ini));
                }
                Some(b)
            }),
            Condition::Attribution(c) => {
                let a = i
                    .attributions
                    .iter()
                    .enumerate()
                    .filter(|(_, a)| {
                        c.basis.as_ref().is_none_or(|b| b.contains(&a.basis))
                            && c.names_state
                                .is_none_or(|want| want == a.attributed_to.is_some())
                            && c.tier
                                .as_ref()
                                .is_none_or(|t| a.tier().is_some_and(|at| t.contains(&at)))
                    })
                    .min_by_key(|(index, a)| (a.tier().is_none(), a.tier(), a.confidence, *index))
                    .map(|(_, a)| a)?;
                let mut b = one(&[
                    ("attributor", a.by.clone()),
                    ("basis", a.basis.to_string()),
                    ("verification", a.source.verification.to_string()),
                    (
                        "tier",
                        a.tier().map_or_else(|| "no tier".to_owned(), tier_text),
                    ),
                ]);
                if let Some(s) = a.attributed_to {
                    b.insert("state", s.to_string());
                }
                Some(b)
            }
            Condition::All(cs) => {
                let mut all = Bindings::new();
                for c in cs {
                    all.extend(c.eval(i)?);
                }
                Some(all)
            }
            Condition::Any(cs) => cs.iter().find_map(|c| c.eval(i)),
        }
    }

    /// The placeholder names this condition is sure to bind whenever it holds.
    pub fn bound_names(&self) -> Vec<&'static str> {
        match self {
            Condition::VictimSector(_) => vec!["sector", "victim"],
            Condition::ImpactKind(_) => vec!["impact", "impact_kind"],
            Condition::Method(_) => vec!["method", "step"],
            Condition::Technique(_) => vec!["technique"],
            Condition::Initiator(c) => {
                let mut v = vec!["initiator", "kind"];
                if c.motive.is_some() {
                    v.push("motive");
                }
                if c.state_nexus == Some(true) {
                    v.push("state");
                    v.push("link");
                }
                v
            }
            Condition::Attribution(c) => {
                let mut v = vec!["attributor", "basis", "tier", "verification"];
                if c.names_state == Some(true) {
                    v.push("state");
                }
                v
            }
            Condition::All(cs) => {
                let mut v: Vec<&'static str> = cs.iter().flat_map(Condition::bound_names).collect();
                v.sort_unstable();
                v.dedup();
                v
            }
            Condition::Any(cs) => {
                // Only names every branch binds are sure to be there.
                let mut iter = cs.iter().map(Condition::bound_names);
                let first = iter.next().unwrap_or_default();
                iter.fold(first, |acc, names| {
                    acc.into_iter().filter(|n| names.contains(n)).collect()
                })
            }
        }
    }
}

/// A tier in words: "tier 1, official".
fn tier_text(t: AttributionTier) -> String {
    format!("tier {}, {t}", t.number())
}

/// What links the state `state` to the incident through the initiator `ini`: the strongest
/// attribution naming it, or, with none, an allegation resting on the nexus's own source.
fn nexus_link(i: &Incident, state: CountryCode, ini: &Initiator) -> String {
    let strongest = i
        .attributions
        .iter()
        .enumerate()
        .filter(|(_, a)| a.attributed_to == Some(state))
        .filter_map(|(index, a)| Some((a.tier()?, a.confidence, index, a)))
        .min_by_key(|(t, c, index, _)| (*t, *c, *index));
    match strongest {
        Some((t, _, _, a)) => format!(
            "{} by {}, {}, source {}",
            if t.is_formal() {
                "attributed"
            } else {
                "alleged"
            },
            a.by,
            tier_text(t),
            a.source.verification
        ),
        None => format!(
            "alleged: no attribution names it; source {}",
            ini.source.verification
        ),
    }
}

/// One mapping rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Stable id, shown beside each suggestion so a reader can look the rule up.
    pub id: String,
    /// The principle the rule suggests.
    pub principle: PrincipleId,
    /// Whose conduct its suggestions concern (rules stored before this was asked for read as
    /// `unstated`).
    #[serde(default, skip_serializing_if = "is_unstated")]
    pub concerns: ConductRole,
    /// When the rule fires.
    pub when: Condition,
    /// The reason shown to users, with `{placeholders}` filled from the record.
    pub reason: String,
}

/// A principle suggested for an incident by a rule, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Suggestion {
    /// The suggested principle.
    pub principle: PrincipleId,
    /// The rule that made the suggestion.
    pub rule: String,
    /// Why, in words derived from the record.
    pub reason: String,
    /// Whose conduct it concerns, from the rule (suggestions stored before this was recorded
    /// read as `unstated`).
    #[serde(default, skip_serializing_if = "Concerns::is_unstated")]
    pub concerns: Concerns,
}

fn is_unstated(role: &ConductRole) -> bool {
    *role == ConductRole::Unstated
}

/// The mapping rules of an accord.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSet {
    /// The rules, in the order their suggestions are listed.
    pub rules: Vec<Rule>,
}

fn placeholders(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                out.push(&after[..end]);
                rest = &after[end + 1..];
            }
            None => break,
        }
    }
    out
}

fn render(template: &str, b: &Bindings) -> String {
    let mut s = template.to_owned();
    for (k, v) in b {
        s = s.replace(&format!("{{{k}}}"), v);
    }
    s
}

impl RuleSet {
    /// Checks the rules: ids, principles within the accord, and that every placeholder in a
    /// reason is one its condition binds.
    pub fn validate(&self, principles: u8) -> Problems {
        let mut p = Problems::new();
        let mut seen = std::collections::HashSet::new();
        for (i, r) in self.rules.iter().enumerate() {
            let path = format!("rules[{i}]");
            check_slug(&format!("{path}.id"), &r.id, &mut p);
            if !seen.insert(r.id.as_str()) {
                p.push(
                    format!("{path}.id"),
                    format!("duplicate rule id {:?}", r.id),
                );
            }
            if r.principle.0 > principles {
                p.push(
                    format!("{path}.principle"),
                    format!(
                        "{} does not exist: the accord has P1–P{principles}",
                        r.principle
                    ),
                );
            }
            if r.concerns == ConductRole::Unstated {
                p.push(
                    format!("{path}.concerns"),
                    "say whose conduct the rule's suggestions concern: initiator, responder, \
                     territory, victim or other",
                );
            }
            let bound = r.when.bound_names();
            for name in placeholders(&r.reason) {
                if !bound.contains(&name) {
                    p.push(
                        format!("{path}.reason"),
                        format!(
                            "placeholder {{{name}}} is not bound by the condition (it binds: {})",
                            bound.join(", ")
                        ),
                    );
                }
            }
        }
        p
    }

    /// The principles the rules suggest for an incident, one per rule that fires, in rule order.
    pub fn suggest(&self, incident: &Incident) -> Vec<Suggestion> {
        self.rules
            .iter()
            .filter_map(|r| {
                r.when.eval(incident).map(|b| Suggestion {
                    principle: r.principle,
                    rule: r.id.clone(),
                    reason: render(&r.reason, &b),
                    concerns: Concerns::role(r.concerns),
                })
            })
            .collect()
    }
}

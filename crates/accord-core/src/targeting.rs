//! Whom an incident struck and in what circumstances: each victim's target class (civilian,
//! military, dual-use, government non-military) and whether the incident happened during an
//! armed conflict.
//!
//! Both are facts like any other: each carries its [`Source`] and a note, and where sources
//! disagree the record keeps every view with its own source instead of picking one silently
//! (Natanz: a declared civilian enrichment plant under IAEA safeguards, in a programme suspected
//! of military aims). Records stored before these were asked for lack them; they read as
//! unclassified, never as a guessed class.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::source::Source;
use crate::validate::Problems;

/// The class of a target, in the terms of the distinction international humanitarian law draws
/// between civilian objects and military objectives, with the classes the record needs besides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum TargetClass {
    /// A civilian object or population: companies, hospitals, utilities, private users.
    Civilian,
    /// Armed forces, military installations and networks.
    Military,
    /// Used by both civilians and the military (a satellite network serving both, a civilian
    /// nuclear plant in a programme suspected of military aims).
    DualUse,
    /// A government body that is not military: a ministry, an agency, a civil service.
    GovernmentNonMilitary,
    /// A group of victims recorded together whose members are of more than one class (federal
    /// agencies including the defence department); the note says which.
    Mixed,
    /// Sources disagree on the class; the classification lists each view with its source.
    Disputed,
    /// The sources read are silent on it; the note says what was looked for.
    Unknown,
}

impl TargetClass {
    /// Every class, in declaration order.
    pub const ALL: &'static [TargetClass] = &[
        TargetClass::Civilian,
        TargetClass::Military,
        TargetClass::DualUse,
        TargetClass::GovernmentNonMilitary,
        TargetClass::Mixed,
        TargetClass::Disputed,
        TargetClass::Unknown,
    ];

    /// The class as written in data files, query strings and pages.
    pub fn as_str(self) -> &'static str {
        match self {
            TargetClass::Civilian => "civilian",
            TargetClass::Military => "military",
            TargetClass::DualUse => "dual-use",
            TargetClass::GovernmentNonMilitary => "government-non-military",
            TargetClass::Mixed => "mixed",
            TargetClass::Disputed => "disputed",
            TargetClass::Unknown => "unknown",
        }
    }

    /// Parses the written form.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.as_str() == s)
    }

    /// True for a class a source can state (not `disputed` or `unknown`, which describe the
    /// sources rather than the target).
    pub fn is_stated(self) -> bool {
        !matches!(self, TargetClass::Disputed | TargetClass::Unknown)
    }
}

impl fmt::Display for TargetClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The name under which a victim without a classification (a record stored before target
/// classes were asked for) is counted and filtered: it is not a class, and never guessed.
pub const UNCLASSIFIED: &str = "unclassified";

/// One source's view of a target's class, kept where sources disagree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ClassView {
    /// The class this source gives or supports.
    pub class: TargetClass,
    /// What the source says, in words.
    pub note: String,
    /// Where it was read.
    pub source: Source,
}

/// A victim's target class, with its source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TargetClassification {
    /// The record's reading: a stated class, `disputed` when sources disagree and none
    /// prevails, or `unknown` when the sources read are silent.
    pub class: TargetClass,
    /// Why this class: what the target is, what the source says, what was looked for.
    pub note: String,
    /// Where the class was read (for `unknown`, the page read that is silent, or none with
    /// `unverified`).
    pub source: Source,
    /// Views of sources that disagree, each with its own source; a `disputed` class lists at
    /// least two differing ones.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub views: Vec<ClassView>,
}

impl TargetClassification {
    /// Checks the classification, reporting problems under `path`.
    pub fn validate(&self, path: &str, p: &mut Problems) {
        p.require_text(&format!("{path}.note"), &self.note);
        self.source.validate(&format!("{path}.source"), p);
        for (i, v) in self.views.iter().enumerate() {
            let vpath = format!("{path}.views[{i}]");
            if !v.class.is_stated() {
                p.push(
                    format!("{vpath}.class"),
                    format!(
                        "is {}; a view gives a class: civilian, military, dual-use, \
                         government-non-military or mixed",
                        v.class
                    ),
                );
            }
            p.require_text(&format!("{vpath}.note"), &v.note);
            v.source.validate(&format!("{vpath}.source"), p);
        }
        match self.class {
            TargetClass::Disputed => {
                let mut classes: Vec<TargetClass> = self
                    .views
                    .iter()
                    .map(|v| v.class)
                    .filter(|c| c.is_stated())
                    .collect();
                classes.sort();
                classes.dedup();
                if classes.len() < 2 {
                    p.push(
                        format!("{path}.views"),
                        "a disputed class cites each side: at least two views giving different \
                         classes, each with its source",
                    );
                }
            }
            TargetClass::Unknown if !self.views.is_empty() => p.push(
                format!("{path}.views"),
                "the class is unknown (sources silent) but views give a class: record the class \
                 they give, or `disputed`",
            ),
            _ => {}
        }
    }
}

/// Whether an incident happened during an armed conflict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum ConflictStatus {
    /// During an armed conflict involving the victim's state or territory.
    Yes,
    /// Not during an armed conflict involving the states concerned.
    No,
    /// Sources disagree whether an armed conflict was under way, or whether the incident was
    /// part of it.
    Disputed,
    /// The sources read do not say.
    Unknown,
}

impl ConflictStatus {
    /// Every status, in declaration order.
    pub const ALL: &'static [ConflictStatus] = &[
        ConflictStatus::Yes,
        ConflictStatus::No,
        ConflictStatus::Disputed,
        ConflictStatus::Unknown,
    ];

    /// The status as written in data files, query strings and pages.
    pub fn as_str(self) -> &'static str {
        match self {
            ConflictStatus::Yes => "yes",
            ConflictStatus::No => "no",
            ConflictStatus::Disputed => "disputed",
            ConflictStatus::Unknown => "unknown",
        }
    }

    /// Parses the written form.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.as_str() == s)
    }
}

impl fmt::Display for ConflictStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One source's view on whether the incident happened during an armed conflict, kept where
/// sources disagree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ConflictView {
    /// Yes or no, as this source has it.
    pub status: ConflictStatus,
    /// What the source says, in words.
    pub note: String,
    /// Where it was read.
    pub source: Source,
}

/// Whether an incident happened during an armed conflict, with its source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ArmedConflict {
    /// The record's reading.
    pub status: ConflictStatus,
    /// The conflict, named as the sources name it ("Russia's full-scale invasion of Ukraine,
    /// from 24 February 2022"); required unless the status is `no` or `unknown`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conflict: Option<String>,
    /// Why this status: the dates, the parties to the conflict, what was looked for.
    pub note: String,
    /// Where it was read.
    pub source: Source,
    /// Views of sources that disagree, each with its own source; a `disputed` status lists at
    /// least one `yes` and one `no`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub views: Vec<ConflictView>,
}

impl ArmedConflict {
    /// Checks the statement, reporting problems under `path`.
    pub fn validate(&self, path: &str, p: &mut Problems) {
        p.require_text(&format!("{path}.note"), &self.note);
        self.source.validate(&format!("{path}.source"), p);
        match (self.status, &self.conflict) {
            (ConflictStatus::Yes | ConflictStatus::Disputed, None) => p.push(
                format!("{path}.conflict"),
                format!(
                    "the status is {}: name the armed conflict as the sources name it",
                    self.status
                ),
            ),
            (_, Some(c)) => p.require_text(&format!("{path}.conflict"), c),
            _ => {}
        }
        for (i, v) in self.views.iter().enumerate() {
            let vpath = format!("{path}.views[{i}]");
            if !matches!(v.status, ConflictStatus::Yes | ConflictStatus::No) {
                p.push(
                    format!("{vpath}.status"),
                    format!("is {}; a view says yes or no", v.status),
                );
            }
            p.require_text(&format!("{vpath}.note"), &v.note);
            v.source.validate(&format!("{vpath}.source"), p);
        }
        let says = |s: ConflictStatus| self.views.iter().any(|v| v.status == s);
        match self.status {
            ConflictStatus::Disputed
                if !(says(ConflictStatus::Yes) && says(ConflictStatus::No)) =>
            {
                p.push(
                    format!("{path}.views"),
                    "a disputed status cites each side: at least one view saying yes and one \
                     saying no, each with its source",
                );
            }
            ConflictStatus::Unknown if !self.views.is_empty() => p.push(
                format!("{path}.views"),
                "the status is unknown (sources silent) but views give one: record it, or \
                 `disputed`",
            ),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::FuzzyDate;
    use crate::source::Verification;

    fn src() -> Source {
        Source {
            url: Some("https://www.iaea.org/newscenter/focus/iran".into()),
            title: None,
            as_of: FuzzyDate::parse("2026-11").unwrap(),
            verification: Verification::Verified,
            note: None,
        }
    }

    fn view(class: TargetClass) -> ClassView {
        ClassView {
            class,
            note: "a view".into(),
            source: src(),
        }
    }

    fn paths(c: &TargetClassification) -> Vec<String> {
        let mut p = Problems::new();
        c.validate("victims[0].target_class", &mut p);
        p.0.into_iter().map(|p| p.path).collect()
    }

    fn conflict_paths(c: &ArmedConflict) -> Vec<String> {
        let mut p = Problems::new();
        c.validate("armed_conflict", &mut p);
        p.0.into_iter().map(|p| p.path).collect()
    }

    #[test]
    fn written_forms_round_trip() {
        for c in TargetClass::ALL {
            assert_eq!(TargetClass::parse(c.as_str()), Some(*c));
            let json = serde_json::to_string(c).unwrap();
            assert_eq!(json, format!("\"{c}\""));
        }
        for s in ConflictStatus::ALL {
            assert_eq!(ConflictStatus::parse(s.as_str()), Some(*s));
            assert_eq!(serde_json::to_string(s).unwrap(), format!("\"{s}\""));
        }
        assert_eq!(TargetClass::parse("unclassified"), None);
        assert_eq!(TargetClass::parse("Civilian"), None);
    }

    #[test]
    fn a_disputed_class_cites_two_differing_views() {
        let mut c = TargetClassification {
            class: TargetClass::Disputed,
            note: "Natanz".into(),
            source: src(),
            views: vec![view(TargetClass::Civilian)],
        };
        assert_eq!(paths(&c), ["victims[0].target_class.views"]);
        c.views.push(view(TargetClass::Civilian));
        assert_eq!(paths(&c), ["victims[0].target_class.views"]);
        c.views[1].class = TargetClass::Military;
        assert!(paths(&c).is_empty());
        c.views[1].class = TargetClass::Unknown;
        assert_eq!(
            paths(&c),
            [
                "victims[0].target_class.views[1].class",
                "victims[0].target_class.views"
            ]
        );
    }

    #[test]
    fn an_unknown_class_has_no_views_and_every_class_a_note_and_a_source() {
        let mut c = TargetClassification {
            class: TargetClass::Unknown,
            note: " ".into(),
            source: src(),
            views: vec![view(TargetClass::Military)],
        };
        c.source.url = None;
        assert_eq!(
            paths(&c),
            [
                "victims[0].target_class.note",
                "victims[0].target_class.source.url",
                "victims[0].target_class.views"
            ]
        );
        c.source.verification = Verification::Unverified;
        c.note = "no page read says who used the network".into();
        c.views.clear();
        assert!(paths(&c).is_empty());
    }

    #[test]
    fn a_conflict_is_named_and_a_disputed_one_cites_both_sides() {
        let mut a = ArmedConflict {
            status: ConflictStatus::Yes,
            conflict: None,
            note: "an hour before the invasion".into(),
            source: src(),
            views: vec![],
        };
        assert_eq!(conflict_paths(&a), ["armed_conflict.conflict"]);
        a.conflict = Some("Russia's invasion of Ukraine (2022–)".into());
        assert!(conflict_paths(&a).is_empty());
        a.status = ConflictStatus::Disputed;
        a.views.push(ConflictView {
            status: ConflictStatus::Yes,
            note: "part of the war".into(),
            source: src(),
        });
        assert_eq!(conflict_paths(&a), ["armed_conflict.views"]);
        a.views.push(ConflictView {
            status: ConflictStatus::Disputed,
            note: "x".into(),
            source: src(),
        });
        assert_eq!(
            conflict_paths(&a),
            ["armed_conflict.views[1].status", "armed_conflict.views"]
        );
        a.views[1].status = ConflictStatus::No;
        assert!(conflict_paths(&a).is_empty());
        a.status = ConflictStatus::No;
        a.conflict = None;
        assert!(conflict_paths(&a).is_empty());
    }

    #[test]
    fn unknown_fields_and_values_are_refused() {
        let bad = r#"{"class":"civillian","note":"x","source":{"as_of":"2026","verification":"unverified"}}"#;
        let err = serde_json::from_str::<TargetClassification>(bad)
            .unwrap_err()
            .to_string();
        assert!(err.contains("civillian"), "{err}");
        let extra = r#"{"status":"no","note":"x","guess":true,"source":{"as_of":"2026","verification":"unverified"}}"#;
        let err = serde_json::from_str::<ArmedConflict>(extra)
            .unwrap_err()
            .to_string();
        assert!(err.contains("guess"), "{err}");
    }
}

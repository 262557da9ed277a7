//! The bundled dataset's version and the reasons for every change to a shipped record
//! (`data/corrections.json`), and the field-by-field difference between two versions of a
//! record that an amendment shows.
//!
//! A hub seeded with an older release brings its records up to the bundled ones by appending
//! one amendment per changed record to its log, carrying the previous and new values and the
//! reasons this file gives; nothing is rewritten in place. A change to a shipped record with
//! no reason here is not amended: the upgrade names it and stops, so no correction reaches a
//! hub unexplained.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::dataset::{Dataset, DatasetError};
use crate::date::{FuzzyDate, Precision};
use crate::source::Source;
use crate::validate::{Problem, Problems, check_slug};

/// The kinds of shipped record a correction may concern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// An incident (`data/incidents/ID.json`).
    Incident,
    /// A party of the registry (`data/parties.json`).
    Party,
    /// The accord itself (`data/accord.json`: principles, supporter counts…); its id is the
    /// accord's.
    Accord,
    /// The rules that suggest principles (`data/principle-rules.json`); their id is
    /// [`rules_id`] of the accord's.
    Rules,
}

impl RecordKind {
    /// The kind as the files and the log write it.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Incident => "incident",
            RecordKind::Party => "party",
            RecordKind::Accord => "accord",
            RecordKind::Rules => "rules",
        }
    }
}

impl std::fmt::Display for RecordKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The id of accord `accord`'s principle-mapping rules: the id of the entry that records them,
/// and the one their corrections and amendments name.
pub fn rules_id(accord: &str) -> String {
    format!("{accord}-rules")
}

/// The id a correction uses for "every record of its kind" (a field added to all of them).
pub const EVERY_RECORD: &str = "*";

/// Why a shipped record changed: one entry of `data/corrections.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Correction {
    /// The dataset version that first ships the change.
    pub version: u32,
    /// The day the change was made.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2026-12-07"))]
    pub date: FuzzyDate,
    /// The kind of record changed.
    pub kind: RecordKind,
    /// The record's id, or `*` for every record of the kind.
    pub id: String,
    /// The fields the change touched, as paths (`attributions[1].basis`; `[]` stands for
    /// any index: `victims[].target_class`). A field's path covers everything below it. Empty:
    /// any field of the record; required for `*`, so a change to every record explains only
    /// the fields it names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
    /// What changed, in a line (`attributions[1].basis: government-statement → official-remark`).
    pub what: String,
    /// Why: the rule or the source that shows the earlier text wrong.
    pub why: String,
    /// Where the corrected fact was read, if the reason rests on a source.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<Source>,
}

impl Correction {
    /// Whether this correction concerns record `id` of `kind`.
    pub fn concerns(&self, kind: RecordKind, id: &str) -> bool {
        self.kind == kind && (self.id == id || self.id == EVERY_RECORD)
    }

    /// Whether this correction explains a change at field `path` of record `id` of `kind`:
    /// it concerns the record and names the field or one above it (or names no fields).
    pub fn explains(&self, kind: RecordKind, id: &str, path: &str) -> bool {
        self.concerns(kind, id)
            && (self.fields.is_empty() || self.fields.iter().any(|f| covers(f, path)))
    }
}

/// Whether the field `field` is `path` or lies above it; a `[]` in `field` matches any index
/// of `path`, a written index only itself.
fn covers(field: &str, path: &str) -> bool {
    let (f, p) = (field.as_bytes(), path.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < f.len() {
        if f[i..].starts_with(b"[]") {
            if p.get(j) != Some(&b'[') {
                return false;
            }
            match p[j..].iter().position(|&c| c == b']') {
                Some(end) => j += end + 1,
                None => return false,
            }
            i += 2;
        } else {
            if p.get(j) != Some(&f[i]) {
                return false;
            }
            i += 1;
            j += 1;
        }
    }
    matches!(p.get(j), None | Some(b'.' | b'['))
}

/// Why a record was amended, as an amendment carries it: a correction's date, what and why,
/// and its sources.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Reason {
    /// The day the change was made.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2026-12-07"))]
    pub date: FuzzyDate,
    /// What changed, in a line.
    pub what: String,
    /// Why.
    pub why: String,
    /// Where the corrected fact was read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<Source>,
}

impl Reason {
    /// Checks the reason, reporting problems under `path`.
    pub fn validate(&self, path: &str, p: &mut Problems) {
        if self.date.precision() != Precision::Day {
            p.push(
                format!("{path}.date"),
                format!("{} is not a day (YYYY-MM-DD)", self.date),
            );
        }
        p.require_text(&format!("{path}.what"), &self.what);
        p.require_text(&format!("{path}.why"), &self.why);
        for (j, s) in self.sources.iter().enumerate() {
            s.validate(&format!("{path}.sources[{j}]"), p);
        }
    }
}

impl From<&Correction> for Reason {
    fn from(c: &Correction) -> Self {
        Reason {
            date: c.date,
            what: c.what.clone(),
            why: c.why.clone(),
            sources: c.sources.clone(),
        }
    }
}

/// `data/corrections.json`: the dataset's version and the reason for every change to a record
/// shipped in an earlier version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Corrections {
    /// What the file holds and how to add to it.
    #[serde(default)]
    pub about: String,
    /// The version of the dataset as shipped: bumped once in a release that changes a shipped
    /// record (new records alone need no bump).
    pub version: u32,
    /// Every change to a shipped record, oldest first.
    pub corrections: Vec<Correction>,
}

impl Corrections {
    /// Parses `data/corrections.json` and checks it against the dataset it describes: every
    /// correction names a record the dataset holds (or `*`), a version from 1 to the file's,
    /// a day, what changed and why, and valid sources.
    pub fn from_text(text: &str, dataset: &Dataset) -> Result<Self, DatasetError> {
        let file = "corrections.json";
        let c: Corrections = serde_json::from_str(text).map_err(|e| DatasetError::Parse {
            file: file.to_owned(),
            message: e.to_string(),
        })?;
        let mut p = Problems::new();
        if c.version == 0 {
            p.push("version", "must be at least 1");
        }
        for (i, k) in c.corrections.iter().enumerate() {
            let at = format!("corrections[{i}]");
            if k.version == 0 || k.version > c.version {
                p.push(
                    format!("{at}.version"),
                    format!(
                        "is {}; a correction ships in a version from 1 to the dataset's ({})",
                        k.version, c.version
                    ),
                );
            }
            if k.date.precision() != Precision::Day {
                p.push(
                    format!("{at}.date"),
                    format!("{} is not a day (YYYY-MM-DD)", k.date),
                );
            }
            p.require_text(&format!("{at}.what"), &k.what);
            p.require_text(&format!("{at}.why"), &k.why);
            if k.id == EVERY_RECORD && k.fields.is_empty() {
                p.push(
                    format!("{at}.fields"),
                    "a correction of every record (`*`) names the fields it changed",
                );
            }
            for (j, f) in k.fields.iter().enumerate() {
                if f.trim().is_empty() || f.contains(char::is_whitespace) {
                    p.push(
                        format!("{at}.fields[{j}]"),
                        format!("{f:?} is not a field path"),
                    );
                }
            }
            if k.id != EVERY_RECORD {
                // A state party's id is its ISO code ("IL"), not a slug: a party id is checked
                // only against the registry, which validated it.
                if k.kind == RecordKind::Incident {
                    check_slug(&format!("{at}.id"), &k.id, &mut p);
                }
                let known = match k.kind {
                    RecordKind::Incident => dataset.incidents.iter().any(|r| r.id == k.id),
                    RecordKind::Party => dataset.parties.iter().any(|r| r.id == k.id),
                    RecordKind::Accord => dataset.accord.id == k.id,
                    RecordKind::Rules => rules_id(&dataset.accord.id) == k.id,
                };
                if !known {
                    p.push(
                        format!("{at}.id"),
                        format!("the dataset holds no {} {:?}", k.kind, k.id),
                    );
                }
            }
            for (j, s) in k.sources.iter().enumerate() {
                s.validate(&format!("{at}.sources[{j}]"), &mut p);
            }
        }
        if !p.is_empty() {
            return Err(DatasetError::Invalid {
                problems: p
                    .0
                    .into_iter()
                    .map(|x| Problem {
                        path: format!("{file}: {}", x.path),
                        message: x.message,
                    })
                    .collect(),
            });
        }
        Ok(c)
    }

    /// The corrections that explain `changes` to record `id` of `kind` for a hub holding
    /// dataset version `held` (those shipped after it that explain at least one changed field,
    /// oldest first), and the paths of the changes none of them explains.
    pub fn explain(
        &self,
        kind: RecordKind,
        id: &str,
        held: u32,
        changes: &[Change],
    ) -> (Vec<&Correction>, Vec<String>) {
        let shipped: Vec<&Correction> = self
            .corrections
            .iter()
            .filter(|c| c.version > held && c.version <= self.version && c.concerns(kind, id))
            .collect();
        let reasons = shipped
            .iter()
            .copied()
            .filter(|c| changes.iter().any(|ch| c.explains(kind, id, &ch.path)))
            .collect();
        let unexplained = changes
            .iter()
            .filter(|ch| !shipped.iter().any(|c| c.explains(kind, id, &ch.path)))
            .map(|ch| ch.path.clone())
            .collect();
        (reasons, unexplained)
    }
}

/// One field that differs between two versions of a record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Change {
    /// The field's path, as validation writes it (`attributions[1].basis`); empty for the
    /// whole record.
    pub path: String,
    /// The earlier value; absent when the field was added.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub was: Option<Value>,
    /// The new value; absent when the field was removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub now: Option<Value>,
}

/// Every field that differs between `was` and `now`, in the order the fields appear: objects are compared
/// member by member, arrays of equal length element by element; anything else that differs
/// (a scalar, an array that grew or shrank) is one change.
pub fn diff(was: &Value, now: &Value) -> Vec<Change> {
    let mut out = Vec::new();
    walk("", was, now, &mut out);
    out
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn walk(path: &str, was: &Value, now: &Value, out: &mut Vec<Change>) {
    if was == now {
        return;
    }
    match (was, now) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, va) in a {
                match b.get(k) {
                    Some(vb) => walk(&join(path, k), va, vb, out),
                    None => out.push(Change {
                        path: join(path, k),
                        was: Some(va.clone()),
                        now: None,
                    }),
                }
            }
            for (k, vb) in b.iter().filter(|(k, _)| !a.contains_key(*k)) {
                out.push(Change {
                    path: join(path, k),
                    was: None,
                    now: Some(vb.clone()),
                });
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (va, vb)) in a.iter().zip(b).enumerate() {
                walk(&format!("{path}[{i}]"), va, vb, out);
            }
        }
        _ => out.push(Change {
            path: path.to_owned(),
            was: Some(was.clone()),
            now: Some(now.clone()),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn diff_names_each_changed_added_and_removed_field_by_path() {
        let was = json!({"id": "x", "a": [{"basis": "statement"}, {"b": 1}], "gone": true});
        let now = json!({"id": "x", "a": [{"basis": "remark"}, {"b": 1}], "new": {"c": 2}});
        let d = diff(&was, &now);
        assert_eq!(
            d,
            vec![
                Change {
                    path: "a[0].basis".into(),
                    was: Some(json!("statement")),
                    now: Some(json!("remark")),
                },
                Change {
                    path: "gone".into(),
                    was: Some(json!(true)),
                    now: None,
                },
                Change {
                    path: "new".into(),
                    was: None,
                    now: Some(json!({"c": 2})),
                },
            ]
        );
        assert!(diff(&was, &was).is_empty());
    }

    #[test]
    fn a_field_covers_the_fields_below_it_and_brackets_stand_for_any_index() {
        assert!(covers(
            "victims[].target_class",
            "victims[2].target_class.class"
        ));
        assert!(covers("attributions[1].basis", "attributions[1].basis"));
        assert!(covers("dates", "dates.start.date"));
        assert!(!covers("attributions[1].basis", "attributions[0].basis"));
        assert!(!covers("dates.start", "dates.started"));
        assert!(!covers("victims[].target_class", "victims[0].name"));
    }

    #[test]
    fn an_array_that_grew_is_one_change() {
        let d = diff(&json!({"s": [1]}), &json!({"s": [1, 2]}));
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].path, "s");
    }
}

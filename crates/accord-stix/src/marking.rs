//! STIX 2.1 data markings (§7.2), read strictly: the TLP levels an object carries, and whether
//! a `marking-definition` a party submits may be stored.
//!
//! # What is read
//!
//! STIX 2.1 marks content two ways:
//!
//! - `object_marking_refs` (§7.2.2): a list of `marking-definition` identifiers that apply to
//!   the whole object;
//! - `granular_markings` (§7.2.3): a list of granular markings, each with exactly one of
//!   `marking_ref` (a `marking-definition` identifier) or `lang` (an RFC 5646 language tag),
//!   and `selectors` naming the properties or list items it applies to
//!   (`pattern`, `kill_chain_phases.[0].phase_name`).
//!
//! The marking definitions the hub enforces are TLP's: TLP 1.0 as STIX 2.1 §7.2.1.4 predefines
//! it, and TLP 2.0 as the OASIS extension `extension-definition--60a3c5c5-…` defines it
//! ([`TlpMarking`]). A `lang` granular marking says which language text is in and restricts
//! nothing.
//!
//! # Failing closed
//!
//! The hub cannot release part of an object, so an object is held at the **strictest TLP level
//! found anywhere on it**, object-level or granular: a granular TLP:RED on `pattern` makes a
//! TLP:CLEAR indicator RED for reading, and two conflicting TLP markings resolve to the stricter
//! (neither can lower the other). What the hub cannot map to a TLP level it enforces, it
//! refuses, naming the property ([`MarkingError`]): a reference to any other marking
//! definition (a party-made one, a statement), a reference that is not a
//! `marking-definition--UUID` identifier, `object_marking_refs` that is not a list, a granular
//! marking with both or neither of `marking_ref` and `lang`, a selector that selects nothing.
//! A party-made definition cannot claim to be TLP, and a TLP definition's id cannot carry
//! another definition ([`check_definition`]).
//!
//! # Identifiers are compared as UUIDs
//!
//! STIX 2.1 §2.9 makes the part of an identifier after `--` an RFC 4122 UUID, whose hex digits
//! RFC 4122 §3 declares "case insensitive on input": `marking-definition--E828B379-…` is the
//! TLP:RED definition, not an unknown one. The type part is not a UUID and is compared exactly
//! (type names are lower-case, §3.1); only the hyphenated 8-4-4-4-12 form is an identifier.

use accord_tlp::Tlp;
use serde_json::{Map, Value};

use crate::object::StixObject;

/// The Traffic Light Protocol markings: TLP 1.0 as predefined by STIX 2.1
/// §7.2, and TLP 2.0 as published by the OASIS CTI TC with the
/// extension `extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TlpMarking {
    /// TLP 2.0 CLEAR.
    Clear,
    /// TLP 1.0 WHITE (same disclosure level as CLEAR).
    White,
    /// GREEN, TLP 1.0 definition.
    Green,
    /// GREEN, TLP 2.0 definition.
    Green2,
    /// AMBER, TLP 1.0 definition.
    Amber,
    /// AMBER, TLP 2.0 definition.
    Amber2,
    /// TLP 2.0 AMBER+STRICT.
    AmberStrict,
    /// RED, TLP 1.0 definition.
    Red,
    /// RED, TLP 2.0 definition.
    Red2,
}

/// The extension that defines TLP 2.0 marking definitions.
pub const TLP_2_EXTENSION_ID: &str = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";

impl TlpMarking {
    /// Every marking, TLP 1.0 then TLP 2.0.
    pub const ALL: [TlpMarking; 9] = [
        TlpMarking::White,
        TlpMarking::Green,
        TlpMarking::Amber,
        TlpMarking::Red,
        TlpMarking::Clear,
        TlpMarking::Green2,
        TlpMarking::Amber2,
        TlpMarking::AmberStrict,
        TlpMarking::Red2,
    ];

    /// The TLP 2.0 marking definition of a level (TLP 1.0 has no AMBER+STRICT, and the hub
    /// writes 2.0).
    pub fn of(level: Tlp) -> TlpMarking {
        match level {
            Tlp::Clear => TlpMarking::Clear,
            Tlp::Green => TlpMarking::Green2,
            Tlp::Amber => TlpMarking::Amber2,
            Tlp::AmberStrict => TlpMarking::AmberStrict,
            Tlp::Red => TlpMarking::Red2,
        }
    }

    /// The well-known `marking-definition` id.
    pub fn id(self) -> &'static str {
        match self {
            TlpMarking::White => "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
            TlpMarking::Green => "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
            TlpMarking::Amber => "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
            TlpMarking::Red => "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
            TlpMarking::Clear => "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
            TlpMarking::Green2 => "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
            TlpMarking::Amber2 => "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
            TlpMarking::AmberStrict => "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
            TlpMarking::Red2 => "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
        }
    }

    /// The marking with this id, if it is a TLP marking. Identifiers are compared as UUIDs
    /// (the UUID part in any case: RFC 4122 §3; see the module documentation).
    pub fn from_id(id: &str) -> Option<TlpMarking> {
        let uuid = identifier_uuid(id, "marking-definition").ok()?;
        let canonical = format!("marking-definition--{}", uuid.hyphenated());
        TlpMarking::ALL.into_iter().find(|m| m.id() == canonical)
    }

    /// The level as written in TLP (`clear`, `green`, `amber+strict`, …).
    pub fn level(self) -> &'static str {
        match self {
            TlpMarking::Clear => "clear",
            TlpMarking::White => "white",
            TlpMarking::Green | TlpMarking::Green2 => "green",
            TlpMarking::Amber | TlpMarking::Amber2 => "amber",
            TlpMarking::AmberStrict => "amber+strict",
            TlpMarking::Red | TlpMarking::Red2 => "red",
        }
    }

    /// How restrictive the level is: CLEAR/WHITE 0, GREEN 1, AMBER 2,
    /// AMBER+STRICT 3, RED 4 (TLP 2.0 orders them so).
    pub fn rank(self) -> u8 {
        match self {
            TlpMarking::Clear | TlpMarking::White => 0,
            TlpMarking::Green | TlpMarking::Green2 => 1,
            TlpMarking::Amber | TlpMarking::Amber2 => 2,
            TlpMarking::AmberStrict => 3,
            TlpMarking::Red | TlpMarking::Red2 => 4,
        }
    }

    /// Whether this is a TLP 2.0 definition.
    pub fn is_tlp2(self) -> bool {
        matches!(
            self,
            TlpMarking::Clear
                | TlpMarking::Green2
                | TlpMarking::Amber2
                | TlpMarking::AmberStrict
                | TlpMarking::Red2
        )
    }

    /// The marking-definition object as published.
    pub fn definition(self) -> StixObject {
        let mut p = Map::new();
        p.insert("spec_version".into(), "2.1".into());
        if self.is_tlp2() {
            p.insert("created".into(), "2022-10-01T00:00:00.000Z".into());
            p.insert(
                "name".into(),
                format!("TLP:{}", self.level().to_uppercase()).into(),
            );
            let mut ext = Map::new();
            ext.insert("extension_type".into(), "property-extension".into());
            ext.insert("tlp_2_0".into(), self.level().into());
            let mut exts = Map::new();
            exts.insert(TLP_2_EXTENSION_ID.into(), Value::Object(ext));
            p.insert("extensions".into(), Value::Object(exts));
        } else {
            p.insert("created".into(), "2017-01-20T00:00:00.000Z".into());
            p.insert("definition_type".into(), "tlp".into());
            p.insert(
                "name".into(),
                format!("TLP:{}", self.level().to_uppercase()).into(),
            );
            let mut def = Map::new();
            def.insert("tlp".into(), self.level().into());
            p.insert("definition".into(), Value::Object(def));
        }
        StixObject {
            object_type: "marking-definition".into(),
            id: self.id().into(),
            properties: p,
        }
    }
}

/// The level a TLP marking definition states: TLP 1.0 WHITE is CLEAR.
impl From<TlpMarking> for Tlp {
    fn from(m: TlpMarking) -> Tlp {
        match m {
            TlpMarking::Clear | TlpMarking::White => Tlp::Clear,
            TlpMarking::Green | TlpMarking::Green2 => Tlp::Green,
            TlpMarking::Amber | TlpMarking::Amber2 => Tlp::Amber,
            TlpMarking::AmberStrict => Tlp::AmberStrict,
            TlpMarking::Red | TlpMarking::Red2 => Tlp::Red,
        }
    }
}

// The object's own view of its TLP markings lives here, beside the definitions, so that
// `object` does not depend on this module.
impl StixObject {
    /// The TLP markings among `object_marking_refs`, in order.
    pub fn tlp_markings(&self) -> Vec<TlpMarking> {
        match self.get("object_marking_refs") {
            Some(Value::Array(refs)) => refs
                .iter()
                .filter_map(|r| r.as_str().and_then(TlpMarking::from_id))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The most restrictive TLP marking on the object, if any. When an
    /// object carries several (it should not), the strictest one governs.
    pub fn strictest_tlp(&self) -> Option<TlpMarking> {
        self.tlp_markings().into_iter().max_by_key(|m| m.rank())
    }
}

/// Why the hub cannot enforce an object's markings, naming the property at fault
/// (`granular_markings[0].marking_ref`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{property}`: {reason}")]
pub struct MarkingError {
    /// The property, as a path into the object (`object_marking_refs[1]`,
    /// `granular_markings[0].selectors[2]`).
    pub property: String,
    /// What is wrong with it.
    pub reason: String,
}

fn refuse(property: impl Into<String>, reason: impl Into<String>) -> MarkingError {
    MarkingError {
        property: property.into(),
        reason: reason.into(),
    }
}

/// The UUID of the STIX identifier `id`, which must be `{object_type}--UUID` with the UUID in
/// its hyphenated form (any case).
pub fn identifier_uuid(id: &str, object_type: &str) -> Result<uuid::Uuid, String> {
    let (ty, uuid) = id
        .split_once("--")
        .ok_or_else(|| format!("{id:?} is not an identifier (`{object_type}--UUID`)"))?;
    if ty != object_type {
        return Err(format!(
            "{id:?} is not a `{object_type}` identifier (`{object_type}--UUID`)"
        ));
    }
    // `Uuid::try_parse` also takes the simple, braced and URN forms, which STIX does not.
    let hyphenated = uuid.len() == 36
        && uuid
            .char_indices()
            .all(|(i, c)| matches!(i, 8 | 13 | 18 | 23) == (c == '-'));
    match uuid::Uuid::try_parse(uuid) {
        Ok(u) if hyphenated => Ok(u),
        _ => Err(format!(
            "{id:?}: `{uuid}` is not a UUID in its hyphenated form"
        )),
    }
}

/// The TLP level of one marking reference at `property`, or why it is refused.
fn tlp_reference(reference: &Value, property: &str) -> Result<Tlp, MarkingError> {
    let Some(id) = reference.as_str() else {
        return Err(refuse(
            property,
            format!("must be a marking-definition identifier (a string), not {reference}"),
        ));
    };
    identifier_uuid(id, "marking-definition").map_err(|reason| refuse(property, reason))?;
    match TlpMarking::from_id(id) {
        Some(m) => Ok(Tlp::from(m)),
        None => Err(refuse(
            property,
            format!(
                "{id} is not a TLP marking definition; this hub enforces TLP only (the TLP 1.0 \
                 definitions of STIX 2.1 §7.2.1.4 and the TLP 2.0 ones of \
                 {TLP_2_EXTENSION_ID}) and refuses markings it cannot enforce"
            ),
        )),
    }
}

fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// The strictest TLP level among all of `object`'s markings, object-level and granular
/// (`None` when it carries no TLP marking), or the first marking it cannot enforce.
pub fn strictest_level(object: &StixObject) -> Result<Option<Tlp>, MarkingError> {
    let mut strictest: Option<Tlp> = None;
    let mut found = |level: Tlp| strictest = strictest.max(Some(level));
    match object.get("object_marking_refs") {
        None => {}
        Some(Value::Array(refs)) => {
            for (i, r) in refs.iter().enumerate() {
                found(tlp_reference(r, &format!("object_marking_refs[{i}]"))?);
            }
        }
        Some(other) => {
            return Err(refuse(
                "object_marking_refs",
                format!(
                    "must be a list of marking-definition identifiers, not {}",
                    describe(other)
                ),
            ));
        }
    }
    match object.get("granular_markings") {
        None => {}
        Some(Value::Array(items)) => {
            let whole = Value::Object(object.to_value());
            for (i, item) in items.iter().enumerate() {
                if let Some(level) = granular(item, i, &whole)? {
                    found(level);
                }
            }
        }
        Some(other) => {
            return Err(refuse(
                "granular_markings",
                format!(
                    "must be a list of granular markings, not {}",
                    describe(other)
                ),
            ));
        }
    }
    Ok(strictest)
}

/// Granular marking `i` (STIX 2.1 §7.2.3): its TLP level (`None` for a language marking).
fn granular(item: &Value, i: usize, whole: &Value) -> Result<Option<Tlp>, MarkingError> {
    let at = format!("granular_markings[{i}]");
    let Value::Object(marking) = item else {
        return Err(refuse(
            at,
            format!(
                "must be a granular marking ({{\"marking_ref\" or \"lang\", \"selectors\"}}), not {}",
                describe(item)
            ),
        ));
    };
    let level = match (marking.get("marking_ref"), marking.get("lang")) {
        (Some(_), Some(_)) => {
            return Err(refuse(
                at,
                "has both `marking_ref` and `lang`; STIX 2.1 §7.2.3 allows exactly one",
            ));
        }
        (None, None) => {
            return Err(refuse(
                at,
                "has neither `marking_ref` nor `lang`; STIX 2.1 §7.2.3 requires exactly one",
            ));
        }
        (Some(r), None) => Some(tlp_reference(r, &format!("{at}.marking_ref"))?),
        (None, Some(lang)) => {
            if !lang.as_str().is_some_and(is_language_tag) {
                return Err(refuse(
                    format!("{at}.lang"),
                    format!(
                        "must be an RFC 5646 language tag such as \"en\" or \"fr-BE\", not {lang}"
                    ),
                ));
            }
            None
        }
    };
    let selectors = match marking.get("selectors") {
        Some(Value::Array(s)) if !s.is_empty() => s,
        Some(other) => {
            return Err(refuse(
                format!("{at}.selectors"),
                format!("must be a non-empty list of selectors, not {other}"),
            ));
        }
        None => {
            return Err(refuse(
                format!("{at}.selectors"),
                "is required: it names what the marking applies to",
            ));
        }
    };
    for (j, s) in selectors.iter().enumerate() {
        let path = format!("{at}.selectors[{j}]");
        let s = s
            .as_str()
            .ok_or_else(|| refuse(&path, format!("must be a selector (a string), not {s}")))?;
        select(whole, s).map_err(|reason| refuse(&path, format!("{s:?} {reason}")))?;
    }
    Ok(level)
}

/// Resolves a selector (STIX 2.1 §7.2.3.1: property names and `[n]` list indices joined by
/// `.`) in `object`; the selected content must be present.
fn select<'a>(object: &'a Value, selector: &str) -> Result<&'a Value, String> {
    let mut at = object;
    for (k, step) in selector.split('.').enumerate() {
        if let Some(index) = step.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            if k == 0 {
                return Err("starts with a list index; a selector starts with a property".into());
            }
            if index.is_empty() || !index.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!("has `{step}`, which is not a list index `[n]`"));
            }
            let n: usize = index
                .parse()
                .map_err(|_| format!("has list index {index}, which is out of range"))?;
            at = at
                .as_array()
                .ok_or_else(|| format!("indexes `{step}` into something that is not a list"))?
                .get(n)
                .ok_or_else(|| format!("has list index {n}, past the end of the list"))?;
        } else {
            if step.is_empty() {
                return Err("has an empty step".into());
            }
            at = at
                .as_object()
                .and_then(|m| m.get(step))
                .ok_or_else(|| format!("selects `{step}`, which the object does not have"))?;
        }
    }
    Ok(at)
}

/// A well-formed RFC 5646 tag, loosely: subtags of 1 to 8 ASCII letters or digits joined by
/// `-`, the first of letters.
fn is_language_tag(tag: &str) -> bool {
    let mut subtags = tag.split('-');
    subtags
        .next()
        .is_some_and(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphabetic()))
        && subtags
            .all(|s| (1..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// What a `marking-definition` says about TLP: whether it claims to be a TLP definition, and
/// each level it states, with where.
fn tlp_claims(definition: &StixObject) -> (bool, Vec<(String, String)>) {
    let mut claims = false;
    let mut levels = Vec::new();
    for property in ["definition_type", "name"] {
        if let Some(text) = definition.get_str(property)
            && text.to_ascii_lowercase().contains("tlp")
        {
            claims = true;
            // `definition_type: "tlp"` names the family, not a level.
            if !(property == "definition_type" && text.eq_ignore_ascii_case("tlp")) {
                levels.push((property.to_owned(), text.to_owned()));
            }
        }
    }
    if let Some(Value::Object(d)) = definition.get("definition")
        && let Some(level) = d.get("tlp")
    {
        claims = true;
        levels.push(("definition.tlp".into(), level.to_string()));
    }
    if let Some(Value::Object(extensions)) = definition.get("extensions") {
        for (key, extension) in extensions {
            let is_tlp2 = identifier_uuid(key, "extension-definition").ok()
                == identifier_uuid(TLP_2_EXTENSION_ID, "extension-definition").ok();
            if is_tlp2 {
                claims = true;
                let level = extension.get("tlp_2_0").map_or_else(
                    || "(none)".to_owned(),
                    |l| l.as_str().map_or_else(|| l.to_string(), str::to_owned),
                );
                levels.push((format!("extensions.{key}.tlp_2_0"), level));
            }
        }
    }
    (claims, levels)
}

/// Checks a `marking-definition` a party submits. A TLP definition's id (compared as a UUID)
/// may carry only that definition: each level it states must be its own, so nobody can
/// redefine what TLP:RED means for clients that resolve definitions from a collection. Any
/// other definition may not claim to be TLP (by `definition_type`, `name`, `definition.tlp`
/// or the TLP 2.0 extension): a party-made "TLP:RED" is refused, not trusted.
pub fn check_definition(definition: &StixObject) -> Result<(), MarkingError> {
    let (claims, levels) = tlp_claims(definition);
    match TlpMarking::from_id(&definition.id) {
        Some(m) => {
            let own = Tlp::from(m);
            let fixed = format!(
                "{} is the predefined {own} definition and cannot be redefined",
                m.id()
            );
            if levels.is_empty() {
                return Err(refuse(
                    "id",
                    format!("{fixed}: this one does not state its level"),
                ));
            }
            for (property, stated) in levels {
                if Tlp::parse(stated.trim_matches('"')) != Some(own) {
                    return Err(refuse(property, format!("{fixed}: this one says {stated}")));
                }
            }
            Ok(())
        }
        None if claims => {
            let (property, said) = levels
                .first()
                .cloned()
                .unwrap_or_else(|| ("definition_type".into(), "tlp".into()));
            let instead = Tlp::parse(said.trim_matches('"'))
                .map(|l| format!(" (for {l}: {})", TlpMarking::of(l).id()))
                .unwrap_or_default();
            Err(refuse(
                property,
                format!(
                    "a party-made marking definition cannot claim to be TLP ({said}): mark \
                     objects with the predefined TLP definitions instead{instead}"
                ),
            ))
        }
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const RED2: &str = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";

    fn indicator(extra: Value) -> StixObject {
        let mut v = json!({
            "type": "indicator", "spec_version": "2.1",
            "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
            "pattern": "[ipv4-addr:value = '192.0.2.1']", "pattern_type": "stix",
            "valid_from": "2026-01-01T00:00:00Z",
            "kill_chain_phases": [{"kill_chain_name": "lockheed", "phase_name": "delivery"}]
        });
        for (k, x) in extra.as_object().into_iter().flatten() {
            v[k] = x.clone();
        }
        StixObject::from_value(v).unwrap()
    }

    #[test]
    fn tlp_definitions_validate_and_resolve() {
        for m in TlpMarking::ALL {
            m.definition()
                .validate()
                .unwrap_or_else(|e| panic!("{m:?}: {e}"));
            assert_eq!(TlpMarking::from_id(m.id()), Some(m));
        }
        assert_eq!(TlpMarking::AmberStrict.level(), "amber+strict");
    }

    #[test]
    fn strictest_tlp_governs() {
        let o = indicator(json!({"object_marking_refs": [
            TlpMarking::Green.id(),
            "marking-definition--00000000-0000-4000-8000-000000000000",
            TlpMarking::AmberStrict.id()
        ]}));
        assert_eq!(
            o.tlp_markings(),
            vec![TlpMarking::Green, TlpMarking::AmberStrict]
        );
        assert_eq!(o.strictest_tlp(), Some(TlpMarking::AmberStrict));
        assert_eq!(indicator(json!({})).strictest_tlp(), None);
    }

    fn level(extra: Value) -> Result<Option<Tlp>, MarkingError> {
        strictest_level(&indicator(extra))
    }

    fn refused_at(extra: Value) -> String {
        match level(extra) {
            Err(e) => e.property,
            Ok(l) => panic!("accepted at {l:?}"),
        }
    }

    #[test]
    fn a_granular_red_on_the_pattern_holds_the_whole_object_red() {
        let clear = TlpMarking::Clear.id();
        let got = level(json!({
            "object_marking_refs": [clear],
            "granular_markings": [{"marking_ref": RED2, "selectors": ["pattern"]}]
        }));
        assert_eq!(got, Ok(Some(Tlp::Red)));
    }

    #[test]
    fn identifiers_are_compared_as_uuids() {
        let upper = format!(
            "marking-definition--{}",
            "E828B379-4E03-4974-9AC4-E53A884C97C1"
        );
        assert_eq!(
            level(json!({"object_marking_refs": [upper]})),
            Ok(Some(Tlp::Red))
        );
        assert_eq!(
            level(json!({"granular_markings": [{"marking_ref": upper, "selectors": ["pattern"]}]})),
            Ok(Some(Tlp::Red))
        );
        // The type part is not a UUID, and STIX identifiers are hyphenated UUIDs only.
        for bad in [
            "MARKING-DEFINITION--e828b379-4e03-4974-9ac4-e53a884c97c1",
            "marking-definition--e828b3794e0349749ac4e53a884c97c1",
            "marking-definition--{e828b379-4e03-4974-9ac4-e53a884c97c1}",
            "identity--e828b379-4e03-4974-9ac4-e53a884c97c1",
        ] {
            assert_eq!(
                refused_at(json!({"object_marking_refs": [TlpMarking::Clear.id(), bad]})),
                "object_marking_refs[1]",
                "{bad}"
            );
        }
    }

    #[test]
    fn markings_the_hub_cannot_enforce_are_refused_naming_the_property() {
        let custom = "marking-definition--00000000-0000-4000-8000-000000000000";
        assert_eq!(
            refused_at(json!({"object_marking_refs": [custom]})),
            "object_marking_refs[0]"
        );
        assert_eq!(
            refused_at(json!({"object_marking_refs": RED2})),
            "object_marking_refs"
        );
        assert_eq!(
            refused_at(json!({"object_marking_refs": [7]})),
            "object_marking_refs[0]"
        );
        assert_eq!(
            refused_at(
                json!({"granular_markings": [{"marking_ref": custom, "selectors": ["pattern"]}]})
            ),
            "granular_markings[0].marking_ref"
        );
        assert_eq!(
            refused_at(
                json!({"granular_markings": {"marking_ref": RED2, "selectors": ["pattern"]}})
            ),
            "granular_markings"
        );
        assert_eq!(
            refused_at(
                json!({"granular_markings": [{"marking_ref": RED2, "lang": "en", "selectors": ["name"]}]})
            ),
            "granular_markings[0]"
        );
        assert_eq!(
            refused_at(json!({"granular_markings": [{"selectors": ["pattern"]}]})),
            "granular_markings[0]"
        );
        assert_eq!(
            refused_at(json!({"granular_markings": [{"marking_ref": RED2}]})),
            "granular_markings[0].selectors"
        );
        assert_eq!(
            refused_at(json!({"granular_markings": [{"marking_ref": RED2, "selectors": []}]})),
            "granular_markings[0].selectors"
        );
        assert_eq!(
            refused_at(
                json!({"granular_markings": [{"marking_ref": RED2, "selectors": ["pattern", "nope"]}]})
            ),
            "granular_markings[0].selectors[1]"
        );
        assert_eq!(
            refused_at(
                json!({"granular_markings": [{"lang": "not a tag", "selectors": ["pattern"]}]})
            ),
            "granular_markings[0].lang"
        );
    }

    #[test]
    fn selectors_reach_into_lists_and_sub_properties() {
        let ok = |s: &str| {
            level(
                json!({"granular_markings": [{"marking_ref": TlpMarking::Amber.id(), "selectors": [s]}]}),
            )
        };
        assert_eq!(ok("kill_chain_phases.[0].phase_name"), Ok(Some(Tlp::Amber)));
        assert_eq!(ok("kill_chain_phases.[0]"), Ok(Some(Tlp::Amber)));
        assert_eq!(ok("kill_chain_phases"), Ok(Some(Tlp::Amber)));
        for bad in [
            "kill_chain_phases.[1]",
            "kill_chain_phases.[x]",
            "kill_chain_phases.[+0]",
            "[0]",
            "pattern.[0]",
            "kill_chain_phases..phase_name",
            "",
        ] {
            assert!(ok(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn language_markings_restrict_nothing_and_conflicts_take_the_strictest() {
        assert_eq!(
            level(json!({"granular_markings": [{"lang": "fr-BE", "selectors": ["pattern"]}]})),
            Ok(None)
        );
        assert_eq!(
            level(json!({"object_marking_refs": [TlpMarking::Red.id(), TlpMarking::Clear.id()]})),
            Ok(Some(Tlp::Red))
        );
        assert_eq!(
            level(json!({"object_marking_refs": [TlpMarking::Green2.id()],
                "granular_markings": [{"marking_ref": TlpMarking::White.id(), "selectors": ["pattern"]}]})),
            Ok(Some(Tlp::Green))
        );
        assert_eq!(level(json!({"object_marking_refs": []})), Ok(None));
    }

    fn definition(v: Value) -> StixObject {
        StixObject::from_value(v).unwrap()
    }

    #[test]
    fn the_predefined_tlp_definitions_are_accepted_as_published() {
        for m in TlpMarking::ALL {
            check_definition(&m.definition()).unwrap_or_else(|e| panic!("{m:?}: {e}"));
        }
    }

    #[test]
    fn a_tlp_definition_id_cannot_be_redefined() {
        let mut d = TlpMarking::Red2.definition().to_value();
        d["extensions"][TLP_2_EXTENSION_ID]["tlp_2_0"] = json!("clear");
        let e = check_definition(&definition(Value::Object(d))).unwrap_err();
        assert_eq!(
            e.property,
            format!("extensions.{TLP_2_EXTENSION_ID}.tlp_2_0")
        );
        let mut d = TlpMarking::Red.definition().to_value();
        d["id"] = json!("marking-definition--5E57C739-391A-4EB3-B6BE-7D15CA92D5ED");
        d["definition"] = json!({"tlp": "white"});
        assert_eq!(
            check_definition(&definition(Value::Object(d)))
                .unwrap_err()
                .property,
            "definition.tlp"
        );
        let bare = json!({"type": "marking-definition", "spec_version": "2.1", "id": RED2,
            "created": "2022-10-01T00:00:00.000Z", "definition_type": "statement",
            "definition": {"statement": "share freely"}});
        assert_eq!(
            check_definition(&definition(bare)).unwrap_err().property,
            "id"
        );
    }

    #[test]
    fn a_party_made_definition_cannot_claim_to_be_tlp() {
        let base = json!({"type": "marking-definition", "spec_version": "2.1",
            "id": "marking-definition--00000000-0000-4000-8000-000000000000",
            "created": "2026-01-01T00:00:00.000Z"});
        let with = |extra: Value| {
            let mut v = base.clone();
            for (k, x) in extra.as_object().into_iter().flatten() {
                v[k] = x.clone();
            }
            check_definition(&definition(v))
        };
        let e = with(json!({"name": "TLP:RED", "definition_type": "statement",
            "definition": {"statement": "red"}}))
        .unwrap_err();
        assert_eq!(e.property, "name");
        assert!(e.reason.contains(RED2), "{e}");
        assert_eq!(
            with(json!({"definition_type": "tlp", "definition": {"tlp": "red"}}))
                .unwrap_err()
                .property,
            "definition.tlp"
        );
        let upper_ext = TLP_2_EXTENSION_ID
            .to_ascii_uppercase()
            .replace("EXTENSION-DEFINITION", "extension-definition");
        assert!(with(json!({"extensions": {upper_ext: {"extension_type": "property-extension", "tlp_2_0": "red"}}})).is_err());
        with(
            json!({"name": "Copyright ACME", "definition_type": "statement",
            "definition": {"statement": "© ACME"}}),
        )
        .expect("a statement is not a TLP claim");
    }
}

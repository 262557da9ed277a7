//! STIX 2.1 objects: a common envelope, validation, and typed views.
//!
//! Every STIX object is held as a [`StixObject`]: its `type` and `id`, plus
//! all other properties in document order. Keeping the properties as JSON
//! rather than as one struct per type means that custom properties (`x_…`),
//! extensions and properties of newer spec revisions survive a round trip
//! unchanged, which a hub relaying other parties' intelligence must
//! guarantee. [`StixObject::validate`] checks what STIX 2.1 requires of each
//! type it knows (common properties, per-type required properties,
//! `type--UUID` identifiers, timestamps) and names the object and property
//! at fault. Typed views ([`Indicator`], [`ObservedData`]) extract what the
//! matcher needs. (The TLP marking definitions are in the `marking` module.)

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::literal::parse_timestamp;

/// A problem with a STIX object. Each variant names the object (id and
/// type) and, where there is one, the property.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ObjectError {
    /// The text is not a JSON object with a string `type` and `id`.
    #[error("not a STIX object: {reason}")]
    Malformed {
        /// The JSON parser's explanation.
        reason: String,
    },
    /// A property that STIX 2.1 requires is absent.
    #[error("{object_type} {id}: missing required property `{property}`")]
    MissingProperty {
        /// The object's id.
        id: String,
        /// The object's type.
        object_type: String,
        /// The missing property.
        property: String,
    },
    /// A property is present but its value is not allowed.
    #[error("{object_type} {id}: invalid `{property}`: {reason}")]
    InvalidProperty {
        /// The object's id.
        id: String,
        /// The object's type.
        object_type: String,
        /// The property.
        property: String,
        /// Why the value is not allowed.
        reason: String,
    },
}

/// Which family of STIX objects a type belongs to (SDO, SRO, SCO, SMO).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectFamily {
    /// STIX Domain Object (indicator, malware, …).
    Domain,
    /// STIX Relationship Object (relationship, sighting).
    Relationship,
    /// STIX Cyber-observable Object (file, ipv4-addr, …).
    CyberObservable,
    /// STIX Meta Object (marking-definition).
    Meta,
    /// A bundle.
    Bundle,
    /// A type this crate does not know (custom objects, newer types).
    Unknown,
}

/// SDO types and the properties STIX 2.1 requires of each, beyond the
/// common `type`, `spec_version`, `id`, `created`, `modified`.
const DOMAIN_TYPES: &[(&str, &[&str])] = &[
    ("attack-pattern", &["name"]),
    ("campaign", &["name"]),
    ("course-of-action", &["name"]),
    ("grouping", &["context", "object_refs"]),
    ("identity", &["name"]),
    ("incident", &["name"]),
    ("indicator", &["pattern", "pattern_type", "valid_from"]),
    ("infrastructure", &["name"]),
    ("intrusion-set", &["name"]),
    ("location", &[]),
    ("malware", &["is_family"]),
    ("malware-analysis", &["product"]),
    ("note", &["content", "object_refs"]),
    (
        "observed-data",
        &["first_observed", "last_observed", "number_observed"],
    ),
    ("opinion", &["opinion", "object_refs"]),
    ("report", &["name", "published", "object_refs"]),
    ("threat-actor", &["name"]),
    ("tool", &["name"]),
    ("vulnerability", &["name"]),
];

/// SROs and their required properties.
const RELATIONSHIP_TYPES: &[(&str, &[&str])] = &[
    (
        "relationship",
        &["relationship_type", "source_ref", "target_ref"],
    ),
    ("sighting", &["sighting_of_ref"]),
];

/// SCO types and the properties STIX 2.1 §6 requires of each. An empty list
/// with an "at least one of" rule is checked separately.
const OBSERVABLE_TYPES: &[(&str, &[&str])] = &[
    ("artifact", &[]),
    ("autonomous-system", &["number"]),
    ("directory", &["path"]),
    ("domain-name", &["value"]),
    ("email-addr", &["value"]),
    ("email-message", &["is_multipart"]),
    ("file", &[]),
    ("ipv4-addr", &["value"]),
    ("ipv6-addr", &["value"]),
    ("mac-addr", &["value"]),
    ("mutex", &["name"]),
    ("network-traffic", &["protocols"]),
    ("process", &[]),
    ("software", &["name"]),
    ("url", &["value"]),
    ("user-account", &[]),
    ("windows-registry-key", &[]),
    ("x509-certificate", &[]),
];

/// "At least one of" rules of STIX 2.1 §6 for SCOs.
const AT_LEAST_ONE_OF: &[(&str, &[&str])] = &[
    ("artifact", &["payload_bin", "url"]),
    ("file", &["hashes", "name"]),
    ("network-traffic", &["src_ref", "dst_ref"]),
];

fn lookup(
    table: &[(&'static str, &'static [&'static str])],
    ty: &str,
) -> Option<&'static [&'static str]> {
    table
        .iter()
        .find(|(t, _)| *t == ty)
        .map(|(_, props)| *props)
}

/// Classifies an object type.
pub fn family(object_type: &str) -> ObjectFamily {
    if lookup(DOMAIN_TYPES, object_type).is_some() {
        ObjectFamily::Domain
    } else if lookup(RELATIONSHIP_TYPES, object_type).is_some() {
        ObjectFamily::Relationship
    } else if lookup(OBSERVABLE_TYPES, object_type).is_some() {
        ObjectFamily::CyberObservable
    } else if object_type == "marking-definition" || object_type == "language-content" {
        ObjectFamily::Meta
    } else if object_type == "bundle" {
        ObjectFamily::Bundle
    } else {
        ObjectFamily::Unknown
    }
}

/// Any STIX object: `type` and `id` plus every other property, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StixObject {
    /// The object type, e.g. `indicator` or `file`.
    #[serde(rename = "type")]
    pub object_type: String,
    /// The identifier, `type--UUID`.
    pub id: String,
    /// All other properties, including custom ones, in document order.
    #[serde(flatten)]
    pub properties: Map<String, Value>,
}

impl StixObject {
    /// Parses one object from JSON text (without validating it).
    pub fn from_json(text: &str) -> Result<StixObject, ObjectError> {
        serde_json::from_str(text).map_err(|e| ObjectError::Malformed {
            reason: e.to_string(),
        })
    }

    /// Converts a JSON value into an object (without validating it).
    pub fn from_value(value: Value) -> Result<StixObject, ObjectError> {
        serde_json::from_value(value).map_err(|e| ObjectError::Malformed {
            reason: e.to_string(),
        })
    }

    /// Converts a JSON object into an object (without validating it): the
    /// same result as [`StixObject::from_value`], without a serde round
    /// trip through the flattened properties (several times faster, which
    /// matters when reading millions of observations).
    pub fn from_map(mut map: Map<String, Value>) -> Result<StixObject, ObjectError> {
        let mut take = |key: &str| match map.shift_remove(key) {
            Some(Value::String(s)) => Ok(s),
            Some(other) => Err(ObjectError::Malformed {
                reason: format!("`{key}` is {other}, not a string"),
            }),
            None => Err(ObjectError::Malformed {
                reason: format!("missing field `{key}`"),
            }),
        };
        let object_type = take("type")?;
        let id = take("id")?;
        Ok(StixObject {
            object_type,
            id,
            properties: map,
        })
    }

    /// The object as a JSON object, `type` and `id` first.
    pub fn to_value(&self) -> Map<String, Value> {
        let mut map = Map::with_capacity(self.properties.len() + 2);
        map.insert("type".into(), Value::String(self.object_type.clone()));
        map.insert("id".into(), Value::String(self.id.clone()));
        for (k, v) in &self.properties {
            map.insert(k.clone(), v.clone());
        }
        map
    }

    /// A property by name.
    pub fn get(&self, property: &str) -> Option<&Value> {
        self.properties.get(property)
    }

    /// A string property, if present and a string.
    pub fn get_str(&self, property: &str) -> Option<&str> {
        self.get(property).and_then(Value::as_str)
    }

    /// Which family the object's type belongs to.
    pub fn family(&self) -> ObjectFamily {
        family(&self.object_type)
    }

    fn missing(&self, property: &str) -> ObjectError {
        ObjectError::MissingProperty {
            id: self.id.clone(),
            object_type: self.object_type.clone(),
            property: property.into(),
        }
    }

    fn invalid(&self, property: &str, reason: impl Into<String>) -> ObjectError {
        ObjectError::InvalidProperty {
            id: self.id.clone(),
            object_type: self.object_type.clone(),
            property: property.into(),
            reason: reason.into(),
        }
    }

    fn require(&self, property: &str) -> Result<&Value, ObjectError> {
        self.get(property).ok_or_else(|| self.missing(property))
    }

    /// A required STIX timestamp property.
    pub fn timestamp(&self, property: &str) -> Result<jiff::Timestamp, ObjectError> {
        let value = self.require(property)?;
        let text = value
            .as_str()
            .ok_or_else(|| self.invalid(property, "not a string"))?;
        parse_timestamp(text).map_err(|reason| self.invalid(property, reason))
    }

    /// An optional STIX timestamp property.
    pub fn optional_timestamp(
        &self,
        property: &str,
    ) -> Result<Option<jiff::Timestamp>, ObjectError> {
        match self.get(property) {
            None => Ok(None),
            Some(_) => self.timestamp(property).map(Some),
        }
    }

    /// Checks the object against STIX 2.1: identifier, common properties of
    /// its family, the type's required properties and timestamp formats.
    /// Unknown types are checked for the identifier only.
    pub fn validate(&self) -> Result<(), ObjectError> {
        validate_id(&self.id, &self.object_type).map_err(|reason| self.invalid("id", reason))?;
        let family = self.family();
        let required = match family {
            ObjectFamily::Domain => lookup(DOMAIN_TYPES, &self.object_type),
            ObjectFamily::Relationship => lookup(RELATIONSHIP_TYPES, &self.object_type),
            ObjectFamily::CyberObservable => lookup(OBSERVABLE_TYPES, &self.object_type),
            _ => None,
        };
        if matches!(
            family,
            ObjectFamily::Domain | ObjectFamily::Relationship | ObjectFamily::Meta
        ) {
            // STIX 2.1 §3 common properties: spec_version and created are required on SDOs,
            // SROs and marking definitions; modified on SDOs and SROs.
            match self.require("spec_version")?.as_str() {
                Some("2.1") => {}
                _ => return Err(self.invalid("spec_version", "must be \"2.1\"")),
            }
            let created = self.timestamp("created")?;
            if family != ObjectFamily::Meta {
                let modified = self.timestamp("modified")?;
                if modified < created {
                    return Err(self.invalid("modified", "earlier than `created`"));
                }
            }
        }
        for property in required.unwrap_or_default() {
            self.require(property)?;
        }
        if let Some(any) = lookup(AT_LEAST_ONE_OF, &self.object_type)
            && !any.iter().any(|p| self.get(p).is_some())
        {
            return Err(self.missing(&any.join("` or `")));
        }
        self.validate_type_specific()
    }

    fn validate_type_specific(&self) -> Result<(), ObjectError> {
        match self.object_type.as_str() {
            "indicator" => {
                let valid_from = self.timestamp("valid_from")?;
                if let Some(until) = self.optional_timestamp("valid_until")?
                    && until <= valid_from
                {
                    return Err(self.invalid("valid_until", "not later than `valid_from`"));
                }
                if self.get_str("pattern_type") == Some("stix") {
                    let pattern = self
                        .get_str("pattern")
                        .ok_or_else(|| self.invalid("pattern", "not a string"))?;
                    crate::pattern::Pattern::parse(pattern)
                        .map_err(|e| self.invalid("pattern", e.to_string()))?;
                }
            }
            "observed-data" => {
                let first = self.timestamp("first_observed")?;
                let last = self.timestamp("last_observed")?;
                if last < first {
                    return Err(self.invalid("last_observed", "earlier than `first_observed`"));
                }
                // STIX 2.1 §4.14: number_observed is 1 to 999,999,999.
                match self.get("number_observed").and_then(Value::as_u64) {
                    Some(1..=999_999_999) => {}
                    _ => {
                        return Err(self
                            .invalid("number_observed", "must be an integer from 1 to 999999999"));
                    }
                }
                if self.get("object_refs").is_none() && self.get("objects").is_none() {
                    return Err(self.missing("object_refs"));
                }
            }
            "report" => {
                self.timestamp("published")?;
            }
            // STIX 2.1 §4.11: a malware family must have a name.
            "malware" if self.get("is_family") == Some(&Value::Bool(true)) => {
                self.require("name")?;
            }
            // STIX 2.1 §7.2 (data markings): definition_type/definition, unless the
            // definition comes from an extension (TLP 2.0 does that).
            "marking-definition" if self.get("extensions").is_none() => {
                self.require("definition_type")?;
                self.require("definition")?;
            }
            "relationship" => {
                for p in ["source_ref", "target_ref"] {
                    let r = self
                        .get_str(p)
                        .ok_or_else(|| self.invalid(p, "not a string"))?;
                    validate_reference(r).map_err(|reason| self.invalid(p, reason))?;
                }
            }
            "sighting" => {
                let r = self
                    .get_str("sighting_of_ref")
                    .ok_or_else(|| self.invalid("sighting_of_ref", "not a string"))?;
                validate_reference(r).map_err(|reason| self.invalid("sighting_of_ref", reason))?;
                // STIX 2.1 §5.7: count, when present, is 0 to 999,999,999 (a larger one would
                // overflow a tally of several sightings).
                if let Some(count) = self.get("count")
                    && !matches!(count.as_u64(), Some(0..=999_999_999))
                {
                    return Err(self.invalid("count", "must be an integer from 0 to 999999999"));
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// Checks `type--UUID` and that the type part matches the object's type
/// (STIX 2.1 §2, identifier data type).
pub fn validate_id(id: &str, object_type: &str) -> Result<(), String> {
    let (ty, uuid) = id.split_once("--").ok_or("expected `type--UUID`")?;
    if ty != object_type {
        return Err(format!(
            "type part `{ty}` does not match object type `{object_type}`"
        ));
    }
    uuid::Uuid::try_parse(uuid).map_err(|e| format!("`{uuid}` is not a UUID: {e}"))?;
    Ok(())
}

/// Checks a reference (`*_ref`) to another object: any `type--UUID`.
pub fn validate_reference(reference: &str) -> Result<(), String> {
    let (ty, _) = reference.split_once("--").ok_or("expected `type--UUID`")?;
    validate_id(reference, ty)
}

/// A problem reading a stream of objects: where, and what.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("line {line}: {error}")]
pub struct StreamError {
    /// 1-based line where the offending JSON value starts (or where the
    /// JSON syntax error is).
    pub line: usize,
    /// What is wrong.
    pub error: ObjectError,
}

/// Reads STIX objects from text holding one or more JSON values: a bundle
/// (pretty-printed or not), single objects, or NDJSON mixing both. Bundles
/// are flattened into their objects, in order. Objects are not validated
/// (see [`StixObject::validate`]); a value that is not a STIX object is an
/// error with its line.
pub fn parse_objects(text: &str) -> Result<Vec<StixObject>, StreamError> {
    let line_at = |offset: usize| {
        let rest = text.get(offset..).unwrap_or("");
        let start = offset + (rest.len() - rest.trim_start().len());
        text.get(..start).map_or(1, |s| s.matches('\n').count() + 1)
    };
    let mut out = Vec::new();
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Value>();
    loop {
        let start = stream.byte_offset();
        let value = match stream.next() {
            None => return Ok(out),
            Some(Ok(value)) => value,
            Some(Err(e)) => {
                return Err(StreamError {
                    line: e.line().max(1),
                    error: ObjectError::Malformed {
                        reason: e.to_string(),
                    },
                });
            }
        };
        let line = line_at(start);
        let wrap = |error| StreamError { line, error };
        if value.get("type").and_then(Value::as_str) == Some("bundle") {
            let bundle: Bundle = serde_json::from_value(value).map_err(|e| {
                wrap(ObjectError::Malformed {
                    reason: e.to_string(),
                })
            })?;
            out.extend(bundle.objects);
        } else {
            out.push(StixObject::from_value(value).map_err(wrap)?);
        }
    }
}

/// A bundle of objects (STIX 2.1 §8).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bundle {
    /// Always `bundle`.
    #[serde(rename = "type")]
    pub object_type: String,
    /// `bundle--UUID`.
    pub id: String,
    /// The objects, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub objects: Vec<StixObject>,
    /// Other properties (custom, or `spec_version` from STIX 2.0 bundles).
    #[serde(flatten)]
    pub properties: Map<String, Value>,
}

impl Bundle {
    /// Parses a bundle from JSON text (without validating its objects).
    pub fn from_json(text: &str) -> Result<Bundle, ObjectError> {
        serde_json::from_str(text).map_err(|e| ObjectError::Malformed {
            reason: e.to_string(),
        })
    }

    /// Validates the bundle and every object in it, stopping at the first problem.
    pub fn validate(&self) -> Result<(), ObjectError> {
        if self.object_type != "bundle" {
            return Err(ObjectError::InvalidProperty {
                id: self.id.clone(),
                object_type: self.object_type.clone(),
                property: "type".into(),
                reason: "must be \"bundle\"".into(),
            });
        }
        validate_id(&self.id, "bundle").map_err(|reason| ObjectError::InvalidProperty {
            id: self.id.clone(),
            object_type: "bundle".into(),
            property: "id".into(),
            reason,
        })?;
        self.objects.iter().try_for_each(StixObject::validate)
    }

    /// Finds an object by id.
    pub fn get(&self, id: &str) -> Option<&StixObject> {
        self.objects.iter().find(|o| o.id == id)
    }
}

/// What the matcher needs from an `indicator` (STIX 2.1 §4.7).
#[derive(Debug, Clone, PartialEq)]
pub struct Indicator {
    /// `indicator--UUID`.
    pub id: String,
    /// The optional human name.
    pub name: Option<String>,
    /// The pattern text.
    pub pattern: String,
    /// The pattern language (`stix`, `snort`, `yara`, …).
    pub pattern_type: String,
    /// From when the indicator is valid.
    pub valid_from: jiff::Timestamp,
    /// Until when it is valid (exclusive), if bounded.
    pub valid_until: Option<jiff::Timestamp>,
}

impl Indicator {
    /// Extracts the view from an object, checking the properties it reads.
    pub fn from_object(object: &StixObject) -> Result<Indicator, ObjectError> {
        if object.object_type != "indicator" {
            return Err(object.invalid("type", "not an indicator"));
        }
        let text = |p: &str| -> Result<String, ObjectError> {
            object
                .require(p)?
                .as_str()
                .map(str::to_string)
                .ok_or_else(|| object.invalid(p, "not a string"))
        };
        Ok(Indicator {
            id: object.id.clone(),
            name: object.get_str("name").map(str::to_string),
            pattern: text("pattern")?,
            pattern_type: text("pattern_type")?,
            valid_from: object.timestamp("valid_from")?,
            valid_until: object.optional_timestamp("valid_until")?,
        })
    }

    /// Whether the indicator is valid at `t` (`valid_from <= t < valid_until`).
    pub fn is_valid_at(&self, t: jiff::Timestamp) -> bool {
        self.valid_from <= t && self.valid_until.is_none_or(|until| t < until)
    }
}

/// What the evaluator needs from `observed-data` (STIX 2.1 §4.14).
#[derive(Debug, Clone, PartialEq)]
pub struct ObservedData {
    /// `observed-data--UUID`.
    pub id: String,
    /// Start of the observation window.
    pub first_observed: jiff::Timestamp,
    /// End of the observation window.
    pub last_observed: jiff::Timestamp,
    /// How many times the data was observed.
    pub number_observed: u64,
    /// References to the observed SCOs (STIX 2.1 style).
    pub object_refs: Vec<String>,
    /// Embedded SCOs keyed by local name (STIX 2.0 style, deprecated in 2.1).
    pub objects: Option<Map<String, Value>>,
}

impl ObservedData {
    /// Extracts the view from an object, checking the properties it reads.
    pub fn from_object(object: &StixObject) -> Result<ObservedData, ObjectError> {
        if object.object_type != "observed-data" {
            return Err(object.invalid("type", "not observed-data"));
        }
        let number_observed = object
            .require("number_observed")?
            .as_u64()
            .filter(|n| (1..=999_999_999).contains(n))
            .ok_or_else(|| {
                object.invalid("number_observed", "must be an integer from 1 to 999999999")
            })?;
        let object_refs = match object.get("object_refs") {
            None => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| object.invalid("object_refs", "not a list of identifiers"))?,
            Some(_) => return Err(object.invalid("object_refs", "not a list")),
        };
        let objects = match object.get("objects") {
            None => None,
            Some(Value::Object(m)) => Some(m.clone()),
            Some(_) => return Err(object.invalid("objects", "not a dictionary")),
        };
        if object_refs.is_empty() && objects.is_none() {
            return Err(object.missing("object_refs"));
        }
        Ok(ObservedData {
            id: object.id.clone(),
            first_observed: object.timestamp("first_observed")?,
            last_observed: object.timestamp("last_observed")?,
            number_observed,
            object_refs,
            objects,
        })
    }
}

/// Builds a `sighting` (STIX 2.1 §5.2) of `indicator_id`, seen in the
/// observed-data `observed_data_refs` between `first_seen` and `last_seen`.
/// `id` must be a UUID (callers choose v4 or a deterministic v5).
pub fn sighting(
    id: uuid::Uuid,
    created: jiff::Timestamp,
    indicator_id: &str,
    observed_data_refs: &[String],
    first_seen: jiff::Timestamp,
    last_seen: jiff::Timestamp,
    count: u64,
) -> StixObject {
    let stamp = |t: jiff::Timestamp| Value::String(format!("{t:.3}"));
    let mut p = Map::new();
    p.insert("spec_version".into(), "2.1".into());
    p.insert("created".into(), stamp(created));
    p.insert("modified".into(), stamp(created));
    p.insert("first_seen".into(), stamp(first_seen));
    p.insert("last_seen".into(), stamp(last_seen));
    p.insert("count".into(), count.into());
    p.insert("sighting_of_ref".into(), indicator_id.into());
    p.insert(
        "observed_data_refs".into(),
        Value::Array(
            observed_data_refs
                .iter()
                .map(|r| Value::String(r.clone()))
                .collect(),
        ),
    );
    StixObject {
        object_type: "sighting".into(),
        id: format!("sighting--{id}"),
        properties: p,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn from_map_agrees_with_from_value() {
        for v in [
            indicator(),
            json!({"type": "file", "id": "file--1", "x_custom": {"a": [1, 2]}, "name": "a"}),
            json!({"id": "file--1", "type": "file"}),
        ] {
            let Value::Object(map) = v.clone() else {
                panic!("an object")
            };
            assert_eq!(
                StixObject::from_map(map).unwrap(),
                StixObject::from_value(v).unwrap()
            );
        }
        for v in [json!({"type": "file"}), json!({"type": 1, "id": "file--1"})] {
            let Value::Object(map) = v.clone() else {
                panic!("an object")
            };
            assert!(StixObject::from_map(map).is_err());
            assert!(StixObject::from_value(v).is_err());
        }
    }

    fn obj(v: Value) -> StixObject {
        StixObject::from_value(v).expect("object")
    }

    fn indicator() -> Value {
        json!({
            "type": "indicator",
            "spec_version": "2.1",
            "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "created": "2016-04-06T20:03:48.000Z",
            "modified": "2016-04-06T20:03:48.000Z",
            "name": "Poison Ivy",
            "pattern": "[file:hashes.'SHA-256' = 'ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c']",
            "pattern_type": "stix",
            "valid_from": "2016-01-01T00:00:00Z",
            "x_acme_score": 7
        })
    }

    #[test]
    fn valid_indicator_round_trips_with_custom_properties() {
        let text = serde_json::to_string(&indicator()).expect("json");
        let o = StixObject::from_json(&text).expect("parses");
        o.validate().expect("valid");
        let back: Value = serde_json::to_value(&o).expect("json");
        assert_eq!(back, indicator());
        assert_eq!(back["x_acme_score"], 7);
        let view = Indicator::from_object(&o).expect("view");
        assert_eq!(view.pattern_type, "stix");
        assert!(view.is_valid_at("2020-01-01T00:00:00Z".parse().expect("ts")));
        assert!(!view.is_valid_at("2015-01-01T00:00:00Z".parse().expect("ts")));
    }

    #[test]
    fn errors_name_object_and_property() {
        let mut v = indicator();
        v.as_object_mut().expect("map").remove("valid_from");
        let e = obj(v).validate().expect_err("invalid");
        assert_eq!(
            e.to_string(),
            "indicator indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f: missing required property `valid_from`"
        );
    }

    #[test]
    fn bad_pattern_is_reported_on_the_pattern_property() {
        let mut v = indicator();
        v["pattern"] = json!("[file:name = ");
        let e = obj(v).validate().expect_err("invalid");
        assert!(
            matches!(e, ObjectError::InvalidProperty { ref property, .. } if property == "pattern"),
            "{e}"
        );
    }

    #[test]
    fn ids_must_be_type_uuid() {
        assert!(validate_id("file--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", "file").is_ok());
        assert!(validate_id("url--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", "file").is_err());
        assert!(validate_id("file--not-a-uuid", "file").is_err());
        assert!(validate_id("file-5e57c739", "file").is_err());
    }

    #[test]
    fn timestamps_must_be_utc() {
        let mut v = indicator();
        v["created"] = json!("2016-04-06T20:03:48+01:00");
        let e = obj(v).validate().expect_err("invalid");
        assert!(
            matches!(e, ObjectError::InvalidProperty { ref property, .. } if property == "created")
        );
    }

    #[test]
    fn malware_families_need_a_name() {
        let family = json!({"type": "malware", "spec_version": "2.1",
            "id": "malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "created": "2016-04-06T20:03:48.000Z", "modified": "2016-04-06T20:03:48.000Z",
            "is_family": true});
        let e = obj(family.clone()).validate().expect_err("no name");
        assert!(
            matches!(e, ObjectError::MissingProperty { ref property, .. } if property == "name")
        );
        let mut instance = family;
        instance["is_family"] = json!(false);
        obj(instance).validate().expect("a sample needs no name");
    }

    #[test]
    fn sco_rules() {
        let ok = obj(
            json!({"type": "ipv4-addr", "id": "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd", "value": "198.51.100.3"}),
        );
        ok.validate().expect("valid");
        let file = obj(
            json!({"type": "file", "id": "file--ff26c055-6336-5bc5-b98d-13d6226742dd", "size": 3}),
        );
        assert!(matches!(
            file.validate(),
            Err(ObjectError::MissingProperty { .. })
        ));
    }

    #[test]
    fn observed_data_rules() {
        let base = json!({
            "type": "observed-data", "spec_version": "2.1",
            "id": "observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf",
            "created": "2016-04-06T19:58:16.000Z", "modified": "2016-04-06T19:58:16.000Z",
            "first_observed": "2015-12-21T19:00:00Z", "last_observed": "2015-12-21T19:00:00Z",
            "number_observed": 50,
            "object_refs": ["ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd"]
        });
        let o = obj(base.clone());
        o.validate().expect("valid");
        let view = ObservedData::from_object(&o).expect("view");
        assert_eq!(view.number_observed, 50);
        let mut zero = base;
        zero["number_observed"] = json!(0);
        assert!(obj(zero).validate().is_err());
    }

    #[test]
    fn streams_of_bundles_and_objects() {
        let bundle = json!({"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d",
            "objects": [indicator(), indicator()]});
        let pretty = serde_json::to_string_pretty(&bundle).expect("json");
        assert_eq!(parse_objects(&pretty).expect("bundle").len(), 2);
        let ndjson = format!("{}\n\n{}\n{}\n", indicator(), bundle, indicator());
        assert_eq!(parse_objects(&ndjson).expect("ndjson").len(), 4);
        let bad = format!("{}\n{{\"type\": \"x\"}}\n", indicator());
        let e = parse_objects(&bad).expect_err("no id");
        assert_eq!(e.line, 2, "{e}");
        let broken = format!("{}\n{{\"type\": ", indicator());
        assert_eq!(parse_objects(&broken).expect_err("truncated").line, 2);
        assert!(parse_objects("").expect("empty").is_empty());
    }

    #[test]
    fn bundle_validates_each_object() {
        let b = json!({"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d",
            "objects": [indicator(), {"type": "tool", "id": "tool--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"}]});
        let bundle = Bundle::from_json(&b.to_string()).expect("bundle");
        let e = bundle.validate().expect_err("tool lacks properties");
        assert!(e.to_string().starts_with("tool tool--8e2e2d2b"), "{e}");
    }

    #[test]
    fn sighting_is_valid() {
        let t: jiff::Timestamp = "2020-01-01T00:00:00Z".parse().expect("ts");
        let s = sighting(
            uuid::Uuid::new_v4(),
            t,
            "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            &["observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf".into()],
            t,
            t,
            1,
        );
        s.validate().expect("valid sighting");
        assert_eq!(s.get_str("created"), Some("2020-01-01T00:00:00.000Z"));
    }

    #[test]
    fn a_sighting_count_beyond_the_spec_range_is_refused() {
        let t: jiff::Timestamp = "2020-01-01T00:00:00Z".parse().expect("ts");
        let mut v = sighting(
            uuid::Uuid::new_v4(),
            t,
            "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            &[],
            t,
            t,
            1,
        )
        .to_value();
        for (count, ok) in [
            (json!(0), true),
            (json!(999_999_999), true),
            (json!(1_000_000_000), false),
            (json!(u64::MAX), false),
            (json!(-1), false),
            (json!(1.5), false),
            (json!("3"), false),
        ] {
            v.insert("count".into(), count.clone());
            let r = StixObject::from_map(v.clone()).and_then(|o| o.validate());
            match r {
                Ok(()) => assert!(ok, "count {count} accepted"),
                Err(e) => {
                    assert!(!ok, "count {count} refused: {e}");
                    assert!(
                        matches!(e, ObjectError::InvalidProperty { ref property, .. } if property == "count"),
                        "{e}"
                    );
                }
            }
        }
    }
}

//! Sensor telemetry as STIX observations.
//!
//! CSIRTs rarely hold their own traffic as STIX `observed-data`; they hold
//! Suricata's `eve.json` and Zeek's JSON logs. This module maps one record
//! of either into an [`Observation`] of STIX 2.1 cyber-observable objects
//! (STIX 2.1 §6), so every indicator can be matched against it unchanged.
//! [`suricata`] and [`zeek`] document each field mapping; what a sensor
//! records and STIX has no property for is left out rather than invented.
//!
//! It also reads the input files themselves: [`Records`] walks text holding
//! NDJSON, single JSON values or pretty-printed STIX bundles and yields each
//! record with the line it starts on, so every error names `file:line`, and
//! [`detect`] tells, record by record, which format it is in (a file may mix
//! them).
//!
//! # Design
//!
//! - Objects of one record are stored under local keys `"0"`, `"1"`, … and
//!   refer to each other by those keys (`src_ref: "1"`), as STIX 2.0
//!   `observed-data` did; the evaluator resolves `*_ref` paths by key.
//! - Addresses are deduplicated within a record, so `network-traffic:src_ref`
//!   and `domain-name:resolves_to_refs` point at the same `ipv4-addr`.
//! - The observation id is `observed-data--` + a UUIDv5 of the record's
//!   JSON text: the same record always yields the same id, so sightings of
//!   a re-read log are stable.
//! - Record types the mappings do not cover (Suricata `alert`, `stats`,
//!   Zeek `weird`) map to `Ok(None)`: they are skipped and counted by the
//!   caller, not errors, because real logs interleave them.
//!
//! ```
//! use accord_stix::telemetry::{self, Format};
//!
//! let line = r#"{"timestamp":"2026-11-29T10:00:00.000000+0000","event_type":"dns",
//!   "src_ip":"192.0.2.10","src_port":53001,"dest_ip":"198.51.100.53","dest_port":53,
//!   "proto":"UDP","dns":{"type":"query","id":1,"rrname":"c2.example","rrtype":"A"}}"#;
//! let record: serde_json::Map<String, serde_json::Value> = serde_json::from_str(line).unwrap();
//! assert_eq!(telemetry::detect(&record), Some(Format::Suricata));
//! let observation = telemetry::observation(&record).unwrap().unwrap();
//! assert!(observation.objects.iter().any(|(_, o)| o["value"] == "c2.example"));
//! ```

pub mod suricata;
pub mod zeek;

use std::collections::HashMap;
use std::net::IpAddr;

use serde_json::{Map, Value};

use crate::eval::Observation;

/// The format of one input record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A STIX object (`type` and `id`), including a bundle.
    Stix,
    /// A Suricata EVE record (`event_type`, `timestamp`).
    Suricata,
    /// A Zeek JSON log record (`ts`, and `_path` or the fields of a known log).
    Zeek,
}

/// Tells which format a JSON record is in, or `None` if it is none of them.
pub fn detect(record: &Map<String, Value>) -> Option<Format> {
    let has = |k: &str| record.contains_key(k);
    if record.get("type").is_some_and(Value::is_string)
        && record.get("id").is_some_and(Value::is_string)
    {
        Some(Format::Stix)
    } else if record.get("event_type").is_some_and(Value::is_string) && has("timestamp") {
        Some(Format::Suricata)
    } else if has("ts") && (has("_path") || zeek::log_kind(record).is_some()) {
        Some(Format::Zeek)
    } else {
        None
    }
}

/// Maps a Suricata or Zeek record to an observation; `Ok(None)` for a
/// record type the mappings do not cover (see the module docs).
pub fn observation(record: &Map<String, Value>) -> Result<Option<Observation>, TelemetryError> {
    match detect(record) {
        Some(Format::Suricata) => suricata::observation(record),
        Some(Format::Zeek) => zeek::observation(record),
        Some(Format::Stix) => Err(TelemetryError::NotTelemetry {
            reason: "a STIX object, not sensor telemetry".into(),
        }),
        None => Err(TelemetryError::NotTelemetry {
            reason: "neither a STIX object (`type`, `id`), a Suricata EVE record \
                     (`event_type`, `timestamp`) nor a Zeek log record (`ts` and \
                     `_path` or the fields of conn, dns, http, files or ssl)"
                .into(),
        }),
    }
}

/// A telemetry record that cannot be mapped: which field, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TelemetryError {
    /// The record is not in a telemetry format this module reads.
    #[error("unrecognised record: {reason}")]
    NotTelemetry {
        /// What was expected.
        reason: String,
    },
    /// A field the mapping needs is absent.
    #[error("{source_kind}: missing field `{field}`")]
    Missing {
        /// The record kind, e.g. `Suricata dns event`.
        source_kind: String,
        /// The dotted field name.
        field: String,
    },
    /// A field has a value of the wrong kind or form.
    #[error("{source_kind}: field `{field}`: {reason}")]
    Invalid {
        /// The record kind, e.g. `Zeek conn log`.
        source_kind: String,
        /// The dotted field name.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// Namespace of the UUIDv5 observation ids (a v5 of the URL
/// `urn:accord:telemetry`, fixed so ids are stable across releases).
fn namespace() -> uuid::Uuid {
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, b"urn:accord:telemetry")
}

/// Collects the cyber-observable objects of one record under local keys.
#[derive(Debug, Default)]
pub(crate) struct ObjectSet {
    objects: Vec<(String, Map<String, Value>)>,
    addresses: HashMap<IpAddr, String>,
}

impl ObjectSet {
    /// Adds an object and returns its key.
    pub(crate) fn add(&mut self, object: Map<String, Value>) -> String {
        let key = self.objects.len().to_string();
        self.objects.push((key.clone(), object));
        key
    }

    /// The key of the `ipv4-addr`/`ipv6-addr` for `ip`, added once.
    pub(crate) fn address(&mut self, ip: IpAddr) -> String {
        if let Some(key) = self.addresses.get(&ip) {
            return key.clone();
        }
        let ty = if ip.is_ipv4() {
            "ipv4-addr"
        } else {
            "ipv6-addr"
        };
        let key = self.add(sco(ty, [("value", Value::String(ip.to_string()))]));
        self.addresses.insert(ip, key.clone());
        key
    }

    /// Adds a `domain-name` and returns its key.
    pub(crate) fn domain(&mut self, name: &str, resolves_to: Vec<String>) -> String {
        let mut o = sco("domain-name", [("value", Value::String(name.to_string()))]);
        if !resolves_to.is_empty() {
            o.insert("resolves_to_refs".into(), strings(resolves_to));
        }
        self.add(o)
    }

    /// The observation over these objects.
    pub(crate) fn into_observation(
        self,
        record: &Map<String, Value>,
        first_observed: jiff::Timestamp,
        last_observed: jiff::Timestamp,
    ) -> Observation {
        let text = Value::Object(record.clone()).to_string();
        Observation {
            id: format!(
                "observed-data--{}",
                uuid::Uuid::new_v5(&namespace(), text.as_bytes())
            ),
            first_observed,
            last_observed: last_observed.max(first_observed),
            number_observed: 1,
            objects: self.objects,
        }
    }
}

/// A new SCO of `ty` with the given properties.
pub(crate) fn sco<const N: usize>(ty: &str, props: [(&str, Value); N]) -> Map<String, Value> {
    let mut o = Map::new();
    o.insert("type".into(), Value::String(ty.to_string()));
    for (k, v) in props {
        o.insert(k.to_string(), v);
    }
    o
}

/// A JSON list of strings.
pub(crate) fn strings(items: Vec<String>) -> Value {
    Value::Array(items.into_iter().map(Value::String).collect())
}

/// Field access that names the record kind in its errors.
pub(crate) struct Fields<'a> {
    pub(crate) record: &'a Map<String, Value>,
    pub(crate) kind: String,
}

impl<'a> Fields<'a> {
    /// The value at a dotted path (`dns.rrname`); also accepts the path as
    /// one flat key, which is how Zeek writes `id.orig_h`.
    pub(crate) fn get(&self, path: &str) -> Option<&'a Value> {
        if let Some(v) = self.record.get(path) {
            return Some(v).filter(|v| !v.is_null());
        }
        let mut current = self.record;
        let mut parts = path.split('.').peekable();
        while let Some(part) = parts.next() {
            let v = current.get(part)?;
            if parts.peek().is_none() {
                return Some(v).filter(|v| !v.is_null());
            }
            current = v.as_object()?;
        }
        None
    }

    pub(crate) fn invalid(&self, field: &str, reason: impl Into<String>) -> TelemetryError {
        TelemetryError::Invalid {
            source_kind: self.kind.clone(),
            field: field.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn missing(&self, field: &str) -> TelemetryError {
        TelemetryError::Missing {
            source_kind: self.kind.clone(),
            field: field.into(),
        }
    }

    /// An optional string field; present but not a string is an error.
    pub(crate) fn str(&self, path: &str) -> Result<Option<&'a str>, TelemetryError> {
        match self.get(path) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(self.invalid(path, "not a string")),
        }
    }

    /// An optional non-negative integer field.
    pub(crate) fn uint(&self, path: &str) -> Result<Option<u64>, TelemetryError> {
        match self.get(path) {
            None => Ok(None),
            Some(v) => v
                .as_u64()
                .map(Some)
                .ok_or_else(|| self.invalid(path, "not a non-negative integer")),
        }
    }

    /// An optional port (0–65535).
    pub(crate) fn port(&self, path: &str) -> Result<Option<u64>, TelemetryError> {
        match self.uint(path)? {
            Some(p) if p > 65_535 => Err(self.invalid(path, "not a port number (0–65535)")),
            p => Ok(p),
        }
    }

    /// An optional IP address field.
    pub(crate) fn ip(&self, path: &str) -> Result<Option<IpAddr>, TelemetryError> {
        match self.str(path)? {
            None => Ok(None),
            Some(s) => s
                .parse()
                .map(Some)
                .map_err(|_| self.invalid(path, format!("`{s}` is not an IP address"))),
        }
    }
}

/// A lowercase hex digest with any `:` separators removed (how STIX
/// indicators write hashes), or `None` if the text is not hex.
pub(crate) fn normalise_digest(text: &str) -> Option<String> {
    let hex: String = text.chars().filter(|&c| c != ':').collect();
    (!hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit()))
        .then(|| hex.to_ascii_lowercase())
}

/// `hashes` dictionary from (STIX hash name, digest) pairs, leaving out
/// absent or non-hex digests.
pub(crate) fn hashes(pairs: &[(&str, Option<&str>)]) -> Option<Value> {
    let mut m = Map::new();
    for (name, digest) in pairs {
        if let Some(d) = digest.and_then(normalise_digest) {
            m.insert((*name).to_string(), Value::String(d));
        }
    }
    (!m.is_empty()).then_some(Value::Object(m))
}

/// A STIX timestamp value (`…Z`) for an SCO property.
pub(crate) fn stamp(t: jiff::Timestamp) -> Value {
    Value::String(format!("{t}"))
}

/// One JSON record of an input file and the 1-based line it starts on.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Where the record starts; for a member of a bundle, the line of its
    /// `id`.
    pub line: usize,
    /// The record.
    pub value: Map<String, Value>,
}

/// A record that could not be read: the line and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct RecordError {
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub reason: String,
}

/// Iterator over the JSON records of a text (see [`Records::new`]).
#[derive(Debug)]
pub struct Records<'a> {
    text: &'a str,
    offset: usize,
    /// Line number at `offset`.
    line: usize,
    pending: std::collections::VecDeque<Record>,
}

impl<'a> Records<'a> {
    /// Reads `text`: NDJSON, concatenated JSON values, or pretty-printed
    /// values spanning lines. A STIX bundle yields its objects, one record
    /// each. After an error the reader resumes at the line after the one
    /// where the bad value started, so a caller may skip bad lines.
    pub fn new(text: &'a str) -> Records<'a> {
        Records {
            text,
            offset: 0,
            line: 1,
            pending: Default::default(),
        }
    }

    /// How far into the text reading has got, in bytes (for progress).
    pub fn offset(&self) -> usize {
        self.offset
    }

    fn advance_to(&mut self, offset: usize) {
        let offset = offset.min(self.text.len());
        let skipped = self.text.get(self.offset..offset).unwrap_or("");
        self.line += skipped.matches('\n').count();
        self.offset = offset;
    }

    fn next_value(&mut self) -> Option<Result<(), RecordError>> {
        let rest = self.text.get(self.offset..).unwrap_or("");
        let trimmed = rest.trim_start();
        if trimmed.is_empty() {
            return None;
        }
        self.advance_to(self.offset + (rest.len() - trimmed.len()));
        let start_line = self.line;
        let start = self.offset;
        let mut stream = serde_json::Deserializer::from_str(trimmed).into_iter::<Value>();
        match stream.next() {
            None => None,
            Some(Ok(value)) => {
                let end = start + stream.byte_offset();
                let span = self.text.get(start..end).unwrap_or("");
                self.advance_to(end);
                Some(self.enqueue(value, start_line, span))
            }
            Some(Err(e)) => {
                // Resume after the line the bad value started on.
                let next_line = trimmed
                    .find('\n')
                    .map_or(self.text.len(), |i| start + i + 1);
                self.advance_to(next_line);
                // serde_json's position is relative to where this value
                // started; report the record's line instead.
                let message = e.to_string();
                let message = message
                    .rfind(" at line ")
                    .map_or(message.as_str(), |i| &message[..i]);
                Some(Err(RecordError {
                    line: start_line,
                    reason: format!("invalid JSON: {message}"),
                }))
            }
        }
    }

    fn enqueue(&mut self, value: Value, line: usize, span: &str) -> Result<(), RecordError> {
        let Value::Object(mut map) = value else {
            return Err(RecordError {
                line,
                reason: "not a JSON object".into(),
            });
        };
        if map.get("type").and_then(Value::as_str) != Some("bundle") {
            self.pending.push_back(Record { line, value: map });
            return Ok(());
        }
        let Some(Value::Array(objects)) = map.remove("objects") else {
            return Ok(());
        };
        // Locate each member by its id in the bundle text, searching forward
        // and counting newlines as we go (linear in the bundle's size).
        let mut from = 0;
        let mut member_line_at_from = line;
        for object in objects {
            let Value::Object(member) = object else {
                return Err(RecordError {
                    line,
                    reason: "a bundle member is not a JSON object".into(),
                });
            };
            let mut member_line = line;
            if let Some(id) = member.get("id").and_then(Value::as_str) {
                let needle = format!("\"{id}\"");
                if let Some(at) = find_id(span, from, &needle) {
                    member_line_at_from += span[from..from + at].matches('\n').count();
                    member_line = member_line_at_from;
                    from += at;
                }
            }
            self.pending.push_back(Record {
                line: member_line,
                value: member,
            });
        }
        Ok(())
    }
}

/// The offset, relative to `from`, of the next `needle` in `text` after
/// `from` that is the value of an `"id"` key (not a reference to the id).
fn find_id(text: &str, from: usize, needle: &str) -> Option<usize> {
    let rest = text.get(from..)?;
    let mut start = 0;
    while let Some(at) = rest.get(start..)?.find(needle) {
        let before = rest[..start + at].trim_end();
        if before
            .strip_suffix(':')
            .is_some_and(|b| b.trim_end().ends_with("\"id\""))
        {
            return Some(start + at);
        }
        start += at + needle.len();
    }
    None
}

impl Iterator for Records<'_> {
    type Item = Result<Record, RecordError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(r) = self.pending.pop_front() {
                return Some(Ok(r));
            }
            match self.next_value()? {
                Ok(()) => continue,
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_of_ndjson_and_pretty_bundles_carry_their_lines() {
        let text = "{\"a\": 1}\n\n{\"type\": \"bundle\", \"id\": \"bundle--1\", \"objects\": [\n  {\"type\": \"x\",\n   \"id\": \"x--1\"},\n  {\"type\": \"x\", \"id\": \"x--2\"}\n]}\n{\"b\": 2}\n";
        let lines: Vec<usize> = Records::new(text).map(|r| r.unwrap().line).collect();
        assert_eq!(lines, [1, 5, 6, 8]);
    }

    #[test]
    fn bundle_members_are_found_by_their_id_not_by_references_to_it() {
        let text = "{\"type\": \"bundle\", \"id\": \"bundle--1\", \"objects\": [\n  {\"type\": \"o\", \"id\": \"o--1\",\n   \"object_refs\": [\"x--2\"]},\n\n  {\"type\": \"x\",\"id\":\"x--2\"}\n]}\n";
        let lines: Vec<usize> = Records::new(text).map(|r| r.unwrap().line).collect();
        assert_eq!(lines, [2, 5]);
    }

    #[test]
    fn a_bad_line_is_reported_and_reading_resumes_after_it() {
        let text = "{\"a\": 1}\n{\"a\": \n{\"b\": 2}\n[1]\n";
        let got: Vec<Result<usize, usize>> = Records::new(text)
            .map(|r| r.map(|r| r.line).map_err(|e| e.line))
            .collect();
        assert_eq!(got, [Ok(1), Err(2), Ok(3), Err(4)]);
    }

    #[test]
    fn detects_each_format() {
        let m = |s: &str| -> Map<String, Value> { serde_json::from_str(s).unwrap() };
        assert_eq!(
            detect(&m(r#"{"type":"file","id":"file--1"}"#)),
            Some(Format::Stix)
        );
        assert_eq!(
            detect(&m(r#"{"timestamp":"x","event_type":"flow"}"#)),
            Some(Format::Suricata)
        );
        assert_eq!(
            detect(&m(r#"{"ts":1.0,"_path":"weird"}"#)),
            Some(Format::Zeek)
        );
        assert_eq!(
            detect(&m(
                r#"{"ts":1.0,"uid":"C1","proto":"tcp","conn_state":"SF"}"#
            )),
            Some(Format::Zeek)
        );
        assert_eq!(detect(&m(r#"{"hello":"world"}"#)), None);
        assert!(matches!(
            observation(&m(r#"{"hello":"world"}"#)),
            Err(TelemetryError::NotTelemetry { .. })
        ));
    }

    #[test]
    fn digests_are_normalised_to_lowercase_hex() {
        assert_eq!(normalise_digest("AB:cd:01").as_deref(), Some("abcd01"));
        assert_eq!(normalise_digest("xyz"), None);
        assert_eq!(normalise_digest(""), None);
    }

    #[test]
    fn the_same_record_gets_the_same_observation_id() {
        let r: Map<String, Value> = serde_json::from_str(r#"{"k":1}"#).unwrap();
        let t = jiff::Timestamp::UNIX_EPOCH;
        let a = ObjectSet::default().into_observation(&r, t, t);
        let b = ObjectSet::default().into_observation(&r, t, t);
        assert_eq!(a.id, b.id);
        assert!(a.id.starts_with("observed-data--"));
    }
}

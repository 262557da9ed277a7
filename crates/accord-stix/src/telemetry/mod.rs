//! Sensor telemetry as STIX observations.
//!
//! CSIRTs rarely hold their own traffic as STIX `observed-data`; they hold
//! Suricata's `eve.json` and Zeek's logs, JSON or the default TSV
//! ([`zeek_tsv`] reads the latter into the records Zeek JSON would hold).
//! This module maps one record of either into an [`Observation`] of STIX 2.1 cyber-observable objects
//! (STIX 2.1 §6), so every indicator can be matched against it unchanged.
//! [`suricata`] and [`zeek`] document each field mapping; what a sensor
//! records and STIX has no property for is left out rather than invented.
//!
//! A line of a sensor log is best read borrowed: [`Object::parse`] holds the
//! record with its strings pointing into the line (see [`json`] for why and
//! what it cost), [`detect_object`] and [`object_observation`] map it, and
//! [`object_observation_id`] names it only when it matched. The functions over
//! a [`serde_json::Map`] give the same answers for records already read.
//! A mapping builds only the object types asked for ([`ObjectTypes`]; a
//! matcher knows which its patterns look at), still reading and checking every
//! field it maps.
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

pub mod json;
mod objects;
pub mod suricata;
pub mod zeek;
pub mod zeek_tsv;

use serde_json::{Map, Value};

use crate::eval::Observation;

pub use json::{Json, Object};
pub use objects::{ObjectTypes, TelemetryError, object_observation_id, observation_id};

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
    detect_object(&Object::from_map(record))
}

/// [`detect`] for a record read borrowed ([`Object::parse`]).
pub fn detect_object(record: &Object<'_>) -> Option<Format> {
    let has = |k: &str| record.contains_key(k);
    if record.get("type").is_some_and(|v| v.as_str().is_some())
        && record.get("id").is_some_and(|v| v.as_str().is_some())
    {
        Some(Format::Stix)
    } else if record
        .get("event_type")
        .is_some_and(|v| v.as_str().is_some())
        && has("timestamp")
    {
        Some(Format::Suricata)
    } else if has("ts") && (has("_path") || zeek::kind_of(record).is_some()) {
        Some(Format::Zeek)
    } else {
        None
    }
}

/// Maps a Suricata or Zeek record to an observation; `Ok(None)` for a
/// record type the mappings do not cover (see the module docs).
pub fn observation(record: &Map<String, Value>) -> Result<Option<Observation>, TelemetryError> {
    Ok(observation_unnamed(record)?.map(|mut o| {
        o.id = observation_id(record);
        o
    }))
}

/// [`observation`] with the observation id left empty. The id hashes the
/// whole record ([`observation_id`]); a caller that keeps only the
/// observations that match (a [`crate::stream::Stream`]) computes it for
/// those alone.
pub fn observation_unnamed(
    record: &Map<String, Value>,
) -> Result<Option<Observation>, TelemetryError> {
    object_observation(&Object::from_map(record), ObjectTypes::ALL)
}

/// [`observation_unnamed`] for a record read borrowed ([`Object::parse`]):
/// the same observation, without copying the record's strings, holding the
/// objects of the wanted `types` only.
pub fn object_observation(
    record: &Object<'_>,
    types: ObjectTypes,
) -> Result<Option<Observation>, TelemetryError> {
    match detect_object(record) {
        Some(Format::Suricata) => suricata::unnamed(record, types),
        Some(Format::Zeek) => zeek::unnamed(record, types),
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
}

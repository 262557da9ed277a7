//! STIX 2.1 for Accord: objects, the patterning language and its evaluator.
//!
//! Threat indicators are shared as STIX 2.1 objects; an `indicator` says what
//! to look for with a *pattern* such as
//! `[file:hashes.'SHA-256' = '…'] FOLLOWEDBY [network-traffic:dst_port = 4444]`.
//! This crate is the pure engine behind `accord match`, the TAXII server and
//! the exports: it reads and validates objects, parses patterns, and decides
//! whether observations satisfy them. It does no I/O.
//!
//! # Design
//!
//! - [`object`]: one envelope type, [`object::StixObject`], for every STIX
//!   object (type, id, and all other properties in order), validated against
//!   what STIX 2.1 requires of each known type. Custom properties survive a
//!   round trip. Typed views ([`object::Indicator`], [`object::ObservedData`])
//!   extract what the engine reads.
//! - [`literal`]: the literal values STIX writes as text (timestamps, IP
//!   addresses and ranges), read the same way by the parser, the object
//!   validator, the evaluator and the hub's importers.
//! - [`pattern`]: a `logos` lexer and a hand-written recursive-descent parser
//!   for all of STIX 2.1 §9, producing a syntax tree named after the spec
//!   ([`pattern::Pattern`], [`pattern::ObservationExpression`],
//!   [`pattern::ComparisonExpression`], [`pattern::ObjectPath`],
//!   [`pattern::Constant`], [`pattern::Qualifier`]). Diagnostics carry line,
//!   column and span and say what was found and what was expected; several
//!   independent problems are reported at once. `MATCHES` uses a linear-time
//!   regex engine and rejects look-around and backreferences when parsing.
//!   The tree prints back to canonical pattern text.
//! - [`eval`]: the semantics of §9 over [`eval::Observation`]s built
//!   from `observed-data`: per-object comparisons, observation operators over
//!   distinct observation instances, and qualifiers over time intervals.
//! - [`matcher`]: many indicators compiled into one [`matcher::Matcher`]:
//!   a hash index on (object path, value) for equality and `IN`, a prefix
//!   trie for `ISSUBSET` ranges, an Aho-Corasick automaton for `LIKE`
//!   literals; only the candidates they return are fully evaluated, so the
//!   cost per observation does not grow with the number of simple
//!   indicators. Indicators' validity windows are respected.
//! - [`stream`]: the same indicators matched against observations fed one
//!   at a time ([`stream::Stream`]), for logs that grow: a single `[…]`
//!   reports at once, combining patterns keep only what their window needs,
//!   within a bounded, reported state limit.
//! - [`deviations`]: where Accord follows the specification text rather than
//!   the OASIS reference matcher, clause by clause.
//! - [`telemetry`]: Suricata `eve.json` and Zeek JSON log records mapped to
//!   cyber-observable objects, so sensors' own logs can be matched; and a
//!   reader that gives every input record its line.
//! - [`export`]: indicators turned into what sensors load (Suricata rules
//!   and datasets, the Zeek Intel framework, plain blocklists), for the
//!   patterns each target can express, with the reason for every one left
//!   out.
//! - [`tlp`]: the one TLP 2.0 read rule ([`tlp::may_read`]) every read path
//!   of the hub asks before it releases an object, and [`marking`]: the TLP
//!   1.0 and 2.0 marking definitions ([`marking::TlpMarking`]) and every
//!   STIX 2.1 marking form read strictly (object-level and granular,
//!   identifiers compared as UUIDs), failing closed on what TLP cannot
//!   enforce.
//!
//! Modules depend on each other in one direction only, with no circle:
//! `literal` on nothing; `pattern` on `literal`; `object` on `pattern` and
//! `literal`; `marking` on `object`; `tlp` on `marking` and `object`; `eval`
//! on `object`, `pattern` and `literal`; `matcher` and `export` on those; `stream` on `matcher`;
//! `telemetry` on `eval`. The TLP levels themselves are
//! [`accord_tlp::Tlp`], shared with the log and the store.
//!
//! # Example
//!
//! ```
//! use accord_stix::eval::{CompiledPattern, Observation};
//! use accord_stix::pattern::Pattern;
//!
//! let pattern = Pattern::parse("[ipv4-addr:value ISSUBSET '198.51.100.0/24']").unwrap();
//! let compiled = CompiledPattern::new(pattern).unwrap();
//!
//! let mut ip = serde_json::Map::new();
//! ip.insert("type".into(), "ipv4-addr".into());
//! ip.insert("value".into(), "198.51.100.7".into());
//! let seen = "2026-11-29T10:00:00Z".parse().unwrap();
//! let observation = Observation {
//!     id: "observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf".into(),
//!     first_observed: seen,
//!     last_observed: seen,
//!     number_observed: 1,
//!     objects: vec![("0".into(), ip)],
//! };
//! assert!(compiled.matches(&[observation]).is_some());
//!
//! let error = Pattern::parse("[ipv4-addr:value = ]").unwrap_err();
//! assert_eq!(
//!     error.to_string(),
//!     "line 1, column 20: expected a constant (string, number, `true`/`false`, t'…', h'…' \
//!      or b'…'), found `]`"
//! );
//! ```

pub mod deviations;
pub mod eval;
pub mod export;
pub mod literal;
pub mod marking;
pub mod matcher;
pub mod object;
pub mod pattern;
pub mod stream;
pub mod telemetry;
pub mod tlp;

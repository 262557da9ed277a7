//! # accord-core
//!
//! The domain of Accord, with no I/O: the accord and its principles, the parties, incidents with
//! their sourced facts, validation that reports every problem with its field path, the
//! data-driven rules that suggest which principles an incident bears on, and the scorecards
//! computed from the record.
//!
//! Everything here is plain data and pure functions, so every other crate (the store, the
//! server, the CLI, the engines) can share one vocabulary and test it without a database.
//!
//! ```
//! use accord_core::incident::Incident;
//! use accord_core::mapping::RuleSet;
//!
//! let rules: RuleSet = serde_json::from_str(r#"{"rules": [{
//!     "id": "critical-infrastructure", "principle": "P1", "concerns": "initiator",
//!     "when": {"victim_sector": ["energy"]},
//!     "reason": "victim sector {sector} is critical infrastructure"
//! }]}"#).unwrap();
//! let incident: Incident = serde_json::from_str(r#"{
//!     "id": "example-2015", "title": "Grid attack", "summary": "Outage.",
//!     "dates": {"start": {"date": "2015-12-23",
//!         "source": {"as_of": "2026-11", "verification": "unverified"}}},
//!     "victims": [{"name": "A utility", "country": "UA", "sector": "energy",
//!         "source": {"as_of": "2026-11", "verification": "unverified"}}]
//! }"#).unwrap();
//! let suggested = rules.suggest(&incident);
//! assert_eq!(suggested[0].reason, "victim sector energy is critical infrastructure");
//! ```

pub mod accord;
pub mod corrections;
pub mod country;
pub mod dataset;
pub mod date;
pub mod incident;
pub mod listing;
pub mod mapping;
pub mod party;
pub mod record;
pub mod registry;
pub mod scorecard;
pub mod source;
pub mod targeting;
pub mod validate;
pub mod votes;
pub mod voting_bloc;

#[cfg(feature = "openapi")]
mod openapi;

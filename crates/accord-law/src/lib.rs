//! # accord-law
//!
//! The cross-border evidence engine. When someone in state A uses a computer in state B to
//! attack a victim in state C, who can lawfully ask B for the data, under which instrument,
//! through which channel, and how fast? This crate answers that from a dataset of legal
//! instruments: the Budapest Convention (ETS 185) and its Second Additional Protocol
//! (CETS 224), the EU e-Evidence Regulation 2023/1543, the UK–US and Australia–US CLOUD Act
//! agreements, the UN Convention against Cybercrime, the EU–US MLA Agreement, and plain
//! mutual legal assistance, which always exists between states and has no treaty deadline.
//!
//! ## Design
//!
//! * **Data, not code, holds the law.** Each instrument is a JSON document
//!   ([`dataset::Instrument`]) listing its parties with their dates, its reservations, and its
//!   mechanisms: the article, the data categories covered, the channel, the deadlines and the
//!   conditions. The engine ([`route()`]) knows only generic rules: entry into force (a fixed
//!   date, or N ratifications plus a delay), pairing (any two parties, a hub and a party, a
//!   requesting party reaching providers anywhere), reservations and emergencies. A new
//!   ratification is a data change, and "what if" questions are [`Dataset::add_party`].
//! * **Every fact keeps its provenance.** Facts carry an [`accord_core::source::Source`]
//!   (URL, as-of date, verified | secondary | unverified). Each pathway lists the facts it
//!   used; its verification is the weakest of them, and unverified facts are named.
//! * **Date-aware.** Answers are for a date: the answer for 2019-01-01 is the 2019 answer.
//! * **Every "no" has a reason.** Instruments that do not apply are listed with a sentence a
//!   liaison officer can read ("CETS 224 is not in force on 2026-11-29: 3 of 5
//!   ratifications").
//! * **Pure.** No I/O except [`load::load_dir`], kept apart for the CLI and the server; no
//!   clock (the caller passes the date).
//!
//! ## Example
//!
//! ```
//! use accord_law::{Dataset, Query, route};
//!
//! let budapest = r#"{
//!   "id": "budapest", "name": "Convention on Cybercrime", "short_name": "Budapest Convention",
//!   "reference": "ETS No. 185", "kind": "treaty",
//!   "entry_into_force": {"rule": "fixed", "date": "2004-07-01", "text": "in force 2004-07-01",
//!     "source": {"url": "https://www.coe.int/en/web/cybercrime/the-budapest-convention",
//!                "as_of": "2026-11", "verification": "verified"}},
//!   "pairing": "any-two-parties",
//!   "parties": [
//!     {"state": "FR", "in_force": "2006-05-01",
//!      "source": {"as_of": "2026-11", "verification": "unverified"}},
//!     {"state": "US", "name": "United States", "in_force": "2007-01-01",
//!      "source": {"as_of": "2026-11", "verification": "unverified"}}],
//!   "mechanisms": [{"id": "art29-preservation", "article": "Art. 29",
//!     "title": "Expedited preservation", "action": "preservation", "channel": "24/7-network",
//!     "categories": ["subscriber", "traffic", "content"],
//!     "deadlines": [{"kind": "hold", "normal": {"days": 60}, "text": "at least 60 days",
//!       "source": {"as_of": "2026-11", "verification": "secondary",
//!                  "url": "https://forensicspot.com/glossary/article-29-preservation-request"}}],
//!     "source": {"as_of": "2026-11", "verification": "verified",
//!                "url": "https://www.coe.int/en/web/cybercrime/the-budapest-convention"}}]
//! }"#;
//! let dataset = Dataset::from_json_files([("budapest.json", budapest)]).unwrap();
//!
//! let now = Query::parse("FR", "US", "subscriber", false, "2026-11-29").unwrap();
//! let answer = route(&dataset, &now);
//! assert_eq!(answer.pathways[0].article, "Art. 29");
//! assert_eq!(answer.pathways[0].deadline, "preserved for 60 days");
//! // The parties' dates were not verified, and the answer says so.
//! assert!(answer.relies_on_unverified());
//!
//! let then = Query::parse("FR", "US", "subscriber", false, "2005-01-01").unwrap();
//! let answer = route(&dataset, &then);
//! assert!(answer.pathways.is_empty());
//! assert_eq!(answer.not_applicable[0].reason,
//!            "Budapest Convention binds France only from 2006-05-01; \
//!             Budapest Convention binds the United States only from 2007-01-01");
//! ```
//!
//! The three-state question is [`scenario()`]; the "who can ask whom" matrix is
//! [`matrix::matrix`]; due dates for a sent request are [`deadline::due_dates`]; a request's
//! lifecycle to its deadline is [`request`].

pub mod dataset;
pub mod deadline;
pub mod load;
pub mod matrix;
pub mod query;
pub mod request;
pub mod route;
pub mod scenario;
pub mod vocabulary;

pub use dataset::{Dataset, DatasetError, Instrument};
pub use query::{Query, QueryError};
pub use route::{Answer, NotApplicable, Pathway, route};
pub use scenario::{Scenario, ScenarioAnswer, scenario};
pub use vocabulary::{Action, Channel, DataCategory, Period};

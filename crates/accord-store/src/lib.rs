//! # accord-store
//!
//! The one storage seam of Accord. Callers (the server, the CLI) hold an `Arc<dyn Store>` and
//! never learn which database sits behind it: embedded SQLite by default
//! (`accord-store-sqlite`), PostgreSQL for deployments that outgrow one machine.
//!
//! The trait speaks in domain records from `accord-core`. Each backend stores a record's
//! canonical JSON beside the columns it indexes; the facets a record is indexed under come from
//! [`IncidentRecord::facets`](accord_core::record::IncidentRecord::facets), so a filter means
//! the same thing on every backend.
//!
//! Writes are all-or-nothing: a write that fails leaves the store as it was. Seeding the
//! bundled dataset happens once, in one transaction, and is remembered in the store itself, so
//! a restart never loads it twice.
//!
//! # Layers
//!
//! The files import one another in one direction only (no file imports a file that imports it
//! back, checked by `crates/xtask`): at the bottom [`error`], [`codec`], [`schema`] and the entry kinds ([`kind`], re-exported
//! as `log::kind`) and what a hub keeps of its peers' logs ([`mirror`]); then the sharing
//! model ([`sharing::model`]) and [`log`], whose `Effect` names the model's types, with the
//! refusal rules of each effect ([`refusal`]); then the [`Store`] trait ([`mod@store`]) and what every backend does around its Merkle tree
//! ([`tree`]); then the write path ([`sequencer`], [`mod@write`]) and what
//! builds on it ([`requests`], [`tokens`], [`witness`], [`witnessing`], [`peers`], [`amend`], the sharing
//! read rule and write path);
//! at the top [`replay`], [`audit`], [`federation`] (mirroring a peer's log with proof, over
//! the audit's checks) and the [`testkit`](crate#features). This file only names
//! the modules and re-exports the seam; nothing inside the crate imports through it.
//!
//! # Features
//!
//! `testkit` exposes the backend conformance suite every `Store` implementation runs.

pub mod amend;
pub mod audit;
pub mod codec;
pub mod dataset_dir;
pub mod error;
pub mod federation;
pub mod kind;
pub mod log;
pub mod mirror;
pub mod mirrored;
pub mod mirrored_requests;
pub mod peers;
pub mod refusal;
pub mod replay;
pub mod requests;
pub mod schema;
pub mod sequencer;
pub mod sharing;
pub mod store;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod tokens;
pub mod tree;
pub mod witness;
pub mod witnessing;
pub mod write;

pub use error::StoreError;
pub use store::{
    Counts, Cursor, IncidentFilter, IncidentQuery, MAX_PAGE_SIZE, Page, PageRequest, SeedOutcome,
    Store, party_or_state,
};

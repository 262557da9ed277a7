//! # accord-store
//!
//! The one storage seam of Accord. Callers (the server, the CLI) hold an `Arc<dyn Store>` and
//! never learn which database sits behind it: embedded SQLite by default
//! (`accord-store-sqlite`), PostgreSQL for deployments that outgrow one machine.
//!
//! The trait speaks in domain records from `accord-core`. Each backend stores a record's
//! canonical JSON beside the columns it indexes; the facets a record is indexed under come from
//! [`IncidentRecord::facets`], so a filter means the same thing on every backend.
//!
//! Writes are all-or-nothing: a write that fails leaves the store as it was. Seeding the
//! bundled dataset happens once, in one transaction, and is remembered in the store itself, so
//! a restart never loads it twice.

use accord_core::accord::{Accord, PrincipleId};
use accord_core::country::CountryCode;
use accord_core::incident::Sector;
use accord_core::mapping::RuleSet;
use accord_core::party::Party;
use accord_core::record::{Facet, IncidentRecord};
use std::sync::Arc;

use accord_tlog::merkle::{ConsistencyProof, InclusionProof};
use accord_tlog::tiles::Tile;
use async_trait::async_trait;
use base64::Engine;
use serde::{Deserialize, Serialize};

use crate::log::{AppendOutcome, LogWrite, Operator, PartyKey, SignedCheckpoint, StoredEntry};

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The record asked for does not exist.
    #[error("{what} {id:?} not found")]
    NotFound {
        /// What kind of record ("incident", "party").
        what: &'static str,
        /// The id that was asked for.
        id: String,
    },
    /// A record with that id already exists; nothing was written.
    #[error("{what} {id:?} already exists")]
    Conflict {
        /// What kind of record.
        what: &'static str,
        /// The id that is taken.
        id: String,
    },
    /// Another party owns the object this write would change: only the party that recorded
    /// an id's first version may add versions of it or delete it (STIX 2.1 §3.6). The answer
    /// is the same whether or not the caller may read the object, so it confirms nothing more.
    #[error(
        "{what} {id:?} is not yours to version: only the party that created it may add versions"
    )]
    NotOwner {
        /// What kind of record ("object").
        what: &'static str,
        /// The id.
        id: String,
    },
    /// A different record already holds this version: the same id and version name one
    /// content, so a change needs a new version; nothing was written.
    #[error(
        "{what} {id:?} is already recorded with different content: a changed object needs a later `modified`"
    )]
    VersionConflict {
        /// What kind of record ("object version").
        what: &'static str,
        /// The id and version.
        id: String,
    },
    /// A pagination cursor was not one this store issued.
    #[error("invalid cursor {cursor:?}: pass back the `next` value of a previous page")]
    BadCursor {
        /// The cursor that was given.
        cursor: String,
    },
    /// The store has not been seeded with an accord yet.
    #[error("the store holds no accord yet: it has not been seeded")]
    NotSeeded,
    /// Stored data could not be read back (a damaged or foreign database).
    #[error("stored {what} is unreadable: {detail}")]
    Corrupt {
        /// Which record.
        what: String,
        /// What went wrong.
        detail: String,
    },
    /// The database schema is newer than this binary understands.
    #[error(
        "the database schema is version {found}, newer than this binary's {supported}: upgrade accord"
    )]
    SchemaTooNew {
        /// Version found in the database.
        found: i64,
        /// Newest version this binary knows.
        supported: i64,
    },
    /// The log entry asked for does not exist.
    #[error("the log has no entry {index}; its size is {size}")]
    NoSuchEntry {
        /// Index asked for.
        index: u64,
        /// Current size.
        size: u64,
    },
    /// A tile or proof was asked for a tree larger than the log.
    #[error("{what} is beyond the log's current size {size}")]
    BeyondLog {
        /// What was asked for.
        what: String,
        /// Current size.
        size: u64,
    },
    /// The database itself failed (I/O, locking, a bad statement).
    #[error("database error: {0}")]
    Backend(String),
    /// The database cannot be reached now (down, restarting, connection lost); nothing was
    /// written, and the same request may succeed once it is back.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
}

/// What a filter on the incident list can ask for; every field given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentFilter {
    /// Bears on this principle (suggested or asserted).
    pub principle: Option<PrincipleId>,
    /// Links this party as initiator or victim (a state's code, or a party id).
    pub party: Option<String>,
    /// Names this country anywhere (victims, origin, infrastructure, state nexus).
    pub country: Option<CountryCode>,
    /// Has a victim in this sector.
    pub sector: Option<Sector>,
    /// Is filed under this year.
    pub year: Option<i16>,
}

impl IncidentFilter {
    /// The filter as `(facet, value)` pairs, the form every backend's index uses.
    pub fn facets(&self) -> Vec<(Facet, String)> {
        let mut v = Vec::new();
        if let Some(p) = self.principle {
            v.push((Facet::Principle, p.to_string()));
        }
        if let Some(p) = &self.party {
            v.push((Facet::Party, p.clone()));
        }
        if let Some(c) = self.country {
            v.push((Facet::Country, c.to_string()));
        }
        if let Some(s) = self.sector {
            v.push((Facet::Sector, s.to_string()));
        }
        if let Some(y) = self.year {
            v.push((Facet::Year, y.to_string()));
        }
        v
    }
}

/// Largest page a caller may ask for.
pub const MAX_PAGE_SIZE: usize = 500;

/// Which page of a list to return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    /// How many items at most (clamped to 1..=[`MAX_PAGE_SIZE`]).
    pub limit: usize,
    /// The `next` cursor of the previous page; `None` for the first page.
    pub after: Option<Cursor>,
}

/// An opaque position in a list, handed to clients as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor(pub String);

impl Cursor {
    /// Encodes a backend's sort key for clients.
    pub fn from_key(key: &str) -> Self {
        Cursor(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key))
    }

    /// Decodes a cursor a client sent back into the sort key.
    pub fn key(&self) -> Result<String, StoreError> {
        let bad = || StoreError::BadCursor {
            cursor: self.0.clone(),
        };
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(&self.0)
            .map_err(|_| bad())?;
        let key = String::from_utf8(bytes).map_err(|_| bad())?;
        // Keys are "YYYY-MM-DD|id"; anything else was not issued by us.
        if key.len() < 12 || key.as_bytes().get(10) != Some(&b'|') {
            return Err(bad());
        }
        Ok(key)
    }
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items on this page.
    pub items: Vec<T>,
    /// The cursor for the next page, `None` on the last page.
    pub next: Option<Cursor>,
}

/// What seeding did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeedOutcome {
    /// The dataset was loaded now.
    Loaded {
        /// Parties loaded.
        parties: usize,
        /// Incidents loaded.
        incidents: usize,
    },
    /// The store was seeded before; nothing was written.
    AlreadySeeded,
}

/// How many records the store holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Counts {
    /// Parties.
    pub parties: usize,
    /// Parties that are states.
    pub states: usize,
    /// Incidents.
    pub incidents: usize,
}

/// The storage seam. Every method is one transaction.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Appends a batch of verified writes to the log, applying each one's effect, and signs a
    /// checkpoint for the new tree with `operator`, all in one transaction. A write whose effect
    /// is refused (an id already taken, a replayed entry) is skipped with its error; the others
    /// land. Nothing is visible until the whole batch is durable.
    async fn append(
        &self,
        batch: Vec<LogWrite>,
        operator: Arc<Operator>,
    ) -> Result<AppendOutcome, StoreError>;

    /// The latest signed checkpoint, `None` for an empty log.
    async fn checkpoint(&self) -> Result<Option<SignedCheckpoint>, StoreError>;

    /// The signed checkpoint the log published at `size`, if it published one.
    async fn checkpoint_at(&self, size: u64) -> Result<Option<SignedCheckpoint>, StoreError>;

    /// Attaches a witness's cosignature line to the checkpoint of `size`, replacing an earlier
    /// one under the same name (`witness::merge_cosignature`). The caller checked it
    /// (`witness::cosign`).
    async fn add_cosignature(&self, size: u64, line: String) -> Result<(), StoreError>;

    /// Every witness ever configured, oldest first, with when it was added and removed.
    async fn witnesses(&self) -> Result<Vec<witness::Witness>, StoreError>;

    /// Rewrites stored checkpoint notes: where `rewrite` returns a new note for a checkpoint,
    /// stores it (only if the row still holds the note `rewrite` saw). Visits every checkpoint
    /// when the upgrade that introduced witnesses asked for it or the latest checkpoint needs
    /// a rewrite; otherwise only the latest. Returns how many notes changed.
    async fn repair_checkpoints<'r>(
        &self,
        rewrite: &'r (dyn for<'c> Fn(&'c SignedCheckpoint) -> Option<String> + Send + Sync + 'r),
    ) -> Result<u64, StoreError>;

    /// One log entry with its body.
    async fn log_entry(&self, index: u64) -> Result<StoredEntry, StoreError>;

    /// Up to `count` consecutive published entries from `start`, with their bodies.
    async fn log_entries(&self, start: u64, count: u64) -> Result<Vec<StoredEntry>, StoreError>;

    /// The data of a hash tile or entry bundle, for a tree of the current size.
    async fn tile(&self, tile: Tile) -> Result<Vec<u8>, StoreError>;

    /// The inclusion proof of entry `index` in the tree of `size` entries.
    async fn inclusion_proof(&self, index: u64, size: u64) -> Result<InclusionProof, StoreError>;

    /// The consistency proof from the tree of `old` entries to the tree of `new` entries.
    async fn consistency_proof(&self, old: u64, new: u64) -> Result<ConsistencyProof, StoreError>;

    /// Every key ever registered for `party`, with when it was added and revoked.
    async fn party_keys(&self, party: &str) -> Result<Vec<PartyKey>, StoreError>;

    /// Stores an API token (as its SHA-256) bound to `party`, valid for
    /// [`tokens::DEFAULT_LIFETIME`].
    async fn add_token(&self, token_sha256: &str, party: &str) -> Result<(), StoreError> {
        let expires = jiff::Timestamp::now()
            .checked_add(tokens::DEFAULT_LIFETIME)
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        self.add_token_until(token_sha256, party, expires).await
    }

    /// Stores an API token (as its SHA-256) bound to `party`, valid until `expires_at`.
    async fn add_token_until(
        &self,
        token_sha256: &str,
        party: &str,
        expires_at: jiff::Timestamp,
    ) -> Result<(), StoreError>;

    /// The party a token (given as its SHA-256) is bound to, if any, not revoked and not
    /// expired. Asked on every authenticated request: nothing is cached.
    async fn token_party(&self, token_sha256: &str) -> Result<Option<String>, StoreError>;

    /// Every current token as (SHA-256 hex, party).
    async fn tokens(&self) -> Result<Vec<(String, String)>, StoreError>;

    /// One token by its SHA-256, current or not.
    async fn token(&self, token_sha256: &str) -> Result<Option<tokens::TokenInfo>, StoreError>;

    /// Every token, current or not, oldest first.
    async fn token_list(&self) -> Result<Vec<tokens::TokenInfo>, StoreError>;

    /// Revokes the token with this SHA-256 now; `false` if it was not there or already revoked.
    async fn revoke_token(&self, token_sha256: &str) -> Result<bool, StoreError>;

    /// Entry counts by kind.
    async fn entry_counts(&self) -> Result<Vec<(String, u64)>, StoreError>;

    /// The accord and its principles.
    async fn accord(&self) -> Result<Accord, StoreError>;

    /// The principle-mapping rules in force.
    async fn rules(&self) -> Result<RuleSet, StoreError>;

    /// Every party, ordered by kind then name.
    async fn parties(&self) -> Result<Vec<Party>, StoreError>;

    /// One party by id.
    async fn party(&self, id: &str) -> Result<Party, StoreError>;

    /// One incident by id.
    async fn incident(&self, id: &str) -> Result<IncidentRecord, StoreError>;

    /// A page of incidents matching `filter`, newest first.
    async fn incidents(
        &self,
        filter: &IncidentFilter,
        page: &PageRequest,
    ) -> Result<Page<IncidentRecord>, StoreError>;

    /// Every incident, newest first (for scorecards and charts).
    async fn all_incidents(&self) -> Result<Vec<IncidentRecord>, StoreError>;

    /// How many records the store holds.
    async fn counts(&self) -> Result<Counts, StoreError>;

    /// One evidence request by id. The caller applies the read rule
    /// (`Request::visible_to`): the store answers whoever asks.
    async fn request(&self, id: &str) -> Result<accord_law::request::Request, StoreError>;

    /// Evidence requests matching `filter`, newest first.
    async fn requests(
        &self,
        filter: &requests::RequestFilter,
    ) -> Result<Vec<accord_law::request::Request>, StoreError>;

    /// Evidence requests matching `filter` that are overdue at `now`
    /// (`Request::overdue`), the longest overdue first.
    async fn overdue_requests(
        &self,
        filter: &requests::RequestFilter,
        now: jiff::Timestamp,
    ) -> Result<Vec<accord_law::request::Request>, StoreError>;

    /// The backend's threat-indicator sharing storage, if it keeps one.
    fn sharing(&self) -> Option<&dyn sharing::SharingStore> {
        None
    }
}

/// A party by id, or, for an ISO 3166-1 alpha-2 code of a state the registry does not hold,
/// that state as an unregistered party (flagged by the `bool`: true when registered). Every
/// state the incident record names thereby has a scorecard.
pub async fn party_or_state(store: &dyn Store, id: &str) -> Result<(Party, bool), StoreError> {
    match store.party(id).await {
        Ok(p) => Ok((p, true)),
        Err(StoreError::NotFound { what, id }) => {
            let is_code = id.len() == 2 && id.bytes().all(|b| b.is_ascii_uppercase());
            match CountryCode::parse(&id) {
                Ok(code) if is_code => Ok((Party::unregistered_state(code), false)),
                _ => Err(StoreError::NotFound { what, id }),
            }
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trip_and_rejection() {
        let c = Cursor::from_key("2017-06-27|notpetya-2017");
        assert_eq!(c.key().unwrap(), "2017-06-27|notpetya-2017");
        assert!(matches!(
            Cursor("!!".into()).key(),
            Err(StoreError::BadCursor { .. })
        ));
        assert!(matches!(
            Cursor::from_key("hello").key(),
            Err(StoreError::BadCursor { .. })
        ));
    }
}

pub mod audit;
pub mod dataset_dir;
pub mod log;
pub mod replay;
pub mod requests;
pub mod sequencer;
pub mod sharing;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod tokens;
pub mod witness;
pub mod write;

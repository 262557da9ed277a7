//! The storage seam: the [`Store`] trait every backend implements, and what it speaks besides
//! domain records (filters, pages, counts, token rows).
//!
//! The trait speaks in domain records from `accord-core`. Each backend stores a record's
//! canonical JSON beside the columns it indexes; the facets a record is indexed under come from
//! [`IncidentRecord::facets`], so a filter means the same thing on every backend.

use std::sync::Arc;

use accord_core::accord::{Accord, PrincipleId};
use accord_core::country::CountryCode;
use accord_core::incident::Sector;
use accord_core::mapping::RuleSet;
use accord_core::party::Party;
use accord_core::record::{Facet, IncidentRecord};
use accord_core::targeting::{ConflictStatus, TargetClass};
use accord_tlog::merkle::{ConsistencyProof, Hash, InclusionProof};
use accord_tlog::tiles::Tile;
use async_trait::async_trait;
use base64::Engine;
use serde::{Deserialize, Serialize};

use accord_law::request::{Request, Status};
use accord_tlp::Tlp;
use jiff::{SignedDuration, Timestamp};

use accord_core::corrections::RecordKind;

use crate::codec::from_json;
use crate::error::StoreError;
use crate::log::{
    AcceptedCheckpoint, AppendOutcome, ForkEvidence, LogWrite, Operator, PartyKey, Peer,
    SignedCheckpoint, StoredAmendment, StoredEntry, Witness, WitnessAdvance, Witnessed,
};
use crate::mirror::{
    MirrorAdvance, MirrorState, MirroredEntry, MirroredObject, MirroredQuery, MirroredRequestEntry,
    RequestStep, RequestStepQuery,
};
use crate::sharing::model::SharingStore;

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
    /// Has a victim of this target class (as the record reads it; a victim stored without a
    /// class has none).
    pub target_class: Option<TargetClass>,
    /// Happened during an armed conflict, or not, as the record states it.
    pub armed_conflict: Option<ConflictStatus>,
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
        if let Some(c) = self.target_class {
            v.push((Facet::TargetClass, c.to_string()));
        }
        if let Some(a) = self.armed_conflict {
            v.push((Facet::ArmedConflict, a.to_string()));
        }
        v
    }
}

/// What a backend reads for a page of incidents ([`Store::incident_rows`]): the incidents
/// under every facet given, sort key descending, after `after`, at most `fetch` of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentQuery {
    /// The `(facet, value)` pairs that must all hold ([`IncidentFilter::facets`]).
    pub facets: Vec<(Facet, String)>,
    /// The sort key to list after, from the page's cursor.
    pub after: Option<String>,
    /// How many rows at most: the page size and one more, which says whether another page
    /// follows ([`Page::cut`]).
    pub fetch: usize,
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

impl PageRequest {
    /// The sort key to list after (decoded from the cursor, which must be one this store
    /// issued) and the page size, clamped to 1..=[`MAX_PAGE_SIZE`]. A backend fetches one row
    /// more than the size, to know whether another page follows ([`Page::cut`]).
    pub fn bounds(&self) -> Result<(Option<String>, usize), StoreError> {
        let after = self.after.as_ref().map(Cursor::key).transpose()?;
        Ok((after, self.limit.clamp(1, MAX_PAGE_SIZE)))
    }
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

impl<T> Page<T> {
    /// The page of `limit` items cut from `rows` (each item with its sort key, in order),
    /// fetched with one row more than `limit`: that row, if there is one, says a next page
    /// follows, which starts after the last key kept.
    pub fn cut(rows: Vec<(T, String)>, limit: usize) -> Page<T> {
        let more = rows.len() > limit;
        let mut items = Vec::with_capacity(rows.len().min(limit));
        let mut last = None;
        for (item, key) in rows.into_iter().take(limit) {
            items.push(item);
            last = Some(key);
        }
        let next = if more {
            last.map(|k| Cursor::from_key(&k))
        } else {
            None
        };
        Page { items, next }
    }
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
    async fn witnesses(&self) -> Result<Vec<Witness>, StoreError>;

    /// The latest checkpoint this hub cosigned as a witness of the log of `origin`.
    async fn witnessed(&self, origin: &str) -> Result<Option<Witnessed>, StoreError>;

    /// Stores `new` as the latest cosigned checkpoint of its origin, atomically, only if the
    /// stored one is still `expected` (its size and root; `None`: nothing stored). Otherwise
    /// writes nothing and answers [`WitnessAdvance::Moved`] with the size stored now.
    async fn advance_witnessed(
        &self,
        expected: Option<(u64, Hash)>,
        new: Witnessed,
    ) -> Result<WitnessAdvance, StoreError>;

    /// How far this hub verified the log of `origin`, a peer it mirrors.
    async fn mirror(&self, origin: &str) -> Result<Option<MirrorState>, StoreError>;

    /// Every peer log this hub mirrors, by origin.
    async fn mirrors(&self) -> Result<Vec<MirrorState>, StoreError>;

    /// Stores a verified pull (`federation::pull`) atomically: the peer's new state, its
    /// checkpoint (kept by size, as the proof of `entries`) and the mirrored `entries` — only
    /// if the stored state is still `expected` (its size and root; `None`: nothing stored).
    /// Otherwise writes nothing and answers [`MirrorAdvance::Moved`] with the size stored now.
    /// A `new` state under another verifier key than the stored one is refused
    /// ([`crate::mirror::check_same_key`]). An entry already stored (same origin and index) is
    /// kept as it was.
    async fn advance_mirror(
        &self,
        expected: Option<(u64, Hash)>,
        new: MirrorState,
        entries: Vec<MirroredEntry>,
    ) -> Result<MirrorAdvance, StoreError>;

    /// Mirrored records, by origin then index.
    async fn mirrored_entries(
        &self,
        query: MirroredQuery,
    ) -> Result<Vec<MirroredEntry>, StoreError>;

    /// Stores object versions mirrored into local collections (`federation::verify_served`
    /// checked each against a checkpoint this hub accepted); one already stored (same
    /// collection, origin and index) is kept as it was. Returns how many were new.
    async fn add_mirrored_objects(&self, objects: Vec<MirroredObject>) -> Result<u64, StoreError>;

    /// The object versions mirrored into local collection `collection`, by origin then index.
    /// Unfiltered: readers go through `sharing::visible_mirrored`.
    async fn mirrored_objects(&self, collection: &str) -> Result<Vec<MirroredObject>, StoreError>;

    /// Stores evidence-request entries mirrored from peers (`federation::verify_served_request`
    /// checked each against a checkpoint this hub accepted); one already stored (same origin
    /// and index) is kept as it was. Returns how many were new.
    async fn add_mirrored_requests(
        &self,
        entries: Vec<MirroredRequestEntry>,
    ) -> Result<u64, StoreError>;

    /// The evidence-request entries mirrored from the log of `origin` (every peer: `None`), by
    /// origin then index. Unfiltered: readers go through `mirrored_requests::visible`.
    async fn mirrored_requests(
        &self,
        origin: Option<&str>,
    ) -> Result<Vec<MirroredRequestEntry>, StoreError>;

    /// The steps (filing and transitions) of this hub's evidence requests that `query.party`
    /// is a side of, by entry index: what a peer hub reading as that party mirrors.
    async fn request_steps(&self, query: &RequestStepQuery)
    -> Result<Vec<RequestStep>, StoreError>;

    /// The checkpoint of the log of `origin` at `size` that this hub accepted, as signed.
    async fn mirror_checkpoint(
        &self,
        origin: &str,
        size: u64,
    ) -> Result<Option<String>, StoreError>;
    /// Every peer hub ever registered, oldest registration first, with when it was added,
    /// removed and marked forked (`crate::peers`).
    async fn peers(&self) -> Result<Vec<Peer>, StoreError>;

    /// The evidence recorded when the peer of verifier `key` was marked forked, with the index
    /// of its `peer-fork` entry; `None` if it never was.
    async fn peer_fork(&self, key: &str) -> Result<Option<(u64, ForkEvidence)>, StoreError>;

    /// The last checkpoint of the log of verifier `key` this hub accepted, if any.
    async fn peer_checkpoint(&self, key: &str) -> Result<Option<AcceptedCheckpoint>, StoreError>;

    /// Stores `new` as the last accepted checkpoint of its peer log, atomically, only if the
    /// stored one is still `expected` (its size and root; `None`: nothing stored). Otherwise
    /// writes nothing and answers [`WitnessAdvance::Moved`] with the size stored now. The
    /// caller verified `new` (`crate::peers::judge`).
    async fn advance_peer_checkpoint(
        &self,
        expected: Option<(u64, Hash)>,
        new: AcceptedCheckpoint,
    ) -> Result<WitnessAdvance, StoreError>;

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
    /// [`DEFAULT_LIFETIME`].
    async fn add_token(&self, token_sha256: &str, party: &str) -> Result<(), StoreError> {
        let expires = jiff::Timestamp::now()
            .checked_add(DEFAULT_LIFETIME)
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
    async fn token(&self, token_sha256: &str) -> Result<Option<TokenInfo>, StoreError>;

    /// Every token, current or not, oldest first.
    async fn token_list(&self) -> Result<Vec<TokenInfo>, StoreError>;

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

    /// A page of incidents matching `filter`, newest first. Written once over each backend's
    /// [`Store::incident_rows`].
    async fn incidents(
        &self,
        filter: &IncidentFilter,
        page: &PageRequest,
    ) -> Result<Page<IncidentRecord>, StoreError> {
        let (after, limit) = page.bounds()?;
        let query = IncidentQuery {
            facets: filter.facets(),
            after,
            fetch: limit + 1,
        };
        let rows = self
            .incident_rows(&query)
            .await?
            .into_iter()
            .map(|(key, body)| {
                let record = from_json::<IncidentRecord>(&format!("incident {key}"), &body)?;
                Ok((record, key))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(Page::cut(rows, limit))
    }

    /// The rows [`Store::incidents`] asks for: each matching incident's sort key and stored
    /// JSON, in the order and number `query` says.
    async fn incident_rows(
        &self,
        query: &IncidentQuery,
    ) -> Result<Vec<(String, String)>, StoreError>;

    /// Every incident, newest first (for scorecards and charts).
    async fn all_incidents(&self) -> Result<Vec<IncidentRecord>, StoreError>;

    /// How many records the store holds.
    async fn counts(&self) -> Result<Counts, StoreError>;

    /// Every amendment of record `id` of `kind` the log holds, oldest first (empty for a
    /// record never amended or not held).
    async fn amendments(
        &self,
        kind: RecordKind,
        id: &str,
    ) -> Result<Vec<StoredAmendment>, StoreError>;

    /// The bundled dataset version the store's bundled records were brought up to (the last
    /// `dataset-version` entry); 0 for a store seeded before datasets had versions, or never.
    async fn dataset_version(&self) -> Result<u32, StoreError>;

    /// One evidence request by id. The caller applies the read rule
    /// (`Request::visible_to`): the store answers whoever asks.
    async fn request(&self, id: &str) -> Result<accord_law::request::Request, StoreError>;

    /// Evidence requests matching `filter`, newest first.
    async fn requests(
        &self,
        filter: &RequestFilter,
    ) -> Result<Vec<accord_law::request::Request>, StoreError>;

    /// Evidence requests matching `filter` that are overdue at `now`
    /// (`Request::overdue`), the longest overdue first.
    async fn overdue_requests(
        &self,
        filter: &RequestFilter,
        now: jiff::Timestamp,
    ) -> Result<Vec<accord_law::request::Request>, StoreError>;

    /// The backend's threat-indicator sharing storage, if it keeps one.
    fn sharing(&self) -> Option<&dyn SharingStore> {
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

/// Hex digits of the token's SHA-256 that name it.
pub const ID_LEN: usize = 12;

/// How long a token lives unless the operator says otherwise: 90 days.
pub const DEFAULT_LIFETIME: SignedDuration = SignedDuration::from_hours(90 * 24);

/// A stored token, without its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenInfo {
    /// Its id: the first [`ID_LEN`] hex digits of its SHA-256.
    pub id: String,
    /// The hex SHA-256 of the token.
    #[serde(skip)]
    pub sha256: String,
    /// The party it authenticates as.
    pub party: String,
    /// When it was issued.
    pub created_at: Timestamp,
    /// When it stops working (`None` only for rows a store could not date).
    pub expires_at: Option<Timestamp>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<Timestamp>,
}

impl TokenInfo {
    /// A token row as a store reads it.
    pub fn new(
        sha256: String,
        party: String,
        created_at: Timestamp,
        expires_at: Option<Timestamp>,
        revoked_at: Option<Timestamp>,
    ) -> Self {
        TokenInfo {
            id: sha256.chars().take(ID_LEN).collect(),
            sha256,
            party,
            created_at,
            expires_at,
            revoked_at,
        }
    }

    /// Whether it authenticates at `now`: not revoked and not expired.
    pub fn is_current(&self, now: Timestamp) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|e| e > now)
    }

    /// Why it does not authenticate at `now`, if it does not; for the 401 problem.
    pub fn refusal(&self, now: Timestamp) -> Option<String> {
        if let Some(at) = self.revoked_at {
            return Some(format!(
                "the token {} was revoked at {at}; ask the operator for a new one",
                self.id
            ));
        }
        match self.expires_at {
            Some(at) if at <= now => Some(format!(
                "the token {} expired at {at}; ask the operator for a new one",
                self.id
            )),
            _ => None,
        }
    }
}

/// Which requests a list asks for; every field given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestFilter {
    /// The requesting or the requested state is this party.
    pub party: Option<String>,
    /// The request stands at this status.
    pub status: Option<Status>,
    /// The request is about this incident.
    pub incident: Option<String>,
    /// The request's TLP marking is at most this (e.g. `Green` for a public page).
    pub max_tlp: Option<Tlp>,
}

impl RequestFilter {
    /// True when `r` matches (every backend applies this to what its index returns).
    pub fn matches(&self, r: &Request) -> bool {
        self.party
            .as_deref()
            .is_none_or(|p| r.requesting_state.as_str() == p || r.requested_state.as_str() == p)
            && self.status.is_none_or(|s| r.status == s)
            && self
                .incident
                .as_deref()
                .is_none_or(|i| r.incident.as_deref() == Some(i))
            && self.max_tlp.is_none_or(|t| r.tlp <= t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_cut_at_its_limit_and_names_the_next_only_when_more_follow() {
        let rows = |n: usize| -> Vec<(usize, String)> {
            (0..n).map(|i| (i, format!("2020-01-0{i}|x{i}"))).collect()
        };
        let page = Page::cut(rows(3), 2);
        assert_eq!(page.items, vec![0, 1]);
        assert_eq!(page.next, Some(Cursor::from_key("2020-01-01|x1")));
        let page = Page::cut(rows(2), 2);
        assert_eq!(page.items, vec![0, 1]);
        assert_eq!(page.next, None);
        let request = PageRequest {
            limit: 0,
            after: Some(Cursor::from_key("2020-01-01|x1")),
        };
        assert_eq!(
            request.bounds().ok(),
            Some((Some("2020-01-01|x1".to_owned()), 1))
        );
    }

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

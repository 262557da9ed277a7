//! What a hub keeps of its peers' logs (issue 14 part 2): how far it verified each peer's log
//! and the records it mirrored from it, with their provenance. `federation.rs` verifies what a
//! peer serves and produces these; the backends store them in their own tables
//! (`mirror_logs`, `mirror_checkpoints`, `mirrored_entries`), apart from the hub's own log: a
//! mirrored record is never re-signed as this hub's, nor appended to its log.

use accord_tlog::merkle::Hash;
use serde::{Deserialize, Serialize};

use crate::error::StoreError;

/// A party key as a peer's log records it: registered by a `key` entry, revoked by a
/// `key-revocation` entry. Entries after a revocation may not be signed with the key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PeerKey {
    /// The party on the peer.
    pub party: String,
    /// The key, base64 as the envelope's `signer_key` writes it.
    pub key: String,
    /// Whether the peer's log revoked it.
    pub revoked: bool,
}

/// Who recorded a record in a peer's log: an amendment of it must be signed by them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PeerRecorder {
    /// The record, `kind/id` (e.g. `incident/colonial-pipeline-2021`).
    pub record: String,
    /// The party on the peer whose entry recorded it.
    pub recorder: String,
    /// That entry's index in the peer's log.
    pub index: u64,
}

/// How far this hub verified a peer's log: the signed checkpoint it accepted last and what it
/// needs to go on from there without reading the older entries again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MirrorState {
    /// The peer log's origin (the name of its verifier key).
    pub origin: String,
    /// The peer log's verifier key string, as the entries were verified with.
    pub verifier_key: String,
    /// Entries verified: the accepted checkpoint's size.
    pub size: u64,
    /// The accepted checkpoint's root.
    pub root: Hash,
    /// The accepted checkpoint as the peer signed it (a C2SP signed note).
    pub note: String,
    /// The right edge of the tree of `size` entries (`accord_tlog::merkle::Frontier`), from
    /// which the next entries extend it.
    pub frontier: Vec<Hash>,
    /// The party keys the peer's log recorded up to `size`.
    pub keys: Vec<PeerKey>,
    /// The recorder of every amendable record in the peer's log up to `size`, so that a pull
    /// going on from `size` holds amendments to the recorder rule.
    pub recorders: Vec<PeerRecorder>,
    /// When it was accepted (POSIX seconds, this hub's clock).
    pub updated_at: u64,
}

/// A record mirrored from a peer's log, with its provenance: which log, which entry, and
/// which of the stored checkpoints of that log proves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MirroredEntry {
    /// The origin log.
    pub origin: String,
    /// The entry's index in the origin log.
    pub index: u64,
    /// The entry's kind (`incident`, `amendment`).
    pub kind: String,
    /// The envelope's id (the record's id, or an amendment's `KIND/ID@vN`).
    pub entry_id: String,
    /// The party on the peer that signed it.
    pub submitter: String,
    /// When it says it was submitted (RFC 3339, as signed).
    pub submitted_at: String,
    /// The signed entry, exactly as it is a leaf of the origin log.
    #[serde(skip)]
    pub entry: Vec<u8>,
    /// The body the entry commits to.
    #[serde(skip)]
    pub body: Vec<u8>,
    /// The salt of the commitment; `None` for an entry written before salting.
    #[serde(skip)]
    pub salt: Option<Vec<u8>>,
    /// The size of the origin log's checkpoint that proves it, stored with
    /// [`crate::Store::advance_mirror`].
    pub checkpoint_size: u64,
}

/// What [`crate::Store::advance_mirror`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MirrorAdvance {
    /// The new state and its entries were stored.
    Stored,
    /// Another sync moved the peer's state first: it now holds this size (0 for none), and
    /// nothing was written.
    Moved {
        /// The size stored now.
        size: u64,
    },
}

/// Refuses to advance the mirror of a log from `current` to `new` under another verifier key:
/// what was mirrored so far was verified under the stored key, which the backends'
/// [`crate::Store::advance_mirror`] never replace.
pub fn check_same_key(current: Option<&MirrorState>, new: &MirrorState) -> Result<(), StoreError> {
    match current {
        Some(c) if c.verifier_key != new.verifier_key => Err(StoreError::Conflict {
            what: "mirror state under another verifier key for log",
            id: new.origin.clone(),
        }),
        _ => Ok(()),
    }
}

/// Which mirrored records to read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MirroredQuery {
    /// Only from this origin log.
    pub origin: Option<String>,
    /// Only of this kind.
    pub kind: Option<String>,
    /// Only with this entry id.
    pub entry_id: Option<String>,
    /// Only the entry of this index.
    pub index: Option<u64>,
    /// Skip this many (origin, then index order).
    pub offset: u64,
    /// At most this many.
    pub limit: u64,
}

/// A STIX object version mirrored from a peer's collection into a local one (issue 14 part
/// 5), proven back to the peer's log: its body is the one the entry at `index` commits to,
/// and that entry is in the tree of the peer's checkpoint at `checkpoint_size`, which this hub
/// verified. It keeps its original marking and producer; it is never re-signed as this hub's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MirroredObject {
    /// The local collection that mirrors the peer's.
    pub collection: String,
    /// The origin log.
    pub origin: String,
    /// The object version's entry index in the origin log.
    pub index: u64,
    /// The object's id.
    pub object_id: String,
    /// Its type.
    pub object_type: String,
    /// Its version (`modified`, else `created`), microseconds; `None` for an object without.
    pub version_us: Option<i64>,
    /// Its TLP level: the stricter of the signed envelope's and the object's own marking.
    pub tlp: accord_tlp::Tlp,
    /// The party on the peer that added it (the envelope's submitter).
    pub producer: String,
    /// Its named recipients (party ids, as the object names them).
    pub recipients: Vec<String>,
    /// The object, RFC 8785 canonical JSON: the bytes the entry commits to.
    pub body: Vec<u8>,
    /// The commitment's salt; `None` for an entry written before salting.
    pub salt: Option<Vec<u8>>,
    /// The signed entry, exactly as it is a leaf of the origin log.
    pub entry: Vec<u8>,
    /// The size of the origin log's accepted checkpoint that proves it (kept by
    /// [`crate::Store::mirror_checkpoint`]).
    pub checkpoint_size: u64,
}

/// One step of an evidence request in this hub's log (its filing or a transition), as
/// [`crate::Store::request_steps`] lists them for a peer hub mirroring a party's requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestStep {
    /// The request's id.
    pub request: String,
    /// The step's entry index in this hub's log.
    pub index: u64,
}

/// Which request steps [`crate::Store::request_steps`] lists: those of the requests `party`
/// is a side of (the requesting or the requested state), by entry index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestStepQuery {
    /// The party that must be a side of the request.
    pub party: String,
    /// Only steps whose entry index is below this (the tree size the caller holds).
    pub below: u64,
    /// Only steps whose entry index is above this (the last index of the previous page).
    pub after: Option<u64>,
    /// At most this many.
    pub limit: u64,
}

/// A log entry of an evidence request (its `request` filing or a `request-transition`)
/// mirrored from a peer hub, proven back to the peer's log as a [`MirroredObject`] is: the
/// entry at `index` commits to `body` with `salt` and is in the tree of the peer's checkpoint
/// at `checkpoint_size`, which this hub verified (`federation::verify_served_request`). Never
/// re-signed as this hub's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MirroredRequestEntry {
    /// The origin log.
    pub origin: String,
    /// The entry's index in the origin log.
    pub index: u64,
    /// The entry's kind (`request` or `request-transition`).
    pub kind: String,
    /// The request it files or moves.
    pub request_id: String,
    /// The party on the peer that signed it.
    pub submitter: String,
    /// Its TLP marking, as signed.
    pub tlp: accord_tlp::Tlp,
    /// The body the entry commits to (the filing or the move), as the party signed it.
    pub body: Vec<u8>,
    /// The commitment's salt; `None` for an entry written before salting.
    pub salt: Option<Vec<u8>>,
    /// The signed entry, exactly as it is a leaf of the origin log.
    pub entry: Vec<u8>,
    /// The size of the origin log's accepted checkpoint that proves it (kept by
    /// [`crate::Store::mirror_checkpoint`]).
    pub checkpoint_size: u64,
}

//! What a hub keeps of its peers' logs (issue 14 part 2): how far it verified each peer's log
//! and the records it mirrored from it, with their provenance. `federation.rs` verifies what a
//! peer serves and produces these; the backends store them in their own tables
//! (`mirror_logs`, `mirror_checkpoints`, `mirrored_entries`), apart from the hub's own log: a
//! mirrored record is never re-signed as this hub's, nor appended to its log.

use std::collections::HashMap;

use accord_core::corrections::RecordKind;
use accord_core::incident::Incident;
use accord_core::record::IncidentRecord;
use accord_tlog::merkle::Hash;
use serde::{Deserialize, Serialize};

use crate::error::StoreError;
use crate::kind;
use crate::log::AmendmentBody;
use crate::store::{IncidentFilter, Page, PageRequest, Store};

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

/// An incident mirrored from a peer's log as that log says it reads now: the recording entry's
/// body with the peer's amendments of it applied in log order, and where it comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct MirroredIncident {
    /// The incident, with the principles this hub's rules suggest for it; `log_index` is the
    /// index of the recording entry in the origin log (not in this hub's).
    pub record: IncidentRecord,
    /// The origin log.
    pub origin: String,
    /// The recording entry's index in the origin log.
    pub index: u64,
    /// The indexes, in the origin log, of the amendments applied, oldest first.
    pub amendments: Vec<u64>,
}

impl MirroredIncident {
    /// The key mirrored incidents are listed by, newest first when sorted descending: the
    /// record's own ([`IncidentRecord::sort_key`]), then the origin, so two peers' records of
    /// one id each keep a place.
    pub fn sort_key(&self) -> String {
        format!("{}|{}", self.record.sort_key(), self.origin)
    }
}

/// Mirrored rows read per query while folding a peer's records.
const FOLD_BATCH: u64 = 1000;

/// Every incident mirrored from the log of `origin` (from every peer: `None`), by origin and
/// then recording index, each with its peer's amendments applied in log order. The bodies were
/// verified against their signed entries when mirrored, but what they say is the peer's: one
/// that does not read as an incident (or an amendment that does not read as one of a mirrored
/// incident with the same id) is left out and logged, never guessed at.
pub async fn mirrored_incidents(
    store: &dyn Store,
    origin: Option<&str>,
) -> Result<Vec<MirroredIncident>, StoreError> {
    let mut entries = Vec::new();
    for kind in [kind::INCIDENT, kind::AMENDMENT] {
        let mut offset = 0;
        loop {
            let batch = store
                .mirrored_entries(MirroredQuery {
                    origin: origin.map(str::to_owned),
                    kind: Some(kind.to_owned()),
                    offset,
                    limit: FOLD_BATCH,
                    ..MirroredQuery::default()
                })
                .await?;
            let n = batch.len() as u64;
            entries.extend(batch);
            if n < FOLD_BATCH {
                break;
            }
            offset += n;
        }
    }
    // Log order within each origin: an incident before its amendments, amendments in turn.
    entries.sort_by(|a, b| (&a.origin, a.index).cmp(&(&b.origin, b.index)));
    let rules = store.rules().await?;
    let principles = crate::write::principle_count(&store.accord().await?);
    // A peer's signature says who wrote a record, not that it keeps this hub's rules: a record
    // this hub's own write path would refuse is left out, never counted.
    let refused = |incident: &Incident| {
        incident
            .validate(principles)
            .into_result()
            .err()
            .map(|e| format!("refused by this hub's checks: {e}"))
    };
    let mut out: Vec<MirroredIncident> = Vec::new();
    let mut at: HashMap<(String, String), usize> = HashMap::new();
    for e in entries {
        let skip = |why: String| {
            tracing::warn!(origin = %e.origin, index = e.index, "mirrored record left out: {why}");
        };
        match e.kind.as_str() {
            kind::INCIDENT => {
                let incident: Incident = match serde_json::from_slice(&e.body) {
                    Ok(i) => i,
                    Err(err) => {
                        skip(format!("not an incident: {err}"));
                        continue;
                    }
                };
                if let Some(why) = refused(&incident) {
                    skip(why);
                    continue;
                }
                if incident.id != e.entry_id {
                    skip(format!(
                        "the body is incident {:?}, the entry {:?}",
                        incident.id, e.entry_id
                    ));
                    continue;
                }
                let key = (e.origin.clone(), incident.id.clone());
                if at.contains_key(&key) {
                    skip("a second recording of the same incident".into());
                    continue;
                }
                at.insert(key, out.len());
                out.push(MirroredIncident {
                    record: IncidentRecord {
                        suggested_principles: rules.suggest(&incident),
                        incident,
                        log_index: Some(e.index),
                    },
                    origin: e.origin,
                    index: e.index,
                    amendments: Vec::new(),
                });
            }
            _ => {
                let Ok(amendment) = serde_json::from_slice::<AmendmentBody>(&e.body) else {
                    skip("not an amendment".into());
                    continue;
                };
                // The peer's bundled parties are amended too; only incidents are mirrored.
                if amendment.kind != RecordKind::Incident {
                    continue;
                }
                let Some(&i) = at.get(&(e.origin.clone(), amendment.id.clone())) else {
                    skip(format!("amends incident {:?}, not mirrored", amendment.id));
                    continue;
                };
                let incident: Incident = match serde_json::from_value(amendment.new) {
                    Ok(inc) => inc,
                    Err(err) => {
                        skip(format!("its new text is not an incident: {err}"));
                        continue;
                    }
                };
                if incident.id != amendment.id {
                    skip(format!(
                        "amends incident {:?} into {:?}",
                        amendment.id, incident.id
                    ));
                    continue;
                }
                if let Some(why) = refused(&incident) {
                    skip(why);
                    continue;
                }
                let m = &mut out[i];
                m.record.suggested_principles = rules.suggest(&incident);
                m.record.incident = incident;
                m.amendments.push(e.index);
            }
        }
    }
    Ok(out)
}

/// The mirrored `incidents` that match `filter`, newest first ([`MirroredIncident::sort_key`]),
/// each with its key: the filters of [`Store::incidents`] over the local record.
pub fn filter_mirrored(
    incidents: Vec<MirroredIncident>,
    filter: &IncidentFilter,
) -> Vec<(MirroredIncident, String)> {
    let wanted = filter.facets();
    let mut rows: Vec<(MirroredIncident, String)> = incidents
        .into_iter()
        .filter(|m| {
            let has = m.record.facets();
            wanted.iter().all(|f| has.contains(f))
        })
        .map(|m| {
            let key = m.sort_key();
            (m, key)
        })
        .collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1));
    rows
}

/// A page of the mirrored `incidents` that match `filter` ([`filter_mirrored`]), after
/// `page`'s cursor: the paging of [`Store::incidents`].
pub fn page_mirrored(
    incidents: Vec<MirroredIncident>,
    filter: &IncidentFilter,
    page: &PageRequest,
) -> Result<Page<MirroredIncident>, StoreError> {
    let (after, limit) = page.bounds()?;
    let mut rows: Vec<(MirroredIncident, String)> = filter_mirrored(incidents, filter)
        .into_iter()
        .filter(|(_, key)| after.as_ref().is_none_or(|a| key < a))
        .collect();
    rows.truncate(limit + 1);
    Ok(Page::cut(rows, limit))
}

/// Which incidents a scorecard is computed over.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Scope {
    /// This hub's own record (the default: what it recorded and can answer for).
    #[default]
    Local,
    /// The incidents mirrored from its peers.
    Mirrored,
    /// Both.
    All,
}

impl Scope {
    /// Every scope, as [`Scope::as_str`] names it.
    pub const ALL: [Scope; 3] = [Scope::Local, Scope::Mirrored, Scope::All];

    /// The scope's name in query strings and flags.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Local => "local",
            Scope::Mirrored => "mirrored",
            Scope::All => "all",
        }
    }

    /// The scope named `s` (`local`, `mirrored`, `all`).
    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// The incidents of `scope`, newest first, each id once. Every hub ships the bundled
/// dataset, so its peers' logs repeat its incidents: an id this hub holds is counted as its
/// own record, and an id several peers hold as the first origin's (by name). A scorecard over
/// `All` thus counts each incident once.
pub async fn scoped_incidents(
    store: &dyn Store,
    scope: Scope,
) -> Result<Vec<IncidentRecord>, StoreError> {
    let mut records = match scope {
        Scope::Mirrored => Vec::new(),
        Scope::Local | Scope::All => store.all_incidents().await?,
    };
    if scope == Scope::Local {
        return Ok(records);
    }
    let mut seen: std::collections::HashSet<String> =
        records.iter().map(|r| r.incident.id.clone()).collect();
    for m in mirrored_incidents(store, None).await? {
        if seen.insert(m.record.incident.id.clone()) {
            records.push(m.record);
        }
    }
    records.sort_by_key(|r| std::cmp::Reverse(r.sort_key()));
    Ok(records)
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

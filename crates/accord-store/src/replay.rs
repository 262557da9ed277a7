//! Replaying a log into another store: what `accord copy` uses to move a hub between
//! backends.
//!
//! A log entry commits to its body, and the body holds the write; what the write did to the
//! indexes (its [`Effect`]) follows from the body, the entry's signed fields, and the state
//! the earlier entries built. A few effects also carry what the write path computed at the
//! time — an incident's suggested principles, a request's due dates, the date a STIX object
//! was added — and those are read back from the source store rather than recomputed, so the
//! copy holds what the source holds even if the rules or the law changed since. An amendment
//! of the rules is the exception: applying it re-suggests the principles of every incident
//! recorded before it, in the copy as it did in the source.
//!
//! Replaying the same entries in the same order yields the same Merkle tree: the copy's
//! checkpoints have the source's roots, which `accord log verify` proves.

use std::collections::HashMap;

use accord_core::accord::Accord;
use accord_core::corrections::RecordKind;
use accord_core::incident::Incident;
use accord_core::mapping::RuleSet;
use accord_core::party::Party;
use accord_law::request::{NewRequest, Request, Status, Transition, TransitionBody};
use accord_tlog::entry::SignedEntry;
use accord_tlp::Tlp;

use crate::error::StoreError;
use crate::kind;
use crate::log::{
    AmendedRecord, Amendment, AmendmentBody, DatasetVersionBody, Effect, ForkEvidence, KeyBody,
    LogWrite, PeerBody, StoredEntry, WitnessBody,
};
use crate::sharing::{self, AffiliationBody, Collection, Deletion, IndexFilter};
use crate::store::Store;

/// Why an entry could not be replayed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayError {
    /// The entry or its body does not parse as its kind requires.
    #[error("log entry {index} ({kind} {id:?}): {detail}")]
    Malformed {
        /// The entry's index.
        index: u64,
        /// Its kind.
        kind: String,
        /// Its id.
        id: String,
        /// What is wrong.
        detail: String,
    },
    /// The entry's kind is not one this version of Accord writes.
    #[error("log entry {index} has kind {kind:?}, which this version of Accord cannot replay")]
    UnknownKind {
        /// The entry's index.
        index: u64,
        /// Its kind.
        kind: String,
    },
    /// A store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Turns a source store's entries back into writes, in log order.
pub struct Replayer<'a> {
    source: &'a dyn Store,
    target: &'a dyn Store,
    /// Where deleted STIX object versions were added: (collection, object id, version) →
    /// date added, from the deletion entries (the source's index no longer holds them).
    deleted: HashMap<(String, String, i64), Vec<i64>>,
    /// Collections as the entries replayed so far defined them.
    collections: HashMap<String, Collection>,
    /// Request statuses as the replay has moved them so far (the target knows those an
    /// earlier, interrupted copy moved).
    status: HashMap<String, accord_law::request::Status>,
}

impl<'a> Replayer<'a> {
    /// Prepares to replay `source`'s log. Reads the source's deletion entries first when it
    /// has any, since a deleted object's date added survives only in them.
    pub async fn new(
        source: &'a dyn Store,
        target: &'a dyn Store,
    ) -> Result<Replayer<'a>, ReplayError> {
        let mut deleted: HashMap<_, Vec<i64>> = HashMap::new();
        let deletions = source
            .entry_counts()
            .await?
            .into_iter()
            .any(|(k, n)| k == kind::STIX_DELETION && n > 0);
        if deletions && let Some(cp) = source.checkpoint().await? {
            let mut start = 0;
            while start < cp.size {
                let chunk = source.log_entries(start, 1000.min(cp.size - start)).await?;
                if chunk.is_empty() {
                    break;
                }
                for stored in &chunk {
                    let entry = decode(stored)?;
                    if entry.envelope.kind != kind::STIX_DELETION {
                        continue;
                    }
                    let body: Deletion = body(stored, &entry)?;
                    let added = deleted_added_us(stored, &entry, &body)?;
                    let version = sharing::parse_us(&body.version)
                        .map_err(|e| malformed(stored, &entry, e))?;
                    deleted
                        .entry((body.collection, body.id, version))
                        .or_default()
                        .push(added);
                }
                start += chunk.len() as u64;
            }
        }
        Ok(Replayer {
            source,
            target,
            deleted,
            collections: HashMap::new(),
            status: HashMap::new(),
        })
    }

    /// The write that `stored` made, ready to append to the target store.
    pub async fn write(&mut self, stored: &StoredEntry) -> Result<LogWrite, ReplayError> {
        let entry = decode(stored)?;
        let effect = self.effect(stored, &entry).await?;
        let salt = match &stored.salt {
            None => None,
            Some(s) => Some(
                <[u8; accord_tlog::entry::SALT_LEN]>::try_from(s.as_slice())
                    .map_err(|_| malformed(stored, &entry, "its stored salt is not 32 bytes"))?,
            ),
        };
        Ok(LogWrite {
            entry,
            body: stored.body.clone(),
            salt,
            effect,
        })
    }

    async fn effect(
        &mut self,
        stored: &StoredEntry,
        entry: &SignedEntry,
    ) -> Result<Effect, ReplayError> {
        let env = &entry.envelope;
        Ok(match env.kind.as_str() {
            kind::ACCORD => Effect::Accord(Box::new(body::<Accord>(stored, entry)?)),
            kind::RULES => Effect::Rules(body::<RuleSet>(stored, entry)?),
            kind::PARTY => Effect::Party(Box::new(body::<Party>(stored, entry)?)),
            kind::KEY => Effect::KeyAdded(body::<KeyBody>(stored, entry)?),
            kind::KEY_REVOCATION => Effect::KeyRevoked(body::<KeyBody>(stored, entry)?),
            kind::WITNESS => Effect::WitnessAdded(body::<WitnessBody>(stored, entry)?),
            kind::WITNESS_REMOVAL => Effect::WitnessRemoved(body::<WitnessBody>(stored, entry)?),
            kind::PEER => Effect::PeerAdded(body::<PeerBody>(stored, entry)?),
            kind::PEER_REMOVAL => Effect::PeerRemoved(body::<PeerBody>(stored, entry)?),
            kind::PEER_FORK => Effect::PeerForked(Box::new(body::<ForkEvidence>(stored, entry)?)),
            // An incident marked other than TLP:CLEAR (recorded before the hub refused them):
            // the copy carries the entry, but publishes no record, since every incident read
            // path is public (the source's upgrade dropped it from its index too).
            kind::INCIDENT if env.tlp != Tlp::Clear => Effect::Withheld,
            kind::INCIDENT => {
                let incident: Incident = body(stored, entry)?;
                // The principles suggested when it was recorded, as the source keeps them.
                let mut record = self.source.incident(&incident.id).await?;
                record.incident = incident;
                record.log_index = None;
                Effect::Incident(Box::new(record))
            }
            kind::AMENDMENT => {
                let body: AmendmentBody = body(stored, entry)?;
                let new = |e: serde_json::Error| malformed(stored, entry, e);
                let record = match body.kind {
                    RecordKind::Incident => {
                        // As for an incident: the suggested principles the source keeps.
                        let mut record = self.source.incident(&body.id).await?;
                        record.incident = serde_json::from_value(body.new.clone()).map_err(new)?;
                        record.log_index = None;
                        AmendedRecord::Incident(Box::new(record))
                    }
                    RecordKind::Party => AmendedRecord::Party(Box::new(
                        serde_json::from_value(body.new.clone()).map_err(new)?,
                    )),
                    RecordKind::Accord => AmendedRecord::Accord(Box::new(
                        serde_json::from_value(body.new.clone()).map_err(new)?,
                    )),
                    // The copy re-suggests its incidents' principles with the new rules, as
                    // the source did when it applied the amendment.
                    RecordKind::Rules => AmendedRecord::Rules(Box::new(
                        serde_json::from_value(body.new.clone()).map_err(new)?,
                    )),
                };
                Effect::Amendment(Box::new(Amendment { body, record }))
            }
            kind::DATASET_VERSION => {
                Effect::DatasetVersion(body::<DatasetVersionBody>(stored, entry)?.version)
            }
            kind::REQUEST => {
                let new: NewRequest = body(stored, entry)?;
                // When the source received it, as the source recorded it.
                let received = received_at(self.source, &new.id, Status::Draft).await?;
                let request =
                    Request::open(new, &env.submitter, signed_at(stored, entry)?, received);
                self.status.insert(request.id.clone(), request.status);
                Effect::RequestCreated(Box::new(request))
            }
            kind::REQUEST_TRANSITION => {
                let move_: TransitionBody = body(stored, entry)?;
                let from = match self.status.get(&move_.request) {
                    Some(s) => *s,
                    None => match self.target.request(&move_.request).await {
                        Ok(r) => r.status,
                        Err(StoreError::NotFound { .. }) => {
                            return Err(malformed(
                                stored,
                                entry,
                                "moves a request no earlier entry opened",
                            ));
                        }
                        Err(e) => return Err(e.into()),
                    },
                };
                let received = received_at(self.source, &move_.request, move_.to).await?;
                let due = if move_.to == Status::Sent {
                    // Fixed by the law as it stood when the request was sent.
                    self.source.request(&move_.request).await?.due
                } else {
                    Vec::new()
                };
                self.status.insert(move_.request.clone(), move_.to);
                Effect::RequestTransition {
                    request: move_.request,
                    from,
                    transition: Transition {
                        to: move_.to,
                        at: signed_at(stored, entry)?,
                        received_at: received,
                        by: env.submitter.clone(),
                        note: move_.note,
                        log_index: None,
                    },
                    due,
                }
            }
            kind::COLLECTION => {
                let collection: Collection = body(stored, entry)?;
                self.collections
                    .insert(collection.id.clone(), collection.clone());
                Effect::Collection(Box::new(collection))
            }
            kind::AFFILIATION => Effect::Affiliation(body::<AffiliationBody>(stored, entry)?),
            kind::STIX => self.stix_object(stored, entry).await?,
            kind::STIX_DELETION => {
                let d: Deletion = body(stored, entry)?;
                let added_us = deleted_added_us(stored, entry, &d)?;
                Effect::StixDeleted {
                    collection: d.collection,
                    added_us,
                }
            }
            other => {
                return Err(ReplayError::UnknownKind {
                    index: stored.index,
                    kind: other.to_owned(),
                });
            }
        })
    }

    async fn stix_object(
        &mut self,
        stored: &StoredEntry,
        entry: &SignedEntry,
    ) -> Result<Effect, ReplayError> {
        let value: serde_json::Value = body(stored, entry)?;
        let sharing_store = self
            .source
            .sharing()
            .ok_or_else(|| malformed(stored, entry, "the source store keeps no shared objects"))?;
        // A plain entry id is "{collection}/{object id}/{version}"; an opaque one names none,
        // and the collection is the one whose index (or deletions) holds this entry.
        let plain = entry.envelope.id.split_once('/').map(|(c, _)| c.to_owned());
        // The collection as the log defined it up to this entry (its default marking applies
        // to unmarked objects). A resumed copy learns the earlier definitions from the target,
        // which holds the log up to where it resumes.
        if plain
            .as_ref()
            .is_none_or(|c| !self.collections.contains_key(c))
            && let Some(target) = self.target.sharing()
        {
            for c in target.collections().await? {
                self.collections.entry(c.id.clone()).or_insert(c);
            }
        }
        let collection_id = match plain {
            Some(c) => c,
            None => self.collection_of(stored, entry, &value).await?,
        };
        let collection = self
            .collections
            .get(&collection_id)
            .cloned()
            .ok_or_else(|| {
                malformed(
                    stored,
                    entry,
                    format!("names collection {collection_id:?}, which no earlier entry defined"),
                )
            })?;
        let (mut shared, _) = sharing::prepare_object(
            &collection,
            &entry.envelope.submitter,
            value,
            sharing::Unenforceable::HoldRed,
        )
        .map_err(|e| malformed(stored, entry, e))?;
        // The date added, as the source recorded it: from its index while the version is
        // there, else from the entry that deleted it.
        let live = sharing_store
            .object_index(&IndexFilter {
                collection: collection.id.clone(),
                ids: vec![shared.id.clone()],
                ..IndexFilter::default()
            })
            .await?
            .into_iter()
            .find(|m| m.log_index == stored.index)
            .map(|m| m.added_us);
        let added = match live {
            Some(a) => a,
            None => {
                let key = (collection.id.clone(), shared.id.clone());
                let found = match shared.version_us {
                    Some(v) => self.deleted.get_mut(&(key.0, key.1, v)).and_then(Vec::pop),
                    // An unversioned object's version is its date added: take the earliest
                    // deletion of this id not yet matched.
                    None => self
                        .deleted
                        .iter_mut()
                        .filter(|((c, i, _), adds)| *c == key.0 && *i == key.1 && !adds.is_empty())
                        .min_by_key(|((_, _, v), _)| *v)
                        .and_then(|(_, adds)| adds.pop()),
                };
                found.ok_or_else(|| {
                    malformed(
                        stored,
                        entry,
                        "the source's index has no date added for it and no entry deleted it",
                    )
                })?
            }
        };
        if live.is_some() {
            // The object as its producer sent it (the log's body is its canonical form, with
            // sorted keys): TAXII readers get the same bytes from the copy.
            if let Some((_, text)) = sharing_store.object_bodies(vec![added]).await?.pop() {
                let sent: serde_json::Value = serde_json::from_str(&text)
                    .map_err(|e| malformed(stored, entry, format!("the stored object: {e}")))?;
                if sent != shared.object {
                    return Err(malformed(
                        stored,
                        entry,
                        "the source's stored object differs from the logged body",
                    ));
                }
                shared.object = sent;
            }
        }
        shared.added_us = Some(added);
        Ok(Effect::StixObject(Box::new(shared)))
    }
}

impl Replayer<'_> {
    /// The collection of the STIX entry `stored`, whose id is opaque: the one whose index
    /// holds the entry, else the one a deletion of this object names.
    async fn collection_of(
        &self,
        stored: &StoredEntry,
        entry: &SignedEntry,
        object: &serde_json::Value,
    ) -> Result<String, ReplayError> {
        let id = object
            .get("id")
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| malformed(stored, entry, "the object has no id"))?;
        if let Some(sharing_store) = self.source.sharing() {
            for c in self.collections.keys() {
                let rows = sharing_store
                    .object_index(&IndexFilter {
                        collection: c.clone(),
                        ids: vec![id.to_owned()],
                        ..IndexFilter::default()
                    })
                    .await?;
                if rows.iter().any(|m| m.log_index == stored.index) {
                    return Ok(c.clone());
                }
            }
        }
        self.deleted
            .iter()
            .find(|((_, i, _), adds)| i == id && !adds.is_empty())
            .map(|((c, _, _), _)| c.clone())
            .ok_or_else(|| {
                malformed(
                    stored,
                    entry,
                    "no collection's index holds this entry and no entry deleted it",
                )
            })
    }
}

/// The date added of the version a deletion entry removed: in its body, or, for deletions
/// written before entry ids could be opaque, in its id "{collection}/{object id}/{date
/// added}/{party}".
fn deleted_added_us(
    stored: &StoredEntry,
    entry: &SignedEntry,
    deletion: &Deletion,
) -> Result<i64, ReplayError> {
    if let Some(added) = deletion.added_us {
        return Ok(added);
    }
    entry
        .envelope
        .id
        .strip_prefix(&format!("{}/{}/", deletion.collection, deletion.id))
        .and_then(|rest| rest.split('/').next())
        .and_then(|n| n.parse::<i64>().ok())
        .ok_or_else(|| malformed(stored, entry, "the id names no date added"))
}

fn decode(stored: &StoredEntry) -> Result<SignedEntry, ReplayError> {
    SignedEntry::from_bytes(&stored.entry).map_err(|e| ReplayError::Malformed {
        index: stored.index,
        kind: "?".into(),
        id: String::new(),
        detail: e.to_string(),
    })
}

fn malformed(stored: &StoredEntry, entry: &SignedEntry, detail: impl ToString) -> ReplayError {
    ReplayError::Malformed {
        index: stored.index,
        kind: entry.envelope.kind.clone(),
        id: entry.envelope.id.clone(),
        detail: detail.to_string(),
    }
}

fn body<T: serde::de::DeserializeOwned>(
    stored: &StoredEntry,
    entry: &SignedEntry,
) -> Result<T, ReplayError> {
    serde_json::from_slice(&stored.body)
        .map_err(|e| malformed(stored, entry, format!("its body does not parse: {e}")))
}

/// When the source hub received request `id`'s move into `to` (its filing for `draft`), as
/// the source recorded it; `None` when it kept no receipt time then.
async fn received_at(
    source: &dyn Store,
    id: &str,
    to: Status,
) -> Result<Option<jiff::Timestamp>, StoreError> {
    Ok(source
        .request(id)
        .await?
        .history
        .into_iter()
        .find(|t| t.to == to)
        .and_then(|t| t.received_at))
}

fn signed_at(stored: &StoredEntry, entry: &SignedEntry) -> Result<jiff::Timestamp, ReplayError> {
    entry
        .envelope
        .submitted_at
        .parse()
        .map_err(|e| malformed(stored, entry, format!("submitted_at: {e}")))
}

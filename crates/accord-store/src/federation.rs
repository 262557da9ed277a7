//! Mirroring a peer hub's log with proof (issue 14 part 2).
//!
//! A hub trusts a peer for one thing only, the verifier key its operator registered for the
//! peer's log. [`pull`] reads what the peer publishes under `/log` (through a [`PeerSource`]:
//! HTTP in the CLI, anything in tests) from the size this hub accepted last, and refuses the
//! whole pull at the first discrepancy, naming it:
//!
//! 1. the new checkpoint's signature and origin, under the registered key ([`open_checkpoint`]);
//! 2. that it extends the accepted one: the same root at the same size, never a smaller size,
//!    and the peer's consistency proof from the accepted size to the new one;
//! 3. every new entry's signature against the key history recorded in the peer's own log
//!    (party keys are entries of that log; the history up to the accepted size is kept in
//!    [`MirrorState::keys`]), and every released body against its envelope's commitment — the
//!    audit's own checks (`audit::EntryChecks`);
//! 4. that the new entries are in the signed tree: appended to the accepted tree's right edge
//!    ([`Frontier`]) they must reach the signed root. That proves inclusion of every entry
//!    with one hash per entry; checking a served inclusion proof per entry costs `log2(n)`
//!    hashes and a request each (BENCHMARKS.md measures both).
//!
//! What passes becomes a new [`MirrorState`] and the records of the [`MIRRORED_KINDS`] with
//! their provenance, which the caller stores with [`crate::Store::advance_mirror`]. Nothing is
//! re-signed or appended to this hub's log.
//!
//! # Mirrored collections (issue 14 part 5)
//!
//! A STIX object the public log withholds (anything but TLP:CLEAR in an open collection) is
//! read from the peer's collection as this hub's party there, with the peer token: the peer
//! answers `GET /api/v1/collections/{id}/provenance?size=S` with each object version that
//! party may read, its log index, the salt of its commitment, the signed entry and the
//! entry's inclusion proof in the peer's tree of `S` entries ([`ServedVersion`]). The peer's
//! word is taken for nothing: [`verify_served`] checks the proof against the root of the
//! checkpoint this hub accepted at `S` (every entry of that tree passed a [`pull`], signature
//! included), that the entry is a `stix` entry committing to the object's canonical bytes
//! with that salt, and takes the marking (the stricter of the signed envelope's and the
//! object's own) and the producer (the envelope's signer) from what it verified.

use accord_tlp::Tlp;
use std::collections::HashMap;

use accord_tlog::merkle::{Frontier, Hash, verify_consistency};
use accord_tlog::note::Verifier;
use async_trait::async_trait;

use crate::audit::{
    AuditError, EntryChecks, LogSource, bundle_items, bundle_steps, check_entries, fetch_bundle,
    open_checkpoint,
};
use accord_tlog::entry::{SignedEntry, canonical_json};
use accord_tlog::merkle::verify_inclusion;
use serde::{Deserialize, Serialize};

use crate::kind;
use crate::mirror::{MirrorState, MirroredEntry, MirroredObject, PeerKey, PeerRecorder};
use crate::sharing::{Collection, Unenforceable, prepare_object};

/// The kinds of entry a hub mirrors from its peers: the public record (incidents and their
/// amendments). STIX objects and evidence requests are not mirrored yet.
pub const MIRRORED_KINDS: &[&str] = &[kind::INCIDENT, kind::AMENDMENT];

/// A peer's log as [`pull`] reads it: its published resources, and consistency proofs.
#[async_trait]
pub trait PeerSource: LogSource {
    /// The peer's RFC 9162 consistency proof from the tree of `old` entries to that of `new`.
    async fn consistency(&self, old: u64, new: u64) -> Result<Vec<Hash>, String>;
}

/// What a pull verified and brings in.
#[derive(Debug, Clone)]
pub struct Pulled {
    /// The state to store: the new checkpoint accepted.
    pub state: MirrorState,
    /// The new records of the mirrored kinds, each proven by `state`'s checkpoint.
    pub entries: Vec<MirroredEntry>,
    /// The size the pull started from (the previously accepted one, 0 for a first pull).
    pub from: u64,
    /// Entries of a mirrored kind whose body the peer withheld or that are not TLP:CLEAR:
    /// verified, not mirrored.
    pub withheld: u64,
}

fn inconsistent(old_size: u64, detail: impl Into<String>) -> AuditError {
    AuditError::Inconsistent {
        old_size,
        detail: detail.into(),
    }
}

/// Verifies what `source` publishes beyond `accepted` (none: the peer's whole log) under the
/// peer's `verifier` key. `Ok(None)`: the peer's checkpoint is the accepted one, nothing new.
/// `now` is the time to record the acceptance at (POSIX seconds); `progress(done, total)` is
/// called as entries are checked.
pub async fn pull(
    source: &dyn PeerSource,
    verifier: &Verifier,
    accepted: Option<&MirrorState>,
    now: u64,
    progress: &(dyn Fn(u64, u64) + Send + Sync),
) -> Result<Option<Pulled>, AuditError> {
    let note = source
        .checkpoint()
        .await
        .map_err(|detail| AuditError::Fetch {
            what: "the checkpoint".into(),
            detail,
        })?;
    let (cp, _) = open_checkpoint(&note, verifier, &[])?;
    let note = String::from_utf8(note)
        .map_err(|_| AuditError::Checkpoint("the checkpoint is not UTF-8".into()))?;

    // Where the accepted tree ends, and what was learnt up to there.
    let (mut frontier, keys) = match accepted {
        None => (Frontier::new(), HashMap::new()),
        Some(acc) => {
            if acc.origin != cp.origin || acc.verifier_key != verifier.to_key_string() {
                return Err(AuditError::Checkpoint(format!(
                    "the accepted state is of log {:?} under key {}, not of {:?} under {}",
                    acc.origin,
                    acc.verifier_key,
                    cp.origin,
                    verifier.to_key_string()
                )));
            }
            let frontier = Frontier::from_parts(acc.size, &acc.frontier)
                .ok()
                .filter(|f| f.root() == acc.root)
                .ok_or_else(|| {
                    inconsistent(
                        acc.size,
                        "the stored state of this peer does not hash to its accepted root",
                    )
                })?;
            let keys = acc
                .keys
                .iter()
                .map(|k| ((k.party.clone(), k.key.clone()), k.revoked))
                .collect();
            (frontier, keys)
        }
    };
    let from = frontier.size();
    if let Some(acc) = accepted {
        if cp.size < acc.size {
            return Err(inconsistent(
                acc.size,
                format!(
                    "the peer now signs a log of {} entries: it was rolled back",
                    cp.size
                ),
            ));
        }
        if cp.size == acc.size {
            if cp.root != acc.root {
                return Err(inconsistent(
                    acc.size,
                    format!(
                        "the peer signs root {} at the accepted size, not {}: a split view",
                        cp.root.to_base64(),
                        acc.root.to_base64()
                    ),
                ));
            }
            return Ok(None);
        }
        if acc.size > 0 {
            let proof = source
                .consistency(acc.size, cp.size)
                .await
                .map_err(|detail| AuditError::Fetch {
                    what: format!("the consistency proof from {} to {}", acc.size, cp.size),
                    detail,
                })?;
            verify_consistency(acc.size, cp.size, &proof, &acc.root, &cp.root).map_err(|e| {
                inconsistent(
                    acc.size,
                    format!("the consistency proof to size {} fails: {e}", cp.size),
                )
            })?;
        }
    } else if cp.size == 0 {
        return Ok(None);
    }

    // A first pull reads the log from its first entry, so it learns every record's recorder;
    // a later one goes on from the recorders kept: both hold amendments to the audit's rule
    // (only the recorder amends).
    let mut checks = match accepted {
        None => EntryChecks::new(*verifier.public_key()),
        Some(acc) => EntryChecks::resume_with_recorders(
            *verifier.public_key(),
            keys,
            acc.recorders
                .iter()
                .map(|r| (r.record.clone(), (r.recorder.clone(), r.index)))
                .collect(),
        ),
    };
    let mut entries = Vec::new();
    let mut withheld = 0;
    let steps = bundle_steps(from, cp.size);
    if let Some(first) = steps.first() {
        source.prefetch(first);
    }
    for (k, step) in steps.iter().enumerate() {
        if let Some(next) = steps.get(k + 1) {
            source.prefetch(next);
        }
        let mut fetched = Vec::with_capacity(step.len());
        for t in step {
            fetched.push(fetch_bundle(source, *t).await?);
        }
        let items = bundle_items(&fetched, from)?;
        let checked = check_entries(&items, true);
        for (item, c) in items.iter().zip(&checked) {
            frontier.push(c.leaf);
            checks.record(c);
            let Ok((entry, _)) = &c.entry else { continue };
            let env = &entry.envelope;
            if !MIRRORED_KINDS.contains(&env.kind.as_str()) {
                continue;
            }
            // Mirrored bodies are served to anyone: a marked one (released by a careless or
            // hostile peer, or to a token holder) is never kept.
            let (Some((body, salt)), Tlp::Clear) = (item.body, env.tlp) else {
                withheld += 1;
                continue;
            };
            entries.push(MirroredEntry {
                origin: cp.origin.clone(),
                index: c.index,
                kind: env.kind.clone(),
                entry_id: env.id.clone(),
                submitter: env.submitter.clone(),
                submitted_at: env.submitted_at.clone(),
                entry: item.bytes.to_vec(),
                body: body.to_vec(),
                salt: salt.map(<[u8]>::to_vec),
                checkpoint_size: cp.size,
            });
        }
        // Stop at the first bad entry: nothing of this pull is kept.
        if let Some(e) = checks.first_problem() {
            return Err(e);
        }
        progress(frontier.size() - from, cp.size - from);
    }
    if frontier.size() != cp.size || frontier.root() != cp.root {
        return Err(AuditError::Root {
            size: cp.size,
            computed: frontier.root().to_base64(),
            signed: cp.root.to_base64(),
        });
    }
    let mut keys: Vec<PeerKey> = checks
        .key_history()
        .iter()
        .map(|((party, key), revoked)| PeerKey {
            party: party.clone(),
            key: key.clone(),
            revoked: *revoked,
        })
        .collect();
    keys.sort();
    let mut recorders: Vec<PeerRecorder> = checks
        .recorders()
        .into_iter()
        .flatten()
        .map(|(record, (recorder, index))| PeerRecorder {
            record: record.clone(),
            recorder: recorder.clone(),
            index: *index,
        })
        .collect();
    recorders.sort();
    Ok(Some(Pulled {
        state: MirrorState {
            origin: cp.origin,
            verifier_key: verifier.to_key_string(),
            size: cp.size,
            root: cp.root,
            note,
            frontier: frontier.hashes(),
            keys,
            recorders,
            updated_at: now,
        },
        entries,
        from,
        withheld,
    }))
}

/// One object version as a peer serves it to a hub mirroring its collection
/// (`GET /api/v1/collections/{id}/provenance`): the object with what ties it to the peer's log.
/// Nothing in it is trusted until [`verify_served`] has checked it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServedVersion {
    /// The index of the version's `stix` entry in the peer's log.
    pub log_index: u64,
    /// The STIX object.
    pub object: serde_json::Value,
    /// The salt of the entry's body commitment, hex; absent for an entry written before
    /// salting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub salt: Option<String>,
    /// The signed entry, hex of its exact bytes (the leaf of the peer's log).
    pub entry: String,
    /// The RFC 9162 inclusion proof of the entry in the peer's tree of the asked size.
    pub inclusion: Vec<Hash>,
}

/// Why a served object version is not mirrored; each names the entry index the peer gave.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ServedError {
    /// The index is not in the tree this hub verified.
    #[error("entry {index}: beyond the {size} entries verified of the peer's log")]
    Beyond {
        /// The index served.
        index: u64,
        /// The size verified.
        size: u64,
    },
    /// The entry, salt or proof is not what it should be, or does not verify.
    #[error("entry {index}: {detail}")]
    Invalid {
        /// The index served.
        index: u64,
        /// What failed.
        detail: String,
    },
}

/// Checks `served` against `state` (the peer log's checkpoint this hub accepted, whose every
/// entry a [`pull`] verified) and returns the object to keep in the local collection
/// `collection`: its entry is included in the accepted tree at the index given, is a `stix`
/// entry, and commits to the object's canonical bytes with the salt given.
pub fn verify_served(
    state: &MirrorState,
    collection: &str,
    served: ServedVersion,
) -> Result<MirroredObject, ServedError> {
    let index = served.log_index;
    let invalid = |detail: String| ServedError::Invalid { index, detail };
    if index >= state.size {
        return Err(ServedError::Beyond {
            index,
            size: state.size,
        });
    }
    let entry = hex::decode(&served.entry).map_err(|_| invalid("the entry is not hex".into()))?;
    verify_inclusion(
        &accord_tlog::merkle::leaf_hash(&entry),
        index,
        state.size,
        &served.inclusion,
        &state.root,
    )
    .map_err(|e| {
        invalid(format!(
            "not included at this index in the peer's tree of {} entries this hub verified: {e}",
            state.size
        ))
    })?;
    let signed = SignedEntry::from_bytes(&entry)
        .map_err(|e| invalid(format!("the entry does not parse: {e}")))?;
    let envelope = &signed.envelope;
    if envelope.kind != kind::STIX {
        return Err(invalid(format!(
            "a {:?} entry, not a STIX object version",
            envelope.kind
        )));
    }
    let salt = served
        .salt
        .as_deref()
        .map(hex::decode)
        .transpose()
        .map_err(|_| invalid("the salt is not hex".into()))?;
    let body = canonical_json(&served.object)
        .map_err(|e| invalid(format!("the object cannot be canonicalised: {e}")))?;
    if !envelope.commits_to(&body, salt.as_deref()) {
        return Err(invalid(
            "the object served is not the body the entry commits to".into(),
        ));
    }
    // The peer's collection default is not known here: an unmarked object takes the level the
    // peer signed; a marking on the object stricter than that wins (fail closed).
    let as_signed = Collection {
        id: collection.to_owned(),
        title: collection.to_owned(),
        description: None,
        members: Vec::new(),
        default_tlp: envelope.tlp,
        anonymous_read: false,
        mirror: None,
    };
    let (shared, _) = prepare_object(
        &as_signed,
        &envelope.submitter,
        served.object,
        Unenforceable::HoldRed,
    )
    .map_err(|e| invalid(format!("the object: {e}")))?;
    Ok(MirroredObject {
        collection: collection.to_owned(),
        origin: state.origin.clone(),
        index,
        object_id: shared.id,
        object_type: shared.object_type,
        version_us: shared.version_us,
        tlp: shared.tlp.max(envelope.tlp),
        producer: envelope.submitter.clone(),
        recipients: shared.recipients,
        body,
        salt,
        entry,
        checkpoint_size: state.size,
    })
}

#[cfg(test)]
mod served_tests {
    use super::*;
    use accord_tlog::merkle::{MemoryHashStore, inclusion_proof};
    use ed25519_dalek::SigningKey;
    use serde_json::json;

    const SALT: [u8; 32] = [7; 32];

    fn object(tlp_ref: Option<&str>) -> serde_json::Value {
        let mut o = json!({
            "type": "indicator", "spec_version": "2.1",
            "id": "indicator--6f1c8a8e-0000-4000-8000-000000000001",
            "created": "2026-02-01T00:00:00.000Z", "modified": "2026-02-01T00:00:00.000Z",
            "pattern": "[ipv4-addr:value = '192.0.2.1']", "pattern_type": "stix",
            "valid_from": "2026-02-01T00:00:00Z", "x_accord_recipients": ["DE"]
        });
        if let Some(r) = tlp_ref {
            o["object_marking_refs"] = json!([r]);
        }
        o
    }

    /// A peer log of three entries whose middle one (index 1) is `kind` signed by FR at `tlp`,
    /// committing to `body`; the accepted state of that log.
    fn peer_log(kind: &str, tlp: Tlp, body: &[u8]) -> (MirrorState, MemoryHashStore, Vec<u8>) {
        let key = SigningKey::from_bytes(&[3; 32]);
        let entry = crate::write::sign_canonical_body(
            kind,
            "opaque",
            "FR",
            tlp,
            body,
            &SALT,
            &key,
            jiff::Timestamp::UNIX_EPOCH,
        )
        .unwrap()
        .to_bytes()
        .unwrap();
        let mut tree = MemoryHashStore::new();
        tree.append(b"first");
        tree.append(&entry);
        tree.append(b"third");
        let state = MirrorState {
            origin: "a.example/log".into(),
            verifier_key: String::new(),
            size: 3,
            root: tree.root(),
            note: String::new(),
            frontier: Vec::new(),
            keys: Vec::new(),
            recorders: Vec::new(),
            updated_at: 0,
        };
        (state, tree, entry)
    }

    fn served(tree: &MemoryHashStore, entry: &[u8], object: serde_json::Value) -> ServedVersion {
        ServedVersion {
            log_index: 1,
            object,
            salt: Some(hex::encode(SALT)),
            entry: hex::encode(entry),
            inclusion: inclusion_proof(tree, 1, 3).unwrap().hashes,
        }
    }

    #[test]
    fn a_served_version_is_kept_with_its_signed_marking_and_producer() {
        let o = object(None);
        let (state, tree, entry) = peer_log(kind::STIX, Tlp::Amber, &canonical_json(&o).unwrap());
        let m = verify_served(&state, "local", served(&tree, &entry, o)).unwrap();
        assert_eq!((m.tlp, m.producer.as_str(), m.index), (Tlp::Amber, "FR", 1));
        assert_eq!(m.recipients, vec!["DE".to_owned()]);
        assert_eq!((m.collection.as_str(), m.checkpoint_size), ("local", 3));
    }

    #[test]
    fn a_stricter_marking_on_the_object_wins_over_the_signed_level() {
        let red = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";
        let o = object(Some(red));
        let (state, tree, entry) = peer_log(kind::STIX, Tlp::Green, &canonical_json(&o).unwrap());
        let m = verify_served(&state, "local", served(&tree, &entry, o)).unwrap();
        assert_eq!(m.tlp, Tlp::Red);
    }

    #[test]
    fn the_peers_word_is_taken_for_nothing() {
        let o = object(None);
        let body = canonical_json(&o).unwrap();
        let (state, tree, entry) = peer_log(kind::STIX, Tlp::Amber, &body);
        let refused = |s: ServedVersion| verify_served(&state, "local", s).unwrap_err().to_string();
        // Another object than the one committed to.
        let mut other = o.clone();
        other["pattern"] = json!("[ipv4-addr:value = '198.51.100.1']");
        assert!(refused(served(&tree, &entry, other)).contains("commits to"));
        // Another salt.
        let mut s = served(&tree, &entry, o.clone());
        s.salt = Some(hex::encode([8; 32]));
        assert!(refused(s).contains("commits to"));
        // Another index, or a proof of another leaf.
        let mut s = served(&tree, &entry, o.clone());
        s.log_index = 2;
        assert!(refused(s).contains("not included"));
        let mut s = served(&tree, &entry, o.clone());
        s.inclusion = inclusion_proof(&tree, 0, 3).unwrap().hashes;
        assert!(refused(s).contains("not included"));
        // Beyond the verified tree.
        let mut s = served(&tree, &entry, o.clone());
        s.log_index = 3;
        assert!(matches!(
            verify_served(&state, "local", s),
            Err(ServedError::Beyond { index: 3, size: 3 })
        ));
        // An entry of another kind committing to the same bytes.
        let (state, tree, entry) = peer_log(kind::INCIDENT, Tlp::Amber, &body);
        let e = verify_served(&state, "local", served(&tree, &entry, o)).unwrap_err();
        assert!(e.to_string().contains("not a STIX object version"), "{e}");
    }
}

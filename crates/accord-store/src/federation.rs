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
//!
//! # Mirrored evidence requests
//!
//! Requests are read the same way, as this hub's party on the peer: `GET
//! /api/v1/requests/provenance?size=S` serves every log entry (filing and transitions) of the
//! requests that party is a side of, each with its index, body, salt, signed entry and
//! inclusion proof in the tree of `S` entries ([`ServedRequestEntry`]).
//! [`verify_served_request`] checks the proof against the accepted checkpoint, the entry's
//! signature under the peer's recorded key history, that it is a request or transition entry
//! committing to the body served, and that the body agrees with the signed envelope (its
//! marking, and for a filing its signer being the requesting state).

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
use crate::mirror::{
    MirrorState, MirroredEntry, MirroredObject, MirroredRequestEntry, PeerKey, PeerRecorder,
};
use crate::sharing::{Collection, Unenforceable, prepare_object};
use accord_law::request::{NewRequest, TransitionBody, is_random_uuid};

/// The kinds of entry a [`pull`] mirrors from a peer's public log: the public record
/// (incidents and their amendments). STIX objects and evidence requests are read apart, as the
/// hub's party on the peer ([`verify_served`], [`verify_served_request`]).
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

/// The signed entry a peer served at `index` (hex) with its inclusion proof, once it is
/// within `state`'s accepted tree and included there at that index: its bytes and parsed form.
/// What every served item (object version or request step) is checked against first.
fn included_entry(
    state: &MirrorState,
    index: u64,
    entry_hex: &str,
    inclusion: &[Hash],
) -> Result<(Vec<u8>, SignedEntry), ServedError> {
    let invalid = |detail: String| ServedError::Invalid { index, detail };
    if index >= state.size {
        return Err(ServedError::Beyond {
            index,
            size: state.size,
        });
    }
    let entry = hex::decode(entry_hex).map_err(|_| invalid("the entry is not hex".into()))?;
    verify_inclusion(
        &accord_tlog::merkle::leaf_hash(&entry),
        index,
        state.size,
        inclusion,
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
    Ok((entry, signed))
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
    let (entry, signed) = included_entry(state, index, &served.entry, &served.inclusion)?;
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

/// The kinds of entry an evidence request's steps are: its filing and its transitions.
pub const REQUEST_KINDS: &[&str] = &[kind::REQUEST, kind::REQUEST_TRANSITION];

/// One log entry of an evidence request as a peer serves it to a hub reading as a side of the
/// request (`GET /api/v1/requests/provenance`). Nothing in it is trusted until
/// [`verify_served_request`] has checked it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServedRequestEntry {
    /// The entry's index in the peer's log.
    pub log_index: u64,
    /// The body the entry commits to, hex of its exact bytes (a filing or a move, JSON).
    pub body: String,
    /// The salt of the entry's body commitment, hex; absent for an entry written before
    /// salting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub salt: Option<String>,
    /// The signed entry, hex of its exact bytes (the leaf of the peer's log).
    pub entry: String,
    /// The RFC 9162 inclusion proof of the entry in the peer's tree of the asked size.
    pub inclusion: Vec<Hash>,
}

/// Checks `served` against `state` (the peer log's checkpoint this hub accepted) and returns
/// the request entry to keep: it is included in the accepted tree at the index given, is
/// signed by a key the peer's log registered for its submitter, is a `request` or
/// `request-transition` entry committing to the body given with the salt given, and the body
/// reads as one (a filing by its requesting state, or a move), marked as the entry is.
pub fn verify_served_request(
    state: &MirrorState,
    served: ServedRequestEntry,
) -> Result<MirroredRequestEntry, ServedError> {
    let index = served.log_index;
    let invalid = |detail: String| ServedError::Invalid { index, detail };
    let (entry, signed) = included_entry(state, index, &served.entry, &served.inclusion)?;
    let envelope = &signed.envelope;
    if !REQUEST_KINDS.contains(&envelope.kind.as_str()) {
        return Err(invalid(format!(
            "a {:?} entry, not an evidence request's step",
            envelope.kind
        )));
    }
    // Every entry of the accepted tree passed a pull, which checked its key against the
    // peer's key history at its index (revocations included); the signature is checked again
    // here, but the key check below only asks that the log ever registered the key, and
    // leans on that pull.
    signed
        .verify_self_signed()
        .map_err(|e| invalid(format!("the entry's signature does not verify: {e}")))?;
    if !state
        .keys
        .iter()
        .any(|k| k.party == envelope.submitter && k.key == envelope.signer_key)
    {
        return Err(invalid(format!(
            "signed with a key the peer's log never registered for {:?}",
            envelope.submitter
        )));
    }
    let body = hex::decode(&served.body).map_err(|_| invalid("the body is not hex".into()))?;
    let salt = served
        .salt
        .as_deref()
        .map(hex::decode)
        .transpose()
        .map_err(|_| invalid("the salt is not hex".into()))?;
    if !envelope.commits_to(&body, salt.as_deref()) {
        return Err(invalid(
            "the body served is not the body the entry commits to".into(),
        ));
    }
    let (request_id, tlp) = if envelope.kind == kind::REQUEST {
        let new: NewRequest = serde_json::from_slice(&body)
            .map_err(|e| invalid(format!("the body is not a request: {}", json_shape(&e))))?;
        if new.requesting_state.as_str() != envelope.submitter {
            return Err(invalid(format!(
                "request {:?} is signed by {:?}, not by its requesting state {}",
                new.id, envelope.submitter, new.requesting_state
            )));
        }
        (new.id, new.tlp)
    } else {
        let step: TransitionBody = serde_json::from_slice(&body).map_err(|e| {
            invalid(format!(
                "the body is not a request transition: {}",
                json_shape(&e)
            ))
        })?;
        (step.request, envelope.tlp)
    };
    // Shown in errors and on terminals: a peer's id is checked before it is repeated.
    if !is_random_uuid(&request_id) {
        return Err(invalid(format!(
            "the request id {request_id:?} is not a random UUID in canonical form, as every \
             request's is"
        )));
    }
    if tlp != envelope.tlp {
        return Err(invalid(format!(
            "the request is marked {tlp} but its entry {}",
            envelope.tlp
        )));
    }
    Ok(MirroredRequestEntry {
        origin: state.origin.clone(),
        index,
        kind: envelope.kind.clone(),
        request_id,
        submitter: envelope.submitter.clone(),
        tlp: envelope.tlp,
        body,
        salt,
        entry,
        checkpoint_size: state.size,
    })
}

/// Why a read of a peer's request entries is refused as a whole.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestReadError {
    /// A transition of a request whose filing the read did not serve.
    #[error("entry {index}: moves request {request:?}, whose filing was not served")]
    Orphan {
        /// The entry index.
        index: u64,
        /// The request it moves.
        request: String,
    },
    /// A request none of whose sides is a party of this hub: the peer served it to a hub that
    /// is not its side.
    #[error(
        "entry {index}: request {request:?} between {requesting} and {requested} was served to \
         this hub, a side of neither (no key of either is registered here)"
    )]
    NotASide {
        /// The filing's entry index.
        index: u64,
        /// The request.
        request: String,
        /// Its requesting state.
        requesting: String,
        /// Its requested state.
        requested: String,
    },
    /// A filing whose body does not read as a request (cannot follow [`verify_served_request`]).
    #[error("entry {index}: the body is not a request: {detail}")]
    Body {
        /// The entry index.
        index: u64,
        /// Why (the shape of the fault, never the body's text).
        detail: String,
    },
    /// A second filing of one request id: in the read, or of a request already mirrored from
    /// this origin at another entry. One id is one request; which filing to believe is not
    /// this hub's guess.
    #[error("entry {index}: files request {request:?} again (first filed at entry {first})")]
    Refiled {
        /// The second filing's entry index.
        index: u64,
        /// The request.
        request: String,
        /// The first filing's entry index.
        first: u64,
    },
    /// A step marked otherwise than the request it moves.
    #[error("entry {index}: a step of request {request:?} marked {step}, the request {filing}")]
    Marking {
        /// The step's entry index.
        index: u64,
        /// The request.
        request: String,
        /// The request's marking.
        filing: Tlp,
        /// The step's marking.
        step: Tlp,
    },
    /// A step signed as a party this hub resolves as its own, by a key that party never
    /// registered here: the peer's log registered it, which any peer's operator can do for
    /// any id, so it would show as this hub's party's act without being one.
    #[error(
        "entry {index}: signed as {party} by a key {party} has not registered on this hub; \
         if it is theirs, register it here (accord keys add) and sync again"
    )]
    ForeignKey {
        /// The entry index.
        index: u64,
        /// The party it is signed as.
        party: String,
    },
}

/// What a JSON error says about where and what kind of fault, without quoting the text it
/// read (a request's body is for its sides only, and errors reach logs and terminals).
fn json_shape(e: &serde_json::Error) -> String {
    let what = match e.classify() {
        serde_json::error::Category::Io => "unreadable",
        serde_json::error::Category::Syntax => "not JSON",
        serde_json::error::Category::Data => "not of the expected shape",
        serde_json::error::Category::Eof => "cut short",
    };
    format!("{what} at line {} column {}", e.line(), e.column())
}

/// What a filing in a read of a peer's request entries says of its request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filed {
    /// The filing's entry index.
    pub index: u64,
    /// The requesting state.
    pub requesting: String,
    /// The requested state.
    pub requested: String,
    /// The request's marking.
    pub tlp: Tlp,
}

/// The requests filed in `entries`, by request id; a second filing of one id is refused.
pub fn filed_sides(
    entries: &[MirroredRequestEntry],
) -> Result<HashMap<String, Filed>, RequestReadError> {
    let mut filed: HashMap<String, Filed> = HashMap::new();
    for e in entries.iter().filter(|e| e.kind == kind::REQUEST) {
        let new: NewRequest =
            serde_json::from_slice(&e.body).map_err(|err| RequestReadError::Body {
                index: e.index,
                detail: json_shape(&err),
            })?;
        if let Some(first) = filed.get(&new.id) {
            return Err(RequestReadError::Refiled {
                index: e.index,
                request: new.id,
                first: first.index,
            });
        }
        filed.insert(
            new.id,
            Filed {
                index: e.index,
                requesting: new.requesting_state.as_str().to_owned(),
                requested: new.requested_state.as_str().to_owned(),
                tlp: new.tlp,
            },
        );
    }
    Ok(filed)
}

/// Checks a whole read of a peer's request entries, each of which passed
/// [`verify_served_request`], before any is kept:
///
/// - every request is filed once: in the read, and not at another entry than the one already
///   mirrored from this origin (`stored_filings`: the filing index of each request id);
/// - every transition moves a request filed in the same read (a peer serves a request's every
///   step, the filing first) and is marked as that request;
/// - every request has a side that `is_ours` (a party of this hub, resolved by key). A peer
///   answers as this hub's party there, so a request with no side here was served to a hub
///   that is none of its sides;
/// - a step signed as a party that `is_ours` is signed by a key `registered_here` for that
///   party (party, base64 key): a peer's log may register any key under any id.
///
/// Any fault refuses the read, and nothing of it is kept.
pub fn check_request_read(
    entries: &[MirroredRequestEntry],
    stored_filings: &HashMap<String, u64>,
    is_ours: &dyn Fn(&str) -> bool,
    registered_here: &dyn Fn(&str, &str) -> bool,
) -> Result<(), RequestReadError> {
    let filed = filed_sides(entries)?;
    for e in entries {
        let Some(f) = filed.get(&e.request_id) else {
            return Err(RequestReadError::Orphan {
                index: e.index,
                request: e.request_id.clone(),
            });
        };
        if e.kind == kind::REQUEST {
            if let Some(&first) = stored_filings.get(&e.request_id)
                && first != e.index
            {
                return Err(RequestReadError::Refiled {
                    index: e.index,
                    request: e.request_id.clone(),
                    first,
                });
            }
            if !is_ours(&f.requesting) && !is_ours(&f.requested) {
                return Err(RequestReadError::NotASide {
                    index: e.index,
                    request: e.request_id.clone(),
                    requesting: f.requesting.clone(),
                    requested: f.requested.clone(),
                });
            }
        } else if e.tlp != f.tlp {
            return Err(RequestReadError::Marking {
                index: e.index,
                request: e.request_id.clone(),
                filing: f.tlp,
                step: e.tlp,
            });
        }
        let signed = SignedEntry::from_bytes(&e.entry).map_err(|err| RequestReadError::Body {
            index: e.index,
            detail: format!("the entry does not parse: {err}"),
        })?;
        let envelope = &signed.envelope;
        if is_ours(&envelope.submitter)
            && !registered_here(&envelope.submitter, &envelope.signer_key)
        {
            return Err(RequestReadError::ForeignKey {
                index: e.index,
                party: envelope.submitter.clone(),
            });
        }
    }
    Ok(())
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

    fn new_request(id: &str, tlp: &str) -> serde_json::Value {
        json!({
            "id": id, "requesting_state": "FR", "requested_state": "DE", "data": "subscriber",
            "pathway": {"instrument": "eu-e-evidence", "article": "European Production Order (Arts 4, 5, 10)"},
            "summary": "Subscriber behind an IP address.", "tlp": tlp
        })
    }

    const RID: &str = "6f1c8a8e-0000-4000-8000-00000000000a";

    /// A peer log whose entry 1 is `kind` signed as `submitter` (FR's key) at `tlp` over
    /// `body`, FR's key (and DE's, the same) registered in the accepted state.
    fn request_log(
        kind: &str,
        submitter: &str,
        tlp: Tlp,
        body: &[u8],
    ) -> (MirrorState, ServedRequestEntry) {
        let key = SigningKey::from_bytes(&[3; 32]);
        let entry = crate::write::sign_canonical_body(
            kind,
            "6f1c8a8e-0000-4000-8000-0000000000e1",
            submitter,
            tlp,
            body,
            &SALT,
            &key,
            jiff::Timestamp::UNIX_EPOCH,
        )
        .unwrap()
        .to_bytes()
        .unwrap();
        let (mut state, _, _) = peer_log(kind, tlp, body);
        let mut tree = MemoryHashStore::new();
        tree.append(b"first");
        tree.append(&entry);
        tree.append(b"third");
        state.root = tree.root();
        let encoded = accord_tlog::entry::Envelope::encode_key(&key.verifying_key());
        state.keys = ["DE", "FR"]
            .into_iter()
            .map(|party| PeerKey {
                party: party.into(),
                key: encoded.clone(),
                revoked: false,
            })
            .collect();
        let served = ServedRequestEntry {
            log_index: 1,
            body: hex::encode(body),
            salt: Some(hex::encode(SALT)),
            entry: hex::encode(&entry),
            inclusion: inclusion_proof(&tree, 1, 3).unwrap().hashes,
        };
        (state, served)
    }

    #[test]
    fn a_served_request_entry_is_kept_with_its_request_and_marking() {
        let body = canonical_json(&new_request(RID, "amber")).unwrap();
        let (state, served) = request_log(kind::REQUEST, "FR", Tlp::Amber, &body);
        let e = verify_served_request(&state, served).unwrap();
        assert_eq!(
            (e.index, e.kind.as_str(), e.request_id.as_str(), e.tlp),
            (1, kind::REQUEST, RID, Tlp::Amber)
        );
        assert_eq!((e.submitter.as_str(), e.checkpoint_size), ("FR", 3));
        assert_eq!(e.body, body);
        let step = canonical_json(&json!({"request": RID, "to": "acknowledged"})).unwrap();
        let (state, served) = request_log(kind::REQUEST_TRANSITION, "DE", Tlp::Red, &step);
        let e = verify_served_request(&state, served).unwrap();
        assert_eq!((e.request_id.as_str(), e.submitter.as_str()), (RID, "DE"));
    }

    #[test]
    fn the_peers_word_on_a_request_entry_is_taken_for_nothing() {
        let body = canonical_json(&new_request(RID, "red")).unwrap();
        let (state, good) = request_log(kind::REQUEST, "FR", Tlp::Red, &body);
        let refused =
            |s: ServedRequestEntry| verify_served_request(&state, s).unwrap_err().to_string();
        // Another body than the one committed to, or another salt.
        let mut s = good.clone();
        s.body = hex::encode(canonical_json(&new_request(RID, "clear")).unwrap());
        assert!(refused(s).contains("commits to"));
        let mut s = good.clone();
        s.salt = Some(hex::encode([8; 32]));
        assert!(refused(s).contains("commits to"));
        // Out of the tree: another index, a proof of another leaf, beyond the size.
        let mut s = good.clone();
        s.log_index = 2;
        assert!(refused(s).contains("not included"));
        let mut s = good.clone();
        s.inclusion.reverse();
        assert!(refused(s).contains("not included"));
        let mut s = good.clone();
        s.log_index = 3;
        assert!(matches!(
            verify_served_request(&state, s),
            Err(ServedError::Beyond { index: 3, size: 3 })
        ));
        // A forged entry: its signature altered (the tree then is of the forged bytes).
        let forged = {
            let mut e: serde_json::Value =
                serde_json::from_slice(&hex::decode(&good.entry).unwrap()).unwrap();
            e["envelope"]["submitter"] = json!("DE");
            canonical_json(&e).unwrap()
        };
        let mut tree = MemoryHashStore::new();
        tree.append(b"first");
        tree.append(&forged);
        tree.append(b"third");
        let forged_state = MirrorState {
            root: tree.root(),
            ..state.clone()
        };
        let s = ServedRequestEntry {
            entry: hex::encode(&forged),
            inclusion: inclusion_proof(&tree, 1, 3).unwrap().hashes,
            ..good.clone()
        };
        let e = verify_served_request(&forged_state, s).unwrap_err();
        assert!(e.to_string().contains("signature does not verify"), "{e}");
        // A key the peer's log never registered for the signer.
        let unregistered = MirrorState {
            keys: Vec::new(),
            ..state.clone()
        };
        let e = verify_served_request(&unregistered, good.clone()).unwrap_err();
        assert!(e.to_string().contains("never registered"), "{e}");
        // Another kind of entry committing to the same bytes.
        let (st, s) = request_log(kind::INCIDENT, "FR", Tlp::Red, &body);
        let e = verify_served_request(&st, s).unwrap_err();
        assert!(e.to_string().contains("not an evidence request"), "{e}");
        // A filing signed by another than its requesting state.
        let (st, s) = request_log(kind::REQUEST, "DE", Tlp::Red, &body);
        let e = verify_served_request(&st, s).unwrap_err();
        assert!(e.to_string().contains("not by its requesting state"), "{e}");
        // A filing marked otherwise than its entry.
        let (st, s) = request_log(kind::REQUEST, "FR", Tlp::Amber, &body);
        let e = verify_served_request(&st, s).unwrap_err();
        assert!(
            e.to_string()
                .contains("marked TLP:RED but its entry TLP:AMBER"),
            "{e}"
        );
    }

    /// Every key registered here, for every party: the signer check passes.
    fn any_key(_: &str, _: &str) -> bool {
        true
    }

    #[test]
    fn a_request_read_with_no_side_here_or_a_step_without_its_filing_is_refused() {
        let body = canonical_json(&new_request(RID, "red")).unwrap();
        let (state, served) = request_log(kind::REQUEST, "FR", Tlp::Red, &body);
        let filing = verify_served_request(&state, served).unwrap();
        let step = MirroredRequestEntry {
            index: 2,
            kind: kind::REQUEST_TRANSITION.into(),
            ..filing.clone()
        };
        let none = HashMap::new();
        let read = [filing.clone(), step.clone()];
        assert_eq!(
            check_request_read(&read, &none, &|p| p == "DE", &any_key),
            Ok(())
        );
        assert_eq!(
            check_request_read(&read, &none, &|p| p == "FR", &any_key),
            Ok(())
        );
        assert_eq!(
            check_request_read(&read, &none, &|p| p == "US", &any_key),
            Err(RequestReadError::NotASide {
                index: 1,
                request: RID.into(),
                requesting: "FR".into(),
                requested: "DE".into(),
            })
        );
        assert!(matches!(
            check_request_read(&[step], &none, &|_| true, &any_key),
            Err(RequestReadError::Orphan { index: 2, .. })
        ));
    }

    /// Review finding: two filings of one id passed when the last one had a side here, and
    /// the first (with no side here) was kept and shown; a filing already mirrored at another
    /// entry is a second filing too.
    #[test]
    fn a_second_filing_of_one_request_id_is_refused() {
        let body = canonical_json(&new_request(RID, "red")).unwrap();
        let (state, served) = request_log(kind::REQUEST, "FR", Tlp::Red, &body);
        let filing = verify_served_request(&state, served).unwrap();
        let mut elsewhere = new_request(RID, "red");
        elsewhere["requested_state"] = json!("US");
        let again = MirroredRequestEntry {
            index: 5,
            body: canonical_json(&elsewhere).unwrap(),
            ..filing.clone()
        };
        let read = [again.clone(), filing.clone()];
        assert_eq!(
            check_request_read(&read, &HashMap::new(), &|p| p == "DE", &any_key),
            Err(RequestReadError::Refiled {
                index: 1,
                request: RID.into(),
                first: 5
            })
        );
        let stored = HashMap::from([(RID.to_owned(), 7)]);
        assert_eq!(
            check_request_read(
                std::slice::from_ref(&filing),
                &stored,
                &|p| p == "DE",
                &any_key
            ),
            Err(RequestReadError::Refiled {
                index: 1,
                request: RID.into(),
                first: 7
            })
        );
        // The same filing read again (a resumed sync) is the one already mirrored.
        let stored = HashMap::from([(RID.to_owned(), 1)]);
        assert_eq!(
            check_request_read(&[filing], &stored, &|p| p == "DE", &any_key),
            Ok(())
        );
    }

    /// Review finding (must-fix): a peer's operator registers a key of its own under FR's id
    /// beside FR's real key (so FR resolves here) and signs a filing as FR with it; the
    /// filing showed here as FR's.
    #[test]
    fn a_step_signed_as_our_party_by_a_key_not_registered_here_is_refused() {
        let body = canonical_json(&new_request(RID, "red")).unwrap();
        let (state, served) = request_log(kind::REQUEST, "FR", Tlp::Red, &body);
        let filing = verify_served_request(&state, served).unwrap();
        let signer = SignedEntry::from_bytes(&filing.entry)
            .unwrap()
            .envelope
            .signer_key;
        let ours = |p: &str| p == "FR" || p == "DE";
        assert_eq!(
            check_request_read(
                std::slice::from_ref(&filing),
                &HashMap::new(),
                &ours,
                &|_, k| k != signer
            ),
            Err(RequestReadError::ForeignKey {
                index: 1,
                party: "FR".into()
            })
        );
        assert_eq!(
            check_request_read(
                std::slice::from_ref(&filing),
                &HashMap::new(),
                &ours,
                &|p, k| { p == "FR" && k == signer }
            ),
            Ok(())
        );
        // FR not resolved here: it is shown as FR@origin, whoever signed.
        assert_eq!(
            check_request_read(&[filing], &HashMap::new(), &|p| p == "DE", &|_, _| false),
            Ok(())
        );
    }

    #[test]
    fn a_step_marked_otherwise_than_its_request_is_refused() {
        let body = canonical_json(&new_request(RID, "red")).unwrap();
        let (state, served) = request_log(kind::REQUEST, "FR", Tlp::Red, &body);
        let filing = verify_served_request(&state, served).unwrap();
        let step = MirroredRequestEntry {
            index: 2,
            kind: kind::REQUEST_TRANSITION.into(),
            tlp: Tlp::Clear,
            ..filing.clone()
        };
        assert_eq!(
            check_request_read(&[filing, step], &HashMap::new(), &|p| p == "DE", &any_key),
            Err(RequestReadError::Marking {
                index: 2,
                request: RID.into(),
                filing: Tlp::Red,
                step: Tlp::Clear
            })
        );
    }

    /// Review finding: a peer's request id went unchecked to terminals and pages.
    #[test]
    fn a_request_id_that_is_not_a_random_uuid_is_refused() {
        let body = canonical_json(&new_request("x\u{1b}[2J", "red")).unwrap();
        let (state, served) = request_log(kind::REQUEST, "FR", Tlp::Red, &body);
        let e = verify_served_request(&state, served)
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a random UUID"), "{e}");
        assert!(!e.contains('\u{1b}'), "{e}");
    }

    /// Review finding: serde's error text quotes what it read, and a request's body is for
    /// its sides only.
    #[test]
    fn a_body_that_does_not_read_is_described_without_quoting_it() {
        let mut secret = new_request(RID, "red");
        secret["data"] = json!("the-secret-word");
        let body = canonical_json(&secret).unwrap();
        let (state, served) = request_log(kind::REQUEST, "FR", Tlp::Red, &body);
        let e = verify_served_request(&state, served)
            .unwrap_err()
            .to_string();
        assert!(e.contains("not of the expected shape at line 1"), "{e}");
        assert!(!e.contains("the-secret-word"), "{e}");
    }
}

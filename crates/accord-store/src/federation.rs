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

use accord_tlp::Tlp;
use std::collections::HashMap;

use accord_tlog::merkle::{Frontier, Hash, verify_consistency};
use accord_tlog::note::Verifier;
use async_trait::async_trait;

use crate::audit::{
    AuditError, EntryChecks, LogSource, bundle_items, bundle_steps, check_entries, fetch_bundle,
    open_checkpoint,
};
use crate::kind;
use crate::mirror::{MirrorState, MirroredEntry, PeerKey, PeerRecorder};

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

//! Witnesses: who may cosign the log's checkpoints, and the rules a cosignature must pass.
//!
//! A witness is configured by the operator as a signed log entry ([`kind::WITNESS`]) naming
//! its C2SP verifier key (`name+keyid+base64`) and the party whose API token posts its
//! cosignatures. A cosignature is accepted only from a configured witness's key, verified over
//! the checkpoint text, never under the log's origin or the operator's key ID; a checkpoint
//! keeps at most one per witness (a newer one replaces the older) and at most
//! [`MAX_COSIGNATURES`], so the note stays far below the signed-note limit
//! ([`accord_tlog::note::MAX_SIGNATURES`]) and readable by every client.
//!
//! Hubs that accepted any party's cosignatures before this rule may hold checkpoints with junk
//! lines; [`recover_checkpoints`] rebuilds them at open from what the hub can vouch for.

use accord_tlog::checkpoint::Checkpoint;
use accord_tlog::note::{Note, NoteSignature, Verifier};

use crate::error::StoreError;
use crate::kind;
pub use crate::log::Witness;
use crate::log::{Effect, Operator, Receipt, SignedCheckpoint, WitnessBody};
use crate::sequencer::Sequencer;
use crate::store::Store;
use crate::write::{RecordError, operator_write};

/// Most witness cosignatures one checkpoint carries. With the operator's signature that is
/// 16 lines: the number signed-note requires every verifier to accept (§Signatures), so any
/// client reads the note; Go's reference stops at 100.
pub const MAX_COSIGNATURES: usize = 15;

fn invalid(path: &str, message: String) -> RecordError {
    RecordError::Invalid {
        problems: vec![accord_core::validate::Problem {
            path: path.to_owned(),
            message,
        }],
    }
}

/// Configures `verifier` as a witness whose cosignatures `party` posts (operator-signed).
/// Refuses the log's own origin or key ID, a party the registry does not hold, a second
/// current witness of the same name, and more than [`MAX_COSIGNATURES`] current witnesses.
pub async fn add_witness(
    store: &dyn Store,
    sequencer: &Sequencer,
    verifier: &Verifier,
    party: &str,
) -> Result<Receipt, RecordError> {
    let operator = sequencer.operator();
    let own = operator.signer.verifier();
    if verifier.name() == own.name() {
        return Err(invalid(
            "name",
            format!(
                "{:?} is the log's origin: only the operator signs under it",
                verifier.name()
            ),
        ));
    }
    if verifier.key_id() == own.key_id() || verifier.public_key() == own.public_key() {
        return Err(invalid(
            "key",
            "the key (or its key ID) is the operator's: a witness needs its own key".into(),
        ));
    }
    store.party(party).await?;
    let current: Vec<Witness> = store
        .witnesses()
        .await?
        .into_iter()
        .filter(Witness::is_current)
        .collect();
    if let Some(w) = current.iter().find(|w| w.name == verifier.name()) {
        return Err(RecordError::Store(StoreError::Conflict {
            what: "witness (remove it first to change its key)",
            id: w.name.clone(),
        }));
    }
    if current.len() >= MAX_COSIGNATURES {
        return Err(invalid(
            "name",
            format!(
                "the hub already has {MAX_COSIGNATURES} witnesses, the most a checkpoint carries; remove one first"
            ),
        ));
    }
    let body = WitnessBody {
        name: verifier.name().to_owned(),
        key: verifier.to_key_string(),
        party: party.to_owned(),
    };
    let write = operator_write(
        operator,
        kind::WITNESS,
        &body.key,
        &body,
        Effect::WitnessAdded(body.clone()),
    )?;
    Ok(sequencer.append(write).await?)
}

/// Removes the current witness named `name` (operator-signed). Its cosignatures already on
/// checkpoints stay; new ones are refused.
pub async fn remove_witness(
    store: &dyn Store,
    sequencer: &Sequencer,
    name: &str,
) -> Result<Receipt, RecordError> {
    let witness = store
        .witnesses()
        .await?
        .into_iter()
        .find(|w| w.is_current() && w.name == name)
        .ok_or_else(|| StoreError::NotFound {
            what: "witness",
            id: name.to_owned(),
        })?;
    let body = WitnessBody {
        name: witness.name,
        key: witness.key,
        party: witness.party,
    };
    let write = operator_write(
        sequencer.operator(),
        kind::WITNESS_REMOVAL,
        &body.key,
        &body,
        Effect::WitnessRemoved(body.clone()),
    )?;
    Ok(sequencer.append(write).await?)
}

/// Attaches `line`, posted by `party`, to the checkpoint of `size`: it must be a signature by
/// the current key of a configured witness bound to `party`, over that checkpoint's text.
pub async fn cosign(
    store: &dyn Store,
    operator: &Operator,
    party: &str,
    size: u64,
    line: &str,
) -> Result<(), RecordError> {
    let (sig, witness) = configured_witness(store, operator, line).await?;
    if witness.party != party {
        return Err(RecordError::Forbidden(format!(
            "witness {:?} posts with the token of party {:?}, not {party:?}",
            witness.name, witness.party
        )));
    }
    verify_and_attach(store, size, sig, &witness).await
}

/// Attaches `line`, a cosignature a witness returned to this hub's own `add-checkpoint`
/// request (C2SP tlog-witness), to the checkpoint of `size`: it must be a signature by the
/// current key of a configured witness over that checkpoint's text. Returns the witness's
/// name.
pub async fn attach_returned(
    store: &dyn Store,
    operator: &Operator,
    size: u64,
    line: &str,
) -> Result<String, RecordError> {
    let (sig, witness) = configured_witness(store, operator, line).await?;
    verify_and_attach(store, size, sig, &witness).await?;
    Ok(witness.name)
}

/// The parsed line and the current configured witness it names; never the log's origin or
/// the operator's key ID.
async fn configured_witness(
    store: &dyn Store,
    operator: &Operator,
    line: &str,
) -> Result<(NoteSignature, Witness), RecordError> {
    let sig = NoteSignature::parse_line(line.trim_end(), 1).map_err(|e| {
        invalid(
            "signature",
            format!("not a signed-note signature line: {e}"),
        )
    })?;
    let own = operator.signer.verifier();
    if sig.name == own.name() || sig.key_id == own.key_id() {
        return Err(RecordError::Forbidden(format!(
            "a cosignature under the log's origin {:?} or the operator's key ID {:08x} is refused: only the operator signs under them",
            own.name(),
            own.key_id()
        )));
    }
    let witness = store
        .witnesses()
        .await?
        .into_iter()
        .find(|w| w.is_current() && w.name == sig.name)
        .ok_or_else(|| {
            RecordError::Forbidden(format!(
                "{:?} is not a witness of this hub: the operator configures witnesses (`accord witnesses add`)",
                sig.name
            ))
        })?;
    Ok((sig, witness))
}

async fn verify_and_attach(
    store: &dyn Store,
    size: u64,
    sig: NoteSignature,
    witness: &Witness,
) -> Result<(), RecordError> {
    let cp = store
        .checkpoint_at(size)
        .await?
        .ok_or_else(|| StoreError::NotFound {
            what: "checkpoint",
            id: size.to_string(),
        })?;
    let note = Note::parse_lenient(&cp.note).map_err(|e| StoreError::Corrupt {
        what: format!("checkpoint {size}"),
        detail: e.to_string(),
    })?;
    let verifiers = witness.verifiers()?;
    if !verifiers
        .iter()
        .any(|v| sig.key_id == v.key_id() && v.verify(note.text().as_bytes(), &sig.signature))
    {
        return Err(RecordError::Forbidden(format!(
            "the cosignature does not verify with witness {:?}'s key {} over the checkpoint of size {size}",
            witness.name, witness.key
        )));
    }
    store.add_cosignature(size, sig.to_line()).await?;
    Ok(())
}

/// The note `stored` becomes with `sig` attached: its first line (the operator's signature)
/// kept, any earlier line under the same name replaced. What both backends run inside their
/// transaction, after [`cosign`] checked the line; refuses a line under the first line's name
/// and a checkpoint already carrying [`MAX_COSIGNATURES`].
pub fn merge_cosignature(stored: &str, sig: NoteSignature) -> Result<String, StoreError> {
    let mut note = Note::parse_lenient(stored).map_err(|e| StoreError::Corrupt {
        what: "checkpoint note".into(),
        detail: e.to_string(),
    })?;
    let mut lines = note.signatures().to_vec();
    if lines.first().is_none_or(|first| first.name == sig.name) {
        return Err(StoreError::Conflict {
            what: "signature under the log's origin",
            id: sig.name,
        });
    }
    lines.retain(|s| s.name != sig.name);
    if lines.len() > MAX_COSIGNATURES {
        return Err(StoreError::Conflict {
            what: "cosignature slot (a checkpoint carries at most 15)",
            id: sig.name,
        });
    }
    lines.push(sig);
    note = Note::new(note.text()).map_err(|e| StoreError::Corrupt {
        what: "checkpoint note".into(),
        detail: e.to_string(),
    })?;
    for line in lines {
        note.add_signature(line);
    }
    Ok(note.to_string())
}

/// The checkpoint note the hub vouches for: the checkpoint re-signed by the operator (Ed25519
/// is deterministic, so an intact note gets its own signature back) and, of its other lines,
/// the last one of each `witnesses` key that verifies, at most [`MAX_COSIGNATURES`]. `None`
/// if the stored text is not the operator's checkpoint of that size and root, or carries no
/// line under the operator's key ID (a damaged row, or another operator's log, left for
/// `check_signs` and `accord log verify` to report).
pub fn clean_note(
    cp: &SignedCheckpoint,
    operator: &Operator,
    witnesses: &[Verifier],
) -> Option<String> {
    let stored = Note::parse_lenient(&cp.note).ok()?;
    // Only a note carrying a line under this operator's name and key ID is re-signed (the line
    // may be a forgery that replaced the real one): a node started with another operator key
    // must not sign a shared log's checkpoints over, but be refused by `check_signs`.
    let own = operator.signer.verifier();
    if !stored
        .signatures()
        .iter()
        .any(|sig| sig.name == own.name() && sig.key_id == own.key_id())
    {
        return None;
    }
    let checkpoint = Checkpoint::parse_text(stored.text()).ok()?;
    if checkpoint.origin != operator.origin()
        || checkpoint.size != cp.size
        || checkpoint.root != cp.root
    {
        return None;
    }
    let mut note = checkpoint.sign(&operator.signer).ok()?;
    if note.text() != stored.text() {
        return None;
    }
    let mut kept: Vec<NoteSignature> = Vec::new();
    for sig in stored.signatures().iter().rev() {
        let Some(v) = witnesses
            .iter()
            .find(|v| v.name() == sig.name && v.key_id() == sig.key_id)
        else {
            continue;
        };
        if kept.iter().any(|k| k.name == sig.name)
            || !v.verify(stored.text().as_bytes(), &sig.signature)
        {
            continue;
        }
        kept.push(sig.clone());
    }
    kept.truncate(MAX_COSIGNATURES);
    for sig in kept.into_iter().rev() {
        note.add_signature(sig);
    }
    Some(note.to_string())
}

/// Rebuilds stored checkpoint notes that carry what [`clean_note`] would not keep: lines of
/// keys that are not configured witnesses (junk that parties could attach before witnesses
/// were configured, lines under the log's origin) and more lines than the signed-note limit.
/// The backend visits every checkpoint once after the upgrade that introduced witnesses, and
/// whenever the latest one is not clean. Returns how many notes were rewritten; no entry,
/// size or root changes.
pub async fn recover_checkpoints(
    store: &dyn Store,
    operator: &Operator,
) -> Result<u64, StoreError> {
    let mut witnesses = Vec::new();
    // Every witness ever configured: a removed witness's cosignatures stay valid.
    for w in store.witnesses().await? {
        witnesses.extend(w.verifiers()?);
    }
    let rewrite = |cp: &SignedCheckpoint| {
        clean_note(cp, operator, &witnesses).filter(|clean| *clean != cp.note)
    };
    let rewritten = store.repair_checkpoints(&rewrite).await?;
    if rewritten > 0 {
        tracing::warn!(
            rewritten,
            "removed signature lines that are neither the operator's nor a configured witness's from stored checkpoints"
        );
    }
    Ok(rewritten)
}

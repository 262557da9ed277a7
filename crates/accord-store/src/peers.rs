//! Peer hubs: other hubs of the accord whose logs this hub follows, and the rule that catches
//! one showing two views of its log.
//!
//! **Registry.** The operator registers a peer as a signed log entry ([`kind::PEER`], removed
//! by [`kind::PEER_REMOVAL`]): its log's C2SP verifier key (what identifies it; the key's name
//! is the log's origin), its base URL and, optionally, the registered party that operates it.
//! [`add_peer`] refuses a key or origin a current peer has, the hub's own key or origin, a
//! party the registry lacks, a URL that is not plain http(s), and a key once caught forked.
//! List them with [`crate::Store::peers`] (every registration, current and removed, with
//! [`Peer::state`]); [`current_peers`] keeps the current ones; [`find_peer`] finds one by id,
//! key or origin.
//!
//! **Reading as a party.** What a hub may read on a peer is decided there, by the party its
//! API token is bound to, as for any reader. That token is a secret and never enters the
//! public log: [`peer_token`] reads it from the environment variable [`token_env`] names, or
//! else from `peers/<peer id>.token` in the data directory (mode 0600, written by
//! [`save_peer_token`]).
//!
//! **Sync state.** Per peer log, the hub keeps the last checkpoint it accepted (signed by the
//! peer's key and consistent with every one accepted before) outside the log:
//! [`crate::Store::peer_checkpoint`] reads it, [`crate::Store::advance_peer_checkpoint`] moves
//! it by compare-and-set (table `peer_checkpoints`, SQLite V13 / PostgreSQL V9).
//!
//! **Split views.** [`check_peer`] fetches a peer's checkpoint through a [`PeerSource`],
//! verifies it under the registered key and [`judge`]s it against the last accepted one: the
//! same size must have the same root, a smaller size is a rollback, and a larger one needs a
//! consistency proof that verifies. A checkpoint that does not extend the accepted one marks
//! the peer forked by an operator-signed [`kind::PEER_FORK`] entry carrying both signed
//! checkpoints (and the proof that failed), so the evidence is itself in the log and anyone
//! can re-check it ([`ForkEvidence::verify`]). Nothing more is imported from a forked peer:
//! importers ask [`peer_is_forked`] first. A peer that cannot be reached is reported, never
//! marked.

use std::path::{Path, PathBuf};

use accord_tlog::checkpoint::Checkpoint;
use accord_tlog::merkle::ConsistencyProof;
use accord_tlog::note::{ALG_ED25519, Note, Verifier};
use async_trait::async_trait;
use sha2::{Digest as _, Sha256};

use crate::error::StoreError;
use crate::kind;
pub use crate::log::{AcceptedCheckpoint, ForkEvidence, Peer, PeerBody};
use crate::log::{Effect, Receipt, WitnessAdvance};
use crate::sequencer::Sequencer;
use crate::store::Store;
use crate::write::{RecordError, operator_write};

/// The directory, inside the data directory, that holds peers' API tokens.
pub const TOKEN_DIR: &str = "peers";

/// Longest peer URL accepted.
pub const MAX_URL_LEN: usize = 2048;

fn invalid(path: &str, message: String) -> RecordError {
    RecordError::Invalid {
        problems: vec![accord_core::validate::Problem {
            path: path.to_owned(),
            message,
        }],
    }
}

/// A peer's short id: the first 16 hex digits of the SHA-256 of its verifier key string.
pub fn peer_id(key: &str) -> String {
    hex::encode(&Sha256::digest(key.as_bytes())[..8])
}

/// `url` as a peer's base URL: http or https, a host, no user name or password (the URL goes
/// into the public log), no query or fragment, at most [`MAX_URL_LEN`] bytes; returned
/// without a trailing slash.
pub fn check_url(url: &str) -> Result<String, RecordError> {
    if url.len() > MAX_URL_LEN {
        return Err(invalid("url", format!("longer than {MAX_URL_LEN} bytes")));
    }
    let parsed =
        url::Url::parse(url).map_err(|e| invalid("url", format!("{url:?} is not a URL: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(invalid(
            "url",
            format!(
                "{url:?} is a {} URL: a peer is reached over http or https",
                parsed.scheme()
            ),
        ));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(invalid("url", format!("{url:?} names no host")));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(invalid(
            "url",
            "a peer's URL goes into the public log: it must not carry a user name or password (the token is kept apart)".into(),
        ));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(invalid(
            "url",
            format!("{url:?} has a query or fragment: give the hub's base URL"),
        ));
    }
    Ok(parsed.as_str().trim_end_matches('/').to_owned())
}

/// Registers the hub whose log `verifier` signs, at `url`, optionally operated by `party`
/// (operator-signed). Refuses a key that is not a plain Ed25519 note key, the hub's own origin
/// or key, a party the registry lacks, a key or origin a current peer has, a key caught forked
/// and a URL [`check_url`] refuses.
pub async fn add_peer(
    store: &dyn Store,
    sequencer: &Sequencer,
    verifier: &Verifier,
    url: &str,
    party: Option<&str>,
) -> Result<(Receipt, Peer), RecordError> {
    if verifier.alg() != ALG_ED25519 {
        return Err(invalid(
            "key",
            "a cosigner (type 0x04) key signs no checkpoints: give the peer log's own key (GET /log/key)".into(),
        ));
    }
    let operator = sequencer.operator();
    let own = operator.signer.verifier();
    if verifier.name() == own.name() {
        return Err(invalid(
            "key",
            format!(
                "{:?} is this hub's own origin: a hub is not its own peer",
                verifier.name()
            ),
        ));
    }
    if verifier.key_id() == own.key_id() || verifier.public_key() == own.public_key() {
        return Err(invalid(
            "key",
            "the key (or its key ID) is this hub's own: a hub is not its own peer".into(),
        ));
    }
    let url = check_url(url)?;
    if let Some(party) = party {
        store.party(party).await.map_err(|e| match e {
            StoreError::NotFound { .. } => invalid(
                "party",
                format!("{party:?} is not a registered party of this hub"),
            ),
            e => RecordError::Store(e),
        })?;
    }
    let key = verifier.to_key_string();
    let peers = store.peers().await?;
    if let Some(p) = peers
        .iter()
        .find(|p| p.is_current() && (p.key == key || p.origin == verifier.name()))
    {
        return Err(RecordError::Store(StoreError::Conflict {
            what: "peer (remove it first to change it)",
            id: format!("{} ({})", p.origin, p.id),
        }));
    }
    if let Some(p) = peers.iter().find(|p| p.key == key && p.forked_at.is_some()) {
        return Err(RecordError::Store(StoreError::Conflict {
            what: "forked peer (its log signed two views; see its evidence)",
            id: format!("{} ({})", p.origin, p.id),
        }));
    }
    let body = PeerBody {
        key: key.clone(),
        origin: verifier.name().to_owned(),
        url,
        party: party.map(str::to_owned),
    };
    let write = operator_write(
        operator,
        kind::PEER,
        &fresh_entry_id(&key)?,
        &body,
        Effect::PeerAdded(body.clone()),
    )?;
    let receipt = sequencer.append(write).await?;
    let peer = Peer {
        id: peer_id(&key),
        key,
        origin: body.origin,
        url: body.url,
        party: body.party,
        added_at: receipt.index,
        removed_at: None,
        forked_at: None,
    };
    Ok((receipt, peer))
}

/// A registration's or removal's entry id: the peer's id and a random suffix, so that a peer
/// removed can be registered (and removed) again.
fn fresh_entry_id(key: &str) -> Result<String, RecordError> {
    let seed = crate::log::random_seed()
        .map_err(|e| RecordError::Store(StoreError::Backend(e.to_string())))?;
    Ok(format!("{}@{}", peer_id(key), hex::encode(&seed[..8])))
}

/// Removes the current peer `which` names (its id, key or origin; operator-signed). What was
/// accepted of its log and any fork evidence stay.
pub async fn remove_peer(
    store: &dyn Store,
    sequencer: &Sequencer,
    which: &str,
) -> Result<Receipt, RecordError> {
    let peer = find_peer(store, which).await?;
    let body = PeerBody {
        key: peer.key.clone(),
        origin: peer.origin,
        url: peer.url,
        party: peer.party,
    };
    let write = operator_write(
        sequencer.operator(),
        kind::PEER_REMOVAL,
        &fresh_entry_id(&peer.key)?,
        &body,
        Effect::PeerRemoved(body.clone()),
    )?;
    Ok(sequencer.append(write).await?)
}

/// The peers registered now (not removed), oldest first, forked ones included.
pub async fn current_peers(store: &dyn Store) -> Result<Vec<Peer>, StoreError> {
    Ok(store
        .peers()
        .await?
        .into_iter()
        .filter(Peer::is_current)
        .collect())
}

/// The current peer whose id, verifier key string or origin is `which`.
pub async fn find_peer(store: &dyn Store, which: &str) -> Result<Peer, StoreError> {
    let which = which.trim();
    current_peers(store)
        .await?
        .into_iter()
        .find(|p| p.id == which || p.key == which || p.origin == which)
        .ok_or_else(|| StoreError::NotFound {
            what: "current peer",
            id: which.to_owned(),
        })
}

/// Whether the peer log of verifier `key` was caught showing two views. Importers ask this
/// before taking anything from a peer: nothing more is imported from a forked one.
pub async fn peer_is_forked(store: &dyn Store, key: &str) -> Result<bool, StoreError> {
    Ok(store.peer_fork(key).await?.is_some())
}

/// The environment variable that may hold the API token this hub reads `peer_id` with:
/// `ACCORD_PEER_TOKEN_` and the id in capitals.
pub fn token_env(peer_id: &str) -> String {
    format!("ACCORD_PEER_TOKEN_{}", peer_id.to_ascii_uppercase())
}

/// Where the API token this hub reads `peer_id` with is kept in the data directory `data`.
pub fn token_path(data: &Path, peer_id: &str) -> PathBuf {
    data.join(TOKEN_DIR).join(format!("{peer_id}.token"))
}

/// Why a peer's token could not be read or kept.
#[derive(Debug, thiserror::Error)]
pub enum PeerTokenError {
    /// The token file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The failure.
        source: std::io::Error,
    },
    /// The token file is readable by others than its owner.
    #[error("{path} is readable by others than its owner (mode {mode:o}): `chmod 600` it")]
    Exposed {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The token is empty or spans several lines.
    #[error("the token for peer {0} is empty or not one line")]
    Malformed(String),
}

/// The API token this hub reads peer `peer_id` with: the variable [`token_env`] names if set,
/// else the file [`token_path`] names (refused if others than its owner may read it), else
/// `None` (the peer is read anonymously).
pub fn peer_token(data: &Path, peer_id: &str) -> Result<Option<String>, PeerTokenError> {
    if let Ok(token) = std::env::var(token_env(peer_id)) {
        return one_line(peer_id, &token).map(Some);
    }
    let path = token_path(data, peer_id);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(PeerTokenError::Io { path, source }),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&path)
            .map_err(|source| PeerTokenError::Io {
                path: path.clone(),
                source,
            })?
            .permissions()
            .mode()
            & 0o777;
        if mode & 0o077 != 0 {
            return Err(PeerTokenError::Exposed { path, mode });
        }
    }
    one_line(peer_id, &text).map(Some)
}

fn one_line(peer_id: &str, token: &str) -> Result<String, PeerTokenError> {
    let token = token.trim();
    if token.is_empty() || token.contains(['\n', '\r']) {
        return Err(PeerTokenError::Malformed(peer_id.to_owned()));
    }
    Ok(token.to_owned())
}

/// Keeps `token` as the API token this hub reads `peer_id` with, in [`token_path`] (mode 0600,
/// replacing an earlier one atomically).
pub fn save_peer_token(data: &Path, peer_id: &str, token: &str) -> Result<PathBuf, PeerTokenError> {
    let token = one_line(peer_id, token)?;
    let path = token_path(data, peer_id);
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| PeerTokenError::Io { path, source }
    };
    let dir = data.join(TOKEN_DIR);
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    let seed = crate::log::random_seed().map_err(|e| PeerTokenError::Io {
        path: dir.clone(),
        source: std::io::Error::other(e.to_string()),
    })?;
    let tmp = dir.join(format!(".{peer_id}.{}.tmp", hex::encode(&seed[..6])));
    crate::log::write_private(&tmp, &token).map_err(io(&tmp))?;
    std::fs::rename(&tmp, &path).map_err(|source| {
        let _ = std::fs::remove_file(&tmp);
        PeerTokenError::Io {
            path: path.clone(),
            source,
        }
    })?;
    Ok(path)
}

/// Where a peer's log is read from (its `/log` over HTTP, in the command line and the server).
#[async_trait]
pub trait PeerSource: Send + Sync {
    /// The peer's latest signed checkpoint note (`GET /log/checkpoint`).
    async fn checkpoint(&self) -> Result<String, String>;
    /// The consistency proof from the tree of `old` entries to the tree of `new`
    /// (`GET /log/proof/consistency?old=…&new=…`).
    async fn consistency(&self, old: u64, new: u64) -> Result<ConsistencyProof, String>;
}

/// Why a checkpoint shown by a peer cannot be judged.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// It is not a checkpoint signed by the peer's registered key for its origin: not
    /// evidence of anything, so the peer is not marked (report it).
    #[error("the checkpoint is not signed by the registered key for origin {origin:?}: {detail}")]
    Unverified {
        /// The origin expected.
        origin: String,
        /// What was wrong.
        detail: String,
    },
    /// A consistency proof was needed and not given.
    #[error("a consistency proof from size {old} to {new} is needed")]
    ProofMissing {
        /// The accepted size.
        old: u64,
        /// The shown size.
        new: u64,
    },
}

/// Opens `note` as a checkpoint of the log `verifier` signs: the peer's signature must verify
/// (other lines, such as witnesses' cosignatures, are ignored) and the origin be the key's
/// name.
pub fn open_checkpoint(verifier: &Verifier, note: &str) -> Result<Checkpoint, CheckError> {
    let unverified = |detail: String| CheckError::Unverified {
        origin: verifier.name().to_owned(),
        detail,
    };
    let (checkpoint, _) = Checkpoint::open(
        note.as_bytes(),
        verifier.name(),
        std::slice::from_ref(verifier),
    )
    .map_err(|e| unverified(e.to_string()))?;
    Ok(checkpoint)
}

/// The consistency proof [`judge`] needs to move from `last` to a checkpoint of `shown_size`:
/// `(old, new)` when the shown tree is larger than a non-empty accepted one.
pub fn proof_needed(last: Option<&AcceptedCheckpoint>, shown_size: u64) -> Option<(u64, u64)> {
    let last = last?;
    (last.size > 0 && shown_size > last.size).then_some((last.size, shown_size))
}

/// What a peer's checkpoint is, next to the last one accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Judgement {
    /// No checkpoint of this log was accepted before: this one is the starting point.
    First,
    /// The same size and root as the accepted one.
    Unchanged,
    /// It extends the accepted one (the consistency proof verified).
    Extends,
    /// It does not extend the accepted one: the evidence to record.
    Forked(Box<ForkEvidence>),
}

/// Judges `shown` (opened from `shown_note` by [`open_checkpoint`]) against `last`, the last
/// checkpoint accepted of the log of `key`, read at `url`. `proof` is what the peer served for
/// [`proof_needed`]. The same size must have the same root; a smaller size is a rollback; a
/// larger one extends only if the proof verifies between the two roots.
pub fn judge(
    key: &str,
    url: &str,
    last: Option<&AcceptedCheckpoint>,
    shown_note: &str,
    shown: &Checkpoint,
    proof: Option<&ConsistencyProof>,
) -> Result<Judgement, CheckError> {
    let Some(last) = last else {
        return Ok(Judgement::First);
    };
    let forked = |reason: String, proof: Option<&ConsistencyProof>| {
        Ok(Judgement::Forked(Box::new(ForkEvidence {
            key: key.to_owned(),
            url: url.to_owned(),
            accepted: last.note.clone(),
            shown: shown_note.to_owned(),
            proof: proof.cloned(),
            reason,
        })))
    };
    if shown.size == last.size {
        if shown.root == last.root {
            return Ok(Judgement::Unchanged);
        }
        return forked(
            format!(
                "two checkpoints of size {} with different roots ({} accepted, {} shown)",
                shown.size, last.root, shown.root
            ),
            None,
        );
    }
    if shown.size < last.size {
        return forked(
            format!(
                "rollback: a checkpoint of size {} after one of size {} was accepted",
                shown.size, last.size
            ),
            None,
        );
    }
    if last.size == 0 {
        // Every tree extends the empty one.
        return Ok(Judgement::Extends);
    }
    let proof = proof.ok_or(CheckError::ProofMissing {
        old: last.size,
        new: shown.size,
    })?;
    if proof.old_size != last.size || proof.new_size != shown.size {
        return forked(
            format!(
                "the peer served a consistency proof from {} to {} when asked for {} to {}",
                proof.old_size, proof.new_size, last.size, shown.size
            ),
            Some(proof),
        );
    }
    match proof.verify(&last.root, &shown.root) {
        Ok(()) => Ok(Judgement::Extends),
        Err(e) => forked(
            format!(
                "the tree of size {} does not extend the accepted one of size {}: the consistency proof fails ({e})",
                shown.size, last.size
            ),
            Some(proof),
        ),
    }
}

impl ForkEvidence {
    /// Re-checks the evidence from its own content: both checkpoints open under the key, and
    /// they do not extend one another (same size and different roots, a smaller second one,
    /// or a proof between them that does not verify). Returns what it shows, in words.
    pub fn verify(&self) -> Result<String, String> {
        let verifier = Verifier::from_key_string(&self.key)
            .map_err(|e| format!("the key {:?} does not parse: {e}", self.key))?;
        let accepted = open_checkpoint(&verifier, &self.accepted)
            .map_err(|e| format!("the accepted checkpoint: {e}"))?;
        let shown = open_checkpoint(&verifier, &self.shown)
            .map_err(|e| format!("the shown checkpoint: {e}"))?;
        let last = AcceptedCheckpoint {
            key: self.key.clone(),
            size: accepted.size,
            root: accepted.root,
            note: self.accepted.clone(),
            accepted_at: 0,
        };
        match judge(
            &self.key,
            &self.url,
            Some(&last),
            &self.shown,
            &shown,
            self.proof.as_ref(),
        ) {
            Ok(Judgement::Forked(e)) => Ok(e.reason),
            Ok(j) => Err(format!(
                "the two checkpoints are consistent ({j:?}): no fork shown"
            )),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// What [`check_peer`] found.
#[derive(Debug)]
pub enum CheckOutcome {
    /// The peer's checkpoint was accepted (first seen, or extending the accepted one).
    Accepted {
        /// The size accepted before, if any.
        from: Option<u64>,
        /// The checkpoint accepted now.
        checkpoint: AcceptedCheckpoint,
    },
    /// The peer shows the checkpoint accepted before.
    Unchanged(AcceptedCheckpoint),
    /// The peer could not be read (offline, or an answer that is not a checkpoint or proof);
    /// nothing was recorded.
    Unreachable(String),
    /// The peer's checkpoint does not verify under its registered key; nothing was recorded.
    Unverified(String),
    /// Another check moved the accepted checkpoint first; nothing was recorded.
    Raced,
    /// The peer is forked: caught now (`index` is the new `peer-fork` entry) or before.
    Forked {
        /// The `peer-fork` entry's index.
        index: u64,
        /// Whether it was caught by this check.
        now: bool,
        /// The evidence.
        evidence: Box<ForkEvidence>,
    },
}

/// Checks `peer` once: reads its checkpoint from `source`, verifies it under the registered
/// key, and judges it against the last accepted one; accepts it (compare-and-set) or records a
/// fork as an operator-signed [`kind::PEER_FORK`] entry. A peer caught before is not read
/// again. Errors are the store's own; anything the peer does is an outcome.
pub async fn check_peer(
    store: &dyn Store,
    sequencer: &Sequencer,
    peer: &Peer,
    source: &dyn PeerSource,
    now: u64,
) -> Result<CheckOutcome, RecordError> {
    if let Some((index, evidence)) = store.peer_fork(&peer.key).await? {
        return Ok(CheckOutcome::Forked {
            index,
            now: false,
            evidence: Box::new(evidence),
        });
    }
    let verifier = peer.verifier()?;
    let note = match source.checkpoint().await {
        Ok(note) => note,
        Err(e) => return Ok(CheckOutcome::Unreachable(e)),
    };
    let shown = match open_checkpoint(&verifier, &note) {
        Ok(c) => c,
        Err(e) => return Ok(CheckOutcome::Unverified(e.to_string())),
    };
    // Keep only the peer's own line: the accepted note is evidence of what its key signed.
    let note = own_lines(&note, &verifier).unwrap_or(note);
    let last = store.peer_checkpoint(&peer.key).await?;
    let proof = match proof_needed(last.as_ref(), shown.size) {
        Some((old, new)) => match source.consistency(old, new).await {
            Ok(p) => Some(p),
            Err(e) => return Ok(CheckOutcome::Unreachable(e)),
        },
        None => None,
    };
    let judgement = judge(
        &peer.key,
        &peer.url,
        last.as_ref(),
        &note,
        &shown,
        proof.as_ref(),
    )
    .map_err(|e| RecordError::Store(StoreError::Backend(e.to_string())))?;
    match judgement {
        Judgement::Unchanged => Ok(CheckOutcome::Unchanged(last.ok_or_else(|| {
            RecordError::Store(StoreError::Backend("unchanged from nothing".into()))
        })?)),
        Judgement::First | Judgement::Extends => {
            let new = AcceptedCheckpoint {
                key: peer.key.clone(),
                size: shown.size,
                root: shown.root,
                note,
                accepted_at: now,
            };
            let expected = last.as_ref().map(|l| (l.size, l.root));
            match store.advance_peer_checkpoint(expected, new.clone()).await? {
                WitnessAdvance::Stored => Ok(CheckOutcome::Accepted {
                    from: last.map(|l| l.size),
                    checkpoint: new,
                }),
                WitnessAdvance::Moved { .. } => Ok(CheckOutcome::Raced),
            }
        }
        Judgement::Forked(evidence) => {
            let write = operator_write(
                sequencer.operator(),
                kind::PEER_FORK,
                &peer.key,
                &*evidence,
                Effect::PeerForked(evidence.clone()),
            )?;
            match sequencer.append(write).await {
                Ok(receipt) => Ok(CheckOutcome::Forked {
                    index: receipt.index,
                    now: true,
                    evidence,
                }),
                // Another check recorded it first.
                Err(StoreError::Conflict { .. }) => match store.peer_fork(&peer.key).await? {
                    Some((index, evidence)) => Ok(CheckOutcome::Forked {
                        index,
                        now: false,
                        evidence: Box::new(evidence),
                    }),
                    None => Ok(CheckOutcome::Raced),
                },
                Err(e) => Err(e.into()),
            }
        }
    }
}

/// `note` with only the signature lines of `verifier` (dropping cosignatures and anything
/// else the peer attached), if it parses.
fn own_lines(note: &str, verifier: &Verifier) -> Option<String> {
    let parsed = Note::parse_lenient(note).ok()?;
    let mut kept = Note::new(parsed.text()).ok()?;
    for sig in parsed.signatures() {
        if sig.name == verifier.name() && sig.key_id == verifier.key_id() {
            kept.add_signature(sig.clone());
        }
    }
    Some(kept.to_string())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use accord_tlog::merkle::{MemoryHashStore, consistency_proof};
    use accord_tlog::note::Signer;

    use super::*;

    fn tree(leaves: &[&str]) -> MemoryHashStore {
        let mut t = MemoryHashStore::new();
        for l in leaves {
            t.append(l.as_bytes());
        }
        t
    }

    fn signed(signer: &Signer, t: &MemoryHashStore) -> (String, Checkpoint) {
        let cp = Checkpoint::new(signer.name(), t.size(), t.root());
        (cp.sign(signer).unwrap().to_string(), cp)
    }

    fn accepted(signer: &Signer, t: &MemoryHashStore) -> AcceptedCheckpoint {
        let (note, cp) = signed(signer, t);
        AcceptedCheckpoint {
            key: signer.verifier().to_key_string(),
            size: cp.size,
            root: cp.root,
            note,
            accepted_at: 0,
        }
    }

    /// A smaller tree after a larger one is a rollback, even when it is a prefix of it; a proof
    /// for other sizes than asked is a fork; the evidence of each re-checks.
    #[test]
    fn rollbacks_and_proofs_for_other_sizes_are_forks() {
        let signer = Signer::from_seed("peer.example/log", &[3; 32]).unwrap();
        let key = signer.verifier().to_key_string();
        let big = tree(&["a", "b", "c", "d"]);
        let last = accepted(&signer, &big);
        let (note, cp) = signed(&signer, &tree(&["a", "b"]));
        let Judgement::Forked(e) = judge(&key, "http://p", Some(&last), &note, &cp, None).unwrap()
        else {
            panic!("a rollback is a fork");
        };
        assert!(e.verify().unwrap().contains("rollback"));

        let grown = tree(&["a", "b", "c", "d", "e", "f"]);
        let (note, cp) = signed(&signer, &grown);
        let wrong = consistency_proof(&grown, 2, 6).unwrap();
        let Judgement::Forked(e) =
            judge(&key, "http://p", Some(&last), &note, &cp, Some(&wrong)).unwrap()
        else {
            panic!("a proof for other sizes is a fork");
        };
        assert!(e.verify().is_ok());
        let right = consistency_proof(&grown, 4, 6).unwrap();
        assert_eq!(
            judge(&key, "http://p", Some(&last), &note, &cp, Some(&right)).unwrap(),
            Judgement::Extends
        );
        assert!(matches!(
            judge(&key, "http://p", Some(&last), &note, &cp, None),
            Err(CheckError::ProofMissing { old: 4, new: 6 })
        ));
    }

    /// A checkpoint signed by another key, or for another origin, opens as no checkpoint of
    /// the peer's log.
    #[test]
    fn only_the_registered_key_opens_a_peer_checkpoint() {
        let signer = Signer::from_seed("peer.example/log", &[3; 32]).unwrap();
        let other = Signer::from_seed("peer.example/log", &[4; 32]).unwrap();
        let (note, _) = signed(&other, &tree(&["a"]));
        assert!(open_checkpoint(&signer.verifier(), &note).is_err());
        let (note, _) = signed(&signer, &tree(&["a"]));
        assert!(open_checkpoint(&signer.verifier(), &note).is_ok());
        assert!(open_checkpoint(&signer.verifier(), "not a note").is_err());
    }

    #[test]
    fn urls_are_plain_http_without_secrets() {
        assert_eq!(
            check_url("https://hub.example/accord/").unwrap(),
            "https://hub.example/accord"
        );
        assert!(check_url("http://[::1]:8080").is_ok());
        for bad in [
            "hub.example",
            "ftp://hub.example",
            "https://a:b@hub.example",
            "http://",
        ] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
        assert!(check_url(&format!("https://hub.example/{}", "a".repeat(MAX_URL_LEN))).is_err());
    }
}

//! The hub as a witness of other logs: C2SP tlog-witness `add-checkpoint`.
//!
//! The operator configures which logs the hub witnesses (their verifier keys; the key's name
//! is the log's origin) and the hub's cosigner key. A request carries the size of the last
//! checkpoint the log believes this witness cosigned, a consistency proof from it, and the
//! new checkpoint; [`add_checkpoint`] checks all of it in the order the spec gives, cosigns
//! in the `cosignature/v1` format and stores the new checkpoint with a compare-and-set
//! ([`crate::Store::advance_witnessed`]), so two concurrent requests from the same state
//! cannot both win and a log can never be rolled back. Each refusal maps to the status the
//! spec requires ([`AddCheckpointError::status`]).

use accord_tlog::checkpoint::Checkpoint;
use accord_tlog::merkle::{Hash, empty_root, verify_consistency};
use accord_tlog::note::{Note, NoteError, Signer, Verifier};

use crate::error::StoreError;
use crate::log::{WitnessAdvance, Witnessed};
use crate::store::Store;

/// Most consistency proof lines a request may carry (tlog-witness: a client MUST NOT send
/// more than 63).
pub const MAX_PROOF_LINES: usize = 63;

/// Largest request body read, in bytes: 63 proof lines and a checkpoint with its signatures
/// fit many times over.
pub const MAX_BODY: usize = 64 * 1024;

/// The hub's witness identity and the logs it witnesses.
#[derive(Clone, Debug)]
pub struct WitnessConfig {
    cosigner: Signer,
    logs: Vec<Verifier>,
}

impl WitnessConfig {
    /// A witness that cosigns with `cosigner` (its `cosignature/v1` key is
    /// [`Signer::cosigner_verifier`]) for the logs whose checkpoints `logs` sign; a log is
    /// known by its key's name, which must be its origin. Refuses two keys with one name and
    /// key ID.
    pub fn new(cosigner: Signer, logs: Vec<Verifier>) -> Result<Self, NoteError> {
        for (i, a) in logs.iter().enumerate() {
            if logs[..i]
                .iter()
                .any(|b| b.name() == a.name() && b.key_id() == a.key_id())
            {
                return Err(NoteError::AmbiguousVerifier {
                    name: a.name().to_owned(),
                    key_id: a.key_id(),
                });
            }
        }
        Ok(WitnessConfig { cosigner, logs })
    }

    /// The verifier key clients configure for this witness's cosignatures.
    pub fn cosigner_key(&self) -> Verifier {
        self.cosigner.cosigner_verifier()
    }

    /// The logs witnessed.
    pub fn logs(&self) -> &[Verifier] {
        &self.logs
    }
}

/// Why an `add-checkpoint` request was refused, with the HTTP status tlog-witness assigns.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AddCheckpointError {
    /// 400: the body is not an old size line, proof lines, a blank line and a checkpoint, or
    /// the old size exceeds the checkpoint's.
    #[error("malformed add-checkpoint request: {0}")]
    Malformed(String),
    /// 404: this hub witnesses no log of that origin.
    #[error("this hub does not witness the log {0:?}")]
    UnknownLog(String),
    /// 403: no trusted key signed the checkpoint, or a trusted key's signature fails.
    #[error("the checkpoint is not signed by the log's key: {0}")]
    Forbidden(String),
    /// 409: the old size is not the size of the latest checkpoint cosigned for the log.
    #[error("old size {old} is not the latest cosigned size {latest}")]
    Conflict {
        /// The size the request claimed.
        old: u64,
        /// The size of the latest cosigned checkpoint (0 if none).
        latest: u64,
    },
    /// 422: the checkpoint is not consistent with the one cosigned before.
    #[error("the checkpoint is not consistent with the last one cosigned: {0}")]
    Inconsistent(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl AddCheckpointError {
    /// The HTTP status tlog-witness requires for this refusal.
    pub fn status(&self) -> u16 {
        match self {
            AddCheckpointError::Malformed(_) => 400,
            AddCheckpointError::UnknownLog(_) => 404,
            AddCheckpointError::Forbidden(_) => 403,
            AddCheckpointError::Conflict { .. } => 409,
            AddCheckpointError::Inconsistent(_) => 422,
            AddCheckpointError::Store(StoreError::Unavailable(_)) => 503,
            AddCheckpointError::Store(_) => 500,
        }
    }
}

/// A parsed `add-checkpoint` request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddCheckpointRequest {
    /// The size of the checkpoint the client believes was cosigned last.
    pub old: u64,
    /// The consistency proof from `old` to the checkpoint's size.
    pub proof: Vec<Hash>,
    /// The signed checkpoint note.
    pub note: Note,
}

/// The request body a log sends: `old N`, the proof lines, a blank line, the checkpoint.
pub fn request_body(old: u64, proof: &[Hash], note: &Note) -> String {
    let mut out = format!("old {old}\n");
    for h in proof {
        out.push_str(&h.to_base64());
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&note.to_string());
    out
}

/// Parses an `add-checkpoint` body (tlog-witness §add-checkpoint); every error names the line.
pub fn parse_request(body: &[u8]) -> Result<AddCheckpointRequest, AddCheckpointError> {
    let bad =
        |line: usize, what: &str| AddCheckpointError::Malformed(format!("line {line}: {what}"));
    let text = std::str::from_utf8(body).map_err(|_| bad(1, "the body is not UTF-8"))?;
    let (old_line, mut rest) = text
        .split_once('\n')
        .ok_or_else(|| bad(1, "the old size line must end in a newline"))?;
    let old_text = old_line
        .strip_prefix("old ")
        .ok_or_else(|| bad(1, "the first line must be `old <size>`"))?;
    if old_text.is_empty()
        || !old_text.bytes().all(|b| b.is_ascii_digit())
        || (old_text.len() > 1 && old_text.starts_with('0'))
    {
        return Err(bad(
            1,
            "the old size must be decimal without leading zeroes",
        ));
    }
    let old: u64 = old_text
        .parse()
        .map_err(|_| bad(1, "the old size does not fit 64 bits"))?;
    let mut proof = Vec::new();
    let mut line_no = 1;
    loop {
        line_no += 1;
        let (line, next) = rest
            .split_once('\n')
            .ok_or_else(|| bad(line_no, "expected a proof line or the blank line"))?;
        rest = next;
        if line.is_empty() {
            break;
        }
        if proof.len() == MAX_PROOF_LINES {
            return Err(bad(line_no, "more than 63 consistency proof lines"));
        }
        proof.push(
            Hash::from_base64(line)
                .map_err(|_| bad(line_no, "a proof line must be the base64 of 32 bytes"))?,
        );
    }
    let note = Note::parse(rest).map_err(|e| {
        bad(
            line_no + 1,
            &format!("the checkpoint is not a signed note: {e}"),
        )
    })?;
    Ok(AddCheckpointRequest { old, proof, note })
}

/// Handles `POST /add-checkpoint`: checks `body` against the configuration and the stored
/// state, cosigns the checkpoint as of `now` (POSIX seconds) and stores it atomically.
/// Returns the response body: this witness's cosignature line.
pub async fn add_checkpoint(
    store: &dyn Store,
    config: &WitnessConfig,
    body: &[u8],
    now: u64,
) -> Result<String, AddCheckpointError> {
    let req = parse_request(body)?;
    let cp = Checkpoint::parse_text(req.note.text())
        .map_err(|e| AddCheckpointError::Malformed(format!("the checkpoint: {e}")))?;
    let trusted: Vec<Verifier> = config
        .logs
        .iter()
        .filter(|v| v.name() == cp.origin)
        .cloned()
        .collect();
    if trusted.is_empty() {
        return Err(AddCheckpointError::UnknownLog(cp.origin));
    }
    let opened = req
        .note
        .verify(&trusted)
        .map_err(|e| AddCheckpointError::Forbidden(e.to_string()))?;
    if req.old > cp.size {
        return Err(AddCheckpointError::Malformed(format!(
            "old size {} exceeds the checkpoint size {}",
            req.old, cp.size
        )));
    }
    let stored = store.witnessed(&cp.origin).await?;
    let latest = stored.as_ref().map_or(0, |w| w.size);
    if req.old != latest {
        return Err(AddCheckpointError::Conflict {
            old: req.old,
            latest,
        });
    }
    if cp.size == 0 && cp.root != empty_root() {
        return Err(AddCheckpointError::Inconsistent(
            "a checkpoint of size 0 must have the empty tree's root".into(),
        ));
    }
    match &stored {
        None => {
            if !req.proof.is_empty() {
                return Err(AddCheckpointError::Inconsistent(
                    "from old size 0 the consistency proof must be empty".into(),
                ));
            }
        }
        Some(w) if w.size == cp.size => {
            if w.root != cp.root || !req.proof.is_empty() {
                return Err(AddCheckpointError::Inconsistent(format!(
                    "size {} was cosigned with another root",
                    cp.size
                )));
            }
        }
        Some(w) if w.size == 0 => {
            if !req.proof.is_empty() {
                return Err(AddCheckpointError::Inconsistent(
                    "from old size 0 the consistency proof must be empty".into(),
                ));
            }
        }
        Some(w) => {
            verify_consistency(w.size, cp.size, &req.proof, &w.root, &cp.root)
                .map_err(|e| AddCheckpointError::Inconsistent(e.to_string()))?;
        }
    }
    let sig = config
        .cosigner
        .cosign(req.note.text(), now)
        .map_err(|e| AddCheckpointError::Malformed(e.to_string()))?;
    let line = sig.to_line();
    // Kept: the text, the log's verified signatures and this witness's cosignature.
    let mut kept =
        Note::new(req.note.text()).map_err(|e| AddCheckpointError::Malformed(e.to_string()))?;
    for s in opened.verified {
        kept.add_signature(s);
    }
    kept.add_signature(sig);
    let new = Witnessed {
        origin: cp.origin.clone(),
        size: cp.size,
        root: cp.root,
        note: kept.to_string(),
        updated_at: now,
    };
    match store
        .advance_witnessed(stored.map(|w| (w.size, w.root)), new)
        .await?
    {
        WitnessAdvance::Stored => Ok(line),
        WitnessAdvance::Moved { size } => Err(AddCheckpointError::Conflict {
            old: req.old,
            latest: size,
        }),
    }
}

/// The latest checkpoint cosigned for the witnessed log whose origin hashes to `origin_hash`
/// (lowercase hex SHA-256 of the origin line, tlog-witness §Monitor Retrieval Mechanism): the
/// note with the log's signatures this witness verified and its own cosignature. `None` if no
/// configured log has that hash or none was cosigned yet.
pub async fn latest_cosigned(
    store: &dyn Store,
    config: &WitnessConfig,
    origin_hash: &str,
) -> Result<Option<String>, StoreError> {
    use sha2::{Digest, Sha256};
    let Some(log) = config
        .logs
        .iter()
        .find(|v| hex::encode(Sha256::digest(v.name().as_bytes())) == origin_hash)
    else {
        return Ok(None);
    };
    Ok(store.witnessed(log.name()).await?.map(|w| w.note))
}

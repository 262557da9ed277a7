//! The verifiable record's storage types: what a write appends to the log, what the store
//! returns for it, and the operator's signing identity.
//!
//! Every write is a signed entry (`accord_tlog::entry::SignedEntry`) appended to a Merkle log
//! in the same transaction as its effect on the indexes (an incident row, a party row, a key).
//! The entry holds only a salted hash of the body; the body and its salt are stored beside it
//! and released together by the read rules, so a TLP:RED record is provable without being
//! disclosed, and cannot be recovered by guessing it and hashing the guess.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use accord_core::accord::Accord;
use accord_core::corrections::{Reason, RecordKind};
use accord_core::mapping::RuleSet;
use accord_core::party::Party;
use accord_core::record::IncidentRecord;
use accord_tlog::entry::{SALT_LEN, SignedEntry};
use accord_tlog::merkle::Hash;
use accord_tlog::note::{Signer, Verifier};
use accord_tlp::Tlp;
use serde::{Deserialize, Serialize};

use crate::error::StoreError;
use crate::sharing::model::{AffiliationBody, Collection, SharedObject};

/// Entry kinds (the envelope's `kind`), kept at the bottom of the crate in [`crate::kind`].
pub use crate::kind;

/// What a write changes besides the log.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Effect {
    /// Stores the accord (the first one seeds the store).
    Accord(Box<Accord>),
    /// Stores the principle-mapping rules.
    Rules(RuleSet),
    /// Registers a party.
    Party(Box<Party>),
    /// Records an incident.
    Incident(Box<IncidentRecord>),
    /// Registers a public key for a party.
    KeyAdded(KeyBody),
    /// Revokes a party's public key.
    KeyRevoked(KeyBody),
    /// Opens an evidence request (in `draft`).
    RequestCreated(Box<accord_law::request::Request>),
    /// Moves an evidence request. The store applies it only if the request still stands at
    /// `from`: of two racing moves from one status, the second is refused as a conflict.
    RequestTransition {
        /// The request's id.
        request: String,
        /// The status the write path checked the move from.
        from: accord_law::request::Status,
        /// The move.
        transition: accord_law::request::Transition,
        /// The due dates, when the move is to `sent` (empty otherwise).
        due: Vec<accord_law::deadline::DueDate>,
    },
    /// Defines or redefines a sharing collection (see `crate::sharing`).
    Collection(Box<Collection>),
    /// Records a party's organisation and the one it is a client of.
    Affiliation(AffiliationBody),
    /// Adds a STIX object version to a collection.
    StixObject(Box<SharedObject>),
    /// Configures a witness whose cosignatures the hub accepts (see `crate::witness`).
    WitnessAdded(WitnessBody),
    /// Removes a configured witness; its earlier cosignatures stay.
    WitnessRemoved(WitnessBody),
    /// Registers a peer hub (see `crate::peers`), or registers a removed one again.
    PeerAdded(PeerBody),
    /// Removes a registered peer hub; what was learnt of it stays.
    PeerRemoved(PeerBody),
    /// Marks a peer forked: its log showed two checkpoints that do not extend one another.
    PeerForked(Box<ForkEvidence>),
    /// Removes the object version added at `added_us` from a collection.
    StixDeleted {
        /// The collection.
        collection: String,
        /// The version's date added, microseconds (its key in the index).
        added_us: i64,
    },
    /// Replaces a recorded incident, party, the accord or the rules with its corrected version; the log keeps the
    /// entry that recorded it and every amendment since. The store applies it only if the
    /// signer recorded the record and the record still reads as the amendment's `previous`.
    Amendment(Box<Amendment>),
    /// Records that the hub's bundled records are at this dataset version.
    DatasetVersion(u32),
    /// Nothing besides the entry: the log carries it (body withheld by its marking) but no
    /// index publishes it. A copy replays an incident entry marked other than TLP:CLEAR, from
    /// before the hub refused those, this way (incidents' read paths are all public).
    Withheld,
}

/// The body of a key registration or revocation entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyBody {
    /// The party the key belongs to.
    pub party: String,
    /// Base64 of the Ed25519 public key.
    pub public_key: String,
}

/// The body of an amendment entry: which record, its previous and new values, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmendmentBody {
    /// The kind of record amended.
    pub kind: RecordKind,
    /// The record's id (unchanged by the amendment).
    pub id: String,
    /// The version of the record this amends: the log index of the entry that recorded it, or
    /// of its latest amendment. A party's amendment names it (the store refuses it once the
    /// record has moved on); the operator's dataset upgrades compare `previous` instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<u64>,
    /// The record as it read before (an incident's reported facts, a party's registry entry).
    pub previous: serde_json::Value,
    /// The record as it reads now.
    pub new: serde_json::Value,
    /// Why it changed; at least one.
    pub reasons: Vec<Reason>,
    /// The bundled dataset version that ships the change, for the operator's amendments of
    /// bundled records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset_version: Option<u32>,
}

impl AmendmentBody {
    /// Every field that differs between `previous` and `new`.
    pub fn changes(&self) -> Vec<accord_core::corrections::Change> {
        accord_core::corrections::diff(&self.previous, &self.new)
    }
}

/// The record an amendment leaves in the index.
#[derive(Debug, Clone)]
pub enum AmendedRecord {
    /// An incident, with the principles the rules suggest for its new facts.
    Incident(Box<IncidentRecord>),
    /// A party.
    Party(Box<Party>),
    /// The accord.
    Accord(Box<Accord>),
    /// The principle-mapping rules: the store re-suggests every incident's principles with
    /// them in the same transaction.
    Rules(Box<RuleSet>),
}

/// An amendment as the store applies it: the entry's body and the record it leaves.
#[derive(Debug, Clone)]
pub struct Amendment {
    /// The entry's body.
    pub body: AmendmentBody,
    /// The new record, as the index keeps it.
    pub record: AmendedRecord,
}

/// An amendment as the log recorded it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredAmendment {
    /// The entry's index in the log.
    pub index: u64,
    /// The party that signed it.
    pub submitter: String,
    /// When it was signed, as the envelope says (RFC 3339).
    pub submitted_at: String,
    /// The entry's body.
    pub body: AmendmentBody,
}

/// The log entry id of an amendment of record `id` of `kind`: `KIND/ID@SUFFIX`, the suffix
/// `v` and the dataset version for the operator's amendments of bundled records (so a second
/// upgrade to the same version is refused as a replay), a random UUID for a party's own.
pub fn amendment_entry_id(kind: RecordKind, id: &str, suffix: &str) -> String {
    format!("{kind}/{id}@{suffix}")
}

/// The prefix every amendment entry id of record `id` of `kind` starts with.
pub fn amendment_entry_prefix(kind: RecordKind, id: &str) -> String {
    format!("{kind}/{id}@")
}

/// The body of a dataset-version entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetVersionBody {
    /// The version the hub's bundled records now stand at.
    pub version: u32,
}

/// The body of a witness configuration or removal entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WitnessBody {
    /// The witness's name: the key name its cosignature lines carry.
    pub name: String,
    /// Its C2SP verifier key string (`name+keyid+base64`).
    pub key: String,
    /// The party whose API token may post its cosignatures.
    pub party: String,
}

/// The body of a peer registration or removal entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeerBody {
    /// The peer log's C2SP verifier key string (`name+keyid+base64`): what identifies the peer.
    pub key: String,
    /// The peer log's origin: the key's name, the first line of its checkpoints.
    pub origin: String,
    /// The peer hub's base URL (http or https, no credentials, query or fragment).
    pub url: String,
    /// The registered party that operates the peer hub, if the operator named one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party: Option<String>,
}

/// The body of a `peer-fork` entry: evidence that a peer's log showed two views. Anyone can
/// re-check it with [`ForkEvidence::verify`]: both checkpoints are signed by the peer's key,
/// and either they have the same size and different roots, the later one is smaller, or the
/// consistency proof the peer served between them does not verify.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForkEvidence {
    /// The peer log's verifier key string.
    pub key: String,
    /// The URL the second checkpoint was fetched from.
    pub url: String,
    /// The checkpoint accepted before (signed note text).
    pub accepted: String,
    /// The checkpoint shown afterwards that does not extend it (signed note text).
    pub shown: String,
    /// The consistency proof the peer served from the accepted size to the shown one, when
    /// the shown tree is larger (it failed to verify).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof: Option<accord_tlog::merkle::ConsistencyProof>,
    /// What was wrong, in words.
    pub reason: String,
}

/// A peer hub as registered, with its place in the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Peer {
    /// A short id for URLs and the command line: 16 hex digits of the SHA-256 of the key
    /// string (`crate::peers::peer_id`).
    pub id: String,
    /// The peer log's verifier key string.
    pub key: String,
    /// The peer log's origin (the key's name).
    pub origin: String,
    /// The peer hub's base URL.
    pub url: String,
    /// The registered party that operates it, if named.
    pub party: Option<String>,
    /// Index of the entry that registered it (last registered, if removed and added again).
    pub added_at: u64,
    /// Index of the entry that removed it, if removed.
    pub removed_at: Option<u64>,
    /// Index of the `peer-fork` entry that marked it forked, if it was caught.
    pub forked_at: Option<u64>,
}

impl Peer {
    /// The peer log's verifier; a stored key that does not parse is a damaged database.
    pub fn verifier(&self) -> Result<Verifier, StoreError> {
        Verifier::from_key_string(&self.key).map_err(|e| StoreError::Corrupt {
            what: format!("peer {}", self.origin),
            detail: e.to_string(),
        })
    }

    /// Whether it is registered now (not removed).
    pub fn is_current(&self) -> bool {
        self.removed_at.is_none()
    }

    /// `forked` once caught (nothing more is imported from it), else `removed` or `active`.
    pub fn state(&self) -> &'static str {
        if self.forked_at.is_some() {
            "forked"
        } else if self.removed_at.is_some() {
            "removed"
        } else {
            "active"
        }
    }
}

/// The last checkpoint of a peer's log this hub accepted: signed by the peer's key and
/// consistent with every one accepted before. Per-peer sync state, kept outside the log (table
/// `peer_checkpoints`), keyed by the peer log's verifier key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptedCheckpoint {
    /// The peer log's verifier key string.
    pub key: String,
    /// The checkpoint's tree size.
    pub size: u64,
    /// The checkpoint's root hash.
    pub root: Hash,
    /// The signed note as the peer served it.
    pub note: String,
    /// When it was accepted (POSIX seconds).
    pub accepted_at: u64,
}

/// One write: a verified signed entry, its body and its effect.
#[derive(Debug, Clone)]
pub struct LogWrite {
    /// The signed entry; the caller has checked its signature and signer.
    pub entry: SignedEntry,
    /// The body bytes the envelope commits to.
    pub body: Vec<u8>,
    /// The salt of the envelope's `body_salted_sha256`; `None` for an entry written before
    /// salting (replayed by `accord copy`), which commits by `body_sha256`.
    pub salt: Option<[u8; SALT_LEN]>,
    /// What the write changes in the indexes.
    pub effect: Effect,
}

/// Where an appended write landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Receipt {
    /// The entry's index in the log (0-based).
    pub index: u64,
    /// The entry's RFC 9162 leaf hash.
    pub leaf_hash: Hash,
}

/// A signed tree head.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedCheckpoint {
    /// Number of entries.
    pub size: u64,
    /// Root hash of the tree of `size` entries.
    pub root: Hash,
    /// The C2SP signed note (checkpoint text plus signature lines, cosignatures included).
    pub note: String,
}

/// The latest checkpoint this hub cosigned as a C2SP tlog-witness for another log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Witnessed {
    /// The witnessed log's origin line.
    pub origin: String,
    /// The checkpoint's tree size.
    pub size: u64,
    /// The checkpoint's root hash.
    pub root: Hash,
    /// The checkpoint note as received, with this hub's cosignature line appended.
    pub note: String,
    /// When it was cosigned (POSIX seconds, the cosignature's timestamp).
    pub updated_at: u64,
}

/// What [`crate::Store::advance_witnessed`] (or [`crate::Store::advance_peer_checkpoint`]) did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WitnessAdvance {
    /// The new checkpoint replaced the expected one.
    Stored,
    /// Another request moved the log first: the stored checkpoint now has this size (0 for
    /// none), and nothing was written.
    Moved {
        /// The size of the checkpoint stored now.
        size: u64,
    },
}

/// What one append batch did.
#[derive(Debug)]
pub struct AppendOutcome {
    /// One result per write, in order; a refused write appended nothing.
    pub results: Vec<Result<Receipt, StoreError>>,
    /// The checkpoint after the batch (unchanged if nothing was appended).
    pub checkpoint: Option<SignedCheckpoint>,
}

/// An entry as stored, with its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEntry {
    /// Index in the log.
    pub index: u64,
    /// The entry bytes (canonical JSON of envelope and signature).
    pub entry: Vec<u8>,
    /// The body bytes.
    pub body: Vec<u8>,
    /// The salt of the body's commitment (released with the body, never without it); `None`
    /// for an entry written before salting.
    pub salt: Option<Vec<u8>>,
    /// The body's TLP marking, copied from the envelope.
    pub tlp: Tlp,
}

/// A public key registered for a party, with its place in the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartyKey {
    /// The party.
    pub party: String,
    /// Base64 of the Ed25519 public key.
    pub public_key: String,
    /// Index of the entry that registered it.
    pub added_at: u64,
    /// Index of the entry that revoked it, if any.
    pub revoked_at: Option<u64>,
}

/// A configured witness, with its place in the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Witness {
    /// The key name its cosignature lines carry.
    pub name: String,
    /// Its verifier key string.
    pub key: String,
    /// The party whose token may post its cosignatures.
    pub party: String,
    /// Index of the entry that configured it.
    pub added_at: u64,
    /// Index of the entry that removed it, if any.
    pub removed_at: Option<u64>,
}

impl Witness {
    /// The witness's verifier; a stored key that does not parse is a damaged database.
    pub fn verifier(&self) -> Result<Verifier, StoreError> {
        Verifier::from_key_string(&self.key).map_err(|e| StoreError::Corrupt {
            what: format!("witness {}", self.name),
            detail: e.to_string(),
        })
    }

    /// Whether it is configured now (not removed).
    pub fn is_current(&self) -> bool {
        self.removed_at.is_none()
    }

    /// Every verifier this witness's lines are checked with: its configured key and, for a
    /// plain Ed25519 note key (type 0x01), the same key as a C2SP `cosignature/v1` cosigner.
    /// Witnesses configured with their note key before `accord witness` cosigned in
    /// `cosignature/v1` keep their stored plain signatures verifying and their new lines
    /// accepted.
    pub fn verifiers(&self) -> Result<Vec<Verifier>, StoreError> {
        let configured = self.verifier()?;
        let mut all = vec![configured.clone()];
        if configured.alg() == accord_tlog::note::ALG_ED25519 {
            let cosigner = Verifier::cosigner(configured.name(), *configured.public_key())
                .map_err(|e| StoreError::Corrupt {
                    what: format!("witness {}", self.name),
                    detail: e.to_string(),
                })?;
            all.push(cosigner);
        }
        Ok(all)
    }
}

/// The hub's operator: the log's origin and the key that signs checkpoints and the operator's
/// own entries (bundled data, party and key registrations).
pub struct Operator {
    /// The party id the operator's entries are submitted as.
    pub party: String,
    /// The log origin (first line of every checkpoint) and the key's name.
    pub signer: Signer,
}

/// Name of the operator's private-key file in the data directory.
pub const OPERATOR_KEY_FILE: &str = "operator.key";

/// The party id of a hub's operator.
pub const OPERATOR_PARTY: &str = "hub-operator";

/// Why the operator's key could not be loaded or created.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OperatorKeyError {
    /// The key file could not be read or written.
    #[error("operator key {path}: {source}")]
    Io {
        /// The key file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The key file does not hold a signed-note private key.
    #[error("operator key {path} is not a signed-note private key: {detail}")]
    Malformed {
        /// The key file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// There is no key file where an existing hub's key was expected.
    #[error("no operator key at {path}")]
    Missing {
        /// Where the key file was looked for.
        path: PathBuf,
    },
    /// The operating system gave no randomness.
    #[error("cannot generate a key: {0}")]
    Random(String),
    /// The key file names another origin than the one asked for.
    #[error("operator key {path} is for origin {found:?}, not {wanted:?}")]
    OriginMismatch {
        /// The key file.
        path: PathBuf,
        /// Origin in the file.
        found: String,
        /// Origin asked for.
        wanted: String,
    },
}

/// A fresh body salt from the operating system (see `accord_tlog::entry`).
pub fn random_salt() -> Result<[u8; SALT_LEN], OperatorKeyError> {
    let mut salt = [0u8; SALT_LEN];
    getrandom::fill(&mut salt).map_err(|e| OperatorKeyError::Random(e.to_string()))?;
    Ok(salt)
}

/// A fresh random UUID (version 4) in canonical lower-case form, from the operating system:
/// what a client draws for a new evidence request's id and for the log entry id of every
/// request step (`accord_law::request::is_random_uuid`).
pub fn random_uuid() -> Result<String, OperatorKeyError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| OperatorKeyError::Random(e.to_string()))?;
    Ok(uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .hyphenated()
        .to_string())
}

/// A fresh Ed25519 seed from the operating system.
pub fn random_seed() -> Result<[u8; 32], OperatorKeyError> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| OperatorKeyError::Random(e.to_string()))?;
    Ok(seed)
}

impl std::fmt::Debug for Operator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the private key.
        f.debug_struct("Operator")
            .field("party", &self.party)
            .field("origin", &self.signer.name())
            .finish_non_exhaustive()
    }
}

impl Operator {
    /// The origin a new hub's log gets when none is given.
    pub const DEFAULT_ORIGIN: &'static str = "accord.localhost/log";

    /// Loads the operator key from `data_dir`, creating it (mode 0600) on first start.
    /// `origin` names the log (e.g. `accord.example/paris-call`); `None` keeps the origin of an
    /// existing key, or uses [`Operator::DEFAULT_ORIGIN`] for a new one. A log's origin never
    /// changes: asking for another one than the key's is an error.
    pub fn load_or_create(
        data_dir: &Path,
        origin: Option<&str>,
    ) -> Result<Operator, OperatorKeyError> {
        let path = data_dir.join(OPERATOR_KEY_FILE);
        let io = |source| OperatorKeyError::Io {
            path: path.clone(),
            source,
        };
        let signer = match std::fs::read_to_string(&path) {
            Ok(text) => {
                let signer = Signer::from_key_string(text.trim()).map_err(|e| {
                    OperatorKeyError::Malformed {
                        path: path.clone(),
                        detail: e.to_string(),
                    }
                })?;
                if let Some(wanted) = origin
                    && signer.name() != wanted
                {
                    return Err(OperatorKeyError::OriginMismatch {
                        path: path.clone(),
                        found: signer.name().to_owned(),
                        wanted: wanted.to_owned(),
                    });
                }
                signer
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(data_dir).map_err(io)?;
                let name = origin.unwrap_or(Self::DEFAULT_ORIGIN);
                let signer = Signer::from_seed(name, &random_seed()?).map_err(|e| {
                    OperatorKeyError::Malformed {
                        path: path.clone(),
                        detail: e.to_string(),
                    }
                })?;
                write_private(&path, &signer.to_key_string()).map_err(io)?;
                signer
            }
            Err(e) => return Err(io(e)),
        };
        Ok(Operator {
            party: OPERATOR_PARTY.to_owned(),
            signer,
        })
    }

    /// Loads an existing hub's operator key from `data_dir`; unlike
    /// [`Operator::load_or_create`], a missing key is an error, for commands that read or copy
    /// a log and must never start a new one.
    pub fn load(data_dir: &Path) -> Result<Operator, OperatorKeyError> {
        let path = data_dir.join(OPERATOR_KEY_FILE);
        if !path.exists() {
            return Err(OperatorKeyError::Missing { path });
        }
        Self::load_or_create(data_dir, None)
    }

    /// The log's origin line.
    pub fn origin(&self) -> &str {
        self.signer.name()
    }

    /// The verifier key string anyone uses to check checkpoints and operator entries.
    pub fn verifier_key(&self) -> String {
        self.signer.verifier().to_key_string()
    }

    /// Refuses to extend a log whose latest checkpoint this operator's key did not sign: a
    /// second key would publish a second log under the same origin (two nodes configured with
    /// different keys, racing at first start). Backends call it before appending.
    ///
    /// The operator's signature is found by name and key ID whatever else the note carries
    /// (cosignatures, or junk lines a hub stored before witnesses were configured), so that
    /// nothing attached to a checkpoint can stop the write path.
    pub fn check_signs(&self, head: Option<&SignedCheckpoint>) -> Result<(), StoreError> {
        let Some(head) = head else { return Ok(()) };
        accord_tlog::note::Note::parse_lenient(&head.note)
            .ok()
            .filter(|note| note.signed_by(&self.signer.verifier()))
            .map(|_| ())
            .ok_or_else(|| {
                StoreError::Backend(format!(
                    "the log's checkpoint at size {} is not signed by this node's operator key {}: \
                     every node of a hub needs the same {OPERATOR_KEY_FILE}",
                    head.size,
                    self.verifier_key()
                ))
            })
    }
}

/// The hub's secret for opaque entry ids ([`opaque_entry_id`]), derived from the operator key
/// as the custodial keys are, so there is no second secret to keep.
pub fn opaque_id_key(operator: &Operator) -> [u8; 32] {
    use sha2::Digest as _;
    let mut h = sha2::Sha256::new();
    h.update(b"accord opaque entry id v1\0");
    h.update(operator.signer.signing_key().to_bytes());
    h.finalize().into()
}

/// The log entry id that stands for `plain` (e.g. `{collection}/{object id}/{version}`) when
/// the anonymous reader may not read the record: `opaque-` and 64 hex digits of a keyed hash.
/// It is as unique as `plain` (a replayed write maps to the same id, so the log still refuses
/// it) but reveals nothing of it to whoever lacks `key`, not even by guessing `plain`: the
/// hub's index, not the id, ties the entry to its record.
pub fn opaque_entry_id(key: &[u8; 32], plain: &str) -> String {
    use sha2::Digest as _;
    let mut h = sha2::Sha256::new();
    h.update(key);
    h.update(plain.as_bytes());
    format!("opaque-{}", hex::encode(h.finalize()))
}

/// Writes a secret file readable by its owner only, never leaving a wider-mode copy behind.
pub fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()
}

//! Verifying a whole log from what it publishes: `accord log verify`.
//!
//! The auditor trusts one thing, the operator's verifier key. From the log's own resources (the
//! signed checkpoint, every entry bundle and hash tile, and the bodies it may see) it
//! recomputes the tree and checks, in order:
//!
//! 1. the checkpoint's signature and origin;
//! 2. that the entries hash to the checkpoint's root, and that every hash tile holds exactly
//!    the hashes the entries imply (a tampered tile is named);
//! 3. every entry's signature, against the key history the log itself records: the operator's
//!    key always, a party's key from the entry that registered it until the one that revoked it;
//! 4. every visible body against the SHA-256 its envelope carries;
//! 5. optionally, that a checkpoint saved earlier is a prefix of this one (no rewrite, no
//!    rollback).
//!
//! The first discrepancy stops the audit and is reported with where it is.

use std::collections::{BTreeMap, HashMap};

use accord_tlog::checkpoint::Checkpoint;
use accord_tlog::entry::{SignedEntry, body_sha256};
use accord_tlog::merkle::{self, MemoryHashStore};
use accord_tlog::note::Verifier;
use accord_tlog::tiles::{self, Tile, TileKind, tiles_for_size};
use async_trait::async_trait;
use ed25519_dalek::VerifyingKey;
use serde::Serialize;

use crate::log::kind;

/// Where an audit reads the log from: a hub over HTTP, or a data directory.
#[async_trait]
pub trait LogSource: Send + Sync {
    /// The latest signed checkpoint note.
    async fn checkpoint(&self) -> Result<Vec<u8>, String>;
    /// A hash tile or entry bundle.
    async fn tile(&self, tile: Tile) -> Result<Vec<u8>, String>;
    /// The bodies of the entries in entry bundle `bundle` (index, body) that the source will
    /// release; withheld bodies are absent.
    async fn bodies(&self, bundle: u64, width: u16) -> Result<Vec<(u64, Vec<u8>)>, String>;
}

/// Why an audit failed: the first discrepancy found, and where.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuditError {
    /// A resource could not be fetched.
    #[error("cannot read {what}: {detail}")]
    Fetch {
        /// What was being read.
        what: String,
        /// Why it failed.
        detail: String,
    },
    /// The checkpoint does not verify with the operator's key, or does not parse.
    #[error("the checkpoint does not verify: {0}")]
    Checkpoint(String),
    /// A tile's content is not what the entries imply.
    #[error("tile {path} does not match the entries: {detail}")]
    Tile {
        /// The tile's path.
        path: String,
        /// What differs.
        detail: String,
    },
    /// The entries do not hash to the signed root.
    #[error(
        "the entries hash to root {computed}, but the checkpoint of size {size} signs {signed}"
    )]
    Root {
        /// Size of the checkpoint.
        size: u64,
        /// Root the entries give.
        computed: String,
        /// Root the checkpoint signs.
        signed: String,
    },
    /// An entry is malformed or its signature is not acceptable.
    #[error("entry {index}: {detail}")]
    Entry {
        /// The entry's index.
        index: u64,
        /// What is wrong.
        detail: String,
    },
    /// A body does not match the hash its envelope carries.
    #[error("entry {index}: the body does not match the envelope's body_sha256")]
    Body {
        /// The entry's index.
        index: u64,
    },
    /// A saved checkpoint is not a prefix of the current log.
    #[error("the log is not consistent with the saved checkpoint of size {old_size}: {detail}")]
    Inconsistent {
        /// Size of the saved checkpoint.
        old_size: u64,
        /// What differs.
        detail: String,
    },
}

/// What a successful audit checked.
#[derive(Debug, Clone, Serialize)]
pub struct AuditReport {
    /// The log's origin.
    pub origin: String,
    /// Entries verified.
    pub size: u64,
    /// The root they hash to (base64).
    pub root: String,
    /// Entries by kind.
    pub kinds: BTreeMap<String, u64>,
    /// Bodies checked against their hashes.
    pub bodies_checked: u64,
    /// Bodies the source withheld (their hashes are still in the log).
    pub bodies_withheld: u64,
    /// Hash tiles compared.
    pub tiles_checked: u64,
    /// Names of the keys whose signatures on the checkpoint verified (the operator first).
    pub checkpoint_signers: Vec<String>,
    /// The size of the saved checkpoint the log was proven consistent with, if one was given.
    pub consistent_with: Option<u64>,
}

/// Key history as the log records it.
#[derive(Default)]
struct Keys {
    // (party, base64 key) -> revoked?
    current: HashMap<(String, String), bool>,
}

fn fetch_err(what: impl Into<String>) -> impl FnOnce(String) -> AuditError {
    let what = what.into();
    move |detail| AuditError::Fetch { what, detail }
}

/// Audits the log at `source` against the operator's `verifier`. `since` is a checkpoint note
/// saved earlier; `witnesses` are verifiers whose cosignatures are reported when present.
/// `progress(done, total)` is called as entries are checked.
pub async fn audit(
    source: &dyn LogSource,
    verifier: &Verifier,
    witnesses: &[Verifier],
    since: Option<&[u8]>,
    progress: &(dyn Fn(u64, u64) + Send + Sync),
) -> Result<AuditReport, AuditError> {
    let note = source
        .checkpoint()
        .await
        .map_err(fetch_err("the checkpoint"))?;
    let mut verifiers = vec![verifier.clone()];
    verifiers.extend(witnesses.iter().cloned());
    let (cp, opened) = Checkpoint::open(&note, verifier.name(), &verifiers)
        .map_err(|e| AuditError::Checkpoint(e.to_string()))?;
    // The operator's own signature is required; witnesses' are reported.
    if !opened
        .verified
        .iter()
        .any(|s| s.name == verifier.name() && s.key_id == verifier.key_id())
    {
        return Err(AuditError::Checkpoint(
            "the operator's signature is missing".into(),
        ));
    }
    let size = cp.size;

    // Entries, bundle by bundle.
    let mut entries: Vec<Vec<u8>> = Vec::with_capacity(size as usize);
    let mut bodies: HashMap<u64, Vec<u8>> = HashMap::new();
    let all_tiles = tiles_for_size(size);
    for t in all_tiles.iter().filter(|t| t.kind == TileKind::Entries) {
        let data = source.tile(*t).await.map_err(fetch_err(t.path()))?;
        let bundle = tiles::decode_bundle(&data).map_err(|e| AuditError::Tile {
            path: t.path(),
            detail: e.to_string(),
        })?;
        if bundle.len() != usize::from(t.width) {
            return Err(AuditError::Tile {
                path: t.path(),
                detail: format!("holds {} entries, expected {}", bundle.len(), t.width),
            });
        }
        entries.extend(bundle.into_iter().map(<[u8]>::to_vec));
        for (i, b) in source
            .bodies(t.index, t.width)
            .await
            .map_err(fetch_err(format!("bodies of {}", t.path())))?
        {
            bodies.insert(i, b);
        }
        progress(entries.len() as u64 / 2, size);
    }

    // The tree those entries make, against every hash tile and the signed root.
    let tree = MemoryHashStore::from_leaf_hashes(entries.iter().map(|e| merkle::leaf_hash(e)));
    let mut tiles_checked = 0;
    for t in all_tiles
        .iter()
        .filter(|t| matches!(t.kind, TileKind::Hashes { .. }))
    {
        let served = source.tile(*t).await.map_err(fetch_err(t.path()))?;
        let expected = tiles::read_tile_data(&tree, t).map_err(|e| AuditError::Tile {
            path: t.path(),
            detail: e.to_string(),
        })?;
        if served != expected {
            let first = served
                .chunks(32)
                .zip(expected.chunks(32))
                .position(|(a, b)| a != b)
                .unwrap_or(0);
            let detail = match t.kind {
                TileKind::Hashes { level: 0 } => format!(
                    "hash {first} differs: entry {} is not the entry the log committed to",
                    t.index * tiles::TILE_WIDTH + first as u64
                ),
                _ => format!("hash {first} differs"),
            };
            return Err(AuditError::Tile {
                path: t.path(),
                detail,
            });
        }
        tiles_checked += 1;
    }
    let computed = tree.root();
    if computed != cp.root {
        return Err(AuditError::Root {
            size,
            computed: computed.to_base64(),
            signed: cp.root.to_base64(),
        });
    }

    // Signatures against the key history, then bodies.
    let operator_key = *verifier.public_key();
    let mut keys = Keys::default();
    let mut kinds: BTreeMap<String, u64> = BTreeMap::new();
    let mut to_verify: Vec<(u64, SignedEntry, VerifyingKey)> = Vec::with_capacity(entries.len());
    let mut bodies_checked = 0;
    for (i, bytes) in entries.iter().enumerate() {
        let index = i as u64;
        let entry_err = |detail: String| AuditError::Entry { index, detail };
        let entry = SignedEntry::from_bytes(bytes).map_err(|e| entry_err(e.to_string()))?;
        let env = &entry.envelope;
        let signer = env.signer().map_err(|e| entry_err(e.to_string()))?;
        if signer != operator_key {
            match keys
                .current
                .get(&(env.submitter.clone(), env.signer_key.clone()))
            {
                Some(false) => {}
                Some(true) => {
                    return Err(entry_err(format!(
                        "signed with key {} of {:?} after it was revoked",
                        env.signer_key, env.submitter
                    )));
                }
                None => {
                    return Err(entry_err(format!(
                        "signed with key {} that the log never registered for {:?}",
                        env.signer_key, env.submitter
                    )));
                }
            }
        }
        // Key entries change the history for the entries after them. Their envelope id is
        // "PARTY/KEY", so the history is known even where bodies are withheld.
        if env.kind == kind::KEY || env.kind == kind::KEY_REVOCATION {
            if signer != operator_key {
                return Err(entry_err("a key change not signed by the operator".into()));
            }
            // Party ids never contain '/', base64 keys may: split at the first one.
            let (party, key) = env
                .id
                .split_once('/')
                .ok_or_else(|| entry_err(format!("key entry id {:?} is not PARTY/KEY", env.id)))?;
            let slot = (party.to_owned(), key.to_owned());
            if env.kind == kind::KEY {
                keys.current.insert(slot, false);
            } else if keys.current.insert(slot, true).is_none() {
                return Err(entry_err("revokes a key the log never registered".into()));
            }
        }
        if let Some(body) = bodies.get(&index) {
            if body_sha256(body) != env.body_sha256 {
                return Err(AuditError::Body { index });
            }
            bodies_checked += 1;
        }
        *kinds.entry(env.kind.clone()).or_default() += 1;
        to_verify.push((index, entry, signer));
    }
    verify_signatures(&to_verify, size, progress)?;

    let consistent_with = match since {
        None => None,
        Some(old_note) => {
            let (old, _) =
                Checkpoint::open(old_note, verifier.name(), std::slice::from_ref(verifier))
                    .map_err(|e| AuditError::Inconsistent {
                        old_size: 0,
                        detail: format!("the saved checkpoint does not verify: {e}"),
                    })?;
            if old.size > size {
                return Err(AuditError::Inconsistent {
                    old_size: old.size,
                    detail: format!("the log now has only {size} entries: it was rolled back"),
                });
            }
            let old_root = merkle::root(&tree, old.size).map_err(|e| AuditError::Inconsistent {
                old_size: old.size,
                detail: e.to_string(),
            })?;
            if old_root != old.root {
                return Err(AuditError::Inconsistent {
                    old_size: old.size,
                    detail:
                        "its first entries no longer hash to the saved root: history was rewritten"
                            .into(),
                });
            }
            Some(old.size)
        }
    };

    Ok(AuditReport {
        origin: cp.origin,
        size,
        root: cp.root.to_base64(),
        kinds,
        bodies_checked,
        bodies_withheld: size - bodies_checked,
        tiles_checked,
        checkpoint_signers: opened.verified.iter().map(|s| s.name.clone()).collect(),
        consistent_with,
    })
}

/// Verifies every signature, on all cores; reports the lowest failing index.
fn verify_signatures(
    items: &[(u64, SignedEntry, VerifyingKey)],
    size: u64,
    progress: &(dyn Fn(u64, u64) + Send + Sync),
) -> Result<(), AuditError> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = items.len().div_ceil(threads).max(1);
    let failures: Vec<(u64, String)> = std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    part.iter().find_map(|(index, entry, key)| {
                        entry.verify(key).err().map(|e| (*index, e.to_string()))
                    })
                })
            })
            .collect();
        handles
            .into_iter()
            .filter_map(|h| {
                h.join()
                    .unwrap_or(Some((0, "a verifier thread panicked".into())))
            })
            .collect()
    });
    progress(size, size);
    match failures.into_iter().min_by_key(|(i, _)| *i) {
        Some((index, detail)) => Err(AuditError::Entry {
            index,
            detail: format!("signature: {detail}"),
        }),
        None => Ok(()),
    }
}

/// An audit source over a local store (offline verification of a data directory).
pub struct StoreSource<'a>(pub &'a dyn crate::Store);

#[async_trait]
impl LogSource for StoreSource<'_> {
    async fn checkpoint(&self) -> Result<Vec<u8>, String> {
        match self.0.checkpoint().await {
            Ok(Some(cp)) => Ok(cp.note.into_bytes()),
            Ok(None) => Err("the log is empty".into()),
            Err(e) => Err(e.to_string()),
        }
    }
    async fn tile(&self, tile: Tile) -> Result<Vec<u8>, String> {
        self.0.tile(tile).await.map_err(|e| e.to_string())
    }
    async fn bodies(&self, bundle: u64, width: u16) -> Result<Vec<(u64, Vec<u8>)>, String> {
        let start = bundle * tiles::TILE_WIDTH;
        let entries = self
            .0
            .log_entries(start, u64::from(width))
            .await
            .map_err(|e| e.to_string())?;
        // The data directory's owner sees every body, whatever its marking.
        Ok(entries.into_iter().map(|e| (e.index, e.body)).collect())
    }
}

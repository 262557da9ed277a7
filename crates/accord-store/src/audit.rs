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
//! 4. every visible body against the commitment its envelope carries: SHA-256 of the salt
//!    released with the body followed by the body (`body_salted_sha256`), or, in entries
//!    written before salting, SHA-256 of the body alone (`body_sha256`);
//! 5. every amendment entry against the record it amends, as the log stands at that entry: the
//!    record was recorded earlier in the log, and the amendment is signed by the party that
//!    recorded it (the operator, for the bundled records); a released body names the same
//!    record as the entry id (`KIND/ID@SUFFIX`);
//! 6. optionally, that a checkpoint saved earlier is a prefix of this one (no rewrite, no
//!    rollback).
//!
//! The first discrepancy stops the audit and is reported with where it is.

use std::collections::{BTreeMap, HashMap};

use accord_tlog::checkpoint::Checkpoint;
use accord_tlog::entry::{SignatureCheck, SignedEntry, envelope_bytes};
use accord_tlog::merkle::{self, Hash, MemoryHashStore};
use accord_tlog::note::{Note, Verifier};
use accord_tlog::tiles::{self, Tile, TileKind, tiles_for_size};
use async_trait::async_trait;
use ed25519_dalek::VerifyingKey;
use serde::Serialize;

use crate::kind;

/// Entry bundles checked per step (4,096 entries); the next step's are prefetched meanwhile.
const STEP_BUNDLES: usize = 16;

/// Signatures per Ed25519 batch. curve25519-dalek's multiscalar multiplication uses
/// Pippenger's method from about 190 points (a batch of n signatures is 2n + 1 points), and
/// its cost per point keeps falling as the batch grows: 1,024 measured ~15 % less CPU than 256
/// over a million entries. A failing batch is re-checked one by one, which only a damaged or
/// forged log pays.
const SIGNATURE_BATCH: usize = 1024;

/// A body a log source releases, with the salt of its commitment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleasedBody {
    /// The entry's index.
    pub index: u64,
    /// The body's exact bytes.
    pub body: Vec<u8>,
    /// The salt of the envelope's `body_salted_sha256`; `None` for an entry written before
    /// salting.
    pub salt: Option<Vec<u8>>,
}

/// Where an audit reads the log from: a hub over HTTP, or a data directory.
#[async_trait]
pub trait LogSource: Send + Sync {
    /// The latest signed checkpoint note.
    async fn checkpoint(&self) -> Result<Vec<u8>, String>;
    /// A hash tile or entry bundle.
    async fn tile(&self, tile: Tile) -> Result<Vec<u8>, String>;
    /// The bodies of the entries in entry bundle `bundle` that the source will release, with
    /// their salts; withheld bodies are absent.
    async fn bodies(&self, bundle: u64, width: u16) -> Result<Vec<ReleasedBody>, String>;
    /// A hint that the audit will soon read `tiles` (and, for entry bundles, their bodies):
    /// a source that can fetch concurrently starts fetching them now, so that fetching
    /// overlaps checking. The default does nothing.
    fn prefetch(&self, _tiles: &[Tile]) {}
}

/// Why an audit failed: the first discrepancy found, and where.
#[derive(Debug, Clone, thiserror::Error)]
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
    /// A body does not match the commitment its envelope carries.
    #[error(
        "entry {index}: the body (with its salt) does not match the envelope's commitment (body_salted_sha256 or body_sha256)"
    )]
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

fn fetch_err(what: impl Into<String>) -> impl FnOnce(String) -> AuditError {
    let what = what.into();
    move |detail| AuditError::Fetch { what, detail }
}

/// Opens a log's checkpoint note: the operator's signature is required, found by name and key
/// ID whatever else the note carries (a hub may have stored junk cosignature lines before
/// witnesses were configured), and the origin must be the verifier's name. Returns the
/// checkpoint and the names of the keys whose signatures verified: the operator first, then
/// those of `witnesses` that cosigned.
pub fn open_checkpoint(
    note: &[u8],
    verifier: &Verifier,
    witnesses: &[Verifier],
) -> Result<(Checkpoint, Vec<String>), AuditError> {
    let opened = std::str::from_utf8(note)
        .map_err(|_| AuditError::Checkpoint("the checkpoint is not UTF-8".into()))
        .and_then(|text| {
            Note::parse_lenient(text).map_err(|e| AuditError::Checkpoint(e.to_string()))
        })?;
    if !opened.signed_by(verifier) {
        return Err(AuditError::Checkpoint(
            "the operator's signature is missing or does not verify".into(),
        ));
    }
    let cp =
        Checkpoint::parse_text(opened.text()).map_err(|e| AuditError::Checkpoint(e.to_string()))?;
    if cp.origin != verifier.name() {
        return Err(AuditError::Checkpoint(format!(
            "checkpoint origin is {:?}, expected {:?}",
            cp.origin,
            verifier.name()
        )));
    }
    let signers = std::iter::once(verifier)
        .chain(witnesses.iter().filter(|w| opened.signed_by(w)))
        .map(|v| v.name().to_owned())
        .collect();
    Ok((cp, signers))
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
    let (cp, checkpoint_signers) = open_checkpoint(&note, verifier, witnesses)?;
    let size = cp.size;

    // Entries, a step of bundles at a time: each bundle with its level-0 hash tile (the
    // entries' leaf hashes) and its released bodies; only the leaf hashes are kept.
    let all_tiles = tiles_for_size(size);
    let level0 = |b: &Tile| Tile {
        kind: TileKind::Hashes { level: 0 },
        ..*b
    };
    // Every bundle has a level-0 tile of the same index and width.
    let steps: Vec<Vec<Tile>> = bundle_steps(0, size)
        .into_iter()
        .map(|c| c.iter().flat_map(|b| [*b, level0(b)]).collect())
        .collect();
    let mut checks = EntryChecks::new(*verifier.public_key());
    // Capacity from the signed size, bounded: a hub cannot make the auditor reserve memory.
    let mut leaves: Vec<Hash> = Vec::with_capacity(size.min(1 << 24) as usize);
    let mut tiles_checked = 0;
    if let Some(first) = steps.first() {
        source.prefetch(first);
    }
    for (k, step) in steps.iter().enumerate() {
        if let Some(next) = steps.get(k + 1) {
            source.prefetch(next);
        }
        let mut fetched = Vec::new();
        let mut served_level0 = Vec::new();
        for t in step.iter().filter(|t| t.kind == TileKind::Entries) {
            fetched.push(fetch_bundle(source, *t).await?);
            let h = level0(t);
            served_level0.push(source.tile(h).await.map_err(fetch_err(h.path()))?);
        }
        let items = bundle_items(&fetched, 0)?;
        let checked = check_entries(&items, checks.signatures_needed());
        // The level-0 tile of a bundle is its entries' leaf hashes.
        let mut at = 0;
        for (f, served) in fetched.iter().zip(&served_level0) {
            let t = &f.tile;
            let width = usize::from(t.width);
            let step_leaves = &checked[at..at + width];
            let expected: Vec<u8> = step_leaves.iter().flat_map(|c| c.leaf.0).collect();
            compare_tile(&level0(t), served, &expected)?;
            tiles_checked += 1;
            at += width;
        }
        for c in &checked {
            leaves.push(c.leaf);
            checks.record(c);
        }
        progress(leaves.len() as u64, size);
    }

    // The tree those entries make, against every higher hash tile and the signed root.
    let tree = MemoryHashStore::from_leaf_hashes(leaves);
    let higher: Vec<Tile> = all_tiles
        .iter()
        .filter(|t| matches!(t.kind, TileKind::Hashes { level } if level > 0))
        .copied()
        .collect();
    source.prefetch(&higher);
    for t in &higher {
        let served = source.tile(*t).await.map_err(fetch_err(t.path()))?;
        let expected = tiles::read_tile_data(&tree, t).map_err(|e| AuditError::Tile {
            path: t.path(),
            detail: e.to_string(),
        })?;
        compare_tile(t, &served, &expected)?;
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
    // Entry problems in log order first (shape, key history, body), then signatures.
    let EntryChecks {
        kinds,
        bodies_checked,
        problem,
        bad_signature,
        ..
    } = checks;
    if let Some(e) = problem {
        return Err(e);
    }
    if let Some((index, detail)) = bad_signature {
        return Err(AuditError::Entry {
            index,
            detail: format!("signature: {detail}"),
        });
    }

    let consistent_with = match since {
        None => None,
        Some(old_note) => {
            let refused = |detail: String| AuditError::Inconsistent {
                old_size: 0,
                detail: format!("the saved checkpoint does not verify: {detail}"),
            };
            let saved = std::str::from_utf8(old_note)
                .map_err(|_| refused("it is not UTF-8".into()))
                .and_then(|t| Note::parse_lenient(t).map_err(|e| refused(e.to_string())))?;
            if !saved.signed_by(verifier) {
                return Err(refused(
                    "the operator's signature is missing or wrong".into(),
                ));
            }
            let old = Checkpoint::parse_text(saved.text()).map_err(|e| refused(e.to_string()))?;
            if old.origin != verifier.name() {
                return Err(refused(format!("it is for origin {:?}", old.origin)));
            }
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
        checkpoint_signers,
        consistent_with,
    })
}

/// Compares a served hash tile with the hashes the entries imply, naming the first that
/// differs.
fn compare_tile(t: &Tile, served: &[u8], expected: &[u8]) -> Result<(), AuditError> {
    if served == expected {
        return Ok(());
    }
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
        _ if served.len() != expected.len() => {
            format!("{} bytes served, {} expected", served.len(), expected.len())
        }
        _ => format!("hash {first} differs"),
    };
    Err(AuditError::Tile {
        path: t.path(),
        detail,
    })
}

/// An entry bundle as fetched, with the bodies its source released.
pub(crate) struct FetchedBundle {
    /// The bundle's tile.
    pub(crate) tile: Tile,
    /// Its bytes as served.
    pub(crate) data: Vec<u8>,
    /// The bodies released with it.
    pub(crate) bodies: Vec<ReleasedBody>,
}

/// Fetches entry bundle `t` and the bodies its source releases.
pub(crate) async fn fetch_bundle(
    source: &dyn LogSource,
    t: Tile,
) -> Result<FetchedBundle, AuditError> {
    let data = source.tile(t).await.map_err(fetch_err(t.path()))?;
    let bodies = source
        .bodies(t.index, t.width)
        .await
        .map_err(fetch_err(format!("bodies of {}", t.path())))?;
    Ok(FetchedBundle {
        tile: t,
        data,
        bodies,
    })
}

/// The entry bundles of a log of `size` entries that hold the entries from index `from` on,
/// in steps of [`STEP_BUNDLES`].
pub(crate) fn bundle_steps(from: u64, size: u64) -> Vec<Vec<Tile>> {
    let bundles: Vec<Tile> = tiles_for_size(size)
        .into_iter()
        .filter(|t| {
            t.kind == TileKind::Entries && t.index * tiles::TILE_WIDTH + u64::from(t.width) > from
        })
        .collect();
    bundles.chunks(STEP_BUNDLES).map(<[Tile]>::to_vec).collect()
}

/// The entries of fetched bundles from index `from` on, each with its released body; a
/// bundle that does not decode or holds other than its width is an error naming its tile.
pub(crate) fn bundle_items(
    fetched: &[FetchedBundle],
    from: u64,
) -> Result<Vec<Item<'_>>, AuditError> {
    let mut items = Vec::new();
    for f in fetched {
        let t = &f.tile;
        let bundle = tiles::decode_bundle(&f.data).map_err(|e| AuditError::Tile {
            path: t.path(),
            detail: e.to_string(),
        })?;
        if bundle.len() != usize::from(t.width) {
            return Err(AuditError::Tile {
                path: t.path(),
                detail: format!("holds {} entries, expected {}", bundle.len(), t.width),
            });
        }
        let first = t.index * tiles::TILE_WIDTH;
        let bodies: HashMap<u64, (&[u8], Option<&[u8]>)> = f
            .bodies
            .iter()
            .map(|b| (b.index, (b.body.as_slice(), b.salt.as_deref())))
            .collect();
        for (j, bytes) in bundle.into_iter().enumerate() {
            let index = first + j as u64;
            if index < from {
                continue;
            }
            items.push(Item {
                index,
                bytes,
                body: bodies.get(&index).copied(),
            });
        }
    }
    Ok(items)
}

/// One entry of a step, as fetched: its bytes and, when released, its body and salt.
pub(crate) struct Item<'a> {
    pub(crate) index: u64,
    pub(crate) bytes: &'a [u8],
    pub(crate) body: Option<(&'a [u8], Option<&'a [u8]>)>,
}

/// What the parallel part of the audit found about one entry.
pub(crate) struct Checked {
    pub(crate) index: u64,
    pub(crate) leaf: Hash,
    /// The parsed entry with its signer, or why it does not parse.
    pub(crate) entry: Result<(SignedEntry, VerifyingKey), String>,
    /// Whether a released body was checked; `Err` if it does not match.
    body: Result<bool, ()>,
    /// Why the signature does not verify, if it does not.
    signature: Option<String>,
    /// For an amendment whose body was released: the record its body names (`kind/id`), or
    /// why the body names none.
    amends: Option<Result<String, String>>,
}

/// Hashes, parses and checks (body, signature) every entry of a step, on all cores. The
/// signatures are checked only if `signatures` (once an earlier problem decides the audit,
/// they no longer matter).
pub(crate) fn check_entries(items: &[Item<'_>], signatures: bool) -> Vec<Checked> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = items.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| s.spawn(move || check_part(part, signatures)))
            .collect();
        handles
            .into_iter()
            .zip(items.chunks(chunk))
            .flat_map(|(h, part)| {
                h.join().unwrap_or_else(|_| {
                    part.iter()
                        .map(|it| Checked {
                            index: it.index,
                            leaf: merkle::leaf_hash(it.bytes),
                            entry: Err("a verifier thread panicked".into()),
                            body: Ok(false),
                            signature: None,
                            amends: None,
                        })
                        .collect()
                })
            })
            .collect()
    })
}

fn check_part(part: &[Item<'_>], signatures: bool) -> Vec<Checked> {
    let mut out: Vec<Checked> = part
        .iter()
        .map(|it| {
            // `signer` is memoised per thread in accord-tlog: a log holds few keys.
            let entry = SignedEntry::from_bytes(it.bytes)
                .map_err(|e| e.to_string())
                .and_then(|entry| {
                    let key = entry.envelope.signer().map_err(|e| e.to_string())?;
                    Ok((entry, key))
                });
            let body = match (&entry, it.body) {
                (Ok((e, _)), Some((body, salt))) => {
                    if e.envelope.commits_to(body, salt) {
                        Ok(true)
                    } else {
                        Err(())
                    }
                }
                _ => Ok(false),
            };
            let amends = match (&entry, it.body) {
                (Ok((e, _)), Some((body, _))) if e.envelope.kind == kind::AMENDMENT => {
                    Some(amended_record(body))
                }
                _ => None,
            };
            Checked {
                index: it.index,
                leaf: merkle::leaf_hash(it.bytes),
                entry,
                body,
                signature: None,
                amends,
            }
        })
        .collect();
    if signatures {
        for (items, checked) in part
            .chunks(SIGNATURE_BATCH)
            .zip(out.chunks_mut(SIGNATURE_BATCH))
        {
            verify_batch(items, checked);
        }
    }
    out
}

/// Verifies the signatures of parsed entries in one Ed25519 batch, marking the first failure.
fn verify_batch(items: &[Item<'_>], checked: &mut [Checked]) {
    let mut batch = Vec::with_capacity(items.len());
    let mut at = Vec::with_capacity(items.len());
    for (i, (item, c)) in items.iter().zip(checked.iter_mut()).enumerate() {
        let Ok((entry, key)) = &c.entry else { continue };
        match envelope_bytes(item.bytes) {
            Some(message) => {
                batch.push(SignatureCheck {
                    message,
                    signature: entry.signature,
                    key: *key,
                });
                at.push(i);
            }
            // Not reachable for an entry that parsed; fall back to the full check.
            None => {
                if let Err(e) = entry.verify(key) {
                    c.signature = Some(e.to_string());
                }
            }
        }
    }
    // The audit reports the first bad signature, so the batch's first failure is enough.
    if let Err(i) = accord_tlog::entry::verify_signatures(&batch) {
        checked[at[i]].signature = Some("entry signature does not verify".into());
    }
}

/// The checks that follow the log in order: the key history, the first problem, counts.
pub(crate) struct EntryChecks {
    operator_key: VerifyingKey,
    // (party, base64 key) -> revoked?
    current: HashMap<(String, String), bool>,
    kinds: BTreeMap<String, u64>,
    bodies_checked: u64,
    /// Who recorded each amendable record so far, by `kind/id`: its recorder and the entry.
    recorders: HashMap<String, (String, u64)>,
    /// Whether amendments are checked against `recorders`: only by an audit that reads the
    /// log from its first entry (checks resumed mid-log do not know the earlier recorders).
    amendments_checked: bool,
    /// The first entry that is malformed, signed with a key the log does not hold as current,
    /// or whose body does not match.
    problem: Option<AuditError>,
    /// The first entry whose signature does not verify.
    bad_signature: Option<(u64, String)>,
}

impl EntryChecks {
    pub(crate) fn new(operator_key: VerifyingKey) -> Self {
        EntryChecks {
            amendments_checked: true,
            ..Self::resume(operator_key, HashMap::new())
        }
    }

    /// Checks that go on from a key history learnt earlier: (party, base64 key) -> revoked?
    /// The recorders of records before that point are not known, so amendments are judged
    /// only by their signature and key.
    pub(crate) fn resume(
        operator_key: VerifyingKey,
        current: HashMap<(String, String), bool>,
    ) -> Self {
        EntryChecks {
            operator_key,
            current,
            kinds: BTreeMap::new(),
            bodies_checked: 0,
            recorders: HashMap::new(),
            amendments_checked: false,
            problem: None,
            bad_signature: None,
        }
    }

    /// Checks that go on from a key history and the recorders of every record before that
    /// point (`kind/id` -> recorder and entry), learnt by checks that began at the first
    /// entry: amendments are held to the recorder rule as in a full audit.
    pub(crate) fn resume_with_recorders(
        operator_key: VerifyingKey,
        current: HashMap<(String, String), bool>,
        recorders: HashMap<String, (String, u64)>,
    ) -> Self {
        EntryChecks {
            recorders,
            amendments_checked: true,
            ..Self::resume(operator_key, current)
        }
    }

    /// The recorders learnt so far, if these checks know every one (they began at the first
    /// entry, or resumed with the recorders before).
    pub(crate) fn recorders(&self) -> Option<&HashMap<String, (String, u64)>> {
        self.amendments_checked.then_some(&self.recorders)
    }

    /// Whether signatures still matter: not once an entry problem decides the audit.
    pub(crate) fn signatures_needed(&self) -> bool {
        self.problem.is_none()
    }

    pub(crate) fn record(&mut self, c: &Checked) {
        if self.problem.is_some() {
            return;
        }
        if let Err(e) = self.check(c) {
            self.problem = Some(e);
            return;
        }
        if let Some(detail) = &c.signature
            && self.bad_signature.is_none()
        {
            self.bad_signature = Some((c.index, detail.clone()));
        }
    }

    /// The first problem found, entry problems in log order before signatures.
    pub(crate) fn first_problem(&self) -> Option<AuditError> {
        if let Some(e) = &self.problem {
            return Some(e.clone());
        }
        self.bad_signature
            .as_ref()
            .map(|(index, detail)| AuditError::Entry {
                index: *index,
                detail: format!("signature: {detail}"),
            })
    }

    /// The key history learnt so far: (party, base64 key) -> revoked?
    pub(crate) fn key_history(&self) -> &HashMap<(String, String), bool> {
        &self.current
    }

    fn check(&mut self, c: &Checked) -> Result<(), AuditError> {
        let index = c.index;
        let entry_err = |detail: String| AuditError::Entry { index, detail };
        let (entry, signer) = c.entry.as_ref().map_err(|e| entry_err(e.clone()))?;
        let env = &entry.envelope;
        if *signer != self.operator_key {
            match self
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
            if *signer != self.operator_key {
                return Err(entry_err("a key change not signed by the operator".into()));
            }
            // Party ids never contain '/', base64 keys may: split at the first one.
            let (party, key) = env
                .id
                .split_once('/')
                .ok_or_else(|| entry_err(format!("key entry id {:?} is not PARTY/KEY", env.id)))?;
            let slot = (party.to_owned(), key.to_owned());
            if env.kind == kind::KEY {
                self.current.insert(slot, false);
            } else if self.current.insert(slot, true).is_none() {
                return Err(entry_err("revokes a key the log never registered".into()));
            }
        }
        if (env.kind == kind::WITNESS || env.kind == kind::WITNESS_REMOVAL)
            && *signer != self.operator_key
        {
            return Err(entry_err(
                "a witness change not signed by the operator".into(),
            ));
        }
        if [kind::PEER, kind::PEER_REMOVAL, kind::PEER_FORK].contains(&env.kind.as_str())
            && *signer != self.operator_key
        {
            return Err(entry_err("a peer change not signed by the operator".into()));
        }
        match c.body {
            Err(()) => return Err(AuditError::Body { index }),
            Ok(true) => self.bodies_checked += 1,
            Ok(false) => {}
        }
        if self.amendments_checked {
            if AMENDABLE.contains(&env.kind.as_str()) {
                // The first entry of a record recorded it; the store refuses a second.
                self.recorders
                    .entry(format!("{}/{}", env.kind, env.id))
                    .or_insert_with(|| (env.submitter.clone(), index));
            } else if env.kind == kind::AMENDMENT {
                self.check_amendment(index, env, c.amends.as_ref())
                    .map_err(entry_err)?;
            }
        }
        *self.kinds.entry(env.kind.clone()).or_default() += 1;
        Ok(())
    }

    /// An amendment entry against the log before it: the record it names was recorded, by the
    /// amendment's signer, and its released body names the same record.
    fn check_amendment(
        &self,
        index: u64,
        env: &accord_tlog::entry::Envelope,
        body: Option<&Result<String, String>>,
    ) -> Result<(), String> {
        let record = env
            .id
            .rsplit_once('@')
            .map(|(record, _)| record)
            .filter(|r| {
                r.split_once('/')
                    .is_some_and(|(k, id)| AMENDABLE.contains(&k) && !id.is_empty())
            })
            .ok_or_else(|| {
                format!(
                    "amendment entry id {:?} is not KIND/ID@SUFFIX of an incident, party, accord or rules",
                    env.id
                )
            })?;
        match body {
            Some(Err(e)) => return Err(format!("the amendment's body {e}")),
            Some(Ok(named)) if named != record => {
                return Err(format!(
                    "the amendment entry {:?} names {record}, its body amends {named}",
                    env.id
                ));
            }
            _ => {}
        }
        let Some((recorder, at)) = self.recorders.get(record) else {
            return Err(format!(
                "amends {record}, which no entry before {index} recorded"
            ));
        };
        if *recorder != env.submitter {
            return Err(format!(
                "an amendment of {record} signed by {:?}, but {recorder:?} recorded it (entry \
                 {at}): only a record's recorder amends it",
                env.submitter
            ));
        }
        Ok(())
    }
}

/// The entry kinds that record a record an amendment may correct; an amendment's entry id
/// starts with one of them (`accord_core::corrections::RecordKind::as_str`).
const AMENDABLE: [&str; 4] = [kind::INCIDENT, kind::PARTY, kind::ACCORD, kind::RULES];

/// The record an amendment body names, as `kind/id`, or why it names none.
fn amended_record(body: &[u8]) -> Result<String, String> {
    #[derive(serde::Deserialize)]
    struct Names {
        kind: String,
        id: String,
    }
    let n: Names = serde_json::from_slice(body)
        .map_err(|e| format!("names no record (`kind` and `id`): {e}"))?;
    Ok(format!("{}/{}", n.kind, n.id))
}

/// An audit source over a local store (offline verification of a data directory).
pub struct StoreSource<'a>(pub &'a dyn crate::store::Store);

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
    async fn bodies(&self, bundle: u64, width: u16) -> Result<Vec<ReleasedBody>, String> {
        let start = bundle * tiles::TILE_WIDTH;
        let entries = self
            .0
            .log_entries(start, u64::from(width))
            .await
            .map_err(|e| e.to_string())?;
        // The data directory's owner sees every body, whatever its marking.
        Ok(entries
            .into_iter()
            .map(|e| ReleasedBody {
                index: e.index,
                body: e.body,
                salt: e.salt,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use accord_tlog::checkpoint::Checkpoint;
    use accord_tlog::entry::{Envelope, body_salted_sha256, body_sha256};
    use accord_tlog::note::Signer;
    use accord_tlp::Tlp;
    use ed25519_dalek::Signer as _;

    /// A log in memory, served as a hub would serve it.
    struct MemoryLog {
        entries: Vec<Vec<u8>>,
        /// Each entry's body and salt.
        bodies: Vec<(Vec<u8>, Option<Vec<u8>>)>,
        tree: MemoryHashStore,
        note: String,
    }

    #[async_trait]
    impl LogSource for MemoryLog {
        async fn checkpoint(&self) -> Result<Vec<u8>, String> {
            Ok(self.note.clone().into_bytes())
        }
        async fn tile(&self, tile: Tile) -> Result<Vec<u8>, String> {
            match tile.kind {
                TileKind::Entries => {
                    let start = (tile.index * tiles::TILE_WIDTH) as usize;
                    tiles::encode_bundle(&self.entries[start..start + usize::from(tile.width)])
                        .map_err(|e| e.to_string())
                }
                TileKind::Hashes { .. } => {
                    tiles::read_tile_data(&self.tree, &tile).map_err(|e| e.to_string())
                }
            }
        }
        async fn bodies(&self, bundle: u64, width: u16) -> Result<Vec<ReleasedBody>, String> {
            let start = bundle * tiles::TILE_WIDTH;
            Ok((start..start + u64::from(width))
                .map(|i| {
                    let (body, salt) = self.bodies[i as usize].clone();
                    ReleasedBody {
                        index: i,
                        body,
                        salt,
                    }
                })
                .collect())
        }
    }

    fn operator() -> Signer {
        Signer::from_seed("audit.test/log", &[3; 32]).unwrap()
    }

    /// `n` operator-signed entries; `forge` lists indexes whose signature is over other
    /// bytes, `bad_body` indexes whose stored body does not match its hash.
    fn log(n: usize, forge: &[usize], bad_body: &[usize]) -> MemoryLog {
        let op = operator();
        let key = op.signing_key();
        let mut entries = Vec::new();
        let mut bodies = Vec::new();
        for i in 0..n {
            let body = format!("{{\"n\":{i}}}").into_bytes();
            // Even entries as written before salting, odd ones salted.
            let salt = (i % 2 == 1).then_some([i as u8; 32]);
            let envelope = Envelope {
                kind: "rules".into(),
                id: format!("e{i}"),
                submitter: "hub-operator".into(),
                submitted_at: "2026-11-29T10:00:00Z".into(),
                body_sha256: salt.is_none().then(|| body_sha256(&body)),
                body_salted_sha256: salt.map(|s| body_salted_sha256(&s, &body)),
                tlp: Tlp::Clear,
                signer_key: Envelope::encode_key(&key.verifying_key()),
                extra: serde_json::Map::new(),
            };
            let mut entry = SignedEntry::sign(envelope, key).unwrap();
            if forge.contains(&i) {
                entry.signature = key.sign(b"something else");
            }
            entries.push(entry.to_bytes().unwrap());
            let body = if bad_body.contains(&i) {
                b"{}".to_vec()
            } else {
                body
            };
            bodies.push((body, salt.map(|s| s.to_vec())));
        }
        let tree = MemoryHashStore::from_leaf_hashes(entries.iter().map(|e| merkle::leaf_hash(e)));
        let note = Checkpoint::new("audit.test/log", n as u64, tree.root())
            .sign(&op)
            .unwrap()
            .to_string();
        MemoryLog {
            entries,
            bodies,
            tree,
            note,
        }
    }

    async fn run(log: &MemoryLog) -> Result<AuditReport, AuditError> {
        audit(log, &operator().verifier(), &[], None, &|_, _| {}).await
    }

    #[tokio::test]
    async fn a_sound_log_verifies_across_bundles_steps_and_batches() {
        // 16 bundles make a step; 4,200 entries take two steps and end in a partial bundle.
        let report = run(&log(4200, &[], &[])).await.unwrap();
        assert_eq!(report.size, 4200);
        assert_eq!(report.bodies_checked, 4200);
        assert_eq!(report.kinds["rules"], 4200);
        // 17 level-0 tiles (the last partial) and one partial level-1 tile.
        assert_eq!(report.tiles_checked, 18);
    }

    #[tokio::test]
    async fn the_first_forged_signature_is_named_wherever_its_batch_is() {
        for (forged, first) in [
            (vec![0], 0),
            (vec![63], 63),
            (vec![64, 65], 64),
            (vec![4150, 300], 300),
            (vec![4199], 4199),
        ] {
            let err = run(&log(4200, &forged, &[])).await.unwrap_err();
            match err {
                AuditError::Entry { index, detail } => {
                    assert_eq!(index, first, "{forged:?}");
                    assert!(detail.contains("signature"), "{detail}");
                }
                other => panic!("{forged:?}: {other}"),
            }
        }
    }

    #[tokio::test]
    async fn a_salted_body_is_checked_with_its_released_salt_only() {
        // Entry 401 is salted: its body checks with its salt, not with another or none.
        for (salt, ok) in [
            (Some(vec![145u8; 32]), true),
            (Some(vec![1u8; 32]), false),
            (None, false),
        ] {
            let mut log = log(600, &[], &[]);
            log.bodies[401].1 = salt;
            match run(&log).await {
                Ok(report) => {
                    assert!(ok);
                    assert_eq!(report.bodies_checked, 600);
                }
                Err(AuditError::Body { index }) => {
                    assert!(!ok);
                    assert_eq!(index, 401);
                }
                Err(other) => panic!("{other}"),
            }
        }
        // An entry written before salting does not take a salt.
        let mut log = log(600, &[], &[]);
        log.bodies[400].1 = Some(vec![0; 32]);
        assert!(matches!(
            run(&log).await,
            Err(AuditError::Body { index: 400 })
        ));
    }

    #[tokio::test]
    async fn entry_problems_come_before_signatures_and_tiles_before_both() {
        // A body mismatch later in the log is reported before an earlier bad signature, as
        // the audit has always ordered them.
        let err = run(&log(600, &[5], &[400])).await.unwrap_err();
        assert!(matches!(err, AuditError::Body { index: 400 }), "{err}");
        // A tampered entry breaks its level-0 tile, which is reported first.
        let mut tampered = log(600, &[5], &[400]);
        tampered.entries[517] = tampered.entries[516].clone();
        let err = run(&tampered).await.unwrap_err();
        match err {
            AuditError::Tile { path, detail } => {
                assert_eq!(path, "tile/0/002.p/88");
                assert!(detail.contains("entry 517"), "{detail}");
            }
            other => panic!("{other}"),
        }
    }

    /// A log of `entries` — (kind, entry id, submitter, signing key, body) — each body salted.
    fn log_of(entries: &[(&str, String, &str, &ed25519_dalek::SigningKey, Vec<u8>)]) -> MemoryLog {
        let op = operator();
        let mut bytes = Vec::new();
        let mut bodies = Vec::new();
        for (i, (kind, id, submitter, key, body)) in entries.iter().enumerate() {
            let salt = [i as u8; 32];
            let envelope = Envelope {
                kind: (*kind).into(),
                id: id.clone(),
                submitter: (*submitter).into(),
                submitted_at: "2026-12-07T10:00:00Z".into(),
                body_sha256: None,
                body_salted_sha256: Some(body_salted_sha256(&salt, body)),
                tlp: Tlp::Clear,
                signer_key: Envelope::encode_key(&key.verifying_key()),
                extra: serde_json::Map::new(),
            };
            bytes.push(
                SignedEntry::sign(envelope, key)
                    .unwrap()
                    .to_bytes()
                    .unwrap(),
            );
            bodies.push((body.clone(), Some(salt.to_vec())));
        }
        let tree = MemoryHashStore::from_leaf_hashes(bytes.iter().map(|e| merkle::leaf_hash(e)));
        let note = Checkpoint::new("audit.test/log", bytes.len() as u64, tree.root())
            .sign(&op)
            .unwrap()
            .to_string();
        MemoryLog {
            entries: bytes,
            bodies,
            tree,
            note,
        }
    }

    #[tokio::test]
    async fn an_amendment_is_signed_by_the_party_that_recorded_its_record() {
        let op = operator();
        let opk = op.signing_key().clone();
        let fr = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
        let de = ed25519_dalek::SigningKey::from_bytes(&[8; 32]);
        let key = |party: &str, k: &ed25519_dalek::SigningKey| {
            let id = format!("{party}/{}", Envelope::encode_key(&k.verifying_key()));
            ("key", id, "hub-operator", opk.clone(), b"{}".to_vec())
        };
        let recorded = |id: &str, who: &'static str, k: &ed25519_dalek::SigningKey| {
            ("incident", id.to_owned(), who, k.clone(), b"{}".to_vec())
        };
        let amendment =
            |id: &str, body_id: &str, who: &'static str, k: &ed25519_dalek::SigningKey| {
                let body = serde_json::json!({"kind": "incident", "id": body_id});
                (
                    "amendment",
                    format!("incident/{id}@u1"),
                    who,
                    k.clone(),
                    body.to_string().into_bytes(),
                )
            };
        let before = vec![
            key("FR", &fr),
            key("DE", &de),
            recorded("fr-report", "FR", &fr),
            recorded("bundled", "hub-operator", &opk),
        ];
        for (last, refused) in [
            (amendment("fr-report", "fr-report", "FR", &fr), None),
            (amendment("bundled", "bundled", "hub-operator", &opk), None),
            (
                amendment("fr-report", "fr-report", "DE", &de),
                Some("signed by \"DE\", but \"FR\" recorded it (entry 2)"),
            ),
            (
                amendment("fr-report", "fr-report", "hub-operator", &opk),
                Some("signed by \"hub-operator\", but \"FR\" recorded it"),
            ),
            (
                amendment("bundled", "bundled", "FR", &fr),
                Some("but \"hub-operator\" recorded it"),
            ),
            (
                amendment("no-such", "no-such", "FR", &fr),
                Some("which no entry before 4 recorded"),
            ),
            (
                amendment("fr-report", "bundled", "FR", &fr),
                Some("its body amends incident/bundled"),
            ),
        ] {
            let mut entries = before.clone();
            entries.push(last);
            let entries: Vec<_> = entries
                .iter()
                .map(|(k, id, who, key, body)| (*k, id.clone(), *who, key, body.clone()))
                .collect();
            match (run(&log_of(&entries)).await, refused) {
                (Ok(report), None) => assert_eq!(report.kinds["amendment"], 1),
                (Err(AuditError::Entry { index, detail }), Some(why)) => {
                    assert_eq!(index, 4, "{detail}");
                    assert!(detail.contains(why), "{detail}");
                }
                (other, _) => panic!("{refused:?}: {other:?}"),
            }
        }
    }
}

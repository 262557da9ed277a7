//! What every backend does around the Merkle tree it stores, written once: the cache of
//! committed upper-level nodes, the bounds a tile or proof must keep (nothing beyond the
//! published tree), the errors of the tree algorithms, the signing of a checkpoint and the walk
//! that repairs stored checkpoints. Each backend only reads and writes the nodes, entries and
//! checkpoints in its own SQL.

use std::collections::HashMap;
use std::sync::RwLock;

use accord_tlog::checkpoint::Checkpoint;
use accord_tlog::merkle::{Hash, NodeId, ProofError};
use accord_tlog::tiles::{self, Tile, TileKind};
use async_trait::async_trait;

use crate::error::StoreError;
use crate::log::{Operator, SignedCheckpoint};

/// Lowest tree level whose committed nodes are kept in memory. A proof needs one node per
/// level; nodes from level 8 up are 1/128 of the leaves, so caching them costs little memory
/// and leaves a proof at most eight nodes to read from the database.
pub const CACHED_FROM_LEVEL: u8 = 8;

/// Committed complete-subtree hashes from [`CACHED_FROM_LEVEL`] up. A committed node never
/// changes, whichever process committed it, so the cache needs no invalidation; a node written
/// by a transaction not yet committed must not be put in it.
#[derive(Debug, Default)]
pub struct NodeCache(RwLock<HashMap<NodeId, Hash>>);

impl NodeCache {
    /// The cached hash of `node`, if it is one the cache keeps and has.
    pub fn get(&self, node: NodeId) -> Option<Hash> {
        if node.level < CACHED_FROM_LEVEL {
            return None;
        }
        self.0
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&node)
            .copied()
    }

    /// Keeps the committed `nodes` of the levels the cache holds; the others are ignored.
    pub fn insert_many(&self, nodes: impl IntoIterator<Item = (NodeId, Hash)>) {
        let mut map = self.0.write().unwrap_or_else(|p| p.into_inner());
        for (n, h) in nodes {
            if n.level >= CACHED_FROM_LEVEL {
                map.insert(n, h);
            }
        }
    }
}

/// A tree algorithm's error as the store's: a node the database lacks is damage, anything
/// else a request beyond the tree of `size` entries.
pub fn proof_err(e: ProofError, size: u64) -> StoreError {
    match e {
        ProofError::Storage(inner) => StoreError::Corrupt {
            what: "log tree".into(),
            detail: inner.to_string(),
        },
        other => StoreError::BeyondLog {
            what: other.to_string(),
            size,
        },
    }
}

/// Refuses a proof over a tree larger than the published one (`published` entries): readers
/// see only what a signed checkpoint covers.
pub fn check_proof_size(size: u64, published: u64) -> Result<(), StoreError> {
    if size > published {
        return Err(StoreError::BeyondLog {
            what: format!("a tree of size {size}"),
            size: published,
        });
    }
    Ok(())
}

/// What a backend reads to serve a tile that [`tile_read`] allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TileRead {
    /// A hash tile: `count` consecutive nodes of tree level `level` from index `first`.
    Hashes {
        /// The tree level (not the tile level).
        level: u8,
        /// The first node's index in its level.
        first: u64,
        /// How many nodes (at least one).
        count: u64,
    },
    /// An entry bundle: the entries with index in `start..end`, in order.
    Entries {
        /// First entry index.
        start: u64,
        /// One past the last.
        end: u64,
    },
}

/// Checks `tile` against the published tree of `size` entries (a tile, or a partial tile
/// wider than the published one, beyond it is refused) and says what to read for it.
pub fn tile_read(tile: &Tile, size: u64) -> Result<TileRead, StoreError> {
    let level = match tile.kind {
        TileKind::Hashes { level } => level,
        TileKind::Entries => 0,
    };
    let beyond = || StoreError::BeyondLog {
        what: format!("tile {}", tile.path()),
        size,
    };
    let published = tiles::tile_in_tree(level, tile.index, size).ok_or_else(beyond)?;
    if tile.width > published.width {
        return Err(beyond());
    }
    match tile.kind {
        TileKind::Hashes { .. } => {
            let nodes = tile.nodes().ok_or_else(beyond)?;
            let first = nodes.first().ok_or_else(beyond)?;
            Ok(TileRead::Hashes {
                level: first.level,
                first: first.index,
                count: nodes.len() as u64,
            })
        }
        TileKind::Entries => {
            let start = tile.start_leaf().ok_or_else(beyond)?;
            Ok(TileRead::Entries {
                start,
                end: start + u64::from(tile.width),
            })
        }
    }
}

/// Signs the checkpoint of the tree of `size` entries with root `root` as `operator`.
pub fn sign_checkpoint(
    operator: &Operator,
    size: u64,
    root: Hash,
) -> Result<SignedCheckpoint, StoreError> {
    let note = Checkpoint::new(operator.origin(), size, root)
        .sign(&operator.signer)
        .map_err(|e| StoreError::Backend(format!("cannot sign the checkpoint: {e}")))?
        .to_string();
    Ok(SignedCheckpoint { size, root, note })
}

/// The type of `Store::repair_checkpoints`' argument: a checkpoint's new note, or `None` to
/// leave it as it is.
pub type Rewrite<'r> = dyn for<'c> Fn(&'c SignedCheckpoint) -> Option<String> + Send + Sync + 'r;

/// Checkpoints read (and rewritten) per round while repairing: the writer is never held for
/// long.
pub const REPAIR_CHUNK: u64 = 1000;

/// What a backend answers, each in its own SQL, while [`repair_checkpoints`] walks its
/// checkpoints.
#[async_trait]
pub trait CheckpointRepair: Send {
    /// Whether the upgrade that introduced witnesses asked for every checkpoint to be visited.
    async fn repair_requested(&mut self) -> Result<bool, StoreError>;

    /// The latest stored checkpoint.
    async fn latest_checkpoint(&mut self) -> Result<Option<SignedCheckpoint>, StoreError>;

    /// Up to `limit` stored checkpoints of size `from` or more, smallest size first.
    async fn checkpoints_from(
        &mut self,
        from: u64,
        limit: u64,
    ) -> Result<Vec<SignedCheckpoint>, StoreError>;

    /// Stores each checkpoint's new note where its row still holds the note it was read with
    /// (a cosignature another node added meanwhile is never lost); returns how many changed.
    async fn replace_notes(
        &mut self,
        edits: Vec<(SignedCheckpoint, String)>,
    ) -> Result<u64, StoreError>;

    /// Forgets the request [`CheckpointRepair::repair_requested`] reads: the walk is over.
    async fn repair_finished(&mut self) -> Result<(), StoreError>;
}

/// `Store::repair_checkpoints` over a backend's answers: walks every stored checkpoint when
/// the upgrade asked for it or the latest needs a rewrite (otherwise stops there), in rounds
/// of [`REPAIR_CHUNK`], and returns how many notes changed.
pub async fn repair_checkpoints(
    backend: &mut dyn CheckpointRepair,
    rewrite: &Rewrite<'_>,
) -> Result<u64, StoreError> {
    let requested = backend.repair_requested().await?;
    let latest = backend.latest_checkpoint().await?;
    let needed = requested || latest.is_some_and(|cp| rewrite(&cp).is_some());
    if !needed {
        return Ok(0);
    }
    let mut rewritten = 0;
    let mut from = 0;
    loop {
        let chunk = backend.checkpoints_from(from, REPAIR_CHUNK).await?;
        let Some(last) = chunk.last().map(|cp| cp.size) else {
            backend.repair_finished().await?;
            return Ok(rewritten);
        };
        let edits: Vec<_> = chunk
            .into_iter()
            .filter_map(|cp| rewrite(&cp).map(|note| (cp, note)))
            .collect();
        if !edits.is_empty() {
            rewritten += backend.replace_notes(edits).await?;
        }
        from = last + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checkpoints in memory, as a backend holds them; `stale` names sizes whose row another
    /// node changed between the read and the write.
    #[derive(Default)]
    struct Memory {
        requested: bool,
        checkpoints: Vec<SignedCheckpoint>,
        stale: Vec<u64>,
        reads: usize,
    }

    #[async_trait]
    impl CheckpointRepair for Memory {
        async fn repair_requested(&mut self) -> Result<bool, StoreError> {
            Ok(self.requested)
        }

        async fn latest_checkpoint(&mut self) -> Result<Option<SignedCheckpoint>, StoreError> {
            Ok(self.checkpoints.last().cloned())
        }

        async fn checkpoints_from(
            &mut self,
            from: u64,
            limit: u64,
        ) -> Result<Vec<SignedCheckpoint>, StoreError> {
            self.reads += 1;
            Ok(self
                .checkpoints
                .iter()
                .filter(|cp| cp.size >= from)
                .take(limit as usize)
                .cloned()
                .collect())
        }

        async fn replace_notes(
            &mut self,
            edits: Vec<(SignedCheckpoint, String)>,
        ) -> Result<u64, StoreError> {
            let mut replaced = 0;
            for (seen, note) in edits {
                if self.stale.contains(&seen.size) {
                    continue;
                }
                if let Some(cp) = self
                    .checkpoints
                    .iter_mut()
                    .find(|cp| cp.size == seen.size && cp.note == seen.note)
                {
                    cp.note = note;
                    replaced += 1;
                }
            }
            Ok(replaced)
        }

        async fn repair_finished(&mut self) -> Result<(), StoreError> {
            self.requested = false;
            Ok(())
        }
    }

    fn memory(sizes: impl IntoIterator<Item = u64>, note: &str) -> Memory {
        Memory {
            checkpoints: sizes
                .into_iter()
                .map(|size| SignedCheckpoint {
                    size,
                    root: Hash::default(),
                    note: note.to_owned(),
                })
                .collect(),
            ..Memory::default()
        }
    }

    fn fix_dirty(cp: &SignedCheckpoint) -> Option<String> {
        (cp.note == "dirty").then(|| "clean".to_owned())
    }

    #[tokio::test]
    async fn a_requested_repair_walks_every_checkpoint_in_rounds_and_then_forgets_the_request() {
        let total = 2 * REPAIR_CHUNK + 7;
        let mut m = memory(0..total, "dirty");
        m.requested = true;
        m.stale = vec![5, REPAIR_CHUNK, total - 1];
        let rewritten = repair_checkpoints(&mut m, &fix_dirty).await.unwrap();
        assert_eq!(
            rewritten,
            total - 3,
            "a row changed meanwhile is left alone"
        );
        assert_eq!(
            m.reads, 4,
            "three rounds and the empty read that ends the walk"
        );
        assert!(!m.requested);
        let dirty: Vec<u64> = m
            .checkpoints
            .iter()
            .filter(|cp| cp.note == "dirty")
            .map(|cp| cp.size)
            .collect();
        assert_eq!(dirty, m.stale);
    }

    #[tokio::test]
    async fn without_a_request_only_a_latest_checkpoint_that_needs_it_starts_the_walk() {
        let mut clean = memory(1..=3, "clean");
        assert_eq!(repair_checkpoints(&mut clean, &fix_dirty).await.unwrap(), 0);
        assert_eq!(clean.reads, 0, "the latest is clean: nothing else is read");

        let mut m = memory(1..=3, "clean");
        m.checkpoints[2].note = "dirty".into();
        m.checkpoints[0].note = "dirty".into();
        assert_eq!(repair_checkpoints(&mut m, &fix_dirty).await.unwrap(), 2);
        assert!(m.checkpoints.iter().all(|cp| cp.note == "clean"));

        let mut empty = memory([], "clean");
        empty.requested = true;
        assert_eq!(repair_checkpoints(&mut empty, &fix_dirty).await.unwrap(), 0);
        assert!(!empty.requested);
    }
}

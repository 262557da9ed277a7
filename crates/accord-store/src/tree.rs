//! What every backend does around the Merkle tree it stores, written once: the cache of
//! committed upper-level nodes, the bounds a tile or proof must keep (nothing beyond the
//! published tree), the errors of the tree algorithms, and the signing of a checkpoint. Each
//! backend only reads and writes the nodes, entries and checkpoints in its own SQL.

use std::collections::HashMap;
use std::sync::RwLock;

use accord_tlog::checkpoint::Checkpoint;
use accord_tlog::merkle::{Hash, NodeId, ProofError};
use accord_tlog::tiles::{self, Tile, TileKind};

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

/// Whether `Store::repair_checkpoints` must visit every stored checkpoint: the upgrade that
/// introduced witnesses asked for it (`pending`), or the `latest` one needs a rewrite. Both
/// backends ask this before walking their checkpoints.
pub fn repair_needed(
    pending: bool,
    latest: Option<&SignedCheckpoint>,
    rewrite: &(dyn Fn(&SignedCheckpoint) -> Option<String> + Send + Sync),
) -> bool {
    pending || latest.is_some_and(|cp| rewrite(cp).is_some())
}

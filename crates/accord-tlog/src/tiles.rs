//! C2SP tlog-tiles: the static resources a log serves instead of proof APIs.
//!
//! A *tile* is up to 256 consecutive Merkle tree hashes at one tile level:
//! level 0 holds leaf hashes, level `L` holds the roots of the full tiles of
//! level `L - 1`, i.e. tree nodes at height `8L` (tile height 8). Entries are
//! served as *entry bundles* beside the level 0 tiles, each entry prefixed by
//! its big-endian `u16` length, which caps an entry at 65,535 bytes.
//!
//! Paths (tlog-tiles "Merkle Tree" and "Log entries"):
//!
//! ```text
//! tile/<L>/<N>[.p/<W>]        hash tile, level L, index N, partial width W
//! tile/entries/<N>[.p/<W>]    entry bundle
//! ```
//!
//! `N` is written in zero-padded groups of three digits, all but the last
//! prefixed with `x`: index 1234067 is `x001/x234/067`.
//!
//! The Go reference (`golang.org/x/mod/sumdb/tlog`) spells the same tiles
//! `tile/8/<L>/<N>` and the bundles `tile/8/data/<N>`; [`Tile::go_path`] gives
//! that form for interoperability tests.

use std::fmt;

use crate::merkle::{Hash, HashReader, NodeId, ProofError, node_hash};

/// Tile height: each tile spans 8 levels of the tree (tlog-tiles).
pub const TILE_HEIGHT: u8 = 8;

/// Hashes in a full tile (`2^TILE_HEIGHT`).
pub const TILE_WIDTH: u64 = 1 << TILE_HEIGHT;

/// Largest entry an entry bundle can carry: its length must fit a `u16`.
pub const MAX_ENTRY_SIZE: usize = u16::MAX as usize;

/// Highest tile level the path grammar allows (tlog-tiles: 0 to 63).
pub const MAX_TILE_LEVEL: u8 = 63;

/// What a tile holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TileKind {
    /// Merkle tree hashes at tile level `level` (tree height `8 × level`).
    Hashes {
        /// The tile level, 0 to 63.
        level: u8,
    },
    /// An entry bundle: the entries behind the level 0 tile of the same index.
    Entries,
}

/// One tile or entry bundle: what it holds, its index and its width.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tile {
    /// Hash tile or entry bundle.
    pub kind: TileKind,
    /// Index of the tile within its level.
    pub index: u64,
    /// Number of hashes or entries: 256 for a full tile, 1–255 for a partial one.
    pub width: u16,
}

/// Why a tile, its path or a bundle was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TileError {
    /// The path does not follow the tlog-tiles grammar.
    #[error("tile path {path:?} is malformed: {reason}")]
    BadPath {
        /// The path given.
        path: String,
        /// Which rule it breaks.
        reason: &'static str,
    },
    /// A tile width outside 1–256.
    #[error("tile width {0} is outside 1-256")]
    BadWidth(u64),
    /// A tile level outside 0–63.
    #[error("tile level {0} is outside 0-63")]
    BadLevel(u64),
    /// An entry too large for a bundle's `u16` length prefix.
    #[error("entry {index} is {size} bytes; an entry bundle holds at most {MAX_ENTRY_SIZE}")]
    EntryTooLarge {
        /// Position of the entry in the batch given.
        index: usize,
        /// Its size in bytes.
        size: usize,
    },
    /// A bundle that ends in the middle of an entry.
    #[error("entry bundle is truncated in entry {index} at byte {offset}")]
    TruncatedBundle {
        /// Entry being read.
        index: usize,
        /// Byte offset where data ran out.
        offset: usize,
    },
    /// Tile data whose length is not the width times 32 bytes.
    #[error("tile {path} has {got} bytes, expected {expected}")]
    TileLength {
        /// The tile's path.
        path: String,
        /// Bytes expected.
        expected: usize,
        /// Bytes found.
        got: usize,
    },
    /// A tile that a tree of this size does not have.
    #[error("tile {path} is not part of a tree of size {size}")]
    NotInTree {
        /// The tile's path.
        path: String,
        /// The tree size.
        size: u64,
    },
}

impl Tile {
    /// A hash tile. Fails if `level > 63` or `width` is not 1–256.
    pub fn hashes(level: u8, index: u64, width: u64) -> Result<Self, TileError> {
        if level > MAX_TILE_LEVEL {
            return Err(TileError::BadLevel(level.into()));
        }
        Ok(Tile {
            kind: TileKind::Hashes { level },
            index,
            width: check_width(width)?,
        })
    }

    /// An entry bundle. Fails if `width` is not 1–256.
    pub fn entries(index: u64, width: u64) -> Result<Self, TileError> {
        Ok(Tile {
            kind: TileKind::Entries,
            index,
            width: check_width(width)?,
        })
    }

    /// Whether the tile has fewer than 256 hashes or entries.
    pub fn is_partial(&self) -> bool {
        u64::from(self.width) < TILE_WIDTH
    }

    /// The tile level (0 for entry bundles, which sit beside level 0).
    pub fn level(&self) -> u8 {
        match self.kind {
            TileKind::Hashes { level } => level,
            TileKind::Entries => 0,
        }
    }

    /// The same tile at full width.
    pub fn full(&self) -> Tile {
        Tile {
            width: TILE_WIDTH as u16,
            ..*self
        }
    }

    /// Index of the first leaf (entry) the tile covers, or `None` for a
    /// tile (allowed by the path grammar) beyond any tree of `u64` size.
    pub fn start_leaf(&self) -> Option<u64> {
        let shift = u32::from(self.level()) * u32::from(TILE_HEIGHT);
        let first_hash = self.index.checked_mul(TILE_WIDTH)?;
        let start = first_hash.checked_shl(shift)?;
        // checked_shl only rejects shift >= 64; lost high bits mean overflow.
        (start >> shift == first_hash).then_some(start)
    }

    /// Tree nodes whose hashes the tile holds, in order (hash tiles at
    /// tree height `8 × level`; for bundles, the leaves), or `None` for a
    /// tile beyond any tree of `u64` size.
    pub fn nodes(&self) -> Option<Vec<NodeId>> {
        self.start_leaf()?;
        // start_leaf succeeded, so the level is below 8 and the height fits.
        let level = self.level() * TILE_HEIGHT;
        let first = self.index * TILE_WIDTH;
        (0..u64::from(self.width))
            .map(|i| first.checked_add(i).map(|index| NodeId::new(level, index)))
            .collect()
    }

    /// The C2SP path, e.g. `tile/0/x001/234` or `tile/entries/005.p/7`.
    pub fn path(&self) -> String {
        let level = match self.kind {
            TileKind::Hashes { level } => level.to_string(),
            TileKind::Entries => "entries".to_string(),
        };
        format!("tile/{level}/{}", self.index_and_width())
    }

    /// The path the Go reference (`x/mod/sumdb/tlog`) uses for this tile:
    /// `tile/8/<L>/<N>` and `tile/8/data/<N>`.
    pub fn go_path(&self) -> String {
        let level = match self.kind {
            TileKind::Hashes { level } => level.to_string(),
            TileKind::Entries => "data".to_string(),
        };
        format!("tile/{TILE_HEIGHT}/{level}/{}", self.index_and_width())
    }

    fn index_and_width(&self) -> String {
        let mut out = encode_index(self.index);
        if self.is_partial() {
            out.push_str(&format!(".p/{}", self.width));
        }
        out
    }

    /// Parses a C2SP tile path (without the log's URL prefix).
    pub fn parse(path: &str) -> Result<Tile, TileError> {
        let bad = |reason| TileError::BadPath {
            path: path.to_string(),
            reason,
        };
        let rest = path
            .strip_prefix("tile/")
            .ok_or_else(|| bad("must start with tile/"))?;
        let (level_part, rest) = rest
            .split_once('/')
            .ok_or_else(|| bad("missing tile index"))?;
        let kind = if level_part == "entries" {
            TileKind::Entries
        } else {
            let level = parse_decimal(level_part)
                .ok_or_else(|| bad("level is not a decimal number without leading zeroes"))?;
            if level > u64::from(MAX_TILE_LEVEL) {
                return Err(bad("level must be 0-63"));
            }
            TileKind::Hashes { level: level as u8 }
        };
        let (index_part, width) = match rest.split_once(".p/") {
            None => (rest, TILE_WIDTH),
            Some((index_part, width_part)) => {
                let width = parse_decimal(width_part).ok_or_else(|| {
                    bad("partial width is not a decimal number without leading zeroes")
                })?;
                if !(1..TILE_WIDTH).contains(&width) {
                    return Err(bad("partial width must be 1-255"));
                }
                (index_part, width)
            }
        };
        let index = decode_index(index_part)
            .ok_or_else(|| bad("index must be 3-digit groups, all but the last prefixed with x"))?;
        Ok(Tile {
            kind,
            index,
            width: width as u16,
        })
    }
}

impl fmt::Display for Tile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path())
    }
}

fn check_width(width: u64) -> Result<u16, TileError> {
    if (1..=TILE_WIDTH).contains(&width) {
        Ok(width as u16)
    } else {
        Err(TileError::BadWidth(width))
    }
}

/// A decimal number with no sign and no leading zeroes (tlog-tiles).
fn parse_decimal(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0'))
    {
        return None;
    }
    s.parse().ok()
}

/// tlog-tiles: zero-padded 3-digit groups, all but the last prefixed by `x`.
fn encode_index(index: u64) -> String {
    let mut groups = vec![format!("{:03}", index % 1000)];
    let mut n = index / 1000;
    while n > 0 {
        groups.push(format!("x{:03}", n % 1000));
        n /= 1000;
    }
    groups.reverse();
    groups.join("/")
}

fn decode_index(s: &str) -> Option<u64> {
    let groups: Vec<&str> = s.split('/').collect();
    let last = groups.len() - 1;
    let mut index: u64 = 0;
    for (i, group) in groups.iter().enumerate() {
        let digits = if i == last {
            *group
        } else {
            group.strip_prefix('x')?
        };
        if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        // The path grammar allows no leading all-zero groups: Go's
        // ParseTilePath and the canonical encoding both write the shortest form.
        if i == 0 && last > 0 && digits == "000" {
            return None;
        }
        let value: u64 = digits.parse().ok()?;
        index = index.checked_mul(1000)?.checked_add(value)?;
    }
    Some(index)
}

/// Every tile (hash tiles of all levels, and entry bundles) a tree of `size`
/// leaves publishes, full and partial (tlog-tiles "Partial Tiles").
pub fn tiles_for_size(size: u64) -> Vec<Tile> {
    tiles_between(0, size)
}

/// Tiles that appear or change when a tree grows from `old` to `new` leaves:
/// what a log writes after a batch. Returns hash tiles level by level,
/// then the entry bundles.
pub fn tiles_between(old: u64, new: u64) -> Vec<Tile> {
    let mut out = Vec::new();
    if new <= old {
        return out;
    }
    let mut bundles = Vec::new();
    for level in 0..=MAX_TILE_LEVEL {
        let shift = u32::from(level) * u32::from(TILE_HEIGHT);
        if shift >= 64 {
            break;
        }
        // Hashes present at this tile level in each tree.
        let old_hashes = old >> shift;
        let new_hashes = new >> shift;
        if new_hashes == 0 {
            break;
        }
        if new_hashes == old_hashes {
            continue;
        }
        // Tiles from the one holding the first new hash to the last one.
        let first = old_hashes / TILE_WIDTH;
        let last = (new_hashes - 1) / TILE_WIDTH;
        for index in first..=last {
            let end = ((index + 1) * TILE_WIDTH).min(new_hashes);
            let width = end - index * TILE_WIDTH;
            let tile = Tile {
                kind: TileKind::Hashes { level },
                index,
                width: width as u16,
            };
            out.push(tile);
            if level == 0 {
                bundles.push(Tile {
                    kind: TileKind::Entries,
                    ..tile
                });
            }
        }
    }
    out.extend(bundles);
    out
}

/// The hash tile at `level`/`index` as a tree of `size` leaves publishes it:
/// full if that tree has filled it, else partial. `None` if the tree has no
/// hash in that tile yet.
pub fn tile_in_tree(level: u8, index: u64, size: u64) -> Option<Tile> {
    let shift = u32::from(level) * u32::from(TILE_HEIGHT);
    let hashes = if shift >= 64 { 0 } else { size >> shift };
    let start = index.checked_mul(TILE_WIDTH)?;
    if hashes <= start {
        return None;
    }
    let width = (hashes - start).min(TILE_WIDTH);
    Some(Tile {
        kind: TileKind::Hashes { level },
        index,
        width: width as u16,
    })
}

/// Reads the data of a hash tile (its hashes concatenated) from stored
/// hashes: what a log serves at [`Tile::path`]. For an entry-bundle tile
/// this returns the leaf hashes, i.e. the level 0 tile.
pub fn read_tile_data<R: HashReader>(reader: &R, tile: &Tile) -> Result<Vec<u8>, ProofError> {
    let nodes = tile
        .nodes()
        .ok_or_else(|| ProofError::TileOutOfRange { path: tile.path() })?;
    let hashes = reader
        .read_hashes(&nodes)
        .map_err(|e| ProofError::Storage(Box::new(e)))?;
    if hashes.len() != nodes.len() {
        return Err(ProofError::ShortRead {
            asked: nodes.len(),
            got: hashes.len(),
        });
    }
    Ok(hashes.iter().flat_map(|h| h.0).collect())
}

/// Splits tile data into its hashes, checking the length against the width.
pub fn parse_tile_data(tile: &Tile, data: &[u8]) -> Result<Vec<Hash>, TileError> {
    let expected = usize::from(tile.width) * 32;
    if data.len() != expected {
        return Err(TileError::TileLength {
            path: tile.path(),
            expected,
            got: data.len(),
        });
    }
    Ok(data
        .chunks_exact(32)
        .map(|c| {
            let mut h = [0u8; 32];
            h.copy_from_slice(c);
            Hash(h)
        })
        .collect())
}

/// Encodes entries as an entry bundle: each a big-endian `u16` length, then
/// its bytes. Refuses (never truncates) an entry over 65,535 bytes.
pub fn encode_bundle<E: AsRef<[u8]>>(entries: &[E]) -> Result<Vec<u8>, TileError> {
    let total: usize = entries.iter().map(|e| e.as_ref().len() + 2).sum();
    let mut out = Vec::with_capacity(total);
    for (index, entry) in entries.iter().enumerate() {
        let entry = entry.as_ref();
        let len = u16::try_from(entry.len()).map_err(|_| TileError::EntryTooLarge {
            index,
            size: entry.len(),
        })?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(entry);
    }
    Ok(out)
}

/// Splits an entry bundle into its entries.
pub fn decode_bundle(data: &[u8]) -> Result<Vec<&[u8]>, TileError> {
    let mut entries = Vec::new();
    let mut offset = 0usize;
    while offset < data.len() {
        let index = entries.len();
        let truncated = |offset| TileError::TruncatedBundle { index, offset };
        let len_bytes = data.get(offset..offset + 2).ok_or(truncated(offset))?;
        let len = usize::from(u16::from_be_bytes([len_bytes[0], len_bytes[1]]));
        let start = offset + 2;
        let entry = data.get(start..start + len).ok_or(truncated(start))?;
        entries.push(entry);
        offset = start + len;
    }
    Ok(entries)
}

/// Reads tiles from wherever a log keeps or serves them.
pub trait TileReader {
    /// The reader's own error.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Returns the data of each tile, in order. Partial tiles are asked for
    /// at the width the tree size requires.
    fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, Self::Error>;
}

/// Why a [`TileHashReader`] could not answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TileReadError {
    /// The tile source failed.
    #[error("reading tiles: {0}")]
    Source(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A tile was malformed or outside the tree.
    #[error(transparent)]
    Tile(#[from] TileError),
    /// The source returned the wrong number of tiles.
    #[error("tile source returned {got} tiles for {asked}")]
    ShortRead {
        /// Tiles asked for.
        asked: usize,
        /// Tiles returned.
        got: usize,
    },
}

/// A [`HashReader`] over tiles: computes any complete-subtree hash of a tree
/// of `size` leaves from the tile that holds its leaves.
///
/// A node at tree height `8L + k` is the root of `2^k` consecutive hashes of
/// a tile at level `L`, so it costs one tile read and `2^k - 1` hashes. The
/// tiles are *not* authenticated here: compare the [`crate::merkle::root`]
/// computed through this reader with a verified checkpoint before trusting
/// anything else read through it. (Proofs built from unauthenticated tiles
/// are safe: they are verified against the trusted root.)
pub struct TileHashReader<R> {
    size: u64,
    reader: R,
}

impl<R: TileReader> TileHashReader<R> {
    /// Reads hashes of the tree of `size` leaves from `reader`.
    pub fn new(size: u64, reader: R) -> Self {
        TileHashReader { size, reader }
    }

    /// The tree size this reader serves.
    pub fn size(&self) -> u64 {
        self.size
    }
}

impl<R: TileReader> HashReader for TileHashReader<R> {
    type Error = TileReadError;

    fn read_hashes(&self, nodes: &[NodeId]) -> Result<Vec<Hash>, TileReadError> {
        // Map each node to (tile, first hash offset, hash count) and read
        // each distinct tile once.
        let mut wanted: Vec<Tile> = Vec::new();
        let mut plan = Vec::with_capacity(nodes.len());
        for node in nodes {
            let tile_level = node.level / TILE_HEIGHT;
            let k = node.level % TILE_HEIGHT;
            let first = node.index << k; // index of its first hash at that tile level
            let count = 1u64 << k;
            let tile_index = first / TILE_WIDTH;
            let tile = tile_in_tree(tile_level, tile_index, self.size).ok_or_else(|| {
                TileError::NotInTree {
                    path: format!("tile/{tile_level}/{}", encode_index(tile_index)),
                    size: self.size,
                }
            })?;
            let offset = first - tile_index * TILE_WIDTH;
            if offset + count > u64::from(tile.width) {
                return Err(TileError::NotInTree {
                    path: tile.path(),
                    size: self.size,
                }
                .into());
            }
            let slot = match wanted.iter().position(|t| *t == tile) {
                Some(slot) => slot,
                None => {
                    wanted.push(tile);
                    wanted.len() - 1
                }
            };
            plan.push((slot, offset as usize, count as usize));
        }
        let data = self
            .reader
            .read_tiles(&wanted)
            .map_err(|e| TileReadError::Source(Box::new(e)))?;
        if data.len() != wanted.len() {
            return Err(TileReadError::ShortRead {
                asked: wanted.len(),
                got: data.len(),
            });
        }
        let parsed: Vec<Vec<Hash>> = wanted
            .iter()
            .zip(&data)
            .map(|(tile, bytes)| parse_tile_data(tile, bytes))
            .collect::<Result<_, _>>()?;
        Ok(plan
            .into_iter()
            .map(|(slot, offset, count)| subtree_root(&parsed[slot][offset..offset + count]))
            .collect())
    }
}

/// Root of a power-of-two run of sibling hashes.
fn subtree_root(hashes: &[Hash]) -> Hash {
    let mut level: Vec<Hash> = hashes.to_vec();
    while level.len() > 1 {
        level = level
            .chunks_exact(2)
            .map(|p| node_hash(&p[0], &p[1]))
            .collect();
    }
    level[0]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merkle::{self, MemoryHashStore, leaf_hash};
    use std::collections::HashMap;

    #[test]
    fn index_encoding_follows_the_spec_example() {
        assert_eq!(encode_index(1234067), "x001/x234/067");
        assert_eq!(encode_index(0), "000");
        assert_eq!(encode_index(999), "999");
        assert_eq!(encode_index(1000), "x001/000");
        for i in [0, 1, 999, 1000, 1234067, u64::MAX] {
            assert_eq!(decode_index(&encode_index(i)), Some(i));
        }
    }

    #[test]
    fn paths_round_trip() {
        let cases = [
            (
                Tile::hashes(0, 1234067, 256).unwrap(),
                "tile/0/x001/x234/067",
            ),
            (Tile::hashes(2, 5, 17).unwrap(), "tile/2/005.p/17"),
            (Tile::entries(0, 1).unwrap(), "tile/entries/000.p/1"),
            (Tile::entries(1000, 256).unwrap(), "tile/entries/x001/000"),
        ];
        for (tile, path) in cases {
            assert_eq!(tile.path(), path);
            assert_eq!(Tile::parse(path).unwrap(), tile);
        }
        assert_eq!(Tile::hashes(1, 2, 3).unwrap().go_path(), "tile/8/1/002.p/3");
        assert_eq!(Tile::entries(2, 256).unwrap().go_path(), "tile/8/data/002");
    }

    #[test]
    fn malformed_paths_are_refused() {
        for path in [
            "tile/0/1",
            "tile/00/001",
            "tile/64/001",
            "tile/0/x1/001",
            "tile/0/001/002",
            "tile/0/x000/001",
            "tile/0/001.p/0",
            "tile/0/001.p/256",
            "tile/0/001.p/07",
            "tile/entries",
            "tiles/0/001",
            "tile/0/abc",
        ] {
            assert!(Tile::parse(path).is_err(), "{path} should be refused");
        }
    }

    #[test]
    fn tiles_of_the_spec_example() {
        // tlog-tiles: a tree of size 70,000 has 273 full level 0 tiles, one of
        // width 112, one full level 1 tile, one of width 17 and one level 2
        // tile of width 1.
        let tiles = tiles_for_size(70_000);
        let hashes: Vec<&Tile> = tiles
            .iter()
            .filter(|t| t.kind != TileKind::Entries)
            .collect();
        let level = |l| hashes.iter().filter(move |t| t.level() == l);
        assert_eq!(level(0).filter(|t| !t.is_partial()).count(), 273);
        assert_eq!(
            level(0)
                .filter(|t| t.is_partial())
                .map(|t| t.width)
                .collect::<Vec<_>>(),
            [112]
        );
        assert_eq!(level(1).map(|t| t.width).collect::<Vec<_>>(), [256, 17]);
        assert_eq!(level(2).map(|t| t.width).collect::<Vec<_>>(), [1]);
        assert_eq!(
            tiles.iter().filter(|t| t.kind == TileKind::Entries).count(),
            274
        );
        // Size 256: one full level 0 tile and a level 1 tile of width 1.
        let t256 = tiles_for_size(256);
        assert!(t256.contains(&Tile::hashes(0, 0, 256).unwrap()));
        assert!(t256.contains(&Tile::hashes(1, 0, 1).unwrap()));
        assert!(tiles_for_size(0).is_empty());
    }

    #[test]
    fn tiles_between_lists_what_changed() {
        let grown = tiles_between(300, 600);
        assert!(grown.contains(&Tile::hashes(0, 1, 256).unwrap()));
        assert!(grown.contains(&Tile::hashes(0, 2, 88).unwrap()));
        assert!(grown.contains(&Tile::hashes(1, 0, 2).unwrap()));
        assert!(!grown.iter().any(|t| t.index == 0 && t.level() == 0));
        assert!(tiles_between(5, 5).is_empty());
    }

    #[test]
    fn bundles_round_trip_and_refuse_oversize() {
        let entries: Vec<Vec<u8>> = vec![b"".to_vec(), b"abc".to_vec(), vec![7u8; MAX_ENTRY_SIZE]];
        let data = encode_bundle(&entries).unwrap();
        assert_eq!(&data[..5], &[0, 0, 0, 3, b'a']);
        assert_eq!(
            decode_bundle(&data).unwrap(),
            entries.iter().map(|e| e.as_slice()).collect::<Vec<_>>()
        );
        let err = encode_bundle(&[vec![0u8; MAX_ENTRY_SIZE + 1]]).unwrap_err();
        assert_eq!(
            err,
            TileError::EntryTooLarge {
                index: 0,
                size: 65_536
            }
        );
        assert!(matches!(
            decode_bundle(&data[..data.len() - 1]),
            Err(TileError::TruncatedBundle { index: 2, .. })
        ));
        assert!(matches!(
            decode_bundle(&[0]),
            Err(TileError::TruncatedBundle {
                index: 0,
                offset: 0
            })
        ));
    }

    /// Tiles materialised from a store, as a log would serve them.
    struct Served(HashMap<Tile, Vec<u8>>);

    #[derive(Debug, thiserror::Error)]
    #[error("no tile {0}")]
    struct Missing(String);

    impl TileReader for Served {
        type Error = Missing;
        fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, Missing> {
            tiles
                .iter()
                .map(|t| self.0.get(t).cloned().ok_or_else(|| Missing(t.path())))
                .collect()
        }
    }

    #[test]
    fn tile_backed_proofs_equal_store_proofs() {
        for size in [1u64, 255, 256, 257, 300, 65_536, 70_001] {
            let store =
                MemoryHashStore::from_leaf_hashes((0..size).map(|i| leaf_hash(&i.to_le_bytes())));
            let served = Served(
                tiles_for_size(size)
                    .into_iter()
                    .filter(|t| t.kind != TileKind::Entries)
                    .map(|t| (t, read_tile_data(&store, &t).unwrap()))
                    .collect(),
            );
            let tiles = TileHashReader::new(size, served);
            assert_eq!(
                merkle::root(&tiles, size).unwrap(),
                store.root(),
                "size {size}"
            );
            for index in [0, size / 2, size - 1] {
                let a = merkle::inclusion_proof(&tiles, index, size).unwrap();
                let b = merkle::inclusion_proof(&store, index, size).unwrap();
                assert_eq!(a, b);
            }
            for old in [1, size / 3 + 1, size] {
                let a = merkle::consistency_proof(&tiles, old, size).unwrap();
                let b = merkle::consistency_proof(&store, old, size).unwrap();
                assert_eq!(a, b);
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn any_tile_path_round_trips(level in 0u8..=63, index in proptest::prelude::any::<u64>(), width in 1u64..=256, entries in proptest::prelude::any::<bool>()) {
            let tile = if entries { Tile::entries(index, width) } else { Tile::hashes(level, index, width) }.unwrap();
            proptest::prop_assert_eq!(Tile::parse(&tile.path()).unwrap(), tile);
        }

        #[test]
        fn any_bundle_round_trips(entries in proptest::collection::vec(proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300), 0..20)) {
            let data = encode_bundle(&entries).unwrap();
            let decoded: Vec<Vec<u8>> = decode_bundle(&data).unwrap().into_iter().map(<[u8]>::to_vec).collect();
            proptest::prop_assert_eq!(decoded, entries);
        }
    }

    #[test]
    fn tile_data_of_wrong_length_is_an_error() {
        let tile = Tile::hashes(0, 0, 2).unwrap();
        assert!(matches!(
            parse_tile_data(&tile, &[0u8; 63]),
            Err(TileError::TileLength {
                expected: 64,
                got: 63,
                ..
            })
        ));
    }
}

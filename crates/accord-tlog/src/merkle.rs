//! RFC 9162 §2.1 Merkle tree hashing, tree heads and proofs.
//!
//! The tree is the one Certificate Transparency uses: a leaf hash is
//! `SHA-256(0x00 ‖ entry)`, an interior node is `SHA-256(0x01 ‖ left ‖ right)`,
//! and a tree of `n` leaves splits at the largest power of two smaller than `n`
//! (RFC 9162 §2.1.1). The hash of the empty tree is `SHA-256("")`.
//!
//! # Stored hashes
//!
//! A log that grows to millions of entries cannot recompute its tree for
//! every proof. Proof generation therefore reads *complete subtree hashes*
//! through the [`HashReader`] trait: a [`NodeId`] names the root of the
//! complete subtree of `2^level` leaves that starts at leaf
//! `index * 2^level`. Every hash in an inclusion or consistency proof, and
//! every tree head, is a fold of at most `log2(n)` such nodes, so a store
//! that keeps them (all levels in a table, or tiles of levels 0, 8, 16, … —
//! see [`crate::tiles::TileHashReader`]) answers a proof at 10M leaves with a
//! few dozen lookups. [`MemoryHashStore`] keeps every level in memory and is
//! what tests and small tools use.
//!
//! # Verification
//!
//! [`verify_inclusion`] and [`verify_consistency`] implement the algorithms of
//! RFC 9162 §2.1.3.2 and §2.1.4.2 literally. The `*_raw` variants take bytes
//! as they arrive on the wire (hashes of any length), so that a malformed
//! proof is an error rather than a panic or a parse step the caller forgets.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use sha2::{Digest, Sha256};

/// Size in bytes of a SHA-256 hash, the only hash RFC 9162 logs here use.
pub const HASH_SIZE: usize = 32;

/// A SHA-256 Merkle tree hash: a leaf hash, an interior node or a root.
///
/// Serialized (serde) as standard base64, the encoding C2SP checkpoints and
/// proofs use.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Hash(pub [u8; HASH_SIZE]);

impl Hash {
    /// Wraps 32 bytes as a hash.
    pub const fn new(bytes: [u8; HASH_SIZE]) -> Self {
        Hash(bytes)
    }

    /// The raw 32 bytes.
    pub const fn as_bytes(&self) -> &[u8; HASH_SIZE] {
        &self.0
    }

    /// Reads a hash from a byte slice that must be exactly 32 bytes long.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, HashParseError> {
        let array: [u8; HASH_SIZE] = bytes
            .try_into()
            .map_err(|_| HashParseError::Length { got: bytes.len() })?;
        Ok(Hash(array))
    }

    /// Parses standard base64 (RFC 4648 §4) of exactly 32 bytes.
    pub fn from_base64(text: &str) -> Result<Self, HashParseError> {
        let bytes = BASE64.decode(text).map_err(|_| HashParseError::Base64)?;
        Hash::from_slice(&bytes)
    }

    /// Standard base64 (RFC 4648 §4), as in checkpoints.
    pub fn to_base64(&self) -> String {
        BASE64.encode(self.0)
    }

    /// Lower-case hex, for logs and messages.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", self.to_hex())
    }
}

impl fmt::Display for Hash {
    /// Displays as base64, the form checkpoints and proofs carry.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_base64())
    }
}

impl serde::Serialize for Hash {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_base64())
    }
}

impl<'de> serde::Deserialize<'de> for Hash {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Hash::from_base64(&text).map_err(serde::de::Error::custom)
    }
}

/// Why bytes or text could not be read as a [`Hash`](struct@Hash).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HashParseError {
    /// The input decoded to the wrong number of bytes.
    #[error("a hash is {HASH_SIZE} bytes, got {got}")]
    Length {
        /// How many bytes there were.
        got: usize,
    },
    /// The text is not standard base64.
    #[error("a hash must be standard base64")]
    Base64,
}

/// RFC 9162 §2.1.1: the leaf hash of an entry, `SHA-256(0x00 ‖ entry)`.
pub fn leaf_hash(entry: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0x00]);
    hasher.update(entry);
    Hash(hasher.finalize().into())
}

/// RFC 9162 §2.1.1: an interior node, `SHA-256(0x01 ‖ left ‖ right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0x01]);
    hasher.update(left.0);
    hasher.update(right.0);
    Hash(hasher.finalize().into())
}

/// RFC 9162 §2.1.1: the hash of the empty tree, `SHA-256("")`.
pub fn empty_root() -> Hash {
    Hash(Sha256::digest([]).into())
}

/// The root of a tree computed directly from all of its leaf hashes.
///
/// Linear time and `O(log n)` memory; for trees kept in a store use [`root`].
pub fn tree_hash(leaves: &[Hash]) -> Hash {
    let mut frontier = Frontier::new();
    for leaf in leaves {
        frontier.push(*leaf);
    }
    frontier.root()
}

/// The right edge of a tree: the roots of its complete subtrees, largest first, one per set
/// bit of its size. It is all that is needed to append leaves and compute the new root, so a
/// party that mirrors a log keeps it instead of the whole tree: extending the frontier of an
/// accepted tree by the new entries and reaching a signed root proves at once that the new
/// tree extends the old one and that the entries are in it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    /// `(level, hash)`, levels strictly decreasing.
    nodes: Vec<(u8, Hash)>,
}

/// A frontier's parts do not describe a tree.
#[derive(Debug, thiserror::Error)]
#[error("a tree of size {size} has {expected} frontier nodes, not {got}")]
pub struct FrontierError {
    /// The size given.
    pub size: u64,
    /// One per set bit of `size`.
    pub expected: u32,
    /// How many were given.
    pub got: usize,
}

impl Frontier {
    /// The frontier of the empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// A frontier from its size and hashes as [`Frontier::hashes`] lists them.
    pub fn from_parts(size: u64, hashes: &[Hash]) -> Result<Self, FrontierError> {
        let levels: Vec<u8> = (0..64u8).rev().filter(|l| size >> l & 1 == 1).collect();
        if levels.len() != hashes.len() {
            return Err(FrontierError {
                size,
                expected: size.count_ones(),
                got: hashes.len(),
            });
        }
        Ok(Frontier {
            size,
            nodes: levels.into_iter().zip(hashes.iter().copied()).collect(),
        })
    }

    /// The frontier of the first `size` leaves of a stored tree.
    pub fn of<R: HashReader>(reader: &R, size: u64) -> Result<Self, ProofError> {
        let mut ids = Vec::new();
        let mut start = 0u64;
        for level in (0..64u8).rev().filter(|l| size >> l & 1 == 1) {
            ids.push(NodeId::new(level, start >> level));
            start += 1 << level;
        }
        let hashes = reader
            .read_hashes(&ids)
            .map_err(|e| ProofError::Storage(Box::new(e)))?;
        if hashes.len() != ids.len() {
            return Err(ProofError::ShortRead {
                asked: ids.len(),
                got: hashes.len(),
            });
        }
        Ok(Frontier {
            size,
            nodes: ids.iter().map(|id| id.level).zip(hashes).collect(),
        })
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The complete-subtree roots, largest first.
    pub fn hashes(&self) -> Vec<Hash> {
        self.nodes.iter().map(|(_, h)| *h).collect()
    }

    /// Appends a leaf hash.
    pub fn push(&mut self, leaf: Hash) {
        let mut entry = (0u8, leaf);
        while let Some(&(level, left)) = self.nodes.last() {
            if level != entry.0 {
                break;
            }
            self.nodes.pop();
            entry = (level + 1, node_hash(&left, &entry.1));
        }
        self.nodes.push(entry);
        self.size += 1;
    }

    /// The tree's root: the smaller subtrees fold into the larger ones, which is the RFC 9162
    /// §2.1.1 split at the largest power of two.
    pub fn root(&self) -> Hash {
        let mut iter = self.nodes.iter().rev();
        match iter.next() {
            None => empty_root(),
            Some((_, last)) => iter.fold(*last, |right, (_, left)| node_hash(left, &right)),
        }
    }
}

/// Names the root of a complete subtree: `2^level` leaves starting at leaf
/// `index * 2^level`. Level 0 nodes are leaf hashes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    /// Height of the subtree above its leaves (0 for a leaf).
    pub level: u8,
    /// Position of the subtree among those of the same level, from the left.
    pub index: u64,
}

impl NodeId {
    /// The node at `level`, `index`.
    pub const fn new(level: u8, index: u64) -> Self {
        NodeId { level, index }
    }

    /// Index of the first leaf the subtree covers.
    pub const fn first_leaf(&self) -> u64 {
        self.index << self.level
    }

    /// One past the last leaf the subtree covers.
    pub const fn end_leaf(&self) -> u64 {
        (self.index + 1) << self.level
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "node (level {}, index {})", self.level, self.index)
    }
}

/// Reads stored complete-subtree hashes; the seam between proof generation
/// and a log's storage.
///
/// Implementations return exactly one hash per requested node, in order.
/// Requests are batched so a tile- or table-backed store can fetch
/// everything a proof needs in one round trip. Only nodes of complete
/// subtrees inside the tree being proven are ever requested.
pub trait HashReader {
    /// The store's own error.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Returns the hashes of `nodes`, in the same order.
    fn read_hashes(&self, nodes: &[NodeId]) -> Result<Vec<Hash>, Self::Error>;
}

impl<R: HashReader + ?Sized> HashReader for &R {
    type Error = R::Error;
    fn read_hashes(&self, nodes: &[NodeId]) -> Result<Vec<Hash>, Self::Error> {
        (**self).read_hashes(nodes)
    }
}

/// Why a proof could not be built or did not verify.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProofError {
    /// An inclusion proof was asked for a leaf the tree does not have.
    #[error("leaf index {index} is outside a tree of size {size}")]
    IndexOutOfRange {
        /// The leaf index asked for.
        index: u64,
        /// The tree size.
        size: u64,
    },
    /// A consistency proof was asked from a larger tree to a smaller one.
    #[error("old tree size {old} is larger than new tree size {new}")]
    SizeOrder {
        /// The first (older) size.
        old: u64,
        /// The second (newer) size.
        new: u64,
    },
    /// RFC 9162 §2.1.4: a consistency proof from the empty tree proves nothing.
    #[error("a consistency proof from the empty tree is meaningless")]
    EmptyOldTree,
    /// The proof has the wrong number of hashes for the sizes it claims.
    #[error("proof has {got} hashes, {expected} expected")]
    ProofLength {
        /// Hashes expected for these sizes.
        expected: usize,
        /// Hashes present.
        got: usize,
    },
    /// A hash in the proof or a root is not a 32-byte hash.
    #[error("{what} is not a hash: {source}")]
    BadHash {
        /// Which value ("proof hash 3", "root").
        what: String,
        /// What was wrong with it.
        source: HashParseError,
    },
    /// The proof is well formed but does not lead to the expected root.
    #[error("proof does not match the {which} root (computed {computed}, expected {expected})")]
    RootMismatch {
        /// "tree", "old" or "new".
        which: &'static str,
        /// Root recomputed from the proof.
        computed: String,
        /// Root the caller trusted.
        expected: String,
    },
    /// A tree of this size has a different root than the one given.
    #[error("roots differ for equal tree sizes")]
    RootsDiffer,
    /// The store did not answer with one hash per requested node.
    #[error("hash store returned {got} hashes for {asked} nodes")]
    ShortRead {
        /// Nodes requested.
        asked: usize,
        /// Hashes returned.
        got: usize,
    },
    /// A tile (valid by the path grammar) that no tree of `u64` size has.
    #[error("tile {path} lies beyond any possible tree")]
    TileOutOfRange {
        /// The tile's path.
        path: String,
    },
    /// The hash store failed.
    #[error("reading stored hashes: {0}")]
    Storage(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Largest power of two strictly smaller than `n` (`n >= 2`).
fn split_point(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1u64 << (63 - (n - 1).leading_zeros())
}

/// A half-open range of leaves whose Merkle Tree Hash a proof needs.
type LeafRange = (u64, u64);

/// RFC 9162 §2.1.3.1 PATH(m, D[0:n]): the leaf ranges whose hashes form the
/// inclusion proof, deepest first.
fn inclusion_ranges(index: u64, size: u64) -> Vec<LeafRange> {
    let (mut lo, mut hi) = (0u64, size);
    let mut ranges = Vec::with_capacity(64);
    while hi - lo > 1 {
        let k = split_point(hi - lo);
        if index < lo + k {
            ranges.push((lo + k, hi));
            hi = lo + k;
        } else {
            ranges.push((lo, lo + k));
            lo += k;
        }
    }
    // The recursion appends on the way out, so the deepest sibling comes first.
    ranges.reverse();
    ranges
}

/// RFC 9162 §2.1.4.1 SUBPROOF(m, D[0:n], true): the leaf ranges whose hashes
/// form the consistency proof, in proof order. Requires `0 < old < new`.
fn consistency_ranges(old: u64, new: u64) -> Vec<LeafRange> {
    let (mut lo, mut hi) = (0u64, new);
    let mut m = old;
    let mut complete_subtree_of_old = true;
    let mut ranges = Vec::with_capacity(64);
    loop {
        let len = hi - lo;
        if m == len {
            // SUBPROOF(m, D[m], b): the old subtree's own hash is only needed
            // when the verifier cannot know it (b = false).
            if !complete_subtree_of_old {
                ranges.push((lo, hi));
            }
            break;
        }
        let k = split_point(len);
        if m <= k {
            ranges.push((lo + k, hi));
            hi = lo + k;
        } else {
            ranges.push((lo, lo + k));
            lo += k;
            m -= k;
            complete_subtree_of_old = false;
        }
    }
    ranges.reverse();
    ranges
}

/// Decomposes the range `[lo, hi)` into complete subtrees, left to right.
///
/// Every range a proof or tree head needs starts at a multiple of a power of
/// two at least as large as the range, so the decomposition follows the
/// binary digits of `hi - lo`, largest first.
fn range_nodes(lo: u64, hi: u64, out: &mut Vec<NodeId>) {
    let mut start = lo;
    while start < hi {
        let mut level = 63 - (hi - start).leading_zeros();
        if start != 0 {
            level = level.min(start.trailing_zeros());
        }
        // `level` < 64 because `hi - start` fits in a u64.
        let level = level as u8;
        out.push(NodeId::new(level, start >> level));
        start += 1u64 << level;
    }
}

/// Folds complete-subtree hashes of one range right to left into its MTH.
fn fold_range(hashes: &[Hash]) -> Hash {
    let mut iter = hashes.iter().rev();
    match iter.next() {
        None => empty_root(),
        Some(last) => iter.fold(*last, |right, left| node_hash(left, &right)),
    }
}

/// Reads the hashes of several leaf ranges with one batched store call.
fn range_hashes<R: HashReader>(reader: &R, ranges: &[LeafRange]) -> Result<Vec<Hash>, ProofError> {
    let mut nodes = Vec::with_capacity(ranges.len() * 2);
    let mut bounds = Vec::with_capacity(ranges.len());
    for &(lo, hi) in ranges {
        let start = nodes.len();
        range_nodes(lo, hi, &mut nodes);
        bounds.push((start, nodes.len()));
    }
    let hashes = reader
        .read_hashes(&nodes)
        .map_err(|e| ProofError::Storage(Box::new(e)))?;
    if hashes.len() != nodes.len() {
        return Err(ProofError::ShortRead {
            asked: nodes.len(),
            got: hashes.len(),
        });
    }
    Ok(bounds
        .into_iter()
        .map(|(start, end)| fold_range(&hashes[start..end]))
        .collect())
}

/// The tree head (root hash) of the first `size` leaves of a stored tree.
pub fn root<R: HashReader>(reader: &R, size: u64) -> Result<Hash, ProofError> {
    if size == 0 {
        return Ok(empty_root());
    }
    let hashes = range_hashes(reader, &[(0, size)])?;
    Ok(hashes[0])
}

/// An RFC 9162 §2.1.3 inclusion proof ("audit path") for one leaf.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InclusionProof {
    /// Index of the leaf the proof is for.
    pub leaf_index: u64,
    /// Size of the tree the proof leads to.
    pub tree_size: u64,
    /// Sibling hashes, deepest first.
    pub hashes: Vec<Hash>,
}

impl InclusionProof {
    /// Checks that the leaf with hash `leaf` is at `leaf_index` in the tree
    /// of `tree_size` leaves whose root is `root`.
    pub fn verify(&self, leaf: &Hash, root: &Hash) -> Result<(), ProofError> {
        verify_inclusion(leaf, self.leaf_index, self.tree_size, &self.hashes, root)
    }
}

/// An RFC 9162 §2.1.4 consistency proof between two sizes of one tree.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ConsistencyProof {
    /// Size of the older tree.
    pub old_size: u64,
    /// Size of the newer tree.
    pub new_size: u64,
    /// Proof hashes in RFC 9162 order.
    pub hashes: Vec<Hash>,
}

impl ConsistencyProof {
    /// Checks that the tree of `old_size` with root `old_root` is a prefix of
    /// the tree of `new_size` with root `new_root`.
    pub fn verify(&self, old_root: &Hash, new_root: &Hash) -> Result<(), ProofError> {
        verify_consistency(
            self.old_size,
            self.new_size,
            &self.hashes,
            old_root,
            new_root,
        )
    }
}

/// Builds the inclusion proof of leaf `index` in the tree of the first
/// `size` stored leaves.
pub fn inclusion_proof<R: HashReader>(
    reader: &R,
    index: u64,
    size: u64,
) -> Result<InclusionProof, ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let hashes = range_hashes(reader, &inclusion_ranges(index, size))?;
    Ok(InclusionProof {
        leaf_index: index,
        tree_size: size,
        hashes,
    })
}

/// Builds the consistency proof from the tree of `old` leaves to the tree of
/// `new` leaves. Equal sizes give the empty proof; `old == 0` is refused
/// (RFC 9162 §2.1.4: there is nothing to prove).
pub fn consistency_proof<R: HashReader>(
    reader: &R,
    old: u64,
    new: u64,
) -> Result<ConsistencyProof, ProofError> {
    if old > new {
        return Err(ProofError::SizeOrder { old, new });
    }
    if old == 0 {
        return Err(ProofError::EmptyOldTree);
    }
    let hashes = if old == new {
        Vec::new()
    } else {
        range_hashes(reader, &consistency_ranges(old, new))?
    };
    Ok(ConsistencyProof {
        old_size: old,
        new_size: new,
        hashes,
    })
}

fn root_mismatch(which: &'static str, computed: &Hash, expected: &Hash) -> ProofError {
    ProofError::RootMismatch {
        which,
        computed: computed.to_base64(),
        expected: expected.to_base64(),
    }
}

/// RFC 9162 §2.1.3.2: verifies an inclusion proof for the leaf with hash
/// `leaf` at `index` in the tree of `size` leaves with root `root`.
pub fn verify_inclusion(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    // The RFC's loop fails as soon as `sn` reaches 0 with hashes left, and
    // at the end unless `sn` is 0; both amount to this exact length.
    let expected = inclusion_proof_len(index, size);
    if proof.len() != expected {
        return Err(ProofError::ProofLength {
            expected,
            got: proof.len(),
        });
    }
    let mut f_n = index;
    let mut s_n = size - 1;
    let mut r = *leaf;
    for p in proof {
        if f_n & 1 == 1 || f_n == s_n {
            r = node_hash(p, &r);
            // Skip levels where this node has no right sibling.
            while f_n & 1 == 0 && f_n != 0 {
                f_n >>= 1;
                s_n >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    if r != *root {
        return Err(root_mismatch("tree", &r, root));
    }
    Ok(())
}

/// Number of hashes in an inclusion proof (`index < size`).
fn inclusion_proof_len(index: u64, size: u64) -> usize {
    // Levels below the point where the paths to `index` and to the last
    // leaf diverge each contribute one hash; above it, one per set bit of
    // the remaining (right-edge) path.
    let last = size - 1;
    let inner = (64 - (index ^ last).leading_zeros()) as usize;
    let border = (index >> inner).count_ones() as usize;
    inner + border
}

/// RFC 9162 §2.1.4.2: verifies that the tree of `old` leaves with root
/// `old_root` is a prefix of the tree of `new` leaves with root `new_root`.
pub fn verify_consistency(
    old: u64,
    new: u64,
    proof: &[Hash],
    old_root: &Hash,
    new_root: &Hash,
) -> Result<(), ProofError> {
    if old > new {
        return Err(ProofError::SizeOrder { old, new });
    }
    if old == new {
        if !proof.is_empty() {
            return Err(ProofError::ProofLength {
                expected: 0,
                got: proof.len(),
            });
        }
        if old_root != new_root {
            return Err(ProofError::RootsDiffer);
        }
        // RFC 9162 §2.1.1: the empty tree has exactly one root.
        if old == 0 && *old_root != empty_root() {
            return Err(root_mismatch("tree", old_root, &empty_root()));
        }
        return Ok(());
    }
    if old == 0 {
        return Err(ProofError::EmptyOldTree);
    }
    let expected = consistency_ranges(old, new).len();
    if proof.len() != expected {
        return Err(ProofError::ProofLength {
            expected,
            got: proof.len(),
        });
    }

    // Step 1: if the old tree is a complete subtree, its root is the start.
    let (first, rest) = if old.is_power_of_two() {
        (*old_root, proof)
    } else {
        (proof[0], &proof[1..])
    };
    let mut f_n = old - 1;
    let mut s_n = new - 1;
    while f_n & 1 == 1 {
        f_n >>= 1;
        s_n >>= 1;
    }
    let mut f_r = first;
    let mut s_r = first;
    for c in rest {
        if s_n == 0 {
            return Err(ProofError::ProofLength {
                expected,
                got: proof.len(),
            });
        }
        if f_n & 1 == 1 || f_n == s_n {
            f_r = node_hash(c, &f_r);
            s_r = node_hash(c, &s_r);
            while f_n & 1 == 0 && f_n != 0 {
                f_n >>= 1;
                s_n >>= 1;
            }
        } else {
            s_r = node_hash(&s_r, c);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    if s_n != 0 {
        return Err(ProofError::ProofLength {
            expected,
            got: proof.len(),
        });
    }
    if f_r != *old_root {
        return Err(root_mismatch("old", &f_r, old_root));
    }
    if s_r != *new_root {
        return Err(root_mismatch("new", &s_r, new_root));
    }
    Ok(())
}

fn parse_hash(what: impl FnOnce() -> String, bytes: &[u8]) -> Result<Hash, ProofError> {
    Hash::from_slice(bytes).map_err(|source| ProofError::BadHash {
        what: what(),
        source,
    })
}

fn parse_proof<B: AsRef<[u8]>>(proof: &[B]) -> Result<Vec<Hash>, ProofError> {
    proof
        .iter()
        .enumerate()
        .map(|(i, h)| parse_hash(|| format!("proof hash {i}"), h.as_ref()))
        .collect()
}

/// [`verify_inclusion`] for untrusted bytes off the wire: every hash must be
/// 32 bytes.
pub fn verify_inclusion_raw<B: AsRef<[u8]>>(
    leaf: &[u8],
    index: u64,
    size: u64,
    proof: &[B],
    root: &[u8],
) -> Result<(), ProofError> {
    let leaf = parse_hash(|| "leaf hash".into(), leaf)?;
    let root = parse_hash(|| "root".into(), root)?;
    let proof = parse_proof(proof)?;
    verify_inclusion(&leaf, index, size, &proof, &root)
}

/// [`verify_consistency`] for untrusted bytes off the wire.
///
/// When the sizes are equal and non-zero the roots are only compared, as the
/// reference verifier (transparency-dev/merkle) does: two equal byte strings
/// are the same tree head whatever their length.
pub fn verify_consistency_raw<B: AsRef<[u8]>>(
    old: u64,
    new: u64,
    proof: &[B],
    old_root: &[u8],
    new_root: &[u8],
) -> Result<(), ProofError> {
    if old == new && old != 0 {
        if !proof.is_empty() {
            return Err(ProofError::ProofLength {
                expected: 0,
                got: proof.len(),
            });
        }
        if old_root != new_root {
            return Err(ProofError::RootsDiffer);
        }
        return Ok(());
    }
    let old_root = parse_hash(|| "old root".into(), old_root)?;
    let new_root = parse_hash(|| "new root".into(), new_root)?;
    let proof = parse_proof(proof)?;
    verify_consistency(old, new, &proof, &old_root, &new_root)
}

/// The complete-subtree nodes that appending `leaves` to a stored tree of
/// `size` leaves creates, leaves included, level by level: what a store
/// writes for one batch of appends.
///
/// Reads at most one existing node per level (the left siblings on the
/// right edge of the old tree), in one batched call.
pub fn append_nodes<R: HashReader>(
    reader: &R,
    size: u64,
    leaves: &[Hash],
) -> Result<Vec<(NodeId, Hash)>, ProofError> {
    let new_size = size + leaves.len() as u64;
    // Old nodes that become left children of new parents: at level l, if
    // the old tree ends with an unpaired node and a new parent appears.
    let mut needed = Vec::new();
    for level in 0..63u8 {
        let old_count = size >> level;
        if old_count == 0 {
            break;
        }
        if old_count & 1 == 1 && (new_size >> (level + 1)) > (size >> (level + 1)) {
            needed.push(NodeId::new(level, old_count - 1));
        }
    }
    let old_hashes = reader
        .read_hashes(&needed)
        .map_err(|e| ProofError::Storage(Box::new(e)))?;
    if old_hashes.len() != needed.len() {
        return Err(ProofError::ShortRead {
            asked: needed.len(),
            got: old_hashes.len(),
        });
    }

    let mut out: Vec<(NodeId, Hash)> = Vec::with_capacity(leaves.len() * 2);
    let mut current: Vec<Hash> = leaves.to_vec();
    let mut first = size;
    let mut level = 0u8;
    while !current.is_empty() {
        out.extend(
            current
                .iter()
                .enumerate()
                .map(|(i, h)| (NodeId::new(level, first + i as u64), *h)),
        );
        // Pair this level's nodes (with the stored left sibling if the
        // first new node is a right child) into the next level.
        let mut row = Vec::with_capacity(current.len() + 1);
        let mut start = first;
        if first & 1 == 1 {
            let left = needed
                .iter()
                .position(|n| n.level == level)
                .map(|i| old_hashes[i]);
            match left {
                Some(left) => {
                    row.push(left);
                    start -= 1;
                }
                None => {
                    // No parent completes at this level: drop the orphan.
                    current.remove(0);
                    start += 1;
                }
            }
        }
        row.extend(current);
        current = row
            .chunks_exact(2)
            .map(|pair| node_hash(&pair[0], &pair[1]))
            .collect();
        first = start / 2;
        level += 1;
    }
    Ok(out)
}

/// A node the store was asked for but does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{node} is not stored (tree has {size} leaves)")]
pub struct NodeNotStored {
    /// The node asked for.
    pub node: NodeId,
    /// Leaves in the store.
    pub size: u64,
}

/// Every complete-subtree hash of a growing tree, in memory.
///
/// Appending a leaf is amortised O(1) hashes; proofs need no hashing beyond
/// folding the right edge. Memory is about `2 × 32` bytes per leaf. Used by
/// tests, benches and tools that build a log in memory; a real store keeps
/// the same nodes in its tables or tiles.
#[derive(Clone, Debug, Default)]
pub struct MemoryHashStore {
    /// `levels[l][i]` is the hash of [`NodeId`] `(l, i)`.
    levels: Vec<Vec<Hash>>,
}

impl MemoryHashStore {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// A tree holding `leaves` (leaf hashes) in order.
    pub fn from_leaf_hashes<I: IntoIterator<Item = Hash>>(leaves: I) -> Self {
        let mut store = Self::new();
        for leaf in leaves {
            store.append_leaf_hash(leaf);
        }
        store
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    /// Appends an entry (hashing it as a leaf) and returns its index.
    pub fn append(&mut self, entry: &[u8]) -> u64 {
        self.append_leaf_hash(leaf_hash(entry))
    }

    /// Appends a leaf hash and returns its index.
    pub fn append_leaf_hash(&mut self, leaf: Hash) -> u64 {
        let index = self.size();
        let mut hash = leaf;
        let mut level = 0usize;
        loop {
            if self.levels.len() == level {
                self.levels.push(Vec::new());
            }
            let row = &mut self.levels[level];
            row.push(hash);
            let n = row.len();
            // A right child completes its parent.
            if n.is_multiple_of(2) {
                hash = node_hash(&row[n - 2], &row[n - 1]);
                level += 1;
            } else {
                break;
            }
        }
        index
    }

    /// The stored hash of `node`, if that complete subtree exists.
    pub fn get(&self, node: NodeId) -> Option<Hash> {
        let row = self.levels.get(usize::from(node.level))?;
        row.get(usize::try_from(node.index).ok()?).copied()
    }

    /// The current root.
    pub fn root(&self) -> Hash {
        // Reading our own complete nodes cannot fail.
        root(self, self.size()).unwrap_or_else(|_| empty_root())
    }
}

impl HashReader for MemoryHashStore {
    type Error = NodeNotStored;

    fn read_hashes(&self, nodes: &[NodeId]) -> Result<Vec<Hash>, NodeNotStored> {
        nodes
            .iter()
            .map(|&node| {
                self.get(node).ok_or(NodeNotStored {
                    node,
                    size: self.size(),
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn leaves(n: u64) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect()
    }

    #[test]
    fn a_frontier_extended_from_any_size_reaches_the_tree_root() {
        let all = leaves(300);
        let tree = MemoryHashStore::from_leaf_hashes(all.iter().copied());
        for old in [0u64, 1, 2, 3, 7, 8, 64, 129, 255, 256, 299, 300] {
            let f = Frontier::of(&tree, old).unwrap();
            assert_eq!(f.root(), root(&tree, old).unwrap(), "size {old}");
            // Stored as its parts and read back, then extended to every larger size.
            let mut f = Frontier::from_parts(old, &f.hashes()).unwrap();
            for (i, leaf) in all.iter().enumerate().skip(old as usize) {
                f.push(*leaf);
                assert_eq!(f.size(), i as u64 + 1);
            }
            assert_eq!(f.root(), tree.root(), "from size {old}");
        }
        assert!(Frontier::from_parts(3, &all[..1]).is_err());
        assert_eq!(Frontier::new().root(), empty_root());
    }

    /// RFC 9162 §2.1.1 MTH, written as the recursive definition.
    fn naive_root(d: &[Hash]) -> Hash {
        match d.len() {
            0 => empty_root(),
            1 => d[0],
            n => {
                let k = split_point(n as u64) as usize;
                node_hash(&naive_root(&d[..k]), &naive_root(&d[k..]))
            }
        }
    }

    /// RFC 9162 §2.1.3.1 PATH, recursive.
    fn naive_path(m: usize, d: &[Hash]) -> Vec<Hash> {
        let n = d.len();
        if n == 1 {
            return vec![];
        }
        let k = split_point(n as u64) as usize;
        if m < k {
            let mut p = naive_path(m, &d[..k]);
            p.push(naive_root(&d[k..]));
            p
        } else {
            let mut p = naive_path(m - k, &d[k..]);
            p.push(naive_root(&d[..k]));
            p
        }
    }

    /// RFC 9162 §2.1.4.1 SUBPROOF, recursive.
    fn naive_subproof(m: usize, d: &[Hash], b: bool) -> Vec<Hash> {
        let n = d.len();
        if m == n {
            return if b { vec![] } else { vec![naive_root(d)] };
        }
        let k = split_point(n as u64) as usize;
        if m <= k {
            let mut p = naive_subproof(m, &d[..k], b);
            p.push(naive_root(&d[k..]));
            p
        } else {
            let mut p = naive_subproof(m - k, &d[k..], false);
            p.push(naive_root(&d[..k]));
            p
        }
    }

    #[test]
    fn empty_tree_hash_is_sha256_of_nothing() {
        assert_eq!(
            empty_root().to_hex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(tree_hash(&[]), empty_root());
        assert_eq!(MemoryHashStore::new().root(), empty_root());
    }

    #[test]
    fn rfc6962_reference_roots() {
        // The eight-leaf tree of the RFC 6962 test data (transparency-dev/merkle
        // testonly), whose root the vector files also use.
        let inputs: [&[u8]; 8] = [
            b"",
            b"\x00",
            b"\x10",
            b"\x20\x21",
            b"\x30\x31",
            b"\x40\x41\x42\x43",
            b"\x50\x51\x52\x53\x54\x55\x56\x57",
            b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
        ];
        let hashes: Vec<Hash> = inputs.iter().map(|e| leaf_hash(e)).collect();
        assert_eq!(
            tree_hash(&hashes).to_base64(),
            "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg="
        );
        assert_eq!(
            tree_hash(&hashes[..1]).to_base64(),
            "bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0="
        );
    }

    #[test]
    fn out_of_range_requests_are_refused() {
        let store = MemoryHashStore::from_leaf_hashes(leaves(5));
        assert!(matches!(
            inclusion_proof(&store, 5, 5),
            Err(ProofError::IndexOutOfRange { index: 5, size: 5 })
        ));
        assert!(matches!(
            consistency_proof(&store, 6, 5),
            Err(ProofError::SizeOrder { .. })
        ));
        assert!(matches!(
            consistency_proof(&store, 0, 5),
            Err(ProofError::EmptyOldTree)
        ));
        // Asking for a bigger tree than stored is a storage error, not a panic.
        assert!(matches!(root(&store, 9), Err(ProofError::Storage(_))));
    }

    #[test]
    fn hash_serde_is_base64() {
        let h = leaf_hash(b"x");
        let json = serde_json::to_string(&h).unwrap();
        assert_eq!(json, format!("\"{}\"", h.to_base64()));
        assert_eq!(serde_json::from_str::<Hash>(&json).unwrap(), h);
        assert!(serde_json::from_str::<Hash>("\"AAAA\"").is_err());
    }

    proptest! {
        #[test]
        fn roots_match_naive(n in 0u64..600, seed in any::<u64>()) {
            let l = leaves(n);
            let store = MemoryHashStore::from_leaf_hashes(l.iter().copied());
            let naive = naive_root(&l);
            prop_assert_eq!(tree_hash(&l), naive);
            prop_assert_eq!(store.root(), naive);
            // A prefix of the stored tree too.
            let m = seed % (n + 1);
            prop_assert_eq!(root(&store, m).unwrap(), naive_root(&l[..m as usize]));
        }

        #[test]
        fn append_nodes_matches_memory_store(old in 0u64..600, added in 0u64..300) {
            let l = leaves(old + added);
            let before = MemoryHashStore::from_leaf_hashes(l[..old as usize].iter().copied());
            let after = MemoryHashStore::from_leaf_hashes(l.iter().copied());
            let nodes = append_nodes(&before, old, &l[old as usize..]).unwrap();
            // Exactly the nodes the grown tree has and the old one lacks.
            let mut expected = Vec::new();
            for level in 0..20u8 {
                for index in (old >> level)..((old + added) >> level) {
                    let node = NodeId::new(level, index);
                    expected.push((node, after.get(node).unwrap()));
                }
            }
            let mut got = nodes.clone();
            got.sort_by_key(|(n, _)| *n);
            expected.sort_by_key(|(n, _)| *n);
            prop_assert_eq!(got, expected);
        }

        #[test]
        fn inclusion_matches_naive_and_verifies(n in 1u64..600, seed in any::<u64>()) {
            let l = leaves(n);
            let store = MemoryHashStore::from_leaf_hashes(l.iter().copied());
            let size = 1 + seed % n;
            let index = (seed / 7) % size;
            let proof = inclusion_proof(&store, index, size).unwrap();
            let prefix = &l[..size as usize];
            prop_assert_eq!(&proof.hashes, &naive_path(index as usize, prefix));
            let root = naive_root(prefix);
            prop_assert!(proof.verify(&l[index as usize], &root).is_ok());
            // A different leaf, index or root must fail.
            prop_assert!(proof.verify(&leaf_hash(b"other"), &root).is_err());
            prop_assert!(proof.verify(&l[index as usize], &leaf_hash(b"other")).is_err());
            if size > 1 {
                let other = (index + 1) % size;
                prop_assert!(verify_inclusion(&l[index as usize], other, size, &proof.hashes, &root).is_err());
            }
        }

        #[test]
        fn consistency_matches_naive_and_verifies(n in 1u64..600, a in any::<u64>(), b in any::<u64>()) {
            let l = leaves(n);
            let store = MemoryHashStore::from_leaf_hashes(l.iter().copied());
            let new = 1 + a % n;
            let old = 1 + b % new;
            let proof = consistency_proof(&store, old, new).unwrap();
            if old < new {
                prop_assert_eq!(&proof.hashes, &naive_subproof(old as usize, &l[..new as usize], true));
            } else {
                prop_assert!(proof.hashes.is_empty());
            }
            let r1 = naive_root(&l[..old as usize]);
            let r2 = naive_root(&l[..new as usize]);
            prop_assert!(proof.verify(&r1, &r2).is_ok());
            prop_assert!(proof.verify(&r2, &r1).is_err() || r1 == r2);
            prop_assert!(proof.verify(&leaf_hash(b"x"), &r2).is_err());
            if !proof.hashes.is_empty() {
                let mut bad = proof.clone();
                bad.hashes[0].0[0] ^= 1;
                prop_assert!(bad.verify(&r1, &r2).is_err());
                let mut short = proof.clone();
                short.hashes.pop();
                prop_assert!(short.verify(&r1, &r2).is_err());
            }
        }
    }
}

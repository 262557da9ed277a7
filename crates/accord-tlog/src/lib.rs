//! Accord's verifiable record: the engine of its transparency log.
//!
//! Every write to an Accord hub — a commitment, an incident, an indicator, a
//! request, a key change — becomes a log entry signed by its submitter and
//! appended to a Merkle tree. The hub signs checkpoints of that tree, other
//! parties cosign them as witnesses, and anyone can fetch the tree as static
//! tiles and verify, offline, that nothing was altered or removed. This crate
//! is the pure part of that machinery: formats, hashing, proofs and
//! signatures, with no I/O, no clock and no async runtime. The store decides
//! where hashes live; the server decides how they are served.
//!
//! # Map
//!
//! - [`merkle`] — RFC 9162 §2.1 hashing ([`merkle::Hash`](struct@merkle::Hash), leaf and node
//!   hashes), tree heads, inclusion and consistency proofs and their
//!   verification. Proofs are generated through [`merkle::HashReader`], a
//!   batched read of stored complete-subtree hashes, so a store answers a
//!   proof at 10M leaves with a few dozen lookups instead of rehashing the
//!   log. [`merkle::MemoryHashStore`] is the in-memory store.
//! - [`tiles`] — C2SP tlog-tiles: tile and entry-bundle paths
//!   (`tile/<L>/<N>[.p/<W>]`, `tile/entries/<N>`), which tiles a tree size
//!   publishes, tile data from stored hashes, bundle encoding (u16-length
//!   prefixed, 65,535-byte limit), and [`tiles::TileHashReader`] to compute
//!   proofs from tiles alone (what an offline verifier does).
//! - [`note`] — C2SP signed-note with Ed25519: key IDs, verifier and signer
//!   key strings, signing, parsing, verification against a verifier list,
//!   witness cosignatures side by side.
//! - [`checkpoint`] — C2SP tlog-checkpoint: origin, size, root, extension
//!   lines; parse and format with errors that name the line.
//! - [`entry`] — the log entry: an RFC 8785 canonical JSON envelope
//!   (`kind`, `id`, `submitter`, `submitted_at`, `body_salted_sha256` — or
//!   `body_sha256` in entries written before salting —, `tlp`, `signer_key`,
//!   …) and the submitter's Ed25519 signature over it. The salted commitment
//!   keeps a withheld body from being recovered by guessing.
//!
//! # Design decisions
//!
//! **Stored nodes, not stored indexes.** The Go reference numbers stored
//! hashes in one linear sequence; here a [`merkle::NodeId`] is `(level,
//! index)` of a complete subtree. That maps directly onto a table keyed by
//! `(level, index)` or onto tiles (level `8L` lives in tile level `L`), and
//! keeps proof code free of index arithmetic.
//!
//! **Typed hashes, raw verification at the edge.** Inside the crate a hash
//! is a [`merkle::Hash`](struct@merkle::Hash) (`[u8; 32]`); [`merkle::verify_inclusion_raw`] and
//! [`merkle::verify_consistency_raw`] take untrusted bytes and reject wrong
//! lengths as errors. Both pass every case of the transparency-dev/merkle
//! test vectors (`tests/vectors.rs`).
//!
//! **Interoperability is tested, not assumed.** `tests/go_interop.rs` writes
//! a log built with this crate to disk and checks it with the Go team's
//! reference packages (`golang.org/x/mod/sumdb/note` and `.../tlog`):
//! signature, tree hash through tiles, record and tree proofs.
//!
//! **RFC 8785 by a maintained crate.** Canonical JSON comes from
//! `serde_json_canonicalizer` (0.4), which sorts keys by UTF-16 code units
//! and formats numbers with `ryu-js`, an implementation of ECMAScript's
//! `Number.prototype.toString` — the part hand-written canonicalizers most
//! often get wrong. It is tested here against the examples of RFC 8785
//! §3.2.2 and §3.2.3. Entry bytes must be exactly canonical, and envelopes
//! refuse integers beyond ±2^53 (I-JSON), which JCS cannot keep exact.
//!
//! # Example
//!
//! ```
//! use accord_tlog::checkpoint::Checkpoint;
//! use accord_tlog::merkle::{self, MemoryHashStore};
//! use accord_tlog::note::Signer;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // A log of three entries.
//! let mut tree = MemoryHashStore::new();
//! for entry in [b"first".as_slice(), b"second", b"third"] {
//!     tree.append(entry);
//! }
//!
//! // The hub signs a checkpoint; a verifier opens it with the public key.
//! let signer = Signer::from_seed("accord.example/log", &[7; 32])?;
//! let note = Checkpoint::new("accord.example/log", tree.size(), tree.root()).sign(&signer)?;
//! let (checkpoint, _) =
//!     Checkpoint::open(note.to_string().as_bytes(), "accord.example/log", &[signer.verifier()])?;
//!
//! // Prove that "second" is entry 1 of that checkpoint.
//! let proof = merkle::inclusion_proof(&tree, 1, checkpoint.size)?;
//! proof.verify(&merkle::leaf_hash(b"second"), &checkpoint.root)?;
//! # Ok(())
//! # }
//! ```

pub mod checkpoint;
pub mod entry;
pub mod merkle;
pub mod note;
pub mod tiles;

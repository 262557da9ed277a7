//! Mirroring a peer's log with full verification, below HTTP: a peer log of N entries in
//! memory (`accord_store::testkit::mirror::Peer`: party-signed incidents, operator rules and
//! amendments), pulled whole by `federation::pull` (checkpoint, every signature against the
//! key history, every body against its commitment, the tree from the leaves) and stored in a
//! fresh SQLite store; then the two ways of proving the entries are in the signed tree, timed
//! apart: extending the tree's right edge by every leaf (what `pull` does) and checking one
//! RFC 9162 inclusion proof per entry.
//!
//! ```sh
//! cargo run --release -p accord-store-sqlite --example mirror_sync -- 100000
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use accord_store::Store;
use accord_store::federation::pull;
use accord_store::testkit::mirror::Peer;
use accord_store_sqlite::SqliteStore;
use accord_tlog::merkle::{self, Frontier, NodeId};

#[tokio::main]
async fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse().expect("the number of entries"))
        .unwrap_or(10_000);
    let t = Instant::now();
    let mut peer = Peer::new();
    peer.grow_to(n);
    println!("built a peer log of {n} entries in {:.2?}", t.elapsed());

    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    let t = Instant::now();
    let pulled = pull(&peer, &peer.verifier(), None, 0, &|_, _| {})
        .await
        .unwrap()
        .unwrap();
    let verified = t.elapsed();
    let records = pulled.entries.len();
    let t = Instant::now();
    store
        .advance_mirror(None, pulled.state, pulled.entries)
        .await
        .unwrap();
    let stored = t.elapsed();
    println!(
        "pull with full verification: {verified:.2?}; storing {records} records: {stored:.2?}; total {:.2?}",
        verified + stored
    );

    let leaves: Vec<_> = (0..n as u64)
        .map(|i| peer.tree.get(NodeId::new(0, i)).unwrap())
        .collect();
    let root = peer.tree.root();
    let t = Instant::now();
    let mut frontier = Frontier::new();
    for leaf in &leaves {
        frontier.push(*leaf);
    }
    assert_eq!(frontier.root(), root);
    println!("tree from the leaves (Frontier): {:.2?}", t.elapsed());
    let proofs: Vec<_> = (0..n as u64)
        .map(|i| merkle::inclusion_proof(&peer.tree, i, n as u64).unwrap())
        .collect();
    let t = Instant::now();
    for (proof, leaf) in proofs.iter().zip(&leaves) {
        proof.verify(leaf, &root).unwrap();
    }
    println!(
        "{n} inclusion proofs checked (proofs already fetched): {:.2?}",
        t.elapsed()
    );
}

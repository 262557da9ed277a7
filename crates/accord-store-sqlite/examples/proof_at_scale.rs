//! Inclusion and consistency proofs served from a SQLite log of N leaves (default 10,000,000).
//!
//! Writing ten million signed entries through the hub would take most of an hour, and a proof
//! reads only the `log_nodes` table, so this builds that table directly: random leaf hashes,
//! every complete-subtree node computed the way `Store::append` computes them, and a
//! checkpoint row for size N. Then it times proofs through the `Store` trait, exactly as
//! `/log/proof/inclusion` serves them.
//!
//! `cargo run --release -p accord-store-sqlite --example proof_at_scale -- 10000000`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use accord_store::Store;
use accord_store_sqlite::SqliteStore;
use accord_tlog::merkle::{self, Hash, MemoryHashStore};

#[tokio::main]
async fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .map(|s| s.parse().expect("N must be a number"))
        .unwrap_or(10_000_000);
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();

    let t = Instant::now();
    // Leaf hashes from a cheap counter-based generator: only their tree matters here.
    let tree =
        MemoryHashStore::from_leaf_hashes((0..n).map(|i| merkle::leaf_hash(&i.to_le_bytes())));
    let root = tree.root();
    println!(
        "tree of {n} leaves built in memory in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let t = Instant::now();
    {
        let mut conn = rusqlite::Connection::open(store.path()).unwrap();
        conn.execute_batch("PRAGMA synchronous = OFF").unwrap();
        let tx = conn.transaction().unwrap();
        {
            let mut stmt = tx
                .prepare("INSERT INTO log_nodes (level, idx, hash) VALUES (?1, ?2, ?3)")
                .unwrap();
            for level in 0..64u8 {
                let count = n >> level;
                if count == 0 {
                    break;
                }
                for index in 0..count {
                    let h: Hash = tree.get(merkle::NodeId::new(level, index)).unwrap();
                    stmt.execute(rusqlite::params![level, index as i64, h.0.as_slice()])
                        .unwrap();
                }
            }
        }
        tx.execute(
            "INSERT INTO checkpoints (size, root, note, signed_at) VALUES (?1, ?2, 'synthetic', 'now')",
            rusqlite::params![n as i64, root.0.as_slice()],
        )
        .unwrap();
        tx.commit().unwrap();
    }
    println!("log_nodes written in {:.1} s", t.elapsed().as_secs_f64());

    // Warm up, then time proofs at spread-out indexes.
    let rounds = 20_000u64;
    let step = (n / rounds).max(1) | 1;
    for i in 0..1000 {
        store.inclusion_proof((i * step) % n, n).await.unwrap();
    }
    let t = Instant::now();
    for i in 0..rounds {
        let index = (i * step * 7919) % n;
        let proof = store.inclusion_proof(index, n).await.unwrap();
        assert_eq!(proof.tree_size, n);
    }
    let per = t.elapsed().as_secs_f64() / rounds as f64;
    println!(
        "inclusion proof at {n} leaves: {:.1} µs each (mean of {rounds})",
        per * 1e6
    );

    // And one verified, so the numbers are for real proofs.
    let index = n / 3;
    let proof = store.inclusion_proof(index, n).await.unwrap();
    proof
        .verify(&merkle::leaf_hash(&index.to_le_bytes()), &root)
        .unwrap();

    let t = Instant::now();
    for i in 1..=2000u64 {
        store
            .consistency_proof((i * 4099) % (n - 1) + 1, n)
            .await
            .unwrap();
    }
    println!(
        "consistency proof at {n} leaves: {:.1} µs each (mean of 2000)",
        t.elapsed().as_secs_f64() / 2000.0 * 1e6
    );
}

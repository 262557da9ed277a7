//! The hub as a C2SP tlog-witness on SQLite, below HTTP: 1,000 checkpoints of one log, each
//! one entry past the last, witnessed in turn (parse, the log's signature, the consistency
//! proof, the cosignature, the compare-and-set that stores it).
//!
//! `cargo bench -p accord-store-sqlite --bench witnessing`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use accord_store::Store;
use accord_store::witnessing::{WitnessConfig, add_checkpoint, request_body};
use accord_store_sqlite::SqliteStore;
use accord_tlog::checkpoint::Checkpoint;
use accord_tlog::merkle::{self, MemoryHashStore};
use accord_tlog::note::Signer;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};

const CHECKPOINTS: u64 = 1_000;
const ORIGIN: &str = "peer.example/log";

/// The request bodies a log of 1,000,000 + n entries sends, n = 1..=1,000, each from the
/// size before (proofs of realistic length, about 20 hashes).
fn requests(log: &Signer) -> Vec<String> {
    let mut tree = MemoryHashStore::new();
    let base = 1_000_000;
    for i in 0..base {
        tree.append_leaf_hash(merkle::leaf_hash(&u64::to_be_bytes(i)));
    }
    let mut out = Vec::new();
    let mut old = 0;
    for i in 0..CHECKPOINTS {
        tree.append_leaf_hash(merkle::leaf_hash(&u64::to_be_bytes(base + i)));
        let size = tree.size();
        let proof = if old == 0 {
            Vec::new()
        } else {
            merkle::consistency_proof(&tree, old, size).unwrap().hashes
        };
        let note = Checkpoint::new(ORIGIN, size, tree.root())
            .sign(log)
            .unwrap();
        out.push(request_body(old, &proof, &note));
        old = size;
    }
    out
}

fn witnessing(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let log = Signer::from_seed(ORIGIN, &[11; 32]).unwrap();
    let config = WitnessConfig::new(
        Signer::from_seed("witness.bench/w", &[12; 32]).unwrap(),
        vec![log.verifier()],
    )
    .unwrap();
    let bodies = requests(&log);
    let mut group = c.benchmark_group("witnessing");
    group.sample_size(10);
    group.bench_function("1000 checkpoints, one after another (SQLite)", |b| {
        b.iter_batched(
            || {
                let dir = tempfile::tempdir().unwrap();
                let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path()).unwrap());
                (dir, store)
            },
            |(_dir, store)| {
                rt.block_on(async {
                    for body in &bodies {
                        add_checkpoint(store.as_ref(), &config, body.as_bytes(), 1_800_000_000)
                            .await
                            .unwrap();
                    }
                })
            },
            BatchSize::PerIteration,
        );
    });
    group.finish();
}

criterion_group!(benches, witnessing);
criterion_main!(benches);

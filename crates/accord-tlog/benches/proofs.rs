//! Proof generation and verification at 10M leaves.
//!
//! The tree is built once in memory (leaf hashes of the indexes, every
//! complete subtree stored — what a table-backed store keeps), then:
//!
//! - `inclusion/generate` and `inclusion/generate+verify`: proof of a
//!   pseudo-random leaf in the 10M tree, from stored nodes;
//! - `inclusion/tiles/generate`: the same through `TileHashReader`, which
//!   rebuilds interior nodes from 256-hash tiles (what a client holding only
//!   tiles, or a tile-only store, pays);
//! - `consistency/generate+verify`: between a pseudo-random older size and
//!   10M;
//! - `append/append_nodes_1000_at_10M`: the nodes a batch of 1,000 appends
//!   creates on a 10M tree (what a store computes per group commit);
//! - `root/stored`: tree head at 10M from stored nodes;
//! - `root/from_leaves_1M`: tree head recomputed from 1M leaf hashes.
//!
//! Run: `cargo bench -p accord-tlog --bench proofs`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a bench: failing loudly is the point

use std::hint::black_box;

use accord_tlog::merkle::{self, Hash, MemoryHashStore, leaf_hash};
use accord_tlog::tiles::{self, Tile, TileHashReader, TileReader};
use criterion::{Criterion, criterion_group, criterion_main};

const SIZE: u64 = 10_000_000;

/// Serves tiles straight from the stored nodes.
struct StoreTiles<'a>(&'a MemoryHashStore);

impl TileReader for StoreTiles<'_> {
    type Error = merkle::ProofError;
    fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, Self::Error> {
        tiles
            .iter()
            .map(|t| tiles::read_tile_data(self.0, t))
            .collect()
    }
}

/// A cheap deterministic sequence of indexes (xorshift).
fn indexes(seed: u64) -> impl FnMut(u64) -> u64 {
    let mut x = seed;
    move |bound| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % bound
    }
}

fn bench(c: &mut Criterion) {
    let store = MemoryHashStore::from_leaf_hashes((0..SIZE).map(|i| leaf_hash(&i.to_le_bytes())));
    let root = store.root();

    let mut g = c.benchmark_group("inclusion");
    let mut next = indexes(0x9e37_79b9_7f4a_7c15);
    g.bench_function("generate_10M", |b| {
        b.iter(|| merkle::inclusion_proof(&store, black_box(next(SIZE)), SIZE).unwrap())
    });
    let mut next = indexes(0x9e37_79b9_7f4a_7c15);
    g.bench_function("generate+verify_10M", |b| {
        b.iter(|| {
            let index = next(SIZE);
            let proof = merkle::inclusion_proof(&store, index, SIZE).unwrap();
            let leaf = store.get(merkle::NodeId::new(0, index)).unwrap();
            proof.verify(&leaf, &root).unwrap();
        })
    });
    let tile_reader = TileHashReader::new(SIZE, StoreTiles(&store));
    let mut next = indexes(0x2545_f491_4f6c_dd1d);
    g.bench_function("tiles/generate_10M", |b| {
        b.iter(|| merkle::inclusion_proof(&tile_reader, black_box(next(SIZE)), SIZE).unwrap())
    });
    g.finish();

    let mut g = c.benchmark_group("consistency");
    let mut next = indexes(0x5851_f42d_4c95_7f2d);
    let mut roots: std::collections::HashMap<u64, Hash> = Default::default();
    let olds: Vec<u64> = (0..64).map(|_| 1 + next(SIZE - 1)).collect();
    for &old in &olds {
        roots.insert(old, merkle::root(&store, old).unwrap());
    }
    let mut i = 0usize;
    g.bench_function("generate+verify_10M", |b| {
        b.iter(|| {
            let old = olds[i % olds.len()];
            i += 1;
            let proof = merkle::consistency_proof(&store, old, SIZE).unwrap();
            proof.verify(&roots[&old], &root).unwrap();
        })
    });
    g.finish();

    let mut g = c.benchmark_group("append");
    let batch: Vec<Hash> = (SIZE..SIZE + 1000)
        .map(|i| leaf_hash(&i.to_le_bytes()))
        .collect();
    g.bench_function("append_nodes_1000_at_10M", |b| {
        b.iter(|| merkle::append_nodes(&store, SIZE, black_box(&batch)).unwrap())
    });
    g.finish();

    let mut g = c.benchmark_group("root");
    g.bench_function("stored_10M", |b| {
        b.iter(|| merkle::root(&store, black_box(SIZE)).unwrap())
    });
    let leaves: Vec<Hash> = (0..1_000_000u64)
        .map(|i| leaf_hash(&i.to_le_bytes()))
        .collect();
    g.sample_size(10);
    g.bench_function("from_leaves_1M", |b| {
        b.iter(|| merkle::tree_hash(black_box(&leaves)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

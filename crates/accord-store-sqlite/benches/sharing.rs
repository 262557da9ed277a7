//! The sharing read and write paths on SQLite, below HTTP: a page of 100 indicators as a
//! TAXII reader gets it (TLP filtering, version selection, bodies), from the start of a
//! 10,000-object collection and from its middle; and an envelope of 100 indicators added
//! (checked, signed with the party's custodial key, appended to the log).
//!
//! `cargo bench -p accord-store-sqlite --bench sharing`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use accord_stix::tlp::Reader;

use accord_store::Store;
use accord_store::sequencer::Sequencer;
use accord_store::sharing::{
    Collection, Member, ObjectQuery, add_objects, collection_for, define_collection,
    visible_objects,
};
use accord_store::testkit::{bundled, operator};
use accord_store::write::seed_bundled;
use accord_store_sqlite::SqliteStore;
use accord_tlp::Tlp;
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};

const OBJECTS: u32 = 10_000;
const ENVELOPE: u32 = 100;

fn indicator(n: u32) -> Value {
    json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": format!("indicator--00000000-0000-4000-8000-{n:012}"),
        "created": "2026-02-01T00:00:00.000Z",
        "modified": "2026-02-01T00:00:00.000Z",
        "name": format!("bench indicator {n}"),
        "indicator_types": ["malicious-activity"],
        "pattern": format!("[ipv4-addr:value = '10.{}.{}.{}']", n >> 16 & 255, n >> 8 & 255, n & 255),
        "pattern_type": "stix",
        "valid_from": "2026-02-01T00:00:00Z"
    })
}

fn sharing(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (store, seq) = rt.block_on(async {
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path()).unwrap());
        seed_bundled(store.as_ref(), operator(), &bundled())
            .await
            .unwrap();
        let seq = Sequencer::start(store.clone(), operator());
        define_collection(
            &seq,
            Collection {
                id: "bench".into(),
                title: "bench".into(),
                description: None,
                members: vec![Member {
                    party: "FR".into(),
                    can_read: true,
                    can_write: true,
                }],
                default_tlp: Tlp::Green,
                anonymous_read: false,
                mirror: None,
            },
        )
        .await
        .unwrap();
        for start in (0..OBJECTS).step_by(ENVELOPE as usize) {
            let objects = (start..start + ENVELOPE).map(indicator).collect();
            let out = add_objects(store.as_ref(), &seq, "FR", "bench", objects)
                .await
                .unwrap();
            assert_eq!(out.successes.len(), ENVELOPE as usize);
        }
        (store, seq)
    });
    let store = store.as_ref();
    let collection = rt
        .block_on(collection_for(store, "bench", Reader::Party("FR")))
        .unwrap();
    let page = |next: Option<String>| {
        let query = ObjectQuery {
            limit: 100,
            next,
            ..ObjectQuery::default()
        };
        rt.block_on(visible_objects(
            store,
            &collection,
            Reader::Party("FR"),
            &query,
            true,
        ))
        .unwrap()
    };
    // The token of the page that starts half-way through.
    let mut middle = None;
    for _ in 0..OBJECTS / 200 {
        middle = page(middle).next;
    }

    let mut g = c.benchmark_group("sharing");
    g.bench_function("page of 100, first", |b| {
        b.iter(|| black_box(page(None).items.len()))
    });
    g.bench_function("page of 100, middle", |b| {
        b.iter(|| black_box(page(middle.clone()).items.len()))
    });
    let next = AtomicU32::new(OBJECTS);
    g.sample_size(20);
    g.bench_function("envelope of 100 added", |b| {
        b.iter(|| {
            let start = next.fetch_add(ENVELOPE, Ordering::Relaxed);
            let objects = (start..start + ENVELOPE).map(indicator).collect();
            rt.block_on(add_objects(store, &seq, "FR", "bench", objects))
                .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, sharing);
criterion_main!(benches);

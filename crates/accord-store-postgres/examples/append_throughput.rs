//! Signed appends per second and reads per second through the store seam, with N nodes
//! (stores with their own pools and sequencers, as separate `accord serve` processes have) on
//! one fresh PostgreSQL database, or one SQLite store for comparison. All nodes run in this
//! process, so they share its CPUs with each other (and, on a small machine, with the
//! database).
//!
//! ```text
//! ACCORD_TEST_POSTGRES_URL=postgres://accord:accord@127.0.0.1:5432/accord \
//!   cargo run --release -p accord-store-postgres --example append_throughput -- postgres 2 64 10
//! cargo run --release -p accord-store-postgres --example append_throughput -- sqlite 1 64 10
//! ```
//!
//! Arguments: backend (`postgres` or `sqlite`), nodes, concurrent writers (spread over the
//! nodes), seconds per phase. Writes are operator-signed incidents (validated, mapped,
//! appended, checkpoint signed); reads are one `log_entry`, one `incident` and one
//! `checkpoint` per request, from as many readers.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use accord_store::Store;
use accord_store::sequencer::Sequencer;
use accord_store::testkit::{bundled, operator};
use accord_store::write::{record_incident_as_operator, seed_bundled};
use accord_store_postgres::testkit::{fresh_postgres_database, server_url};
use accord_store_postgres::{Options, PostgresStore};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let backend = args.first().map_or("postgres", String::as_str).to_owned();
    let nodes: usize = args.get(1).map_or(1, |a| a.parse().unwrap());
    let writers: usize = args.get(2).map_or(64, |a| a.parse().unwrap());
    let seconds: u64 = args.get(3).map_or(10, |a| a.parse().unwrap());

    let mut keep: Vec<Box<dyn std::any::Any>> = Vec::new();
    let mut stores: Vec<Arc<dyn Store>> = Vec::new();
    if backend == "sqlite" {
        let dir = tempfile::tempdir().unwrap();
        stores.push(Arc::new(
            accord_store_sqlite::SqliteStore::open(dir.path()).unwrap(),
        ));
        keep.push(Box::new(dir));
    } else {
        let Some(server) = server_url() else { return };
        let db = fresh_postgres_database(&server).await.unwrap();
        for _ in 0..nodes {
            let options = Options {
                pool_size: 8,
                ..Options::default()
            };
            stores.push(Arc::new(
                PostgresStore::open_with(&db.url, &options).await.unwrap(),
            ));
        }
        keep.push(Box::new(db));
    }
    let op = operator();
    seed_bundled(stores[0].as_ref(), op.clone(), &bundled())
        .await
        .unwrap();
    let seqs: Vec<Sequencer> = stores
        .iter()
        .map(|s| Sequencer::start(s.clone(), op.clone()))
        .collect();
    let template = stores[0].incident("notpetya-2017").await.unwrap().incident;

    // The store alone: batches of ready writes straight to `Store::append`, no write path.
    let record = stores[0].incident("notpetya-2017").await.unwrap();
    let batch = 64;
    let start = Instant::now();
    let mut raw = 0;
    while start.elapsed() < Duration::from_secs(seconds.min(4)) {
        let writes = (0..batch)
            .map(|i| {
                let mut r = record.clone();
                r.incident.id = format!("raw-{raw}-{i}");
                accord_store::write::operator_write(
                    &op,
                    "incident",
                    &r.incident.id.clone(),
                    &r.incident.clone(),
                    accord_store::log::Effect::Incident(Box::new(r)),
                )
                .unwrap()
            })
            .collect();
        let out = stores[raw % stores.len()]
            .append(writes, op.clone())
            .await
            .unwrap();
        assert!(out.results.iter().all(Result::is_ok));
        raw += 1;
    }
    let raw_elapsed = start.elapsed().as_secs_f64();
    println!(
        "{backend}: Store::append alone, batches of {batch}: {:.0} appends/s ({:.1} ms per batch)",
        (raw * batch) as f64 / raw_elapsed,
        raw_elapsed * 1000.0 / raw as f64
    );

    // Writes.
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for w in 0..writers {
        let (store, seq) = (
            stores[w % stores.len()].clone(),
            seqs[w % seqs.len()].clone(),
        );
        let (stop, done, template) = (stop.clone(), done.clone(), template.clone());
        tasks.spawn(async move {
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let mut incident = template.clone();
                incident.id = format!("bench-{w}-{n}");
                n += 1;
                record_incident_as_operator(store.as_ref(), &seq, incident)
                    .await
                    .unwrap();
                done.fetch_add(1, Ordering::Relaxed);
            }
        });
    }
    let start = Instant::now();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let writes = done.load(Ordering::Relaxed);
    let elapsed = start.elapsed().as_secs_f64();
    while tasks.join_next().await.is_some() {}
    let size = stores[0].checkpoint().await.unwrap().unwrap().size;

    // Reads.
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    for r in 0..writers {
        let store = stores[r % stores.len()].clone();
        let (stop, done) = (stop.clone(), done.clone());
        tasks.spawn(async move {
            let mut i = r as u64;
            while !stop.load(Ordering::Relaxed) {
                i = (i * 7919 + 13) % size;
                store.log_entry(i).await.unwrap();
                store.incident("notpetya-2017").await.unwrap();
                store.checkpoint().await.unwrap();
                done.fetch_add(1, Ordering::Relaxed);
                // SQLite reads run in place and never suspend: yield, or the loop would hold
                // its worker thread (and the timer that ends the phase) for ever.
                tokio::task::yield_now().await;
            }
        });
    }
    let start = Instant::now();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let reads = done.load(Ordering::Relaxed);
    let read_elapsed = start.elapsed().as_secs_f64();
    while tasks.join_next().await.is_some() {}
    println!(
        "{backend} nodes={} writers={writers}: {:.0} signed appends/s ({writes} in {elapsed:.1}s, log size {size}); {:.0} reads/s",
        stores.len(),
        writes as f64 / elapsed,
        reads as f64 / read_elapsed
    );
    drop(stores);
    drop(keep);
}

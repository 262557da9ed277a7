//! Several nodes, one log: stores with their own pools and sequencers (as separate `accord
//! serve` processes have) on one database, appending at once; a sequencer killed mid-batch;
//! every connection cut; schema and reachability errors.
//!
//! Needs `ACCORD_TEST_POSTGRES_URL` (skipped when unset), except the unreachable-database test.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use accord_store::kind;
use accord_store::log::{Effect, Operator, SignedCheckpoint};
use accord_store::sequencer::Sequencer;
use accord_store::testkit::{audit_store, bundled, operator};
use accord_store::write::{RecordError, operator_write, record_incident_as_operator, seed_bundled};
use accord_store::{Store, StoreError};
use accord_store_postgres::testkit::{TestDatabase, fresh_postgres_database, server_url};
use accord_store_postgres::{Options, PostgresStore, SEQUENCER_LOCK, migrate};
use accord_tlog::checkpoint::Checkpoint;
use accord_tlog::entry::SignedEntry;
use accord_tlog::merkle;
use tokio_postgres::NoTls;

/// Small pools: several nodes and tests share one server's connection limit.
fn node_options() -> Options {
    Options {
        pool_size: 4,
        ..Options::default()
    }
}

struct Cluster {
    db: TestDatabase,
    nodes: Vec<Arc<dyn Store>>,
    seqs: Vec<Sequencer>,
    op: Arc<Operator>,
}

/// `n` nodes on one fresh database, seeded through the first.
async fn cluster(n: usize) -> Option<Cluster> {
    let server = server_url()?;
    let db = fresh_postgres_database(&server).await.unwrap();
    let op = operator();
    let mut nodes: Vec<Arc<dyn Store>> = Vec::new();
    for _ in 0..n {
        nodes.push(Arc::new(
            PostgresStore::open_with(&db.url, &node_options())
                .await
                .unwrap(),
        ));
    }
    seed_bundled(nodes[0].as_ref(), op.clone(), &bundled())
        .await
        .unwrap();
    let seqs = nodes
        .iter()
        .map(|s| Sequencer::start(s.clone(), op.clone()))
        .collect();
    Some(Cluster {
        db,
        nodes,
        seqs,
        op,
    })
}

/// A raw session on the test database, for what a node never does (killing sessions).
async fn admin(url: &str) -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(url, NoTls).await.unwrap();
    tokio::spawn(conn);
    client
}

/// Records incident `id` (a copy of a bundled one) through node `seq`.
async fn write(
    store: &dyn Store,
    seq: &Sequencer,
    template: &accord_core::incident::Incident,
    id: String,
) -> Result<u64, RecordError> {
    let mut incident = template.clone();
    incident.id = id;
    Ok(record_incident_as_operator(store, seq, incident)
        .await?
        .log_index
        .unwrap())
}

/// Every published checkpoint, smallest first.
async fn all_checkpoints(store: &dyn Store, size: u64) -> Vec<SignedCheckpoint> {
    let mut out = Vec::new();
    for s in 1..=size {
        if let Some(c) = store.checkpoint_at(s).await.unwrap() {
            out.push(c);
        }
    }
    out
}

/// The log is one gap-free sequence; every checkpoint is signed, its root the tree of its
/// entries, and consistent with the next one (so, by transitivity, with every later one);
/// the whole log passes `log verify`; every node serves the same checkpoint.
async fn check_log(c: &Cluster) -> u64 {
    let head = c.nodes[0].checkpoint().await.unwrap().unwrap();
    for node in &c.nodes {
        assert_eq!(node.checkpoint().await.unwrap().as_ref(), Some(&head));
    }
    let entries = c.nodes[1 % c.nodes.len()]
        .log_entries(0, head.size)
        .await
        .unwrap();
    let indexes: Vec<u64> = entries.iter().map(|e| e.index).collect();
    assert_eq!(
        indexes,
        (0..head.size).collect::<Vec<_>>(),
        "gaps in the log"
    );
    let leaves: Vec<_> = entries
        .iter()
        .map(|e| merkle::leaf_hash(&e.entry))
        .collect();
    let checkpoints = all_checkpoints(c.nodes[0].as_ref(), head.size).await;
    assert_eq!(checkpoints.last(), Some(&head));
    for cp in &checkpoints {
        let (parsed, _) =
            Checkpoint::open(cp.note.as_bytes(), c.op.origin(), &[c.op.signer.verifier()]).unwrap();
        assert_eq!((parsed.size, parsed.root), (cp.size, cp.root));
        assert_eq!(
            merkle::tree_hash(&leaves[..cp.size as usize]),
            cp.root,
            "checkpoint {} does not cover the log's first entries",
            cp.size
        );
    }
    for pair in checkpoints.windows(2) {
        let node = &c.nodes[pair[1].size as usize % c.nodes.len()];
        let proof = node
            .consistency_proof(pair[0].size, pair[1].size)
            .await
            .unwrap();
        proof.verify(&pair[0].root, &pair[1].root).unwrap();
    }
    let report = audit_store(c.nodes[0].as_ref(), &c.op).await;
    assert_eq!(report.size, head.size);
    head.size
}

/// The ids of the incident entries in the log, checking each appears once.
async fn logged_ids(store: &dyn Store) -> HashSet<String> {
    let size = store.checkpoint().await.unwrap().unwrap().size;
    let mut ids = HashSet::new();
    for e in store.log_entries(0, size).await.unwrap() {
        let entry = SignedEntry::from_bytes(&e.entry).unwrap();
        if entry.envelope.kind == "incident" {
            assert!(
                ids.insert(entry.envelope.id.clone()),
                "{} logged twice",
                entry.envelope.id
            );
        }
    }
    ids
}

async fn concurrent_writes_on(nodes: usize, writes: usize) {
    let Some(c) = cluster(nodes).await else {
        return;
    };
    let template = c.nodes[0].incident("notpetya-2017").await.unwrap().incident;
    let start = c.nodes[0].checkpoint().await.unwrap().unwrap().size;
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..writes {
        let (store, seq) = (c.nodes[n % nodes].clone(), c.seqs[n % nodes].clone());
        let template = template.clone();
        tasks.spawn(async move {
            let id = format!("multi-{n}");
            let index = write(store.as_ref(), &seq, &template, id.clone())
                .await
                .unwrap();
            (id, index)
        });
    }
    let mut acknowledged = Vec::new();
    while let Some(done) = tasks.join_next().await {
        acknowledged.push(done.unwrap());
    }
    let mut indexes: Vec<u64> = acknowledged.iter().map(|(_, i)| *i).collect();
    indexes.sort_unstable();
    assert_eq!(
        indexes,
        (start..start + writes as u64).collect::<Vec<_>>(),
        "every write once, no gaps"
    );
    let size = check_log(&c).await;
    assert_eq!(size, start + writes as u64);
    // Every acknowledged write is where its receipt says, with an inclusion proof.
    let head = c.nodes[0].checkpoint().await.unwrap().unwrap();
    for (id, index) in &acknowledged {
        let node = &c.nodes[*index as usize % nodes];
        let e = node.log_entry(*index).await.unwrap();
        assert_eq!(&SignedEntry::from_bytes(&e.entry).unwrap().envelope.id, id);
        node.inclusion_proof(*index, head.size)
            .await
            .unwrap()
            .verify(&merkle::leaf_hash(&e.entry), &head.root)
            .unwrap();
    }
    // Every node reads every node's writes.
    for node in &c.nodes {
        assert_eq!(
            node.counts().await.unwrap().incidents,
            bundled().incidents.len() + writes
        );
    }
    drop(c.db);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_append_one_gap_free_consistent_log() {
    concurrent_writes_on(2, 300).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_nodes_append_one_gap_free_consistent_log() {
    concurrent_writes_on(3, 300).await;
}

/// The pid of the session holding the sequencer lock, if one does.
async fn sequencer_pid(admin: &tokio_postgres::Client) -> Option<i32> {
    // pg_locks splits a bigint advisory key into two 32-bit halves.
    let key = SEQUENCER_LOCK as u64;
    let (hi, lo) = ((key >> 32) as u32, (key & 0xffff_ffff) as u32);
    admin
        .query_opt(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted \
             AND classid::TEXT::BIGINT = $1 AND objid::TEXT::BIGINT = $2 AND objsubid = 1 \
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            &[&i64::from(hi), &i64::from(lo)],
        )
        .await
        .unwrap()
        .map(|r| r.get(0))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killing_the_sequencer_mid_batch_loses_nothing_acknowledged() {
    let Some(c) = cluster(2).await else { return };
    let admin = admin(&c.db.url).await;
    let template = c.nodes[0].incident("notpetya-2017").await.unwrap().incident;
    let stop = Arc::new(AtomicBool::new(false));
    // Writers on both nodes, until told to stop.
    let mut writers = tokio::task::JoinSet::new();
    for w in 0..16 {
        let (store, seq) = (c.nodes[w % 2].clone(), c.seqs[w % 2].clone());
        let (template, stop) = (template.clone(), stop.clone());
        writers.spawn(async move {
            let mut outcomes = Vec::new();
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                let id = format!("kill-{w}-{n}");
                n += 1;
                let outcome = write(store.as_ref(), &seq, &template, id.clone()).await;
                outcomes.push((id, outcome));
            }
            outcomes
        });
    }
    // Kill whichever session holds the sequencer lock, again and again.
    let mut kills = 0;
    for _ in 0..200 {
        if kills == 10 {
            break;
        }
        if let Some(pid) = sequencer_pid(&admin).await {
            let killed: bool = admin
                .query_one("SELECT pg_terminate_backend($1)", &[&pid])
                .await
                .unwrap()
                .get(0);
            kills += usize::from(killed);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The log keeps growing after the kills: the other sessions took over.
    let before = c.nodes[0].checkpoint().await.unwrap().unwrap().size;
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);
    let mut acknowledged = Vec::new();
    let mut failed = 0;
    while let Some(done) = writers.join_next().await {
        for (id, outcome) in done.unwrap() {
            match outcome {
                Ok(index) => acknowledged.push((id, index)),
                // A killed transaction rolls back; its writers get a clean store error.
                Err(RecordError::Store(StoreError::Backend(_) | StoreError::Unavailable(_))) => {
                    failed += 1
                }
                Err(other) => panic!("{id}: unexpected error {other}"),
            }
        }
    }
    assert!(kills > 0, "never caught a sequencer holding the lock");
    assert!(failed > 0, "killing the sequencer failed no write");
    let after = c.nodes[1].checkpoint().await.unwrap().unwrap().size;
    assert!(after > before, "no node took over after the kills");
    check_log(&c).await;
    let logged = logged_ids(c.nodes[0].as_ref()).await;
    for (id, index) in &acknowledged {
        assert!(logged.contains(id), "acknowledged write {id} was lost");
        let e = c.nodes[1].log_entry(*index).await.unwrap();
        assert_eq!(&SignedEntry::from_bytes(&e.entry).unwrap().envelope.id, id);
    }
    eprintln!(
        "{kills} kills: {} writes acknowledged, {failed} failed cleanly",
        acknowledged.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cutting_every_connection_gives_clean_errors_and_the_pool_recovers() {
    let Some(c) = cluster(1).await else { return };
    let admin = admin(&c.db.url).await;
    let template = c.nodes[0].incident("notpetya-2017").await.unwrap().incident;
    for round in 0..3 {
        // As a database restart does: every session of this database ends.
        admin
            .execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = current_database() AND pid <> pg_backend_pid() \
                 AND usename = current_user AND backend_type = 'client backend'",
                &[],
            )
            .await
            .unwrap();
        // The pool checks connections before reuse: the next operations work without a
        // restart of the node, and any that fails does so as a backend error.
        let mut ok = false;
        for attempt in 0..20 {
            match write(
                c.nodes[0].as_ref(),
                &c.seqs[0],
                &template,
                format!("cut-{round}-{attempt}"),
            )
            .await
            {
                Ok(_) => {
                    ok = true;
                    break;
                }
                Err(RecordError::Store(StoreError::Backend(_) | StoreError::Unavailable(_))) => {}
                Err(other) => panic!("unexpected error {other}"),
            }
        }
        assert!(ok, "the node did not recover after round {round}");
        c.nodes[0].checkpoint().await.unwrap().unwrap();
    }
    check_log(&c).await;
}

/// A batch that failed because the database went away was reported to its writers as a
/// backend error (a 500 over HTTP), not as the outage it is (a 503 with `Retry-After`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_during_an_append_reaches_writers_as_unavailable() {
    let Some(c) = cluster(1).await else { return };
    let session = admin(&c.db.url).await;
    // Prepared while the database is up, so that only the append meets the outage.
    let mut record = c.nodes[0].incident("notpetya-2017").await.unwrap();
    record.incident.id = "during-the-outage".into();
    record.log_index = None;
    let during = operator_write(
        &c.op,
        kind::INCIDENT,
        &record.incident.id,
        &record.incident,
        Effect::Incident(Box::new(record.clone())),
    )
    .unwrap();
    // As a database restart does: no new sessions (said from another database, as a
    // database cannot close itself), every open one ended.
    let name: String = session
        .query_one("SELECT current_database()", &[])
        .await
        .unwrap()
        .get(0);
    let server = admin(&server_url().unwrap()).await;
    let allow = |yes: bool| format!("ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS {yes}");
    server.batch_execute(&allow(false)).await.unwrap();
    session
        .batch_execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid() \
             AND usename = current_user AND backend_type = 'client backend'",
        )
        .await
        .unwrap();
    let outcome = c.seqs[0].append(during).await;
    server.batch_execute(&allow(true)).await.unwrap();
    assert!(
        matches!(outcome, Err(StoreError::Unavailable(_))),
        "{outcome:?}"
    );
    // Back up: the same node appends again, at the first try (the failed append dropped the
    // pool's idle connections, which died with it).
    write(
        c.nodes[0].as_ref(),
        &c.seqs[0],
        &record.incident,
        "after-the-outage".into(),
    )
    .await
    .unwrap();
    check_log(&c).await;
}

#[tokio::test]
async fn a_schema_newer_than_the_binary_is_refused() {
    let Some(server) = server_url() else { return };
    let db = fresh_postgres_database(&server).await.unwrap();
    let all = migrations();
    assert_eq!(migrate(&db.url).await.unwrap(), all);
    assert!(migrate(&db.url).await.unwrap().is_empty(), "migrated twice");
    admin(&db.url)
        .await
        .execute(
            "INSERT INTO refinery_schema_history (version, name, applied_on, checksum) \
             VALUES (999, 'from_the_future', '2030-01-01T00:00:00Z', '0')",
            &[],
        )
        .await
        .unwrap();
    match PostgresStore::open(&db.url).await {
        Err(e @ StoreError::SchemaTooNew { found: 999, .. }) => {
            let text = e.to_string();
            assert!(
                text.contains("999") && text.contains(&format!("binary's {}", all.len())),
                "{text}"
            );
        }
        Err(other) => panic!("expected SchemaTooNew, got {other}"),
        Ok(_) => panic!("opened a database with a newer schema"),
    }
    assert!(matches!(
        migrate(&db.url).await,
        Err(StoreError::SchemaTooNew { found: 999, .. })
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_starting_together_migrate_once() {
    let Some(server) = server_url() else { return };
    let db = fresh_postgres_database(&server).await.unwrap();
    let mut opening = tokio::task::JoinSet::new();
    for _ in 0..4 {
        let url = db.url.clone();
        opening.spawn(async move { migrate(&url).await.unwrap() });
    }
    let mut applied = Vec::new();
    while let Some(done) = opening.join_next().await {
        applied.extend(done.unwrap());
    }
    assert_eq!(applied, migrations());
}

/// Every migration in `migrations/` (`V1__initial_schema`, …), in version order.
fn migrations() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut names: Vec<(u32, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            let name = name.trim_end_matches(".sql").to_owned();
            let version = name[1..].split("__").next().unwrap().parse().unwrap();
            (version, name)
        })
        .collect();
    names.sort();
    names.into_iter().map(|(_, n)| n).collect()
}

#[tokio::test]
async fn an_unreachable_database_is_named_without_its_password() {
    // Port 1 on the loopback: nothing listens there.
    let url = "postgres://accord:hunter2@127.0.0.1:1/somedb";
    let e = PostgresStore::open(url).await.unwrap_err();
    let text = e.to_string();
    assert!(matches!(e, StoreError::Unavailable(_)), "{text}");
    assert!(text.contains("127.0.0.1:1/somedb"), "{text}");
    assert!(!text.contains("hunter2"), "the password leaked: {text}");
    let e = migrate(url).await.unwrap_err();
    assert!(!e.to_string().contains("hunter2"), "{e}");
    let e = PostgresStore::open("postgres://accord:hunter2@[::1")
        .await
        .unwrap_err();
    assert!(!e.to_string().contains("hunter2"), "{e}");
}

#[tokio::test]
async fn a_log_changed_behind_its_back_is_not_signed_over() {
    let Some(c) = cluster(1).await else { return };
    let template = c.nodes[0].incident("notpetya-2017").await.unwrap().incident;
    let size = c.nodes[0].checkpoint().await.unwrap().unwrap().size;
    // Someone deletes the latest checkpoint: the log now holds entries no checkpoint covers.
    admin(&c.db.url)
        .await
        .execute("DELETE FROM checkpoints WHERE size = $1", &[&(size as i64)])
        .await
        .unwrap();
    let e = write(c.nodes[0].as_ref(), &c.seqs[0], &template, "x".into())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("checkpoint"), "{e}");
    assert!(c.nodes[0].log_entry(size).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_sequencer_makes_writes_fail_cleanly_then_releases_them() {
    let Some(server) = server_url() else { return };
    let db = fresh_postgres_database(&server).await.unwrap();
    let options = Options {
        pool_size: 2,
        statement_timeout: Duration::from_secs(1),
        ..Options::default()
    };
    let store: Arc<dyn Store> =
        Arc::new(PostgresStore::open_with(&db.url, &options).await.unwrap());
    let op = operator();
    seed_bundled(store.as_ref(), op.clone(), &bundled())
        .await
        .unwrap();
    let seq = Sequencer::start(store.clone(), op);
    let template = store.incident("notpetya-2017").await.unwrap().incident;
    // Another "node" takes the sequencer lock and hangs inside its transaction.
    let mut hung = admin(&db.url).await;
    let tx = hung.transaction().await.unwrap();
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SEQUENCER_LOCK])
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let e = write(store.as_ref(), &seq, &template, "waits".into())
        .await
        .unwrap_err();
    assert!(
        matches!(e, RecordError::Store(StoreError::Backend(_))),
        "{e}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "waited too long"
    );
    assert!(store.incident("waits").await.is_err());
    // Once the hung session goes, writes land again.
    drop(tx);
    drop(hung);
    write(store.as_ref(), &seq, &template, "lands".into())
        .await
        .unwrap();
}

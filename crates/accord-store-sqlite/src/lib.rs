//! # accord-store-sqlite
//!
//! The embedded default backend: one SQLite file (`accord.db`) in the hub's data directory, in
//! WAL mode so readers never wait for the writer, with schema migrations applied at open.
//! `accord serve` needs nothing else installed.
//!
//! rusqlite is synchronous; every call runs on Tokio's blocking pool so the HTTP workers never
//! wait on disk. A single connection behind a mutex serialises access: SQLite allows one writer
//! at a time anyway, and the record's writes are small.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use accord_core::accord::Accord;
use accord_core::corrections::RecordKind;
use accord_core::mapping::RuleSet;
use accord_core::party::Party;
use accord_core::record::IncidentRecord;
use accord_store::log::{
    AmendedRecord, AppendOutcome, Effect, LogWrite, Operator, PartyKey, SignedCheckpoint,
    StoredAmendment, StoredEntry,
};
use accord_store::sharing::{AffiliationBody, Collection, IndexFilter, ObjectMeta, SharingStore};
use accord_store::{Counts, IncidentQuery, Store, StoreError};
use accord_tlog::merkle::{ConsistencyProof, InclusionProof};
use accord_tlog::tiles::Tile;
use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension};

use accord_store::codec::{found, from_json};
use accord_store::tree::{NodeCache, repair_checkpoints};

use crate::db::backend;

mod db;
mod latest_checkpoint;
mod log;
mod mirror;
mod peers;
mod requests;
mod schema;
mod sharing;
mod state;
mod witnessed;

/// The SQLite file's name inside the data directory.
pub const DB_FILE: &str = "accord.db";

/// The accord and the rules as last read, with the stamp they were read under.
#[derive(Clone)]
struct Registry {
    stamp: Option<String>,
    accord: Accord,
    rules: RuleSet,
}

/// A hub's store in one SQLite file.
#[derive(Clone)]
pub struct SqliteStore {
    // One writer and a few readers: in WAL mode readers see the last commit and never wait
    // for a batch being written.
    writer: Arc<Mutex<Connection>>,
    readers: Arc<Vec<Mutex<Connection>>>,
    next_reader: Arc<AtomicUsize>,
    // Every write reads the accord and its rules: keep them parsed, with the stamp of the last
    // write that changed them (`meta.registry_changed_at`), which is read again each time, since
    // another process on the file (`accord data upgrade` beside a running hub) may amend them.
    cache: Arc<RwLock<Option<Registry>>>,
    // Committed upper-level tree nodes, for proofs.
    nodes: Arc<NodeCache>,
    // Wakes the thread that copies committed WAL frames into the database file, so that a
    // commit does not also pay for that copy (see `checkpointer`).
    checkpoints: std::sync::mpsc::SyncSender<()>,
    path: PathBuf,
}

/// Every row of `sql` (selecting `id, body`) parsed from its JSON body; `what` names the
/// record in errors.
fn all_records<T: serde::de::DeserializeOwned>(
    conn: &Connection,
    what: &str,
    sql: &str,
) -> Result<Vec<T>, StoreError> {
    let mut stmt = conn.prepare_cached(sql).map_err(backend)?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .map_err(backend)?;
    let mut out = Vec::new();
    for row in rows {
        let (id, body) = row.map_err(backend)?;
        out.push(from_json(&format!("{what} {id}"), &body)?);
    }
    Ok(out)
}

/// The record `id` of kind `what` that `sql` (one `?1`, one JSON column) selects.
fn one_record<T: serde::de::DeserializeOwned>(
    conn: &Connection,
    what: &'static str,
    sql: &str,
    id: &str,
) -> Result<T, StoreError> {
    let body: Option<String> = conn
        .query_row(sql, [id], |r| r.get(0))
        .optional()
        .map_err(backend)?;
    found(what, id, body.as_deref())
}

impl SqliteStore {
    /// Opens (creating if needed) the store in `data_dir`, applying pending migrations.
    pub fn open(data_dir: &Path) -> Result<Self, StoreError> {
        let store = Self::open_unmigrated(data_dir)?;
        schema::run_migrations(&mut store.writer.lock().unwrap_or_else(|p| p.into_inner()))?;
        Ok(store)
    }

    fn open_unmigrated(data_dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|e| {
            StoreError::Backend(format!(
                "cannot create data directory {}: {e}",
                data_dir.display()
            ))
        })?;
        let path = data_dir.join(DB_FILE);
        let connect = || -> Result<Connection, StoreError> {
            let conn = Connection::open(&path)
                .map_err(|e| StoreError::Backend(format!("cannot open {}: {e}", path.display())))?;
            // WAL: readers do not block the writer. FULL: an acknowledged commit survives a
            // power loss, not only a process crash (a signed checkpoint lost that way would
            // let the hub sign another tree of the same size). mmap: connections share SQLite's
            // page cache behind one mutex otherwise; the price is that a disk read error ends
            // the process (SIGBUS) instead of failing one read.
            conn.execute_batch(
                "PRAGMA journal_mode = WAL;
                 PRAGMA synchronous = FULL;
                 PRAGMA foreign_keys = ON;
                 PRAGMA busy_timeout = 5000;
                 PRAGMA mmap_size = 1073741824;",
            )
            .map_err(backend)?;
            Ok(conn)
        };
        let writer = connect()?;
        // The checkpointer thread keeps the WAL short; the writer checkpoints itself only if
        // that thread falls far behind.
        writer
            .execute_batch("PRAGMA wal_autocheckpoint = 10000;")
            .map_err(backend)?;
        let checkpoints = checkpointer(connect()?);
        let n = std::thread::available_parallelism()
            .map_or(2, |n| n.get())
            .clamp(2, 8);
        let readers = (0..n)
            .map(|_| connect().map(Mutex::new))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(SqliteStore {
            writer: Arc::new(Mutex::new(writer)),
            readers: Arc::new(readers),
            next_reader: Arc::new(AtomicUsize::new(0)),
            cache: Arc::new(RwLock::new(None)),
            nodes: Arc::new(NodeCache::default()),
            checkpoints,
            path,
        })
    }

    /// The database file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs a read on a free reader connection, in place: reads are short (an indexed lookup,
    /// a page of records), and a hop to another thread costs more than the query.
    async fn with<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let n = self.readers.len();
        let start = self.next_reader.fetch_add(1, Ordering::Relaxed);
        // Take the first idle reader; if all are busy, wait for ours.
        let mut guard = (0..n)
            .find_map(|i| self.readers[(start + i) % n].try_lock().ok())
            .unwrap_or_else(|| {
                self.readers[start % n]
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
            });
        f(&mut guard)
    }

    /// The accord and rules, from the cache while no write changed them since, or the
    /// database.
    async fn accord_and_rules(&self) -> Result<(Accord, RuleSet), StoreError> {
        let cached = self.cache.read().unwrap_or_else(|p| p.into_inner()).clone();
        let loaded = self
            .with(move |conn| {
                let stamp: Option<String> = conn
                    .prepare_cached("SELECT value FROM meta WHERE key = ?1")
                    .and_then(|mut stmt| {
                        stmt.query_row([log::REGISTRY_CHANGED], |r| r.get(0))
                            .optional()
                    })
                    .map_err(backend)?;
                if let Some(c) = cached
                    && c.stamp == stamp
                {
                    return Ok(c);
                }
                let accord: Option<String> = conn
                    .query_row("SELECT body FROM accord LIMIT 1", [], |r| r.get(0))
                    .optional()
                    .map_err(backend)?;
                let rules: Option<String> = conn
                    .query_row("SELECT body FROM rules WHERE id = 1", [], |r| r.get(0))
                    .optional()
                    .map_err(backend)?;
                match (accord, rules) {
                    (Some(a), Some(r)) => Ok(Registry {
                        stamp,
                        accord: from_json("accord", &a)?,
                        rules: from_json("rules", &r)?,
                    }),
                    _ => Err(StoreError::NotSeeded),
                }
            })
            .await?;
        let out = (loaded.accord.clone(), loaded.rules.clone());
        *self.cache.write().unwrap_or_else(|p| p.into_inner()) = Some(loaded);
        Ok(out)
    }

    /// Runs a write on the writer connection.
    async fn with_writer<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        run(Arc::clone(&self.writer), f).await
    }
}

/// Starts the thread that checkpoints the WAL on `conn` after commits, and returns what wakes
/// it. Wake-ups coalesce: a commit landing during a checkpoint asks for one more, not one
/// each. The thread ends when the last store handle is dropped.
fn checkpointer(conn: Connection) -> std::sync::mpsc::SyncSender<()> {
    let (wake, woken) = std::sync::mpsc::sync_channel::<()>(1);
    std::thread::spawn(move || {
        while woken.recv().is_ok() {
            // PASSIVE never waits for readers or the writer; frames it cannot copy yet are
            // copied on a later wake-up. A failure here loses nothing (the frames stay in the
            // WAL, which stays authoritative) and the writer's own checkpoint is the backstop.
            if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                tracing::warn!(error = %e, "WAL checkpoint failed");
            }
        }
    });
    wake
}

async fn run<T, F>(conn: Arc<Mutex<Connection>>, f: F) -> Result<T, StoreError>
where
    T: Send + 'static,
    F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
{
    {
        tokio::task::spawn_blocking(move || {
            // A panic while holding the lock cannot leave a half-done transaction behind
            // (rusqlite rolls back on drop), so a poisoned lock is safe to reuse.
            let mut guard = conn.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut guard)
        })
        .await
        .map_err(|e| StoreError::Backend(format!("store task failed: {e}")))?
    }
}

/// Applies the pending migrations to the store in `data_dir` (creating it if needed) and
/// returns their names (`V1__registry_and_incidents`, …), oldest first; empty when the schema
/// is current. What `accord migrate` runs; [`SqliteStore::open`] does the same.
///
/// Refuses ([`StoreError::SchemaTooNew`]) a database migrated by a newer binary.
pub fn migrate(data_dir: &Path) -> Result<Vec<String>, StoreError> {
    let store = SqliteStore::open_unmigrated(data_dir)?;
    let mut conn = store.writer.lock().unwrap_or_else(|p| p.into_inner());
    schema::run_migrations(&mut conn)
}

#[async_trait]
impl Store for SqliteStore {
    async fn append(
        &self,
        batch: Vec<LogWrite>,
        operator: Arc<Operator>,
    ) -> Result<AppendOutcome, StoreError> {
        let changes_registry = batch.iter().any(|w| match &w.effect {
            Effect::Accord(_) | Effect::Rules(_) => true,
            Effect::Amendment(a) => {
                matches!(a.record, AmendedRecord::Accord(_) | AmendedRecord::Rules(_))
            }
            _ => false,
        });
        let outcome = self
            .with_writer(move |conn| log::append(conn, batch, &operator))
            .await;
        // Full means a checkpoint is already due.
        let _ = self.checkpoints.try_send(());
        if changes_registry {
            *self.cache.write().unwrap_or_else(|p| p.into_inner()) = None;
        }
        outcome
    }

    async fn checkpoint(&self) -> Result<Option<SignedCheckpoint>, StoreError> {
        self.with(|conn| log::latest_checkpoint(conn)).await
    }

    async fn checkpoint_at(&self, size: u64) -> Result<Option<SignedCheckpoint>, StoreError> {
        self.with(move |conn| log::checkpoint_at(conn, size)).await
    }

    async fn add_cosignature(&self, size: u64, line: String) -> Result<(), StoreError> {
        self.with_writer(move |conn| log::add_cosignature(conn, size, &line))
            .await
    }

    async fn witnesses(&self) -> Result<Vec<accord_store::witness::Witness>, StoreError> {
        self.with(|conn| log::witnesses(conn)).await
    }

    async fn witnessed(
        &self,
        origin: &str,
    ) -> Result<Option<accord_store::log::Witnessed>, StoreError> {
        let origin = origin.to_owned();
        self.with(move |conn| witnessed::witnessed(conn, &origin))
            .await
    }

    async fn advance_witnessed(
        &self,
        expected: Option<(u64, accord_tlog::merkle::Hash)>,
        new: accord_store::log::Witnessed,
    ) -> Result<accord_store::log::WitnessAdvance, StoreError> {
        self.with_writer(move |conn| witnessed::advance(conn, expected, &new))
            .await
    }

    async fn mirror(
        &self,
        origin: &str,
    ) -> Result<Option<accord_store::mirror::MirrorState>, StoreError> {
        let origin = origin.to_owned();
        self.with(move |conn| mirror::mirror(conn, &origin)).await
    }

    async fn mirrors(&self) -> Result<Vec<accord_store::mirror::MirrorState>, StoreError> {
        self.with(|conn| mirror::mirrors(conn)).await
    }

    async fn advance_mirror(
        &self,
        expected: Option<(u64, accord_tlog::merkle::Hash)>,
        new: accord_store::mirror::MirrorState,
        entries: Vec<accord_store::mirror::MirroredEntry>,
    ) -> Result<accord_store::mirror::MirrorAdvance, StoreError> {
        self.with_writer(move |conn| mirror::advance(conn, expected, &new, &entries))
            .await
    }

    async fn mirrored_entries(
        &self,
        query: accord_store::mirror::MirroredQuery,
    ) -> Result<Vec<accord_store::mirror::MirroredEntry>, StoreError> {
        self.with(move |conn| mirror::entries(conn, &query)).await
    }

    async fn add_mirrored_objects(
        &self,
        objects: Vec<accord_store::mirror::MirroredObject>,
    ) -> Result<u64, StoreError> {
        self.with_writer(move |conn| mirror::add_objects(conn, &objects))
            .await
    }

    async fn mirrored_objects(
        &self,
        collection: &str,
    ) -> Result<Vec<accord_store::mirror::MirroredObject>, StoreError> {
        let collection = collection.to_owned();
        self.with(move |conn| mirror::objects(conn, &collection))
            .await
    }

    async fn add_mirrored_requests(
        &self,
        entries: Vec<accord_store::mirror::MirroredRequestEntry>,
    ) -> Result<u64, StoreError> {
        self.with_writer(move |conn| mirror::add_requests(conn, &entries))
            .await
    }

    async fn mirrored_requests(
        &self,
        origin: Option<&str>,
    ) -> Result<Vec<accord_store::mirror::MirroredRequestEntry>, StoreError> {
        let origin = origin.map(str::to_owned);
        self.with(move |conn| mirror::requests(conn, origin.as_deref()))
            .await
    }

    async fn request_steps(
        &self,
        query: &accord_store::mirror::RequestStepQuery,
    ) -> Result<Vec<accord_store::mirror::RequestStep>, StoreError> {
        let query = query.clone();
        self.with(move |conn| requests::steps(conn, &query)).await
    }

    async fn mirror_checkpoint(
        &self,
        origin: &str,
        size: u64,
    ) -> Result<Option<String>, StoreError> {
        let origin = origin.to_owned();
        self.with(move |conn| mirror::checkpoint(conn, &origin, size))
            .await
    }

    async fn peers(&self) -> Result<Vec<accord_store::log::Peer>, StoreError> {
        self.with(|conn| peers::peers(conn)).await
    }

    async fn peer_fork(
        &self,
        key: &str,
    ) -> Result<Option<(u64, accord_store::log::ForkEvidence)>, StoreError> {
        let key = key.to_owned();
        self.with(move |conn| peers::peer_fork(conn, &key)).await
    }

    async fn peer_checkpoint(
        &self,
        key: &str,
    ) -> Result<Option<accord_store::log::AcceptedCheckpoint>, StoreError> {
        let key = key.to_owned();
        self.with(move |conn| peers::peer_checkpoint(conn, &key))
            .await
    }

    async fn advance_peer_checkpoint(
        &self,
        expected: Option<(u64, accord_tlog::merkle::Hash)>,
        new: accord_store::log::AcceptedCheckpoint,
    ) -> Result<accord_store::log::WitnessAdvance, StoreError> {
        self.with_writer(move |conn| peers::advance(conn, expected, &new))
            .await
    }

    async fn repair_checkpoints<'r>(
        &self,
        rewrite: &'r (dyn for<'c> Fn(&'c SignedCheckpoint) -> Option<String> + Send + Sync + 'r),
    ) -> Result<u64, StoreError> {
        // Runs in place: the closure borrows the caller's state, and repair runs once at open.
        repair_checkpoints(&mut log::Repair(&self.writer), rewrite).await
    }

    async fn log_entry(&self, index: u64) -> Result<StoredEntry, StoreError> {
        self.with(move |conn| log::entry(conn, index)).await
    }

    async fn log_entries(&self, start: u64, count: u64) -> Result<Vec<StoredEntry>, StoreError> {
        self.with(move |conn| log::entries(conn, start, count))
            .await
    }

    async fn tile(&self, tile: Tile) -> Result<Vec<u8>, StoreError> {
        self.with(move |conn| log::tile(conn, tile)).await
    }

    async fn inclusion_proof(&self, index: u64, size: u64) -> Result<InclusionProof, StoreError> {
        let cache = Arc::clone(&self.nodes);
        self.with(move |conn| log::inclusion_proof(conn, &cache, index, size))
            .await
    }

    async fn consistency_proof(&self, old: u64, new: u64) -> Result<ConsistencyProof, StoreError> {
        let cache = Arc::clone(&self.nodes);
        self.with(move |conn| log::consistency_proof(conn, &cache, old, new))
            .await
    }

    async fn party_keys(&self, party: &str) -> Result<Vec<PartyKey>, StoreError> {
        let party = party.to_owned();
        self.with(move |conn| log::party_keys(conn, &party)).await
    }

    async fn add_token_until(
        &self,
        token_sha256: &str,
        party: &str,
        expires_at: jiff::Timestamp,
    ) -> Result<(), StoreError> {
        let (token, party) = (token_sha256.to_owned(), party.to_owned());
        self.with_writer(move |conn| log::add_token(conn, &token, &party, expires_at))
            .await
    }

    async fn token_party(&self, token_sha256: &str) -> Result<Option<String>, StoreError> {
        let token = token_sha256.to_owned();
        self.with(move |conn| log::token_party(conn, &token)).await
    }

    async fn tokens(&self) -> Result<Vec<(String, String)>, StoreError> {
        let now = jiff::Timestamp::now();
        Ok(self
            .with(|conn| log::token_list(conn))
            .await?
            .into_iter()
            .filter(|t| t.is_current(now))
            .map(|t| (t.sha256, t.party))
            .collect())
    }

    async fn token(
        &self,
        token_sha256: &str,
    ) -> Result<Option<accord_store::tokens::TokenInfo>, StoreError> {
        let token = token_sha256.to_owned();
        self.with(move |conn| log::token(conn, &token)).await
    }

    async fn token_list(&self) -> Result<Vec<accord_store::tokens::TokenInfo>, StoreError> {
        self.with(|conn| log::token_list(conn)).await
    }

    async fn revoke_token(&self, token_sha256: &str) -> Result<bool, StoreError> {
        let token = token_sha256.to_owned();
        self.with_writer(move |conn| log::revoke_token(conn, &token))
            .await
    }

    async fn entry_counts(&self) -> Result<Vec<(String, u64)>, StoreError> {
        self.with(|conn| log::entry_counts(conn)).await
    }

    async fn accord(&self) -> Result<Accord, StoreError> {
        Ok(self.accord_and_rules().await?.0)
    }

    async fn rules(&self) -> Result<RuleSet, StoreError> {
        Ok(self.accord_and_rules().await?.1)
    }

    async fn parties(&self) -> Result<Vec<Party>, StoreError> {
        self.with(|conn| {
            all_records(
                conn,
                "party",
                "SELECT id, body FROM parties ORDER BY kind, name",
            )
        })
        .await
    }

    async fn party(&self, id: &str) -> Result<Party, StoreError> {
        let id = id.to_owned();
        self.with(move |conn| {
            one_record(conn, "party", "SELECT body FROM parties WHERE id = ?1", &id)
        })
        .await
    }

    async fn incident(&self, id: &str) -> Result<IncidentRecord, StoreError> {
        let id = id.to_owned();
        self.with(move |conn| {
            one_record(
                conn,
                "incident",
                "SELECT body FROM incidents WHERE id = ?1",
                &id,
            )
        })
        .await
    }

    async fn incident_rows(
        &self,
        query: &IncidentQuery,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let IncidentQuery {
            facets,
            after,
            fetch,
        } = query.clone();
        self.with(move |conn| {
            // One EXISTS per facet: every facet given must hold.
            let mut sql = String::from("SELECT sort_key, body FROM incidents i WHERE 1 = 1");
            let mut args: Vec<String> = Vec::new();
            for (facet, value) in &facets {
                args.push(facet.as_str().to_owned());
                args.push(value.clone());
                sql.push_str(&format!(
                    " AND EXISTS (SELECT 1 FROM incident_facets f WHERE f.incident_id = i.id \
                     AND f.facet = ?{} AND f.value = ?{})",
                    args.len() - 1,
                    args.len()
                ));
            }
            if let Some(key) = &after {
                args.push(key.clone());
                sql.push_str(&format!(" AND sort_key < ?{}", args.len()));
            }
            sql.push_str(&format!(" ORDER BY sort_key DESC LIMIT {fetch}"));
            let mut stmt = conn.prepare(&sql).map_err(backend)?;
            let rows = stmt
                .query_map(rusqlite::params_from_iter(args.iter()), |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
                })
                .map_err(backend)?;
            rows.collect::<Result<_, _>>().map_err(backend)
        })
        .await
    }

    async fn all_incidents(&self) -> Result<Vec<IncidentRecord>, StoreError> {
        self.with(|conn| {
            all_records(
                conn,
                "incident",
                "SELECT id, body FROM incidents ORDER BY sort_key DESC",
            )
        })
        .await
    }

    async fn amendments(
        &self,
        kind: RecordKind,
        id: &str,
    ) -> Result<Vec<StoredAmendment>, StoreError> {
        let id = id.to_owned();
        self.with(move |conn| log::amendments(conn, kind, &id))
            .await
    }

    async fn dataset_version(&self) -> Result<u32, StoreError> {
        self.with(|conn| log::dataset_version(conn)).await
    }

    async fn counts(&self) -> Result<Counts, StoreError> {
        self.with(|conn| {
            let count = |sql: &str| -> Result<usize, StoreError> {
                let n: i64 = conn.query_row(sql, [], |r| r.get(0)).map_err(backend)?;
                Ok(usize::try_from(n).unwrap_or(0))
            };
            Ok(Counts {
                parties: count("SELECT COUNT(*) FROM parties")?,
                states: count("SELECT COUNT(*) FROM parties WHERE kind = 'state'")?,
                incidents: count("SELECT COUNT(*) FROM incidents")?,
            })
        })
        .await
    }

    async fn request(&self, id: &str) -> Result<accord_law::request::Request, StoreError> {
        let id = id.to_owned();
        self.with(move |conn| requests::read(conn, &id)).await
    }

    async fn requests(
        &self,
        filter: &accord_store::requests::RequestFilter,
    ) -> Result<Vec<accord_law::request::Request>, StoreError> {
        let filter = filter.clone();
        self.with(move |conn| requests::list(conn, &filter)).await
    }

    async fn overdue_requests(
        &self,
        filter: &accord_store::requests::RequestFilter,
        now: jiff::Timestamp,
    ) -> Result<Vec<accord_law::request::Request>, StoreError> {
        let filter = filter.clone();
        self.with(move |conn| requests::overdue(conn, &filter, now))
            .await
    }

    fn sharing(&self) -> Option<&dyn accord_store::sharing::SharingStore> {
        Some(self)
    }
}

#[async_trait]
impl SharingStore for SqliteStore {
    async fn collections(&self) -> Result<Vec<Collection>, StoreError> {
        self.with(|conn| sharing::collections(conn)).await
    }

    async fn affiliations(&self) -> Result<Vec<AffiliationBody>, StoreError> {
        self.with(|conn| sharing::affiliations(conn)).await
    }

    async fn object_index(&self, filter: &IndexFilter) -> Result<Vec<ObjectMeta>, StoreError> {
        let filter = filter.clone();
        self.with(move |conn| sharing::object_index(conn, &filter))
            .await
    }

    async fn object_bodies(&self, keys: Vec<i64>) -> Result<Vec<(i64, String)>, StoreError> {
        self.with(move |conn| sharing::object_bodies(conn, &keys))
            .await
    }

    async fn object_owner(&self, id: &str) -> Result<Option<String>, StoreError> {
        let id = id.to_owned();
        self.with(move |conn| sharing::object_owner(conn, &id))
            .await
    }
}

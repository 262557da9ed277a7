//! # accord-store-postgres
//!
//! The PostgreSQL backend of the [`Store`] trait, for hubs that outgrow one machine: any
//! number of `accord serve` nodes, each with its own in-process sequencer and the same
//! operator key, share one (managed, replicated) PostgreSQL database and serve one log.
//!
//! ## One log, several nodes
//!
//! Every append is one `READ COMMITTED` transaction that first takes a transaction-level
//! advisory lock, [`SEQUENCER_LOCK`]. Whoever holds it is the log's only sequencer until it
//! commits or rolls back; if its node dies, PostgreSQL ends the session and releases the lock,
//! and the next node's append proceeds (fail-over needs no election). Holding the lock, the
//! append reads the log's size and the right edge of the tree *from the database* (another
//! node may have appended a moment ago), checks that the stored tree still has the root of
//! the latest published checkpoint, applies the batch, signs the new checkpoint and commits.
//! Because each transaction extends exactly the tree the previous one committed, no node can
//! sign a checkpoint inconsistent with one already published, and the log stays gap-free.
//!
//! Nothing about the current tree is kept in memory across transactions: reads of the
//! checkpoint, entries, tiles and proofs all go to the database, so every node serves what
//! every other node committed. Only committed upper-level tree nodes are cached, because a
//! committed node never changes.
//!
//! ## Failure
//!
//! Connections come from a deadpool pool that drops a closed connection instead of handing it
//! out again, so after a database restart the pool heals by itself. While the database is away,
//! every operation fails with [`StoreError::Unavailable`] (HTTP 503) naming the server (host,
//! port, database; never the password), and the transaction in flight rolls back: a write is
//! acknowledged only after its commit.
//!
//! ## Schema
//!
//! Migrations in `migrations/` (refinery) are applied at [`PostgresStore::open`] and by
//! [`migrate`], under a session advisory lock so that nodes starting together migrate once. A
//! database whose schema is newer than the binary is refused, as the SQLite backend does.
//!
//! ```no_run
//! # async fn demo() -> Result<(), accord_store::StoreError> {
//! use accord_store::Store;
//! let store = accord_store_postgres::PostgresStore::open("postgres://accord@db.example/accord").await?;
//! println!("{:?}", store.checkpoint().await?);
//! # Ok(()) }
//! ```

use std::sync::{Arc, RwLock};
use std::time::Duration;

use accord_core::accord::Accord;
use accord_core::corrections::RecordKind;
use accord_core::mapping::RuleSet;
use accord_core::party::Party;
use accord_core::record::IncidentRecord;
use accord_store::log::{
    AppendOutcome, LogWrite, Operator, PartyKey, SignedCheckpoint, StoredAmendment, StoredEntry,
};
use accord_store::sharing::{AffiliationBody, Collection, IndexFilter, ObjectMeta, SharingStore};
use accord_store::{Counts, IncidentQuery, Store, StoreError};
use accord_tlog::merkle::{ConsistencyProof, InclusionProof};
use accord_tlog::tiles::Tile;
use async_trait::async_trait;
use deadpool_postgres::{GenericClient, Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio_postgres::NoTls;

mod db;
mod latest_checkpoint;
mod log;
mod mirror;
mod peers;
mod requests;
mod sharing;
mod state;
mod witnessed;

use accord_store::codec::{found, from_json};
use accord_store::schema::{applied_names, check_runner};
use accord_store::tree::{NodeCache, repair_checkpoints};
pub use db::{MIGRATION_LOCK, SEQUENCER_LOCK};
use db::{db, describe, parse_config, unreachable};
#[cfg(feature = "testkit")]
pub mod testkit;

mod embedded {
    refinery::embed_migrations!("migrations");
}

/// How the store connects; [`Options::default`] suits a hub node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Most connections this node holds open.
    pub pool_size: usize,
    /// How long to wait for a TCP connection to the database.
    pub connect_timeout: Duration,
    /// How long one statement may run (including waiting for the sequencer lock) before the
    /// database cancels it; also how long a session may sit idle inside a transaction before
    /// the database ends it (releasing the sequencer lock a frozen node holds).
    pub statement_timeout: Duration,
    /// How long an operation waits for a free pooled connection.
    pub wait_timeout: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            pool_size: 16,
            connect_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(30),
            wait_timeout: Duration::from_secs(10),
        }
    }
}

/// A hub's store in a PostgreSQL database; cheap to clone (clones share the pool).
#[derive(Clone)]
pub struct PostgresStore {
    pool: Pool,
    // "host:port/db", for error messages (never the password).
    target: Arc<str>,
    // The accord and the rules can be amended by any node (a dataset upgrade): each is kept
    // parsed with the log index that wrote it and re-read when the stored index differs.
    accord: Arc<RwLock<Option<(i64, Accord)>>>,
    rules: Arc<RwLock<Option<(i64, RuleSet)>>>,
    // Committed upper-level tree nodes, for proofs and appends.
    nodes: Arc<NodeCache>,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("target", &self.target)
            .finish_non_exhaustive()
    }
}

/// Applies the pending migrations to the database at `url` and returns their names
/// (`V1__initial_schema`, …), oldest first; empty when the schema is current. What
/// `accord migrate` runs; [`PostgresStore::open`] does the same before serving.
///
/// Refuses ([`StoreError::SchemaTooNew`]) a database migrated by a newer binary.
pub async fn migrate(url: &str) -> Result<Vec<String>, StoreError> {
    let mut config = parse_config(url)?;
    config.connect_timeout(Options::default().connect_timeout);
    let target = describe(&config);
    migrate_config(&config, &target).await
}

async fn migrate_config(
    config: &tokio_postgres::Config,
    target: &str,
) -> Result<Vec<String>, StoreError> {
    let (mut client, connection) = config
        .connect(NoTls)
        .await
        .map_err(|e| unreachable(target, e))?;
    let conn_task = tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::warn!(error = %e, "migration connection ended");
        }
    });
    let outcome = migrate_locked(&mut client).await;
    drop(client);
    let _ = conn_task.await;
    outcome
}

async fn migrate_locked(client: &mut tokio_postgres::Client) -> Result<Vec<String>, StoreError> {
    // A session lock: released when this connection closes, even if we fail half-way.
    client
        .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(db)?;
    let runner = embedded::migrations::runner();
    // refinery's history table exists only once a migration ran; a new database has none.
    let has_history: bool = client
        .query_one(
            "SELECT to_regclass('refinery_schema_history') IS NOT NULL",
            &[],
        )
        .await
        .map_err(db)?
        .get(0);
    let applied: Option<i64> = if has_history {
        client
            .query_one(
                "SELECT MAX(version)::BIGINT FROM refinery_schema_history",
                &[],
            )
            .await
            .map_err(db)?
            .get(0)
    } else {
        None
    };
    check_runner(&runner, applied)?;
    let report = runner
        .run_async(client)
        .await
        .map_err(|e| StoreError::Backend(format!("migration failed: {e}")))?;
    client
        .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(db)?;
    Ok(applied_names(&report))
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://USER:PASSWORD@HOST:PORT/DATABASE`) with
    /// [`Options::default`], applies pending migrations, and checks that it answers.
    pub async fn open(url: &str) -> Result<PostgresStore, StoreError> {
        Self::open_with(url, &Options::default()).await
    }

    /// Like [`PostgresStore::open`], with explicit pool size and timeouts.
    pub async fn open_with(url: &str, options: &Options) -> Result<PostgresStore, StoreError> {
        let mut config = parse_config(url)?;
        config.connect_timeout(options.connect_timeout);
        if config.get_application_name().is_none() {
            config.application_name("accord");
        }
        let target = describe(&config);
        migrate_config(&config, &target).await?;
        // Every pooled session gets the statement timeout, so a stuck statement (or a wait
        // for the sequencer lock behind a hung node) ends in an error instead of a hang. A
        // node that stops mid-transaction (frozen, or its host gone) holds the sequencer
        // lock; the server ends its session after the same time idle in the transaction,
        // which releases the lock to the other nodes.
        let timeout = format!(
            "-c statement_timeout={ms} -c idle_in_transaction_session_timeout={ms}",
            ms = options.statement_timeout.as_millis()
        );
        let opts = match config.get_options() {
            Some(o) if !o.is_empty() => format!("{o} {timeout}"),
            _ => timeout,
        };
        config.options(&opts);
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                // A closed connection is dropped at reuse and a new one made: after a database
                // restart the pool heals with no restart of the node. (`Verified` would also
                // catch a connection that died silently, at the price of a round trip on
                // every checkout, which cost reads 40%; such a connection fails one operation
                // with a clean error and is closed, and so dropped, by it.)
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(options.pool_size.max(1))
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(options.wait_timeout))
            .create_timeout(Some(options.connect_timeout))
            .recycle_timeout(Some(options.connect_timeout))
            .build()
            .map_err(|e| StoreError::Backend(format!("cannot build the connection pool: {e}")))?;
        let store = PostgresStore {
            pool,
            target: target.into(),
            accord: Arc::new(RwLock::new(None)),
            rules: Arc::new(RwLock::new(None)),
            nodes: Arc::new(NodeCache::default()),
        };
        // Fail at open, not at the first request, when the pool cannot connect.
        drop(store.client().await?);
        Ok(store)
    }

    /// The database this store talks to, as `host:port/database`.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// A pooled connection, or an error naming the database when none can be had.
    pub(crate) async fn client(&self) -> Result<deadpool_postgres::Object, StoreError> {
        self.pool.get().await.map_err(|e| match e {
            deadpool_postgres::PoolError::Backend(e) => unreachable(&self.target, e),
            other => unreachable(&self.target, other),
        })
    }

    /// The accord and the rules in force.
    async fn accord_and_rules(&self) -> Result<(Accord, RuleSet), StoreError> {
        let client = self.client().await?;
        let cached_index = |c: Option<i64>| c.unwrap_or(-1);
        let cached_accord = cached_index(
            self.accord
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .as_ref()
                .map(|(i, _)| *i),
        );
        let cached_rules = cached_index(
            self.rules
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .as_ref()
                .map(|(i, _)| *i),
        );
        // One round trip; the bodies travel only when not cached (or they changed).
        let stmt = client
            .prepare_cached(
                "SELECT a.log_index, CASE WHEN a.log_index = $1 THEN NULL ELSE a.body::TEXT END, \
                        r.log_index, CASE WHEN r.log_index = $2 THEN NULL ELSE r.body::TEXT END \
                 FROM (SELECT 1) one LEFT JOIN accord a ON TRUE LEFT JOIN rules r ON r.id = 1 \
                 LIMIT 1",
            )
            .await
            .map_err(db)?;
        let row = client
            .query_one(&stmt, &[&cached_accord, &cached_rules])
            .await
            .map_err(db)?;
        let accord = refresh(
            &self.accord,
            "accord",
            row.get::<_, Option<i64>>(0),
            row.get::<_, Option<String>>(1),
        )?;
        let rules = refresh(
            &self.rules,
            "rules",
            row.get::<_, Option<i64>>(2),
            row.get::<_, Option<String>>(3),
        )?;
        Ok((accord, rules))
    }
}

/// The record cached in `cache`, read again from `text` when the stored log index `index`
/// differs from the cached one (then `text` is the stored body); `NotSeeded` when none is
/// stored.
fn refresh<T: serde::de::DeserializeOwned + Clone>(
    cache: &RwLock<Option<(i64, T)>>,
    what: &str,
    index: Option<i64>,
    text: Option<String>,
) -> Result<T, StoreError> {
    match (index, text) {
        (None, _) => Err(StoreError::NotSeeded),
        (Some(index), Some(text)) => {
            let v: T = from_json(what, &text)?;
            *cache.write().unwrap_or_else(|p| p.into_inner()) = Some((index, v.clone()));
            Ok(v)
        }
        (Some(_), None) => cache
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map(|(_, v)| v.clone())
            .ok_or(StoreError::NotSeeded),
    }
}

/// Every row of `sql` (selecting `id, body::TEXT`) parsed; `what` names the record in errors.
async fn all_records<T: serde::de::DeserializeOwned>(
    client: &impl GenericClient,
    what: &str,
    sql: &str,
) -> Result<Vec<T>, StoreError> {
    let stmt = client.prepare_cached(sql).await.map_err(db)?;
    let rows = client.query(&stmt, &[]).await.map_err(db)?;
    rows.iter()
        .map(|r| from_json(&format!("{what} {}", r.get::<_, &str>(0)), r.get(1)))
        .collect()
}

/// One record's body by id, or `NotFound`.
async fn one_record<T: serde::de::DeserializeOwned>(
    client: &impl GenericClient,
    what: &'static str,
    sql: &str,
    id: &str,
) -> Result<T, StoreError> {
    let stmt = client.prepare_cached(sql).await.map_err(db)?;
    let row = client.query_opt(&stmt, &[&id]).await.map_err(db)?;
    found(what, id, row.as_ref().map(|r| r.get(0)))
}

#[async_trait]
impl Store for PostgresStore {
    async fn append(
        &self,
        batch: Vec<LogWrite>,
        operator: Arc<Operator>,
    ) -> Result<AppendOutcome, StoreError> {
        let outcome = {
            let mut client = self.client().await?;
            log::append(&mut client, &self.nodes, batch, &operator).await
        };
        if matches!(outcome, Err(StoreError::Unavailable(_))) {
            // The database went away (a restart ends every session): the idle connections are
            // as dead as this one but may not be seen closed yet, so drop them all and let the
            // next write open a fresh one instead of failing on each in turn.
            self.pool.retain(|_, _| false);
        }
        outcome
    }

    async fn checkpoint(&self) -> Result<Option<SignedCheckpoint>, StoreError> {
        log::latest_checkpoint(&self.client().await?).await
    }

    async fn checkpoint_at(&self, size: u64) -> Result<Option<SignedCheckpoint>, StoreError> {
        log::checkpoint_at(&self.client().await?, size).await
    }

    async fn add_cosignature(&self, size: u64, line: String) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        log::add_cosignature(&mut client, size, &line).await
    }

    async fn witnesses(&self) -> Result<Vec<accord_store::witness::Witness>, StoreError> {
        log::witnesses(&self.client().await?).await
    }

    async fn witnessed(
        &self,
        origin: &str,
    ) -> Result<Option<accord_store::log::Witnessed>, StoreError> {
        witnessed::witnessed(&self.client().await?, origin).await
    }

    async fn advance_witnessed(
        &self,
        expected: Option<(u64, accord_tlog::merkle::Hash)>,
        new: accord_store::log::Witnessed,
    ) -> Result<accord_store::log::WitnessAdvance, StoreError> {
        let mut client = self.client().await?;
        witnessed::advance(&mut client, expected, &new).await
    }

    async fn mirror(
        &self,
        origin: &str,
    ) -> Result<Option<accord_store::mirror::MirrorState>, StoreError> {
        mirror::mirror(&self.client().await?, origin).await
    }

    async fn mirrors(&self) -> Result<Vec<accord_store::mirror::MirrorState>, StoreError> {
        mirror::mirrors(&self.client().await?).await
    }

    async fn advance_mirror(
        &self,
        expected: Option<(u64, accord_tlog::merkle::Hash)>,
        new: accord_store::mirror::MirrorState,
        entries: Vec<accord_store::mirror::MirroredEntry>,
    ) -> Result<accord_store::mirror::MirrorAdvance, StoreError> {
        let mut client = self.client().await?;
        mirror::advance(&mut client, expected, &new, &entries).await
    }

    async fn mirrored_entries(
        &self,
        query: accord_store::mirror::MirroredQuery,
    ) -> Result<Vec<accord_store::mirror::MirroredEntry>, StoreError> {
        mirror::entries(&self.client().await?, &query).await
    }

    async fn add_mirrored_objects(
        &self,
        objects: Vec<accord_store::mirror::MirroredObject>,
    ) -> Result<u64, StoreError> {
        mirror::add_objects(&self.client().await?, &objects).await
    }

    async fn mirrored_objects(
        &self,
        collection: &str,
    ) -> Result<Vec<accord_store::mirror::MirroredObject>, StoreError> {
        mirror::objects(&self.client().await?, collection).await
    }

    async fn add_mirrored_requests(
        &self,
        entries: Vec<accord_store::mirror::MirroredRequestEntry>,
    ) -> Result<u64, StoreError> {
        mirror::add_requests(&self.client().await?, &entries).await
    }

    async fn mirrored_requests(
        &self,
        origin: Option<&str>,
    ) -> Result<Vec<accord_store::mirror::MirroredRequestEntry>, StoreError> {
        mirror::requests(&self.client().await?, origin).await
    }

    async fn request_steps(
        &self,
        query: &accord_store::mirror::RequestStepQuery,
    ) -> Result<Vec<accord_store::mirror::RequestStep>, StoreError> {
        requests::steps(&self.client().await?, query).await
    }

    async fn mirror_checkpoint(
        &self,
        origin: &str,
        size: u64,
    ) -> Result<Option<String>, StoreError> {
        mirror::checkpoint(&self.client().await?, origin, size).await
    }

    async fn peers(&self) -> Result<Vec<accord_store::log::Peer>, StoreError> {
        peers::peers(&self.client().await?).await
    }

    async fn peer_fork(
        &self,
        key: &str,
    ) -> Result<Option<(u64, accord_store::log::ForkEvidence)>, StoreError> {
        peers::peer_fork(&self.client().await?, key).await
    }

    async fn peer_checkpoint(
        &self,
        key: &str,
    ) -> Result<Option<accord_store::log::AcceptedCheckpoint>, StoreError> {
        peers::peer_checkpoint(&self.client().await?, key).await
    }

    async fn advance_peer_checkpoint(
        &self,
        expected: Option<(u64, accord_tlog::merkle::Hash)>,
        new: accord_store::log::AcceptedCheckpoint,
    ) -> Result<accord_store::log::WitnessAdvance, StoreError> {
        let mut client = self.client().await?;
        peers::advance(&mut client, expected, &new).await
    }

    async fn repair_checkpoints<'r>(
        &self,
        rewrite: &'r (dyn for<'c> Fn(&'c SignedCheckpoint) -> Option<String> + Send + Sync + 'r),
    ) -> Result<u64, StoreError> {
        repair_checkpoints(&mut log::Repair(&self.client().await?), rewrite).await
    }

    async fn log_entry(&self, index: u64) -> Result<StoredEntry, StoreError> {
        log::entry(&self.client().await?, index).await
    }

    async fn log_entries(&self, start: u64, count: u64) -> Result<Vec<StoredEntry>, StoreError> {
        log::entries(&self.client().await?, start, count).await
    }

    async fn tile(&self, tile: Tile) -> Result<Vec<u8>, StoreError> {
        log::tile(&self.client().await?, &self.nodes, tile).await
    }

    async fn inclusion_proof(&self, index: u64, size: u64) -> Result<InclusionProof, StoreError> {
        log::inclusion_proof(&self.client().await?, &self.nodes, index, size).await
    }

    async fn consistency_proof(&self, old: u64, new: u64) -> Result<ConsistencyProof, StoreError> {
        log::consistency_proof(&self.client().await?, &self.nodes, old, new).await
    }

    async fn party_keys(&self, party: &str) -> Result<Vec<PartyKey>, StoreError> {
        log::party_keys(&self.client().await?, party).await
    }

    async fn add_token_until(
        &self,
        token_sha256: &str,
        party: &str,
        expires_at: jiff::Timestamp,
    ) -> Result<(), StoreError> {
        log::add_token(&self.client().await?, token_sha256, party, expires_at).await
    }

    async fn token(
        &self,
        token_sha256: &str,
    ) -> Result<Option<accord_store::tokens::TokenInfo>, StoreError> {
        log::token(&self.client().await?, token_sha256).await
    }

    async fn token_list(&self) -> Result<Vec<accord_store::tokens::TokenInfo>, StoreError> {
        log::token_list(&self.client().await?).await
    }

    async fn revoke_token(&self, token_sha256: &str) -> Result<bool, StoreError> {
        log::revoke_token(&self.client().await?, token_sha256).await
    }

    async fn token_party(&self, token_sha256: &str) -> Result<Option<String>, StoreError> {
        log::token_party(&self.client().await?, token_sha256).await
    }

    async fn tokens(&self) -> Result<Vec<(String, String)>, StoreError> {
        log::tokens(&self.client().await?).await
    }

    async fn amendments(
        &self,
        kind: RecordKind,
        id: &str,
    ) -> Result<Vec<StoredAmendment>, StoreError> {
        log::amendments(&self.client().await?, kind, id).await
    }

    async fn dataset_version(&self) -> Result<u32, StoreError> {
        log::dataset_version(&self.client().await?).await
    }

    async fn entry_counts(&self) -> Result<Vec<(String, u64)>, StoreError> {
        log::entry_counts(&self.client().await?).await
    }

    async fn accord(&self) -> Result<Accord, StoreError> {
        Ok(self.accord_and_rules().await?.0)
    }

    async fn rules(&self) -> Result<RuleSet, StoreError> {
        Ok(self.accord_and_rules().await?.1)
    }

    async fn parties(&self) -> Result<Vec<Party>, StoreError> {
        all_records(
            &self.client().await?,
            "party",
            "SELECT id, body::TEXT FROM parties ORDER BY kind, name",
        )
        .await
    }

    async fn party(&self, id: &str) -> Result<Party, StoreError> {
        one_record(
            &self.client().await?,
            "party",
            "SELECT body::TEXT FROM parties WHERE id = $1",
            id,
        )
        .await
    }

    async fn incident(&self, id: &str) -> Result<IncidentRecord, StoreError> {
        one_record(
            &self.client().await?,
            "incident",
            "SELECT body::TEXT FROM incidents WHERE id = $1",
            id,
        )
        .await
    }

    async fn incident_rows(
        &self,
        query: &IncidentQuery,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let facets = &query.facets;
        // Every facet given must hold: the facet pairs are passed as two arrays, and an
        // incident qualifies when it has as many matching facet rows as pairs were given.
        let names: Vec<&str> = facets.iter().map(|(f, _)| f.as_str()).collect();
        let values: Vec<&str> = facets.iter().map(|(_, v)| v.as_str()).collect();
        let wanted = facets.len() as i64;
        let fetch = query.fetch as i64;
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(
                "SELECT i.sort_key, i.body::TEXT FROM incidents i \
                 WHERE ($1::TEXT IS NULL OR i.sort_key < $1) \
                   AND ($2::BIGINT = 0 OR (SELECT COUNT(*) FROM incident_facets f \
                        JOIN UNNEST($3::TEXT[], $4::TEXT[]) AS w(facet, value) \
                          ON f.facet = w.facet AND f.value = w.value \
                        WHERE f.incident_id = i.id) = $2) \
                 ORDER BY i.sort_key DESC LIMIT $5",
            )
            .await
            .map_err(db)?;
        let rows = client
            .query(&stmt, &[&query.after, &wanted, &names, &values, &fetch])
            .await
            .map_err(db)?;
        Ok(rows.iter().map(|row| (row.get(0), row.get(1))).collect())
    }

    async fn all_incidents(&self) -> Result<Vec<IncidentRecord>, StoreError> {
        all_records(
            &self.client().await?,
            "incident",
            "SELECT id, body::TEXT FROM incidents ORDER BY sort_key DESC",
        )
        .await
    }

    async fn counts(&self) -> Result<Counts, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_one(
                "SELECT (SELECT COUNT(*) FROM parties), \
                        (SELECT COUNT(*) FROM parties WHERE kind = 'state'), \
                        (SELECT COUNT(*) FROM incidents)",
                &[],
            )
            .await
            .map_err(db)?;
        let n = |i: usize| usize::try_from(row.get::<_, i64>(i)).unwrap_or(0);
        Ok(Counts {
            parties: n(0),
            states: n(1),
            incidents: n(2),
        })
    }

    async fn request(&self, id: &str) -> Result<accord_law::request::Request, StoreError> {
        requests::read(&self.client().await?, id).await
    }

    async fn requests(
        &self,
        filter: &accord_store::requests::RequestFilter,
    ) -> Result<Vec<accord_law::request::Request>, StoreError> {
        requests::list(&self.client().await?, filter).await
    }

    async fn overdue_requests(
        &self,
        filter: &accord_store::requests::RequestFilter,
        now: jiff::Timestamp,
    ) -> Result<Vec<accord_law::request::Request>, StoreError> {
        requests::overdue(&self.client().await?, filter, now).await
    }

    fn sharing(&self) -> Option<&dyn accord_store::sharing::SharingStore> {
        Some(self)
    }
}

#[async_trait]
impl SharingStore for PostgresStore {
    async fn collections(&self) -> Result<Vec<Collection>, StoreError> {
        sharing::collections(&self.client().await?).await
    }

    async fn affiliations(&self) -> Result<Vec<AffiliationBody>, StoreError> {
        sharing::affiliations(&self.client().await?).await
    }

    async fn object_index(&self, filter: &IndexFilter) -> Result<Vec<ObjectMeta>, StoreError> {
        sharing::object_index(&self.client().await?, filter).await
    }

    async fn object_bodies(&self, keys: Vec<i64>) -> Result<Vec<(i64, String)>, StoreError> {
        sharing::object_bodies(&self.client().await?, &keys).await
    }

    async fn object_owner(&self, id: &str) -> Result<Option<String>, StoreError> {
        sharing::object_owner(&self.client().await?, id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{Known, PgState};
    use crate::testkit::{fresh_postgres_database, server_url};
    use accord_core::corrections::RecordKind;
    use accord_store::log::amendment_entry_prefix;
    use accord_store::refusal::StoredState;

    #[test]
    fn descriptions_never_carry_the_password() {
        let c = parse_config("postgres://u:s3cret@db.example:6543/hub").unwrap();
        let d = describe(&c);
        assert_eq!(d, "db.example:6543/hub");
        let e = parse_config("postgres://u:s3cret@db.example:notaport/hub").unwrap_err();
        assert!(!e.to_string().contains("s3cret"), "{e}");
    }

    /// A party row whose latest amendment sits at a negative log index (the schema's
    /// `CHECK (idx >= 0)` dropped, as in a damaged or hand-edited database) was read as
    /// version 0, so the refusal rules compared amendments against a version that never was.
    #[tokio::test]
    async fn a_negative_stored_version_is_an_error_not_zero() {
        let Some(server) = server_url() else { return };
        let db = fresh_postgres_database(&server).await.unwrap();
        let store = PostgresStore::open(&db.url).await.unwrap();
        let client = store.client().await.unwrap();
        let amendment = format!("{}1", amendment_entry_prefix(RecordKind::Party, "XX"));
        client
            .batch_execute(&format!(
                "ALTER TABLE log_entries DROP CONSTRAINT log_entries_idx_check;
                 INSERT INTO log_entries (idx, entry, kind, entry_id, submitter, submitted_at, tlp, body)
                 VALUES (0, '', 'party', 'XX', 'operator', '2026-01-01T00:00:00Z', 'clear', ''),
                        (-7, '', 'amendment', '{amendment}', 'operator', '2026-01-01T00:00:00Z', 'clear', '');
                 INSERT INTO parties (id, kind, name, body, log_index)
                 VALUES ('XX', 'state', 'Nowhere', '{{}}', 0);"
            ))
            .await
            .unwrap();
        let known = Known::default();
        let state = PgState {
            client: &client,
            known: &known,
            stix: None,
        };
        match state.record_state(RecordKind::Party, "XX").await {
            Err(StoreError::Corrupt { what, detail }) => {
                assert_eq!(what, "party XX");
                assert!(detail.contains("-7"), "{detail}");
            }
            other => panic!("expected a corrupt-store error, got {other:?}"),
        }
        // The same row with its index in range reads as before.
        client
            .batch_execute("UPDATE log_entries SET idx = 3 WHERE idx = -7")
            .await
            .unwrap();
        let read = state.record_state(RecordKind::Party, "XX").await.unwrap();
        assert_eq!(
            read.map(|s| (s.recorder, s.version)),
            Some(("operator".into(), 3))
        );
    }
}

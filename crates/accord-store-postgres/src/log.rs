//! The log's tables: entries, every complete-subtree hash, checkpoints, keys and tokens; and
//! the append, the one place where the log grows.

use std::collections::HashMap;
use std::sync::Mutex;

use accord_core::corrections::RecordKind;
use accord_core::mapping::RuleSet;
use accord_core::record::IncidentRecord;
use accord_store::StoreError;
use accord_store::log::{
    AmendedRecord, AmendmentBody, AppendOutcome, Effect, LogWrite, Operator, PartyKey, Receipt,
    SignedCheckpoint, StoredAmendment, StoredEntry, amendment_entry_prefix, kind,
};
use accord_store::tokens::TokenInfo;
use accord_store::witness::Witness;
use accord_tlog::merkle::{
    self, ConsistencyProof, Hash, HashReader, InclusionProof, NodeId, ProofError,
};
use accord_tlog::note::NoteSignature;
use accord_tlog::tiles::{self, Tile};
use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use tokio_postgres::IsolationLevel;
use tokio_postgres::types::Json;

use accord_store::codec::{corrupt, parse_tlp};
use accord_store::tree::{
    CheckpointRepair, NodeCache, TileRead, check_proof_size, proof_err, sign_checkpoint, tile_read,
};

use accord_store::refusal::refusal;

use crate::db::{SEQUENCER_LOCK, db, exists, run};
use crate::state::{Known, PgState};

/// The tree algorithms of `accord_tlog` read nodes synchronously; the database is async. So
/// they run over the nodes at hand, note what they lacked, and run again once it is fetched.
#[derive(Debug, thiserror::Error)]
#[error("tree nodes not fetched yet")]
struct NotFetched;

struct MapReader<'a> {
    known: &'a HashMap<NodeId, Hash>,
    missing: Mutex<Vec<NodeId>>,
}

impl HashReader for MapReader<'_> {
    type Error = NotFetched;
    fn read_hashes(&self, nodes: &[NodeId]) -> Result<Vec<Hash>, NotFetched> {
        let mut out = Vec::with_capacity(nodes.len());
        let mut missing = self.missing.lock().unwrap_or_else(|p| p.into_inner());
        for n in nodes {
            match self.known.get(n) {
                Some(h) => out.push(*h),
                None => missing.push(*n),
            }
        }
        if missing.is_empty() {
            Ok(out)
        } else {
            Err(NotFetched)
        }
    }
}

/// Runs a tree algorithm `f` over stored nodes, fetching what it needs from the database (in
/// one query per round) or from `cache`. `size` is the tree size named in errors.
async fn with_nodes<T>(
    client: &impl GenericClient,
    cache: &NodeCache,
    known: &mut HashMap<NodeId, Hash>,
    size: u64,
    f: impl Fn(&MapReader<'_>) -> Result<T, ProofError>,
) -> Result<T, StoreError> {
    // Every algorithm asks for its nodes in one batch, so one fetch suffices; a second round
    // is allowed for safety.
    for _ in 0..3 {
        let reader = MapReader {
            known,
            missing: Mutex::new(Vec::new()),
        };
        match f(&reader) {
            Ok(v) => return Ok(v),
            Err(ProofError::Storage(e)) if e.is::<NotFetched>() => {
                let missing = reader
                    .missing
                    .into_inner()
                    .unwrap_or_else(|p| p.into_inner());
                fetch_nodes(client, cache, &missing, known).await?;
            }
            Err(e) => return Err(proof_err(e, size)),
        }
    }
    Err(corrupt("log tree", "tree nodes kept going missing"))
}

async fn fetch_nodes(
    client: &impl GenericClient,
    cache: &NodeCache,
    missing: &[NodeId],
    known: &mut HashMap<NodeId, Hash>,
) -> Result<(), StoreError> {
    let mut levels = Vec::new();
    let mut idxs = Vec::new();
    for n in missing {
        if let Some(h) = cache.get(*n) {
            known.insert(*n, h);
            continue;
        }
        levels.push(i16::from(n.level));
        idxs.push(n.index as i64);
    }
    if levels.is_empty() {
        return Ok(());
    }
    let stmt = client
        .prepare_cached(
            "SELECT n.level, n.idx, n.hash FROM log_nodes n \
             JOIN UNNEST($1::SMALLINT[], $2::BIGINT[]) AS w(level, idx) \
               ON n.level = w.level AND n.idx = w.idx",
        )
        .await
        .map_err(db)?;
    let rows = client.query(&stmt, &[&levels, &idxs]).await.map_err(db)?;
    let mut fetched = Vec::with_capacity(rows.len());
    for row in rows {
        let node = NodeId::new(row.get::<_, i16>(0) as u8, row.get::<_, i64>(1) as u64);
        let hash =
            Hash::from_slice(row.get::<_, &[u8]>(2)).map_err(|e| corrupt("log tree node", e))?;
        fetched.push((node, hash));
    }
    // Only committed nodes are visible here (our own transaction's new nodes are passed in
    // `known`), so all of them may be cached.
    cache.insert_many(fetched.iter().copied());
    known.extend(fetched);
    for n in missing {
        if !known.contains_key(n) {
            return Err(corrupt("log tree", format!("{n} is not stored")));
        }
    }
    Ok(())
}

/// Replaces an incident's row and facets with its amended version, keeping the index of the
/// entry that recorded it.
/// Re-suggests every recorded incident's principles with `rules` (an amendment of the rules):
/// the suggestions are kept with each incident and indexed as its principle facets.
async fn resuggest(client: &impl GenericClient, rules: &RuleSet) -> Result<(), StoreError> {
    let rows = client
        .query("SELECT body::TEXT FROM incidents ORDER BY id", &[])
        .await
        .map_err(db)?;
    for row in rows {
        let body: String = row.get(0);
        let mut record: IncidentRecord =
            serde_json::from_str(&body).map_err(|e| corrupt("incident", e))?;
        let suggested = rules.suggest(&record.incident);
        if suggested != record.suggested_principles {
            record.suggested_principles = suggested;
            replace_incident(client, &record).await?;
        }
    }
    Ok(())
}

async fn replace_incident(
    client: &impl GenericClient,
    record: &IncidentRecord,
) -> Result<(), StoreError> {
    let id = &record.incident.id;
    let stmt = client
        .prepare_cached("SELECT log_index FROM incidents WHERE id = $1")
        .await
        .map_err(db)?;
    let first: i64 = client.query_one(&stmt, &[id]).await.map_err(db)?.get(0);
    let record = IncidentRecord {
        log_index: u64::try_from(first).ok(),
        ..record.clone()
    };
    let facets = record.facets();
    let names: Vec<&str> = facets.iter().map(|(f, _)| f.as_str()).collect();
    let values: Vec<&str> = facets.iter().map(|(_, v)| v.as_str()).collect();
    run(
        client,
        "DELETE FROM incident_facets WHERE incident_id = $1",
        &[id],
    )
    .await?;
    one_row(
        run(
            client,
            "UPDATE incidents SET sort_key = $2, body = $3 WHERE id = $1",
            &[id, &record.sort_key(), &Json(&record)],
        )
        .await?,
    )?;
    run(
        client,
        "INSERT INTO incident_facets (incident_id, facet, value) \
         SELECT $1, u.f, u.v FROM UNNEST($2::TEXT[], $3::TEXT[]) AS u(f, v) \
         ON CONFLICT DO NOTHING",
        &[id, &names, &values],
    )
    .await?;
    Ok(())
}

/// Every amendment of record `id` of `kind`, oldest first.
pub(crate) async fn amendments(
    client: &impl GenericClient,
    record: RecordKind,
    id: &str,
) -> Result<Vec<StoredAmendment>, StoreError> {
    let prefix = amendment_entry_prefix(record, id);
    let stmt = client
        .prepare_cached(
            "SELECT idx, submitter, submitted_at, body FROM log_entries \
             WHERE kind = $1 AND left(entry_id, length($2)) = $2 ORDER BY idx",
        )
        .await
        .map_err(db)?;
    let rows = client
        .query(&stmt, &[&kind::AMENDMENT, &prefix])
        .await
        .map_err(db)?;
    let mut out = Vec::new();
    for r in rows {
        let index: i64 = r.get(0);
        let body: Vec<u8> = r.get(3);
        let body: AmendmentBody = serde_json::from_slice(&body)
            .map_err(|e| corrupt(format!("amendment at log index {index}"), e))?;
        out.push(StoredAmendment {
            index: u64::try_from(index).unwrap_or(0),
            submitter: r.get(1),
            submitted_at: r.get(2),
            body,
        });
    }
    Ok(out)
}

/// The bundled dataset version the store's records were brought up to; 0 when never.
pub(crate) async fn dataset_version(client: &impl GenericClient) -> Result<u32, StoreError> {
    let stmt = client
        .prepare_cached("SELECT value FROM meta WHERE key = 'dataset_version'")
        .await
        .map_err(db)?;
    match client.query_opt(&stmt, &[]).await.map_err(db)? {
        None => Ok(0),
        Some(r) => {
            let v: String = r.get(0);
            v.parse().map_err(|e| corrupt("dataset version", e))
        }
    }
}

/// What applying one write's effect did: `Ok(Ok(()))` applied, `Ok(Err(e))` refused with
/// nothing written, `Err(e)` the database failed (the whole batch rolls back).
pub(crate) type Applied = Result<Result<(), StoreError>, StoreError>;

/// Applies one write's effect at log `index`; the refusal rules
/// ([`accord_store::refusal::refusal`]) let it through, and the sequencer lock keeps what
/// they saw until the commit, so a statement that changes no row is the database's fault.
async fn effect(client: &impl GenericClient, w: &LogWrite, index: u64) -> Applied {
    let at = index as i64;
    match &w.effect {
        Effect::Accord(a) => {
            run(
                client,
                "INSERT INTO accord (id, body, log_index) VALUES ($1, $2, $3)",
                &[&a.id, &Json(&**a), &at],
            )
            .await?;
            run(
                client,
                "INSERT INTO meta (key, value) VALUES ('seeded_at', $1) ON CONFLICT (key) DO NOTHING",
                &[&jiff::Timestamp::now().to_string()],
            )
            .await?;
        }
        Effect::Rules(r) => {
            run(
                client,
                "INSERT INTO rules (id, body, log_index) VALUES (1, $1, $2) \
                 ON CONFLICT (id) DO UPDATE SET body = excluded.body, log_index = excluded.log_index",
                &[&Json(r), &at],
            )
            .await?;
        }
        Effect::Party(p) => {
            run(
                client,
                "INSERT INTO parties (id, kind, name, body, log_index) VALUES ($1, $2, $3, $4, $5)",
                &[&p.id, &p.kind.as_str(), &p.name, &Json(&**p), &at],
            )
            .await?;
        }
        Effect::Incident(record) => {
            let record = IncidentRecord {
                log_index: Some(index),
                ..(**record).clone()
            };
            let id = &record.incident.id;
            let facets = record.facets();
            let names: Vec<&str> = facets.iter().map(|(f, _)| f.as_str()).collect();
            let values: Vec<&str> = facets.iter().map(|(_, v)| v.as_str()).collect();
            // The incident and its facets in one round trip.
            let stmt = client
                .prepare_cached(
                    "WITH ins AS (INSERT INTO incidents (id, sort_key, body, log_index) \
                                  VALUES ($1, $2, $3, $4) RETURNING id), \
                          fac AS (INSERT INTO incident_facets (incident_id, facet, value) \
                                  SELECT ins.id, u.f, u.v \
                                  FROM ins, UNNEST($5::TEXT[], $6::TEXT[]) AS u(f, v) \
                                  ON CONFLICT DO NOTHING) \
                     SELECT id FROM ins",
                )
                .await
                .map_err(db)?;
            let inserted = client
                .query_opt(
                    &stmt,
                    &[id, &record.sort_key(), &Json(&record), &at, &names, &values],
                )
                .await
                .map_err(db)?;
            if inserted.is_none() {
                return Err(StoreError::Backend(format!("incident {id} was not stored")));
            }
        }
        Effect::KeyAdded(k) => {
            run(
                client,
                "INSERT INTO party_keys (party_id, public_key, added_at) VALUES ($1, $2, $3)",
                &[&k.party, &k.public_key, &at],
            )
            .await?;
        }
        Effect::KeyRevoked(k) => {
            one_row(
                run(
                    client,
                    "UPDATE party_keys SET revoked_at = $3 \
                 WHERE party_id = $1 AND public_key = $2 AND revoked_at IS NULL",
                    &[&k.party, &k.public_key, &at],
                )
                .await?,
            )?;
        }
        Effect::WitnessAdded(w) => {
            run(
                client,
                "INSERT INTO witnesses (verifier_key, name, party_id, added_at) \
                 VALUES ($1, $2, $3, $4)",
                &[&w.key, &w.name, &w.party, &at],
            )
            .await?;
        }
        Effect::WitnessRemoved(w) => {
            one_row(
                run(
                    client,
                    "UPDATE witnesses SET removed_at = $2 WHERE verifier_key = $1 AND removed_at IS NULL",
                    &[&w.key, &at],
                )
                .await?,
            )?;
        }
        Effect::PeerAdded(p) => {
            run(
                client,
                "INSERT INTO peers (verifier_key, origin, url, party_id, added_at) \
                 VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (verifier_key) DO UPDATE SET origin = EXCLUDED.origin, \
                     url = EXCLUDED.url, party_id = EXCLUDED.party_id, \
                     added_at = EXCLUDED.added_at, removed_at = NULL",
                &[&p.key, &p.origin, &p.url, &p.party, &at],
            )
            .await?;
        }
        Effect::PeerRemoved(p) => {
            one_row(
                run(
                    client,
                    "UPDATE peers SET removed_at = $2 WHERE verifier_key = $1 AND removed_at IS NULL",
                    &[&p.key, &at],
                )
                .await?,
            )?;
        }
        Effect::PeerForked(e) => {
            one_row(
                run(
                    client,
                    "UPDATE peers SET forked_at = $2, fork_evidence = $3 WHERE verifier_key = $1",
                    &[&e.key, &at, &Json(&**e)],
                )
                .await?,
            )?;
        }
        Effect::Amendment(a) => match &a.record {
            AmendedRecord::Incident(r) => replace_incident(client, r).await?,
            AmendedRecord::Party(p) => {
                one_row(
                    run(
                        client,
                        "UPDATE parties SET kind = $2, name = $3, body = $4 WHERE id = $1",
                        &[&p.id, &p.kind.as_str(), &p.name, &Json(&**p)],
                    )
                    .await?,
                )?;
            }
            AmendedRecord::Accord(a) => {
                // The new log index tells every node's cache to read it again.
                one_row(
                    run(
                        client,
                        "UPDATE accord SET body = $2, log_index = $3 WHERE id = $1",
                        &[&a.id, &Json(&**a), &at],
                    )
                    .await?,
                )?;
            }
            AmendedRecord::Rules(r) => {
                one_row(
                    run(
                        client,
                        "UPDATE rules SET body = $1, log_index = $2 WHERE id = 1",
                        &[&Json(&**r), &at],
                    )
                    .await?,
                )?;
                resuggest(client, r).await?;
            }
        },
        Effect::DatasetVersion(v) => {
            run(
                client,
                "INSERT INTO meta (key, value) VALUES ('dataset_version', $1) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                &[&v.to_string()],
            )
            .await?;
        }
        Effect::Withheld => {}
        other => {
            if let Some(applied) = crate::requests::effect(client, other, index).await? {
                return Ok(applied);
            }
            if let Some(applied) = crate::sharing::effect(client, other, index).await? {
                return Ok(applied);
            }
            return Ok(Err(StoreError::Backend(
                "this store does not know that kind of write".into(),
            )));
        }
    }
    Ok(Ok(()))
}

/// Refuses to go on when an update the refusal rules allowed changed no row: the database
/// changed behind the sequencer lock.
fn one_row(n: u64) -> Result<(), StoreError> {
    if n == 0 {
        return Err(StoreError::Backend(
            "a write the log allowed changed no row".into(),
        ));
    }
    Ok(())
}

/// One entry row ready to insert.
struct NewEntry {
    idx: i64,
    bytes: Vec<u8>,
    kind: String,
    id: String,
    submitter: String,
    submitted_at: String,
    tlp: &'static str,
    body: Vec<u8>,
    salt: Option<Vec<u8>>,
}

/// Appends a batch in one transaction holding the sequencer lock, and signs the new
/// checkpoint. See the crate documentation for why this keeps one consistent log across
/// nodes.
pub(crate) async fn append(
    client: &mut deadpool_postgres::Object,
    cache: &NodeCache,
    batch: Vec<LogWrite>,
    operator: &Operator,
) -> Result<AppendOutcome, StoreError> {
    // READ COMMITTED: each statement sees every commit made before it started, so the reads
    // below, issued once the lock is held, see the last sequencer's whole commit. (Under
    // REPEATABLE READ the snapshot would date from before the wait for the lock.)
    let tx = client
        .build_transaction()
        .isolation_level(IsolationLevel::ReadCommitted)
        .start()
        .await
        .map_err(db)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SEQUENCER_LOCK])
        .await
        .map_err(db)?;
    let head = latest_checkpoint(&tx).await?;
    operator.check_signs(head.as_ref())?;
    let old_size: u64 = {
        let row = tx
            .query_one("SELECT COALESCE(MAX(idx) + 1, 0) FROM log_entries", &[])
            .await
            .map_err(db)?;
        row.get::<_, i64>(0) as u64
    };
    // Every commit writes its entries and their checkpoint together: a log longer than its
    // checkpoint, or a stored tree whose root is not the published one, means the database
    // was changed behind the log's back. Refuse to sign over it.
    let published = head.as_ref().map_or(0, |c| c.size);
    if published != old_size {
        return Err(corrupt(
            "log",
            format!("it holds {old_size} entries but its latest checkpoint covers {published}"),
        ));
    }
    let mut known: HashMap<NodeId, Hash> = HashMap::new();
    if let Some(head) = &head {
        let root = with_nodes(&tx, cache, &mut known, old_size, |r| {
            merkle::root(r, old_size)
        })
        .await?;
        if root != head.root {
            return Err(corrupt(
                "log tree",
                format!(
                    "the stored tree of {old_size} entries does not have the root of the published checkpoint"
                ),
            ));
        }
    }

    // What the refusal rules will ask about the batch, read once.
    let mut known_state = Known::load(&tx, &batch).await?;
    let mut stix = crate::sharing::StixBatch::load(&tx, &batch).await?;
    let mut size = old_size;
    let mut leaves = Vec::with_capacity(batch.len());
    let mut rows: Vec<NewEntry> = Vec::with_capacity(batch.len());
    let mut results = Vec::with_capacity(batch.len());
    for w in &batch {
        let env = &w.entry.envelope;
        let state = PgState {
            client: &tx,
            known: &known_state,
            stix: stix.as_ref(),
        };
        if let Some(refused) = refusal(&state, w).await? {
            results.push(Err(refused));
            continue;
        }
        let applied = match (&mut stix, &w.effect) {
            (Some(batch), Effect::StixObject(o)) => batch.add(o, size)?,
            _ => effect(&tx, w, size).await?,
        };
        match applied {
            Ok(()) => {
                let bytes = w
                    .entry
                    .to_bytes()
                    .map_err(|e| StoreError::Backend(e.to_string()))?;
                let leaf = merkle::leaf_hash(&bytes);
                leaves.push(leaf);
                rows.push(NewEntry {
                    idx: size as i64,
                    bytes,
                    kind: env.kind.clone(),
                    id: env.id.clone(),
                    submitter: env.submitter.clone(),
                    submitted_at: env.submitted_at.clone(),
                    tlp: env.tlp.as_str(),
                    body: w.body.clone(),
                    salt: w.salt.map(|s| s.to_vec()),
                });
                results.push(Ok(Receipt {
                    index: size,
                    leaf_hash: leaf,
                }));
                known_state.applied(w);
                size += 1;
            }
            Err(refused) => results.push(Err(refused)),
        }
    }
    if let Some(batch) = stix {
        batch.insert(&tx).await?;
    }
    if leaves.is_empty() {
        tx.commit().await.map_err(db)?;
        return Ok(AppendOutcome {
            results,
            checkpoint: head,
        });
    }

    // The batch's entries in one statement.
    let idx: Vec<i64> = rows.iter().map(|r| r.idx).collect();
    let entry: Vec<&[u8]> = rows.iter().map(|r| r.bytes.as_slice()).collect();
    let kind: Vec<&str> = rows.iter().map(|r| r.kind.as_str()).collect();
    let entry_id: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let submitter: Vec<&str> = rows.iter().map(|r| r.submitter.as_str()).collect();
    let submitted_at: Vec<&str> = rows.iter().map(|r| r.submitted_at.as_str()).collect();
    let tlp: Vec<&str> = rows.iter().map(|r| r.tlp).collect();
    let body: Vec<&[u8]> = rows.iter().map(|r| r.body.as_slice()).collect();
    let salt: Vec<Option<&[u8]>> = rows.iter().map(|r| r.salt.as_deref()).collect();
    run(
        &tx,
        "INSERT INTO log_entries \
         (idx, entry, kind, entry_id, submitter, submitted_at, tlp, body, body_salt) \
         SELECT * FROM UNNEST($1::BIGINT[], $2::BYTEA[], $3::TEXT[], $4::TEXT[], $5::TEXT[], \
                              $6::TEXT[], $7::TEXT[], $8::BYTEA[], $9::BYTEA[])",
        &[
            &idx,
            &entry,
            &kind,
            &entry_id,
            &submitter,
            &submitted_at,
            &tlp,
            &body,
            &salt,
        ],
    )
    .await?;

    // RFC 9162 §2.1.1: the new complete subtrees, then the new root.
    let nodes = with_nodes(&tx, cache, &mut known, old_size, |r| {
        merkle::append_nodes(r, old_size, &leaves)
    })
    .await?;
    let levels: Vec<i16> = nodes.iter().map(|(n, _)| i16::from(n.level)).collect();
    let node_idx: Vec<i64> = nodes.iter().map(|(n, _)| n.index as i64).collect();
    let hashes: Vec<&[u8]> = nodes.iter().map(|(_, h)| h.0.as_slice()).collect();
    run(
        &tx,
        "INSERT INTO log_nodes (level, idx, hash) \
         SELECT * FROM UNNEST($1::SMALLINT[], $2::BIGINT[], $3::BYTEA[])",
        &[&levels, &node_idx, &hashes],
    )
    .await?;
    known.extend(nodes.iter().copied());
    let root = with_nodes(&tx, cache, &mut known, size, |r| merkle::root(r, size)).await?;
    let signed = sign_checkpoint(operator, size, root)?;
    run(
        &tx,
        "INSERT INTO checkpoints (size, root, note) VALUES ($1, $2, $3)",
        &[&(size as i64), &root.0.as_slice(), &signed.note],
    )
    .await?;
    tx.commit().await.map_err(db)?;
    cache.insert_many(nodes);
    Ok(AppendOutcome {
        results,
        checkpoint: Some(signed),
    })
}

fn to_checkpoint(row: Option<tokio_postgres::Row>) -> Result<Option<SignedCheckpoint>, StoreError> {
    row.map(|r| {
        Ok(SignedCheckpoint {
            size: r.get::<_, i64>(0) as u64,
            root: Hash::from_slice(r.get::<_, &[u8]>(1))
                .map_err(|e| corrupt("checkpoint root", e))?,
            note: r.get(2),
        })
    })
    .transpose()
}

/// The latest signed checkpoint.
pub(crate) async fn latest_checkpoint(
    client: &impl GenericClient,
) -> Result<Option<SignedCheckpoint>, StoreError> {
    let stmt = client
        .prepare_cached("SELECT size, root, note FROM checkpoints ORDER BY size DESC LIMIT 1")
        .await
        .map_err(db)?;
    to_checkpoint(client.query_opt(&stmt, &[]).await.map_err(db)?)
}

/// The checkpoint published at `size`.
pub(crate) async fn checkpoint_at(
    client: &impl GenericClient,
    size: u64,
) -> Result<Option<SignedCheckpoint>, StoreError> {
    let stmt = client
        .prepare_cached("SELECT size, root, note FROM checkpoints WHERE size = $1")
        .await
        .map_err(db)?;
    to_checkpoint(
        client
            .query_opt(&stmt, &[&(size as i64)])
            .await
            .map_err(db)?,
    )
}

/// Adds (or replaces, for the same key) a cosignature line on the checkpoint of `size`. The
/// row is locked, so two nodes adding cosignatures at once both keep theirs.
pub(crate) async fn add_cosignature(
    client: &mut deadpool_postgres::Object,
    size: u64,
    line: &str,
) -> Result<(), StoreError> {
    let tx = client.transaction().await.map_err(db)?;
    let row = tx
        .query_opt(
            "SELECT note FROM checkpoints WHERE size = $1 FOR UPDATE",
            &[&(size as i64)],
        )
        .await
        .map_err(db)?
        .ok_or_else(|| StoreError::NotFound {
            what: "checkpoint",
            id: size.to_string(),
        })?;
    let sig = NoteSignature::parse_line(line.trim_end(), 1)
        .map_err(|e| StoreError::Backend(format!("bad cosignature line: {e}")))?;
    let note = accord_store::witness::merge_cosignature(row.get::<_, &str>(0), sig)?;
    tx.execute(
        "UPDATE checkpoints SET note = $2 WHERE size = $1",
        &[&(size as i64), &note],
    )
    .await
    .map_err(db)?;
    tx.commit().await.map_err(db)
}

/// Every witness ever configured, oldest first.
pub(crate) async fn witnesses(client: &impl GenericClient) -> Result<Vec<Witness>, StoreError> {
    let stmt = client
        .prepare_cached(
            "SELECT name, verifier_key, party_id, added_at, removed_at FROM witnesses ORDER BY added_at",
        )
        .await
        .map_err(db)?;
    Ok(client
        .query(&stmt, &[])
        .await
        .map_err(db)?
        .into_iter()
        .map(|r| Witness {
            name: r.get(0),
            key: r.get(1),
            party: r.get(2),
            added_at: r.get::<_, i64>(3) as u64,
            removed_at: r.get::<_, Option<i64>>(4).map(|i| i as u64),
        })
        .collect())
}

/// The checkpoint repair's questions, answered on one pooled connection.
pub(crate) struct Repair<'a>(pub(crate) &'a deadpool_postgres::Object);

#[async_trait]
impl CheckpointRepair for Repair<'_> {
    async fn repair_requested(&mut self) -> Result<bool, StoreError> {
        let found = self
            .0
            .query_opt("SELECT 1 FROM meta WHERE key = 'repair_checkpoints'", &[])
            .await
            .map_err(db)?;
        Ok(found.is_some())
    }

    async fn latest_checkpoint(&mut self) -> Result<Option<SignedCheckpoint>, StoreError> {
        latest_checkpoint(self.0).await
    }

    async fn checkpoints_from(
        &mut self,
        from: u64,
        limit: u64,
    ) -> Result<Vec<SignedCheckpoint>, StoreError> {
        let rows = self
            .0
            .query(
                "SELECT size, root, note FROM checkpoints WHERE size >= $1 ORDER BY size LIMIT $2",
                &[&(from as i64), &(limit as i64)],
            )
            .await
            .map_err(db)?;
        let mut found = Vec::with_capacity(rows.len());
        for row in rows {
            found.extend(to_checkpoint(Some(row))?);
        }
        Ok(found)
    }

    async fn replace_notes(
        &mut self,
        edits: Vec<(SignedCheckpoint, String)>,
    ) -> Result<u64, StoreError> {
        let mut replaced = 0;
        for (cp, note) in &edits {
            replaced += self
                .0
                .execute(
                    "UPDATE checkpoints SET note = $3 WHERE size = $1 AND note = $2",
                    &[&(cp.size as i64), &cp.note, note],
                )
                .await
                .map_err(db)?;
        }
        Ok(replaced)
    }

    async fn repair_finished(&mut self) -> Result<(), StoreError> {
        self.0
            .execute("DELETE FROM meta WHERE key = 'repair_checkpoints'", &[])
            .await
            .map_err(db)?;
        Ok(())
    }
}

/// The size covered by the latest signed checkpoint: what readers may see of the tree.
async fn published_size(client: &impl GenericClient) -> Result<u64, StoreError> {
    let stmt = client
        .prepare_cached("SELECT COALESCE(MAX(size), 0) FROM checkpoints")
        .await
        .map_err(db)?;
    let row = client.query_one(&stmt, &[]).await.map_err(db)?;
    Ok(row.get::<_, i64>(0) as u64)
}

/// One published entry and its body.
pub(crate) async fn entry(
    client: &impl GenericClient,
    index: u64,
) -> Result<StoredEntry, StoreError> {
    // One round trip: the published size and the row, if it is published.
    let stmt = client
        .prepare_cached(
            "SELECT p.size, e.entry, e.body, e.tlp, e.body_salt \
             FROM (SELECT COALESCE(MAX(size), 0) AS size FROM checkpoints) p \
             LEFT JOIN log_entries e ON e.idx = $1 AND e.idx < p.size",
        )
        .await
        .map_err(db)?;
    let row = client
        .query_one(&stmt, &[&(index as i64)])
        .await
        .map_err(db)?;
    let size = row.get::<_, i64>(0) as u64;
    match row.get::<_, Option<Vec<u8>>>(1) {
        Some(entry) if index < size => Ok(StoredEntry {
            index,
            entry,
            body: row.get(2),
            salt: row.get(4),
            tlp: parse_tlp(row.get(3))?,
        }),
        _ => Err(StoreError::NoSuchEntry { index, size }),
    }
}

/// Consecutive published entries with their bodies.
pub(crate) async fn entries(
    client: &impl GenericClient,
    start: u64,
    count: u64,
) -> Result<Vec<StoredEntry>, StoreError> {
    let end = start.saturating_add(count).min(i64::MAX as u64);
    let stmt = client
        .prepare_cached(
            "SELECT idx, entry, body, tlp, body_salt FROM log_entries \
             WHERE idx >= $1 AND idx < LEAST($2, (SELECT COALESCE(MAX(size), 0) FROM checkpoints)) \
             ORDER BY idx",
        )
        .await
        .map_err(db)?;
    let rows = client
        .query(
            &stmt,
            &[&(start.min(i64::MAX as u64) as i64), &(end as i64)],
        )
        .await
        .map_err(db)?;
    rows.iter()
        .map(|r| {
            Ok(StoredEntry {
                index: r.get::<_, i64>(0) as u64,
                entry: r.get(1),
                body: r.get(2),
                salt: r.get(4),
                tlp: parse_tlp(r.get(3))?,
            })
        })
        .collect()
}

/// The data of a hash tile or entry bundle within the published tree.
pub(crate) async fn tile(
    client: &impl GenericClient,
    cache: &NodeCache,
    tile: Tile,
) -> Result<Vec<u8>, StoreError> {
    let size = published_size(client).await?;
    match tile_read(&tile, size)? {
        TileRead::Hashes { .. } => {
            let mut known = HashMap::new();
            with_nodes(client, cache, &mut known, size, |r| {
                tiles::read_tile_data(r, &tile)
            })
            .await
        }
        TileRead::Entries { start, end } => {
            let stmt = client
                .prepare_cached(
                    "SELECT entry FROM log_entries WHERE idx >= $1 AND idx < $2 ORDER BY idx",
                )
                .await
                .map_err(db)?;
            let rows = client
                .query(&stmt, &[&(start as i64), &(end as i64)])
                .await
                .map_err(db)?;
            let entries: Vec<&[u8]> = rows.iter().map(|r| r.get(0)).collect();
            tiles::encode_bundle(&entries).map_err(|e| corrupt("entry bundle", e))
        }
    }
}

/// The inclusion proof of `index` in the published tree of `size`.
pub(crate) async fn inclusion_proof(
    client: &impl GenericClient,
    cache: &NodeCache,
    index: u64,
    size: u64,
) -> Result<InclusionProof, StoreError> {
    let published = published_size(client).await?;
    check_proof_size(size, published)?;
    let mut known = HashMap::new();
    with_nodes(client, cache, &mut known, published, |r| {
        merkle::inclusion_proof(r, index, size)
    })
    .await
}

/// The consistency proof from `old` to `new`, both within the published tree.
pub(crate) async fn consistency_proof(
    client: &impl GenericClient,
    cache: &NodeCache,
    old: u64,
    new: u64,
) -> Result<ConsistencyProof, StoreError> {
    let published = published_size(client).await?;
    check_proof_size(new, published)?;
    let mut known = HashMap::new();
    with_nodes(client, cache, &mut known, published, |r| {
        merkle::consistency_proof(r, old, new)
    })
    .await
}

/// Every key of a party, oldest first.
pub(crate) async fn party_keys(
    client: &impl GenericClient,
    party: &str,
) -> Result<Vec<PartyKey>, StoreError> {
    let stmt = client
        .prepare_cached(
            "SELECT public_key, added_at, revoked_at FROM party_keys \
             WHERE party_id = $1 ORDER BY added_at",
        )
        .await
        .map_err(db)?;
    let rows = client.query(&stmt, &[&party]).await.map_err(db)?;
    Ok(rows
        .iter()
        .map(|r| PartyKey {
            party: party.to_owned(),
            public_key: r.get(0),
            added_at: r.get::<_, i64>(1) as u64,
            revoked_at: r.get::<_, Option<i64>>(2).map(|i| i as u64),
        })
        .collect())
}

/// Stores a token digest for a party, valid until `expires_at`.
pub(crate) async fn add_token(
    client: &impl GenericClient,
    token: &str,
    party: &str,
    expires_at: jiff::Timestamp,
) -> Result<(), StoreError> {
    if !exists(client, "SELECT 1 FROM parties WHERE id = $1", &[&party]).await? {
        return Err(StoreError::NotFound {
            what: "party",
            id: party.to_owned(),
        });
    }
    run(
        client,
        "INSERT INTO tokens (token_sha256, party_id, expires_at) VALUES ($1, $2, to_timestamp($3))",
        &[&token, &party, &(expires_at.as_second() as f64)],
    )
    .await?;
    Ok(())
}

/// The party a token digest belongs to, unless revoked or expired.
pub(crate) async fn token_party(
    client: &impl GenericClient,
    token: &str,
) -> Result<Option<String>, StoreError> {
    let stmt = client
        .prepare_cached(
            "SELECT party_id FROM tokens WHERE token_sha256 = $1 AND revoked_at IS NULL \
             AND (expires_at IS NULL OR expires_at > now())",
        )
        .await
        .map_err(db)?;
    Ok(client
        .query_opt(&stmt, &[&token])
        .await
        .map_err(db)?
        .map(|r| r.get(0)))
}

/// The columns of a token row, times as unix seconds.
const TOKEN_COLUMNS: &str = "token_sha256, party_id, EXTRACT(EPOCH FROM created_at)::BIGINT, \
     EXTRACT(EPOCH FROM expires_at)::BIGINT, EXTRACT(EPOCH FROM revoked_at)::BIGINT";

fn to_token(r: &tokio_postgres::Row) -> Result<TokenInfo, StoreError> {
    let time = |s: i64| jiff::Timestamp::from_second(s).map_err(|e| corrupt("token time", e));
    Ok(TokenInfo::new(
        r.get(0),
        r.get(1),
        time(r.get(2))?,
        r.get::<_, Option<i64>>(3).map(time).transpose()?,
        r.get::<_, Option<i64>>(4).map(time).transpose()?,
    ))
}

/// One token by its digest.
pub(crate) async fn token(
    client: &impl GenericClient,
    token: &str,
) -> Result<Option<TokenInfo>, StoreError> {
    let stmt = client
        .prepare_cached(&format!(
            "SELECT {TOKEN_COLUMNS} FROM tokens WHERE token_sha256 = $1"
        ))
        .await
        .map_err(db)?;
    client
        .query_opt(&stmt, &[&token])
        .await
        .map_err(db)?
        .as_ref()
        .map(to_token)
        .transpose()
}

/// Every token, oldest first.
pub(crate) async fn token_list(client: &impl GenericClient) -> Result<Vec<TokenInfo>, StoreError> {
    let stmt = client
        .prepare_cached(&format!(
            "SELECT {TOKEN_COLUMNS} FROM tokens ORDER BY created_at, token_sha256"
        ))
        .await
        .map_err(db)?;
    client
        .query(&stmt, &[])
        .await
        .map_err(db)?
        .iter()
        .map(to_token)
        .collect()
}

/// Revokes a token now; whether it was current.
pub(crate) async fn revoke_token(
    client: &impl GenericClient,
    token: &str,
) -> Result<bool, StoreError> {
    let n = run(
        client,
        "UPDATE tokens SET revoked_at = now() WHERE token_sha256 = $1 AND revoked_at IS NULL",
        &[&token],
    )
    .await?;
    Ok(n > 0)
}

/// Every current token as (SHA-256 hex, party), oldest first.
pub(crate) async fn tokens(
    client: &impl GenericClient,
) -> Result<Vec<(String, String)>, StoreError> {
    let stmt = client
        .prepare_cached(
            "SELECT token_sha256, party_id FROM tokens WHERE revoked_at IS NULL \
             AND (expires_at IS NULL OR expires_at > now()) ORDER BY created_at, token_sha256",
        )
        .await
        .map_err(db)?;
    let rows = client.query(&stmt, &[]).await.map_err(db)?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// Entry counts by kind.
pub(crate) async fn entry_counts(
    client: &impl GenericClient,
) -> Result<Vec<(String, u64)>, StoreError> {
    let stmt = client
        .prepare_cached("SELECT kind, COUNT(*) FROM log_entries GROUP BY kind ORDER BY kind")
        .await
        .map_err(db)?;
    let rows = client.query(&stmt, &[]).await.map_err(db)?;
    Ok(rows
        .iter()
        .map(|r| (r.get(0), r.get::<_, i64>(1) as u64))
        .collect())
}

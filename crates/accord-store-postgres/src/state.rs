//! The answers to the refusal rules' questions ([`accord_store::refusal::StoredState`]), in
//! PostgreSQL's SQL, asked inside the append transaction (which holds the sequencer lock).
//! What a batch asks most (its entries' ids, incidents, parties and object versions) is read
//! once for the whole batch and kept up to date with the batch's own writes, so that a batch
//! costs a round trip per statement, not per question.

use std::collections::HashSet;

use accord_core::corrections::RecordKind;
use accord_store::StoreError;
use accord_store::log::{Effect, LogWrite, amendment_entry_prefix};
use accord_store::refusal::{RecordState, StoredState};
use accord_store::sharing::SharedObject;
use deadpool_postgres::GenericClient;
use tokio_postgres::types::Json;

use crate::db::{db, exists};
use crate::sharing::StixBatch;

/// What the batch's questions need, read once when the batch starts.
#[derive(Debug, Default)]
pub(crate) struct Known {
    /// (kind, entry id) of the batch's entries the log holds.
    pub(crate) entries: HashSet<(String, String)>,
    /// The batch's incident ids that are recorded.
    pub(crate) incidents: HashSet<String>,
    /// The party ids the batch names (registrations, keys, witnesses) that are registered.
    pub(crate) parties: HashSet<String>,
}

impl Known {
    /// Reads what `batch` will ask about, in one query per kind of question.
    pub(crate) async fn load(
        client: &impl GenericClient,
        batch: &[LogWrite],
    ) -> Result<Known, StoreError> {
        let kinds: Vec<&str> = batch
            .iter()
            .map(|w| w.entry.envelope.kind.as_str())
            .collect();
        let ids: Vec<&str> = batch.iter().map(|w| w.entry.envelope.id.as_str()).collect();
        let stmt = client
            .prepare_cached(
                "SELECT e.kind, e.entry_id FROM log_entries e \
                 JOIN UNNEST($1::TEXT[], $2::TEXT[]) AS w(kind, entry_id) \
                   ON e.kind = w.kind AND e.entry_id = w.entry_id",
            )
            .await
            .map_err(db)?;
        let entries = client
            .query(&stmt, &[&kinds, &ids])
            .await
            .map_err(db)?
            .into_iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        let mut incident_ids = Vec::new();
        let mut party_ids = Vec::new();
        for w in batch {
            match &w.effect {
                Effect::Incident(r) => incident_ids.push(r.incident.id.as_str()),
                Effect::Party(p) => party_ids.push(p.id.as_str()),
                Effect::KeyAdded(k) => party_ids.push(k.party.as_str()),
                Effect::WitnessAdded(w) => party_ids.push(w.party.as_str()),
                Effect::PeerAdded(p) => party_ids.extend(p.party.as_deref()),
                _ => {}
            }
        }
        let recorded = async |sql: &str, ids: &[&str]| -> Result<HashSet<String>, StoreError> {
            if ids.is_empty() {
                return Ok(HashSet::new());
            }
            let stmt = client.prepare_cached(sql).await.map_err(db)?;
            Ok(client
                .query(&stmt, &[&ids])
                .await
                .map_err(db)?
                .into_iter()
                .map(|r| r.get(0))
                .collect())
        };
        Ok(Known {
            entries,
            incidents: recorded("SELECT id FROM incidents WHERE id = ANY($1)", &incident_ids)
                .await?,
            parties: recorded("SELECT id FROM parties WHERE id = ANY($1)", &party_ids).await?,
        })
    }

    /// Counts `w`, just applied, in what later writes of the batch are told.
    pub(crate) fn applied(&mut self, w: &LogWrite) {
        let env = &w.entry.envelope;
        self.entries.insert((env.kind.clone(), env.id.clone()));
        match &w.effect {
            Effect::Incident(r) => {
                self.incidents.insert(r.incident.id.clone());
            }
            Effect::Party(p) => {
                self.parties.insert(p.id.clone());
            }
            _ => {}
        }
    }
}

/// The stored state as the append transaction sees it.
pub(crate) struct PgState<'a, C> {
    pub(crate) client: &'a C,
    pub(crate) known: &'a Known,
    /// The batch's STIX object versions, when they are checked and inserted together.
    pub(crate) stix: Option<&'a StixBatch>,
}

impl<C: GenericClient + Sync> StoredState for PgState<'_, C> {
    async fn record_state(
        &self,
        kind: RecordKind,
        id: &str,
    ) -> Result<Option<RecordState>, StoreError> {
        // Asked of the database, not of `Known`: the effects of the batch's earlier writes
        // are applied in this transaction, so it sees them. The version is the latest
        // amendment's index, or the recording entry's.
        let sql = match kind {
            RecordKind::Incident => {
                "SELECT l.submitter, r.body -> 'incident', COALESCE((SELECT MAX(a.idx) \
                   FROM log_entries a WHERE a.kind = 'amendment' \
                   AND left(a.entry_id, length($2)) = $2), l.idx) \
                 FROM incidents r \
                 JOIN log_entries l ON l.kind = 'incident' AND l.entry_id = r.id WHERE r.id = $1"
            }
            RecordKind::Party => {
                "SELECT l.submitter, r.body, COALESCE((SELECT MAX(a.idx) \
                   FROM log_entries a WHERE a.kind = 'amendment' \
                   AND left(a.entry_id, length($2)) = $2), l.idx) \
                 FROM parties r \
                 JOIN log_entries l ON l.kind = 'party' AND l.entry_id = r.id WHERE r.id = $1"
            }
            RecordKind::Accord => {
                "SELECT l.submitter, r.body, COALESCE((SELECT MAX(a.idx) \
                   FROM log_entries a WHERE a.kind = 'amendment' \
                   AND left(a.entry_id, length($2)) = $2), l.idx) \
                 FROM accord r \
                 JOIN log_entries l ON l.kind = 'accord' AND l.entry_id = r.id WHERE r.id = $1"
            }
            // The rules' id is the one of the entry that recorded them (`rules_id`).
            RecordKind::Rules => {
                "SELECT l.submitter, r.body, COALESCE((SELECT MAX(a.idx) \
                   FROM log_entries a WHERE a.kind = 'amendment' \
                   AND left(a.entry_id, length($2)) = $2), l.idx) \
                 FROM rules r \
                 JOIN log_entries l ON l.kind = 'rules' AND l.entry_id = $1 WHERE r.id = 1"
            }
        };
        let prefix = amendment_entry_prefix(kind, id);
        let stmt = self.client.prepare_cached(sql).await.map_err(db)?;
        let row = self
            .client
            .query_opt(&stmt, &[&id, &prefix])
            .await
            .map_err(db)?;
        let Some(r) = row else { return Ok(None) };
        // A row that breaks the schema's own checks (a negative index, a party without a
        // body) is a corrupt store: said, naming the record, never read as a default.
        let corrupt = |detail: String| StoreError::Corrupt {
            what: format!("{kind} {id}"),
            detail,
        };
        let recorder: String = r
            .try_get(0)
            .map_err(|e| corrupt(format!("its recorder: {e}")))?;
        let record: Option<Json<serde_json::Value>> = r
            .try_get(1)
            .map_err(|e| corrupt(format!("its body: {e}")))?;
        let Some(Json(record)) = record else {
            return Err(corrupt("no body (or no `incident` member)".into()));
        };
        let version: i64 = r
            .try_get(2)
            .map_err(|e| corrupt(format!("its version: {e}")))?;
        let version = u64::try_from(version)
            .map_err(|_| corrupt(format!("a negative version ({version}) in the log")))?;
        Ok(Some(RecordState {
            recorder,
            record,
            version,
        }))
    }

    async fn entry_recorded(&self, kind: &str, id: &str) -> Result<bool, StoreError> {
        Ok(self
            .known
            .entries
            .contains(&(kind.to_owned(), id.to_owned())))
    }

    async fn accord_recorded(&self) -> Result<bool, StoreError> {
        exists(self.client, "SELECT 1 FROM accord", &[]).await
    }

    async fn party_registered(&self, id: &str) -> Result<bool, StoreError> {
        Ok(self.known.parties.contains(id))
    }

    async fn incident_recorded(&self, id: &str) -> Result<bool, StoreError> {
        Ok(self.known.incidents.contains(id))
    }

    async fn key_registered(&self, party: &str, key: &str) -> Result<bool, StoreError> {
        exists(
            self.client,
            "SELECT 1 FROM party_keys WHERE party_id = $1 AND public_key = $2",
            &[&party, &key],
        )
        .await
    }

    async fn key_current(&self, party: &str, key: &str) -> Result<bool, StoreError> {
        exists(
            self.client,
            "SELECT 1 FROM party_keys WHERE party_id = $1 AND public_key = $2 \
             AND revoked_at IS NULL",
            &[&party, &key],
        )
        .await
    }

    async fn witness_taken(&self, key: &str, name: &str) -> Result<bool, StoreError> {
        exists(
            self.client,
            "SELECT 1 FROM witnesses WHERE verifier_key = $1 OR (name = $2 AND removed_at IS NULL)",
            &[&key, &name],
        )
        .await
    }

    async fn witness_current(&self, key: &str) -> Result<bool, StoreError> {
        exists(
            self.client,
            "SELECT 1 FROM witnesses WHERE verifier_key = $1 AND removed_at IS NULL",
            &[&key],
        )
        .await
    }

    async fn peer_taken(&self, key: &str, origin: &str) -> Result<bool, StoreError> {
        exists(
            self.client,
            "SELECT 1 FROM peers WHERE (verifier_key = $1 OR origin = $2) AND removed_at IS NULL",
            &[&key, &origin],
        )
        .await
    }

    async fn peer_current(&self, key: &str) -> Result<bool, StoreError> {
        exists(
            self.client,
            "SELECT 1 FROM peers WHERE verifier_key = $1 AND removed_at IS NULL",
            &[&key],
        )
        .await
    }

    async fn peer_forked(&self, key: &str) -> Result<bool, StoreError> {
        exists(
            self.client,
            "SELECT 1 FROM peers WHERE verifier_key = $1 AND forked_at IS NOT NULL",
            &[&key],
        )
        .await
    }

    async fn request_recorded(&self, id: &str) -> Result<bool, StoreError> {
        exists(self.client, "SELECT 1 FROM requests WHERE id = $1", &[&id]).await
    }

    async fn request_status(&self, id: &str) -> Result<Option<String>, StoreError> {
        let stmt = self
            .client
            .prepare_cached("SELECT status FROM requests WHERE id = $1")
            .await
            .map_err(db)?;
        Ok(self
            .client
            .query_opt(&stmt, &[&id])
            .await
            .map_err(db)?
            .map(|r| r.get(0)))
    }

    async fn transition_recorded(&self, id: &str, to: &str) -> Result<bool, StoreError> {
        exists(
            self.client,
            "SELECT 1 FROM request_transitions WHERE request_id = $1 AND to_status = $2",
            &[&id, &to],
        )
        .await
    }

    async fn object_owner(&self, id: &str) -> Result<Option<String>, StoreError> {
        match self.stix {
            Some(batch) => Ok(batch.owner(id).map(str::to_owned)),
            None => crate::sharing::object_owner(self.client, id).await,
        }
    }

    async fn stored_version(&self, o: &SharedObject) -> Result<Option<String>, StoreError> {
        match self.stix {
            Some(batch) => batch.same_version(self.client, o).await,
            None => crate::sharing::stored_version(self.client, o).await,
        }
    }

    async fn object_version_recorded(
        &self,
        collection: &str,
        added_us: i64,
    ) -> Result<bool, StoreError> {
        exists(
            self.client,
            "SELECT 1 FROM stix_objects WHERE collection = $1 AND added_us = $2",
            &[&collection, &added_us],
        )
        .await
    }
}

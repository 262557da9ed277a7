//! The answers to the refusal rules' questions ([`accord_store::refusal::StoredState`]), in
//! SQLite's SQL, asked inside the append transaction (which holds the write lock, and sees the
//! batch's own writes).

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use accord_core::corrections::RecordKind;
use accord_store::StoreError;
use accord_store::log::{LogWrite, amendment_entry_prefix};
use accord_store::refusal::{RecordState, StoredState, refusal};
use accord_store::sharing::SharedObject;
use rusqlite::{Connection, OptionalExtension, params};

use crate::db::backend;

/// The stored state as one connection (inside the append transaction) sees it.
pub(crate) struct SqliteState<'a>(pub(crate) &'a Connection);

impl SqliteState<'_> {
    fn exists(&self, sql: &str, args: impl rusqlite::Params) -> Result<bool, StoreError> {
        let mut stmt = self.0.prepare_cached(sql).map_err(backend)?;
        stmt.exists(args).map_err(backend)
    }

    fn text(&self, sql: &str, args: impl rusqlite::Params) -> Result<Option<String>, StoreError> {
        self.0
            .prepare_cached(sql)
            .and_then(|mut stmt| stmt.query_row(args, |r| r.get(0)).optional())
            .map_err(backend)
    }

    /// The error `w` is refused with, if it is. SQLite answers each question at once, so the
    /// rules run to the end on this thread without an executor.
    pub(crate) fn refusal(&self, w: &LogWrite) -> Result<Option<StoreError>, StoreError> {
        let mut rules = pin!(refusal(self, w));
        match rules.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(answer) => answer,
            Poll::Pending => Err(StoreError::Backend(
                "the refusal rules waited on SQLite, which answers at once".into(),
            )),
        }
    }
}

impl StoredState for SqliteState<'_> {
    async fn record_state(
        &self,
        kind: RecordKind,
        id: &str,
    ) -> Result<Option<RecordState>, StoreError> {
        // The version is the latest amendment's index, or the recording entry's.
        let sql = match kind {
            RecordKind::Incident => {
                "SELECT l.submitter, r.body, COALESCE((SELECT MAX(a.idx) FROM log_entries a \
                   WHERE a.kind = 'amendment' AND substr(a.entry_id, 1, length(?2)) = ?2), l.idx) \
                 FROM incidents r \
                 JOIN log_entries l ON l.kind = 'incident' AND l.entry_id = r.id WHERE r.id = ?1"
            }
            RecordKind::Party => {
                "SELECT l.submitter, r.body, COALESCE((SELECT MAX(a.idx) FROM log_entries a \
                   WHERE a.kind = 'amendment' AND substr(a.entry_id, 1, length(?2)) = ?2), l.idx) \
                 FROM parties r \
                 JOIN log_entries l ON l.kind = 'party' AND l.entry_id = r.id WHERE r.id = ?1"
            }
            RecordKind::Accord => {
                "SELECT l.submitter, r.body, COALESCE((SELECT MAX(a.idx) FROM log_entries a \
                   WHERE a.kind = 'amendment' AND substr(a.entry_id, 1, length(?2)) = ?2), l.idx) \
                 FROM accord r \
                 JOIN log_entries l ON l.kind = 'accord' AND l.entry_id = r.id WHERE r.id = ?1"
            }
            // The rules' id is the one of the entry that recorded them (`rules_id`).
            RecordKind::Rules => {
                "SELECT l.submitter, r.body, COALESCE((SELECT MAX(a.idx) FROM log_entries a \
                   WHERE a.kind = 'amendment' AND substr(a.entry_id, 1, length(?2)) = ?2), l.idx) \
                 FROM rules r \
                 JOIN log_entries l ON l.kind = 'rules' AND l.entry_id = ?1 WHERE r.id = 1"
            }
        };
        let prefix = amendment_entry_prefix(kind, id);
        let row: Option<(String, String, i64)> = self
            .0
            .prepare_cached(sql)
            .and_then(|mut stmt| {
                stmt.query_row(params![id, prefix], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })
                .optional()
            })
            .map_err(backend)?;
        let Some((recorder, body, version)) = row else {
            return Ok(None);
        };
        let corrupt = |detail: String| StoreError::Corrupt {
            what: format!("{kind} {id}"),
            detail,
        };
        let mut body: serde_json::Value =
            serde_json::from_str(&body).map_err(|e| corrupt(e.to_string()))?;
        let record = match kind {
            // The index keeps an incident with what the hub derived; the record is its facts.
            RecordKind::Incident => body
                .get_mut("incident")
                .map(serde_json::Value::take)
                .ok_or_else(|| corrupt("no `incident` member".into()))?,
            RecordKind::Party | RecordKind::Accord | RecordKind::Rules => body,
        };
        Ok(Some(RecordState {
            recorder,
            record,
            version: u64::try_from(version).map_err(|e| corrupt(e.to_string()))?,
        }))
    }

    async fn entry_recorded(&self, kind: &str, id: &str) -> Result<bool, StoreError> {
        self.exists(
            "SELECT 1 FROM log_entries WHERE kind = ?1 AND entry_id = ?2",
            params![kind, id],
        )
    }

    async fn accord_recorded(&self) -> Result<bool, StoreError> {
        self.exists("SELECT 1 FROM accord", [])
    }

    async fn party_registered(&self, id: &str) -> Result<bool, StoreError> {
        self.exists("SELECT 1 FROM parties WHERE id = ?1", [id])
    }

    async fn incident_recorded(&self, id: &str) -> Result<bool, StoreError> {
        self.exists("SELECT 1 FROM incidents WHERE id = ?1", [id])
    }

    async fn key_registered(&self, party: &str, key: &str) -> Result<bool, StoreError> {
        self.exists(
            "SELECT 1 FROM party_keys WHERE party_id = ?1 AND public_key = ?2",
            params![party, key],
        )
    }

    async fn key_current(&self, party: &str, key: &str) -> Result<bool, StoreError> {
        self.exists(
            "SELECT 1 FROM party_keys WHERE party_id = ?1 AND public_key = ?2 AND revoked_at IS NULL",
            params![party, key],
        )
    }

    async fn witness_taken(&self, key: &str, name: &str) -> Result<bool, StoreError> {
        self.exists(
            "SELECT 1 FROM witnesses WHERE verifier_key = ?1 OR (name = ?2 AND removed_at IS NULL)",
            params![key, name],
        )
    }

    async fn witness_current(&self, key: &str) -> Result<bool, StoreError> {
        self.exists(
            "SELECT 1 FROM witnesses WHERE verifier_key = ?1 AND removed_at IS NULL",
            [key],
        )
    }

    async fn peer_taken(&self, key: &str, origin: &str) -> Result<bool, StoreError> {
        self.exists(
            "SELECT 1 FROM peers WHERE (verifier_key = ?1 OR origin = ?2) AND removed_at IS NULL",
            params![key, origin],
        )
    }

    async fn peer_current(&self, key: &str) -> Result<bool, StoreError> {
        self.exists(
            "SELECT 1 FROM peers WHERE verifier_key = ?1 AND removed_at IS NULL",
            [key],
        )
    }

    async fn peer_forked(&self, key: &str) -> Result<bool, StoreError> {
        self.exists(
            "SELECT 1 FROM peers WHERE verifier_key = ?1 AND forked_at IS NOT NULL",
            [key],
        )
    }

    async fn request_recorded(&self, id: &str) -> Result<bool, StoreError> {
        self.exists("SELECT 1 FROM requests WHERE id = ?1", [id])
    }

    async fn request_status(&self, id: &str) -> Result<Option<String>, StoreError> {
        self.text("SELECT status FROM requests WHERE id = ?1", [id])
    }

    async fn transition_recorded(&self, id: &str, to: &str) -> Result<bool, StoreError> {
        self.exists(
            "SELECT 1 FROM request_transitions WHERE request_id = ?1 AND to_status = ?2",
            params![id, to],
        )
    }

    async fn object_owner(&self, id: &str) -> Result<Option<String>, StoreError> {
        crate::sharing::object_owner(self.0, id)
    }

    async fn stored_version(&self, o: &SharedObject) -> Result<Option<String>, StoreError> {
        match o.version_us {
            Some(v) => self.text(
                "SELECT body FROM stix_objects WHERE collection = ?1 AND id = ?2 AND version_us = ?3",
                params![o.collection, o.id, v],
            ),
            None => self.text(
                "SELECT body FROM stix_objects WHERE collection = ?1 AND id = ?2 \
                 ORDER BY added_us LIMIT 1",
                params![o.collection, o.id],
            ),
        }
    }

    async fn object_version_recorded(
        &self,
        collection: &str,
        added_us: i64,
    ) -> Result<bool, StoreError> {
        self.exists(
            "SELECT 1 FROM stix_objects WHERE collection = ?1 AND added_us = ?2",
            params![collection, added_us],
        )
    }
}

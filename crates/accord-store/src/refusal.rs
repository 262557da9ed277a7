//! The refusal rules of every effect, written once: which writes a store refuses inside the
//! append transaction, and with which error. A backend answers the questions of
//! [`StoredState`] in its own SQL and calls [`refusal`] before it applies a write; a refused
//! write appends nothing, and the batch goes on without it.
//!
//! The questions are asked inside the append transaction, which holds the log's write lock
//! (SQLite's IMMEDIATE transaction, PostgreSQL's sequencer lock), so their answers hold until
//! the write is applied; a backend that answers from what it read at the start of the batch
//! must count the batch's own writes.

use accord_core::accord::Accord;
use accord_core::corrections::RecordKind;
use accord_core::incident::Incident;
use accord_core::mapping::RuleSet;
use accord_core::party::Party;

use crate::error::StoreError;
use crate::log::{AmendmentBody, Effect, LogWrite};
use crate::sharing::model::{SharedObject, check_new_version};

/// What the refusal rules ask of the stored state. Each backend answers in its own SQL.
// Backends call `refusal` with their own concrete type, so whether its future is `Send` is
// known where it matters (the PostgreSQL append, whose future must be).
#[allow(async_fn_in_trait)]
pub trait StoredState {
    /// Whether the log holds an entry of `kind` with id `id` (a replayed write).
    async fn entry_recorded(&self, kind: &str, id: &str) -> Result<bool, StoreError>;
    /// Whether an accord is stored (the store is seeded).
    async fn accord_recorded(&self) -> Result<bool, StoreError>;
    /// Whether party `id` is registered.
    async fn party_registered(&self, id: &str) -> Result<bool, StoreError>;
    /// Whether incident `id` is recorded.
    async fn incident_recorded(&self, id: &str) -> Result<bool, StoreError>;
    /// Whether `key` was ever registered for `party`, revoked or not.
    async fn key_registered(&self, party: &str, key: &str) -> Result<bool, StoreError>;
    /// Whether `key` is registered for `party` and not revoked.
    async fn key_current(&self, party: &str, key: &str) -> Result<bool, StoreError>;
    /// Whether verifier `key` was ever configured as a witness, or a current witness is named
    /// `name`.
    async fn witness_taken(&self, key: &str, name: &str) -> Result<bool, StoreError>;
    /// Whether verifier `key` is a current (not removed) witness.
    async fn witness_current(&self, key: &str) -> Result<bool, StoreError>;
    /// Whether a current peer has verifier `key` or origin `origin`.
    async fn peer_taken(&self, key: &str, origin: &str) -> Result<bool, StoreError>;
    /// Whether verifier `key` is a current (not removed) peer.
    async fn peer_current(&self, key: &str) -> Result<bool, StoreError>;
    /// Whether the peer of verifier `key` was marked forked.
    async fn peer_forked(&self, key: &str) -> Result<bool, StoreError>;
    /// Whether evidence request `id` is recorded.
    async fn request_recorded(&self, id: &str) -> Result<bool, StoreError>;
    /// The stored status of evidence request `id` (as `Status::as_str` writes it).
    async fn request_status(&self, id: &str) -> Result<Option<String>, StoreError>;
    /// Whether evidence request `id` ever moved into status `to` (as `Status::as_str` writes
    /// it).
    async fn transition_recorded(&self, id: &str, to: &str) -> Result<bool, StoreError>;
    /// Who recorded record `id` of `kind`, the record as the index holds it now and its
    /// version (see [`RecordState`]), or `None` when no such record is held.
    async fn record_state(
        &self,
        kind: RecordKind,
        id: &str,
    ) -> Result<Option<RecordState>, StoreError>;
    /// The party that owns STIX object id `id` on this hub (see [`check_new_version`]).
    async fn object_owner(&self, id: &str) -> Result<Option<String>, StoreError>;
    /// The object (stored JSON text) recorded in `o`'s collection under `o`'s version; for an
    /// unversioned object (most SCOs, one entry per collection), any recorded under its id.
    async fn stored_version(&self, o: &SharedObject) -> Result<Option<String>, StoreError>;
    /// Whether `collection` holds the object version added at `added_us`.
    async fn object_version_recorded(
        &self,
        collection: &str,
        added_us: i64,
    ) -> Result<bool, StoreError>;
}

/// The error `w` is refused with against `state`, or `None` when it may be applied; `Err` only
/// when the database failed to answer.
///
/// A STIX object version is judged on its owner and content first ([`check_new_version`]), so
/// another party's replay, or a changed body under a recorded version, is not reported as a
/// retry; then any write whose entry the log holds already is a conflict; then each effect's
/// own rule.
pub async fn refusal<S: StoredState + ?Sized>(
    state: &S,
    w: &LogWrite,
) -> Result<Option<StoreError>, StoreError> {
    if let Effect::StixObject(o) = &w.effect {
        let owner = state.object_owner(&o.id).await?;
        let same = state.stored_version(o).await?;
        if let Err(e) = check_new_version(o, owner.as_deref(), same.as_deref()) {
            return Ok(Some(e));
        }
    }
    let env = &w.entry.envelope;
    if state.entry_recorded(&env.kind, &env.id).await? {
        return Ok(Some(StoreError::Conflict {
            what: "log entry",
            id: format!("{}/{}", env.kind, env.id),
        }));
    }
    let conflict = |what, id: &str| {
        Some(StoreError::Conflict {
            what,
            id: id.to_owned(),
        })
    };
    let not_found = |what, id: String| Some(StoreError::NotFound { what, id });
    Ok(match &w.effect {
        Effect::Accord(a) if state.accord_recorded().await? => conflict("accord", &a.id),
        Effect::Party(p) if state.party_registered(&p.id).await? => conflict("party", &p.id),
        Effect::Incident(r) if state.incident_recorded(&r.incident.id).await? => {
            conflict("incident", &r.incident.id)
        }
        Effect::KeyAdded(k) => {
            if !state.party_registered(&k.party).await? {
                not_found("party", k.party.clone())
            } else if state.key_registered(&k.party, &k.public_key).await? {
                conflict("key", &k.public_key)
            } else {
                None
            }
        }
        Effect::KeyRevoked(k) if !state.key_current(&k.party, &k.public_key).await? => {
            not_found("current key", format!("{}/{}", k.party, k.public_key))
        }
        Effect::WitnessAdded(wb) => {
            if !state.party_registered(&wb.party).await? {
                not_found("party", wb.party.clone())
            } else if state.witness_taken(&wb.key, &wb.name).await? {
                conflict("witness", &wb.name)
            } else {
                None
            }
        }
        Effect::WitnessRemoved(wb) if !state.witness_current(&wb.key).await? => {
            not_found("current witness", wb.name.clone())
        }
        Effect::PeerAdded(p) => {
            if let Some(party) = &p.party
                && !state.party_registered(party).await?
            {
                not_found("party", party.clone())
            } else if state.peer_taken(&p.key, &p.origin).await? {
                conflict("peer", &p.origin)
            } else if state.peer_forked(&p.key).await? {
                // A log that signed two views stays caught: registering it again would
                // resume imports from it.
                conflict("forked peer", &p.origin)
            } else {
                None
            }
        }
        Effect::PeerRemoved(p) if !state.peer_current(&p.key).await? => {
            not_found("current peer", p.origin.clone())
        }
        Effect::PeerForked(e) => {
            if !state.peer_current(&e.key).await? {
                not_found("current peer", e.key.clone())
            } else if state.peer_forked(&e.key).await? {
                conflict("forked peer", &e.key)
            } else {
                None
            }
        }
        Effect::RequestCreated(r) if state.request_recorded(&r.id).await? => {
            conflict("request", &r.id)
        }
        Effect::RequestTransition {
            request,
            from,
            transition,
            ..
        } => match state.request_status(request).await? {
            None => not_found("request", request.clone()),
            // Another move landed since the write path read the request: refuse this one
            // rather than apply a move checked against a status that no longer holds.
            Some(s) if s != from.as_str() => Some(StoreError::Conflict {
                what: "request transition",
                id: format!("{request}/{} (the request is now {s})", transition.to),
            }),
            // At most one transition into each status of a request: the lifecycle never
            // reaches a status twice, and the store holds to that whatever the caller checked.
            Some(_)
                if state
                    .transition_recorded(request, transition.to.as_str())
                    .await? =>
            {
                Some(StoreError::Conflict {
                    what: "request transition",
                    id: format!("{request}/{}", transition.to),
                })
            }
            Some(_) => None,
        },
        Effect::Amendment(a) => {
            let (kind, id) = (a.body.kind, &a.body.id);
            amendment_refusal(&env.submitter, &a.body, state.record_state(kind, id).await?)
        }
        Effect::StixDeleted {
            collection,
            added_us,
        } if !state.object_version_recorded(collection, *added_us).await? => {
            not_found("object version", format!("{collection}/{added_us}"))
        }
        _ => None,
    })
}

/// A recorded record as the amendment rule sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordState {
    /// The party that recorded it: the submitter of the entry that recorded it (the hub
    /// operator for bundled records). Amendments do not change it.
    pub recorder: String,
    /// The record as the index holds it now (an incident's reported facts, a party's entry).
    pub record: serde_json::Value,
    /// Its version: the log index of its latest amendment, or of the entry that recorded it.
    pub version: u64,
}

/// Why an amendment by `submitter` with `body` is refused against the record's `state` (`None`:
/// no such record), or `None` when it may be applied. Only the party that recorded a record
/// amends it (the operator, for bundled records), and only from the version it holds now: an
/// amendment naming an older version (`base`), or whose `previous` is not the record's current
/// text, is refused rather than applied over a later one. The store asks it inside the append;
/// the write path asks it first, to answer before validating the new text.
pub fn amendment_refusal(
    submitter: &str,
    body: &AmendmentBody,
    state: Option<RecordState>,
) -> Option<StoreError> {
    let (kind, id) = (body.kind, &body.id);
    let Some(state) = state else {
        return Some(StoreError::NotFound {
            what: kind.as_str(),
            id: id.clone(),
        });
    };
    let outdated = |detail: String| {
        Some(StoreError::Outdated {
            what: kind.as_str(),
            id: id.clone(),
            detail,
        })
    };
    if state.recorder != submitter {
        return Some(StoreError::NotRecorder {
            what: kind.as_str(),
            id: id.clone(),
            recorder: state.recorder,
        });
    }
    match body.base {
        Some(base) if base != state.version => outdated(format!(
            "the amendment amends the version of log entry {base}, the record's latest is log \
             entry {}",
            state.version
        )),
        _ if !same_record(kind, &state.record, &body.previous) => outdated(format!(
            "the amendment's previous value is not the record's text at log entry {}",
            state.version
        )),
        _ => None,
    }
}

/// Whether two JSON texts of a record of `kind` are the same record: compared as the typed
/// record where both parse (so a number's or a default's spelling does not matter), as JSON
/// otherwise.
fn same_record(kind: RecordKind, a: &serde_json::Value, b: &serde_json::Value) -> bool {
    fn typed<T: serde::de::DeserializeOwned + PartialEq>(
        a: &serde_json::Value,
        b: &serde_json::Value,
    ) -> Option<bool> {
        let a: T = serde_json::from_value(a.clone()).ok()?;
        let b: T = serde_json::from_value(b.clone()).ok()?;
        Some(a == b)
    }
    let typed = match kind {
        RecordKind::Incident => typed::<Incident>(a, b),
        RecordKind::Party => typed::<Party>(a, b),
        RecordKind::Accord => typed::<Accord>(a, b),
        RecordKind::Rules => typed::<RuleSet>(a, b),
    };
    typed.unwrap_or(a == b)
}

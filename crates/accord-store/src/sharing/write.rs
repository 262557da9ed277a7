//! The sharing write path: checking and signing submitted STIX objects, deleting versions,
//! defining collections and recording affiliations, each a signed log entry appended through
//! the sequencer.
//!
//! # Signing: custodial keys
//!
//! TAXII clients (`taxii2-client`, `stix2`'s `TAXIICollectionSink`) cannot sign entries, so
//! the hub signs a `stix` entry on behalf of the token-authenticated party with that party's
//! **custodial key**: an Ed25519 key derived from the operator key and the party id
//! (`SHA-256("accord custodial key v1" ‖ 0 ‖ operator seed ‖ 0 ‖ party)`), registered for the
//! party as an ordinary operator-signed `key` entry the first time the party writes. Deriving
//! it means no second secret file to guard or back up: whoever holds `operator.key` holds the
//! custodial keys, which is true of a custodial scheme in any case. The log shows which key
//! signed each entry, so anyone can tell a custodial signature from one the party made with a
//! key of its own; a party that wants non-repudiation by its own key only can revoke its
//! custodial key (`accord keys revoke`), after which TAXII writes for it are refused.
//!
//!
//! `created` and `modified` are bounded ([`check_object_times`]): a version dated in the future
//! would stay the latest for good.

use std::collections::HashSet;
use std::sync::Arc;

use accord_stix::literal::parse_timestamp;
use accord_stix::object::StixObject;
use accord_stix::tlp::{self, Reader};
use accord_tlog::entry::{Envelope, canonical_json};
use accord_tlp::Tlp;
use ed25519_dalek::SigningKey;
use jiff::Timestamp;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::StoreError;
use crate::kind;
use crate::log::{Effect, LogWrite, Operator, opaque_entry_id, opaque_id_key};
use crate::sequencer::Sequencer;
use crate::sharing::model::{
    AffiliationBody, Collection, Deletion, MAX_OBJECT_BYTES, SharedObject, format_us, parse_us,
    publicly_readable,
};
use crate::sharing::read::{
    ObjectQuery, SharingError, VersionMatch, collection_for, sharing, visible_objects,
};
use crate::store::Store;
use crate::write::{
    CLOCK_SKEW, RecordError, now_rfc3339, operator_write, operator_write_marked,
    sign_canonical_body,
};

/// What happened to one object of an envelope (TAXII 2.1 §4.3.1 status details).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObjectOutcome {
    /// The object's id (as given, or empty when it had none).
    pub id: String,
    /// Its version (`modified`/`created`), when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Why it was refused, or a note on success.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// What adding an envelope's objects did: each object is recorded whole or not at all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AddOutcome {
    /// Objects recorded (or already present in that version).
    pub successes: Vec<ObjectOutcome>,
    /// Objects refused, each with its reason.
    pub failures: Vec<ObjectOutcome>,
}

/// Adds an envelope's objects to `collection` for the authenticated `party`, each one a
/// `stix` log entry signed with the party's custodial key. Valid objects are recorded, invalid
/// ones listed with their reasons; an object is never recorded in part.
pub async fn add_objects(
    store: &dyn Store,
    sequencer: &Sequencer,
    party: &str,
    collection_id: &str,
    objects: Vec<serde_json::Value>,
) -> Result<AddOutcome, SharingError> {
    let collection = collection_for(store, collection_id, Reader::Party(party)).await?;
    if !collection.can_write(party) {
        return Err(SharingError::Forbidden(format!(
            "party {party:?} may not add objects to collection {collection_id:?}"
        )));
    }
    // The key is derived now and registered only once an object passed its checks: an
    // envelope whose every object is refused writes nothing, not even the key.
    let key = custodial_key(sequencer.operator(), party);
    let known: Arc<HashSet<String>> =
        Arc::new(store.parties().await?.into_iter().map(|p| p.id).collect());
    let now = Timestamp::now();
    let id_key = opaque_id_key(sequencer.operator());
    // Checking, canonicalising and signing cost about as much as the append: spread them over
    // the cores, a slice of the envelope each, keeping the envelope's order.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per_task = objects.len().div_ceil(threads).max(SIGNED_PER_TASK);
    let mut tasks = Vec::new();
    let mut objects = objects.into_iter().enumerate().peekable();
    while objects.peek().is_some() {
        let slice: Vec<(usize, serde_json::Value)> = objects.by_ref().take(per_task).collect();
        let (collection, key, party) = (collection.clone(), key.clone(), party.to_owned());
        let known = Arc::clone(&known);
        tasks.push(tokio::task::spawn_blocking(move || {
            slice
                .into_iter()
                .map(|(i, value)| {
                    sign_object(&collection, &party, &key, &known, &id_key, now, i, value)
                })
                .collect::<Vec<_>>()
        }));
    }
    let mut outcome = AddOutcome::default();
    let mut writes = Vec::new();
    let mut accepted = Vec::new();
    for task in tasks {
        let signed = task
            .await
            .map_err(|e| StoreError::Backend(format!("a signing task failed: {e}")))?;
        for object in signed {
            match object {
                Ok((write, done)) => {
                    writes.push(write);
                    accepted.push(done);
                }
                Err(refused) => outcome.failures.push(refused),
            }
        }
    }
    if !writes.is_empty() {
        ensure_custodial_key(store, sequencer, party).await?;
    }
    // One group: one transaction and one checkpoint for the envelope.
    let results = sequencer.append_group(writes).await?;
    for (done, result) in accepted.into_iter().zip(results) {
        match result {
            Ok(_) => outcome.successes.push(done),
            // TAXII clients retry: the version is in the collection already.
            Err(StoreError::Conflict { .. }) => outcome.successes.push(ObjectOutcome {
                message: Some("this version was already in the collection".into()),
                ..done
            }),
            Err(e) => outcome.failures.push(ObjectOutcome {
                message: Some(refusal_message(&e)),
                ..done
            }),
        }
    }
    Ok(outcome)
}

/// What a status may say of a store error: the party's own mistake in its words, a failure of
/// the hub's database only in general terms (the detail goes to the hub's log; a status
/// resource must not carry SQL, table names or connection strings).
fn refusal_message(e: &StoreError) -> String {
    match e {
        StoreError::NotFound { .. }
        | StoreError::Conflict { .. }
        | StoreError::NotOwner { .. }
        | StoreError::VersionConflict { .. } => e.to_string(),
        StoreError::Unavailable(detail) => {
            tracing::warn!(%detail, "database unavailable while adding objects");
            "the hub's database is unavailable; the object was not recorded, retry shortly".into()
        }
        other => {
            tracing::error!(error = %other, "adding an object failed");
            "the hub could not record the object (the error is in the hub's log); it was not \
             recorded"
                .into()
        }
    }
}

/// Fewest objects worth a signing task of their own.
const SIGNED_PER_TASK: usize = 16;

/// Checks envelope object `i` and signs its entry with the party's custodial key: the write
/// to append and the outcome to report once it lands, or the outcome that refuses it.
#[allow(clippy::too_many_arguments)]
fn sign_object(
    collection: &Collection,
    party: &str,
    key: &SigningKey,
    known: &HashSet<String>,
    id_key: &[u8; 32],
    now: Timestamp,
    i: usize,
    value: serde_json::Value,
) -> Result<(LogWrite, ObjectOutcome), ObjectOutcome> {
    let id = value
        .get("id")
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let version = value
        .get("modified")
        .or(value.get("created"))
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned);
    let refuse = |message: String| ObjectOutcome {
        id: id.clone(),
        version: version.clone(),
        message: Some(format!("objects[{i}]: {message}")),
    };
    let (shared, body) =
        prepare_new_object(collection, party, known, now, value).map_err(refuse)?;
    let plain_id = format!(
        "{}/{}/{}",
        collection.id,
        shared.id,
        version.as_deref().unwrap_or("-")
    );
    // The public log names the collection, object and version only of what the anonymous
    // reader may read; any other version's entry id is opaque.
    let entry_id = if publicly_readable(collection, shared.tlp) {
        plain_id
    } else {
        opaque_entry_id(id_key, &plain_id)
    };
    let salt = crate::log::random_salt().map_err(|e| refuse(e.to_string()))?;
    let entry = sign_canonical_body(
        kind::STIX,
        &entry_id,
        party,
        shared.tlp,
        &body,
        &salt,
        key,
        now,
    )
    .map_err(|e| refuse(e.to_string()))?;
    let write = LogWrite {
        entry,
        body,
        salt: Some(salt),
        effect: Effect::StixObject(Box::new(shared)),
    };
    Ok((
        write,
        ObjectOutcome {
            id,
            version,
            message: None,
        },
    ))
}

/// Removes the versions of object `id` that `query` selects and `party` may read from
/// `collection`: allowed to a writer of the collection that owns the id (see
/// [`check_new_version`](crate::sharing::model::check_new_version)).
/// Each removal is a `stix-deletion` entry; the log keeps the object's hash.
pub async fn delete_object(
    store: &dyn Store,
    sequencer: &Sequencer,
    party: &str,
    collection: &Collection,
    id: &str,
    versions: &[VersionMatch],
    spec_versions: &[String],
) -> Result<usize, SharingError> {
    let query = ObjectQuery {
        ids: vec![id.to_owned()],
        versions: versions.to_vec(),
        spec_versions: spec_versions.to_vec(),
        ..ObjectQuery::default()
    };
    let page = visible_objects(store, collection, Reader::Party(party), &query, false).await?;
    if page.items.is_empty() {
        return Err(StoreError::NotFound {
            what: "object",
            id: id.to_owned(),
        }
        .into());
    }
    let owner = sharing(store)?.object_owner(id).await?;
    if !collection.can_write(party) || owner.as_deref() != Some(party) {
        return Err(SharingError::Forbidden(format!(
            "party {party:?} may delete only objects it created, in a collection it may write to"
        )));
    }
    let id_key = opaque_id_key(sequencer.operator());
    let mut n = 0;
    for (m, _) in page.items {
        let body = Deletion {
            collection: collection.id.clone(),
            id: m.id.clone(),
            version: format_us(m.version_us),
            added_us: Some(m.added_us),
        };
        // The deletion is marked and named as the version it removes was, so the log shows of
        // it no more than it showed of the version.
        let plain_id = format!("{}/{}/{}/{}", body.collection, body.id, m.added_us, party);
        let entry_id = if publicly_readable(collection, m.tlp) {
            plain_id
        } else {
            opaque_entry_id(&id_key, &plain_id)
        };
        let write = operator_write_marked(
            sequencer.operator(),
            kind::STIX_DELETION,
            &entry_id,
            m.tlp,
            &body,
            Effect::StixDeleted {
                collection: body.collection.clone(),
                added_us: m.added_us,
            },
        )?;
        sequencer.append(write).await?;
        n += 1;
    }
    Ok(n)
}

/// Defines (or redefines) a collection (operator-signed).
pub async fn define_collection(
    sequencer: &Sequencer,
    collection: Collection,
) -> Result<u64, SharingError> {
    if collection.id.is_empty()
        || collection.id.contains(['/', '?', '#'])
        || collection.title.is_empty()
    {
        return Err(RecordError::Invalid {
            problems: vec![accord_core::validate::Problem {
                path: "id".into(),
                message: "a collection needs a title and an id without `/`, `?` or `#`".into(),
            }],
        }
        .into());
    }
    // A closed collection's definition (title, members) is for those who may see it: the log
    // names it opaquely and marks it TLP:AMBER, which withholds its body.
    let plain_id = format!("{}/{}", collection.id, now_rfc3339());
    let (entry_id, tlp) = if collection.anonymous_read {
        (plain_id, Tlp::Clear)
    } else {
        let key = opaque_id_key(sequencer.operator());
        (opaque_entry_id(&key, &plain_id), Tlp::Amber)
    };
    let write = operator_write_marked(
        sequencer.operator(),
        kind::COLLECTION,
        &entry_id,
        tlp,
        &collection,
        Effect::Collection(Box::new(collection.clone())),
    )?;
    Ok(sequencer.append(write).await?.index)
}

/// Records a party's organisation and the organisation it is a client of (operator-signed).
pub async fn record_affiliation(
    store: &dyn Store,
    sequencer: &Sequencer,
    affiliation: AffiliationBody,
) -> Result<u64, SharingError> {
    store.party(&affiliation.party).await?;
    let write = operator_write(
        sequencer.operator(),
        kind::AFFILIATION,
        &format!("{}/{}", affiliation.party, now_rfc3339()),
        &affiliation,
        Effect::Affiliation(affiliation.clone()),
    )?;
    Ok(sequencer.append(write).await?.index)
}

/// The custodial signing key the hub holds for `party` (see the module documentation).
pub fn custodial_key(operator: &Operator, party: &str) -> SigningKey {
    let mut h = Sha256::new();
    h.update(b"accord custodial key v1\0");
    h.update(operator.signer.signing_key().to_bytes());
    h.update([0u8]);
    h.update(party.as_bytes());
    let seed: [u8; 32] = h.finalize().into();
    SigningKey::from_bytes(&seed)
}

/// Registers `party`'s custodial key if it is not yet; refuses when it was revoked.
async fn ensure_custodial_key(
    store: &dyn Store,
    sequencer: &Sequencer,
    party: &str,
) -> Result<SigningKey, SharingError> {
    let key = custodial_key(sequencer.operator(), party);
    let encoded = Envelope::encode_key(&key.verifying_key());
    match store
        .party_keys(party)
        .await?
        .into_iter()
        .find(|k| k.public_key == encoded)
    {
        Some(k) if k.revoked_at.is_some() => Err(SharingError::Forbidden(format!(
            "the custodial key of party {party:?} was revoked: the hub no longer signs for it"
        ))),
        Some(_) => Ok(key),
        None => match crate::write::add_key(store, sequencer, party, &key.verifying_key()).await {
            // Registered by a concurrent write of the same party.
            Ok(_) | Err(RecordError::Store(StoreError::Conflict { .. })) => Ok(key),
            Err(e) => Err(e.into()),
        },
    }
}

/// Earliest `created` or `modified` accepted: STIX 2 was first published in 2017 (the TLP 1.0
/// marking definitions the STIX 2.0 specification ships are dated 2017-01-20), so an object
/// made before then is a wrong clock or a forged date.
pub const STIX_EPOCH: Timestamp = Timestamp::constant(1_483_228_800, 0); // 2017-01-01T00:00:00Z

/// Refuses an object whose `created` or `modified` lies more than [`CLOCK_SKEW`] after `now`
/// (the hub's clock) or before [`STIX_EPOCH`]; names the property.
pub fn check_object_times(object: &serde_json::Value, now: Timestamp) -> Result<(), String> {
    for property in ["created", "modified"] {
        let Some(text) = object.get(property).and_then(serde_json::Value::as_str) else {
            continue;
        };
        let at = parse_timestamp(text).map_err(|e| format!("`{property}` {text:?}: {e}"))?;
        if at.duration_since(now) > CLOCK_SKEW {
            return Err(format!(
                "`{property}` {text} is in the future (the hub's clock reads {now}; at most {} \
                 ahead is accepted)",
                crate::write::describe(CLOCK_SKEW)
            ));
        }
        if at < STIX_EPOCH {
            return Err(format!(
                "`{property}` {text} is before {STIX_EPOCH}, earlier than STIX 2 existed"
            ));
        }
    }
    Ok(())
}

/// Checks one newly submitted object as [`prepare_object`] does, and against the hub's clock
/// (`now`) and its registered parties (`known`); returns it ready to record.
fn prepare_new_object(
    collection: &Collection,
    producer: &str,
    known: &HashSet<String>,
    now: Timestamp,
    value: serde_json::Value,
) -> Result<(SharedObject, Vec<u8>), String> {
    let (shared, body) = prepare_object(collection, producer, value, Unenforceable::Refuse)?;
    check_object_times(&shared.object, now)?;
    // A recipient the hub does not know could never read the object, and may be a typo that
    // leaves the intended one out: refuse rather than store a list that means something else.
    if let Some(unknown) = shared.recipients.iter().find(|r| !known.contains(*r)) {
        return Err(format!(
            "`{}`: no party {unknown:?} is registered on this hub",
            tlp::RECIPIENTS_PROPERTY
        ));
    }
    Ok((shared, body))
}

/// What [`prepare_object`] does with markings the hub cannot enforce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unenforceable {
    /// Refuse the object, naming the property (a new submission).
    Refuse,
    /// Hold it at TLP:RED, its producer and named recipients only (replaying an entry the log
    /// took before markings were checked: a copy keeps every entry, and never loosens one).
    HoldRed,
}

/// Checks one object's shape and marking; returns it ready to record. What a replayed log
/// entry is checked against (its times and recipients were checked when it was first added).
/// Public so that the fuzz target for TAXII envelopes (`fuzz/fuzz_targets/taxii_envelope.rs`)
/// runs the hub's own checks.
pub fn prepare_object(
    collection: &Collection,
    producer: &str,
    value: serde_json::Value,
    unenforceable: Unenforceable,
) -> Result<(SharedObject, Vec<u8>), String> {
    let object = StixObject::from_value(value.clone()).map_err(|e| e.to_string())?;
    object.validate().map_err(|e| e.to_string())?;
    if object.object_type == "bundle" {
        return Err("a bundle is not an object: send its objects in the envelope".into());
    }
    let recipients = match object.get(tlp::RECIPIENTS_PROPERTY) {
        None => Vec::new(),
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str().map(str::to_owned).ok_or_else(|| {
                    format!(
                        "`{}` must list party ids (strings)",
                        tlp::RECIPIENTS_PROPERTY
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?,
        Some(_) => {
            return Err(format!(
                "`{}` must be a list of party ids",
                tlp::RECIPIENTS_PROPERTY
            ));
        }
    };
    let version_us = match object.get_str("modified").or(object.get_str("created")) {
        Some(t) => Some(parse_us(t).map_err(|e| format!("version {t:?}: {e}"))?),
        None => None,
    };
    let body = canonical_json(&value).map_err(|e| e.to_string())?;
    if body.len() > MAX_OBJECT_BYTES {
        return Err(format!(
            "the object is {} bytes; the limit is {MAX_OBJECT_BYTES}",
            body.len()
        ));
    }
    let shared = SharedObject {
        collection: collection.id.clone(),
        id: object.id.clone(),
        object_type: object.object_type.clone(),
        spec_version: object.get_str("spec_version").unwrap_or("2.1").to_owned(),
        version_us,
        // Fail closed: markings the hub cannot enforce refuse the object (naming the property).
        tlp: match tlp::level_of(&object, collection.default_tlp) {
            Ok(level) => level,
            Err(_) if unenforceable == Unenforceable::HoldRed => Tlp::Red,
            Err(e) => return Err(e.to_string()),
        },
        producer: producer.to_owned(),
        recipients,
        object: value,
        added_us: None,
    };
    Ok((shared, body))
}

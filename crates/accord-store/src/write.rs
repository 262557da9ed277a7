//! The one write path: validate → canonicalise → check the signature → append → index.
//!
//! Every interface that writes (the HTTP API, the CLI's local admin commands, the bundled-data
//! loader) comes through here, so a record is checked the same way whichever door it came in
//! by, is appended to the log in the same transaction as its effect, and nothing is written
//! unless every check passed.
//!
//! A party's write arrives as a [`Submission`]: the body, the salt, and a signed entry whose
//! envelope carries the SHA-256 of the salt and the body's RFC 8785 canonical form
//! (`body_salted_sha256`), signed client-side with a key the party registered. The client draws
//! the salt (32 random bytes) for each entry; the hub stores it beside the body and releases it
//! only with the body, so the public log's commitment to a withheld body cannot be tested
//! against guesses. The operator's own writes (bundled data, party and key registrations, the
//! custodial signatures of STIX objects) are signed here with a salt the hub draws.

use std::sync::Arc;

use accord_core::dataset::Dataset;
use accord_core::incident::Incident;
use accord_core::mapping::RuleSet;
use accord_core::party::Party;
use accord_core::record::IncidentRecord;
use accord_core::validate::{Problem, Problems};
use accord_tlog::entry::{
    EntryError, Envelope, SALT_LEN, SignedEntry, body_salted_sha256, canonical_json, envelope_bytes,
};
use accord_tlp::Tlp;
use ed25519_dalek::SigningKey;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::StoreError;
use crate::kind;
use crate::log::{Effect, KeyBody, LogWrite, Operator, PartyKey, Receipt};
use crate::sequencer::Sequencer;
use crate::store::{SeedOutcome, Store};

/// Why a write was not recorded. Nothing was written in any case.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RecordError {
    /// The submission is invalid; every problem is listed with its field path.
    #[error("the submission is invalid: {}", problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid {
        /// Every problem found.
        problems: Vec<Problem>,
    },
    /// The write's signature does not verify.
    #[error("{0}")]
    BadSignature(String),
    /// The caller may not make this write (another party's entry, a key not registered for
    /// the party, a revoked key).
    #[error("{0}")]
    Forbidden(String),
    /// The store refused or failed (a replayed or taken id is `StoreError::Conflict`).
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub(crate) fn invalid(path: &str, message: impl Into<String>) -> RecordError {
    RecordError::Invalid {
        problems: vec![Problem {
            path: path.to_owned(),
            message: message.into(),
        }],
    }
}

/// How far ahead of the hub's clock a client-supplied time may be (a signed `submitted_at`, a
/// STIX object's `created` or `modified`): clocks drift, but a time in the future would let a
/// record claim to come after everything written until then.
pub const CLOCK_SKEW: SignedDuration = SignedDuration::from_secs(5 * 60);

/// How long before the hub receives it a party's signed entry may be dated. Clients sign just
/// before they send; an older `submitted_at` is a wrong clock or a backdated statement (a
/// request filed "60 days ago" and sent the next day would be overdue at once), so it is
/// refused. The hub records its own receipt time beside the signed one in any case.
pub const MAX_SUBMISSION_AGE: SignedDuration = SignedDuration::from_hours(24);

/// A duration as a person says it: `5 minutes`, `24 hours`.
pub(crate) fn describe(d: SignedDuration) -> String {
    let s = d.as_secs();
    match s {
        _ if s % 3600 == 0 => format!("{} hours", s / 3600),
        _ if s % 60 == 0 => format!("{} minutes", s / 60),
        _ => format!("{s} seconds"),
    }
}

/// The `submitted_at` of a party's signed entry, refused when it does not parse, lies more
/// than [`CLOCK_SKEW`] after `now` (the hub's clock) or more than [`MAX_SUBMISSION_AGE`]
/// before it.
pub fn submitted_at(envelope: &Envelope, now: Timestamp) -> Result<Timestamp, RecordError> {
    let path = "entry.envelope.submitted_at";
    let text = &envelope.submitted_at;
    let at: Timestamp = text
        .parse()
        .map_err(|_| invalid(path, format!("{text:?} is not an RFC 3339 timestamp")))?;
    if at.duration_since(now) > CLOCK_SKEW {
        return Err(invalid(
            path,
            format!(
                "{at} is in the future (the hub's clock reads {now}; at most {} ahead is accepted)",
                describe(CLOCK_SKEW)
            ),
        ));
    }
    if now.duration_since(at) > MAX_SUBMISSION_AGE {
        return Err(invalid(
            path,
            format!(
                "{at} is more than {} before the hub's clock ({now}): sign entries when you send them",
                describe(MAX_SUBMISSION_AGE)
            ),
        ));
    }
    Ok(at)
}

/// A party's signed write as it travels: the signed entry, the body it commits to and the
/// commitment's salt.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Submission {
    /// The signed entry: `{"envelope": {...}, "signature": "base64"}`.
    pub entry: serde_json::Value,
    /// The body; SHA-256 of the salt followed by its RFC 8785 canonical form must be
    /// `envelope.body_salted_sha256`.
    pub body: serde_json::Value,
    /// The salt: 64 lower-case hex digits (32 random bytes, fresh for each entry).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub salt: Option<String>,
}

/// A fresh salt, or the error the write path reports when the system gives no randomness.
fn fresh_salt() -> Result<[u8; SALT_LEN], RecordError> {
    crate::log::random_salt().map_err(|e| RecordError::Store(StoreError::Backend(e.to_string())))
}

/// The current time as RFC 3339 UTC, the form `submitted_at` takes.
pub fn now_rfc3339() -> String {
    jiff::Timestamp::now().to_string()
}

/// Builds and signs an envelope over `body` with a fresh salt, dated now; returns the entry,
/// the canonical body and the salt.
pub fn sign_entry<B: Serialize>(
    entry_kind: &str,
    id: &str,
    submitter: &str,
    tlp: Tlp,
    body: &B,
    key: &SigningKey,
) -> Result<(SignedEntry, Vec<u8>, [u8; SALT_LEN]), RecordError> {
    sign_entry_at(
        entry_kind,
        id,
        submitter,
        tlp,
        body,
        key,
        jiff::Timestamp::now(),
    )
}

fn sign_entry_at<B: Serialize>(
    entry_kind: &str,
    id: &str,
    submitter: &str,
    tlp: Tlp,
    body: &B,
    key: &SigningKey,
    at: jiff::Timestamp,
) -> Result<(SignedEntry, Vec<u8>, [u8; SALT_LEN]), RecordError> {
    let body = canonical_json(body).map_err(|e| invalid("body", e.to_string()))?;
    let salt = fresh_salt()?;
    let entry = sign_canonical_body(entry_kind, id, submitter, tlp, &body, &salt, key, at)?;
    Ok((entry, body, salt))
}

/// Builds and signs an envelope over `body`, already in canonical form, committed with `salt`,
/// dated `at`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn sign_canonical_body(
    entry_kind: &str,
    id: &str,
    submitter: &str,
    tlp: Tlp,
    body: &[u8],
    salt: &[u8; SALT_LEN],
    key: &SigningKey,
    at: jiff::Timestamp,
) -> Result<SignedEntry, RecordError> {
    let envelope = Envelope {
        kind: entry_kind.to_owned(),
        id: id.to_owned(),
        submitter: submitter.to_owned(),
        submitted_at: at.to_string(),
        body_sha256: None,
        body_salted_sha256: Some(body_salted_sha256(salt, body)),
        tlp,
        signer_key: Envelope::encode_key(&key.verifying_key()),
        extra: serde_json::Map::new(),
    };
    SignedEntry::sign(envelope, key).map_err(|e| invalid("entry", e.to_string()))
}

/// Signs a write client-side: what `accord submit` sends.
pub fn sign_submission<B: Serialize>(
    entry_kind: &str,
    id: &str,
    submitter: &str,
    tlp: Tlp,
    body: &B,
    key: &SigningKey,
) -> Result<Submission, RecordError> {
    sign_submission_at(
        entry_kind,
        id,
        submitter,
        tlp,
        body,
        key,
        jiff::Timestamp::now(),
    )
}

/// Signs a write client-side dated `at` rather than now: what a party uses to record a step
/// that happened earlier (and what tests use to replay a request's life).
pub fn sign_submission_at<B: Serialize>(
    entry_kind: &str,
    id: &str,
    submitter: &str,
    tlp: Tlp,
    body: &B,
    key: &SigningKey,
    at: jiff::Timestamp,
) -> Result<Submission, RecordError> {
    let (entry, body, salt) = sign_entry_at(entry_kind, id, submitter, tlp, body, key, at)?;
    let entry_bytes = entry
        .to_bytes()
        .map_err(|e| invalid("entry", e.to_string()))?;
    let parse = |b: &[u8]| serde_json::from_slice(b).map_err(|e| invalid("entry", e.to_string()));
    Ok(Submission {
        entry: parse(&entry_bytes)?,
        body: parse(&body)?,
        salt: Some(hex::encode(salt)),
    })
}

/// An operator-signed write, marked TLP:CLEAR.
pub fn operator_write<B: Serialize>(
    operator: &Operator,
    entry_kind: &str,
    id: &str,
    body: &B,
    effect: Effect,
) -> Result<LogWrite, RecordError> {
    operator_write_marked(operator, entry_kind, id, Tlp::Clear, body, effect)
}

/// An operator-signed write marked `tlp` (a record of a closed collection).
pub fn operator_write_marked<B: Serialize>(
    operator: &Operator,
    entry_kind: &str,
    id: &str,
    tlp: Tlp,
    body: &B,
    effect: Effect,
) -> Result<LogWrite, RecordError> {
    let (entry, body, salt) = sign_entry(
        entry_kind,
        id,
        &operator.party,
        tlp,
        body,
        operator.signer.signing_key(),
    )?;
    Ok(LogWrite {
        entry,
        body,
        salt: Some(salt),
        effect,
    })
}

/// The hex SHA-256 under which an API token is stored: tokens themselves are never kept.
pub fn token_digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Creates a new random API token (shown once to its holder).
pub fn new_token() -> Result<String, RecordError> {
    let seed = crate::log::random_seed()
        .map_err(|e| RecordError::Store(StoreError::Backend(e.to_string())))?;
    Ok(format!("acc_{}", hex::encode(seed)))
}

/// Loads `dataset` if the store has never been seeded: the operator as a party with its key,
/// then the accord, rules, parties and incidents, each an operator-signed log entry, all in one
/// transaction.
pub async fn seed_bundled(
    store: &dyn Store,
    operator: Arc<Operator>,
    dataset: &Dataset,
) -> Result<SeedOutcome, RecordError> {
    match store.accord().await {
        Ok(_) => return Ok(SeedOutcome::AlreadySeeded),
        Err(StoreError::NotSeeded) => {}
        Err(e) => return Err(e.into()),
    }
    let op = operator.as_ref();
    let mut batch = Vec::new();
    let me = Party {
        id: op.party.clone(),
        name: "Hub operator".to_owned(),
        kind: accord_core::party::PartyKind::Organisation,
        country: None,
        support: None,
        absent_at_launch: None,
        listing: None,
    };
    batch.push(operator_write(
        op,
        kind::PARTY,
        &me.id,
        &me,
        Effect::Party(Box::new(me.clone())),
    )?);
    let key = KeyBody {
        party: op.party.clone(),
        public_key: Envelope::encode_key(&op.signer.verifier().public_key().to_owned()),
    };
    batch.push(operator_write(
        op,
        kind::KEY,
        &format!("{}/{}", key.party, key.public_key),
        &key,
        Effect::KeyAdded(key.clone()),
    )?);
    let a = &dataset.accord;
    batch.push(operator_write(
        op,
        kind::ACCORD,
        &a.id,
        a,
        Effect::Accord(Box::new(a.clone())),
    )?);
    let rules_id = accord_core::corrections::rules_id(&a.id);
    batch.push(operator_write(
        op,
        kind::RULES,
        &rules_id,
        &dataset.rules,
        Effect::Rules(dataset.rules.clone()),
    )?);
    for p in &dataset.parties {
        batch.push(operator_write(
            op,
            kind::PARTY,
            &p.id,
            p,
            Effect::Party(Box::new(p.clone())),
        )?);
    }
    for i in &dataset.incidents {
        batch.push(bundled_incident_write(op, &dataset.rules, i)?);
    }
    let outcome = store.append(batch, operator).await?;
    let raced = outcome
        .results
        .iter()
        .any(|r| matches!(r, Err(StoreError::Conflict { .. })));
    if raced && store.accord().await.is_ok() {
        // Another node seeded the same store a moment ago: its entries are the ones in the
        // log, and ours (the same ids) were all refused.
        return Ok(SeedOutcome::AlreadySeeded);
    }
    for r in outcome.results {
        r?;
    }
    Ok(SeedOutcome::Loaded {
        parties: dataset.parties.len(),
        incidents: dataset.incidents.len(),
    })
}

/// The operator-signed entry that records bundled incident `i`, with the principles `rules`
/// suggest for it: what seeding writes for each incident, and an upgrade for each one a
/// release adds.
pub(crate) fn bundled_incident_write(
    op: &Operator,
    rules: &RuleSet,
    i: &Incident,
) -> Result<LogWrite, RecordError> {
    let record = IncidentRecord {
        suggested_principles: rules.suggest(i),
        incident: i.clone(),
        log_index: None,
    };
    operator_write(
        op,
        kind::INCIDENT,
        &i.id,
        i,
        Effect::Incident(Box::new(record)),
    )
}

/// Brings a seeded store's registry up to `dataset`: every party of the dataset whose id the
/// store does not hold is appended as an operator-signed party entry, all in one transaction,
/// as seeding does. A hub seeded by an older release thus gains the parties a newer one ships
/// (the whole supporters list) through the log like any other write. Parties it already holds
/// are left as they are: changing one is an amendment, not a new party. Returns how many were
/// added; 0 for a store not seeded yet (seeding loads them all).
///
/// Call it only once the operator key is known to sign the store's log.
pub async fn add_new_bundled_parties(
    store: &dyn Store,
    operator: Arc<Operator>,
    dataset: &Dataset,
) -> Result<usize, RecordError> {
    match store.accord().await {
        Ok(_) => {}
        Err(StoreError::NotSeeded) => return Ok(0),
        Err(e) => return Err(e.into()),
    }
    let held: std::collections::HashSet<String> =
        store.parties().await?.into_iter().map(|p| p.id).collect();
    let mut batch = Vec::new();
    for p in dataset.parties.iter().filter(|p| !held.contains(&p.id)) {
        batch.push(operator_write(
            operator.as_ref(),
            kind::PARTY,
            &p.id,
            p,
            Effect::Party(Box::new(p.clone())),
        )?);
    }
    if batch.is_empty() {
        return Ok(0);
    }
    let outcome = store.append(batch, operator).await?;
    let mut added = 0;
    for r in outcome.results {
        match r {
            Ok(_) => added += 1,
            // Another node starting on the same store added this party a moment ago.
            Err(StoreError::Conflict { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(added)
}

/// A checked submission: the entry, the canonical body bytes and the commitment's salt.
pub type Verified = (SignedEntry, Vec<u8>, [u8; SALT_LEN]);

/// Checks a party's submission: the entry's shape, its kind, that the authenticated `party` is
/// its submitter, that it is dated near `now` (the hub's clock: [`submitted_at`]), that the
/// body and salt match its salted commitment, that the signing key is a current key of the
/// party, and the signature. Returns the entry, the canonical body bytes and the salt.
pub async fn verify_submission(
    store: &dyn Store,
    party: &str,
    expected_kind: &str,
    submission: &Submission,
    now: Timestamp,
) -> Result<Verified, RecordError> {
    let shaped = check_shape(party, expected_kind, submission, now)?;
    let keys = PartyKeys::new(store.party_keys(party).await?);
    keys.check(party, shaped)
}

/// The checks of [`verify_submission`] that need no store: entry shape, kind, submitter,
/// timestamp and body hash.
fn check_shape(
    party: &str,
    expected_kind: &str,
    submission: &Submission,
    now: Timestamp,
) -> Result<Shaped, RecordError> {
    let entry_bytes =
        canonical_json(&submission.entry).map_err(|e| invalid("entry", e.to_string()))?;
    let entry =
        SignedEntry::from_bytes(&entry_bytes).map_err(|e| invalid("entry", e.to_string()))?;
    let env = &entry.envelope;
    if env.kind != expected_kind {
        return Err(invalid(
            "entry.envelope.kind",
            format!(
                "is {:?}; this endpoint takes {expected_kind:?} entries",
                env.kind
            ),
        ));
    }
    if env.submitter != party {
        return Err(RecordError::Forbidden(format!(
            "the entry names submitter {:?} but the request is authenticated as {party:?}",
            env.submitter
        )));
    }
    submitted_at(env, now)?;
    // A new entry commits with a salt: a plain SHA-256 of a withheld body is a test anyone
    // can run against guesses of it (an IPv4 address takes at most 2^32 tries).
    if env.body_salted_sha256.is_none() {
        return Err(invalid(
            "entry.envelope.body_sha256",
            "a new entry commits to its body with `body_salted_sha256` (SHA-256 of a fresh \
             32-byte salt followed by the body) and sends the salt as `salt`; the plain \
             `body_sha256` lets anyone confirm a guess of a withheld body",
        ));
    }
    let salt: [u8; SALT_LEN] = submission
        .salt
        .as_deref()
        .and_then(|s| hex::decode(s).ok())
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| {
            invalid(
                "salt",
                "must be 64 hex digits: the 32-byte salt of the entry's body_salted_sha256",
            )
        })?;
    let body = canonical_json(&submission.body).map_err(|e| invalid("body", e.to_string()))?;
    if !env.commits_to(&body, Some(&salt)) {
        return Err(invalid(
            "entry.envelope.body_salted_sha256",
            "does not match the SHA-256 of the salt followed by the body's RFC 8785 canonical form",
        ));
    }
    Ok(Shaped {
        entry,
        entry_bytes,
        body,
        salt,
    })
}

/// A submission whose shape passed: the entry, its canonical bytes, the canonical body and
/// the salt.
struct Shaped {
    entry: SignedEntry,
    entry_bytes: Vec<u8>,
    body: Vec<u8>,
    salt: [u8; SALT_LEN],
}

/// A party's key history, against which submissions are checked.
struct PartyKeys {
    keys: Vec<PartyKey>,
}

impl PartyKeys {
    fn new(keys: Vec<PartyKey>) -> Self {
        PartyKeys { keys }
    }

    /// The last checks of [`verify_submission`]: the signing key is a current key of `party`,
    /// and the signature verifies (Ed25519 `verify_strict`, over the envelope's canonical
    /// bytes as they sit in the canonical entry).
    fn check(&self, party: &str, shaped: Shaped) -> Result<Verified, RecordError> {
        let Shaped {
            entry,
            entry_bytes,
            body,
            salt,
        } = shaped;
        let env = &entry.envelope;
        match self.keys.iter().find(|k| k.public_key == env.signer_key) {
            None => {
                return Err(RecordError::Forbidden(format!(
                    "key {} is not registered for party {party:?}",
                    env.signer_key
                )));
            }
            Some(k) if k.revoked_at.is_some() => {
                return Err(RecordError::Forbidden(format!(
                    "key {} of party {party:?} was revoked (log entry {})",
                    env.signer_key,
                    k.revoked_at.unwrap_or_default()
                )));
            }
            Some(_) => {}
        }
        // Decoded once per thread and key (accord-tlog memoises it).
        let signer = env
            .signer()
            .map_err(|e| invalid("entry.envelope.signer_key", e.to_string()))?;
        let verified = match envelope_bytes(&entry_bytes) {
            Some(message) => signer
                .verify_strict(message, &entry.signature)
                .map_err(|_| EntryError::BadSignature),
            None => entry.verify(&signer),
        };
        verified.map_err(|e| RecordError::BadSignature(format!("the entry's {e}")))?;
        Ok((entry, body, salt))
    }
}

/// Deserialises a body, naming the offending field under `prefix` (`body.victims[0].country`).
pub fn parse_body<T: serde::de::DeserializeOwned>(
    value: &serde_json::Value,
    prefix: &str,
) -> Result<T, RecordError> {
    // Most bodies are valid: deserialise without tracking the path, and track it only to
    // explain a failure.
    if let Ok(parsed) = T::deserialize(value) {
        return Ok(parsed);
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        let at = e.path().to_string();
        let message = e.inner().to_string();
        // serde reports a missing field at its parent; point at the field itself.
        let missing = message
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split('`').next());
        let mut path = prefix.to_owned();
        if at != "." {
            path = format!("{path}.{at}");
        }
        if let Some(field) = missing {
            path = format!("{path}.{field}");
        }
        invalid(&path, message)
    })
}

fn prefixed(problems: Problems, prefix: &str) -> Vec<Problem> {
    problems
        .0
        .into_iter()
        .map(|p| Problem {
            path: format!("{prefix}{}", p.path),
            message: p.message,
        })
        .collect()
}

/// Validates an incident against the accord and the registry and derives its suggestions.
pub(crate) async fn prepare_incident(
    store: &dyn Store,
    incident: Incident,
    prefix: &str,
) -> Result<IncidentRecord, RecordError> {
    let accord = store.accord().await?;
    let rules = store.rules().await?;
    prepare_incident_with(store, principle_count(&accord), &rules, incident, prefix).await
}

/// The accord's principle count, as [`Incident::validate`] takes it.
pub(crate) fn principle_count(accord: &accord_core::accord::Accord) -> u8 {
    u8::try_from(accord.principles.len()).unwrap_or(u8::MAX)
}

/// [`prepare_incident`] with the accord's principle count and the rules already loaded (a
/// bulk submission loads them once).
async fn prepare_incident_with(
    store: &dyn Store,
    principles: u8,
    rules: &RuleSet,
    incident: Incident,
    prefix: &str,
) -> Result<IncidentRecord, RecordError> {
    // A new write: target classes and the armed-conflict statement are required (entries
    // stored before the rule are never re-validated; replay and reads only deserialise).
    let mut problems = incident.validate_new(principles);
    check_party_refs(store, &incident, &mut problems).await?;
    if !problems.is_empty() {
        return Err(RecordError::Invalid {
            problems: prefixed(problems, prefix),
        });
    }
    Ok(IncidentRecord {
        suggested_principles: rules.suggest(&incident),
        incident,
        log_index: None,
    })
}

/// Refuses an incident entry marked other than TLP:CLEAR. Incidents are the accord's public
/// record: their pages, lists, filters, scorecards and exports are read by anyone, anonymous
/// readers included, and the scorecards count every incident; none of those paths could keep a
/// TLP:GREEN, AMBER or RED incident to its audience, so the hub does not accept one rather than
/// publish what its marking withholds (restricted details are shared as STIX objects in a
/// collection, where TLP is enforced reader by reader).
pub(crate) fn check_incident_marking(entry: &SignedEntry) -> Result<(), RecordError> {
    if entry.envelope.tlp == Tlp::Clear {
        return Ok(());
    }
    Err(invalid(
        "entry.envelope.tlp",
        format!(
            "is {}; incidents are the hub's public record (their pages, lists, scorecards and \
             exports are read by anyone), so only TLP:CLEAR incidents are accepted: share \
             restricted details as STIX objects in a collection, where TLP is enforced",
            entry.envelope.tlp
        ),
    ))
}

/// Records a party's signed incident submission (TLP:CLEAR only: `check_incident_marking`).
pub async fn submit_incident(
    store: &dyn Store,
    sequencer: &Sequencer,
    party: &str,
    submission: Submission,
) -> Result<IncidentRecord, RecordError> {
    let (entry, body, salt) =
        verify_submission(store, party, kind::INCIDENT, &submission, Timestamp::now()).await?;
    check_incident_marking(&entry)?;
    let incident: Incident = parse_body(&submission.body, "body")?;
    if entry.envelope.id != incident.id {
        return Err(invalid(
            "entry.envelope.id",
            format!(
                "is {:?} but the incident's id is {:?}",
                entry.envelope.id, incident.id
            ),
        ));
    }
    let mut record = prepare_incident(store, incident, "body.").await?;
    let receipt = sequencer
        .append(LogWrite {
            entry,
            body,
            salt: Some(salt),
            effect: Effect::Incident(Box::new(record.clone())),
        })
        .await?;
    record.log_index = Some(receipt.index);
    Ok(record)
}

/// Where an item of a bulk submission was recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// The incident's id.
    pub id: String,
    /// The entry's index in the log.
    pub log_index: u64,
}

/// Largest number of submissions one bulk request may carry.
pub const MAX_BULK: usize = crate::sequencer::MAX_BATCH;

/// Records many signed incident submissions of one party, as `POST /api/v1/incidents/batch`
/// takes them. Each item is checked exactly as [`submit_incident`] checks one (the same
/// [`verify_submission`] steps, validation and id match) and gets its own result, in order: a
/// refused item writes nothing and does not stop the others. The accepted items go to the
/// sequencer as one group, so they are appended in one transaction under one checkpoint; a
/// replayed id is refused whether it was logged before or earlier in the same group. `Err` is
/// returned only when the sequencer is gone.
pub async fn submit_incidents(
    store: &dyn Store,
    sequencer: &Sequencer,
    party: &str,
    submissions: Vec<Submission>,
) -> Result<Vec<Result<Recorded, RecordError>>, RecordError> {
    // Loaded once for the whole request: the party's key history, the accord and its rules.
    let shared = async {
        let keys = PartyKeys::new(store.party_keys(party).await?);
        let accord = store.accord().await?;
        let rules = store.rules().await?;
        Ok::<_, StoreError>((keys, principle_count(&accord), rules))
    }
    .await;
    let (keys, principles, rules) = match shared {
        Ok(v) => v,
        Err(e) => {
            let text = e.to_string();
            return Ok(submissions
                .iter()
                .map(|_| Err(RecordError::Store(StoreError::Backend(text.clone()))))
                .collect());
        }
    };
    let mut results: Vec<Result<Recorded, RecordError>> = Vec::with_capacity(submissions.len());
    let mut writes = Vec::new();
    let mut pending = Vec::new(); // positions in `results` of the writes sent
    let now = Timestamp::now();
    for submission in submissions {
        let prepared = async {
            let (entry, body, salt) =
                keys.check(party, check_shape(party, kind::INCIDENT, &submission, now)?)?;
            check_incident_marking(&entry)?;
            let incident: Incident = parse_body(&submission.body, "body")?;
            if entry.envelope.id != incident.id {
                return Err(invalid(
                    "entry.envelope.id",
                    format!(
                        "is {:?} but the incident's id is {:?}",
                        entry.envelope.id, incident.id
                    ),
                ));
            }
            let record =
                prepare_incident_with(store, principles, &rules, incident, "body.").await?;
            Ok((entry, body, salt, record))
        }
        .await;
        match prepared {
            Ok((entry, body, salt, record)) => {
                pending.push(results.len());
                results.push(Ok(Recorded {
                    id: record.incident.id.clone(),
                    log_index: 0,
                }));
                writes.push(LogWrite {
                    entry,
                    body,
                    salt: Some(salt),
                    effect: Effect::Incident(Box::new(record)),
                });
            }
            Err(e) => results.push(Err(e)),
        }
    }
    let receipts = sequencer.append_group(writes).await?;
    for (at, receipt) in pending.into_iter().zip(receipts) {
        match receipt {
            Ok(r) => {
                if let Some(Ok(recorded)) = results.get_mut(at) {
                    recorded.log_index = r.index;
                }
            }
            Err(e) => results[at] = Err(e.into()),
        }
    }
    Ok(results)
}

/// Records an incident as the operator (a local admin command on the hub's machine).
pub async fn record_incident_as_operator(
    store: &dyn Store,
    sequencer: &Sequencer,
    incident: Incident,
) -> Result<IncidentRecord, RecordError> {
    let mut record = prepare_incident(store, incident, "").await?;
    let write = operator_write(
        sequencer.operator(),
        kind::INCIDENT,
        &record.incident.id,
        &record.incident,
        Effect::Incident(Box::new(record.clone())),
    )?;
    let receipt = sequencer.append(write).await?;
    record.log_index = Some(receipt.index);
    Ok(record)
}

/// Registers a party (operator-signed).
pub async fn register_party(sequencer: &Sequencer, party: Party) -> Result<Receipt, RecordError> {
    let problems = party.validate();
    if !problems.is_empty() {
        return Err(RecordError::Invalid {
            problems: problems.0,
        });
    }
    let write = operator_write(
        sequencer.operator(),
        kind::PARTY,
        &party.id,
        &party,
        Effect::Party(Box::new(party.clone())),
    )?;
    Ok(sequencer.append(write).await?)
}

/// Registers a public key for an existing party (operator-signed).
pub async fn add_key(
    store: &dyn Store,
    sequencer: &Sequencer,
    party: &str,
    public_key: &ed25519_dalek::VerifyingKey,
) -> Result<Receipt, RecordError> {
    store.party(party).await?;
    let body = KeyBody {
        party: party.to_owned(),
        public_key: Envelope::encode_key(public_key),
    };
    let id = format!("{}/{}", body.party, body.public_key);
    let write = operator_write(
        sequencer.operator(),
        kind::KEY,
        &id,
        &body,
        Effect::KeyAdded(body.clone()),
    )?;
    Ok(sequencer.append(write).await?)
}

/// Revokes a party's public key (operator-signed); later writes signed with it are refused.
pub async fn revoke_key(
    store: &dyn Store,
    sequencer: &Sequencer,
    party: &str,
    public_key: &ed25519_dalek::VerifyingKey,
) -> Result<Receipt, RecordError> {
    let encoded = Envelope::encode_key(public_key);
    let keys = store.party_keys(party).await?;
    match keys.iter().find(|k| k.public_key == encoded) {
        None => {
            return Err(invalid(
                "public_key",
                format!("{encoded} is not a key of party {party:?}"),
            ));
        }
        Some(k) if k.revoked_at.is_some() => {
            return Err(RecordError::Store(StoreError::Conflict {
                what: "key revocation",
                id: encoded,
            }));
        }
        Some(_) => {}
    }
    let body = KeyBody {
        party: party.to_owned(),
        public_key: encoded,
    };
    let id = format!("{}/{}", body.party, body.public_key);
    let write = operator_write(
        sequencer.operator(),
        kind::KEY_REVOCATION,
        &id,
        &body,
        Effect::KeyRevoked(body.clone()),
    )?;
    Ok(sequencer.append(write).await?)
}

/// Reports every `party` reference that names no party in the registry.
async fn check_party_refs(
    store: &dyn Store,
    incident: &Incident,
    problems: &mut Problems,
) -> Result<(), StoreError> {
    for (path, id) in incident.party_refs() {
        match store.party(id).await {
            Ok(_) => {}
            Err(StoreError::NotFound { .. }) => {
                problems.push(path, format!("no party {id:?} in the registry"));
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

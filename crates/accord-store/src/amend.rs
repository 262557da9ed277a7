//! Amendments: corrections of recorded incidents, parties, the accord and the rules that
//! reach every hub through the log.
//!
//! A hub seeded with an older bundled dataset is brought up to the one compiled in by
//! [`upgrade_bundled`]: one operator-signed amendment entry per changed record, carrying the
//! previous and new values and the reasons `data/corrections.json` gives, the records the
//! release adds as new entries, and then a `dataset-version` entry. Nothing is rewritten in
//! place: the log keeps the entry that recorded each record and every amendment since. The plan
//! is computed from what the store holds, so a second run finds nothing to do and a run cut
//! short resumes where it stopped; the stored version moves only once every amendment is in.
//!
//! A party's own submission is amended only by an entry that party signs
//! ([`amend_incident`]); the store refuses an amendment signed by anyone but the record's
//! recorder (`refusal`), the operator included.

use std::collections::HashMap;
use std::sync::Arc;

use accord_core::corrections::{Change, Corrections, Reason, RecordKind, diff, rules_id};
use accord_core::dataset::Dataset;
use accord_core::incident::Incident;
use accord_core::party::Party;
use accord_core::record::IncidentRecord;
use accord_tlog::entry::SignedEntry;
use jiff::Timestamp;
use serde::Serialize;

use crate::error::StoreError;
use crate::log::{
    AmendedRecord, Amendment, AmendmentBody, DatasetVersionBody, Effect, LogWrite, Operator,
    StoredAmendment, amendment_entry_id, amendment_entry_prefix, kind,
};
use crate::refusal::{RecordState, amendment_refusal};
use crate::sequencer::Sequencer;
use crate::store::Store;
use crate::write::{
    RecordError, Submission, add_new_bundled_parties, bundled_incident_write,
    check_incident_marking, invalid, operator_write, parse_body, prepare_incident,
    verify_submission,
};

/// One record the upgrade amends: what differs and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedAmendment {
    /// The kind of record.
    pub kind: RecordKind,
    /// Its id.
    pub id: String,
    /// Every field that differs, was → now.
    pub changes: Vec<Change>,
    /// The corrections that explain it.
    pub reasons: Vec<Reason>,
    /// The paths of the changes no correction explains (any: the record is not amended).
    pub unexplained: Vec<String>,
    /// The record as the hub holds it.
    #[serde(skip)]
    pub previous: serde_json::Value,
    /// The record as the release ships it.
    #[serde(skip)]
    pub new: serde_json::Value,
}

/// What [`plan_upgrade`] found: the difference between the hub's bundled records and the
/// dataset compiled in.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UpgradePlan {
    /// The dataset version the hub holds (0: seeded before datasets had versions).
    pub held: u32,
    /// The version of the dataset compiled in.
    pub bundled: u32,
    /// Records that differ, each with its reasons.
    pub amendments: Vec<PlannedAmendment>,
    /// Ids of incidents the release adds.
    pub new_incidents: Vec<String>,
    /// Ids of parties the release adds.
    pub new_parties: Vec<String>,
}

impl UpgradePlan {
    /// The changed records with a change no correction explains for the versions the hub
    /// lacks.
    pub fn unexplained(&self) -> impl Iterator<Item = &PlannedAmendment> {
        self.amendments.iter().filter(|a| !a.unexplained.is_empty())
    }

    /// Whether the upgrade has nothing to write.
    pub fn is_empty(&self) -> bool {
        self.amendments.is_empty()
            && self.new_incidents.is_empty()
            && self.new_parties.is_empty()
            && self.held >= self.bundled
    }
}

/// Why an upgrade wrote nothing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UpgradeError {
    /// Records differ from the ones the hub holds with no reason in the corrections for the
    /// versions the hub lacks: nothing was written, and the hub keeps its version.
    #[error(
        "the bundled dataset (version {bundled}) changes {} record(s) the hub holds (version {held}) with no reason in data/corrections.json: {}; nothing was amended",
        records.len(),
        records.join("; ")
    )]
    Unexplained {
        /// The hub's version.
        held: u32,
        /// The bundled version.
        bundled: u32,
        /// Each record as `kind id (field, field…)`.
        records: Vec<String>,
    },
    /// The hub holds a newer dataset than the one compiled in (an older binary).
    #[error(
        "the hub holds dataset version {held}, newer than this binary's {bundled}: run the newer release"
    )]
    Newer {
        /// The hub's version.
        held: u32,
        /// The bundled version.
        bundled: u32,
    },
    /// A write failed.
    #[error(transparent)]
    Record(#[from] RecordError),
}

impl From<StoreError> for UpgradeError {
    fn from(e: StoreError) -> Self {
        UpgradeError::Record(e.into())
    }
}

/// What [`upgrade_bundled`] appended.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Upgraded {
    /// Amendment entries appended.
    pub amended: usize,
    /// New incident entries appended.
    pub incidents: usize,
    /// New party entries appended.
    pub parties: usize,
    /// The dataset version the hub now holds, when this run moved it.
    pub version: Option<u32>,
}

fn json<T: Serialize>(what: &str, v: &T) -> Result<serde_json::Value, StoreError> {
    serde_json::to_value(v).map_err(|e| StoreError::Backend(format!("{what}: {e}")))
}

/// Compares the hub's records with `dataset` (the bundled one, at `corrections.version`):
/// every bundled record the hub holds that differs, field by field, with the corrections
/// shipped after the hub's version that explain it; and the records the hub lacks. Records
/// are compared as the current schema reads them, so a field a release adds shows as added.
/// Reads only.
pub async fn plan_upgrade(
    store: &dyn Store,
    dataset: &Dataset,
    corrections: &Corrections,
) -> Result<UpgradePlan, StoreError> {
    let held = store.dataset_version().await?;
    let mut plan = UpgradePlan {
        held,
        bundled: corrections.version,
        amendments: Vec::new(),
        new_incidents: Vec::new(),
        new_parties: Vec::new(),
    };
    // The dataset-level records first, so that an upgrade amends the rules before the
    // incidents whose principles they suggest.
    match store.accord().await {
        Ok(held_accord) => {
            let a = &dataset.accord;
            if held_accord != *a {
                plan.amendments.push(planned(
                    RecordKind::Accord,
                    &a.id,
                    json("accord", &held_accord)?,
                    json("accord", a)?,
                    corrections,
                    held,
                ));
            }
            let held_rules = store.rules().await?;
            if held_rules != dataset.rules {
                plan.amendments.push(planned(
                    RecordKind::Rules,
                    &rules_id(&a.id),
                    json("rules", &held_rules)?,
                    json("rules", &dataset.rules)?,
                    corrections,
                    held,
                ));
            }
        }
        // Not seeded: seeding will store the bundled ones.
        Err(StoreError::NotSeeded) => {}
        Err(e) => return Err(e),
    }
    let stored: HashMap<String, Incident> = store
        .all_incidents()
        .await?
        .into_iter()
        .map(|r| (r.incident.id.clone(), r.incident))
        .collect();
    for i in &dataset.incidents {
        match stored.get(&i.id) {
            None => plan.new_incidents.push(i.id.clone()),
            Some(old) if old == i => {}
            Some(old) => plan.amendments.push(planned(
                RecordKind::Incident,
                &i.id,
                json("incident", old)?,
                json("incident", i)?,
                corrections,
                held,
            )),
        }
    }
    let parties: HashMap<String, Party> = store
        .parties()
        .await?
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect();
    for p in &dataset.parties {
        match parties.get(&p.id) {
            None => plan.new_parties.push(p.id.clone()),
            Some(old) if old == p => {}
            Some(old) => plan.amendments.push(planned(
                RecordKind::Party,
                &p.id,
                json("party", old)?,
                json("party", p)?,
                corrections,
                held,
            )),
        }
    }
    Ok(plan)
}

fn planned(
    kind: RecordKind,
    id: &str,
    previous: serde_json::Value,
    new: serde_json::Value,
    corrections: &Corrections,
    held: u32,
) -> PlannedAmendment {
    let changes = diff(&previous, &new);
    let (reasons, unexplained) = corrections.explain(kind, id, held, &changes);
    PlannedAmendment {
        kind,
        id: id.to_owned(),
        reasons: reasons.into_iter().map(Reason::from).collect(),
        unexplained,
        changes,
        previous,
        new,
    }
}

/// Brings a seeded store's bundled records up to `dataset` at `corrections.version`: the new
/// parties, then one operator-signed amendment per changed record and the new incidents (one
/// transaction), then, once all of them are in, the `dataset-version` entry. Refuses, writing
/// nothing, when a change has no reason or the hub holds a newer version. Idempotent; a run
/// cut short is resumed by the next. A store not seeded yet is left alone.
///
/// Call it only once the operator key is known to sign the store's log.
pub async fn upgrade_bundled(
    store: &dyn Store,
    operator: Arc<Operator>,
    dataset: &Dataset,
    corrections: &Corrections,
) -> Result<Upgraded, UpgradeError> {
    match store.accord().await {
        Ok(_) => {}
        Err(StoreError::NotSeeded) => return Ok(Upgraded::default()),
        Err(e) => return Err(e.into()),
    }
    let plan = plan_upgrade(store, dataset, corrections).await?;
    if plan.held > plan.bundled {
        return Err(UpgradeError::Newer {
            held: plan.held,
            bundled: plan.bundled,
        });
    }
    let mut done = amend_records(store, operator.clone(), dataset, &plan).await?;
    if plan.held < plan.bundled {
        let body = DatasetVersionBody {
            version: plan.bundled,
        };
        let w = operator_write(
            operator.as_ref(),
            kind::DATASET_VERSION,
            &plan.bundled.to_string(),
            &body,
            Effect::DatasetVersion(plan.bundled),
        )?;
        let outcome = store.append(vec![w], operator).await?;
        for r in outcome.results {
            match r {
                Ok(_) => done.version = Some(plan.bundled),
                Err(StoreError::Conflict { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(done)
}

/// The first step of [`upgrade_bundled`]: appends `plan`'s new parties, then its amendments
/// and new incidents in one transaction, and leaves the dataset version where it was. A run
/// that stops after this step is resumed by the next upgrade, whose plan finds these records
/// in. Refuses, writing nothing, when a change in the plan has no reason.
pub async fn amend_records(
    store: &dyn Store,
    operator: Arc<Operator>,
    dataset: &Dataset,
    plan: &UpgradePlan,
) -> Result<Upgraded, UpgradeError> {
    let unexplained: Vec<String> = plan
        .unexplained()
        .map(|a| format!("{} {} ({})", a.kind, a.id, a.unexplained.join(", ")))
        .collect();
    if !unexplained.is_empty() {
        return Err(UpgradeError::Unexplained {
            held: plan.held,
            bundled: plan.bundled,
            records: unexplained,
        });
    }
    let mut done = Upgraded {
        parties: add_new_bundled_parties(store, operator.clone(), dataset).await?,
        ..Upgraded::default()
    };
    let op = operator.as_ref();
    // The rules in force once the batch is in: the bundled ones, which the plan amends the
    // held ones to when they differ (first in the batch).
    let rules = &dataset.rules;
    let mut batch = Vec::new();
    for a in &plan.amendments {
        let record = match a.kind {
            RecordKind::Incident => {
                let incident: Incident = serde_json::from_value(a.new.clone())
                    .map_err(|e| StoreError::Backend(format!("incident {}: {e}", a.id)))?;
                AmendedRecord::Incident(Box::new(IncidentRecord {
                    suggested_principles: rules.suggest(&incident),
                    incident,
                    log_index: None,
                }))
            }
            RecordKind::Party => AmendedRecord::Party(Box::new(
                serde_json::from_value(a.new.clone())
                    .map_err(|e| StoreError::Backend(format!("party {}: {e}", a.id)))?,
            )),
            // The record applied is the one the signed body carries, as for the others.
            RecordKind::Accord => AmendedRecord::Accord(Box::new(
                serde_json::from_value(a.new.clone())
                    .map_err(|e| StoreError::Backend(format!("accord {}: {e}", a.id)))?,
            )),
            RecordKind::Rules => AmendedRecord::Rules(Box::new(
                serde_json::from_value(a.new.clone())
                    .map_err(|e| StoreError::Backend(format!("rules {}: {e}", a.id)))?,
            )),
        };
        let body = AmendmentBody {
            kind: a.kind,
            id: a.id.clone(),
            previous: a.previous.clone(),
            new: a.new.clone(),
            reasons: a.reasons.clone(),
            base: None,
            dataset_version: Some(plan.bundled),
        };
        let id = amendment_entry_id(a.kind, &a.id, &format!("v{}", plan.bundled));
        let effect = Effect::Amendment(Box::new(Amendment {
            body: body.clone(),
            record,
        }));
        batch.push(operator_write(op, kind::AMENDMENT, &id, &body, effect)?);
    }
    for i in dataset
        .incidents
        .iter()
        .filter(|i| plan.new_incidents.contains(&i.id))
    {
        batch.push(bundled_incident_write(op, rules, i)?);
    }
    if !batch.is_empty() {
        let outcome = store.append(batch, operator.clone()).await?;
        for (r, w) in outcome.results.into_iter().zip(plan_kinds(plan)) {
            match (r, w) {
                (Ok(_), Planned::Amendment) => done.amended += 1,
                (Ok(_), Planned::Incident) => done.incidents += 1,
                // Another node starting on the same store wrote this a moment ago (the same
                // entry id): it is in.
                (Err(StoreError::Conflict { .. }), _) => {}
                (Err(e), _) => return Err(e.into()),
            }
        }
    }
    Ok(done)
}

enum Planned {
    Amendment,
    Incident,
}

/// The kinds of the upgrade batch's writes, in the order it appends them.
fn plan_kinds(plan: &UpgradePlan) -> impl Iterator<Item = Planned> + '_ {
    plan.amendments
        .iter()
        .map(|_| Planned::Amendment)
        .chain(plan.new_incidents.iter().map(|_| Planned::Incident))
}

/// The most reasons a party's amendment carries.
pub const MAX_REASONS: usize = 16;

/// The longest `what` of a reason, in characters: a line.
pub const MAX_REASON_WHAT: usize = 300;

/// The longest `why` of a reason, in characters.
pub const MAX_REASON_WHY: usize = 4000;

/// Checks the reasons of a party's amendment: at least one, at most [`MAX_REASONS`], each a
/// day, a non-empty `what` and `why` within [`MAX_REASON_WHAT`] and [`MAX_REASON_WHY`]
/// characters, and valid sources.
fn check_reasons(reasons: &[Reason]) -> Result<(), RecordError> {
    if reasons.is_empty() {
        return Err(invalid(
            "body.reasons",
            "an amendment gives at least one reason",
        ));
    }
    if reasons.len() > MAX_REASONS {
        return Err(invalid(
            "body.reasons",
            format!(
                "holds {} reasons; at most {MAX_REASONS} are accepted",
                reasons.len()
            ),
        ));
    }
    let mut problems = accord_core::validate::Problems::new();
    for (i, r) in reasons.iter().enumerate() {
        let at = format!("body.reasons[{i}]");
        r.validate(&at, &mut problems);
        for (field, text, most) in [
            ("what", &r.what, MAX_REASON_WHAT),
            ("why", &r.why, MAX_REASON_WHY),
        ] {
            let n = text.chars().count();
            if n > most {
                problems.push(
                    format!("{at}.{field}"),
                    format!("is {n} characters long; at most {most} are accepted"),
                );
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(RecordError::Invalid {
            problems: problems.0,
        })
    }
}

/// Incident `id`'s recorder, its reported facts and its version as the store reads them now,
/// or `None` when no such incident is recorded: what [`amendment_refusal`] judges a party's
/// amendment against before the store judges it again inside the append.
pub async fn incident_state(
    store: &dyn Store,
    id: &str,
) -> Result<Option<RecordState>, StoreError> {
    let record = match store.incident(id).await {
        Ok(r) => r,
        Err(StoreError::NotFound { .. }) => return Ok(None),
        Err(e) => return Err(e),
    };
    let corrupt = |detail: String| StoreError::Corrupt {
        what: format!("incident {id}"),
        detail,
    };
    let first = record
        .log_index
        .ok_or_else(|| corrupt("the index holds no log index for it".into()))?;
    let entry = store.log_entry(first).await?;
    let recorder = SignedEntry::from_bytes(&entry.entry)
        .map_err(|e| corrupt(format!("log entry {first}: {e}")))?
        .envelope
        .submitter;
    let version = store
        .amendments(RecordKind::Incident, id)
        .await?
        .last()
        .map_or(first, |a| a.index);
    Ok(Some(RecordState {
        recorder,
        record: json("incident", &record.incident)?,
        version,
    }))
}

/// Records a party's signed amendment of an incident it recorded: the entry is of kind
/// `amendment`, TLP:CLEAR, with id `incident/ID@SUFFIX` (a fresh random UUID); its body names
/// the incident, the version amended (`base`: the log index of its latest amendment, or of the
/// entry that recorded it), the text the party read there (`previous`), the corrected one
/// (`new`, checked as a new incident is, with the same id) and one to [`MAX_REASONS`] reasons.
/// Refused: an incident the hub does not hold (`NotFound`), one another party recorded
/// (`NotRecorder`, naming it), an older version than the current one (`Outdated`), and a `new`
/// that changes nothing or is invalid (every problem with its path). The store judges the
/// recorder and the version again inside the append.
pub async fn amend_incident(
    store: &dyn Store,
    sequencer: &Sequencer,
    party: &str,
    submission: Submission,
) -> Result<StoredAmendment, RecordError> {
    let (entry, body, salt) =
        verify_submission(store, party, kind::AMENDMENT, &submission, Timestamp::now()).await?;
    check_incident_marking(&entry)?;
    let amendment: AmendmentBody = parse_body(&submission.body, "body")?;
    if amendment.kind != RecordKind::Incident {
        return Err(invalid(
            "body.kind",
            "a party amends its own incidents (`incident`)",
        ));
    }
    let prefix = amendment_entry_prefix(RecordKind::Incident, &amendment.id);
    if !entry.envelope.id.starts_with(&prefix) || entry.envelope.id.len() == prefix.len() {
        return Err(invalid(
            "entry.envelope.id",
            format!(
                "is {:?}; an amendment of incident {:?} has the id {prefix}SUFFIX (a fresh random UUID)",
                entry.envelope.id, amendment.id
            ),
        ));
    }
    if amendment.base.is_none() {
        return Err(invalid(
            "body.base",
            "names the version amended: the log index of the incident's latest amendment, or of \
             the entry that recorded it (GET /api/v1/incidents/ID/amendments)",
        ));
    }
    if amendment.dataset_version.is_some() {
        return Err(invalid(
            "body.dataset_version",
            "only the operator's dataset upgrades carry a dataset version",
        ));
    }
    check_reasons(&amendment.reasons)?;
    // Whose record and which version, before the new text is checked.
    let state = incident_state(store, &amendment.id).await?;
    if let Some(refused) = amendment_refusal(party, &amendment, state) {
        return Err(refused.into());
    }
    let incident: Incident = parse_body(&amendment.new, "body.new")?;
    if incident.id != amendment.id {
        return Err(invalid(
            "body.new.id",
            format!(
                "is {:?}; an amendment keeps the record's id {:?}",
                incident.id, amendment.id
            ),
        ));
    }
    if json("incident", &incident)? == amendment.previous {
        return Err(invalid(
            "body.new",
            "is the incident as it reads now: an amendment changes something",
        ));
    }
    let record = prepare_incident(store, incident, "body.new.").await?;
    let receipt = sequencer
        .append(LogWrite {
            entry: entry.clone(),
            body,
            salt: Some(salt),
            effect: Effect::Amendment(Box::new(Amendment {
                body: amendment.clone(),
                record: AmendedRecord::Incident(Box::new(record)),
            })),
        })
        .await?;
    Ok(StoredAmendment {
        index: receipt.index,
        submitter: entry.envelope.submitter.clone(),
        submitted_at: entry.envelope.submitted_at.clone(),
        body: amendment,
    })
}

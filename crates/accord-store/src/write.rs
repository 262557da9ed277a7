//! The one write path for records: validate, derive, check references, store.
//!
//! Every interface that records an incident (the HTTP API, the CLI, the bundled-data loader)
//! goes through [`record_incident`], so a record is checked the same way whichever door it
//! came in by, and nothing is written unless every check passed.

use accord_core::incident::Incident;
use accord_core::record::IncidentRecord;
use accord_core::validate::{Problem, Problems};

use crate::{Store, StoreError};

/// Why an incident was not recorded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RecordError {
    /// The incident is invalid; every problem is listed with its field path.
    #[error("the incident is invalid: {}", problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid {
        /// Every problem found.
        problems: Vec<Problem>,
    },
    /// The store refused or failed (a taken id is `StoreError::Conflict`).
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Validates `incident` against the accord and the registry, suggests its principles with the
/// rules in force, and stores it in one transaction. Nothing is written on any error.
pub async fn record_incident(
    store: &dyn Store,
    incident: Incident,
) -> Result<IncidentRecord, RecordError> {
    let accord = store.accord().await?;
    let n = u8::try_from(accord.principles.len()).unwrap_or(u8::MAX);
    let mut problems = incident.validate(n);
    check_party_refs(store, &incident, &mut problems).await?;
    if !problems.is_empty() {
        return Err(RecordError::Invalid {
            problems: problems.0,
        });
    }
    let rules = store.rules().await?;
    let record = IncidentRecord {
        suggested_principles: rules.suggest(&incident),
        incident,
    };
    store.insert_incident(&record).await?;
    Ok(record)
}

/// Reports every `party` reference that names no party in the registry.
async fn check_party_refs(
    store: &dyn Store,
    incident: &Incident,
    problems: &mut Problems,
) -> Result<(), StoreError> {
    let refs = incident
        .victims
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.party.as_ref().map(|p| (format!("victims[{i}].party"), p)))
        .chain(incident.initiators.iter().enumerate().filter_map(|(i, x)| {
            x.party
                .as_ref()
                .map(|p| (format!("initiators[{i}].party"), p))
        }));
    for (path, id) in refs {
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

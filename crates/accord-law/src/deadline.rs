//! Due dates for a request sent along a pathway.
//!
//! The request lifecycle (draft → sent → acknowledged → preserved → produced | refused |
//! withdrawn) is [`crate::request`]; this module only computes, from the moment a request was
//! sent, when each of the pathway's time limits falls due, so the store and the dashboard can
//! list overdue requests. A legal day is counted as 24 hours from the moment of sending,
//! which is how the engine treats every period; national rules on counting days (holidays,
//! the day of receipt) are not modelled.

use accord_core::source::Verification;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::dataset::DeadlineKind;
use crate::route::Pathway;

/// One time limit of a sent request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DueDate {
    /// Which kind of limit.
    pub kind: DeadlineKind,
    /// When it falls due.
    pub due: Timestamp,
    /// The limit as the text states it.
    pub text: String,
    /// How far the limit was checked.
    pub verification: Verification,
}

/// Why a due date could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DueDateError {
    /// The period runs past the last representable instant.
    #[error("the {hours}-hour period from {sent} runs past the representable range")]
    OutOfRange {
        /// When the request was sent.
        sent: Timestamp,
        /// The period in hours.
        hours: u64,
    },
}

/// Every due date of a request sent along `pathway` at `sent`, in the pathway's order. A
/// pathway with no treaty deadline has none (plain MLA: "no treaty deadline").
pub fn due_dates(pathway: &Pathway<'_>, sent: Timestamp) -> Result<Vec<DueDate>, DueDateError> {
    pathway
        .deadlines
        .iter()
        .map(|d| {
            let hours = d.period.hours();
            let out_of_range = || DueDateError::OutOfRange { sent, hours };
            let span = i64::try_from(hours)
                .ok()
                .and_then(|h| h.checked_mul(3600))
                .map(SignedDuration::from_secs)
                .ok_or_else(out_of_range)?;
            let due = sent.checked_add(span).map_err(|_| out_of_range())?;
            Ok(DueDate {
                kind: d.kind,
                due,
                text: d.text.to_owned(),
                verification: d.verification,
            })
        })
        .collect()
}

/// The response limits of a sent request that have passed at `now` (the overdue list).
pub fn overdue(
    pathway: &Pathway<'_>,
    sent: Timestamp,
    now: Timestamp,
) -> Result<Vec<DueDate>, DueDateError> {
    Ok(due_dates(pathway, sent)?
        .into_iter()
        .filter(|d| answers_due(d.kind) && d.due < now)
        .collect())
}

/// True for the limits by which the requested side owes an answer (a response, serving the
/// order, a provider's window): the ones a request can be overdue on. A hold is a minimum and
/// a refusal window runs for a third state, so neither makes a request overdue.
pub fn answers_due(kind: DeadlineKind) -> bool {
    matches!(
        kind,
        DeadlineKind::Response | DeadlineKind::Serve | DeadlineKind::ProviderWindow
    )
}

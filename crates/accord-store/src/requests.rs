//! The write path and read filter of evidence requests.
//!
//! A request is opened by the requesting state and then moved along its lifecycle
//! (`accord_law::request`) by either state, each step a party-signed entry in the log:
//!
//! * [`submit_request`] takes a `request` entry signed by the requesting state. Its body is an
//!   [`NewRequest`]; the hub checks it against the legal dataset (the pathway must be one the
//!   engine offers on the day it is filed) and stores it in `draft`.
//! * [`submit_transition`] takes a `request-transition` entry whose body is a
//!   [`TransitionBody`]. Only the side that makes the move may sign it (the requesting state
//!   sends and withdraws, the requested state answers); the move to `sent` fixes the due dates
//!   from the pathway as the law stood that day.
//!
//! **Ids.** A new request's id is a random UUID the filer draws
//! ([`accord_law::request::is_random_uuid`]), and the log entry of every step (the filing
//! included) has a fresh random UUID of its own, never the request's id: the public log shows
//! entry ids, and `"{request}/{status}"` showed where a request stood. The store keeps at most
//! one transition into each status of a request (it no longer follows from the entry id). An
//! id taken by a request the filer may not read is answered exactly as a malformed one
//! ([`UNUSABLE_REQUEST_ID`]), so filing cannot confirm that a request exists; a party of the
//! request is told of the conflict. Requests recorded before these rules keep their slugs and
//! their entries' ids.
//!
//! **Time.** A filing or transition is dated by its signed envelope's `submitted_at`: the
//! party states when it happened, and signs that statement. The hub refuses a date more than
//! [`CLOCK_SKEW`] ahead of its own clock, more than [`MAX_SUBMISSION_AGE`] behind it, or
//! earlier than the request's last step. Beside the stated time it records its own receipt
//! time (`Transition::received_at`), and deadlines run from the receipt of the move to `sent`:
//! a party's clock cannot make a request overdue for the other state (a request filed "60
//! days ago" and sent the next day would otherwise be overdue at once). The hub's own clock
//! enters only as the `now` argument, which is what lets tests replay a request's life in
//! minutes.
//!
//! **TLP.** A request is TLP:RED unless its body says otherwise, and its entries must carry
//! exactly the request's marking: the log then withholds the bodies of a withheld request's
//! steps, and no step is marked more strictly than the read paths, which show the whole
//! timeline to whoever may read the request, can enforce. Reads follow `Request::visible_to`:
//! only the two states see a TLP:RED request, and a party that may not see one is told it does
//! not exist.

use accord_law::Dataset;
use accord_law::request::{
    NewRequest, Request, Status, Transition, TransitionBody, TransitionError, UNUSABLE_REQUEST_ID,
    is_random_uuid, sent_due_dates,
};
use accord_tlog::entry::SignedEntry;
use jiff::Timestamp;

use accord_core::validate::Problem;

use crate::error::StoreError;
use crate::kind;
use crate::log::{Effect, LogWrite};
use crate::sequencer::Sequencer;
use crate::store::Store;
use crate::write::{RecordError, Submission, parse_body, verify_submission};

pub use crate::store::RequestFilter;
pub use crate::write::{CLOCK_SKEW, MAX_SUBMISSION_AGE};

/// Longest note a transition may carry, in bytes.
pub const MAX_NOTE: usize = 2000;

fn invalid(path: &str, message: impl Into<String>) -> RecordError {
    RecordError::Invalid {
        problems: vec![Problem {
            path: path.to_owned(),
            message: message.into(),
        }],
    }
}

/// The signed date of an entry, within [`CLOCK_SKEW`] ahead of `now` and
/// [`MAX_SUBMISSION_AGE`] behind it.
fn signed_time(entry: &SignedEntry, now: Timestamp) -> Result<Timestamp, RecordError> {
    crate::write::submitted_at(&entry.envelope, now)
}

/// Records a request opened by the authenticated `party`, which must be its requesting state.
/// The request is checked against `law` on the day it is dated; it starts in `draft`.
pub async fn submit_request(
    store: &dyn Store,
    sequencer: &Sequencer,
    law: &Dataset,
    party: &str,
    submission: Submission,
    now: Timestamp,
) -> Result<Request, RecordError> {
    let (entry, body, salt) =
        verify_submission(store, party, kind::REQUEST, &submission, now).await?;
    let new: NewRequest = parse_body(&submission.body, "body")?;
    let at = signed_time(&entry, now)?;
    if party != new.requesting_state.as_str() {
        return Err(RecordError::Forbidden(format!(
            "only the requesting state {} can file this request; the caller is {party:?}",
            new.requesting_state
        )));
    }
    let mut problems = Vec::new();
    check_entry_id(&entry, &new.id, &mut problems);
    if entry.envelope.tlp != new.tlp {
        problems.push(Problem {
            path: "entry.envelope.tlp".into(),
            message: format!(
                "is {} but the request is marked {}: the entry carries the request's marking",
                entry.envelope.tlp, new.tlp
            ),
        });
    }
    // A well-formed id may be taken. Only a party of that request learns so; anyone else gets
    // the answer for a malformed id, at the place validation would have put it.
    if is_random_uuid(&new.id) && taken_unseen(store, party, &new.id).await? {
        problems.push(unusable_id());
    }
    let on = at.to_zoned_datetime(jiff::tz::TimeZone::UTC).date();
    problems.extend(new.validate(law, on).0.into_iter().map(|p| Problem {
        path: format!("body.{}", p.path),
        message: p.message,
    }));
    if let Some(incident) = &new.incident {
        match store.incident(incident).await {
            Ok(_) => {}
            Err(StoreError::NotFound { .. }) => problems.push(Problem {
                path: "body.incident".into(),
                message: format!("no incident {incident:?} in the record"),
            }),
            Err(e) => return Err(e.into()),
        }
    }
    if !problems.is_empty() {
        return Err(RecordError::Invalid { problems });
    }
    let mut request = Request::open(new, party, at, Some(now));
    let appended = sequencer
        .append(LogWrite {
            entry,
            body,
            salt: Some(salt),
            effect: Effect::RequestCreated(Box::new(request.clone())),
        })
        .await;
    let receipt = match appended {
        // Filed meanwhile under the same id (the store refuses a second request with it):
        // answered by the same rule as above.
        Err(StoreError::Conflict {
            what: "request", ..
        }) if taken_unseen(store, party, &request.id).await? => {
            return Err(RecordError::Invalid {
                problems: vec![unusable_id()],
            });
        }
        other => other?,
    };
    if let Some(first) = request.history.first_mut() {
        first.log_index = Some(receipt.index);
    }
    Ok(request)
}

/// Records a move of request `id` signed by the authenticated `party`.
///
/// A party that may not see the request is told it does not exist; a repeated move (the
/// status was reached already, or the same entry replayed) is a conflict; a move the
/// lifecycle forbids is invalid and names `body.to`; a move by the wrong side is forbidden.
pub async fn submit_transition(
    store: &dyn Store,
    sequencer: &Sequencer,
    law: &Dataset,
    party: &str,
    id: &str,
    submission: Submission,
    now: Timestamp,
) -> Result<Request, RecordError> {
    let (entry, body, salt) =
        verify_submission(store, party, kind::REQUEST_TRANSITION, &submission, now).await?;
    let mut request = store.request(id).await?;
    if !request.visible_to(Some(party)) {
        // TLP:RED: do not disclose that the request exists.
        return Err(StoreError::NotFound {
            what: "request",
            id: id.to_owned(),
        }
        .into());
    }
    let move_: TransitionBody = parse_body(&submission.body, "body")?;
    let at = signed_time(&entry, now)?;
    let mut problems = Vec::new();
    if move_.request != request.id {
        problems.push(Problem {
            path: "body.request".into(),
            message: format!(
                "is {:?} but the transition was posted to request {:?}",
                move_.request, request.id
            ),
        });
    }
    check_entry_id(&entry, &request.id, &mut problems);
    // Every read path shows a request's whole timeline (notes included) to whoever may read
    // the request: a step marked more strictly than its request would be published with it
    // while the log withholds its body, and one marked less strictly would leak from the log.
    if entry.envelope.tlp != request.tlp {
        problems.push(Problem {
            path: "entry.envelope.tlp".into(),
            message: format!(
                "is {} but the request is marked {}: a transition carries its request's marking, \
                 since whoever may read the request reads every step of it",
                entry.envelope.tlp, request.tlp
            ),
        });
    }
    if move_.note.as_ref().is_some_and(|n| n.len() > MAX_NOTE) {
        problems.push(Problem {
            path: "body.note".into(),
            message: format!("is longer than {MAX_NOTE} bytes"),
        });
    }
    if !problems.is_empty() {
        return Err(RecordError::Invalid { problems });
    }
    request
        .check_transition(party, move_.to, at)
        .map_err(|e| match e {
            TransitionError::AlreadyReached { .. } => StoreError::Conflict {
                what: "request transition",
                id: format!("{}/{}", request.id, move_.to),
            }
            .into(),
            TransitionError::NotAParty { .. } | TransitionError::WrongSide { .. } => {
                RecordError::Forbidden(e.to_string())
            }
            TransitionError::OutOfOrder { .. } => {
                invalid("entry.envelope.submitted_at", e.to_string())
            }
            other => invalid("body.to", other.to_string()),
        })?;
    // The deadlines run from when the hub received the move, by its own clock.
    let due = if move_.to == Status::Sent {
        sent_due_dates(law, &request, now).map_err(|e| invalid("body.to", e.to_string()))?
    } else {
        Vec::new()
    };
    let transition = Transition {
        to: move_.to,
        at,
        received_at: Some(now),
        by: party.to_owned(),
        note: move_.note,
        log_index: None,
    };
    let receipt = sequencer
        .append(LogWrite {
            entry,
            body,
            salt: Some(salt),
            effect: Effect::RequestTransition {
                request: request.id.clone(),
                from: request.status,
                transition: transition.clone(),
                due: due.clone(),
            },
        })
        .await?;
    request.apply(
        Transition {
            log_index: Some(receipt.index),
            ..transition
        },
        due,
    );
    Ok(request)
}

/// The problem at `body.id` for a new request's id the hub will not take.
fn unusable_id() -> Problem {
    Problem {
        path: "body.id".into(),
        message: UNUSABLE_REQUEST_ID.into(),
    }
}

/// True when request `id` exists and `party` may not read it: the filer is then answered as
/// for a malformed id, so that filing does not confirm the request exists. A party that may
/// read it is told of the conflict.
async fn taken_unseen(store: &dyn Store, party: &str, id: &str) -> Result<bool, RecordError> {
    match store.request(id).await {
        Ok(existing) if existing.visible_to(Some(party)) => Err(StoreError::Conflict {
            what: "request",
            id: id.to_owned(),
        }
        .into()),
        Ok(_) => Ok(true),
        Err(StoreError::NotFound { .. }) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Checks the log entry id of a request step (its filing or a transition): a fresh random
/// UUID, not `request`'s id. The public log shows every entry id, so it must tie the entry to
/// no request and no status.
fn check_entry_id(entry: &SignedEntry, request: &str, problems: &mut Vec<Problem>) {
    let id = &entry.envelope.id;
    if !is_random_uuid(id) || id == request {
        problems.push(Problem {
            path: "entry.envelope.id".into(),
            message: format!(
                "is {id:?}; the log entry of a request or of its step has a fresh random UUID \
                 (version 4, canonical lower-case form) as its id, not the request's id: the \
                 public log shows it, so it must name neither the request nor its status"
            ),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::write::sign_submission_at;
    use accord_law::request::PathwayRef;
    use accord_tlog::entry::canonical_json;
    use accord_tlp::Tlp;
    use ed25519_dalek::SigningKey;
    use jiff::SignedDuration;

    fn request(tlp: Tlp, incident: Option<&str>) -> Request {
        let new = NewRequest {
            id: "r".into(),
            incident: incident.map(str::to_owned),
            requesting_state: "FR".parse().unwrap(),
            requested_state: "US".parse().unwrap(),
            data: accord_law::DataCategory::Content,
            emergency: false,
            pathway: PathwayRef {
                instrument: "budapest".into(),
                article: "Art. 29".into(),
            },
            summary: "s".into(),
            tlp,
        };
        Request::open(new, "FR", "2026-11-01T00:00:00Z".parse().unwrap(), None)
    }

    #[test]
    fn filters_match_either_side_status_incident_and_marking() {
        let r = request(Tlp::Red, Some("notpetya-2017"));
        let all = RequestFilter::default();
        assert!(all.matches(&r));
        let by = |p: &str| RequestFilter {
            party: Some(p.into()),
            ..Default::default()
        };
        assert!(by("FR").matches(&r) && by("US").matches(&r) && !by("DE").matches(&r));
        let public = RequestFilter {
            max_tlp: Some(Tlp::Green),
            ..Default::default()
        };
        assert!(!public.matches(&r));
        assert!(public.matches(&request(Tlp::Clear, None)));
        let sent = RequestFilter {
            status: Some(Status::Sent),
            ..Default::default()
        };
        assert!(!sent.matches(&r));
        let about = |i: &str| RequestFilter {
            incident: Some(i.into()),
            ..Default::default()
        };
        assert!(about("notpetya-2017").matches(&r) && !about("wannacry-2017").matches(&r));
    }

    #[test]
    fn a_date_beyond_the_skew_or_older_than_a_day_is_refused() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let now: Timestamp = "2026-11-29T12:00:00Z".parse().unwrap();
        let sign = |at: Timestamp| {
            let s = sign_submission_at("request", "r", "FR", Tlp::Red, &"x", &key, at).unwrap();
            let bytes = canonical_json(&s.entry).unwrap();
            SignedEntry::from_bytes(&bytes).unwrap()
        };
        let recent = now - SignedDuration::from_hours(23);
        assert_eq!(signed_time(&sign(recent), now).unwrap(), recent);
        let soon = now + SignedDuration::from_secs(60);
        assert_eq!(signed_time(&sign(soon), now).unwrap(), soon);
        for (at, what) in [
            (now + SignedDuration::from_secs(3600), "an hour ahead"),
            (now - SignedDuration::from_hours(24 * 60), "60 days back"),
            ("1970-01-01T00:00:00Z".parse().unwrap(), "1970"),
        ] {
            let Err(RecordError::Invalid { problems }) = signed_time(&sign(at), now) else {
                panic!("a date {what} must be refused");
            };
            assert_eq!(problems[0].path, "entry.envelope.submitted_at");
        }
    }
}

//! Evidence requests and their lifecycle to the deadline.
//!
//! A liaison officer who has found a pathway ([`crate::route()`]) files a request along it: the
//! requesting state asks the requested state (or a provider there) for one category of data,
//! under one instrument and article. The request then moves through a small lifecycle:
//!
//! ```text
//! draft ──► sent ──► acknowledged ──► preserved ──► produced
//!   │         │            │              │
//!   │         └────────────┴──────────────┴───────► refused   (terminal)
//!   └─────────┴────────────┴──────────────┴───────► withdrawn (terminal)
//! ```
//!
//! Moves only go forward and may skip steps (a production order answered at once goes from
//! `sent` to `produced`); `produced`, `refused` and `withdrawn` are final. The requesting
//! state sends and withdraws; the requested state acknowledges, preserves, produces and
//! refuses ([`Status::actor`]). No status is reached twice, so a request's history has at most
//! one transition into each status.
//!
//! A new request's id is a random UUID (version 4) the filer draws ([`is_random_uuid`]): the
//! id names a request that may be TLP:RED, so it must say nothing about it and must not be
//! guessed. Requests recorded before that rule keep their slugs.
//!
//! Due dates come from the pathway: when a request is sent, [`sent_due_dates`] asks the
//! engine for the pathway on the day it was sent and hands it to [`crate::deadline::due_dates`]
//! (Budapest Art. 29: preserved for at least 60 days; e-Evidence production orders: 10 days,
//! 8 hours in an emergency). A request is overdue ([`Request::overdue`]) when it is still
//! open and one of its response limits has passed.
//!
//! The types live here, beside the engine whose answers they are checked against, rather than
//! in `accord-core`: a request names a pathway by the engine's instrument id and article, and
//! its deadlines are the engine's. Like the rest of the crate this module has no clock: callers
//! pass every instant in.
//!
//! ```
//! use accord_law::request::{Status, Side};
//!
//! assert!(Status::Draft.can_move_to(Status::Sent));
//! assert!(!Status::Draft.can_move_to(Status::Produced)); // never produced before sent
//! assert!(!Status::Produced.can_move_to(Status::Withdrawn)); // terminal
//! assert_eq!(Status::actor(Status::Acknowledged), Side::Requested);
//! ```

use std::fmt;
use std::str::FromStr;

use accord_core::country::CountryCode;
use accord_core::validate::{Problems, check_slug};
use accord_tlp::Tlp;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::dataset::{Dataset, DeadlineKind};
use crate::deadline::{DueDate, DueDateError, answers_due, due_dates};
use crate::query::Query;
use crate::route::{Pathway, route};
use crate::vocabulary::DataCategory;

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Written, not yet sent.
    Draft,
    /// Sent to the requested state (or the provider); the deadlines run from here.
    Sent,
    /// The requested side confirmed receipt.
    Acknowledged,
    /// The data is preserved (held) pending production.
    Preserved,
    /// The data was handed over. Final.
    Produced,
    /// The requested side refused. Final.
    Refused,
    /// The requesting side withdrew the request. Final.
    Withdrawn,
}

/// Which party of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Side {
    /// The state that asks.
    Requesting,
    /// The state that holds the data or hosts the provider.
    Requested,
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::Requesting => "requesting",
            Side::Requested => "requested",
        })
    }
}

impl Status {
    /// Every status, in lifecycle order.
    pub const ALL: [Status; 7] = [
        Status::Draft,
        Status::Sent,
        Status::Acknowledged,
        Status::Preserved,
        Status::Produced,
        Status::Refused,
        Status::Withdrawn,
    ];

    /// The status as written in JSON and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Sent => "sent",
            Status::Acknowledged => "acknowledged",
            Status::Preserved => "preserved",
            Status::Produced => "produced",
            Status::Refused => "refused",
            Status::Withdrawn => "withdrawn",
        }
    }

    /// True for `produced`, `refused` and `withdrawn`: nothing follows them.
    pub fn is_terminal(self) -> bool {
        matches!(self, Status::Produced | Status::Refused | Status::Withdrawn)
    }

    /// True while the requested side owes an answer: sent and not yet finished.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            Status::Sent | Status::Acknowledged | Status::Preserved
        )
    }

    /// Position on the main line draft → sent → acknowledged → preserved → produced.
    fn rank(self) -> u8 {
        match self {
            Status::Draft => 0,
            Status::Sent => 1,
            Status::Acknowledged => 2,
            Status::Preserved => 3,
            Status::Produced | Status::Refused | Status::Withdrawn => 4,
        }
    }

    /// Whether the lifecycle allows moving from `self` to `to`: forward only, skipping allowed,
    /// nothing but `sent` or `withdrawn` from a draft, nothing at all from a final status.
    pub fn can_move_to(self, to: Status) -> bool {
        if self.is_terminal() || to == Status::Draft {
            return false;
        }
        match to {
            Status::Withdrawn => true,
            Status::Refused => self != Status::Draft,
            _ if self == Status::Draft => to == Status::Sent,
            _ => to.rank() > self.rank(),
        }
    }

    /// Which side may move a request into `to`: the requesting state sends and withdraws
    /// (and drafts); the requested state answers.
    pub fn actor(to: Status) -> Side {
        match to {
            Status::Draft | Status::Sent | Status::Withdrawn => Side::Requesting,
            Status::Acknowledged | Status::Preserved | Status::Produced | Status::Refused => {
                Side::Requested
            }
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A text that names no status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{input:?} is not a request status; expected one of draft, sent, acknowledged, preserved, produced, refused, withdrawn"
)]
pub struct StatusError {
    /// The text that was given.
    pub input: String,
}

impl FromStr for Status {
    type Err = StatusError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        Status::ALL
            .into_iter()
            .find(|c| c.as_str() == wanted)
            .ok_or_else(|| StatusError {
                input: s.to_owned(),
            })
    }
}

/// The pathway a request travels: an instrument id and an article, as [`crate::route()`]
/// names them (`{"instrument": "budapest", "article": "Art. 29"}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathwayRef {
    /// Stable instrument id (`budapest`, `eu-e-evidence`, …).
    pub instrument: String,
    /// The article as the engine names it (`Art. 29`, `European Production Order (Arts 4, 5,
    /// 10)`).
    pub article: String,
}

impl fmt::Display for PathwayRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.instrument, self.article)
    }
}

fn red() -> Tlp {
    Tlp::Red
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// What the requesting state signs to open a request: the body of a `request` log entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewRequest {
    /// A random UUID (version 4) the filer draws, in canonical lower-case form
    /// ([`is_random_uuid`]).
    pub id: String,
    /// The incident the request is about, if recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident: Option<String>,
    /// The state that asks.
    pub requesting_state: CountryCode,
    /// The state where the data or the provider is.
    pub requested_state: CountryCode,
    /// The data asked for.
    pub data: DataCategory,
    /// Danger to life or similar urgency (shorter deadlines where the instrument has them).
    #[serde(default, skip_serializing_if = "is_false")]
    pub emergency: bool,
    /// The pathway chosen.
    pub pathway: PathwayRef,
    /// What is asked for, in a sentence or two.
    pub summary: String,
    /// Who may see the request; TLP:RED (the two states only) unless said otherwise.
    #[serde(default = "red")]
    pub tlp: Tlp,
}

impl NewRequest {
    /// Checks the request on its own and against the legal dataset on the day `on` (usually
    /// the day it is filed): every problem, each with its field path.
    pub fn validate(&self, dataset: &Dataset, on: jiff::civil::Date) -> Problems {
        let mut p = Problems::new();
        if !is_random_uuid(&self.id) {
            p.push("id", UNUSABLE_REQUEST_ID);
        }
        if let Some(i) = &self.incident {
            check_slug("incident", i, &mut p);
        }
        p.require_text("summary", &self.summary);
        if self.summary.len() > 4000 {
            p.push(
                "summary",
                "is longer than 4000 bytes; put the detail elsewhere",
            );
        }
        if self.requesting_state == self.requested_state {
            p.push(
                "requested_state",
                format!(
                    "is the requesting state {}: a domestic request needs no cross-border pathway",
                    self.requesting_state
                ),
            );
        } else if let Err(reason) = find_pathway(dataset, &self.query(on), &self.pathway) {
            p.push(reason.path(), reason.to_string());
        }
        p
    }

    /// The engine's question this request answers, on the day `on`.
    pub fn query(&self, on: jiff::civil::Date) -> Query {
        Query {
            from: self.requesting_state,
            to: self.requested_state,
            data: self.data,
            emergency: self.emergency,
            on,
        }
    }
}

/// What the hub answers for a new request's id it will not take: one that is not a random
/// UUID, and equally one that is taken by a request the filer may not read, so that the answer
/// does not confirm such a request exists.
pub const UNUSABLE_REQUEST_ID: &str = "cannot be used: a new request's id is a random UUID \
     (version 4) drawn for it by the filer, in canonical lower-case form \
     (xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx, y one of 8, 9, a, b)";

/// True when `id` is a random (version 4, RFC 9562 variant) UUID written in canonical
/// lower-case hyphenated form: what a new request's id, and the log entry id of every request
/// step, must be. Any other form of the same UUID (upper case, braces, a URN) is refused, so
/// that one request has one id.
pub fn is_random_uuid(id: &str) -> bool {
    uuid::Uuid::try_parse(id).is_ok_and(|u| {
        u.get_version() == Some(uuid::Version::Random)
            && u.get_variant() == uuid::Variant::RFC4122
            && u.hyphenated().to_string() == id
    })
}

/// Why a named pathway is not one the engine offers for a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PathwayError {
    /// No instrument in the dataset has this id.
    #[error("no instrument {instrument:?} in the legal dataset; known: {known}")]
    UnknownInstrument {
        /// The id given.
        instrument: String,
        /// The known ids, comma-separated.
        known: String,
    },
    /// The instrument does not apply to this request, for the engine's reason.
    #[error("{instrument} does not apply on {on}: {reason}")]
    NotApplicable {
        /// The instrument id.
        instrument: String,
        /// The date asked about.
        on: jiff::civil::Date,
        /// The engine's reason.
        reason: String,
    },
    /// The instrument applies, but not through this article.
    #[error("{instrument} has no pathway {article:?} for this request; it offers: {offered}")]
    UnknownArticle {
        /// The instrument id.
        instrument: String,
        /// The article given.
        article: String,
        /// The articles it offers for this request.
        offered: String,
    },
}

impl PathwayError {
    /// The field path of the request the error is about.
    pub fn path(&self) -> &'static str {
        match self {
            PathwayError::UnknownInstrument { .. } | PathwayError::NotApplicable { .. } => {
                "pathway.instrument"
            }
            PathwayError::UnknownArticle { .. } => "pathway.article",
        }
    }
}

/// The engine's pathway that `wanted` names for `query`, or why there is none.
pub fn find_pathway<'d>(
    dataset: &'d Dataset,
    query: &Query,
    wanted: &PathwayRef,
) -> Result<Pathway<'d>, PathwayError> {
    if !dataset
        .instruments()
        .iter()
        .any(|i| i.id == wanted.instrument)
    {
        return Err(PathwayError::UnknownInstrument {
            instrument: wanted.instrument.clone(),
            known: dataset
                .instruments()
                .iter()
                .map(|i| i.id.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    let answer = route(dataset, query);
    let mut offered = Vec::new();
    for p in answer.pathways {
        if p.instrument == wanted.instrument {
            if p.article == wanted.article {
                return Ok(p);
            }
            offered.push(p.article);
        }
    }
    if offered.is_empty() {
        let reason = answer
            .not_applicable
            .iter()
            .filter(|n| n.instrument == wanted.instrument)
            .map(|n| n.reason.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        return Err(PathwayError::NotApplicable {
            instrument: wanted.instrument.clone(),
            on: query.on,
            reason,
        });
    }
    Err(PathwayError::UnknownArticle {
        instrument: wanted.instrument.clone(),
        article: wanted.article.clone(),
        offered: offered.join(", "),
    })
}

/// Why due dates could not be computed when a request was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// The pathway does not apply on the day of sending (an instrument denounced since the
    /// draft, say).
    #[error(transparent)]
    Pathway(#[from] PathwayError),
    /// A period ran out of range.
    #[error(transparent)]
    DueDate(#[from] DueDateError),
}

/// The due dates of a request sent at `sent`: the pathway as the law stood that day, with
/// [`crate::deadline::due_dates`]. A pathway without a treaty deadline gives none.
pub fn sent_due_dates(
    dataset: &Dataset,
    request: &Request,
    sent: Timestamp,
) -> Result<Vec<DueDate>, SendError> {
    let on = sent.to_zoned_datetime(jiff::tz::TimeZone::UTC).date();
    let query = Query {
        from: request.requesting_state,
        to: request.requested_state,
        data: request.data,
        emergency: request.emergency,
        on,
    };
    let pathway = find_pathway(dataset, &query, &request.pathway)?;
    Ok(due_dates(&pathway, sent)?)
}

/// What a party signs to move a request: the body of a `request-transition` log entry, whose
/// own id is a fresh random UUID ([`is_random_uuid`]) that names neither the request nor the
/// status, so the public log does not show where a request stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransitionBody {
    /// The request's id.
    pub request: String,
    /// The status it moves to.
    pub to: Status,
    /// A short note (a reference number, the reason for a refusal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One step in a request's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    /// The status entered.
    pub to: Status,
    /// When, as the signing party stated it (the entry's `submitted_at`).
    pub at: Timestamp,
    /// When the hub received it, by the hub's own clock: what deadlines run from, since a
    /// party's stated time is only its claim. `None` in requests recorded before the hub
    /// kept it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_at: Option<Timestamp>,
    /// The party that signed it.
    pub by: String,
    /// Its note, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The log entry that records it, once appended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_index: Option<u64>,
}

/// A request as the hub holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Request {
    /// Stable slug.
    pub id: String,
    /// The incident it is about, if recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident: Option<String>,
    /// The state that asks.
    pub requesting_state: CountryCode,
    /// The state where the data or the provider is.
    pub requested_state: CountryCode,
    /// The data asked for.
    pub data: DataCategory,
    /// Urgency.
    pub emergency: bool,
    /// The pathway.
    pub pathway: PathwayRef,
    /// What is asked.
    pub summary: String,
    /// Who may see it.
    pub tlp: Tlp,
    /// When it was filed (the `request` entry's `submitted_at`).
    pub created_at: Timestamp,
    /// Where it stands.
    pub status: Status,
    /// Every transition, oldest first; the first is the draft.
    pub history: Vec<Transition>,
    /// The pathway's time limits, from the moment it was sent (empty before).
    #[serde(default)]
    pub due: Vec<DueDate>,
}

/// Why a transition is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransitionError {
    /// The request already reached that status once.
    #[error("request {request:?} was already {to} at {at}")]
    AlreadyReached {
        /// The request.
        request: String,
        /// The status.
        to: Status,
        /// When it was reached.
        at: Timestamp,
    },
    /// The lifecycle does not allow the move.
    #[error("request {request:?} is {from}; it cannot become {to}{}", allowed_text(*.from))]
    Illegal {
        /// The request.
        request: String,
        /// Its current status.
        from: Status,
        /// The status asked for.
        to: Status,
    },
    /// The party is neither side of the request.
    #[error("party {party:?} is not a party to request {request:?}")]
    NotAParty {
        /// The request.
        request: String,
        /// The party.
        party: String,
    },
    /// The party is on the other side from the one that makes this move.
    #[error("only the {needs} state ({state}) can make request {request:?} {to}")]
    WrongSide {
        /// The request.
        request: String,
        /// The status asked for.
        to: Status,
        /// The side that may.
        needs: Side,
        /// That side's state.
        state: CountryCode,
    },
    /// The transition is dated before the previous one.
    #[error(
        "{at} is before the request's last transition ({previous}); transitions are dated in order"
    )]
    OutOfOrder {
        /// The date given.
        at: Timestamp,
        /// The last transition's date.
        previous: Timestamp,
    },
}

fn allowed_text(from: Status) -> String {
    let next: Vec<&str> = Status::ALL
        .into_iter()
        .filter(|s| from.can_move_to(*s))
        .map(Status::as_str)
        .collect();
    if next.is_empty() {
        format!(" ({from} is final)")
    } else {
        format!(" (from {from}: {})", next.join(", "))
    }
}

impl Request {
    /// A new request in `draft`, filed by `by` at `at` (as it states) and received by the hub
    /// at `received_at`.
    pub fn open(
        body: NewRequest,
        by: &str,
        at: Timestamp,
        received_at: Option<Timestamp>,
    ) -> Request {
        Request {
            id: body.id,
            incident: body.incident,
            requesting_state: body.requesting_state,
            requested_state: body.requested_state,
            data: body.data,
            emergency: body.emergency,
            pathway: body.pathway,
            summary: body.summary,
            tlp: body.tlp,
            created_at: at,
            status: Status::Draft,
            history: vec![Transition {
                to: Status::Draft,
                at,
                received_at,
                by: by.to_owned(),
                note: None,
                log_index: None,
            }],
            due: Vec::new(),
        }
    }

    /// The side `party` is on, if any (a state party's id is its ISO code).
    pub fn side_of(&self, party: &str) -> Option<Side> {
        if party == self.requesting_state.as_str() {
            Some(Side::Requesting)
        } else if party == self.requested_state.as_str() {
            Some(Side::Requested)
        } else {
            None
        }
    }

    /// True when `party` (`None`: an anonymous reader) may see the request under its TLP 2.0
    /// marking: TLP:CLEAR anyone; TLP:GREEN any authenticated party of the hub (the
    /// community, never an anonymous public page); TLP:AMBER, AMBER+STRICT and RED the two
    /// states only.
    pub fn visible_to(&self, party: Option<&str>) -> bool {
        match self.tlp {
            Tlp::Clear => true,
            Tlp::Green => party.is_some(),
            _ => party.is_some_and(|p| self.side_of(p).is_some()),
        }
    }

    /// When it was sent, as the requesting state stated it, if it was.
    pub fn sent_at(&self) -> Option<Timestamp> {
        self.history
            .iter()
            .find(|t| t.to == Status::Sent)
            .map(|t| t.at)
    }

    /// Checks that `party` may move the request to `to` at `at`.
    pub fn check_transition(
        &self,
        party: &str,
        to: Status,
        at: Timestamp,
    ) -> Result<(), TransitionError> {
        if let Some(t) = self.history.iter().find(|t| t.to == to) {
            return Err(TransitionError::AlreadyReached {
                request: self.id.clone(),
                to,
                at: t.at,
            });
        }
        let side = self
            .side_of(party)
            .ok_or_else(|| TransitionError::NotAParty {
                request: self.id.clone(),
                party: party.to_owned(),
            })?;
        if !self.status.can_move_to(to) {
            return Err(TransitionError::Illegal {
                request: self.id.clone(),
                from: self.status,
                to,
            });
        }
        let needs = Status::actor(to);
        if side != needs {
            return Err(TransitionError::WrongSide {
                request: self.id.clone(),
                to,
                needs,
                state: match needs {
                    Side::Requesting => self.requesting_state,
                    Side::Requested => self.requested_state,
                },
            });
        }
        if let Some(last) = self.history.last()
            && at < last.at
        {
            return Err(TransitionError::OutOfOrder {
                at,
                previous: last.at,
            });
        }
        Ok(())
    }

    /// Records a checked transition; `due` are the due dates computed when it is the move to
    /// `sent` ([`sent_due_dates`]), and are ignored otherwise.
    pub fn apply(&mut self, transition: Transition, due: Vec<DueDate>) {
        if transition.to == Status::Sent {
            self.due = due;
        }
        self.status = transition.to;
        self.history.push(transition);
    }

    /// The response limits that have passed at `now` while the request is still open: the
    /// overdue list. Preservation holds are never overdue (they are a minimum, not a limit).
    pub fn overdue(&self, now: Timestamp) -> Vec<&DueDate> {
        if !self.status.is_open() {
            return Vec::new();
        }
        self.due
            .iter()
            .filter(|d| answers_due(d.kind) && d.due < now)
            .collect()
    }

    /// The earliest response limit, if the request is open and has one (what an index sorts
    /// the overdue list by).
    pub fn next_due(&self) -> Option<Timestamp> {
        if !self.status.is_open() {
            return None;
        }
        self.due
            .iter()
            .filter(|d| answers_due(d.kind))
            .map(|d| d.due)
            .min()
    }

    /// The preservation hold's end, when the pathway has one ("preserved at least until").
    pub fn held_until(&self) -> Option<Timestamp> {
        self.due
            .iter()
            .filter(|d| d.kind == DeadlineKind::Hold)
            .map(|d| d.due)
            .max()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use accord_core::source::Verification;

    const ALL: [Status; 7] = Status::ALL;

    /// The legal moves, written out by hand: the lifecycle's specification.
    const LEGAL: &[(Status, Status)] = &[
        (Status::Draft, Status::Sent),
        (Status::Draft, Status::Withdrawn),
        (Status::Sent, Status::Acknowledged),
        (Status::Sent, Status::Preserved),
        (Status::Sent, Status::Produced),
        (Status::Sent, Status::Refused),
        (Status::Sent, Status::Withdrawn),
        (Status::Acknowledged, Status::Preserved),
        (Status::Acknowledged, Status::Produced),
        (Status::Acknowledged, Status::Refused),
        (Status::Acknowledged, Status::Withdrawn),
        (Status::Preserved, Status::Produced),
        (Status::Preserved, Status::Refused),
        (Status::Preserved, Status::Withdrawn),
    ];

    #[test]
    fn every_pair_of_statuses_is_legal_exactly_when_listed() {
        for from in ALL {
            for to in ALL {
                let listed = LEGAL.contains(&(from, to));
                assert_eq!(
                    from.can_move_to(to),
                    listed,
                    "{from} -> {to} should be {}",
                    if listed { "legal" } else { "illegal" }
                );
            }
        }
    }

    #[test]
    fn final_statuses_have_no_way_out_and_nothing_returns_to_draft() {
        for s in ALL.into_iter().filter(|s| s.is_terminal()) {
            assert!(ALL.into_iter().all(|to| !s.can_move_to(to)), "{s}");
        }
        assert!(ALL.into_iter().all(|s| !s.can_move_to(Status::Draft)));
    }

    #[test]
    fn statuses_parse_and_print_alike() {
        for s in ALL {
            assert_eq!(s.as_str().parse::<Status>(), Ok(s));
            assert_eq!(
                serde_json::to_value(s).unwrap(),
                serde_json::Value::from(s.as_str())
            );
        }
        assert!("closed".parse::<Status>().is_err());
    }

    fn law() -> Dataset {
        let src = r#""source": {"as_of": "2026-11", "verification": "verified", "url": "https://example.org/"}"#;
        let party = |s: &str| format!(r#"{{"state": "{s}", "in_force": "2004-07-01", {src}}}"#);
        let budapest = format!(
            r#"{{"id": "budapest", "name": "Convention on Cybercrime", "short_name": "Budapest Convention",
              "reference": "ETS No. 185", "kind": "treaty",
              "entry_into_force": {{"rule": "fixed", "date": "2004-07-01", "text": "in force 2004-07-01", {src}}},
              "pairing": "any-two-parties",
              "parties": [{}, {}],
              "mechanisms": [{{"id": "art29-preservation", "article": "Art. 29",
                "title": "Expedited preservation", "action": "preservation", "channel": "24/7-network",
                "categories": ["subscriber", "traffic", "content"],
                "deadlines": [{{"kind": "hold", "normal": {{"days": 60}}, "at_least": true, "text": "at least 60 days", {src}}}],
                {src}}},
                {{"id": "art31-mla", "article": "Art. 31", "title": "Mutual assistance", "action": "production",
                "channel": "authority-to-authority", "categories": ["subscriber", "traffic", "content"],
                "deadlines": [{{"kind": "response", "normal": {{"days": 10}}, "emergency": {{"hours": 8}}, "text": "10 days, 8 hours in an emergency", {src}}}],
                {src}}}]}}"#,
            party("FR"),
            party("US")
        );
        Dataset::from_json_files([("budapest.json", budapest.as_str())]).unwrap()
    }

    fn new_request(article: &str, emergency: bool) -> NewRequest {
        NewRequest {
            id: "6f1c2a9e-3b7d-4e58-9a0c-1d2e3f405162".into(),
            incident: None,
            requesting_state: CountryCode::parse("FR").unwrap(),
            requested_state: CountryCode::parse("US").unwrap(),
            data: DataCategory::Subscriber,
            emergency,
            pathway: PathwayRef {
                instrument: "budapest".into(),
                article: article.into(),
            },
            summary: "Subscriber of an IP address".into(),
            tlp: Tlp::Red,
        }
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn date(s: &str) -> jiff::civil::Date {
        s.parse().unwrap()
    }

    fn moved(r: &mut Request, party: &str, to: Status, at: &str, law: &Dataset) {
        let at = ts(at);
        r.check_transition(party, to, at).unwrap();
        let due = if to == Status::Sent {
            sent_due_dates(law, r, at).unwrap()
        } else {
            Vec::new()
        };
        r.apply(
            Transition {
                to,
                at,
                received_at: None,
                by: party.into(),
                note: None,
                log_index: None,
            },
            due,
        );
    }

    #[test]
    fn a_valid_request_has_no_problems_and_tlp_red_by_default() {
        let law = law();
        assert!(
            new_request("Art. 29", false)
                .validate(&law, date("2026-11-01"))
                .is_empty()
        );
        let parsed: NewRequest = serde_json::from_value(serde_json::json!({
            "id": "x", "requesting_state": "FR", "requested_state": "US", "data": "content",
            "pathway": {"instrument": "budapest", "article": "Art. 29"}, "summary": "s"
        }))
        .unwrap();
        assert_eq!(parsed.tlp, Tlp::Red);
        assert!(!parsed.emergency);
    }

    #[test]
    fn a_request_id_is_a_random_uuid_in_canonical_form_only() {
        assert!(is_random_uuid("6f1c2a9e-3b7d-4e58-9a0c-1d2e3f405162"));
        assert!(is_random_uuid(&uuid::Uuid::new_v4().to_string()));
        for refused in [
            "fr-us-2026-0042",
            "",
            // The same UUID in other forms.
            "6F1C2A9E-3B7D-4E58-9A0C-1D2E3F405162",
            "{6f1c2a9e-3b7d-4e58-9a0c-1d2e3f405162}",
            "urn:uuid:6f1c2a9e-3b7d-4e58-9a0c-1d2e3f405162",
            "6f1c2a9e3b7d4e589a0c1d2e3f405162",
            // Not version 4 (a name-based v5, a time-based v1), not the RFC variant, nil.
            "6f1c2a9e-3b7d-5e58-9a0c-1d2e3f405162",
            "6f1c2a9e-3b7d-1e58-9a0c-1d2e3f405162",
            "6f1c2a9e-3b7d-4e58-ca0c-1d2e3f405162",
            "00000000-0000-0000-0000-000000000000",
            " 6f1c2a9e-3b7d-4e58-9a0c-1d2e3f405162",
        ] {
            assert!(!is_random_uuid(refused), "{refused:?}");
        }
        let mut r = new_request("Art. 29", false);
        r.id = "fr-us-2026-0042".into();
        let p = r.validate(&law(), date("2026-11-01")).0;
        assert_eq!(p.len(), 1);
        assert_eq!(
            (p[0].path.as_str(), p[0].message.as_str()),
            ("id", UNUSABLE_REQUEST_ID)
        );
    }

    #[test]
    fn validation_reports_every_problem_with_its_path() {
        let law = law();
        let mut r = new_request("Art. 29", false);
        r.id = "Bad Id".into();
        r.summary = " ".into();
        r.incident = Some("Also Bad".into());
        let paths: Vec<String> = r
            .validate(&law, date("2026-11-01"))
            .0
            .into_iter()
            .map(|p| p.path)
            .collect();
        assert_eq!(paths, ["id", "incident", "summary"]);

        let mut same = new_request("Art. 29", false);
        same.requested_state = same.requesting_state;
        assert_eq!(
            same.validate(&law, date("2026-11-01")).0[0].path,
            "requested_state"
        );
    }

    #[test]
    fn a_pathway_the_engine_does_not_offer_is_refused_with_its_reason() {
        let law = law();
        let p = new_request("Art. 99", false).validate(&law, date("2026-11-01"));
        assert_eq!(p.0[0].path, "pathway.article");
        assert!(p.0[0].message.contains("Art. 29"), "{}", p.0[0].message);

        let mut unknown = new_request("Art. 29", false);
        unknown.pathway.instrument = "warsaw".into();
        let p = unknown.validate(&law, date("2026-11-01"));
        assert_eq!(p.0[0].path, "pathway.instrument");
        assert!(p.0[0].message.contains("budapest"));

        // Before the instrument binds France, the engine's reason is the answer.
        let p = new_request("Art. 29", false).validate(&law, date("2001-01-01"));
        assert_eq!(p.0[0].path, "pathway.instrument");
        assert!(p.0[0].message.contains("2001-01-01"), "{}", p.0[0].message);
    }

    #[test]
    fn the_happy_path_runs_to_produced_with_deadlines_from_sending() {
        let law = law();
        let mut r = Request::open(
            new_request("Art. 31", false),
            "FR",
            ts("2026-11-01T09:00:00Z"),
            None,
        );
        assert_eq!(r.status, Status::Draft);
        assert!(r.due.is_empty());
        moved(&mut r, "FR", Status::Sent, "2026-11-02T09:00:00Z", &law);
        assert_eq!(r.due.len(), 1);
        assert_eq!(r.due[0].due, ts("2026-11-12T09:00:00Z"));
        assert_eq!(r.due[0].verification, Verification::Verified);
        assert_eq!(r.next_due(), Some(ts("2026-11-12T09:00:00Z")));
        moved(
            &mut r,
            "US",
            Status::Acknowledged,
            "2026-11-03T09:00:00Z",
            &law,
        );
        moved(
            &mut r,
            "US",
            Status::Preserved,
            "2026-11-04T09:00:00Z",
            &law,
        );
        moved(&mut r, "US", Status::Produced, "2026-11-05T09:00:00Z", &law);
        assert_eq!(r.status, Status::Produced);
        let seen: Vec<Status> = r.history.iter().map(|t| t.to).collect();
        assert_eq!(
            seen,
            [
                Status::Draft,
                Status::Sent,
                Status::Acknowledged,
                Status::Preserved,
                Status::Produced
            ]
        );
        assert_eq!(r.sent_at(), Some(ts("2026-11-02T09:00:00Z")));
        // Produced: nothing is overdue any more, whatever the date.
        assert!(r.overdue(ts("2027-01-01T00:00:00Z")).is_empty());
        assert_eq!(r.next_due(), None);
    }

    #[test]
    fn emergency_requests_fall_due_in_hours() {
        let law = law();
        let mut r = Request::open(
            new_request("Art. 31", true),
            "FR",
            ts("2026-11-01T09:00:00Z"),
            None,
        );
        moved(&mut r, "FR", Status::Sent, "2026-11-01T10:00:00Z", &law);
        assert_eq!(r.due[0].due, ts("2026-11-01T18:00:00Z"));
        assert!(r.overdue(ts("2026-11-01T17:59:59Z")).is_empty());
        assert_eq!(r.overdue(ts("2026-11-01T18:00:01Z")).len(), 1);
    }

    #[test]
    fn overdue_only_while_open_and_after_the_response_limit() {
        let law = law();
        let mut r = Request::open(
            new_request("Art. 31", false),
            "FR",
            ts("2026-11-01T09:00:00Z"),
            None,
        );
        // A draft is never overdue: its clock has not started.
        assert!(r.overdue(ts("2030-01-01T00:00:00Z")).is_empty());
        moved(&mut r, "FR", Status::Sent, "2026-11-01T09:00:00Z", &law);
        assert!(r.overdue(ts("2026-11-11T08:59:59Z")).is_empty());
        assert_eq!(r.overdue(ts("2026-11-11T09:00:01Z")).len(), 1);
        moved(
            &mut r,
            "US",
            Status::Acknowledged,
            "2026-11-02T09:00:00Z",
            &law,
        );
        assert_eq!(r.overdue(ts("2026-11-20T00:00:00Z")).len(), 1);
        moved(&mut r, "US", Status::Refused, "2026-11-21T09:00:00Z", &law);
        assert!(r.overdue(ts("2026-11-22T00:00:00Z")).is_empty());
    }

    #[test]
    fn a_preservation_hold_is_at_least_sixty_days_and_never_overdue() {
        let law = law();
        let mut r = Request::open(
            new_request("Art. 29", false),
            "FR",
            ts("2026-11-01T09:00:00Z"),
            None,
        );
        moved(&mut r, "FR", Status::Sent, "2026-11-01T09:00:00Z", &law);
        assert_eq!(r.held_until(), Some(ts("2026-12-31T09:00:00Z")));
        assert!(r.overdue(ts("2027-06-01T00:00:00Z")).is_empty());
        assert_eq!(r.next_due(), None);
    }

    #[test]
    fn illegal_moves_are_refused_with_the_reason() {
        let law = law();
        let mut r = Request::open(
            new_request("Art. 31", false),
            "FR",
            ts("2026-11-01T09:00:00Z"),
            None,
        );
        let at = ts("2026-11-02T00:00:00Z");
        // No production before sending.
        assert!(matches!(
            r.check_transition("US", Status::Produced, at),
            Err(TransitionError::Illegal {
                from: Status::Draft,
                to: Status::Produced,
                ..
            })
        ));
        // Only the requesting state sends.
        assert!(matches!(
            r.check_transition("US", Status::Sent, at),
            Err(TransitionError::WrongSide {
                needs: Side::Requesting,
                ..
            })
        ));
        // A third state is no party at all.
        assert!(matches!(
            r.check_transition("DE", Status::Sent, at),
            Err(TransitionError::NotAParty { .. })
        ));
        // Dated before the draft.
        assert!(matches!(
            r.check_transition("FR", Status::Sent, ts("2026-10-01T00:00:00Z")),
            Err(TransitionError::OutOfOrder { .. })
        ));
        moved(&mut r, "FR", Status::Sent, "2026-11-02T00:00:00Z", &law);
        // Only the requested state answers.
        assert!(matches!(
            r.check_transition("FR", Status::Produced, at),
            Err(TransitionError::WrongSide {
                needs: Side::Requested,
                ..
            })
        ));
        // Sent twice is a repeat, not a move.
        assert!(matches!(
            r.check_transition("FR", Status::Sent, at),
            Err(TransitionError::AlreadyReached {
                to: Status::Sent,
                ..
            })
        ));
        moved(
            &mut r,
            "US",
            Status::Preserved,
            "2026-11-03T00:00:00Z",
            &law,
        );
        // No going back.
        let e = r
            .check_transition("US", Status::Acknowledged, ts("2026-11-04T00:00:00Z"))
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "request \"6f1c2a9e-3b7d-4e58-9a0c-1d2e3f405162\" is preserved; \
             it cannot become acknowledged (from preserved: produced, refused, withdrawn)"
        );
        moved(
            &mut r,
            "FR",
            Status::Withdrawn,
            "2026-11-04T00:00:00Z",
            &law,
        );
        let e = r
            .check_transition("US", Status::Produced, ts("2026-11-05T00:00:00Z"))
            .unwrap_err();
        assert!(e.to_string().ends_with("(withdrawn is final)"), "{e}");
    }

    #[test]
    fn every_legal_move_is_accepted_from_the_side_that_makes_it() {
        let law = law();
        for &(from, to) in LEGAL {
            let mut r = Request::open(
                new_request("Art. 31", false),
                "FR",
                ts("2026-11-01T00:00:00Z"),
                None,
            );
            // Walk the main line up to `from`.
            let line = [Status::Sent, Status::Acknowledged, Status::Preserved];
            for s in line {
                if r.status == from {
                    break;
                }
                let by = if Status::actor(s) == Side::Requesting {
                    "FR"
                } else {
                    "US"
                };
                moved(&mut r, by, s, "2026-11-02T00:00:00Z", &law);
            }
            assert_eq!(r.status, from);
            let by = if Status::actor(to) == Side::Requesting {
                "FR"
            } else {
                "US"
            };
            moved(&mut r, by, to, "2026-11-03T00:00:00Z", &law);
            assert_eq!(r.status, to, "{from} -> {to}");
        }
    }

    #[test]
    fn only_the_two_states_see_a_red_request() {
        let mut r = Request::open(
            new_request("Art. 29", false),
            "FR",
            ts("2026-11-01T00:00:00Z"),
            None,
        );
        assert!(r.visible_to(Some("FR")));
        assert!(r.visible_to(Some("US")));
        assert!(!r.visible_to(Some("DE")));
        assert!(!r.visible_to(None));
        r.tlp = Tlp::Amber;
        assert!(!r.visible_to(Some("DE")));
        r.tlp = Tlp::Green;
        assert!(r.visible_to(Some("DE")));
        assert!(!r.visible_to(None), "TLP:GREEN is never public");
        r.tlp = Tlp::Clear;
        assert!(r.visible_to(None));
    }

    #[test]
    fn a_request_round_trips_through_json() {
        let law = law();
        let mut r = Request::open(
            new_request("Art. 31", false),
            "FR",
            ts("2026-11-01T00:00:00Z"),
            None,
        );
        moved(&mut r, "FR", Status::Sent, "2026-11-02T00:00:00Z", &law);
        let back: Request = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
        assert_eq!(back, r);
    }
}

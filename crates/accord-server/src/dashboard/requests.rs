//! "Requests" at `/requests`: evidence requests on their way to the deadline, each with its
//! timeline, overdue ones highlighted.
//!
//! The dashboard has no login, so everything it shows is public. Requests are TLP:RED unless
//! filed otherwise, and TLP 2.0 lets only TLP:CLEAR information be published (TLP:GREEN stays
//! within the community, which an anonymous page cannot tell apart from the public), so this
//! page lists only TLP:CLEAR requests — none by default — and says where the others are: the
//! authenticated API and `accord requests`. It also says how many request entries the log
//! holds, since their existence (not their content) is public in the log anyway.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use jiff::Timestamp;

use accord_law::request::Request;
use accord_store::kind;
use accord_store::requests::RequestFilter;
use accord_tlp::Tlp;

use super::{PageError, ok};
use crate::state::AppState;

/// One step of a request's timeline.
#[derive(Debug, Clone)]
pub struct StepView {
    /// The status entered.
    pub to: String,
    /// When (RFC 3339).
    pub at: String,
    /// The party that signed it.
    pub by: String,
    /// Its note.
    pub note: Option<String>,
    /// Its log entry.
    pub log_index: Option<u64>,
}

/// One time limit as shown.
#[derive(Debug, Clone)]
pub struct DueView {
    /// "response", "hold", …
    pub kind: String,
    /// When it falls due.
    pub due: String,
    /// The limit as the text states it.
    pub text: String,
    /// Verification level of the limit.
    pub verification: String,
    /// True when it has passed while the request is open.
    pub overdue: bool,
}

/// One request as shown.
#[derive(Debug, Clone)]
pub struct RequestCard {
    /// Its id.
    pub id: String,
    /// "France asks Germany".
    pub states: String,
    /// "subscriber data" (plus "— emergency").
    pub data: String,
    /// "eu-e-evidence — European Production Order (Arts 4, 5, 10)".
    pub pathway: String,
    /// Its incident, if any.
    pub incident: Option<String>,
    /// What is asked.
    pub summary: String,
    /// Where it stands.
    pub status: String,
    /// True when a response limit has passed while open.
    pub overdue: bool,
    /// The timeline.
    pub steps: Vec<StepView>,
    /// The limits.
    pub due: Vec<DueView>,
}

impl RequestCard {
    /// The card of `r` at `now`.
    pub fn new(r: &Request, now: Timestamp) -> RequestCard {
        let passed = r.overdue(now);
        let emergency = if r.emergency { " — emergency" } else { "" };
        RequestCard {
            id: r.id.clone(),
            states: format!(
                "{} asks {}",
                r.requesting_state.name(),
                r.requested_state.name()
            ),
            data: format!("{}{emergency}", r.data.phrase()),
            pathway: format!("{} — {}", r.pathway.instrument, r.pathway.article),
            incident: r.incident.clone(),
            summary: r.summary.clone(),
            status: r.status.to_string(),
            overdue: !passed.is_empty(),
            steps: r
                .history
                .iter()
                .map(|t| StepView {
                    to: t.to.to_string(),
                    at: t.at.to_string(),
                    by: t.by.clone(),
                    note: t.note.clone(),
                    log_index: t.log_index,
                })
                .collect(),
            due: r
                .due
                .iter()
                .map(|d| DueView {
                    kind: serde_json::to_value(d.kind)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default(),
                    due: d.due.to_string(),
                    text: d.text.clone(),
                    verification: serde_json::to_value(d.verification)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default(),
                    overdue: passed.contains(&d),
                })
                .collect(),
        }
    }
}

/// The requests page.
#[derive(Template)]
#[template(path = "requests.html")]
pub struct RequestsPage {
    /// Public requests, overdue first, then newest first.
    pub cards: Vec<RequestCard>,
    /// How many of them are overdue.
    pub overdue: usize,
    /// Request and transition entries in the log (public or not).
    pub entries: u64,
    /// The instant the page was computed for.
    pub now: String,
}

/// `GET /requests`.
pub async fn page(State(st): State<AppState>) -> Result<Response, PageError> {
    let now = Timestamp::now();
    // TLP 2.0: only TLP:CLEAR may be published; this page is public.
    let filter = RequestFilter {
        max_tlp: Some(Tlp::Clear),
        ..RequestFilter::default()
    };
    let requests = st.store.requests(&filter).await?;
    let mut cards: Vec<RequestCard> = requests
        .iter()
        .filter(|r| r.visible_to(None))
        .map(|r| RequestCard::new(r, now))
        .collect();
    // Stable sort: overdue first, newest first within each group (the store's order).
    cards.sort_by_key(|c| !c.overdue);
    let entries = st
        .store
        .entry_counts()
        .await?
        .into_iter()
        .filter(|(k, _)| k == kind::REQUEST || k == kind::REQUEST_TRANSITION)
        .map(|(_, n)| n)
        .sum();
    ok(&RequestsPage {
        overdue: cards.iter().filter(|c| c.overdue).count(),
        cards,
        entries,
        now: now.to_string(),
    })
}

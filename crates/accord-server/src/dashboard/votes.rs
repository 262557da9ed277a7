//! The "Voting bloc" page at `/votes`: how the accord's supporters, the states whose standing
//! is uncertain and the non-supporters voted at the UN on ICT-security texts, each group's
//! cohesion on every vote, and a table of member states by how often they voted with each
//! group's majority (`?sort=supporters|non-supporters|name`).
//!
//! Each vote's split is drawn on the server as an inline SVG: one bar per group, one segment
//! per position, one state per three pixels, each segment titled with its count. The figures
//! are [`accord_core::voting_bloc`]'s, the same as `/api/v1/blocs/cohesion`.

use std::collections::HashMap;

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use accord_core::date::FuzzyDate;
use accord_core::scorecard::bloc_view;
use accord_core::votes::{Body, Coverage, Subject};
use accord_core::voting_bloc::{Agreement, Bounds, Group, Split, VotingBloc};

use super::page::{ErrorPage, rate_text};
use super::{PageError, bad, html, ok, param, query};
use crate::query::reject_unknown;
use crate::state::{AppState, today};
use crate::votes::{METHOD, NO_VOTES};

/// Pixels per state in a split bar.
const PX: u32 = 3;
/// Width of the column of group labels.
const LABEL_W: u32 = 150;
/// Height of one bar and the distance between bars.
const BAR_H: u32 = 16;
const ROW_H: u32 = 22;

/// One segment of a split bar.
#[derive(Debug, Clone)]
pub struct Seg {
    /// Left edge.
    pub x: u32,
    /// Width.
    pub w: u32,
    /// Fill colour.
    pub fill: &'static str,
    /// Tooltip: "supporters: 45 yes".
    pub title: String,
}

/// One group's bar.
#[derive(Debug, Clone)]
pub struct Bar {
    /// The group's label and size: "supporters (75)".
    pub label: String,
    /// Top of the bar.
    pub y: u32,
    /// Baseline of the label.
    pub text_y: u32,
    /// The segments, left to right.
    pub segs: Vec<Seg>,
}

/// One vote's row.
#[derive(Debug, Clone)]
pub struct VoteRow {
    /// The vote's id (the API path).
    pub id: String,
    /// Its date as recorded.
    pub date: String,
    /// Resolution or draft symbol, or "symbol not sourced".
    pub symbol: String,
    /// First Committee or plenary.
    pub body: &'static str,
    /// The text's title, with the paragraph for a separate vote.
    pub title: String,
    /// Who tabled it.
    pub sponsor: String,
    /// How much of the vote is sourced.
    pub coverage: &'static str,
    /// "119–46–14", or what is known of it.
    pub tally: String,
    /// Adopted without a vote: no bars.
    pub without_vote: bool,
    /// The main source's URL and verification.
    pub source_url: String,
    /// `verified`, `secondary` or `unverified`.
    pub verification: String,
    /// Each group's agreement index, as text, in the page's group order.
    pub cohesion: Vec<String>,
    /// Each group's Rice index, as text.
    pub rice: Vec<String>,
    /// The split bars.
    pub bars: Vec<Bar>,
    /// The SVG's size.
    pub svg_w: u32,
    /// The SVG's height.
    pub svg_h: u32,
}

/// One member state's row in the agreement table.
#[derive(Debug, Clone)]
pub struct StateRow {
    /// ISO code.
    pub code: String,
    /// The UN's name.
    pub name: String,
    /// Standing toward the accord today.
    pub standing: &'static str,
    /// Agreement with the supporters' majority, as text.
    pub with_supporters: String,
    /// Agreement with the non-supporters' majority, as text.
    pub with_non_supporters: String,
    /// Votes compared with certainty / uncertain, for the supporters' column.
    pub basis: String,
}

/// One side of the incident record's bloc view, beside its voting figures.
#[derive(Debug, Clone)]
pub struct RecordSide {
    /// "supporters" or "non-supporters".
    pub group: &'static str,
    /// States in the group today (registry and record).
    pub states: usize,
    /// States of the group the record links to an incident as initiator.
    pub linked: Vec<String>,
    /// Incidents linked to the group.
    pub incidents: usize,
    /// The group's mean agreement index over the fully recorded votes, and how many.
    pub mean_cohesion: String,
}

/// The page.
#[derive(Template)]
#[template(path = "votes.html")]
pub struct VotesPage {
    /// The groups of the cohesion columns.
    pub groups: Vec<String>,
    /// Every vote, in date order.
    pub votes: Vec<VoteRow>,
    /// Every member state.
    pub states: Vec<StateRow>,
    /// How the table is sorted.
    pub sort: &'static str,
    /// How the figures are computed.
    pub method: &'static str,
    /// Today's date, for the standing column.
    pub today: String,
    /// The incident record's bloc view beside the voting figures.
    pub record: Vec<RecordSide>,
}

/// "0.874", "0.62–0.91", or "–" when undefined.
fn bounds_text(b: Option<Bounds>) -> String {
    match b {
        None => "–".to_owned(),
        Some(b) if b.is_exact() => format!("{:.3}", b.low),
        Some(b) => format!("{:.3}–{:.3}", b.low, b.high),
    }
}

fn segments(group: &str, split: &Split) -> Vec<Seg> {
    let parts = [
        ("yes", split.yes, "#2f855a"),
        ("no", split.no, "#c53030"),
        ("abstain", split.abstain, "#c98a00"),
        ("absent or not voting", split.absent, "#8c95a3"),
        ("yes or absent", split.yes_or_absent, "#9ae6b4"),
        ("not recorded", split.not_recorded, "#e2e8f0"),
    ];
    let mut x = LABEL_W;
    let mut out = Vec::new();
    for (what, n, fill) in parts {
        if n == 0 {
            continue;
        }
        out.push(Seg {
            x,
            w: n * PX,
            fill,
            title: format!("{group}: {n} {what}"),
        });
        x += n * PX;
    }
    out
}

fn coverage_text(c: Coverage) -> &'static str {
    match c {
        Coverage::Full => "full",
        Coverage::Minority => "minority",
        Coverage::Partial => "partial",
        Coverage::WithoutVote => "without a vote",
    }
}

fn tally_text(v: &accord_core::votes::Vote) -> String {
    let Some(t) = v.tally else {
        return "–".to_owned();
    };
    let n = |x: Option<u16>| x.map_or("?".to_owned(), |x| x.to_string());
    format!("{}–{}–{}", n(t.yes), n(t.no), n(t.abstain))
}

/// `GET /votes`.
pub async fn page(
    State(st): State<AppState>,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Response, PageError> {
    let q = query(q)?;
    reject_unknown(&q, &["sort"])?;
    let sort = match param(&q, "sort") {
        None | Some("supporters") => "supporters",
        Some("non-supporters") => "non-supporters",
        Some("name") => "name",
        Some(other) => {
            return Err(bad(
                "sort",
                format!("sort: {other:?} is not a column; use supporters, non-supporters or name"),
            ));
        }
    };
    let Some(votes) = st.votes.clone() else {
        return Ok(html(
            StatusCode::SERVICE_UNAVAILABLE,
            &ErrorPage {
                status: 503,
                title: "Service Unavailable".to_owned(),
                detail: NO_VOTES.to_owned(),
                fields: Vec::new(),
            },
        ));
    };
    let parties = st.store.parties().await?;
    let launched = st.store.accord().await?.launched;
    let bloc = VotingBloc::new(&votes.votes, votes.members.codes(), &parties, launched);
    let groups = crate::votes::standard_groups();
    let drawn = [Group::Supporters, Group::Uncertain, Group::NonSupporters];
    let mut rows = Vec::new();
    for (i, v) in bloc.votes().iter().enumerate() {
        let cohesion: Vec<_> = groups.iter().map(|g| bloc.cohesion(i, g)).collect();
        let bars = drawn
            .iter()
            .enumerate()
            .map(|(k, g)| {
                let split = bloc.split(i, g);
                let y = 6 + k as u32 * ROW_H;
                Bar {
                    label: format!("{} ({})", g.label(), split.states()),
                    y,
                    text_y: y + BAR_H - 4,
                    segs: segments(&g.label(), &split),
                }
            })
            .collect();
        let title = match &v.subject {
            Subject::WholeText => v.title.clone(),
            Subject::Paragraph { paragraph, .. } => format!("{} ({paragraph})", v.title),
        };
        rows.push(VoteRow {
            id: v.id.clone(),
            date: v.date.to_string(),
            // The committee votes on the draft, the plenary on the resolution.
            symbol: match v.body {
                Body::FirstCommittee => v.document.clone().or_else(|| v.resolution.clone()),
                Body::Plenary => v.resolution.clone().or_else(|| v.document.clone()),
            }
            .unwrap_or_else(|| "symbol not sourced".to_owned()),
            body: match v.body {
                Body::FirstCommittee => "First Committee",
                Body::Plenary => "Plenary",
            },
            title,
            sponsor: v.sponsor.clone(),
            coverage: coverage_text(v.coverage),
            tally: tally_text(v),
            without_vote: v.adopted_without_vote,
            source_url: v.source.url.clone().unwrap_or_default(),
            verification: v.source.verification.to_string(),
            cohesion: cohesion
                .iter()
                .map(|c| bounds_text(c.agreement_index))
                .collect(),
            rice: cohesion.iter().map(|c| bounds_text(c.rice)).collect(),
            bars,
            svg_w: LABEL_W + 193 * PX + 10,
            svg_h: 6 + drawn.len() as u32 * ROW_H,
        });
    }
    let with_s = bloc.agreement_with_majority_all(&Group::Supporters);
    let with_n = bloc.agreement_with_majority_all(&Group::NonSupporters);
    let now = FuzzyDate::from_date(today());
    let mut states: Vec<(StateRow, f64, f64)> = votes
        .members
        .states
        .iter()
        .map(|m| {
            let s = with_s.get(&m.code).copied();
            let n = with_n.get(&m.code).copied();
            let key = |a: Option<Agreement>| a.and_then(|a| a.rate).map_or(-1.0, |b| b.low);
            let row = StateRow {
                code: m.code.to_string(),
                name: m.un_name.clone(),
                standing: bloc.standing(m.code, &now).as_str(),
                with_supporters: s.as_ref().map_or("–".to_owned(), rate_text),
                with_non_supporters: n.as_ref().map_or("–".to_owned(), rate_text),
                basis: s.map_or(String::new(), |a| {
                    format!(
                        "{} agreed, {} differed, {} uncertain",
                        a.agreed, a.differed, a.uncertain
                    )
                }),
            };
            (row, key(s), key(n))
        })
        .collect();
    match sort {
        "name" => states.sort_by(|a, b| a.0.name.cmp(&b.0.name)),
        "non-supporters" => {
            states.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.name.cmp(&b.0.name)))
        }
        _ => states.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.name.cmp(&b.0.name))),
    }
    // The incident record's supporters/non-supporters split (today's standing), beside the
    // groups' mean cohesion on the votes every state's position is known for.
    let records = st.store.all_incidents().await?;
    let view = bloc_view(&parties, &records, today());
    let mean = |g: &Group| {
        let values: Vec<f64> = (0..bloc.votes().len())
            .filter(|&i| bloc.votes()[i].coverage == Coverage::Full)
            .filter_map(|i| bloc.cohesion(i, g).agreement_index)
            .map(|b| b.low)
            .collect();
        if values.is_empty() {
            "–".to_owned()
        } else {
            format!(
                "{:.3} over {} votes",
                values.iter().sum::<f64>() / values.len() as f64,
                values.len()
            )
        }
    };
    let record = vec![
        RecordSide {
            group: "supporters",
            states: view.supporters.states,
            linked: view.supporters.states_linked.clone(),
            incidents: view.supporters.incidents.total,
            mean_cohesion: mean(&Group::Supporters),
        },
        RecordSide {
            group: "non-supporters",
            states: view.non_supporters.states,
            linked: view.non_supporters.states_linked.clone(),
            incidents: view.non_supporters.incidents.total,
            mean_cohesion: mean(&Group::NonSupporters),
        },
    ];
    ok(&VotesPage {
        record,
        groups: groups.iter().map(Group::label).collect(),
        votes: rows,
        states: states.into_iter().map(|(r, _, _)| r).collect(),
        sort,
        method: METHOD,
        today: today().to_string(),
    })
}

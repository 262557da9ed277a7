//! "Who can ask whom": the cross-border evidence page at `/pathways`.
//!
//! A GET form (from, to, data, emergency, date) shows the engine's answer for two states —
//! every pathway fastest first with its verification badge, every instrument that does not
//! apply with the reason — and, for the chosen data category and date, a matrix of every
//! state in the legal dataset against every other, each cell coloured by the instrument of the
//! fastest *production* pathway (what obtains the data; preservation only holds it).
//!
//! The page reads its parameters with the API's own parser ([`crate::pathways`]), so
//! `/pathways?from=UK` and `/api/v1/pathways?from=UK` fail the same way. A mistake is shown
//! in a 400 page that keeps the form, so the reader can correct it in place.
//!
//! The matrix is an HTML table: row and column headers are real `<th scope>` cells, so a
//! screen reader announces "France, United States, EE" for a cell; each cell carries a short
//! text code (the legend spells it out), never colour alone, and a `*` when the pathway rests
//! on a fact nobody has verified. All ~7,500 answers are computed per request off the async
//! workers (the engine does the whole matrix in tens of milliseconds; see BENCHMARKS.md).

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use axum::extract::State;
use axum::extract::rejection::QueryRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use accord_core::country::CountryCode;
use accord_core::source::Verification;
use accord_law::{Answer, DataCategory, Dataset};

use super::page::{ErrorPage, SourceDisplay};
use super::{PageError, html, link};
use crate::error::ApiError;
use crate::pathways::{NO_DATASET, date_param, param, parse_emergency, parse_pathway_query};
use crate::query::reject_unknown;
use crate::state::AppState;

/// How the matrix shows an instrument: a CSS class for its colour and a short text code.
#[derive(Debug, Clone, PartialEq)]
pub struct Swatch {
    /// Stable instrument id.
    pub id: String,
    /// The instrument's short name.
    pub name: String,
    /// A short code shown in each cell.
    pub code: String,
    /// The CSS class carrying its colour.
    pub class: String,
    /// How many cells it is the fastest production pathway for.
    pub cells: usize,
}

/// The colour class and code of each shipped instrument; an instrument added to the dataset
/// later gets a neutral class and a code from its id.
fn style(id: &str) -> (&'static str, Option<&'static str>) {
    match id {
        "eu-e-evidence" => ("pw-ee", Some("EE")),
        "cloud-act-uk-us" => ("pw-cu", Some("UK")),
        "cloud-act-au-us" => ("pw-ca", Some("AU")),
        "budapest-2ap" => ("pw-2p", Some("2P")),
        "budapest" => ("pw-bc", Some("BC")),
        "un-cybercrime" => ("pw-un", Some("UN")),
        "eu-us-mla" => ("pw-em", Some("EM")),
        "mla" => ("pw-m", Some("M")),
        _ => ("pw-other", None),
    }
}

/// One matrix cell as shown.
#[derive(Debug, Clone, PartialEq)]
pub struct CellView {
    /// CSS classes (colour, and `u` when it rests on unverified facts).
    pub class: String,
    /// The text in the cell.
    pub text: String,
}

/// One row of the matrix: a requesting state and its cells.
#[derive(Debug, Clone, PartialEq)]
pub struct RowView {
    /// The requesting state.
    pub state: CountryCode,
    /// Its name.
    pub name: String,
    /// A link that asks the form about this state as the requester.
    pub href: String,
    /// One cell per column.
    pub cells: Vec<CellView>,
}

/// The matrix as shown.
#[derive(Debug, Clone, PartialEq)]
pub struct MatrixView {
    /// Column headers: (code, name, link asking about it as the requested state).
    pub columns: Vec<(CountryCode, String, String)>,
    /// The rows.
    pub rows: Vec<RowView>,
    /// The legend, in dataset order, with cell counts.
    pub legend: Vec<Swatch>,
    /// Cells whose fastest production pathway rests on an unverified fact.
    pub unverified: usize,
    /// Cells off the diagonal.
    pub total: usize,
}

/// Lays out the "who can ask whom" matrix for one category, urgency and date.
pub fn matrix_view(
    law: &Dataset,
    data: DataCategory,
    emergency: bool,
    on: jiff::civil::Date,
) -> MatrixView {
    let states = law.states();
    let m = accord_law::matrix::matrix(law, &states, data, emergency, on);
    let mut legend: Vec<Swatch> = law
        .instruments()
        .iter()
        .map(|i| {
            let (class, code) = style(&i.id);
            Swatch {
                id: i.id.clone(),
                name: i.short_name.clone(),
                code: code.map_or_else(|| i.id.chars().take(3).collect(), str::to_owned),
                class: class.to_owned(),
                cells: 0,
            }
        })
        .collect();
    let on_text = on.to_string();
    let form_link = |key: &str, state: CountryCode| {
        link::query(
            "/pathways",
            &[
                (key, state.to_string()),
                ("data", data.as_str().to_owned()),
                ("on", on_text.clone()),
            ],
        ) + "#answer"
    };
    let mut unverified = 0;
    let mut rows = Vec::with_capacity(states.len());
    for (i, &from) in states.iter().enumerate() {
        let mut cells = Vec::with_capacity(states.len());
        for cell in &m.cells[i * states.len()..(i + 1) * states.len()] {
            let view = match (&cell.fastest, cell.from == cell.to) {
                (_, true) => CellView {
                    class: "pw-self".to_owned(),
                    text: "–".to_owned(),
                },
                (None, false) => CellView {
                    class: "pw-none".to_owned(),
                    text: "·".to_owned(),
                },
                (Some(f), false) => {
                    let swatch = legend.iter_mut().find(|s| s.id == f.instrument);
                    let (class, code) = match swatch {
                        Some(s) => {
                            s.cells += 1;
                            (s.class.clone(), s.code.clone())
                        }
                        None => ("pw-other".to_owned(), f.instrument.to_owned()),
                    };
                    if f.verification == Verification::Unverified {
                        unverified += 1;
                        CellView {
                            class: format!("{class} u"),
                            text: format!("{code}*"),
                        }
                    } else {
                        CellView { class, text: code }
                    }
                }
            };
            cells.push(view);
        }
        rows.push(RowView {
            state: from,
            name: law.state_name(from).to_owned(),
            href: form_link("from", from),
            cells,
        });
    }
    let columns = states
        .iter()
        .map(|&s| (s, law.state_name(s).to_owned(), form_link("to", s)))
        .collect();
    let n = states.len();
    MatrixView {
        columns,
        rows,
        legend,
        unverified,
        total: n * n.saturating_sub(1),
    }
}

/// The "Who can ask whom" page.
#[derive(Template)]
#[template(path = "pathways.html")]
pub struct PathwaysPage<'a> {
    /// The form's values as given.
    pub from: String,
    /// See `from`.
    pub to: String,
    /// See `from`.
    pub data: String,
    /// See `from`.
    pub emergency: bool,
    /// The date the answer and the matrix are for.
    pub on: String,
    /// The categories for the select: (value, phrase).
    pub categories: Vec<(&'static str, &'static str)>,
    /// The states for the datalist: (code, name).
    pub states: Vec<(CountryCode, String)>,
    /// The problems with the form's values: (parameter, what is wrong).
    pub problems: Vec<(String, String)>,
    /// The answer for the two states, when both were given and valid.
    pub answer: Option<Answer<'a>>,
    /// The matrix, when the category and date are valid.
    pub matrix: Option<MatrixView>,
    /// The data category's phrase for headings.
    pub data_phrase: &'static str,
}

impl PathwaysPage<'_> {
    /// The badge class of a verification level.
    pub fn level(&self, v: &Verification) -> &'static str {
        v.as_str()
    }

    /// Capitalises the first letter, for names that start a heading ("the Budapest
    /// Convention" → "The Budapest Convention").
    pub fn sentence(&self, text: &str) -> String {
        let mut chars = text.chars();
        match chars.next() {
            Some(first) => first.to_uppercase().chain(chars).collect(),
            None => String::new(),
        }
    }

    /// A state in a heading: "France (FR)".
    pub fn state_label(&self, c: &CountryCode) -> String {
        self.states.iter().find(|(s, _)| s == c).map_or_else(
            || format!("{} ({c})", c.name()),
            |(_, n)| format!("{n} ({c})"),
        )
    }
}

/// The problem a bad parameter produces, as (parameter, message).
fn problem(e: ApiError) -> (String, String) {
    let body = e.body();
    match body.errors.into_iter().next() {
        Some(f) => (f.path, f.detail),
        None => (String::new(), body.detail),
    }
}

/// `GET /pathways`.
pub async fn page(
    State(st): State<AppState>,
    q: Result<axum::extract::Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Response, PageError> {
    let q = super::query(q)?;
    let Some(law) = st.law.clone() else {
        return Ok(html(
            StatusCode::SERVICE_UNAVAILABLE,
            &ErrorPage {
                status: 503,
                title: "Service Unavailable".to_owned(),
                detail: NO_DATASET.to_owned(),
                fields: Vec::new(),
            },
        ));
    };
    // The page and the matrix are computed off the async workers: ~7,500 engine answers.
    let rendered = tokio::task::spawn_blocking(move || render(&law, &q)).await;
    match rendered {
        Ok(resp) => Ok(resp),
        Err(e) => Err(PageError(ApiError::Internal(format!(
            "the pathways page task failed: {e}"
        )))),
    }
}

fn render(law: &Arc<Dataset>, q: &HashMap<String, String>) -> Response {
    let mut problems = Vec::new();
    if let Err(e) = reject_unknown(q, &["from", "to", "data", "emergency", "on"]) {
        problems.push(problem(e));
    }
    let value = |k: &str| param(q, k).unwrap_or_default().trim().to_owned();
    let from = value("from");
    let to = value("to");
    let data_text = param(q, "data").unwrap_or("subscriber").to_owned();
    let on = date_param(q);
    let emergency = parse_emergency(q).unwrap_or_else(|e| {
        problems.push(problem(e));
        false
    });
    // The matrix needs only the category and the date; parse them on their own so a bad
    // country code still shows it.
    let data = accord_law::query::parse_category(accord_law::query::Field::Data, &data_text)
        .map_err(|e| problems.push(problem(crate::pathways::query_error(e))))
        .ok();
    let date = accord_law::query::parse_date(accord_law::query::Field::On, &on)
        .map_err(|e| problems.push(problem(crate::pathways::query_error(e))))
        .ok();
    let mut answer = None;
    if !from.is_empty() || !to.is_empty() {
        let mut full = q.clone();
        full.insert("data".to_owned(), data_text.clone());
        match parse_pathway_query(&full) {
            Ok(query) if problems.is_empty() => answer = Some(accord_law::route(law, &query)),
            Ok(_) => {}
            Err(e) => {
                let p = problem(e);
                if !problems.contains(&p) {
                    problems.push(p);
                }
            }
        }
    }
    let matrix = match (data, date) {
        (Some(d), Some(on)) => Some(matrix_view(law, d, emergency, on)),
        _ => None,
    };
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let page = PathwaysPage {
        from,
        to,
        data: data.map_or(data_text, |d| d.as_str().to_owned()),
        emergency,
        on: date.map_or(on, |d| d.to_string()),
        categories: DataCategory::ALL
            .iter()
            .map(|c| (c.as_str(), c.phrase()))
            .collect(),
        states: law
            .states()
            .into_iter()
            .map(|s| (s, law.state_name(s).to_owned()))
            .collect(),
        problems,
        answer,
        matrix,
        data_phrase: data.map_or("data", DataCategory::phrase),
    };
    html(status, &page).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_instrument_has_its_own_colour_and_code() {
        let ids = [
            "budapest",
            "budapest-2ap",
            "eu-e-evidence",
            "cloud-act-uk-us",
            "cloud-act-au-us",
            "un-cybercrime",
            "eu-us-mla",
            "mla",
        ];
        let mut classes: Vec<&str> = ids.iter().map(|i| style(i).0).collect();
        let mut codes: Vec<&str> = ids.iter().filter_map(|i| style(i).1).collect();
        classes.sort_unstable();
        classes.dedup();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(classes.len(), ids.len());
        assert_eq!(codes.len(), ids.len());
        assert!(!classes.contains(&"pw-other"));
    }
}

//! The "who can ask whom" matrix: for one data category and date, the fastest way each state
//! can obtain data held in each other state.
//!
//! A cell shows the fastest *production* pathway, since that is what obtains the data;
//! preservation only holds it, and is listed in the full answer ([`crate::route()`]).
//! The diagonal is domestic and has no cell value.

use accord_core::country::CountryCode;
use accord_core::source::Verification;
use jiff::civil::Date;
use serde::Serialize;

use crate::dataset::Dataset;
use crate::query::Query;
use crate::route::route;
use crate::vocabulary::{Action, Channel, DataCategory};

/// The fastest production pathway between two states, in brief.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fastest<'d> {
    /// Stable instrument id: what the dashboard colours by.
    pub instrument: &'d str,
    /// The legal basis.
    pub article: &'d str,
    /// Through whom the request travels.
    pub channel: Channel,
    /// The time limits in a phrase, or "no treaty deadline".
    pub deadline: String,
    /// The weakest verification level among the facts used.
    pub verification: Verification,
}

/// One cell: requests from `from` for data in `to`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cell<'d> {
    /// The requesting state.
    pub from: CountryCode,
    /// The state where the data or provider is.
    pub to: CountryCode,
    /// The fastest production pathway; `None` on the diagonal.
    pub fastest: Option<Fastest<'d>>,
    /// How many pathways of any kind apply.
    pub pathways: usize,
}

/// The whole matrix, row by row (`cells[i * states.len() + j]` is `states[i]` → `states[j]`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Matrix<'d> {
    /// The data category.
    pub data: DataCategory,
    /// Whether the requests are emergencies.
    pub emergency: bool,
    /// The date.
    pub on: Date,
    /// Rows and columns, in order.
    pub states: Vec<CountryCode>,
    /// The cells, row-major.
    pub cells: Vec<Cell<'d>>,
}

impl<'d> Matrix<'d> {
    /// The cell for `from` → `to`, if both are in the matrix.
    pub fn cell(&self, from: CountryCode, to: CountryCode) -> Option<&Cell<'d>> {
        let i = self.states.iter().position(|s| *s == from)?;
        let j = self.states.iter().position(|s| *s == to)?;
        self.cells.get(i * self.states.len() + j)
    }
}

/// Computes the matrix over `states` (use [`Dataset::states`] for every state the dataset
/// lists).
pub fn matrix<'d>(
    dataset: &'d Dataset,
    states: &[CountryCode],
    data: DataCategory,
    emergency: bool,
    on: Date,
) -> Matrix<'d> {
    let mut cells = Vec::with_capacity(states.len() * states.len());
    for &from in states {
        for &to in states {
            let answer = route(
                dataset,
                &Query {
                    from,
                    to,
                    data,
                    emergency,
                    on,
                },
            );
            let fastest = answer
                .pathways
                .iter()
                .find(|p| p.action == Action::Production)
                .map(|p| Fastest {
                    instrument: p.instrument,
                    article: p.article,
                    channel: p.channel,
                    deadline: p.deadline.clone(),
                    verification: p.verification,
                });
            cells.push(Cell {
                from,
                to,
                fastest,
                pathways: answer.pathways.len(),
            });
        }
    }
    Matrix {
        data,
        emergency,
        on,
        states: states.to_vec(),
        cells,
    }
}

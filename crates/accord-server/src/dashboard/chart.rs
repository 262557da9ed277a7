//! The chart of incidents per principle per year, laid out on the server as SVG.
//!
//! A heat-map grid: one row per principle, one column per year from the first to the last
//! year in the record (empty years stay, so gaps are visible), and one square per
//! (principle, year) pair with at least one incident. The square's shade grows with the count
//! and the count is written inside it; each square carries a `<title>` that browsers show as a
//! tooltip and screen readers read. The layout is computed here, in plain numbers, and drawn
//! by the `principles-chart.svg` template, which escapes every label.

use accord_core::scorecard::PrincipleScorecard;

/// Width of the column of principle labels.
const LABEL_W: u32 = 300;
/// A cell's size.
const CELL_W: u32 = 44;
const CELL_H: u32 = 30;
/// Room above the grid for the legend and below it for the year axis.
const TOP: u32 = 56;
const BOTTOM: u32 = 56;
const RIGHT: u32 = 16;
/// Gap between a cell's square and its neighbours.
const INSET: u32 = 2;
/// Width of the chart when the record holds no dated incident.
const EMPTY_W: u32 = 640;

/// A principle's row.
#[derive(Debug, Clone)]
pub struct Row {
    /// `P1 Protect individuals and infrastructure`.
    pub label: String,
    /// Top of the row.
    pub y: u32,
    /// Baseline of the label.
    pub text_y: u32,
    /// Whether the row gets the shaded stripe (every other row).
    pub stripe: bool,
}

/// A year's column.
#[derive(Debug, Clone)]
pub struct Column {
    /// The year.
    pub year: i16,
    /// Centre of the column.
    pub x_mid: u32,
}

/// One data point: the incidents bearing on one principle in one year.
#[derive(Debug, Clone)]
pub struct Point {
    /// `P1`.
    pub principle: String,
    /// The year.
    pub year: i16,
    /// How many incidents.
    pub count: usize,
    /// The square's corner and side.
    pub x: u32,
    /// The square's top.
    pub y: u32,
    /// The square's width.
    pub w: u32,
    /// The square's height.
    pub h: u32,
    /// Centre of the square, for the count.
    pub x_mid: u32,
    /// Baseline of the count.
    pub text_y: u32,
    /// Fill opacity, `0.25`…`1.00`, growing with the count.
    pub opacity: String,
    /// Whether the count is written in white (on a dark square).
    pub light_text: bool,
    /// The tooltip: `P1 Protect individuals and infrastructure: 3 incidents in 2017`.
    pub title: String,
}

/// The whole chart, in SVG user units.
#[derive(Debug, Clone)]
pub struct Chart {
    /// Total width.
    pub width: u32,
    /// Total height.
    pub height: u32,
    /// Left edge of the grid.
    pub grid_x: u32,
    /// Top edge of the grid.
    pub grid_y: u32,
    /// Width of the grid.
    pub grid_w: u32,
    /// Bottom edge of the grid.
    pub grid_bottom: u32,
    /// Height of a principle's row.
    pub row_h: u32,
    /// Baseline of the year labels.
    pub year_y: u32,
    /// Baseline of the x-axis title.
    pub axis_y: u32,
    /// Centre of the grid, for the x-axis title.
    pub grid_mid: u32,
    /// Principle rows, top to bottom.
    pub rows: Vec<Row>,
    /// Year columns, left to right.
    pub columns: Vec<Column>,
    /// The data points.
    pub points: Vec<Point>,
    /// The largest count, for the legend.
    pub max: usize,
    /// Incidents with no date, which the chart cannot place.
    pub undated: usize,
}

impl Chart {
    /// Lays out the chart for the principles' scorecards; `undated` incidents are mentioned in
    /// the description since they have no column.
    pub fn layout(cards: &[PrincipleScorecard], undated: usize) -> Chart {
        let years: Vec<i16> = cards
            .iter()
            .flat_map(|c| c.by_year.keys().copied())
            .collect();
        let columns: Vec<Column> = match (years.iter().min(), years.iter().max()) {
            (Some(&first), Some(&last)) => (first..=last)
                .zip(0u32..)
                .map(|(year, i)| Column {
                    year,
                    x_mid: LABEL_W + i * CELL_W + CELL_W / 2,
                })
                .collect(),
            _ => Vec::new(),
        };
        let n_rows = u32::try_from(cards.len()).unwrap_or(u32::MAX);
        let n_cols = u32::try_from(columns.len()).unwrap_or(u32::MAX);
        let grid_w = if columns.is_empty() {
            EMPTY_W - LABEL_W
        } else {
            n_cols * CELL_W
        };
        let max = cards
            .iter()
            .flat_map(|c| c.by_year.values().copied())
            .max()
            .unwrap_or(0);
        let mut rows = Vec::new();
        let mut points = Vec::new();
        for (card, i) in cards.iter().zip(0u32..) {
            let y = TOP + i * CELL_H;
            rows.push(Row {
                label: format!("{} {}", card.principle, card.short_name),
                y,
                text_y: y + CELL_H / 2 + 4,
                stripe: i % 2 == 0,
            });
            for (&year, &count) in &card.by_year {
                let Some(col) = columns.iter().position(|c| c.year == year) else {
                    continue;
                };
                let col = u32::try_from(col).unwrap_or(0);
                let x = LABEL_W + col * CELL_W;
                // Shade from 0.25 (one incident) to 1.0 (the largest count), so a single
                // incident is still plainly visible.
                let share = if max > 1 {
                    (count.saturating_sub(1)) as f64 / (max - 1) as f64
                } else {
                    1.0
                };
                let opacity = 0.25 + 0.75 * share;
                let noun = if count == 1 { "incident" } else { "incidents" };
                points.push(Point {
                    principle: card.principle.to_string(),
                    year,
                    count,
                    x: x + INSET,
                    y: y + INSET,
                    w: CELL_W - 2 * INSET,
                    h: CELL_H - 2 * INSET,
                    x_mid: x + CELL_W / 2,
                    text_y: y + CELL_H / 2 + 4,
                    opacity: format!("{opacity:.2}"),
                    light_text: opacity >= 0.6,
                    title: format!(
                        "{} {}: {count} {noun} in {year}",
                        card.principle, card.short_name
                    ),
                });
            }
        }
        let grid_bottom = TOP + n_rows * CELL_H;
        Chart {
            width: LABEL_W + grid_w + RIGHT,
            height: grid_bottom + BOTTOM,
            grid_x: LABEL_W,
            grid_y: TOP,
            grid_w,
            grid_bottom,
            row_h: CELL_H,
            year_y: grid_bottom + 18,
            axis_y: grid_bottom + 42,
            grid_mid: LABEL_W + grid_w / 2,
            rows,
            columns,
            points,
            max,
            undated,
        }
    }

    /// Whether a column gets a year label: all of them when they fit, else every other one.
    pub fn labelled(&self, column: &Column) -> bool {
        self.columns.len() <= 30 || column.year % 2 == 0
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use accord_core::accord::PrincipleId;

    use super::*;

    fn card(n: u8, by_year: &[(i16, usize)]) -> PrincipleScorecard {
        PrincipleScorecard {
            principle: PrincipleId(n),
            short_name: format!("Principle {n}"),
            total: by_year.iter().map(|(_, c)| c).sum(),
            by_year: by_year.iter().copied().collect::<BTreeMap<_, _>>(),
            suggested: 0,
            asserted: 0,
            incidents: Vec::new(),
        }
    }

    #[test]
    fn one_point_per_principle_year_with_gaps_kept() {
        let cards = [card(1, &[(2010, 1), (2017, 4)]), card(2, &[(2014, 2)])];
        let chart = Chart::layout(&cards, 0);
        assert_eq!(chart.rows.len(), 2);
        // 2010…2017 inclusive: years without incidents keep their column.
        assert_eq!(chart.columns.len(), 8);
        assert_eq!(chart.points.len(), 3);
        let p = chart
            .points
            .iter()
            .find(|p| p.year == 2017)
            .expect("2017 point");
        assert_eq!(p.count, 4);
        assert_eq!(p.opacity, "1.00");
        assert_eq!(p.title, "P1 Principle 1: 4 incidents in 2017");
        let single = chart
            .points
            .iter()
            .find(|p| p.year == 2010)
            .expect("2010 point");
        assert_eq!(single.opacity, "0.25");
        assert!(single.title.ends_with("1 incident in 2010"));
        // Later years sit further right; later principles further down.
        assert!(p.x > single.x);
        let p2 = chart
            .points
            .iter()
            .find(|p| p.principle == "P2")
            .expect("P2");
        assert!(p2.y > p.y);
        assert!(chart.width >= p.x + p.w);
        assert!(chart.height >= p2.y + p2.h);
    }

    #[test]
    fn empty_record_draws_an_empty_grid() {
        let chart = Chart::layout(&[card(1, &[]), card(2, &[])], 3);
        assert!(chart.points.is_empty());
        assert!(chart.columns.is_empty());
        assert_eq!(chart.undated, 3);
        assert_eq!(chart.width, EMPTY_W + RIGHT);
    }
}

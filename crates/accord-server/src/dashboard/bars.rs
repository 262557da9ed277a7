//! Horizontal bar charts of the registry (supporters by kind, by year first listed), laid out
//! on the server as SVG like the principles chart: the layout is plain numbers computed here,
//! drawn by the `bar-chart.svg` template, which escapes every label. Each bar carries a
//! `<title>` (a tooltip, read by screen readers) and its count written beside it.

/// Width of the column of labels.
const LABEL_W: u32 = 210;
/// The longest bar.
const BAR_MAX: u32 = 380;
/// Room right of the longest bar for its count.
const COUNT_W: u32 = 60;
/// A bar's height and the gap below it.
const BAR_H: u32 = 22;
const GAP: u32 = 8;
/// Room above the bars for the title and the legend line.
const TOP: u32 = 52;
const BOTTOM: u32 = 12;

/// One bar.
#[derive(Debug, Clone)]
pub struct Bar {
    /// What the bar counts ("company", "2019").
    pub label: String,
    /// The count.
    pub count: usize,
    /// Top of the bar.
    pub y: u32,
    /// Length of the bar (at least 1 for a non-zero count, so it shows).
    pub w: u32,
    /// Baseline of the label and the count.
    pub text_y: u32,
    /// Where the count is written.
    pub count_x: u32,
    /// The tooltip.
    pub title: String,
}

/// A chart of bars, in SVG user units.
#[derive(Debug, Clone)]
pub struct BarChart {
    /// An id unique on the page, for the title and description.
    pub id: &'static str,
    /// The chart's title.
    pub title: String,
    /// What it shows, for screen readers and the legend line.
    pub desc: String,
    /// Total width.
    pub width: u32,
    /// Total height.
    pub height: u32,
    /// Left edge of the bars.
    pub bars_x: u32,
    /// The bars, top to bottom.
    pub bars: Vec<Bar>,
}

impl BarChart {
    /// Lays out one bar per `(label, count)`, longest bar for the largest count; `noun` names
    /// what is counted in tooltips ("supporters").
    pub fn layout(
        id: &'static str,
        title: &str,
        desc: &str,
        noun: &str,
        items: &[(String, usize)],
    ) -> BarChart {
        let max = items.iter().map(|(_, n)| *n).max().unwrap_or(0);
        let bars = items
            .iter()
            .zip(0u32..)
            .map(|((label, count), i)| {
                let y = TOP + i * (BAR_H + GAP);
                let w = if max == 0 {
                    0
                } else {
                    let scaled = (*count as u64 * u64::from(BAR_MAX)) / max as u64;
                    u32::try_from(scaled)
                        .unwrap_or(BAR_MAX)
                        .max(u32::from(*count > 0))
                };
                Bar {
                    label: label.clone(),
                    count: *count,
                    y,
                    w,
                    text_y: y + BAR_H / 2 + 4,
                    count_x: LABEL_W + w + 6,
                    title: format!("{label}: {count} {noun}"),
                }
            })
            .collect::<Vec<_>>();
        let n = u32::try_from(bars.len()).unwrap_or(u32::MAX);
        BarChart {
            id,
            title: title.to_owned(),
            desc: desc.to_owned(),
            width: LABEL_W + BAR_MAX + COUNT_W,
            height: TOP + n * (BAR_H + GAP) + BOTTOM,
            bars_x: LABEL_W,
            bars,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_count_and_small_counts_still_show() {
        let c = BarChart::layout(
            "t",
            "T",
            "D",
            "supporters",
            &[("a".into(), 708), ("b".into(), 1), ("c".into(), 0)],
        );
        assert_eq!(c.bars[0].w, BAR_MAX);
        assert_eq!(c.bars[1].w, 1);
        assert_eq!(c.bars[2].w, 0);
        assert!(c.bars[1].y > c.bars[0].y);
        assert_eq!(c.bars[0].title, "a: 708 supporters");
        assert!(c.height > c.bars[2].y + BAR_H);
        let empty = BarChart::layout("e", "E", "D", "x", &[]);
        assert!(empty.bars.is_empty());
    }
}

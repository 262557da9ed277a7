//! Progress bars on stderr for the long commands (`copy`, `log verify`, `match`).

use indicatif::{ProgressBar, ProgressStyle};

/// A bar of `len` steps drawn with indicatif's `template`, or a hidden one when `quiet` (JSON
/// output) or when stderr is not a terminal, so that pipes and CI logs stay clean.
pub fn bar(len: u64, template: &str, quiet: bool) -> ProgressBar {
    if quiet || !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

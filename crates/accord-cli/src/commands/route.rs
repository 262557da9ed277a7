//! `accord route`: which instruments let one state obtain data held in another, from the
//! legal dataset compiled into the binary.
//!
//! Two forms share the flags `--data`, `--emergency`, `--on` and `--json`:
//!
//! * `--from C --to B` — every pathway fastest first, then every instrument that does not
//!   apply with the reason ([`accord_law::route()`]);
//! * `--attacker A --via B --victim C` — the three-state plan: what C asks B (preservation
//!   first, then production), what B can do on its own, what C asks A, and a summary
//!   ([`accord_law::scenario()`]).
//!
//! `--json` prints the engine's answer exactly as the API serves it. The text form is for a
//! liaison officer: it names the verification level of every pathway and prints a warning
//! line for every unverified fact the answer relies on. The command needs no data directory.

use std::fmt::Write as _;

use anyhow::{Context, Result, anyhow};
use clap::Args;

use accord_core::country::CountryCode;
use accord_core::source::Verification;
use accord_law::route::{Domestic, NotApplicable, Pathway};
use accord_law::scenario::{Leg, ScenarioAnswer};
use accord_law::{Answer, Dataset, Query, QueryError, Scenario};

/// The flags of `accord route`.
#[derive(Debug, Args)]
pub struct RouteArgs {
    /// The requesting state (ISO 3166-1 alpha-2, e.g. FR).
    #[arg(long, requires = "to", required_unless_present = "attacker",
          conflicts_with_all = ["attacker", "via", "victim"])]
    pub from: Option<String>,
    /// The state where the data or the provider is (e.g. US).
    #[arg(long, requires = "from")]
    pub to: Option<String>,
    /// Three-state form: the attacker's state (A).
    #[arg(long, requires_all = ["via", "victim"])]
    pub attacker: Option<String>,
    /// Three-state form: the state whose computer or provider was used (B).
    #[arg(long, requires = "attacker")]
    pub via: Option<String>,
    /// Three-state form: the victim's state (C), which asks.
    #[arg(long, requires = "attacker")]
    pub victim: Option<String>,
    /// The data asked for.
    ///
    /// One of subscriber, identification, traffic, content or domain.
    #[arg(long = "data", id = "kind", value_name = "KIND")]
    pub data: String,
    /// Danger to life or similar urgency.
    ///
    /// Emergency mechanisms and deadlines then apply.
    #[arg(long)]
    pub emergency: bool,
    /// The date the answer is for, YYYY-MM-DD (default: today, UTC).
    #[arg(long, value_name = "DATE")]
    pub on: Option<String>,
    /// Print the engine's answer as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs `accord route` and prints the answer.
pub fn run(args: &RouteArgs) -> Result<()> {
    let law = crate::bundled::law_dataset().context("the bundled legal dataset is invalid")?;
    let data = args.data.as_str();
    let on = args
        .on
        .clone()
        .unwrap_or_else(|| accord_server::today().to_string());
    let out = match (
        &args.from,
        &args.to,
        &args.attacker,
        &args.via,
        &args.victim,
    ) {
        (Some(from), Some(to), None, None, None) => {
            let q = Query::parse(from, to, data, args.emergency, &on).map_err(flag_error)?;
            let answer = accord_law::route(&law, &q);
            if args.json {
                json(&answer)?
            } else {
                answer_text(&law, &answer)
            }
        }
        (None, None, Some(a), Some(b), Some(c)) => {
            let s = Scenario::parse(a, b, c, data, args.emergency, &on).map_err(flag_error)?;
            let answer = accord_law::scenario(&law, &s);
            if args.json {
                json(&answer)?
            } else {
                scenario_text(&law, &answer)
            }
        }
        // clap's `requires`/`conflicts_with` rules make every other combination unreachable,
        // but say what is expected rather than trust that.
        _ => {
            return Err(anyhow!(
                "give either --from and --to, or --attacker, --via and --victim"
            ));
        }
    };
    print!("{out}");
    Ok(())
}

/// Names the flag at fault: the engine's messages start with the field's name.
fn flag_error(e: QueryError) -> anyhow::Error {
    anyhow!("--{e}")
}

fn json<T: serde::Serialize>(v: &T) -> Result<String> {
    Ok(serde_json::to_string_pretty(v)? + "\n")
}

/// The width text is wrapped to.
const WIDTH: usize = 100;

/// Wraps `text` to [`WIDTH`] columns, starting the first line with `first` and the others
/// with `rest`.
fn wrap(text: &str, first: &str, rest: &str) -> String {
    let mut out = String::new();
    let mut line = first.to_owned();
    let mut empty = true;
    for word in text.split_whitespace() {
        if !empty && line.chars().count() + 1 + word.chars().count() > WIDTH {
            out.push_str(line.trim_end());
            out.push('\n');
            line = rest.to_owned();
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out.push_str(line.trim_end());
    out.push('\n');
    out
}

/// Capitalises the first letter: names such as "the Budapest Convention" start lines.
fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// "FR (France)".
fn state(law: &Dataset, c: CountryCode) -> String {
    format!("{c} ({})", law.state_name(c))
}

/// A table of pathways: one line each, columns sized to their content.
fn pathway_table(pathways: &[Pathway<'_>], out: &mut String) {
    let header = [
        "#",
        "INSTRUMENT",
        "ARTICLE",
        "ACTION",
        "CHANNEL",
        "DEADLINE",
        "VERIFICATION",
    ];
    let rows: Vec<[String; 7]> = pathways
        .iter()
        .enumerate()
        .map(|(i, p)| {
            [
                (i + 1).to_string(),
                p.instrument.to_owned(),
                p.article.to_owned(),
                p.action.to_string(),
                p.channel.to_string(),
                p.deadline.clone(),
                p.verification.to_string(),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for r in &rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; 7]| {
        let mut l = String::from("  ");
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == cells.len() {
                l.push_str(cell);
            } else {
                let pad = w - cell.chars().count();
                l.push_str(cell);
                l.push_str(&" ".repeat(pad + 2));
            }
        }
        l.trim_end().to_owned() + "\n"
    };
    out.push_str(&line(header));
    for r in &rows {
        out.push_str(&line(r.each_ref().map(String::as_str)));
    }
}

/// The details under the table: the mechanism, its conditions, and a warning line for each
/// unverified fact.
fn pathway_details(pathways: &[Pathway<'_>], out: &mut String) {
    for (i, p) in pathways.iter().enumerate() {
        out.push('\n');
        out.push_str(&wrap(
            &format!(
                "{}. {}, {}: {}",
                i + 1,
                sentence(p.instrument_name),
                p.article,
                p.title
            ),
            "  ",
            "     ",
        ));
        out.push_str(&wrap(
            &format!(
                "{}; {}; {}; verification: {}",
                p.action, p.channel, p.deadline, p.verification
            ),
            "     ",
            "     ",
        ));
        for c in &p.conditions {
            out.push_str(&wrap(c, "     - ", "       "));
        }
        for u in &p.unverified {
            out.push_str(&wrap(
                &format!("WARNING: relies on an unverified fact: {u}"),
                "     ! ",
                "       ",
            ));
        }
    }
}

fn not_applicable(items: &[NotApplicable<'_>], out: &mut String) {
    let width = items
        .iter()
        .map(|n| label(n).chars().count())
        .max()
        .unwrap_or(0);
    for n in items {
        let l = label(n);
        let pad = " ".repeat(width - l.chars().count());
        let marker = if n.verification == Verification::Unverified {
            " [unverified]"
        } else {
            ""
        };
        out.push_str(&wrap(
            &format!("{}{marker}", n.reason),
            &format!("  {l}{pad}  "),
            &" ".repeat(width + 4),
        ));
    }
}

fn label(n: &NotApplicable<'_>) -> String {
    match n.article {
        Some(a) => format!("{} {a}", n.instrument),
        None => n.instrument.to_owned(),
    }
}

fn domestic_text(d: &Domestic<'_>, out: &mut String) {
    out.push_str(&wrap(&d.summary, "", ""));
    for m in &d.measures {
        out.push_str(&wrap(
            &format!("{} ({}) [{}]", m.text, m.instrument, m.source.verification),
            "  - ",
            "    ",
        ));
    }
}

/// How many of `pathways` rest on unverified facts, as a closing warning.
fn unverified_summary(pathways: &[&Pathway<'_>], out: &mut String) {
    let n = pathways
        .iter()
        .filter(|p| p.verification == Verification::Unverified)
        .count();
    if n > 0 {
        out.push('\n');
        out.push_str(&wrap(
            &format!(
                "WARNING: {n} of {} pathways rest on unverified facts (marked \"!\" above); check them against the official texts before use.",
                pathways.len()
            ),
            "",
            "",
        ));
    }
}

/// The two-state answer as text.
pub fn answer_text(law: &Dataset, a: &Answer<'_>) -> String {
    let q = &a.query;
    let mut out = format!(
        "{} asks {}: {}{}, on {}\n\n",
        state(law, q.from),
        state(law, q.to),
        q.data.phrase(),
        if q.emergency { " (emergency)" } else { "" },
        q.on
    );
    if let Some(d) = &a.domestic {
        domestic_text(d, &mut out);
        return out;
    }
    if a.pathways.is_empty() {
        let _ = writeln!(
            out,
            "No pathway applies on {}; each instrument's reason is below.",
            q.on
        );
    } else {
        out.push_str("Pathways, fastest first:\n");
        pathway_table(&a.pathways, &mut out);
        pathway_details(&a.pathways, &mut out);
    }
    if !a.not_applicable.is_empty() {
        out.push_str("\nDoes not apply:\n");
        not_applicable(&a.not_applicable, &mut out);
    }
    unverified_summary(&a.pathways.iter().collect::<Vec<_>>(), &mut out);
    out
}

fn leg_text(law: &Dataset, title: &str, leg: &Leg<'_>, out: &mut String) {
    out.push('\n');
    let _ = writeln!(
        out,
        "{title}: {} asks {}",
        state(law, leg.from),
        state(law, leg.to)
    );
    if let Some(d) = &leg.domestic {
        out.push_str(&wrap(&d.summary, "  ", "  "));
        return;
    }
    for (what, list) in [
        ("Preservation (ask first)", &leg.preservation),
        ("Production", &leg.production),
    ] {
        if list.is_empty() {
            let _ = writeln!(out, "\n  {what}: none applies.");
        } else {
            let _ = writeln!(out, "\n  {what}:");
            pathway_table(list, out);
            pathway_details(list, out);
        }
    }
    if !leg.not_applicable.is_empty() {
        out.push_str("\n  Does not apply:\n");
        not_applicable(&leg.not_applicable, out);
    }
}

/// The three-state answer as text.
pub fn scenario_text(law: &Dataset, a: &ScenarioAnswer<'_>) -> String {
    let s = &a.scenario;
    let mut out = format!(
        "Attacker in {}, computer used in {}, victim in {}: {}{}, on {}\n\n",
        state(law, s.attacker),
        state(law, s.via),
        state(law, s.victim),
        s.data.phrase(),
        if s.emergency { " (emergency)" } else { "" },
        s.on
    );
    out.push_str("Summary:\n");
    out.push_str(&wrap(&a.summary, "  ", "  "));
    leg_text(law, "1. The computer's state", &a.victim_asks_via, &mut out);
    out.push('\n');
    let _ = writeln!(
        out,
        "2. What {} can do on its own to trace the hop back to {}:",
        state(law, s.via),
        state(law, s.attacker)
    );
    if a.via_on_its_own.pathways.is_empty() {
        if let Some(r) = &a.via_on_its_own.reason {
            out.push_str(&wrap(r, "  ", "  "));
        }
    } else {
        pathway_table(&a.via_on_its_own.pathways, &mut out);
        pathway_details(&a.via_on_its_own.pathways, &mut out);
    }
    leg_text(
        law,
        "3. The attacker's state",
        &a.victim_asks_attacker,
        &mut out,
    );
    let all: Vec<&Pathway<'_>> = [&a.victim_asks_via, &a.victim_asks_attacker]
        .iter()
        .flat_map(|l| l.preservation.iter().chain(&l.production))
        .chain(&a.via_on_its_own.pathways)
        .collect();
    unverified_summary(&all, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_words_and_indents_continuations() {
        let text = "word ".repeat(60);
        let wrapped = wrap(&text, "  - ", "    ");
        let lines: Vec<&str> = wrapped.lines().collect();
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| l.chars().count() <= WIDTH));
        assert!(lines[0].starts_with("  - word"));
        assert!(lines[1].starts_with("    word"));
        assert_eq!(
            wrapped.split_whitespace().filter(|w| *w == "word").count(),
            60
        );
    }

    #[test]
    fn engine_errors_name_the_flag() {
        let err = Query::parse("UK", "US", "content", false, "2026-11-29").unwrap_err();
        let msg = flag_error(err).to_string();
        assert!(msg.starts_with("--from: "), "{msg}");
        assert!(msg.contains("GB"), "{msg}");
    }
}

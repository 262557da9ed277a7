//! `accord votes list|show`: the recorded UN votes on ICT-security texts (`data/votes/`),
//! compiled into the binary, with each member state's standing toward the accord read from
//! the registry compiled in beside them. No data directory needed.
//!
//! `--json` prints what `GET /api/v1/votes` and `GET /api/v1/votes/{id}` serve.

use std::fmt::Write as _;

use anyhow::{Context, Result, anyhow};
use clap::{Args, Subcommand};

use accord_core::votes::{Position, Vote, VoteSet};
use accord_core::voting_bloc::{Bounds, GroupCohesion};
use accord_server::{VoteSummary, coverage_list, vote_view};

/// `accord votes` subcommands.
#[derive(Debug, Subcommand)]
pub enum VotesCommand {
    /// The votes, in date order.
    ///
    /// Date, organ, symbol, tally and how much of it is sourced.
    List(ListArgs),
    /// One vote, with its sources and each group's split.
    ///
    /// Its sources, each group's split and cohesion, every state by position.
    Show(ShowArgs),
}

/// The flags of `accord votes list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only votes of these coverages (comma-separated).
    ///
    /// full, minority, partial, without_vote.
    #[arg(long, value_name = "LIST")]
    pub coverage: Option<String>,
    /// Print the list as the API serves it.
    #[arg(long)]
    pub json: bool,
}

/// The flags of `accord votes show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The vote's id, as `accord votes list` prints it.
    pub id: String,
    /// Print the vote as the API serves it.
    #[arg(long)]
    pub json: bool,
}

/// The bundled votes, registry and launch date.
pub fn bundled() -> Result<(
    VoteSet,
    Vec<accord_core::party::Party>,
    accord_core::date::FuzzyDate,
)> {
    let votes = crate::bundled::votes().context("the bundled votes are invalid")?;
    let dataset = crate::bundled::dataset().context("the bundled dataset is invalid")?;
    Ok((votes, dataset.parties, dataset.accord.launched))
}

/// Runs `accord votes`.
pub fn run(command: &VotesCommand) -> Result<()> {
    let (votes, parties, launched) = bundled()?;
    let out = match command {
        VotesCommand::List(args) => {
            let coverage = args
                .coverage
                .as_deref()
                .map(coverage_list)
                .transpose()
                .map_err(|e| anyhow!("--coverage: {e}"))?;
            let chosen: Vec<&Vote> = votes
                .votes
                .iter()
                .filter(|v| coverage.as_ref().is_none_or(|c| c.contains(&v.coverage)))
                .collect();
            if args.json {
                let list: Vec<VoteSummary> = chosen.iter().map(|v| VoteSummary::from(*v)).collect();
                serde_json::to_string_pretty(&list)? + "\n"
            } else {
                list_text(&chosen)
            }
        }
        VotesCommand::Show(args) => {
            let Some(view) = vote_view(&votes, &args.id, &parties, launched) else {
                let close: Vec<&str> = votes
                    .votes
                    .iter()
                    .map(|v| v.id.as_str())
                    .filter(|id| id.contains(args.id.trim()))
                    .collect();
                let hint = if close.is_empty() {
                    "; `accord votes list` prints every id".to_owned()
                } else {
                    format!("; did you mean {}?", close.join(", "))
                };
                return Err(anyhow!("no vote {:?}{hint}", args.id));
            };
            if args.json {
                serde_json::to_string_pretty(&view)? + "\n"
            } else {
                show_text(&view)
            }
        }
    };
    print!("{out}");
    Ok(())
}

fn symbol(v: &Vote) -> String {
    match v.body {
        accord_core::votes::Body::FirstCommittee => v.document.clone().or(v.resolution.clone()),
        accord_core::votes::Body::Plenary => v.resolution.clone().or(v.document.clone()),
    }
    .unwrap_or_else(|| "(symbol not sourced)".to_owned())
}

fn body(v: &Vote) -> &'static str {
    match v.body {
        accord_core::votes::Body::FirstCommittee => "first-committee",
        accord_core::votes::Body::Plenary => "plenary",
    }
}

fn coverage(v: &Vote) -> &'static str {
    match v.coverage {
        accord_core::votes::Coverage::Full => "full",
        accord_core::votes::Coverage::Minority => "minority",
        accord_core::votes::Coverage::Partial => "partial",
        accord_core::votes::Coverage::WithoutVote => "without_vote",
    }
}

/// "119-46-14", or what is known of it, or "-" without a vote.
pub fn tally(v: &Vote) -> String {
    let Some(t) = v.tally else {
        return "-".to_owned();
    };
    let n = |x: Option<u16>| x.map_or("?".to_owned(), |x| x.to_string());
    format!("{}-{}-{}", n(t.yes), n(t.no), n(t.abstain))
}

fn list_text(votes: &[&Vote]) -> String {
    let mut out = format!(
        "{:<11} {:<16} {:<22} {:<11} {:<13} ID\n",
        "DATE", "BODY", "SYMBOL", "Y-N-A", "COVERAGE"
    );
    for v in votes {
        let _ = writeln!(
            out,
            "{:<11} {:<16} {:<22} {:<11} {:<13} {}",
            v.date.to_string(),
            body(v),
            symbol(v),
            tally(v),
            coverage(v),
            v.id
        );
    }
    let _ = writeln!(
        out,
        "\n{} votes. Coverage: full = every state's vote; minority = the states against and \
         abstaining (the rest voted yes or were absent); partial = some counts or states.",
        votes.len()
    );
    out
}

/// "0.874", "0.62-0.91", or "-" when undefined.
pub fn bounds(b: Option<Bounds>) -> String {
    match b {
        None => "-".to_owned(),
        Some(b) if b.is_exact() => format!("{:.3}", b.low),
        Some(b) => format!("{:.3}-{:.3}", b.low, b.high),
    }
}

/// One group's line: size, split, indices, majority.
pub fn group_line(g: &GroupCohesion) -> String {
    let s = &g.split;
    let mut split = format!("{}-{}-{}", s.yes, s.no, s.abstain);
    for (n, what) in [
        (s.absent, "absent"),
        (s.yes_or_absent, "yes or absent"),
        (s.not_recorded, "not recorded"),
    ] {
        if n > 0 {
            let _ = write!(split, ", {n} {what}");
        }
    }
    let majority = g.majority.map_or("-".to_owned(), position_name);
    format!(
        "{} ({}): {split}; agreement index {}, Rice {}, majority {majority}",
        g.group,
        s.states(),
        bounds(g.agreement_index),
        bounds(g.rice)
    )
}

fn position_name(p: Position) -> String {
    serde_json::to_value(p)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn show_text(view: &accord_server::VoteView) -> String {
    let v = &view.vote;
    let mut out = format!(
        "{} - {} ({}), {}\n{}\nTabled by {}. Tally (yes-no-abstain): {}. Coverage: {}.\n",
        symbol(v),
        body(v),
        v.id,
        v.date,
        v.title,
        v.sponsor,
        tally(v),
        coverage(v)
    );
    let _ = writeln!(
        out,
        "Source: {} [{}]",
        v.source.url.as_deref().unwrap_or("(no URL)"),
        v.source.verification
    );
    for s in &v.other_sources {
        let _ = writeln!(
            out,
            "Also:   {} [{}]",
            s.url.as_deref().unwrap_or("(no URL)"),
            s.verification
        );
    }
    if let Some(note) = &v.note {
        let _ = writeln!(out, "Note: {note}");
    }
    let _ = writeln!(out, "\nBy standing toward the accord on {}:", v.date);
    for g in &view.groups {
        let _ = writeln!(out, "  {}", group_line(g));
    }
    for p in [
        Position::Yes,
        Position::No,
        Position::Abstain,
        Position::Absent,
        Position::YesOrAbsent,
        Position::NotRecorded,
    ] {
        let states: Vec<&str> = view
            .states
            .iter()
            .filter(|s| s.position == p)
            .map(|s| s.state.as_str())
            .collect();
        if !states.is_empty() {
            let _ = writeln!(
                out,
                "\n{} ({}): {}",
                position_name(p),
                states.len(),
                states.join(" ")
            );
        }
    }
    out
}

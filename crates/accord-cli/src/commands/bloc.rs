//! `accord bloc --group G --against H`: how cohesive two groups of states were on every
//! recorded UN vote on ICT-security texts, from the votes and the registry compiled into the
//! binary. A group is `supporters`, `uncertain`, `non-supporters`, `absent-at-launch`, or a
//! comma-separated list of member states' codes; each is resolved on each vote's date.
//!
//! `--json` prints what `GET /api/v1/blocs/cohesion` serves.

use std::fmt::Write as _;

use anyhow::{Result, anyhow};
use clap::Args;

use accord_core::voting_bloc::Group;
use accord_server::{METHOD, cohesion_view, coverage_list};

use super::votes::{bundled, group_line, tally};

/// The flags of `accord bloc`.
#[derive(Debug, Args)]
pub struct BlocArgs {
    /// The group to measure.
    ///
    /// supporters, uncertain, non-supporters, absent-at-launch, or member states' codes
    /// (FR,DE,IT).
    #[arg(long, default_value = "supporters")]
    pub group: String,
    /// The group to set beside it, in the same forms.
    #[arg(long, default_value = "non-supporters")]
    pub against: String,
    /// Only votes of these coverages (comma-separated).
    ///
    /// full, minority, partial, without_vote.
    #[arg(long, value_name = "LIST")]
    pub coverage: Option<String>,
    /// Print the figures as the API serves them.
    #[arg(long)]
    pub json: bool,
}

/// Runs `accord bloc`.
pub fn run(args: &BlocArgs) -> Result<()> {
    let (votes, parties, launched) = bundled()?;
    let members = votes.members.codes();
    let group = Group::parse(&args.group, &members).map_err(|e| anyhow!("--group: {e}"))?;
    let against = Group::parse(&args.against, &members).map_err(|e| anyhow!("--against: {e}"))?;
    let coverage = args
        .coverage
        .as_deref()
        .map(coverage_list)
        .transpose()
        .map_err(|e| anyhow!("--coverage: {e}"))?;
    let view = cohesion_view(
        &votes,
        &[group, against],
        coverage.as_deref(),
        &parties,
        launched,
    );
    if args.json {
        println!("{}", serde_json::to_string_pretty(&view)?);
        return Ok(());
    }
    let mut out = String::new();
    for c in &view.votes {
        let Some(v) = votes.votes.iter().find(|v| v.id == c.vote) else {
            continue;
        };
        let _ = writeln!(out, "{}  {}  (Y-N-A {})", c.date, c.vote, tally(v));
        if v.adopted_without_vote {
            let _ = writeln!(out, "  adopted without a vote");
        }
        for g in &c.groups {
            let _ = writeln!(out, "  {}", group_line(g));
        }
    }
    let _ = writeln!(out, "\n{METHOD}");
    print!("{out}");
    Ok(())
}

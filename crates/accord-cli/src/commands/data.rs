//! `accord data upgrade`: bring a hub seeded with an older bundled dataset up to the one
//! compiled in, through the log (`accord_store::amend`), after showing the difference.

use anyhow::{Context, Result};
use clap::Subcommand;

use accord_store::amend::{UpgradePlan, plan_upgrade, upgrade_bundled};

use crate::args::StoreArgs;
use crate::bundled;
use crate::hub::Hub;
use crate::output::{change_line, print_json};

/// The flags of `accord data`: the hub's store, then what to do.
#[derive(Debug, clap::Args)]
pub struct DataArgs {
    #[command(flatten)]
    store: StoreArgs,
    #[command(subcommand)]
    command: DataCommand,
}

/// What `accord data` does with the bundled dataset.
#[derive(Debug, Subcommand)]
pub enum DataCommand {
    /// Bring the hub's bundled records up to this release's dataset.
    ///
    /// One operator-signed amendment entry per changed record (previous and new values, and
    /// the reasons in data/corrections.json), the new records, then the dataset version.
    /// `accord serve` does the same at start; this shows the difference first.
    Upgrade {
        /// Show the difference and write nothing.
        ///
        /// Per record: each field, was → now, and the reason.
        #[arg(long)]
        dry_run: bool,
        /// Print the difference as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs `accord data …` on the hub the flags name.
pub async fn run(args: DataArgs) -> Result<()> {
    let DataCommand::Upgrade { dry_run, json } = args.command;
    let hub = Hub::open_as_is(&args.store).await?;
    let dataset = bundled::dataset().context("the bundled dataset is invalid")?;
    let corrections =
        bundled::corrections(&dataset).context("the bundled corrections are invalid")?;
    let plan = plan_upgrade(hub.store.as_ref(), &dataset, &corrections).await?;
    if json {
        print_json(&plan)?;
    } else {
        print!("{}", describe(&plan));
    }
    if dry_run || plan.is_empty() {
        return Ok(());
    }
    let done = upgrade_bundled(
        hub.store.as_ref(),
        hub.operator.clone(),
        &dataset,
        &corrections,
    )
    .await?;
    let version = done
        .version
        .map(|v| format!("; the hub now holds dataset version {v}"))
        .unwrap_or_default();
    eprintln!(
        "appended {} amendment(s), {} new incident(s), {} new part(y/ies){version}",
        done.amended, done.incidents, done.parties
    );
    Ok(())
}

/// The plan as the operator reads it: per record, each field was → now, and why.
fn describe(plan: &UpgradePlan) -> String {
    let mut out = format!(
        "the hub holds dataset version {}; this release ships version {}\n",
        plan.held, plan.bundled
    );
    if plan.is_empty() {
        out.push_str("nothing to do: the hub's bundled records are this release's\n");
        return out;
    }
    if plan.amendments.is_empty() && plan.new_incidents.is_empty() && plan.new_parties.is_empty() {
        out.push_str("no record changed: the upgrade records the version only\n");
    }
    for a in &plan.amendments {
        out.push_str(&format!("\n{} {}\n", a.kind, a.id));
        for c in &a.changes {
            out.push_str(&format!("  {}\n", change_line(c)));
        }
        if !a.unexplained.is_empty() {
            out.push_str(&format!(
                "  NO REASON in data/corrections.json for {} (versions after {}): not amended\n",
                a.unexplained.join(", "),
                plan.held
            ));
        }
        for r in &a.reasons {
            out.push_str(&format!("  because ({}) {}: {}\n", r.date, r.what, r.why));
        }
    }
    if !plan.new_incidents.is_empty() {
        out.push_str(&format!(
            "\nnew incidents: {}\n",
            plan.new_incidents.join(", ")
        ));
    }
    if !plan.new_parties.is_empty() {
        out.push_str(&format!("new parties: {}\n", plan.new_parties.len()));
    }
    out
}

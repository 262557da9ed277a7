//! `accord principles`: the accord's principles.

use anyhow::Result;

use crate::args::StoreArgs;
use crate::hub::Hub;
use crate::output::print_json;
use crate::render;

/// The flags of `accord principles`.
#[derive(Debug, clap::Args)]
pub struct PrinciplesArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// Runs `accord principles`.
pub async fn run(args: PrinciplesArgs) -> Result<()> {
    let store = &args.store;
    let hub = Hub::open(store).await?;
    let accord = hub.store.accord().await?;
    if args.json {
        print_json(&accord.principles)
    } else {
        print!("{}", render::principles(&accord));
        Ok(())
    }
}

//! `accord migrate`: apply pending schema migrations and list them.

use anyhow::Result;

use crate::args::DatabaseArgs;
use crate::output::print_json;

/// The flags of `accord migrate`.
#[derive(Debug, clap::Args)]
pub struct MigrateArgs {
    #[command(flatten)]
    store: DatabaseArgs,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Runs `accord migrate`.
pub async fn run(args: MigrateArgs) -> Result<()> {
    let db = args.store.database()?;
    let applied = db.migrate().await?;
    if args.json {
        return print_json(&serde_json::json!({"database": db.to_string(), "applied": applied}));
    }
    if applied.is_empty() {
        println!("{db}: the schema is current; nothing to apply");
    }
    for m in applied {
        println!("{db}: applied {m}");
    }
    Ok(())
}

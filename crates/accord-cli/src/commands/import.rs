//! `accord import misp FILE`: reads MISP events, converts them with [`crate::misp`], writes
//! the STIX bundle and optionally posts it to a hub.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use crate::misp::convert;

/// What `accord import` reads.
#[derive(Debug, clap::Subcommand)]
pub enum ImportCommand {
    /// MISP events (core JSON format) to STIX 2.1 indicators.
    ///
    /// With TLP 2.0 markings; reports every attribute that could not be mapped.
    Misp(MispArgs),
}

/// Flags of `accord import misp`.
#[derive(Debug, clap::Args)]
pub struct MispArgs {
    /// A MISP event JSON file.
    ///
    /// One event, a list of events, or a search answer.
    pub file: PathBuf,
    /// Write the STIX bundle here instead of stdout.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Also import attributes whose `to_ids` is false.
    ///
    /// MISP's context-only attributes, skipped by default.
    #[arg(long)]
    pub include_non_ids: bool,
    /// Post the indicators to this hub (TAXII 2.1), as the token's party.
    #[arg(long, requires_all = ["token", "collection"])]
    pub hub: Option<String>,
    /// The party's API token on the hub.
    #[arg(long, env = "ACCORD_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// The collection to post to.
    #[arg(long)]
    pub collection: Option<String>,
    /// Print the report as JSON on stderr.
    #[arg(long)]
    pub json: bool,
}

/// Runs `accord import misp`.
pub async fn run(args: &MispArgs) -> Result<()> {
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let input: Value = serde_json::from_str(&text)
        .with_context(|| format!("{}: not JSON", args.file.display()))?;
    let import = convert(&input, args.include_non_ids)
        .with_context(|| format!("{}", args.file.display()))?;
    let bundle = json!({
        "type": "bundle",
        "id": format!("bundle--{}", uuid::Uuid::new_v4()),
        "objects": import.indicators,
    });
    match &args.out {
        Some(path) => std::fs::write(path, serde_json::to_string_pretty(&bundle)? + "\n")
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => println!("{}", serde_json::to_string_pretty(&bundle)?),
    }
    if args.json {
        eprintln!("{}", serde_json::to_string(&import)?);
    } else {
        eprintln!(
            "{} indicator(s) from {} attribute(s) of {} event(s); {} not imported",
            import.indicators.len(),
            import.attributes,
            import.events,
            import.unmapped.len()
        );
        for u in &import.unmapped {
            eprintln!(
                "  attribute {} ({}) at {}: {}",
                u.uuid, u.kind, u.path, u.reason
            );
        }
        if import.unmarked > 0 {
            eprintln!(
                "{} indicator(s) carry no TLP tag: the hub marks them with the collection's default",
                import.unmarked
            );
        }
        for t in &import.unknown_tlp_tags {
            eprintln!("tag {t:?} is not a TLP 2.0 level and was ignored");
        }
    }
    if let (Some(hub), Some(token), Some(collection)) = (&args.hub, &args.token, &args.collection) {
        let client = crate::sharing::SharingClient::new(hub, token)?;
        let posted = client.post(collection, &import.indicators).await?;
        eprintln!(
            "posted to collection {collection}: {} accepted, {} refused",
            posted.accepted,
            posted.refused.len()
        );
        for r in &posted.refused {
            eprintln!("  refused {r}");
        }
        if !posted.refused.is_empty() {
            bail!("the hub refused {} indicator(s)", posted.refused.len());
        }
    }
    Ok(())
}

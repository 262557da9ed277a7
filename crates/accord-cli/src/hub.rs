//! The hub that the operator's local commands (`serve`, `parties`, `tokens`, …) open: its
//! store, the operator's identity and the one writer, and reading the records they add.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};

use accord_store::log::Operator;
use accord_store::sequencer::Sequencer;
use accord_store::write::seed_bundled;
use accord_store::{SeedOutcome, Store};

use crate::args::StoreArgs;
use crate::backend::Database;
use crate::bundled;

/// An open hub: its store, the operator's identity and the one writer.
pub struct Hub {
    /// The store.
    pub store: Arc<dyn Store>,
    /// The operator, who signs the log.
    pub operator: Arc<Operator>,
    /// The one writer to the log.
    pub sequencer: Sequencer,
}

impl Hub {
    /// Opens the hub the flags name (see [`open`]).
    pub async fn open(args: &StoreArgs) -> Result<Hub> {
        let db = args.db.database()?;
        open(&db, &args.db.data, args.origin.as_deref()).await
    }
}

/// Opens the store, creating the operator key in `dir` and loading the bundled dataset (as
/// operator-signed log entries) if the store is new. Refuses an operator key that did not sign
/// the store's log: two keys would publish two logs under one origin.
async fn open(db: &Database, dir: &Path, origin: Option<&str>) -> Result<Hub> {
    let store = db.open().await?;
    let operator = Arc::new(Operator::load_or_create(dir, origin)?);
    let dataset = bundled::dataset().context("the bundled dataset is invalid")?;
    match seed_bundled(store.as_ref(), operator.clone(), &dataset).await? {
        SeedOutcome::Loaded { parties, incidents } => tracing::info!(
            parties,
            incidents,
            "loaded the bundled {} dataset into {db}",
            dataset.accord.name,
        ),
        SeedOutcome::AlreadySeeded => {}
    }
    // A hub from before witnesses may hold checkpoints with any party's cosignature lines.
    accord_store::witness::recover_checkpoints(store.as_ref(), &operator)
        .await
        .with_context(|| format!("cannot repair the stored checkpoints of {db}"))?;
    if let Some(head) = store.checkpoint().await? {
        operator.check_signs(Some(&head)).with_context(|| {
            format!(
                "{db} belongs to another operator key than {}",
                dir.join(accord_store::log::OPERATOR_KEY_FILE).display()
            )
        })?;
    }
    // A hub seeded by an older release gains the parties this one ships, through the log.
    let added =
        accord_store::write::add_new_bundled_parties(store.as_ref(), operator.clone(), &dataset)
            .await
            .with_context(|| format!("cannot add the bundled dataset's new parties to {db}"))?;
    if added > 0 {
        tracing::info!(
            added,
            "added the parties the bundled dataset gained since {db} was seeded"
        );
    }
    let sequencer = Sequencer::start(store.clone(), operator.clone());
    Ok(Hub {
        store,
        operator,
        sequencer,
    })
}

/// Parses a JSON file's text, naming the field of the first structural error.
pub fn parse_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T> {
    let de = &mut serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        anyhow::anyhow!("at {path}: {}", e.into_inner())
    })
}

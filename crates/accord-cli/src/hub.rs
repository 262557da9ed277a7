//! The hub that the operator's local commands (`serve`, `parties`, `tokens`, …) open: its
//! store, the operator's identity and the one writer, and reading the records they add.

use std::sync::Arc;

use anyhow::{Context, Result};

use accord_store::amend::{UpgradeError, Upgraded, upgrade_bundled};
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
    /// Opens the hub the flags name (see [`open`]), bringing its bundled records up to the
    /// dataset compiled in.
    pub async fn open(args: &StoreArgs) -> Result<Hub> {
        let db = args.db.database()?;
        open(&db, args, true).await
    }

    /// Opens the hub the flags name as it is, its bundled records left at the version it holds
    /// (what `accord data upgrade` compares with the dataset compiled in).
    pub async fn open_as_is(args: &StoreArgs) -> Result<Hub> {
        let db = args.db.database()?;
        open(&db, args, false).await
    }
}

/// Opens the store, creating the operator key in the data directory and loading the bundled dataset (as
/// operator-signed log entries) if the store is new. Refuses an operator key that did not sign
/// the store's log: two keys would publish two logs under one origin. With `upgrade`, a hub
/// seeded with an older dataset version is brought up to the one compiled in
/// (`accord_store::amend::upgrade_bundled`); an upgrade the hub must refuse (a change with no
/// reason, a newer version held) is reported and the hub opens as it is.
async fn open(db: &Database, args: &StoreArgs, upgrade: bool) -> Result<Hub> {
    let (dir, origin) = (args.db.data.as_path(), args.origin.as_deref());
    let store = db.open_pooled(args.pool.size()).await?;
    let operator = Arc::new(Operator::load_or_create(dir, origin)?);
    let dataset = bundled::dataset().context("the bundled dataset is invalid")?;
    let seeded = seed_bundled(store.as_ref(), operator.clone(), &dataset).await?;
    if let SeedOutcome::Loaded { parties, incidents } = seeded {
        tracing::info!(
            parties,
            incidents,
            "loaded the bundled {} dataset into {db}",
            dataset.accord.name,
        );
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
    // A hub just seeded holds this release's records: the upgrade only records its version.
    if upgrade || matches!(seeded, SeedOutcome::Loaded { .. }) {
        let corrections =
            bundled::corrections(&dataset).context("the bundled corrections are invalid")?;
        upgrade_at_start(store.as_ref(), &operator, &dataset, &corrections, db).await?;
    }
    let sequencer = Sequencer::start(store.clone(), operator.clone());
    Ok(Hub {
        store,
        operator,
        sequencer,
    })
}

/// Brings a hub seeded by an older release up to the bundled dataset, through the log: the
/// parties and incidents it gained, an amendment per corrected record, then the version.
async fn upgrade_at_start(
    store: &dyn Store,
    operator: &Arc<Operator>,
    dataset: &accord_core::dataset::Dataset,
    corrections: &accord_core::corrections::Corrections,
    db: &Database,
) -> Result<()> {
    match upgrade_bundled(store, operator.clone(), dataset, corrections).await {
        Ok(done) => {
            if done != Upgraded::default() {
                tracing::info!(
                    parties = done.parties,
                    incidents = done.incidents,
                    amended = done.amended,
                    version = done.version,
                    "brought {db} up to the bundled dataset (version {})",
                    corrections.version
                );
            }
            Ok(())
        }
        Err(e @ (UpgradeError::Unexplained { .. } | UpgradeError::Newer { .. })) => {
            tracing::warn!("{db} keeps its records as they are: {e}");
            Ok(())
        }
        Err(e) => Err(e).with_context(|| format!("cannot bring {db} up to the bundled dataset")),
    }
}

/// Parses a JSON file's text, naming the field of the first structural error.
pub fn parse_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T> {
    let de = &mut serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        anyhow::anyhow!("at {path}: {}", e.into_inner())
    })
}

//! `accord copy`: move a whole hub from one database to another (SQLite to PostgreSQL, or
//! back), then prove the copy with the log verifier.
//!
//! The copy replays the source's log entries in order into the target, each batch in one
//! transaction, so the target's tree is the source's tree and its checkpoints have the
//! source's roots. An interrupted copy resumes where the target stops, once the target is
//! proven a prefix of the source; a target holding anything else is refused.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use accord_store::Store;
use accord_store::audit::{StoreSource, audit};
use accord_store::log::{OPERATOR_KEY_FILE, Operator, SignedCheckpoint};
use accord_store::replay::Replayer;
use accord_tlog::merkle::ConsistencyProof;
use accord_tlog::note::Note;
use anyhow::{Context, Result, bail};
use serde::Serialize;

use crate::args::PoolArgs;
use crate::backend::Database;
use crate::output::print_json;

/// Entries appended per transaction.
const BATCH: u64 = 1000;

/// What a copy did.
#[derive(Debug, Serialize)]
pub struct CopyReport {
    /// The source, password hidden.
    pub from: String,
    /// The target, password hidden.
    pub to: String,
    /// Entries the target already held (a resumed copy).
    pub resumed_at: u64,
    /// Entries copied by this run.
    pub copied: u64,
    /// The log's size after the copy.
    pub size: u64,
    /// Its root (base64), the same in both.
    pub root: String,
    /// API tokens copied (their digests; tokens themselves are never stored).
    pub tokens: u64,
    /// Witness cosignatures carried over onto the final checkpoint.
    pub cosignatures: u64,
    /// Bodies the verifier checked on the target.
    pub bodies_checked: u64,
}

/// The flags of `accord copy`.
#[derive(Debug, clap::Args)]
pub struct CopyArgs {
    /// The hub to copy: sqlite:DIR or postgres://…
    #[arg(long)]
    from: String,
    /// The empty database to copy it into: postgres://… or sqlite:DIR.
    #[arg(long)]
    to: String,
    /// The data directory holding the operator key.
    ///
    /// Read when --from is postgres://…; a sqlite:DIR source's own directory holds its key.
    #[arg(long, env = "ACCORD_DATA", default_value = "accord-data")]
    data: PathBuf,
    // The size of each side's pool of connections (a PostgreSQL source or target).
    #[command(flatten)]
    pool: PoolArgs,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

/// Runs `accord copy` and prints its report.
pub async fn run(args: CopyArgs) -> Result<()> {
    let from = Database::parse(&args.from).context("--from")?;
    let to = Database::parse(&args.to).context("--to")?;
    let key_dir = match &from {
        Database::Sqlite(dir) => dir.clone(),
        Database::Postgres(_) => args.data.clone(),
    };
    let report = copy(&from, &to, &key_dir, args.pool.size(), args.json).await?;
    if args.json {
        return print_json(&report);
    }
    println!(
        "copied {} entries ({} already there) from {} to {}: {} entries, root {}",
        report.copied, report.resumed_at, report.from, report.to, report.size, report.root
    );
    println!(
        "verified: every signature, {} bodies, and consistency with the source's checkpoint; {} tokens, {} witness cosignatures carried over",
        report.bodies_checked, report.tokens, report.cosignatures
    );
    Ok(())
}

/// Copies the hub at `from` into `to`, holding at most `pool` connections to each PostgreSQL
/// side. The operator key that signs the source's checkpoints must be in `key_dir` (the
/// source's data directory when the source is SQLite). `quiet` hides the progress bar (JSON
/// output).
async fn copy(
    from: &Database,
    to: &Database,
    key_dir: &Path,
    pool: usize,
    quiet: bool,
) -> Result<CopyReport> {
    if from == to {
        bail!("--from and --to name the same database {from}");
    }
    if let Database::Sqlite(dir) = from
        && !dir.join(accord_store_sqlite::DB_FILE).exists()
    {
        bail!(
            "{} holds no hub: there is no {}",
            dir.display(),
            accord_store_sqlite::DB_FILE
        );
    }
    let operator = Arc::new(Operator::load(key_dir).with_context(|| {
        format!("the copy re-signs checkpoints with the key that signs the source's log: pass the directory holding {OPERATOR_KEY_FILE} with --data")
    })?);
    let source = from.open_pooled(pool).await?;
    let Some(head) = source.checkpoint().await? else {
        bail!("{from} has an empty log: there is nothing to copy");
    };
    operator
        .check_signs(Some(&head))
        .with_context(|| format!("the operator key in {} is not {from}'s", key_dir.display()))?;
    let target = to.open_pooled(pool).await?;
    let start = resume_point(source.as_ref(), target.as_ref(), &head, to).await?;

    let bar = crate::progress::bar(
        head.size,
        "copying {bar:40} {pos}/{len} entries ({per_sec}, {eta} left)",
        quiet,
    );
    bar.set_position(start);
    let mut replayer = Replayer::new(source.as_ref(), target.as_ref()).await?;
    let mut next = start;
    while next < head.size {
        let stored = source
            .log_entries(next, BATCH.min(head.size - next))
            .await
            .with_context(|| format!("cannot read entries from {next} in {from}"))?;
        if stored.is_empty() {
            bail!(
                "{from} returned no entries at {next} although its log has {}",
                head.size
            );
        }
        let mut writes = Vec::with_capacity(stored.len());
        for s in &stored {
            writes.push(replayer.write(s).await?);
        }
        let outcome = target
            .append(writes, Arc::clone(&operator))
            .await
            .with_context(|| format!("cannot append entries from {next} to {to}"))?;
        for (s, result) in stored.iter().zip(outcome.results) {
            let receipt = result.with_context(|| {
                format!(
                    "{to} refused entry {}; the copy stops here and can be resumed",
                    s.index
                )
            })?;
            if receipt.index != s.index
                || receipt.leaf_hash != accord_tlog::merkle::leaf_hash(&s.entry)
            {
                bail!(
                    "entry {} landed at index {} with another leaf hash: the target diverged from the source",
                    s.index,
                    receipt.index
                );
            }
        }
        next += stored.len() as u64;
        bar.set_position(next);
    }
    bar.finish_and_clear();

    let copied_head = target
        .checkpoint()
        .await?
        .context("the target has no checkpoint after the copy")?;
    if copied_head.size != head.size || copied_head.root != head.root {
        bail!(
            "after the copy the target's log ({} entries) differs from the source's ({} entries)",
            copied_head.size,
            head.size
        );
    }

    // Current tokens, with their expiry.
    let mut tokens = 0;
    let now = jiff::Timestamp::now();
    for t in source.token_list().await? {
        if t.is_current(now) && target.token(&t.sha256).await?.is_none() {
            let expires = match t.expires_at {
                Some(at) => at,
                None => now.checked_add(accord_store::tokens::DEFAULT_LIFETIME)?,
            };
            target.add_token_until(&t.sha256, &t.party, expires).await?;
            tokens += 1;
        }
    }
    // The final checkpoints are byte-for-byte the same statement (same origin, size and root,
    // and Ed25519 signatures are deterministic), so the witnesses' cosignatures hold for both.
    // Only configured witnesses' cosignatures that verify are carried (a source from before
    // witnesses may hold junk lines any party attached).
    let mut cosignatures = 0;
    let copied = Note::parse_lenient(&copied_head.note)
        .with_context(|| format!("the checkpoint of the copy in {to}"))?;
    let witnesses = target
        .witnesses()
        .await?
        .iter()
        .map(|w| w.verifiers())
        .collect::<Result<Vec<_>, _>>()?
        .concat();
    let original = accord_store::witness::clean_note(&head, &operator, &witnesses)
        .map(|note| Note::parse_lenient(&note))
        .transpose()
        .with_context(|| format!("the checkpoint of {from}"))?
        .with_context(|| {
            format!("the checkpoint of {from} is not its operator's statement of its size and root")
        })?;
    for sig in original.signatures() {
        if sig.name != operator.origin() && !copied.signatures().contains(sig) {
            target.add_cosignature(head.size, sig.to_line()).await?;
            cosignatures += 1;
        }
    }

    let report = audit(
        &StoreSource(target.as_ref()),
        &operator.signer.verifier(),
        &[],
        Some(head.note.as_bytes()),
        &|_, _| {},
    )
    .await
    .with_context(|| format!("the copy in {to} does not verify"))?;
    Ok(CopyReport {
        from: from.to_string(),
        to: to.to_string(),
        resumed_at: start,
        copied: head.size - start,
        size: report.size,
        root: report.root,
        tokens,
        cosignatures,
        bodies_checked: report.bodies_checked,
    })
}

/// Where the copy starts: 0 for an empty target, the target's size when its log is a proven
/// prefix of the source's. Anything else is refused.
async fn resume_point(
    source: &dyn Store,
    target: &dyn Store,
    head: &SignedCheckpoint,
    to: &Database,
) -> Result<u64> {
    let Some(there) = target.checkpoint().await? else {
        return Ok(0);
    };
    let refuse = || {
        anyhow::anyhow!(
            "{to} is not empty: its log has {} entries (root {}) that are not a prefix of the source's log; copy only into an empty database",
            there.size,
            there.root.to_base64()
        )
    };
    if there.size > head.size {
        return Err(refuse());
    }
    if there.size == head.size {
        return if there.root == head.root {
            Ok(there.size)
        } else {
            Err(refuse())
        };
    }
    let proof: ConsistencyProof = source.consistency_proof(there.size, head.size).await?;
    proof
        .verify(&there.root, &head.root)
        .map_err(|_| refuse())?;
    eprintln!(
        "{to} holds the first {} of {} entries of this log: resuming the copy",
        there.size, head.size
    );
    Ok(there.size)
}

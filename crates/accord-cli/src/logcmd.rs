//! `accord log verify`, `accord log prove` and `accord witness`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use accord_store::audit::{LogSource, ReleasedBody, StoreSource, audit};
use accord_store::log::Operator;
use accord_tlog::checkpoint::Checkpoint;
use accord_tlog::merkle::{ConsistencyProof, Hash, InclusionProof};
use accord_tlog::note::{Note, Verifier};
use accord_tlog::tiles::{Tile, TileKind};
use std::collections::HashMap;
use tokio::task::JoinHandle;

use crate::client::HubClient;
use crate::keys;

/// Fetches started ahead, by path under `/log/`.
type Pending = HashMap<String, JoinHandle<Result<Vec<u8>, String>>>;

/// Reads the log over HTTP, fetching prefetched resources concurrently.
struct HttpSource {
    client: std::sync::Arc<HubClient>,
    /// Fetches started by `prefetch`.
    pending: std::sync::Mutex<Pending>,
}

#[derive(Deserialize)]
struct BodyView {
    index: u64,
    body: Option<String>,
    /// Hex; absent for entries written before salting.
    #[serde(default)]
    salt: Option<String>,
}

impl HttpSource {
    fn new(client: HubClient) -> Self {
        HttpSource {
            client: std::sync::Arc::new(client),
            pending: std::sync::Mutex::new(HashMap::new()),
        }
    }

    /// GETs `/log/{path}`, from a prefetch when one was started.
    async fn get(&self, path: String) -> Result<Vec<u8>, String> {
        let started = self
            .pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&path);
        match started {
            Some(handle) => handle
                .await
                .map_err(|e| format!("fetching /log/{path} failed: {e}"))?,
            None => self
                .client
                .get_required(&format!("/log/{path}"))
                .await
                .map_err(|e| format!("{e:#}")),
        }
    }

    fn start(&self, path: String) {
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        if pending.contains_key(&path) {
            return;
        }
        let client = std::sync::Arc::clone(&self.client);
        let url = format!("/log/{path}");
        pending.insert(
            path,
            tokio::spawn(async move {
                client
                    .get_required(&url)
                    .await
                    .map_err(|e| format!("{e:#}"))
            }),
        );
    }
}

#[async_trait]
impl LogSource for HttpSource {
    async fn checkpoint(&self) -> Result<Vec<u8>, String> {
        self.client
            .get_required("/log/checkpoint")
            .await
            .map_err(|e| format!("{e:#}"))
    }
    async fn tile(&self, tile: Tile) -> Result<Vec<u8>, String> {
        self.get(tile.path()).await
    }
    async fn bodies(&self, bundle: u64, _width: u16) -> Result<Vec<ReleasedBody>, String> {
        let bytes = self.get(format!("bodies/{bundle}")).await?;
        let list: Vec<BodyView> = serde_json::from_slice(&bytes)
            .map_err(|e| format!("/log/bodies/{bundle} is not a body list: {e}"))?;
        let mut out = Vec::with_capacity(list.len());
        for b in list {
            let Some(body) = b.body else { continue };
            let salt = match b.salt {
                None => None,
                Some(hex_salt) => Some(hex::decode(&hex_salt).map_err(|_| {
                    format!(
                        "/log/bodies/{bundle}: the salt of entry {} is not hex: {hex_salt:?}",
                        b.index
                    )
                })?),
            };
            out.push(ReleasedBody {
                index: b.index,
                body: body.into_bytes(),
                salt,
            });
        }
        Ok(out)
    }
    fn prefetch(&self, tiles: &[Tile]) {
        for t in tiles {
            self.start(t.path());
            if t.kind == TileKind::Entries {
                self.start(format!("bodies/{}", t.index));
            }
        }
    }
}

/// A verifier key given as a string or a file holding one.
fn verifier_arg(value: &str) -> Result<Verifier> {
    let text = if Path::new(value).is_file() {
        std::fs::read_to_string(value).with_context(|| format!("cannot read {value}"))?
    } else {
        value.to_owned()
    };
    Verifier::from_key_string(text.trim())
        .with_context(|| format!("{value:?} is not a verifier key string (NAME+KEYID+BASE64)"))
}

/// `accord log verify`.
pub async fn verify(
    data: &Path,
    database: &crate::backend::Database,
    hub: Option<&str>,
    key: Option<&str>,
    witness_keys: &[String],
    since: Option<&Path>,
    json: bool,
) -> Result<()> {
    let witnesses: Vec<Verifier> = witness_keys
        .iter()
        .map(|k| verifier_arg(k))
        .collect::<Result<_>>()?;
    let since = since
        .map(|p| {
            std::fs::read(p)
                .with_context(|| format!("cannot read saved checkpoint {}", p.display()))
        })
        .transpose()?;
    let pb = crate::progress::bar(
        0,
        "{spinner} verifying {pos}/{len} entries [{elapsed}] {wide_bar}",
        json,
    );
    let progress = {
        let pb = pb.clone();
        move |done: u64, total: u64| {
            pb.set_length(total);
            pb.set_position(done);
        }
    };
    let (report, pinned) = match hub {
        Some(url) => {
            let client = HubClient::new(url, None)?;
            let (verifier, pinned) = match key {
                Some(k) => (verifier_arg(k)?, true),
                None => {
                    let text = client.get_required("/log/key").await?;
                    (verifier_arg(String::from_utf8_lossy(&text).trim())?, false)
                }
            };
            let source = HttpSource::new(client);
            (
                audit(&source, &verifier, &witnesses, since.as_deref(), &progress).await,
                pinned,
            )
        }
        None => {
            if let crate::backend::Database::Sqlite(dir) = database
                && !dir.join(accord_store_sqlite::DB_FILE).exists()
            {
                bail!(
                    "{} holds no hub (no {}); pass --hub URL to verify a remote hub",
                    dir.display(),
                    accord_store_sqlite::DB_FILE
                );
            }
            let store = database.open().await?;
            let verifier = match key {
                Some(k) => verifier_arg(k)?,
                None => Verifier::from_key_string(
                    &Operator::load(data)
                        .context("verifying a local store needs its operator's public key: pass --key, or --data with the hub's operator.key")?
                        .verifier_key(),
                )?,
            };
            let source = StoreSource(store.as_ref());
            (
                audit(&source, &verifier, &witnesses, since.as_deref(), &progress).await,
                true,
            )
        }
    };
    pb.finish_and_clear();
    let report = report.map_err(|e| anyhow!("verification failed: {e}"))?;
    // The report is built whole and written once: a reader that stops early (`| head -1`)
    // must not turn a verified log into a panic on a closed pipe.
    let mut text = String::new();
    if json {
        text = serde_json::to_string_pretty(&report)? + "\n";
    } else {
        use std::fmt::Write as _;
        writeln!(
            text,
            "log {} verifies: {} entries, root {}",
            report.origin, report.size, report.root
        )?;
        for (kind, n) in &report.kinds {
            writeln!(text, "  {kind:<16} {n}")?;
        }
        writeln!(
            text,
            "  {} hash tiles match; {} bodies match their hashes, {} withheld by their marking",
            report.tiles_checked, report.bodies_checked, report.bodies_withheld
        )?;
        writeln!(
            text,
            "  checkpoint signed by: {}",
            report.checkpoint_signers.join(", ")
        )?;
        if let Some(old) = report.consistent_with {
            writeln!(text, "  consistent with the saved checkpoint of size {old}")?;
        }
    }
    print_all(&text)?;
    if !json && !pinned {
        eprintln!(
            "note: the operator key was fetched from the hub itself; pass --key to pin the key you trust"
        );
    }
    Ok(())
}

/// What `accord log prove` prints.
#[derive(Serialize)]
struct ProofReport {
    index: u64,
    leaf_hash: String,
    checkpoint_size: u64,
    root: String,
    proof: InclusionProof,
    verified: bool,
}

/// `accord log prove --index N`: fetches and checks the inclusion proof of one entry against
/// the latest checkpoint.
pub async fn prove(hub: &str, key: Option<&str>, index: u64, json: bool) -> Result<()> {
    let client = HubClient::new(hub, None)?;
    let verifier = match key {
        Some(k) => verifier_arg(k)?,
        None => {
            verifier_arg(String::from_utf8_lossy(&client.get_required("/log/key").await?).trim())?
        }
    };
    let note = client.get_required("/log/checkpoint").await?;
    let (cp, _) = Checkpoint::open(&note, verifier.name(), std::slice::from_ref(&verifier))
        .map_err(|e| anyhow!("the checkpoint does not verify: {e}"))?;
    let entry = client.get_json(&format!("/log/entries/{index}")).await?;
    let leaf = Hash::from_base64(entry["leaf_hash"].as_str().unwrap_or_default())
        .map_err(|e| anyhow!("bad leaf hash from the hub: {e}"))?;
    // Recompute the leaf from the entry itself rather than trusting the hub's hash.
    let entry_bytes = accord_tlog::entry::canonical_json(&entry["entry"])?;
    if accord_tlog::merkle::leaf_hash(&entry_bytes) != leaf {
        bail!("entry {index}: the hub's leaf hash does not match the entry it served");
    }
    let proof: InclusionProof = serde_json::from_value(
        client
            .get_json(&format!(
                "/log/proof/inclusion?index={index}&size={}",
                cp.size
            ))
            .await?,
    )?;
    proof.verify(&leaf, &cp.root).map_err(|e| {
        anyhow!(
            "entry {index} is NOT proven in the checkpoint of size {}: {e}",
            cp.size
        )
    })?;
    let report = ProofReport {
        index,
        leaf_hash: leaf.to_base64(),
        checkpoint_size: cp.size,
        root: cp.root.to_base64(),
        proof,
        verified: true,
    };
    print_all(&if json {
        serde_json::to_string_pretty(&report)? + "\n"
    } else {
        format!(
            "entry {index} (leaf {}) is in the log of {} entries with root {}: {} proof hashes verified\n",
            report.leaf_hash,
            report.checkpoint_size,
            report.root,
            report.proof.hashes.len()
        )
    })
}

/// Writes a command's whole report to stdout at once. A reader that stops early (`| head -1`)
/// closes the pipe; the work is done by then, so that is not an error (and never a panic).
fn print_all(text: &str) -> Result<()> {
    match std::io::Write::write_all(&mut std::io::stdout().lock(), text.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

/// A witness's memory of a log: the log's key and the last checkpoint it cosigned.
#[derive(Serialize, Deserialize)]
struct WitnessState {
    log_key: String,
    checkpoint: String,
}

/// `accord witness`: checks that the hub's checkpoint extends the last one this witness saw,
/// and only then cosigns it.
pub async fn witness(
    hub: &str,
    key: &Path,
    state_path: &PathBuf,
    log_key: Option<&str>,
    token: Option<String>,
    json: bool,
) -> Result<()> {
    let signer = keys::read_signer(key)?;
    let client = HubClient::new(hub, token)?;
    let state: Option<WitnessState> = match std::fs::read_to_string(state_path) {
        Ok(text) => Some(
            serde_json::from_str(&text)
                .with_context(|| format!("{} is not a witness state file", state_path.display()))?,
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", state_path.display())),
    };
    let log_key = match (&state, log_key) {
        (Some(s), Some(k)) if s.log_key != verifier_arg(k)?.to_key_string() => {
            bail!(
                "--log-key differs from the key in {}; a witness follows one log",
                state_path.display()
            )
        }
        (Some(s), _) => s.log_key.clone(),
        (None, Some(k)) => verifier_arg(k)?.to_key_string(),
        (None, None) => {
            bail!("the first run needs --log-key (the log's verifier key, from its operator)")
        }
    };
    let verifier = Verifier::from_key_string(&log_key)?;
    let note = client.get_required("/log/checkpoint").await?;
    let (cp, _) = Checkpoint::open(&note, verifier.name(), std::slice::from_ref(&verifier))
        .map_err(|e| anyhow!("the hub's checkpoint does not verify with the log key: {e}"))?;
    if let Some(s) = &state {
        let (old, _) = Checkpoint::open(
            s.checkpoint.as_bytes(),
            verifier.name(),
            std::slice::from_ref(&verifier),
        )
        .map_err(|e| anyhow!("the saved checkpoint does not verify: {e}"))?;
        let fork = |why: String| {
            anyhow!(
                "FORK: refusing to cosign. {why}\n--- last checkpoint this witness cosigned ---\n{}\n--- checkpoint the hub serves now ---\n{}",
                s.checkpoint.trim_end(),
                String::from_utf8_lossy(&note).trim_end()
            )
        };
        if cp.size < old.size {
            return Err(fork(format!(
                "the log shrank from {} to {} entries",
                old.size, cp.size
            )));
        }
        if cp.size == old.size && cp.root != old.root {
            return Err(fork(format!("two different roots for size {}", cp.size)));
        }
        if cp.size > old.size {
            let proof: ConsistencyProof = serde_json::from_value(
                client
                    .get_json(&format!(
                        "/log/proof/consistency?old={}&new={}",
                        old.size, cp.size
                    ))
                    .await?,
            )?;
            if proof.old_size != old.size || proof.new_size != cp.size {
                return Err(fork("the hub answered a proof for other sizes".into()));
            }
            proof
                .verify(&old.root, &cp.root)
                .map_err(|e| fork(format!("the consistency proof fails: {e}")))?;
        }
    }
    let text = Note::parse_bytes(&note)?.text().to_owned();
    let line = signer.sign(&text)?.to_line();
    client
        .post_json(
            "/log/cosignatures",
            &serde_json::json!({"size": cp.size, "signature": line}),
        )
        .await?;
    let new_state = WitnessState {
        log_key,
        checkpoint: String::from_utf8_lossy(&note).into_owned(),
    };
    std::fs::write(state_path, serde_json::to_string_pretty(&new_state)?)
        .with_context(|| format!("cannot write {}", state_path.display()))?;
    print_all(&if json {
        serde_json::json!({"cosigned": cp.size, "root": cp.root.to_base64(), "witness": signer.name()})
            .to_string()
            + "\n"
    } else {
        format!(
            "cosigned the checkpoint of size {} (root {}) as {}\n",
            cp.size,
            cp.root.to_base64(),
            signer.name()
        )
    })
}

//! `accord witness`: act as a witness of a hub's log: check that its checkpoint extends the
//! last one this witness cosigned, and only then cosign it, in the C2SP tlog-cosignature
//! `cosignature/v1` format (timestamped, under the key's cosigner key ID).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use serde::{Deserialize, Serialize};

use accord_tlog::checkpoint::Checkpoint;
use accord_tlog::merkle::ConsistencyProof;
use accord_tlog::note::{Note, Verifier};

use crate::args::HubArgs;
use crate::client::HubClient;
use crate::keyfiles::{self, verifier_arg};
use crate::output::print_all;

/// The flags of `accord witness`.
#[derive(Debug, clap::Args)]
pub struct WitnessArgs {
    #[command(flatten)]
    hub: HubArgs,
    /// The witness party's private key (from `accord keygen`).
    #[arg(long)]
    key: PathBuf,
    /// Where the witness keeps the last checkpoint it cosigned.
    #[arg(long)]
    state: PathBuf,
    /// The log's verifier key (a string or a file).
    ///
    /// Required on the first run, then pinned in --state.
    #[arg(long)]
    log_key: Option<String>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Runs `accord witness`.
pub async fn run(args: WitnessArgs) -> Result<()> {
    witness(
        &args.hub.hub,
        &args.key,
        &args.state,
        args.log_key.as_deref(),
        args.hub.token,
        args.json,
    )
    .await
}

/// A witness's memory of a log: the log's key and the last checkpoint it cosigned.
#[derive(Serialize, Deserialize)]
struct WitnessState {
    log_key: String,
    checkpoint: String,
}

/// `accord witness`: checks that the hub's checkpoint extends the last one this witness saw,
/// and only then cosigns it.
async fn witness(
    hub: &str,
    key: &Path,
    state_path: &Path,
    log_key: Option<&str>,
    token: Option<String>,
    json: bool,
) -> Result<()> {
    let signer = keyfiles::read_signer(key)?;
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
    // C2SP tlog-cosignature: a `cosignature/v1` line (its own key ID, the time of signing),
    // the one format every witness of the hub writes (`accord serve --witness-key` too).
    let now = u64::try_from(jiff::Timestamp::now().as_second())
        .map_err(|_| anyhow!("the clock is before 1970"))?;
    let line = signer.cosign(&text, now)?.to_line();
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
            "cosigned the checkpoint of size {} (root {}) as {} (cosignature/v1)\n",
            cp.size,
            cp.root.to_base64(),
            signer.name()
        )
    })
}

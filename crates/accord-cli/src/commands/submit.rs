//! `accord submit`: sign a record client-side with the party's key and post it to a hub.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};

use accord_store::kind as entry_kind;

use crate::args::HubArgs;
use crate::commands::requests;
use crate::output::{explain, print_json};
use crate::{client, keyfiles};

/// The flags of `accord submit`.
#[derive(Debug, clap::Args)]
pub struct SubmitArgs {
    /// What to submit: `incident`, `request` or `request-transition`.
    kind: String,
    /// The record as JSON.
    file: PathBuf,
    /// The party's private key (from `accord keygen`).
    ///
    /// The key's name is the submitter.
    #[arg(long)]
    key: PathBuf,
    #[command(flatten)]
    hub: HubArgs,
    /// Print the hub's answer as JSON.
    #[arg(long)]
    json: bool,
}

/// Signs a record with the party's key and posts it to the hub.
pub async fn run(args: SubmitArgs) -> Result<()> {
    let SubmitArgs {
        kind,
        file,
        key,
        hub: HubArgs { hub, token },
        json,
    } = args;
    let (kind, file, key, hub) = (kind.as_str(), file.as_path(), key.as_path(), hub.as_str());
    if requests::is_request_kind(kind) {
        return requests::submit(kind, file, key, hub, token, json).await;
    }
    let path = match kind {
        entry_kind::INCIDENT => "/api/v1/incidents",
        other => bail!(
            "cannot submit {other:?}: the hub takes `incident`, `request` or `request-transition` here"
        ),
    };
    let signer = keyfiles::read_signer(key)?;
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let body: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", file.display()))?;
    let id = body["id"]
        .as_str()
        .with_context(|| format!("{} has no string `id`", file.display()))?
        .to_owned();
    let submission = accord_store::write::sign_submission(
        kind,
        &id,
        signer.name(),
        accord_tlp::Tlp::Clear,
        &body,
        signer.signing_key(),
    )
    .map_err(explain)?;
    let client = client::HubClient::new(hub, token)?;
    let answer = client
        .post_json(path, &serde_json::to_value(&submission)?)
        .await?;
    if json {
        print_json(&answer)
    } else {
        println!(
            "recorded {kind} {id} as log entry {}",
            answer["log_index"]
                .as_u64()
                .map(|i| i.to_string())
                .unwrap_or_default()
        );
        Ok(())
    }
}

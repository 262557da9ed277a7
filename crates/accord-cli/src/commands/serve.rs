//! `accord serve`: run the hub (REST API under `/api/v1`, the dashboard at `/`).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use accord_store::witnessing::WitnessConfig;
use anyhow::{Context, Result, bail};

use crate::args::StoreArgs;
use crate::bundled;
use crate::hub::Hub;
use crate::keyfiles::{read_signer, verifier_arg};

/// The flags of `accord serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Address to listen on.
    #[arg(long, env = "ACCORD_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Longest wait for a request's headers, e.g. `10s`.
    ///
    /// Also on an idle keep-alive connection; the connection is then closed.
    #[arg(long, env = "ACCORD_HEADER_READ_TIMEOUT", default_value = "10s", value_parser = parse_timeout)]
    header_read_timeout: Duration,
    /// Longest time from a request's headers to its body's end, e.g. `30s`.
    ///
    /// A body still arriving then is answered 408 and the connection closed.
    #[arg(long, env = "ACCORD_BODY_READ_TIMEOUT", default_value = "30s", value_parser = parse_timeout)]
    body_read_timeout: Duration,
    /// Most connections served at once; further ones wait until one ends.
    #[arg(long, env = "ACCORD_MAX_CONNECTIONS", default_value_t = 512, value_parser = clap::value_parser!(u32).range(1..))]
    max_connections: u32,
    /// Witness the log this verifier key signs (repeatable).
    ///
    /// Serves C2SP tlog-witness `POST /add-checkpoint` for it; the key's name is the log's
    /// origin. A string or a file. Needs --witness-key.
    #[arg(
        long = "witness-log",
        env = "ACCORD_WITNESS_LOGS",
        value_name = "VKEY",
        value_delimiter = ','
    )]
    witness_logs: Vec<String>,
    /// The private key this hub cosigns witnessed checkpoints with.
    ///
    /// From `accord keygen`; its cosignature/v1 verifier key is printed at start.
    #[arg(long, env = "ACCORD_WITNESS_KEY", value_name = "FILE")]
    witness_key: Option<std::path::PathBuf>,
    /// Ask this witness to cosign each new checkpoint (repeatable).
    ///
    /// Its C2SP tlog-witness submission prefix (`POST URL/add-checkpoint`). Only lines of
    /// witnesses the operator configured (`accord witnesses add`) are attached and served.
    #[arg(
        long = "witness-url",
        env = "ACCORD_WITNESS_URLS",
        value_name = "URL",
        value_delimiter = ','
    )]
    witness_urls: Vec<String>,
    /// Mirror the registered peers in the background, every `5m` say.
    ///
    /// Each round checks each peer for a split view, then pulls its new incidents and
    /// amendments with full verification (as `accord peers sync`). Off unless given.
    #[arg(long, env = "ACCORD_SYNC_INTERVAL", value_name = "DURATION", value_parser = parse_timeout)]
    sync_interval: Option<Duration>,
    /// Longest wait for one request to a peer while syncing.
    #[arg(long, env = "ACCORD_SYNC_TIMEOUT", default_value = "20s", value_parser = parse_timeout)]
    sync_timeout: Duration,
}

/// A positive duration such as `10s`, `1m 30s` or `PT10S`.
fn parse_timeout(text: &str) -> Result<Duration, String> {
    let d: jiff::SignedDuration = text
        .parse()
        .map_err(|e| format!("{text:?} is not a duration such as `10s`: {e}"))?;
    Duration::try_from(d)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| format!("{text:?}: the timeout must be positive"))
}

/// Runs `accord serve` until Ctrl-C or SIGTERM.
pub async fn run(args: ServeArgs) -> Result<()> {
    let store = &args.store;
    let hub = Hub::open(store).await?;
    let limits = accord_server::serve::Limits {
        header_read_timeout: args.header_read_timeout,
        body_read_timeout: args.body_read_timeout,
        max_connections: args.max_connections as usize,
    };
    eprintln!("log origin: {}", hub.operator.origin());
    eprintln!("log verifier key: {}", hub.operator.verifier_key());
    let witness = match (&args.witness_key, args.witness_logs.is_empty()) {
        (None, true) => None,
        (None, false) => bail!("--witness-log needs --witness-key (the key this hub cosigns with)"),
        (Some(_), true) => bail!("--witness-key is only used with --witness-log"),
        (Some(key), false) => {
            let logs = args
                .witness_logs
                .iter()
                .map(|k| verifier_arg(k))
                .collect::<Result<Vec<_>>>()?;
            let config = WitnessConfig::new(read_signer(key)?, logs)
                .context("two --witness-log keys share a name and key ID")?;
            eprintln!(
                "witness cosigner key: {} (POST /add-checkpoint for {})",
                config.cosigner_key().to_key_string(),
                config
                    .logs()
                    .iter()
                    .map(|v| v.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            Some(Arc::new(config))
        }
    };
    if let Some(bad) = args
        .witness_urls
        .iter()
        .find(|u| !(u.starts_with("http://") || u.starts_with("https://")))
    {
        bail!("--witness-url {bad:?} must be an http:// or https:// URL");
    }
    crate::cosigning::spawn(
        hub.store.clone(),
        hub.operator.clone(),
        args.witness_urls.clone(),
    );
    if let Some(interval) = args.sync_interval {
        crate::mirroring::spawn(
            hub.store.clone(),
            hub.sequencer.clone(),
            args.store.db.data.clone(),
            interval,
            args.sync_timeout,
        );
    }
    let law = bundled::law_dataset().context("the bundled legal dataset is invalid")?;
    let votes = bundled::votes().context("the bundled UN votes are invalid")?;
    let app = accord_server::app(
        accord_server::AppState::new(hub.store, hub.sequencer)
            .with_law(Arc::new(law))
            .with_votes(Arc::new(votes))
            .with_witness(witness),
    );
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let addr = listener.local_addr()?;
    eprintln!(
        "Accord hub listening on http://{addr}/ (API: http://{addr}/api/v1/, OpenAPI: http://{addr}/api/v1/openapi.json)"
    );
    accord_server::serve::serve(listener, app, limits, shutdown())
        .await
        .context("the server stopped with an error")
}

/// Resolves on Ctrl-C or SIGTERM: the signal to shut the server down.
async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    eprintln!("shutting down");
}

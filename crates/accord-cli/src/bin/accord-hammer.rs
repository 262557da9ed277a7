//! `accord-hammer`: load generators for a hub (after tessera's hammer), a binary of their own
//! so that the product binary `accord` does not ship them.
//!
//! `accord-hammer writes`: many concurrent clients submit signed incidents as fast as the hub
//! acknowledges them. Each acknowledged id can be appended to a file as it arrives, so that a
//! crash test can check, after killing the hub, that every write it acknowledged is still
//! there. `accord-hammer reads`: many clients GET the given paths from one or more nodes for a
//! fixed time. Both print one line (or `--json`) with throughput and latency percentiles.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use serde::Serialize;
use tokio::sync::Mutex;

use accord_store::kind;
use accord_store::write::sign_submission;
use accord_tlp::Tlp;

use accord_tlog::note::Signer;
use clap::{Parser, Subcommand};

// The same allocator as `accord`: the clients allocate many small, short-lived buffers.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Load generators for an Accord hub: signed writes, or reads over several nodes.
#[derive(Debug, Parser)]
#[command(name = "accord-hammer", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Load-test a hub's write path: many clients submitting signed incidents.
    Writes(WritesArgs),
    /// Load-test a hub's reads: many clients GETting paths from one or more nodes.
    Reads(ReadsArgs),
}

#[tokio::main]
async fn main() -> Result<()> {
    match Cli::parse().command {
        Command::Writes(args) => run_writes(args).await,
        Command::Reads(args) => run_reads(args).await,
    }
}

/// The flags of the write load: many clients submitting signed incidents.
#[derive(Debug, clap::Args)]
struct WritesArgs {
    /// The hub's base URL.
    #[arg(long, env = "ACCORD_HUB", default_value = "http://127.0.0.1:8080")]
    hub: String,
    /// The submitting party's private key.
    #[arg(long)]
    key: PathBuf,
    /// The party's API token.
    #[arg(long, env = "ACCORD_TOKEN", hide_env_values = true)]
    token: String,
    /// How many writes.
    #[arg(long, default_value_t = 10_000)]
    writes: u64,
    /// How many concurrent clients.
    #[arg(long, default_value_t = 64)]
    clients: u64,
    /// A tag making this run's incident ids unique (default: the current time).
    #[arg(long)]
    run: Option<String>,
    /// Append each acknowledged id to this file as it arrives.
    #[arg(long)]
    acked: Option<PathBuf>,
    /// Sign every write before starting the clock.
    ///
    /// Measures the hub, not the client's signing.
    #[arg(long)]
    presign: bool,
    /// Send N writes per request to the bulk endpoint.
    ///
    /// N > 1 posts to `POST /api/v1/incidents/batch`; 1 sends each to `POST /api/v1/incidents`.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=4096))]
    batch: u64,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

/// The flags of the read load: many clients GETting the given paths, spread over one or more
/// nodes, for a fixed time.
#[derive(Debug, clap::Args)]
struct ReadsArgs {
    /// A node's base URL (repeat for several nodes of one hub).
    #[arg(long = "hub", required = true)]
    hubs: Vec<String>,
    /// A path to GET, e.g. /api/v1/incidents (repeat; clients take them in turn).
    #[arg(long = "path", required = true)]
    paths: Vec<String>,
    /// An API token to send, if the paths need one.
    #[arg(long, env = "ACCORD_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// How many concurrent clients.
    #[arg(long, default_value_t = 32)]
    clients: u64,
    /// How long to run, in seconds.
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

/// Runs the write load and prints its report.
async fn run_writes(args: WritesArgs) -> Result<()> {
    let run = args
        .run
        .unwrap_or_else(|| jiff::Timestamp::now().as_millisecond().to_string());
    let report = writes(
        &args.hub,
        &args.key,
        &args.token,
        args.writes,
        args.clients,
        &run,
        args.acked.as_deref(),
        args.presign,
        args.batch,
    )
    .await?;
    print_report(&report, args.json, "acknowledged", "writes")
}

/// Runs the read load and prints its report.
async fn run_reads(args: ReadsArgs) -> Result<()> {
    let report = reads(
        &args.hubs,
        &args.paths,
        args.token.as_deref(),
        args.clients,
        args.seconds,
    )
    .await?;
    print_report(&report, args.json, "served", "requests")
}

/// A load run's report as JSON, or as a line for a person (see [`HammerReport::summary`]).
fn print_report(report: &HammerReport, json: bool, done: &str, unit: &str) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(report)?);
        return Ok(());
    }
    println!("{}", report.summary(done, unit));
    if let Some(e) = &report.first_error {
        eprintln!("first error: {e}");
    }
    Ok(())
}

/// What a run measured.
#[derive(Debug, Serialize)]
struct HammerReport {
    /// Writes acknowledged (201).
    acknowledged: u64,
    /// Writes refused or failed.
    failed: u64,
    /// Wall-clock seconds.
    seconds: f64,
    /// Acknowledged writes per second.
    per_second: f64,
    /// Median acknowledgement latency, milliseconds.
    p50_ms: f64,
    /// 99th-percentile acknowledgement latency, milliseconds.
    p99_ms: f64,
    /// Largest acknowledgement latency, milliseconds.
    max_ms: f64,
    /// The first error seen, if any.
    first_error: Option<String>,
}

impl HammerReport {
    /// One line for a person: `done` names what succeeded (`acknowledged`, `served`), `unit`
    /// what was counted per second (`writes`, `requests`).
    fn summary(&self, done: &str, unit: &str) -> String {
        format!(
            "{} {done}, {} failed in {:.2} s: {:.0} {unit}/s; latency p50 {:.2} ms, p99 {:.2} ms, max {:.1} ms",
            self.acknowledged,
            self.failed,
            self.seconds,
            self.per_second,
            self.p50_ms,
            self.p99_ms,
            self.max_ms
        )
    }
}

fn incident(id: &str, n: u64) -> serde_json::Value {
    serde_json::json!({
        "id": id,
        "title": format!("Load-test incident {n}"),
        "summary": "Generated by accord-hammer to measure the write path.",
        "dates": {"start": {"date": "2026-01-01",
                  "source": {"as_of": "2026-11", "verification": "unverified"}}},
        "victims": [{"name": "Load test", "country": "FR", "sector": "other",
                     "target_class": {"class": "unknown", "note": "a load-test victim", "source": {"as_of": "2026-11", "verification": "unverified"}},
                     "source": {"as_of": "2026-11", "verification": "unverified"}}],
        "armed_conflict": {"status": "no", "note": "a test record: no conflict", "source": {"as_of": "2026-11", "verification": "unverified"}}
    })
}

/// Signs write `n` of run `run_id`: the JSON text of its submission.
fn signed(signer: &Signer, run_id: &str, n: u64) -> Result<String> {
    let id = format!("hammer-{run_id}-{n}");
    let sub = sign_submission(
        kind::INCIDENT,
        &id,
        signer.name(),
        Tlp::Clear,
        &incident(&id, n),
        signer.signing_key(),
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(serde_json::to_string(&sub)?)
}

/// Runs `writes` signed submissions over `clients` concurrent connections, `batch` per request
/// (more than one goes to the bulk endpoint, `POST /api/v1/incidents/batch`). A write's
/// latency is its request's.
#[allow(clippy::too_many_arguments)]
async fn writes(
    hub: &str,
    key: &Path,
    token: &str,
    writes: u64,
    clients: u64,
    run_id: &str,
    acked: Option<&Path>,
    presign: bool,
    batch: u64,
) -> Result<HammerReport> {
    let batch = batch.max(1);
    let signer = Arc::new(read_signer(key)?);
    let endpoint = if batch > 1 {
        "/api/v1/incidents/batch"
    } else {
        "/api/v1/incidents"
    };
    let url = format!("{}{endpoint}", hub.trim_end_matches('/'));
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(clients as usize)
        .timeout(Duration::from_secs(60))
        .build()?;
    let acked_file = match acked {
        Some(p) => Some(Arc::new(Mutex::new(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(p)
                .with_context(|| format!("cannot open {}", p.display()))?,
        ))),
        None => None,
    };
    // Signing is the client's cost, not the hub's: with --presign it happens before the clock.
    let presigned: Option<Arc<Vec<String>>> = if presign {
        Some(Arc::new(
            (0..writes)
                .map(|n| signed(&signer, run_id, n))
                .collect::<Result<_>>()?,
        ))
    } else {
        None
    };
    let requests = writes.div_ceil(batch);
    let next = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let first_error: Arc<Mutex<Option<String>>> = Arc::new(Mutex::new(None));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (http, url, token) = (http.clone(), url.clone(), token.to_owned());
        let (next, failed, first_error) = (next.clone(), failed.clone(), first_error.clone());
        let (signer, acked_file, presigned) =
            (signer.clone(), acked_file.clone(), presigned.clone());
        let run_id = run_id.to_owned();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let r = next.fetch_add(1, Ordering::Relaxed);
                if r >= requests {
                    break;
                }
                let range = r * batch..((r + 1) * batch).min(writes);
                let mut items = Vec::new();
                for n in range.clone() {
                    match &presigned {
                        Some(p) => items.push(p[n as usize].clone()),
                        None => match signed(&signer, &run_id, n) {
                            Ok(text) => items.push(text),
                            Err(e) => {
                                first_error.lock().await.get_or_insert(e.to_string());
                                items.push("null".into());
                            }
                        },
                    }
                }
                let body = if batch > 1 {
                    format!("[{}]", items.join(","))
                } else {
                    items.concat()
                };
                let t = Instant::now();
                let outcomes = post(&http, &url, &token, body, batch > 1).await;
                let elapsed = t.elapsed();
                let count = range.end - range.start;
                let mut ids = Vec::new();
                match outcomes {
                    Ok(outcomes) => {
                        let unanswered = count.saturating_sub(outcomes.len() as u64);
                        if unanswered > 0 {
                            failed.fetch_add(unanswered, Ordering::Relaxed);
                            first_error.lock().await.get_or_insert(format!(
                                "{url}: {} results for {count} writes",
                                outcomes.len()
                            ));
                        }
                        for (n, outcome) in range.zip(outcomes) {
                            match outcome {
                                Ok(()) => {
                                    latencies.push(elapsed);
                                    ids.push(format!("hammer-{run_id}-{n}"));
                                }
                                Err(e) => {
                                    failed.fetch_add(1, Ordering::Relaxed);
                                    first_error.lock().await.get_or_insert(e);
                                }
                            }
                        }
                    }
                    Err(e) => {
                        failed.fetch_add(count, Ordering::Relaxed);
                        first_error.lock().await.get_or_insert(e);
                    }
                }
                if let Some(f) = &acked_file
                    && !ids.is_empty()
                {
                    let mut f = f.lock().await;
                    for id in ids {
                        let _ = writeln!(f, "{id}");
                    }
                    let _ = f.flush();
                }
            }
            latencies
        }));
    }
    let mut latencies: Vec<Duration> = Vec::new();
    for t in tasks {
        latencies.extend(t.await.unwrap_or_default());
    }
    let seconds = start.elapsed().as_secs_f64();
    let first_error = first_error.lock().await.clone();
    Ok(report(
        latencies,
        failed.load(Ordering::Relaxed),
        seconds,
        first_error,
    ))
}

/// Posts one request; returns each write's outcome in order (the single endpoint answers 201
/// for its one write, the bulk endpoint 200 with a result per item), or why the request as a
/// whole failed.
async fn post(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    body: String,
    bulk: bool,
) -> Result<Vec<Result<(), String>>, String> {
    let resp = http
        .post(url)
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = resp.status();
    if !bulk && status == reqwest::StatusCode::CREATED {
        return Ok(vec![Ok(())]);
    }
    if !bulk || status != reqwest::StatusCode::OK {
        let text = resp.text().await.unwrap_or_default();
        return Err(format!("{status}: {text}"));
    }
    let answer: serde_json::Value = resp
        .json()
        .await
        .map_err(|e| format!("{url}: the answer is not JSON: {e}"))?;
    let results = answer["results"]
        .as_array()
        .ok_or_else(|| format!("{url}: the answer has no `results` list"))?;
    Ok(results
        .iter()
        .enumerate()
        .map(|(i, item)| {
            if item["status"] == 201 {
                Ok(())
            } else {
                Err(format!("{url}: item {i}: {}", item["problem"]))
            }
        })
        .collect())
}

/// The report of a run: `latencies` holds one acknowledgement latency per acknowledged write.
fn report(
    mut latencies: Vec<Duration>,
    failed: u64,
    seconds: f64,
    first_error: Option<String>,
) -> HammerReport {
    latencies.sort_unstable();
    let pct = |p: f64| -> f64 {
        if latencies.is_empty() {
            return 0.0;
        }
        let i = ((latencies.len() as f64 - 1.0) * p).round() as usize;
        latencies[i].as_secs_f64() * 1000.0
    };
    let acknowledged = latencies.len() as u64;
    HammerReport {
        acknowledged,
        failed,
        seconds,
        per_second: acknowledged as f64 / seconds.max(1e-9),
        p50_ms: pct(0.5),
        p99_ms: pct(0.99),
        max_ms: pct(1.0),
        first_error,
    }
}

/// Runs `clients` concurrent readers for `seconds`, each GETting `paths` in turn from `hubs`
/// in turn (several nodes of one hub are loaded from one process, in one run). A 2xx answer
/// counts as served, anything else as failed.
async fn reads(
    hubs: &[String],
    paths: &[String],
    token: Option<&str>,
    clients: u64,
    seconds: f64,
) -> Result<HammerReport> {
    anyhow::ensure!(
        !hubs.is_empty() && !paths.is_empty(),
        "give at least one --hub and one --path"
    );
    let targets: Arc<Vec<String>> = Arc::new(
        hubs.iter()
            .flat_map(|h| {
                paths
                    .iter()
                    .map(move |p| format!("{}{p}", h.trim_end_matches('/')))
            })
            .collect(),
    );
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(clients as usize)
        .build()
        .context("cannot build the HTTP client")?;
    let failed = Arc::new(AtomicU64::new(0));
    let first_error: Arc<Mutex<Option<String>>> = Arc::new(Mutex::new(None));
    let until = Instant::now() + Duration::from_secs_f64(seconds);
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for c in 0..clients {
        let (client, targets, failed, first_error) = (
            client.clone(),
            targets.clone(),
            failed.clone(),
            first_error.clone(),
        );
        let token = token.map(str::to_owned);
        tasks.spawn(async move {
            let mut latencies = Vec::new();
            let mut i = c as usize;
            while Instant::now() < until {
                let url = &targets[i % targets.len()];
                i += 1;
                let mut request = client.get(url);
                if let Some(t) = &token {
                    request = request.bearer_auth(t);
                }
                let t0 = Instant::now();
                let outcome = match request.send().await {
                    Ok(resp) if resp.status().is_success() => {
                        resp.bytes().await.map_err(|e| format!("{url}: {e}"))
                    }
                    Ok(resp) => Err(format!("{url}: {}", resp.status())),
                    Err(e) => Err(format!("{url}: {e}")),
                };
                match outcome {
                    Ok(_) => latencies.push(t0.elapsed()),
                    Err(e) => {
                        failed.fetch_add(1, Ordering::Relaxed);
                        first_error.lock().await.get_or_insert(e);
                    }
                }
            }
            latencies
        });
    }
    let mut latencies = Vec::new();
    while let Some(done) = tasks.join_next().await {
        latencies.extend(done.context("a reader task failed")?);
    }
    let seconds = started.elapsed().as_secs_f64();
    let first_error = first_error.lock().await.take();
    Ok(report(
        latencies,
        failed.load(Ordering::Relaxed),
        seconds,
        first_error,
    ))
}

/// Reads a private key file written by `accord keygen`.
fn read_signer(path: &Path) -> Result<Signer> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read key {}", path.display()))?;
    Signer::from_key_string(text.trim()).with_context(|| {
        format!(
            "{} is not an accord private key (make one with `accord keygen`)",
            path.display()
        )
    })
}

//! `accord match`: indicators against observations, sightings out.
//!
//! Both files are read record by record ([`accord_stix::telemetry::Records`]),
//! so every error names `file:line`. Indicators come from STIX bundles or
//! NDJSON; observations from STIX (`observed-data` with its SCOs), Suricata
//! `eve.json` or Zeek JSON logs, detected per record, mixed freely, or a
//! Zeek TSV log (a file opening with `#separator`). All
//! observations of the file form one observation set: `FOLLOWEDBY`, `AND`
//! and qualifiers combine observations across the whole file. The matcher
//! probes its index and evaluates candidates on `--threads` threads.
//!
//! stdout carries only results (text lines, or NDJSON `sighting` objects
//! with `--json`); the summary and the progress bar (only on a terminal) go
//! to stderr.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use accord_stix::eval::Observation;
use accord_stix::marking::TlpMarking;
use accord_stix::matcher::Matcher;
use accord_stix::object::{Indicator, ObjectError, StixObject, sighting, validate_reference};
use accord_stix::pattern::Pattern;
use accord_stix::stream::StreamConfig;
use accord_stix::telemetry::zeek_tsv::TsvRecords;
use accord_stix::telemetry::{self, Format, Records};
use accord_tlp::Tlp;
use anyhow::{Context, Result, bail};
use indicatif::ProgressBar;

use crate::follow;
use crate::sharing::SharingClient;

/// Flags of `accord match`.
#[derive(Debug, clap::Args)]
pub struct MatchArgs {
    /// STIX indicators: a bundle, or NDJSON of indicator objects.
    ///
    /// Other object types are ignored.
    #[arg(long, required_unless_present = "hub", conflicts_with = "hub")]
    pub indicators: Option<PathBuf>,
    /// Pull the indicators from this hub instead.
    ///
    /// Those the token's party may read under TLP, from every collection open to it (or
    /// `--collection`).
    #[arg(long)]
    pub hub: Option<String>,
    /// The party's API token on the hub.
    #[arg(long, env = "ACCORD_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Only this collection of the hub.
    #[arg(long, requires = "hub")]
    pub collection: Option<String>,
    /// Post a STIX sighting of each matched indicator to its collection.
    ///
    /// One log entry each, signed for the token's party, marked with `--tlp`.
    #[arg(long, requires_all = ["hub", "tlp"])]
    pub post_sightings: bool,
    /// The TLP level of posted sightings.
    ///
    /// One of clear, green, amber, amber+strict or red; a TLP:RED sighting is read only by
    /// you and the recipients it names.
    #[arg(long)]
    pub tlp: Option<String>,
    /// An identity (`identity--…`) where the indicators were sighted.
    ///
    /// Goes to `where_sighted_refs`; repeat for several.
    #[arg(long = "where-sighted", requires = "post_sightings")]
    pub where_sighted: Vec<String>,
    /// Observations: STIX, Suricata eve.json or Zeek logs (JSON or TSV).
    ///
    /// STIX bundles or NDJSON (observed-data and its objects), Suricata eve.json (dns, http,
    /// tls, flow, fileinfo) or Zeek logs (conn, dns, http, files, ssl), JSON or the default
    /// TSV with its `#fields` header; JSON formats are detected per line.
    #[arg(long, required_unless_present = "follow", conflicts_with = "follow")]
    pub observations: Option<PathBuf>,
    /// Follow growing logs, matching records as they are appended.
    ///
    /// Suricata eve.json, Zeek JSON or Zeek TSV logs. Survives rotation (a new file at the
    /// path) and truncation; waits for a line's newline before reading it. Sightings are
    /// reported as they complete; SIGTERM or SIGINT stops cleanly, saving `--position`.
    #[arg(long, num_args = 1.., value_name = "PATH", conflicts_with = "post_sightings")]
    pub follow: Vec<PathBuf>,
    /// Where each followed file was read to, resumed after a restart.
    ///
    /// Written atomically at most every second, only after the sightings before it were
    /// written, and at shutdown.
    #[arg(long, value_name = "FILE", requires = "follow")]
    pub position: Option<PathBuf>,
    /// Start files with no saved position at their end.
    #[arg(long, requires = "follow")]
    pub from_end: bool,
    /// Window of patterns with no WITHIN or START/STOP, in seconds.
    ///
    /// With --follow, observations of a partial match are kept this long (event time);
    /// default 3600.
    #[arg(long, value_name = "SECS", requires = "follow")]
    pub window: Option<u64>,
    /// The most observations kept for partial matches (default 100000).
    ///
    /// With --follow; beyond it the oldest are dropped, counted and reported in the status
    /// line and the metrics.
    #[arg(long, value_name = "N", requires = "follow")]
    pub max_state: Option<usize>,
    /// How often to look for new lines when none came, in ms.
    #[arg(long, value_name = "MS", default_value_t = 200, requires = "follow")]
    pub poll_interval: u64,
    /// Status line to stderr every SECS seconds (0: never).
    #[arg(long, value_name = "SECS", default_value_t = 10, requires = "follow")]
    pub status_interval: u64,
    /// Serve Prometheus text metrics at http://ADDR/metrics.
    ///
    /// A local address such as 127.0.0.1:9464; the counters of the status line.
    #[arg(long, value_name = "ADDR", requires = "follow")]
    pub metrics: Option<std::net::SocketAddr>,
    /// Print NDJSON STIX sighting objects instead of text lines.
    #[arg(long)]
    pub json: bool,
    /// Worker threads (default: the number of CPUs).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Skip invalid records instead of stopping at the first.
    ///
    /// Bad JSON, invalid objects or patterns; they are counted and reported on stderr.
    #[arg(long)]
    pub skip_invalid: bool,
}

/// Invalid records skipped with `--skip-invalid`: how many, and the first
/// few messages (each `file:line: …`).
#[derive(Debug, Default)]
pub struct Skipped {
    count: usize,
    first: Vec<String>,
}

impl Skipped {
    /// Records a problem: an error in strict mode, a count otherwise.
    pub(crate) fn record(&mut self, skip: bool, message: String) -> Result<()> {
        if !skip {
            bail!(message);
        }
        self.count += 1;
        if self.first.len() < 5 {
            self.first.push(message);
        }
        Ok(())
    }

    /// Prints the count and first messages to stderr, if any.
    pub fn report(&self, what: &str) {
        if self.count == 0 {
            return;
        }
        eprintln!("skipped {} invalid {what} record(s):", self.count);
        for m in &self.first {
            eprintln!("  {m}");
        }
        if self.count > self.first.len() {
            eprintln!("  … and {} more", self.count - self.first.len());
        }
    }
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

/// Reads the indicators of a file, checking each pattern so that a bad one
/// is reported with its line.
pub fn read_indicators(path: &Path, skip_invalid: bool) -> Result<(Vec<Indicator>, Skipped)> {
    let text = read(path)?;
    let file = path.display();
    let mut skipped = Skipped::default();
    let mut indicators = Vec::new();
    for record in Records::new(&text) {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                skipped.record(skip_invalid, format!("{file}:{}: {}", e.line, e.reason))?;
                continue;
            }
        };
        let line = record.line;
        if record.value.get("type").and_then(|t| t.as_str()) != Some("indicator") {
            if telemetry::detect(&record.value) != Some(Format::Stix) {
                skipped.record(skip_invalid, format!("{file}:{line}: not a STIX object"))?;
            }
            continue;
        }
        match checked_indicator(StixObject::from_map(record.value)) {
            Ok(i) => indicators.push(i),
            Err(e) => skipped.record(skip_invalid, format!("{file}:{line}: {e}"))?,
        }
    }
    Ok((indicators, skipped))
}

/// What reading the observations found besides the observations.
#[derive(Debug, Default)]
struct ObservationStats {
    records: usize,
    unsupported: usize,
}

/// One record after the per-record work (which runs in parallel).
enum Parsed {
    Stix(usize, StixObject),
    Telemetry(Observation),
    Unsupported,
    Invalid(String),
}

/// Maps `f` over `items` on up to `threads` threads, keeping the order.
pub(crate) fn parallel_map<T: Send, U: Send>(
    items: Vec<T>,
    threads: usize,
    f: impl Fn(T) -> U + Sync,
) -> Vec<U> {
    let threads = threads.clamp(1, items.len().max(1));
    if threads == 1 {
        return items.into_iter().map(f).collect();
    }
    let per = items.len().div_ceil(threads);
    let mut parts: Vec<Vec<T>> = Vec::new();
    let mut items = items.into_iter();
    loop {
        let part: Vec<T> = items.by_ref().take(per).collect();
        if part.is_empty() {
            break;
        }
        parts.push(part);
    }
    let f = &f;
    std::thread::scope(|scope| {
        let workers: Vec<_> = parts
            .into_iter()
            .map(|part| scope.spawn(move || part.into_iter().map(f).collect::<Vec<U>>()))
            .collect();
        workers
            .into_iter()
            // A worker only panics on a bug; re-raise it in the caller.
            .flat_map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

fn read_observations(
    path: &Path,
    skip_invalid: bool,
    threads: usize,
) -> Result<(Vec<Observation>, Skipped, ObservationStats)> {
    let text = read(path)?;
    let file = path.display();
    let bar = crate::progress::bar(
        text.len() as u64,
        "{msg} [{bar:30}] {bytes}/{total_bytes} ({eta})",
        false,
    );
    bar.set_message("reading observations");
    let mut skipped = Skipped::default();
    let mut stats = ObservationStats::default();
    // JSON parsing is sequential (one reader over the text); what follows
    // per record (validation, telemetry mapping) runs on every thread.
    let mut good = Vec::new();
    if telemetry::zeek_tsv::looks_like_tsv(&text) {
        for record in TsvRecords::new(&text) {
            stats.records += 1;
            good.push(record.map_err(|e| format!("{file}:{}: {}", e.line, e.reason)));
        }
    } else {
        let mut records = Records::new(&text);
        while let Some(record) = records.next() {
            stats.records += 1;
            if stats.records.is_multiple_of(4096) {
                bar.set_position(records.offset() as u64);
            }
            // Kept in place so that, in strict mode, the first bad line in the
            // file is the one reported.
            good.push(record.map_err(|e| format!("{file}:{}: {}", e.line, e.reason)));
        }
    }
    bar.finish_and_clear();
    let parsed = parallel_map(good, threads, |record| {
        let record = match record {
            Ok(r) => r,
            Err(message) => return Parsed::Invalid(message),
        };
        let line = record.line;
        match telemetry::detect(&record.value) {
            Some(Format::Stix) => {
                match StixObject::from_map(record.value).and_then(|o| o.validate().map(|()| o)) {
                    Ok(o) => Parsed::Stix(line, o),
                    Err(e) => Parsed::Invalid(format!("{file}:{line}: {e}")),
                }
            }
            _ => match telemetry::observation(&record.value) {
                Ok(Some(o)) => Parsed::Telemetry(o),
                Ok(None) => Parsed::Unsupported,
                Err(e) => Parsed::Invalid(format!("{file}:{line}: {e}")),
            },
        }
    });
    // In file order: the first invalid record is the one reported.
    let mut stix: Vec<StixObject> = Vec::new();
    let mut slots: Vec<Result<Observation, (usize, usize)>> = Vec::new();
    for p in parsed {
        match p {
            Parsed::Stix(line, o) => {
                if o.object_type == "observed-data" {
                    slots.push(Err((line, stix.len())));
                }
                stix.push(o);
            }
            Parsed::Telemetry(o) => slots.push(Ok(o)),
            Parsed::Unsupported => stats.unsupported += 1,
            Parsed::Invalid(message) => skipped.record(skip_invalid, message)?,
        }
    }
    // Resolve observed-data references once every object is known.
    let by_id: HashMap<&str, &StixObject> = stix.iter().map(|o| (o.id.as_str(), o)).collect();
    let resolved = parallel_map(slots, threads, |slot| match slot {
        Ok(o) => Ok(o),
        Err((line, i)) => Observation::from_observed_data(&stix[i], |id| by_id.get(id).copied())
            .map_err(|e| format!("{file}:{line}: {e}")),
    });
    let mut observations = Vec::with_capacity(resolved.len());
    for r in resolved {
        match r {
            Ok(o) => observations.push(o),
            Err(message) => skipped.record(skip_invalid, message)?,
        }
    }
    Ok((observations, skipped, stats))
}

/// Checks one indicator, from a file or a hub: a valid STIX object, an indicator, and (for
/// STIX patterns) a pattern that parses.
fn checked_indicator(object: Result<StixObject, ObjectError>) -> Result<Indicator, String> {
    let indicator = object
        .and_then(|o| o.validate().map(|()| o))
        .and_then(|o| Indicator::from_object(&o))
        .map_err(|e| e.to_string())?;
    if indicator.pattern_type == "stix"
        && let Err(e) = Pattern::parse(&indicator.pattern)
    {
        return Err(format!("indicator {}: invalid pattern: {e}", indicator.id));
    }
    Ok(indicator)
}

/// Indicators the token's party may read on `hub`, each with the collection it came from.
/// The hub applies the TLP rule; indicators it holds that do not parse are skipped and
/// reported (they are someone else's to fix).
async fn pull(
    hub: &str,
    token: Option<&str>,
    collection: Option<&str>,
) -> Result<(Vec<Indicator>, Vec<Option<String>>, Skipped, SharingClient)> {
    let token =
        token.context("--hub needs the party's API token: pass --token or set ACCORD_TOKEN")?;
    let client = SharingClient::new(hub, token)?;
    let mut indicators = Vec::new();
    let mut origins = Vec::new();
    let mut skipped = Skipped::default();
    let mut seen = HashSet::new();
    for c in client.collections(collection).await? {
        for value in client.objects(&c, "indicator").await? {
            let id = value["id"].as_str().unwrap_or("?").to_owned();
            match checked_indicator(StixObject::from_value(value)) {
                // The same indicator shared in two collections is matched once; its
                // sightings go to the first collection it was read from.
                Ok(i) if seen.insert(i.id.clone()) => {
                    indicators.push(i);
                    origins.push(Some(c.clone()));
                }
                Ok(_) => {}
                Err(e) => skipped.record(true, format!("{hub} collection {c}: {id}: {e}"))?,
            }
        }
    }
    Ok((indicators, origins, skipped, client))
}

/// Runs `accord match`.
pub async fn run(args: &MatchArgs) -> Result<()> {
    let started = Instant::now();
    let tlp = args
        .tlp
        .as_deref()
        .map(|t| {
            Tlp::parse(t).with_context(|| {
                format!("--tlp {t:?}: use clear, green, amber, amber+strict or red")
            })
        })
        .transpose()?;
    for w in &args.where_sighted {
        // STIX 2.1 §5.7: where_sighted_refs name identity or location objects.
        let typed = w.starts_with("identity--") || w.starts_with("location--");
        if let Err(e) = validate_reference(w).and_then(|()| {
            typed
                .then_some(())
                .ok_or_else(|| "not an identity--… or location--… object".to_owned())
        }) {
            bail!("--where-sighted {w:?}: {e}");
        }
    }
    let (indicators, origins, skipped_indicators, client, source) =
        match (&args.indicators, &args.hub) {
            (Some(path), _) => {
                let (i, s) = read_indicators(path, args.skip_invalid)?;
                let n = i.len();
                (i, vec![None; n], s, None, path.display().to_string())
            }
            (None, Some(hub)) => {
                let (i, o, s, c) =
                    pull(hub, args.token.as_deref(), args.collection.as_deref()).await?;
                (i, o, s, Some(c), hub.clone())
            }
            (None, None) => bail!("give --indicators FILE or --hub URL"),
        };
    let threads = args
        .threads
        .or_else(|| std::thread::available_parallelism().ok().map(Into::into))
        .unwrap_or(1)
        .max(1);
    let Some(observations_path) = &args.observations else {
        skipped_indicators.report("indicator");
        let mut config = StreamConfig::default();
        if let Some(w) = args.window {
            config.window = jiff::SignedDuration::from_secs(
                i64::try_from(w).context("--window: too many seconds")?,
            );
        }
        if let Some(m) = args.max_state {
            config.max_state = m;
        }
        let options = follow::Options {
            paths: args.follow.clone(),
            position: args.position.clone(),
            from_end: args.from_end,
            json: args.json,
            skip_invalid: args.skip_invalid,
            threads,
            config,
            poll: std::time::Duration::from_millis(args.poll_interval.max(1)),
            status: (args.status_interval > 0)
                .then(|| std::time::Duration::from_secs(args.status_interval)),
            metrics: args.metrics,
        };
        return follow::run(indicators, options).await;
    };
    let compiling = Instant::now();
    let matcher = Matcher::compile(&indicators)
        .with_context(|| format!("{source}: cannot compile indicators"))?;
    let compiled = compiling.elapsed();
    let reading = Instant::now();
    let (observations, skipped_observations, stats) =
        read_observations(observations_path, args.skip_invalid, threads)?;
    let read = reading.elapsed();
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new_spinner().with_message("matching");
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        bar
    } else {
        ProgressBar::hidden()
    };
    let matching = Instant::now();
    let sightings = matcher.match_observations_threaded(&observations, threads);
    let matched = matching.elapsed();
    bar.finish_and_clear();

    let created = jiff::Timestamp::now();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    // Sightings to post, per collection.
    let mut to_post: BTreeMap<String, Vec<serde_json::Value>> = BTreeMap::new();
    for s in &sightings {
        let indicator = &indicators[s.indicator];
        let matched: Vec<&Observation> = s.observations.iter().map(|&i| &observations[i]).collect();
        let refs: Vec<String> = matched.iter().map(|o| o.id.clone()).collect();
        let (Some(first), Some(last)) = (
            matched.iter().map(|o| o.first_observed).min(),
            matched.iter().map(|o| o.last_observed).max(),
        ) else {
            continue;
        };
        // The STIX sighting only when it is printed or posted.
        if args.json || args.post_sightings {
            // Deterministic id: the same indicator seen in the same observations is the same
            // sighting (posted again, it is a new version of it, not a second sighting).
            let key = format!("{} {}", indicator.id, refs.join(" "));
            let id = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, key.as_bytes());
            let count = matched.iter().map(|o| o.number_observed).sum();
            let object = sighting(id, created, &indicator.id, &refs, first, last, count);
            if args.post_sightings
                && let (Some(level), Some(collection)) = (tlp, &origins[s.indicator])
            {
                to_post
                    .entry(collection.clone())
                    .or_default()
                    .push(hub_sighting(&object, level, &args.where_sighted));
            }
            if args.json {
                serde_json::to_writer(&mut out, &object)?;
                writeln!(out)?;
            }
        }
        if !args.json {
            match &indicator.name {
                Some(name) => {
                    // One line per sighting, whatever the name holds.
                    let name: String = name
                        .chars()
                        .map(|c| if c.is_control() { ' ' } else { c })
                        .collect();
                    write!(out, "{} ({name}):", indicator.id)?
                }
                None => write!(out, "{}:", indicator.id)?,
            }
            writeln!(out, " {}", refs.join(", "))?;
        }
    }
    out.flush()?;

    skipped_indicators.report("indicator");
    skipped_observations.report("observation");
    for (i, reason) in matcher.skipped() {
        eprintln!("indicator {} not matched: {reason}", indicators[*i].id);
    }
    eprintln!(
        "{} sighting(s): {} indicator(s) against {} observation(s) from {} record(s){} in {:.3} s on {threads} thread(s) \
         (compiling {:.3} s, reading observations {:.3} s, matching {:.3} s)",
        sightings.len(),
        indicators.len() - matcher.skipped().len(),
        observations.len(),
        stats.records,
        if stats.unsupported > 0 {
            format!(
                " ({} record(s) of event types without a mapping ignored)",
                stats.unsupported
            )
        } else {
            String::new()
        },
        started.elapsed().as_secs_f64(),
        compiled.as_secs_f64(),
        read.as_secs_f64(),
        matched.as_secs_f64(),
    );
    if let (Some(client), Some(level)) = (client.filter(|_| args.post_sightings), tlp) {
        let mut refused = 0;
        for (collection, objects) in &to_post {
            let posted = client.post(collection, objects).await?;
            eprintln!(
                "posted {} sighting(s) to collection {collection} at {level}: {} accepted, {} refused",
                objects.len(),
                posted.accepted,
                posted.refused.len()
            );
            for r in &posted.refused {
                eprintln!("  refused {r}");
            }
            refused += posted.refused.len();
        }
        if to_post.is_empty() {
            eprintln!("no sighting to post");
        }
        if refused > 0 {
            bail!("the hub refused {refused} sighting(s)");
        }
    }
    Ok(())
}

/// The sighting as posted to a hub: marked with `level` (TLP 2.0), naming where it was
/// sighted, and without `observed_data_refs`, which point at local telemetry the hub does
/// not hold (and which stays local).
fn hub_sighting(object: &StixObject, level: Tlp, where_sighted: &[String]) -> serde_json::Value {
    let mut map = object.to_value();
    map.remove("observed_data_refs");
    map.insert(
        "object_marking_refs".into(),
        serde_json::json!([TlpMarking::of(level).id()]),
    );
    if !where_sighted.is_empty() {
        map.insert(
            "where_sighted_refs".into(),
            serde_json::json!(where_sighted),
        );
    }
    serde_json::Value::Object(map)
}

//! `accord match`: indicators against observations, sightings out.
//!
//! Both files are read record by record ([`accord_stix::telemetry::Records`]),
//! so every error names `file:line`. Indicators come from STIX bundles or
//! NDJSON; observations from STIX (`observed-data` with its SCOs), Suricata
//! `eve.json` or Zeek JSON logs, detected per record, mixed freely, or a
//! Zeek TSV log (a file opening with `#separator`). The
//! observations are matched as they are read ([`accord_stix::stream`]): the
//! file is never held in memory; `--threads` workers parse, map and probe
//! blocks of lines, and one stream takes them in file order. `FOLLOWEDBY`,
//! `AND` and qualifiers combine observations inside a window (`WITHIN`, or
//! `--window`) under a state limit (`--max-state`) whose drops are reported.
//! `--follow` tails growing logs instead ([`crate::follow`]).
//!
//! With `--follow PATH…` the files are not read once but followed as they
//! grow, and indicators are matched by `accord_stix::stream`, one
//! observation at a time with windowed state (the loop is in `follow/`).
//!
//! stdout carries only results (text lines, or NDJSON `sighting` objects
//! with `--json`); the summary and the progress bar (only on a terminal) go
//! to stderr.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use accord_stix::eval::Observation;
use accord_stix::object::{Indicator, ObservedData, StixObject, sighting, validate_reference};
use accord_stix::stream::{
    DEFAULT_MAX_STATE, Probe, Seen, Stream, StreamConfig, StreamMatcher, StreamSighting,
    StreamStats,
};
use accord_stix::telemetry::zeek_tsv::{self, TsvReader};
use accord_stix::telemetry::{self, Format, Json, Object, Record, RecordError, Records};
use accord_tlp::Tlp;
use anyhow::{Context, Result, bail};
use indicatif::ProgressBar;

use crate::follow;
use crate::matching::{Checked, Skipped, hub_sighting, read_indicators, write_match_line};
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
    /// One log entry each, signed for the token's party, marked with `--tlp`. With
    /// `--follow`, matches are summed per indicator over `--sighting-interval` and sent
    /// through `--spool`, instead of printed. Not with --indicators: a sighting goes to
    /// its indicator's collection on the hub.
    #[arg(long, requires_all = ["hub", "tlp"], conflicts_with = "indicators")]
    pub post_sightings: bool,
    /// With --follow --post-sightings: batches wait here for the hub.
    ///
    /// One file per batch, written before it is sent and removed once the hub took it, so
    /// nothing is lost while the hub is down or slow; a batch the hub refuses goes to
    /// `rejected/` with the reason (move it back to send it again).
    #[arg(long, value_name = "DIR", requires_all = ["follow", "post_sightings"])]
    pub spool: Option<PathBuf>,
    /// With --follow --post-sightings: one sighting per indicator this often.
    ///
    /// Each carries the first and last time seen and the count of the interval's matches.
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "60s",
        value_parser = parse_window,
        requires = "spool"
    )]
    pub sighting_interval: jiff::SignedDuration,
    /// Unsent batches beyond which sightings are summed for longer.
    ///
    /// While the hub is behind by this many batches the interval is held open (counts
    /// grow, nothing is dropped), for up to 10 intervals; then it is spooled anyway.
    #[arg(long, value_name = "N", default_value_t = 16, requires = "spool")]
    pub max_unsent: usize,
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
    #[arg(long, num_args = 1.., value_name = "PATH")]
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
    /// How often to look for new lines when none came, in ms.
    #[arg(long, value_name = "MS", default_value_t = 200, requires = "follow")]
    pub poll_interval: u64,
    /// Status line to stderr every SECS seconds (0: never).
    #[arg(long, value_name = "SECS", default_value_t = 10, requires = "follow")]
    pub status_interval: u64,
    /// How often to read the indicators again while following.
    ///
    /// With --hub, only what was added since the last read (TAXII added_after), and every
    /// tenth time the manifests, for deletions; a file is read again when it changed. Revoked
    /// indicators and those past valid_until leave the set. Default: 60s with --hub, 5s
    /// with --indicators. A duration such as 60s or 5m.
    #[arg(long, value_name = "DURATION", value_parser = parse_interval, requires = "follow")]
    pub refresh: Option<std::time::Duration>,
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
    /// How far apart combined observations may be, without `WITHIN`.
    ///
    /// Observations are matched as they are read. A pattern that combines observations
    /// (`AND`, `OR`, `FOLLOWEDBY` across `[…]`, `REPEATS`) keeps those that satisfy one of
    /// its `[…]`; `WITHIN n SECONDS` or `START`/`STOP` keep them for that long, and a pattern
    /// without a time bound is evaluated as if `WITHIN` this window (event time: the
    /// latest `first_observed` read). Observations further apart, or out of time order by
    /// more than the window, do not combine, unlike evaluating the whole file as one set.
    /// Each observation takes part in at most one sighting per indicator. A duration such
    /// as `1h`, `30m` or `90s`, or a number of seconds. The same with `--follow`.
    #[arg(long, default_value = "1h", value_parser = parse_window)]
    pub window: jiff::SignedDuration,
    /// Most observations kept for combining patterns, over all indicators.
    ///
    /// Beyond it, the oldest kept observation of the indicator keeping the most is dropped;
    /// drops are counted on stderr (partial matches that might have completed; with
    /// `--follow` in the status line and the metrics). About 200 bytes each.
    #[arg(long, default_value_t = DEFAULT_MAX_STATE)]
    pub max_state: usize,
    /// Skip invalid records instead of stopping at the first.
    ///
    /// Bad JSON, invalid objects or patterns; they are counted and reported on stderr.
    #[arg(long)]
    pub skip_invalid: bool,
}

/// `--window`: a positive duration (`1h`, `30m`, `90s`, ISO 8601 `PT1H`, or seconds).
fn parse_window(text: &str) -> Result<jiff::SignedDuration, String> {
    let d: jiff::SignedDuration = match text.parse::<i64>() {
        Ok(seconds) => jiff::SignedDuration::from_secs(seconds),
        Err(_) => text
            .parse()
            .map_err(|e| format!("{text:?} is not a duration such as 1h, 30m or 90s: {e}"))?,
    };
    if d.is_negative() || d.is_zero() {
        return Err(format!("{text:?}: the window must be positive"));
    }
    Ok(d)
}

/// `--refresh`: a duration of at least one second (`60s`, `5m`, or seconds).
fn parse_interval(text: &str) -> Result<std::time::Duration, String> {
    let d = parse_window(text)?;
    let d = std::time::Duration::try_from(d).map_err(|e| format!("{text:?}: {e}"))?;
    if d < std::time::Duration::from_secs(1) {
        return Err(format!("{text:?}: refresh at most once a second"));
    }
    Ok(d)
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

/// What reading the observations found besides the observations.
#[derive(Debug, Default)]
struct ObservationStats {
    records: usize,
    unsupported: usize,
}

/// One record after the per-record work (which runs on the worker threads).
enum Item {
    /// Telemetry, mapped and looked up in the indexes.
    Probe(Probe),
    /// A valid STIX object and its line.
    Stix(usize, StixObject),
    Unsupported,
    Invalid(String),
    /// A line that ends inside a JSON value: pretty-printed input, which the
    /// line-by-line reader cannot split (unless it is the file's last line,
    /// then it is invalid).
    Incomplete(String),
}

/// Lines handed to a worker at once: about 2,500 eve.json events.
const BLOCK: usize = 1 << 20;

/// The per-record work: format detection, validation, the telemetry mapping and the
/// index lookups, for one record read at `line`.
fn process(record: Record, line: usize, file: &str, matcher: &StreamMatcher) -> Item {
    match telemetry::detect(&record.value) {
        Some(Format::Stix) => {
            match StixObject::from_map(record.value).and_then(|o| o.validate().map(|()| o)) {
                Ok(o) => Item::Stix(line, o),
                Err(e) => Item::Invalid(format!("{file}:{line}: {e}")),
            }
        }
        // The id hashes the whole record: only for observations that match.
        _ => match telemetry::observation_unnamed(&record.value) {
            Ok(Some(o)) => Item::Probe(
                matcher
                    .probe(&o)
                    .with_id(|| telemetry::observation_id(&record.value)),
            ),
            Ok(None) => Item::Unsupported,
            Err(e) => Item::Invalid(format!("{file}:{line}: {e}")),
        },
    }
}

/// The per-record work for a line holding one telemetry record, read
/// borrowed ([`Object`]): the same item [`process`] gives for it, without
/// copying the record's strings.
fn process_telemetry(
    record: &Object<'_>,
    line: usize,
    file: &str,
    matcher: &StreamMatcher,
) -> Item {
    match telemetry::object_observation(record, matcher.object_types()) {
        Ok(Some(o)) => Item::Probe(
            matcher
                .probe(&o)
                .with_id(|| telemetry::object_observation_id(record)),
        ),
        Ok(None) => Item::Unsupported,
        Err(e) => Item::Invalid(format!("{file}:{line}: {e}")),
    }
}

/// The records of one block of whole lines starting at line `first`.
fn process_block(text: &str, first: usize, file: &str, matcher: &StreamMatcher) -> Vec<Item> {
    let mut items = Vec::new();
    for (n, line) in text.split('\n').enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = first + n;
        // Nearly every line of a sensor log is one record that is not STIX: read it
        // borrowed. STIX objects and bundles, several values on a line and lines that do
        // not parse take the general reader, which says what is wrong as it always did.
        if let Ok(record) = Object::parse(line)
            && telemetry::detect_object(&record) != Some(Format::Stix)
            && record.get("type").and_then(Json::as_str) != Some("bundle")
        {
            items.push(process_telemetry(&record, at, file, matcher));
            continue;
        }
        for record in Records::new(line) {
            match record {
                Ok(r) => items.push(process(r, at, file, matcher)),
                Err(e) => {
                    let eof = serde_json::from_str::<serde::de::IgnoredAny>(line)
                        .err()
                        .is_some_and(|e| e.is_eof());
                    let message = format!("{file}:{at}: {}", e.reason);
                    items.push(if eof {
                        Item::Incomplete(message)
                    } else {
                        Item::Invalid(message)
                    });
                }
            }
        }
    }
    items
}

/// Takes the records in file order: feeds the stream, resolves STIX observed-data, and
/// gathers the sightings per indicator.
struct Consumer<'a> {
    file: &'a str,
    skip_invalid: bool,
    stream: Stream,
    stats: ObservationStats,
    skipped: Skipped,
    /// STIX objects other than observed-data, by id: observed-data may reference any of
    /// the file's objects, before or after it.
    objects: HashMap<String, StixObject>,
    /// Observed-data whose references were not all read yet, with their lines.
    deferred: Vec<(usize, StixObject)>,
    sightings: BTreeMap<usize, Vec<Arc<Seen>>>,
    out: Vec<StreamSighting>,
    /// A line ending inside a value: fatal only if it is not the file's last record.
    incomplete: Option<String>,
}

/// The reader must start again with the whole-text reader (pretty-printed input).
struct Restart;

impl<'a> Consumer<'a> {
    fn new(file: &'a str, skip_invalid: bool, stream: Stream) -> Consumer<'a> {
        Consumer {
            file,
            skip_invalid,
            stream,
            stats: ObservationStats::default(),
            skipped: Skipped::default(),
            objects: HashMap::new(),
            deferred: Vec::new(),
            sightings: BTreeMap::new(),
            out: Vec::new(),
            incomplete: None,
        }
    }

    fn take(&mut self, item: Item) -> Result<Result<(), Restart>> {
        if self.incomplete.is_some() {
            return Ok(Err(Restart));
        }
        self.stats.records += 1;
        match item {
            Item::Probe(p) => self.stream.push_probe(p, &mut self.out),
            Item::Stix(line, o) => {
                if o.object_type == "observed-data" {
                    let ready = ObservedData::from_object(&o)
                        .is_ok_and(|d| d.object_refs.iter().all(|r| self.objects.contains_key(r)));
                    if ready {
                        self.observed(line, &o)?;
                    } else {
                        self.deferred.push((line, o));
                    }
                } else {
                    self.objects.insert(o.id.clone(), o);
                }
            }
            Item::Unsupported => self.stats.unsupported += 1,
            Item::Invalid(message) => self.skipped.record(self.skip_invalid, message)?,
            Item::Incomplete(message) => self.incomplete = Some(message),
        }
        for s in self.out.drain(..) {
            self.sightings
                .entry(s.indicator)
                .or_default()
                .extend(s.observations);
        }
        Ok(Ok(()))
    }

    fn observed(&mut self, line: usize, o: &StixObject) -> Result<()> {
        match Observation::from_observed_data(o, |id| self.objects.get(id)) {
            Ok(observation) => {
                self.stream.push(&observation, &mut self.out);
                Ok(())
            }
            Err(e) => self
                .skipped
                .record(self.skip_invalid, format!("{}:{line}: {e}", self.file)),
        }
    }

    /// The end of the file: the last incomplete line is invalid, deferred observed-data
    /// are resolved, and what the stream still holds is discarded.
    fn finish(mut self) -> Result<Read> {
        if let Some(message) = self.incomplete.take() {
            self.skipped.record(self.skip_invalid, message)?;
        }
        for (line, o) in std::mem::take(&mut self.deferred) {
            self.observed(line, &o)?;
        }
        for s in self.out.drain(..) {
            self.sightings
                .entry(s.indicator)
                .or_default()
                .extend(s.observations);
        }
        let state = self.stream.flush();
        let mut sightings = self.sightings;
        for seen in sightings.values_mut() {
            seen.sort_by_key(|s| s.seq);
            seen.dedup_by_key(|s| s.seq);
        }
        Ok(Read {
            sightings,
            skipped: self.skipped,
            stats: self.stats,
            state,
        })
    }
}

/// What reading and matching the observations gave.
struct Read {
    sightings: BTreeMap<usize, Vec<Arc<Seen>>>,
    skipped: Skipped,
    stats: ObservationStats,
    state: StreamStats,
}

/// Reads the observations record by record and matches them as they come: a reader
/// thread cuts the file into blocks of whole lines, `threads` workers parse, map and probe
/// each block, and this thread feeds the probes to the stream in file order. Memory
/// holds a few blocks, the stream's bounded state and the STIX objects observed-data may
/// reference, never the file. A pretty-printed file (a value spanning lines) is read
/// whole instead, with the same results.
fn match_observations(
    path: &Path,
    matcher: &Arc<StreamMatcher>,
    config: StreamConfig,
    skip_invalid: bool,
    threads: usize,
) -> Result<Read> {
    let file = path.display().to_string();
    let size = std::fs::metadata(path)
        .with_context(|| format!("cannot read {file}"))?
        .len();
    let bar = crate::progress::bar(
        size,
        "{msg} [{bar:30}] {bytes}/{total_bytes} ({eta})",
        false,
    );
    bar.set_message("matching observations");
    if starts_as_tsv(path)? {
        bar.finish_and_clear();
        let stream = Stream::new(Arc::clone(matcher), config);
        return tsv(path, &file, skip_invalid, stream, matcher);
    }
    let mut consumer = Consumer::new(
        &file,
        skip_invalid,
        Stream::new(Arc::clone(matcher), config),
    );
    let lines = by_lines(path, &file, matcher, threads, &bar, &mut consumer)?;
    bar.finish_and_clear();
    if lines.is_ok() {
        return consumer.finish();
    }
    // Pretty-printed: read the text whole, one value after another.
    let text = read(path)?;
    let stream = Stream::new(Arc::clone(matcher), config);
    whole(Records::new(&text), &file, skip_invalid, stream, matcher)
}

/// Matches the records of a text read whole (pretty-printed JSON), in order.
fn whole(
    records: impl Iterator<Item = Result<Record, RecordError>>,
    file: &str,
    skip_invalid: bool,
    stream: Stream,
    matcher: &StreamMatcher,
) -> Result<Read> {
    let mut consumer = Consumer::new(file, skip_invalid, stream);
    for record in records {
        let item = match record {
            Ok(r) => {
                let line = r.line;
                process(r, line, file, matcher)
            }
            Err(e) => Item::Invalid(format!("{file}:{}: {}", e.line, e.reason)),
        };
        // `Incomplete` only comes from the line reader, so no restart can be asked here.
        let _ = consumer.take(item)?;
    }
    consumer.finish()
}

/// Matches the records of a Zeek TSV log, read one line at a time (a record's meaning
/// depends on the header lines before it, so in order, on this thread): memory holds a
/// line, never the file.
fn tsv(
    path: &Path,
    file: &str,
    skip_invalid: bool,
    stream: Stream,
    matcher: &StreamMatcher,
) -> Result<Read> {
    use std::io::BufRead as _;
    let mut input = std::io::BufReader::with_capacity(
        BLOCK,
        std::fs::File::open(path).with_context(|| format!("cannot read {file}"))?,
    );
    let mut reader = TsvReader::new();
    let mut consumer = Consumer::new(file, skip_invalid, stream);
    let mut text = String::new();
    let mut line = 0usize;
    loop {
        text.clear();
        if input
            .read_line(&mut text)
            .with_context(|| format!("cannot read {file}"))?
            == 0
        {
            break;
        }
        line += 1;
        let item = match reader.line(text.strip_suffix('\n').unwrap_or(&text)) {
            Ok(None) => continue,
            Ok(Some(value)) => process(Record { line, value }, line, file, matcher),
            Err(e) => Item::Invalid(format!("{file}:{line}: {e}")),
        };
        // `Incomplete` only comes from the JSON line reader, so no restart can be asked here.
        let _ = consumer.take(item)?;
    }
    consumer.finish()
}

/// Whether the file opens as a Zeek TSV log (its first non-blank line of the first 64 KiB
/// is `#separator …`).
fn starts_as_tsv(path: &Path) -> Result<bool> {
    use std::io::Read as _;
    let mut head = Vec::with_capacity(1 << 16);
    std::fs::File::open(path)
        .and_then(|f| f.take(1 << 16).read_to_end(&mut head))
        .with_context(|| format!("cannot read {}", path.display()))?;
    Ok(zeek_tsv::looks_like_tsv(&String::from_utf8_lossy(&head)))
}

/// The line-by-line pipeline of [`match_observations`]; `Err(Restart)` when the file
/// turns out not to be one record per line.
fn by_lines(
    path: &Path,
    file: &str,
    matcher: &StreamMatcher,
    threads: usize,
    bar: &ProgressBar,
    consumer: &mut Consumer<'_>,
) -> Result<Result<(), Restart>> {
    use std::io::Read as _;
    use std::sync::mpsc;

    let mut input = std::fs::File::open(path).with_context(|| format!("cannot read {file}"))?;
    let (work_tx, work_rx) = mpsc::sync_channel::<(usize, usize, String)>(threads * 2);
    let work_rx = std::sync::Mutex::new(work_rx);
    let (done_tx, done_rx) = mpsc::sync_channel::<(usize, Vec<Item>)>(threads * 2);
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| -> Result<Result<(), Restart>> {
        let (stop, bar) = (&stop, bar);
        // Owns the sender: when it returns, the workers see the end of the work.
        let reader = scope.spawn(move || -> Result<()> {
            let mut carry: Vec<u8> = Vec::new();
            let mut block = vec![0u8; BLOCK];
            let (mut index, mut line, mut read) = (0usize, 1usize, 0u64);
            loop {
                if stop.load(std::sync::atomic::Ordering::Relaxed) {
                    return Ok(());
                }
                let n = input
                    .read(&mut block)
                    .with_context(|| format!("cannot read {file}"))?;
                read += n as u64;
                bar.set_position(read);
                carry.extend_from_slice(&block[..n]);
                let cut = if n == 0 {
                    carry.len()
                } else {
                    match carry.iter().rposition(|&b| b == b'\n') {
                        Some(i) if carry.len() >= BLOCK => i + 1,
                        _ => continue,
                    }
                };
                let rest = carry.split_off(cut);
                let text = String::from_utf8(std::mem::replace(&mut carry, rest))
                    .map_err(|e| anyhow::anyhow!("{file}: not UTF-8 text near line {line}: {e}"))?;
                let lines = text.matches('\n').count();
                if !text.is_empty() && work_tx.send((index, line, text)).is_err() {
                    return Ok(());
                }
                index += 1;
                line += lines;
                if n == 0 {
                    return Ok(());
                }
            }
        });
        for _ in 0..threads {
            let (work_rx, done_tx) = (&work_rx, done_tx.clone());
            scope.spawn(move || {
                loop {
                    // A poisoned lock means another worker panicked: stop.
                    let next = match work_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    let Ok((index, first, text)) = next else {
                        return;
                    };
                    let items = process_block(&text, first, file, matcher);
                    if done_tx.send((index, items)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(done_tx);
        let mut pending: BTreeMap<usize, Vec<Item>> = BTreeMap::new();
        let mut next = 0usize;
        let mut outcome = Ok(Ok(()));
        'blocks: for (index, items) in done_rx.iter() {
            pending.insert(index, items);
            while let Some(items) = pending.remove(&next) {
                next += 1;
                for item in items {
                    match consumer.take(item) {
                        Ok(Ok(())) => {}
                        other => {
                            outcome = other;
                            break 'blocks;
                        }
                    }
                }
            }
        }
        // Stop the reader: the workers fail to send and return; drain what the reader
        // still sends so it is never blocked on a full queue.
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        drop(done_rx);
        if let Ok(rx) = work_rx.lock() {
            while rx.recv().is_ok() {}
        }
        let read = reader
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        match outcome {
            Ok(Ok(())) => read.map(Ok),
            other => other,
        }
    })
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
    let mut revoked = 0usize;
    for c in client.collections(collection).await? {
        for value in client.objects(&c, "indicator").await? {
            let id = value["id"].as_str().unwrap_or("?").to_owned();
            let checked = StixObject::from_value(value)
                .map_err(|e| e.to_string())
                .and_then(|o| Checked::of(&o));
            match checked {
                // Withdrawn by its producer: the hub serves its latest version, revoked.
                Ok(i) if i.revoked => revoked += 1,
                // The same indicator shared in two collections is matched once; its
                // sightings go to the first collection it was read from.
                Ok(i) if seen.insert(i.indicator.id.clone()) => {
                    indicators.push(i.indicator);
                    origins.push(Some(c.clone()));
                }
                Ok(_) => {}
                Err(e) => skipped.record(true, format!("{hub} collection {c}: {id}: {e}"))?,
            }
        }
    }
    if revoked > 0 {
        eprintln!("{hub}: {revoked} revoked indicator(s) left out");
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
    if args.post_sightings && !args.follow.is_empty() && args.spool.is_none() {
        bail!("--follow with --post-sightings needs --spool DIR, where sightings wait for the hub");
    }
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
    let threads = args
        .threads
        .or_else(|| std::thread::available_parallelism().ok().map(Into::into))
        .unwrap_or(1)
        .max(1);
    let config = StreamConfig {
        window: args.window,
        max_state: args.max_state,
    };
    let Some(observations_path) = &args.observations else {
        let (origin, every) = match (&args.indicators, &args.hub) {
            (Some(path), _) => (
                follow::refresh::Origin::File {
                    path: path.clone(),
                    skip_invalid: args.skip_invalid,
                },
                follow::refresh::FILE_INTERVAL,
            ),
            (None, Some(hub)) => (
                follow::refresh::Origin::Hub {
                    url: hub.clone(),
                    token: args.token.clone().context(
                        "--hub needs the party's API token: pass --token or set ACCORD_TOKEN",
                    )?,
                    collection: args.collection.clone(),
                },
                follow::refresh::HUB_INTERVAL,
            ),
            (None, None) => bail!("give --indicators FILE or --hub URL"),
        };
        let post = match (&args.hub, tlp, args.post_sightings) {
            (Some(hub), Some(tlp), true) => {
                let spool = args
                    .spool
                    .clone()
                    .context("--follow with --post-sightings needs --spool DIR")?;
                let interval = args
                    .sighting_interval
                    .try_into()
                    .context("--sighting-interval is out of range")?;
                let token = args.token.as_deref().context(
                    "--hub needs the party's API token: pass --token or set ACCORD_TOKEN",
                )?;
                Some(follow::Post {
                    client: Arc::new(SharingClient::new(hub, token)?),
                    spool,
                    interval,
                    max_unsent: args.max_unsent.max(1),
                    tlp,
                    where_sighted: args.where_sighted.clone(),
                })
            }
            _ => None,
        };
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
            post,
            refresh: args.refresh.unwrap_or(every),
        };
        return follow::run(origin, options).await;
    };
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
    let compiling = Instant::now();
    let matcher = Arc::new(
        StreamMatcher::compile(&indicators)
            .with_context(|| format!("{source}: cannot compile indicators"))?,
    );
    let compiled = compiling.elapsed();
    let matching = Instant::now();
    let Read {
        sightings,
        skipped: skipped_observations,
        stats,
        state,
    } = match_observations(
        observations_path,
        &matcher,
        config,
        args.skip_invalid,
        threads,
    )?;
    let matched = matching.elapsed();

    let created = jiff::Timestamp::now();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    // Sightings to post, per collection.
    let mut to_post: BTreeMap<String, Vec<serde_json::Value>> = BTreeMap::new();
    for (&n, matched) in &sightings {
        let indicator = &indicators[n];
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
                && let (Some(level), Some(collection)) = (tlp, &origins[n])
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
            write_match_line(&mut out, indicator, &refs)?;
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
         (compiling {:.3} s, reading and matching {:.3} s)",
        sightings.len(),
        indicators.len() - matcher.skipped().len(),
        state.observations,
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
        matched.as_secs_f64(),
    );
    if matcher.combining() > 0 {
        eprintln!(
            "{} combining indicator(s), window {:#}: {} observation(s) left their window unmatched, \
             {} partial match(es) open at the end of the input, {} dropped at --max-state {}",
            matcher.combining(),
            args.window,
            state.expired,
            state.discarded,
            state.dropped,
            args.max_state,
        );
    }
    if state.dropped > 0 {
        eprintln!(
            "warning: the state limit dropped {} kept observation(s) of combining indicators; \
             matches they would have completed are missing (raise --max-state)",
            state.dropped
        );
    }
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

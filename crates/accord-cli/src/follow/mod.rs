//! `accord match --follow`: indicators against sensor logs as they grow.
//!
//! Each followed file is read by a [`tail::Tail`] (rotation, truncation,
//! partial last lines, bounded memory). Its complete lines are parsed and
//! mapped to observations on every thread, probed against the indicators
//! ([`StreamMatcher::probe`]), and fed in file order to one
//! [`accord_stix::stream::Stream`], which reports a sighting as soon as it
//! completes and keeps the partial matches of combining patterns only for
//! their window, within a state limit whose drops are reported.
//!
//! # Polling, not notification
//!
//! When a file has nothing new, it is looked at again every
//! `--poll-interval` (200 ms by default). While records arrive the reader
//! never waits, so polling only adds up to one interval of lag to the first
//! record after a quiet spell; and rotation and truncation must be found by
//! `stat` whatever wakes the reader. A notification crate (inotify) would
//! save that wait but misses changes on network and some container file
//! systems, so the simpler poll, which works everywhere, was chosen.
//!
//! # Positions
//!
//! With `--position FILE`, where each file was read to (its device and
//! inode, the byte offset and line, and the Zeek TSV header in force) is
//! written atomically at most every second, only after the sightings of
//! every line before it were written and flushed, and at shutdown
//! (SIGTERM, SIGINT). A restart resumes there and reports nothing twice
//! after a clean stop; after a crash, at most the last second's sightings
//! come again, with the same ids (sighting ids are derived from the
//! indicator and the observations).
//!
//! # Sightings to a hub
//!
//! With `--post-sightings` the matches are not printed one by one but summed
//! per indicator ([`aggregate`]) over `--sighting-interval`, then written as
//! batches to the spool directory ([`spool`]) and sent from there
//! ([`deliver`]). The position is saved only when every match before it is
//! in a spooled batch, so a crash reports again at most, never loses. While
//! `--max-unsent` batches wait for the hub, the current interval is held
//! open instead (its counts grow; memory stays one entry per indicator), up
//! to [`HOLD_INTERVALS`] intervals, after which it is spooled anyway and the
//! spool grows on disk. SIGTERM spools what was summed, saves the position,
//! and gives the sender [`FINAL_PASS`] to send what it can.
//!
//! # Indicators that stay current
//!
//! The indicators are read again every `--refresh` ([`refresh`]: from a hub
//! only what was added since, with a periodic comparison of manifests for
//! deletions; a file when it changed). A new set is compiled off this loop
//! and swapped in between two chunks of lines, so every event is matched
//! exactly once, against the set in force when its chunk was read; the
//! partial matches of combining indicators whose id and pattern did not
//! change survive the swap.

pub mod aggregate;
pub mod deliver;
pub mod metrics;
pub mod refresh;
pub mod spool;
pub mod tail;

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use accord_stix::object::{Indicator, sighting};
use accord_stix::stream::{Probe, Stream, StreamConfig, StreamMatcher, StreamSighting};
use accord_stix::telemetry::{self, Format, Object};
use accord_tlp::Tlp;
use anyhow::{Context, Result, bail};
use serde_json::{Map, Value};

use crate::matching::{Skipped, parallel_map, write_match_line};
use crate::sharing::{ENVELOPE, SharingClient};
use aggregate::Aggregate;
use deliver::Signals;
use metrics::Metrics;
use refresh::{Mailbox, Origin, Refresher, Update};
use spool::Spool;
use tail::{Chunk, Notice, Positions, Tail};

/// What following needs besides the indicators.
#[derive(Debug, Clone)]
pub struct Options {
    /// The files to follow.
    pub paths: Vec<PathBuf>,
    /// The position file, if any.
    pub position: Option<PathBuf>,
    /// Start files without a saved position at their end.
    pub from_end: bool,
    /// Print NDJSON sightings.
    pub json: bool,
    /// Skip invalid records.
    pub skip_invalid: bool,
    /// Worker threads.
    pub threads: usize,
    /// The stream's window and state limit.
    pub config: StreamConfig,
    /// How long to wait when no file has anything new.
    pub poll: Duration,
    /// How often to print the status line (`None`: never).
    pub status: Option<Duration>,
    /// Where to serve Prometheus metrics.
    pub metrics: Option<std::net::SocketAddr>,
    /// How often to read the indicators again.
    pub refresh: Duration,
    /// Post aggregated sightings to a hub instead of printing each.
    pub post: Option<Post>,
}

/// How sightings go to a hub (`--post-sightings`).
#[derive(Clone)]
pub struct Post {
    /// The hub, as the token's party.
    pub client: Arc<SharingClient>,
    /// The spool directory.
    pub spool: PathBuf,
    /// How long matches are summed into one sighting per indicator.
    pub interval: Duration,
    /// Batches waiting for the hub beyond which the interval is held open.
    pub max_unsent: usize,
    /// The TLP level of the sightings.
    pub tlp: Tlp,
    /// `where_sighted_refs`.
    pub where_sighted: Vec<String>,
}

impl std::fmt::Debug for Post {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The client holds the token: not shown.
        f.debug_struct("Post")
            .field("spool", &self.spool)
            .field("interval", &self.interval)
            .field("max_unsent", &self.max_unsent)
            .field("tlp", &self.tlp)
            .finish_non_exhaustive()
    }
}

/// How many intervals a sum is held open while the hub is behind before it
/// is spooled anyway.
pub const HOLD_INTERVALS: u32 = 10;

/// How long the sender may go on sending after the follower stopped.
pub const FINAL_PASS: Duration = Duration::from_secs(10);

/// The sightings being summed, and where they go when the interval ends.
struct Posting<'a> {
    post: &'a Post,
    aggregate: Aggregate,
    spool: Spool,
    signals: Arc<Signals>,
    /// When the first match of the current interval was added.
    opened: Option<Instant>,
    /// When the spool was last found too full to take the interval.
    held: Option<Instant>,
    /// An interval could not be spooled: the position is not saved again.
    broken: bool,
}

impl Posting<'_> {
    /// Whether the interval should be spooled now.
    fn due(&mut self) -> Result<bool> {
        let Some(opened) = self.opened else {
            return Ok(false);
        };
        let age = opened.elapsed();
        if age < self.post.interval {
            return Ok(false);
        }
        if age >= self.post.interval * HOLD_INTERVALS {
            return Ok(true);
        }
        // Held: look at the spool again at most every second.
        if self
            .held
            .is_some_and(|h| h.elapsed() < Duration::from_secs(1))
        {
            return Ok(false);
        }
        if self.spool.pending()?.len() < self.post.max_unsent {
            return Ok(true);
        }
        if self.held.is_none() {
            eprintln!(
                "the hub is behind ({} or more batches unsent): summing sightings for longer",
                self.post.max_unsent
            );
        }
        self.held = Some(Instant::now());
        Ok(false)
    }

    /// Spools the interval's sightings (printing them with `--json`). After
    /// a failure the summed sightings are gone from memory and not all on
    /// disk: the position must stay where it was ([`Posting::broken`]).
    fn seal(&mut self, json: bool) -> Result<()> {
        let sealed = self.spool_interval(json);
        if sealed.is_err() {
            self.broken = true;
        }
        sealed
    }

    fn spool_interval(&mut self, json: bool) -> Result<()> {
        self.opened = None;
        self.held = None;
        if self.aggregate.is_empty() {
            return Ok(());
        }
        let batches = self.aggregate.seal(
            jiff::Timestamp::now(),
            self.post.tlp,
            &self.post.where_sighted,
            ENVELOPE,
        );
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::new(stdout.lock());
        for batch in &batches {
            self.spool.write(batch)?;
            if json {
                for o in &batch.objects {
                    serde_json::to_writer(&mut out, o)?;
                    writeln!(out)?;
                }
            }
        }
        out.flush()?;
        self.signals.wake.notify_one();
        Ok(())
    }
}

/// How often positions are saved while running.
const SAVE_EVERY: Duration = Duration::from_secs(1);

/// Follows the files until SIGTERM or SIGINT, then saves the positions; the
/// indicators come from `origin` and are kept current.
pub async fn run(origin: Origin, options: Options) -> Result<()> {
    let metrics = Arc::new(Metrics::default());
    let (refresher, first) = Refresher::open(origin, metrics.clone()).await?;
    let mailbox = Arc::new(Mailbox::default());
    tokio::spawn(refresher.run(mailbox.clone(), options.refresh));
    if let Some(addr) = options.metrics {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("--metrics {addr}: cannot listen"))?;
        eprintln!(
            "metrics on http://{}/metrics",
            listener.local_addr().unwrap_or(addr)
        );
        tokio::spawn(metrics::serve(listener, metrics.clone()));
    }
    let stop = Arc::new(AtomicBool::new(false));
    tokio::spawn(on_signal(stop.clone()));
    let signals = Arc::new(Signals::default());
    let mut sending = None;
    let mut spool = None;
    if let Some(post) = &options.post {
        let opened = Spool::open(&post.spool)?;
        // The sender only reads, removes and moves aside: its copy never writes a batch.
        sending = Some(tokio::spawn(deliver::run(
            opened.reader(),
            post.client.clone(),
            signals.clone(),
            metrics.clone(),
        )));
        spool = Some(opened);
    }
    let worker_metrics = metrics.clone();
    let worker_signals = signals.clone();
    let followed = tokio::task::spawn_blocking(move || {
        follow(
            first,
            &mailbox,
            options,
            &worker_metrics,
            &stop,
            spool.map(|s| (s, worker_signals)),
        )
    })
    .await
    .context("the follower stopped unexpectedly")?;
    let Some(sending) = sending else {
        return followed;
    };
    signals.finishing.store(true, Ordering::SeqCst);
    signals.wake.notify_one();
    let sent = match tokio::time::timeout(FINAL_PASS, sending).await {
        Ok(done) => done.context("the sender stopped unexpectedly")?,
        Err(_) => {
            eprintln!(
                "the hub did not take the spooled sightings within {} s; they are sent at \
                 the next start",
                FINAL_PASS.as_secs()
            );
            Ok(())
        }
    };
    followed.and(sent)
}

/// Sets `stop` on SIGTERM or SIGINT.
async fn on_signal(stop: Arc<AtomicBool>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut int)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) else {
            eprintln!("cannot listen for SIGTERM and SIGINT; stop with SIGKILL");
            return;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
    }
    #[cfg(not(unix))]
    if tokio::signal::ctrl_c().await.is_err() {
        return;
    }
    stop.store(true, Ordering::SeqCst);
}

/// One line after the per-line work that runs on every thread.
enum Parsed {
    Probe(Probe),
    Unsupported,
    Invalid(String),
}

/// One line to parse: JSON text, or a record the TSV reader already split.
enum Item<'a> {
    Json(&'a str),
    Record(Map<String, Value>),
    Invalid(String),
}

/// The follower's state across files.
struct Follower<'a> {
    /// The indicators in force, numbered as `matcher` numbers them.
    indicators: Arc<Vec<Indicator>>,
    matcher: Arc<StreamMatcher>,
    /// The collection each indicator in force (by id) came from: its sightings are
    /// posted there.
    collections: Arc<HashMap<String, String>>,
    /// Indicators already said to be left out (not STIX patterns).
    said_skipped: HashSet<String>,
    stream: Stream,
    options: &'a Options,
    metrics: &'a Metrics,
    skipped: Skipped,
    sightings: Vec<StreamSighting>,
    /// With `--post-sightings`: the sums and the spool.
    posting: Option<Posting<'a>>,
}

fn follow(
    first: Update,
    mailbox: &Mailbox,
    options: Options,
    metrics: &Metrics,
    stop: &AtomicBool,
    spool: Option<(Spool, Arc<Signals>)>,
) -> Result<()> {
    let positions = match &options.position {
        Some(p) => Positions::load(p)?,
        None => Positions::default(),
    };
    let mut tails = Vec::new();
    for path in &options.paths {
        let (tail, notice) = Tail::open(path, positions.of(path), options.from_end)?;
        if let Some(n) = notice {
            announce(&tail, &n, metrics);
        }
        tails.push(tail);
    }
    let mut f = Follower {
        stream: Stream::new(first.matcher.clone(), options.config),
        indicators: Arc::new(Vec::new()),
        matcher: first.matcher.clone(),
        collections: Arc::new(HashMap::new()),
        said_skipped: HashSet::new(),
        options: &options,
        metrics,
        skipped: Skipped::default(),
        sightings: Vec::new(),
        posting: match (&options.post, spool) {
            (Some(post), Some((spool, signals))) => Some(Posting {
                post,
                aggregate: Aggregate::default(),
                spool,
                signals,
                opened: None,
                held: None,
                broken: false,
            }),
            _ => None,
        },
    };
    let started = Instant::now();
    let mut saved_at = Instant::now();
    let mut status_at = Instant::now();
    let mut status_events = 0;
    let mut dirty = false;
    let mut notices = Vec::new();
    f.swap(first);
    let result = (|| -> Result<()> {
        while !stop.load(Ordering::SeqCst) {
            if let Some(p) = &f.posting
                && p.signals.failed.load(Ordering::SeqCst)
            {
                // The sender's error is what `run` reports.
                break;
            }
            // Between two chunks: no event is matched by both sets or by neither.
            if let Some(update) = mailbox.try_take() {
                f.swap(update);
            }
            let mut progressed = false;
            for tail in &mut tails {
                let chunk = tail.poll(&mut notices)?;
                for n in notices.drain(..) {
                    announce(tail, &n, metrics);
                }
                if let Some(chunk) = chunk {
                    f.chunk(tail, chunk)?;
                    progressed = true;
                    dirty = true;
                }
            }
            if let Some(p) = &mut f.posting
                && p.due()?
            {
                p.seal(options.json)?;
                save(&options, &tails)?;
                saved_at = Instant::now();
                dirty = false;
            }
            // Only past matches that are printed or spooled.
            let summing = f.posting.as_ref().is_some_and(|p| !p.aggregate.is_empty());
            if dirty && !summing && saved_at.elapsed() >= SAVE_EVERY {
                save(&options, &tails)?;
                saved_at = Instant::now();
                dirty = false;
            }
            f.update_metrics(&mut tails);
            if let Some(every) = options.status
                && status_at.elapsed() >= every
            {
                status_events = f.status(status_at.elapsed(), status_events);
                status_at = Instant::now();
            }
            if !progressed {
                std::thread::sleep(options.poll);
            }
        }
        Ok(())
    })();
    // Whatever ended the loop, what was processed stays processed: its
    // sightings spooled first, then the position (not past them if spooling
    // failed).
    let saving = match f.posting.as_mut() {
        Some(p) if p.broken => Err(anyhow::anyhow!(
            "sightings could not be spooled; the position stays before them"
        )),
        Some(p) => match p.seal(options.json) {
            Ok(()) => save(&options, &tails),
            Err(e) => Err(e.context("cannot spool the last sightings; the position stays")),
        },
        None => save(&options, &tails),
    };
    let stats = f.stream.flush();
    f.skipped.report("observation");
    eprintln!(
        "stopped after {:.1} s: {} sighting(s) in {} observation(s); partial matches \
         discarded {}, dropped at the state limit {}",
        started.elapsed().as_secs_f64(),
        stats.sightings,
        stats.observations,
        stats.discarded,
        stats.dropped,
    );
    result.and(saving)
}

fn save(options: &Options, tails: &[Tail]) -> Result<()> {
    let Some(path) = &options.position else {
        return Ok(());
    };
    Positions {
        files: tails.iter().filter_map(Tail::position).collect(),
    }
    .save(path)
}

fn announce(tail: &Tail, notice: &Notice, metrics: &Metrics) {
    let path = tail.path().display();
    match notice {
        Notice::Rotated { unfinished } => {
            metrics.rotated();
            if *unfinished > 0 {
                eprintln!(
                    "{path}: rotated; the old file ended in an unfinished line \
                     ({unfinished} bytes, ignored); reading the new file"
                );
            } else {
                eprintln!("{path}: rotated; reading the new file");
            }
        }
        Notice::Truncated => {
            metrics.truncated();
            eprintln!("{path}: truncated; reading again from its start");
        }
        Notice::PositionStale => eprintln!(
            "{path}: the saved position is of another file or beyond this one's end \
             (rotated or truncated while stopped); reading from its start"
        ),
        Notice::Opened => eprintln!("{path}: appeared; reading it"),
    }
}

impl Follower<'_> {
    /// Matches what comes next with a new set of indicators; the stream keeps the partial
    /// matches of combining indicators whose id and pattern did not change.
    fn swap(&mut self, update: Update) {
        let discarded = self.stream.stats().discarded;
        self.stream.replace_matcher(update.matcher.clone());
        self.matcher = update.matcher;
        self.indicators = update.indicators;
        self.collections = update.collections;
        for (i, reason) in self.matcher.skipped() {
            if let Some(indicator) = self.indicators.get(*i)
                && self.said_skipped.insert(indicator.id.clone())
            {
                eprintln!("indicator {} not matched: {reason}", indicator.id);
            }
        }
        let matched = self.indicators.len() - self.matcher.skipped().len();
        self.metrics.set_indicators(matched as u64);
        let lost = self.stream.stats().discarded - discarded;
        let events = self.metrics.snapshot().events;
        eprintln!(
            "indicators: {}; matching with them from event {}{}",
            update.summary,
            events + 1,
            if lost > 0 {
                format!(
                    " ({lost} kept observation(s) of removed or changed combining indicators \
                     discarded)"
                )
            } else {
                String::new()
            }
        );
    }

    /// Matches the lines of one chunk, writes their sightings, and marks
    /// them processed.
    fn chunk(&mut self, tail: &mut Tail, chunk: Chunk) -> Result<()> {
        let file = tail.path().display().to_string();
        for line in &chunk.too_long {
            self.skip_or_fail(
                tail,
                &chunk,
                0,
                format!("{file}:{line}: a line longer than {} bytes", tail::MAX_LINE),
            )?;
        }
        let text = String::from_utf8_lossy(&chunk.data);
        // Lines, with their offset in the chunk: JSON goes to the workers
        // as text; TSV is split here, as its header is read in order.
        let mut items: Vec<(usize, u64, Item<'_>)> = Vec::new();
        let mut at = 0;
        let mut line = chunk.first_line;
        for l in text.split_inclusive('\n') {
            let start = at;
            at += l.len();
            let n = line;
            line += 1;
            let l = l.trim_end_matches(['\n', '\r']);
            if l.trim().is_empty() {
                continue;
            }
            let item = if l.starts_with('{') {
                Item::Json(l)
            } else {
                match tail.tsv.line(l) {
                    Ok(None) => continue,
                    Ok(Some(record)) => Item::Record(record),
                    Err(e) => Item::Invalid(format!("{file}:{n}: {e}")),
                }
            };
            items.push((start, n, item));
        }
        let matcher = &self.matcher;
        let file_ref = &file;
        // A record is read borrowed ([`Object`]), and its observation id (a hash of the
        // whole record) is computed only if it matches.
        let map = |record: &Object<'_>, n: u64| match telemetry::detect_object(record) {
            Some(Format::Stix) => Parsed::Unsupported,
            _ => match telemetry::object_observation(record, matcher.object_types()) {
                Ok(Some(o)) => Parsed::Probe(
                    matcher
                        .probe(&o)
                        .with_id(|| telemetry::object_observation_id(record)),
                ),
                Ok(None) => Parsed::Unsupported,
                Err(e) => Parsed::Invalid(format!("{file_ref}:{n}: {e}")),
            },
        };
        let parsed = parallel_map(items, self.options.threads, |(start, n, item)| {
            let parsed = match item {
                Item::Json(l) => match Object::parse(l) {
                    Ok(record) => map(&record, n),
                    // serde_json's own words, as a `Map` reads the line.
                    Err(_) => match serde_json::from_str::<Map<String, Value>>(l) {
                        Ok(record) => map(&Object::from_map(&record), n),
                        Err(e) => Parsed::Invalid(format!("{file_ref}:{n}: invalid JSON: {e}")),
                    },
                },
                Item::Record(record) => map(&Object::from_map(&record), n),
                Item::Invalid(m) => Parsed::Invalid(m),
            };
            (start, parsed)
        });
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::new(stdout.lock());
        let mut events = 0;
        for (start, p) in parsed {
            match p {
                Parsed::Probe(probe) => {
                    events += 1;
                    self.stream.push_probe(probe, &mut self.sightings);
                    for s in self.sightings.drain(..) {
                        let Some(indicator) = self.indicators.get(s.indicator) else {
                            continue;
                        };
                        match &mut self.posting {
                            Some(p) => {
                                if let Some(c) = self.collections.get(&indicator.id) {
                                    p.aggregate.add(c, indicator, &s);
                                    p.opened.get_or_insert_with(Instant::now);
                                }
                            }
                            None => write_sighting(&mut out, indicator, &s, self.options.json)?,
                        }
                        self.metrics.sighted();
                    }
                }
                Parsed::Unsupported => self.metrics.unsupported(),
                Parsed::Invalid(message) => {
                    out.flush()?;
                    self.metrics.add_events(events);
                    events = 0;
                    self.skip_or_fail(tail, &chunk, start, message)?;
                }
            }
        }
        out.flush()?;
        self.metrics.add_events(events);
        tail.processed(chunk.start + chunk.data.len() as u64, line);
        Ok(())
    }

    /// Counts an invalid record with `--skip-invalid`; otherwise marks the
    /// lines before it processed and fails, so a restart resumes at it.
    fn skip_or_fail(
        &mut self,
        tail: &mut Tail,
        chunk: &Chunk,
        start: usize,
        message: String,
    ) -> Result<()> {
        self.metrics.invalid();
        if self.options.skip_invalid {
            return self.skipped.record(true, message);
        }
        let line =
            chunk.first_line + chunk.data[..start].iter().filter(|&&b| b == b'\n').count() as u64;
        tail.processed(chunk.start + start as u64, line);
        bail!(message)
    }

    fn update_metrics(&self, tails: &mut [Tail]) {
        let (mut bytes, mut secs) = (0, 0.0f64);
        for t in tails {
            let (b, s) = t.lag();
            bytes += b;
            secs = secs.max(s);
        }
        let stats = self.stream.stats();
        self.metrics.set_lag(bytes, secs);
        self.metrics
            .set_state(stats.retained as u64, stats.dropped, stats.expired);
    }

    /// Prints the status line; returns the event count it was computed at.
    fn status(&self, elapsed: Duration, before: u64) -> u64 {
        let m = self.metrics.snapshot();
        let rate = (m.events - before) as f64 / elapsed.as_secs_f64().max(1e-3);
        let posting = if self.posting.is_some() {
            format!(
                ", {} posted, {} batches unsent, {} set aside",
                m.posted, m.spooled, m.set_aside
            )
        } else {
            String::new()
        };
        let refreshed = i64::try_from(m.last_refresh)
            .ok()
            .filter(|s| *s > 0)
            .and_then(|s| jiff::Timestamp::from_second(s).ok())
            .map_or_else(|| "never".to_owned(), |t| t.to_string());
        eprintln!(
            "follow: {rate:.0} events/s, {} events, {} sightings, lag {} bytes / {:.1} s, \
             {} indicators (refreshed {refreshed}), state {} kept, {} dropped, {} invalid{posting}",
            m.events,
            m.sightings,
            m.lag_bytes,
            m.lag_seconds,
            m.indicators,
            m.state_retained,
            m.state_dropped,
            m.invalid,
        );
        m.events
    }
}

/// Writes one sighting: a text line, or a STIX sighting object.
fn write_sighting(
    out: &mut impl Write,
    indicator: &Indicator,
    s: &StreamSighting,
    json: bool,
) -> Result<()> {
    let refs: Vec<String> = s.observations.iter().map(|o| o.id.clone()).collect();
    if json {
        let (Some(first), Some(last)) = (
            s.observations.iter().map(|o| o.first_observed).min(),
            s.observations.iter().map(|o| o.last_observed).max(),
        ) else {
            return Ok(());
        };
        // The same id as `accord match` gives the same match.
        let key = format!("{} {}", indicator.id, refs.join(" "));
        let id = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, key.as_bytes());
        let count = s.observations.iter().map(|o| o.number_observed).sum();
        let object = sighting(
            id,
            jiff::Timestamp::now(),
            &indicator.id,
            &refs,
            first,
            last,
            count,
        );
        serde_json::to_writer(&mut *out, &object)?;
        writeln!(out)?;
        return Ok(());
    }
    write_match_line(out, indicator, &refs)
}

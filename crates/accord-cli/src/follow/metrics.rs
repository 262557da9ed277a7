//! The follower's counters, and their Prometheus text exposition on a local
//! port (`--metrics`).
//!
//! The text format (version 0.0.4) is a few `# HELP`/`# TYPE` lines and one
//! `name value` line per metric; for a dozen counters and gauges that is a
//! handful of `writeln!`s, so no metrics crate is pulled in. The server
//! answers `GET /metrics` with the text and anything else with 404, reads at
//! most 8 KiB of a request and gives a client 5 seconds.

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Counters shared by the follower and the metrics server.
#[derive(Debug, Default)]
pub struct Metrics {
    events: AtomicU64,
    sightings: AtomicU64,
    invalid: AtomicU64,
    unsupported: AtomicU64,
    rotations: AtomicU64,
    truncations: AtomicU64,
    lag_bytes: AtomicU64,
    /// f64 bits.
    lag_seconds: AtomicU64,
    indicators: AtomicU64,
    state_retained: AtomicU64,
    state_dropped: AtomicU64,
    state_expired: AtomicU64,
    spooled: AtomicU64,
    posted: AtomicU64,
    set_aside: AtomicU64,
    refreshes: AtomicU64,
    refresh_failures: AtomicU64,
    /// Unix seconds of the last refresh, 0 for none.
    last_refresh: AtomicU64,
}

/// The counters at one moment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Snapshot {
    /// Observations matched.
    pub events: u64,
    /// Sightings reported.
    pub sightings: u64,
    /// Invalid records (skipped or fatal).
    pub invalid: u64,
    /// Records of types without a mapping.
    pub unsupported: u64,
    /// Rotations seen.
    pub rotations: u64,
    /// Truncations seen.
    pub truncations: u64,
    /// Bytes written and not yet processed, over all files.
    pub lag_bytes: u64,
    /// Age of the oldest unprocessed byte, worst file.
    pub lag_seconds: f64,
    /// Indicators matched.
    pub indicators: u64,
    /// Observations kept for partial matches.
    pub state_retained: u64,
    /// Kept observations dropped at the state limit.
    pub state_dropped: u64,
    /// Kept observations that left their window unmatched.
    pub state_expired: u64,
    /// Sighting batches in the spool, not yet taken by the hub.
    pub spooled: u64,
    /// Sightings the hub took.
    pub posted: u64,
    /// Batches the hub refused, moved aside.
    pub set_aside: u64,
    /// Times the indicators were read from their source (the first read included).
    pub refreshes: u64,
    /// Refreshes that failed (the indicators in force were kept).
    pub refresh_failures: u64,
    /// When the indicators were last read, Unix seconds (0: never).
    pub last_refresh: u64,
}

impl Metrics {
    pub(crate) fn add_events(&self, n: u64) {
        self.events.fetch_add(n, Ordering::Relaxed);
    }
    pub(crate) fn sighted(&self) {
        self.sightings.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn invalid(&self) {
        self.invalid.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn unsupported(&self) {
        self.unsupported.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn rotated(&self) {
        self.rotations.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn truncated(&self) {
        self.truncations.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn set_lag(&self, bytes: u64, seconds: f64) {
        self.lag_bytes.store(bytes, Ordering::Relaxed);
        self.lag_seconds.store(seconds.to_bits(), Ordering::Relaxed);
    }
    pub(crate) fn set_indicators(&self, n: u64) {
        self.indicators.store(n, Ordering::Relaxed);
    }
    pub(crate) fn set_state(&self, retained: u64, dropped: u64, expired: u64) {
        self.state_retained.store(retained, Ordering::Relaxed);
        self.state_dropped.store(dropped, Ordering::Relaxed);
        self.state_expired.store(expired, Ordering::Relaxed);
    }
    pub(crate) fn set_spooled(&self, n: u64) {
        self.spooled.store(n, Ordering::Relaxed);
    }
    pub(crate) fn add_posted(&self, n: u64) {
        self.posted.fetch_add(n, Ordering::Relaxed);
    }
    pub(crate) fn batch_set_aside(&self) {
        self.set_aside.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn refreshed(&self, at: jiff::Timestamp) {
        self.refreshes.fetch_add(1, Ordering::Relaxed);
        self.last_refresh.store(
            u64::try_from(at.as_second()).unwrap_or(0),
            Ordering::Relaxed,
        );
    }
    pub(crate) fn refresh_failed(&self) {
        self.refresh_failures.fetch_add(1, Ordering::Relaxed);
    }

    /// The counters now.
    pub fn snapshot(&self) -> Snapshot {
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        Snapshot {
            events: get(&self.events),
            sightings: get(&self.sightings),
            invalid: get(&self.invalid),
            unsupported: get(&self.unsupported),
            rotations: get(&self.rotations),
            truncations: get(&self.truncations),
            lag_bytes: get(&self.lag_bytes),
            lag_seconds: f64::from_bits(get(&self.lag_seconds)),
            indicators: get(&self.indicators),
            state_retained: get(&self.state_retained),
            state_dropped: get(&self.state_dropped),
            state_expired: get(&self.state_expired),
            spooled: get(&self.spooled),
            posted: get(&self.posted),
            set_aside: get(&self.set_aside),
            refreshes: get(&self.refreshes),
            refresh_failures: get(&self.refresh_failures),
            last_refresh: get(&self.last_refresh),
        }
    }

    /// The Prometheus text exposition of the counters.
    pub fn text(&self) -> String {
        let m = self.snapshot();
        let mut out = String::new();
        let mut one = |name: &str, kind: &str, help: &str, value: String| {
            let _ = writeln!(out, "# HELP accord_follow_{name} {help}");
            let _ = writeln!(out, "# TYPE accord_follow_{name} {kind}");
            let _ = writeln!(out, "accord_follow_{name} {value}");
        };
        let c = |v: u64| v.to_string();
        one(
            "events_total",
            "counter",
            "Observations matched.",
            c(m.events),
        );
        one(
            "sightings_total",
            "counter",
            "Sightings reported.",
            c(m.sightings),
        );
        one(
            "invalid_records_total",
            "counter",
            "Invalid records.",
            c(m.invalid),
        );
        one(
            "unsupported_records_total",
            "counter",
            "Records of types without a mapping.",
            c(m.unsupported),
        );
        one(
            "rotations_total",
            "counter",
            "Rotations seen.",
            c(m.rotations),
        );
        one(
            "truncations_total",
            "counter",
            "Truncations seen.",
            c(m.truncations),
        );
        one(
            "lag_bytes",
            "gauge",
            "Bytes written to the followed files and not yet processed.",
            c(m.lag_bytes),
        );
        one(
            "lag_seconds",
            "gauge",
            "How long the oldest unprocessed byte has been in its file.",
            format!("{:.3}", m.lag_seconds),
        );
        one(
            "indicators",
            "gauge",
            "Indicators matched.",
            c(m.indicators),
        );
        one(
            "state_observations",
            "gauge",
            "Observations kept for partial matches.",
            c(m.state_retained),
        );
        one(
            "state_dropped_total",
            "counter",
            "Kept observations dropped at the state limit.",
            c(m.state_dropped),
        );
        one(
            "state_expired_total",
            "counter",
            "Kept observations that left their window unmatched.",
            c(m.state_expired),
        );
        one(
            "spool_batches",
            "gauge",
            "Sighting batches in the spool, not yet taken by the hub.",
            c(m.spooled),
        );
        one(
            "posted_sightings_total",
            "counter",
            "Aggregated sightings the hub took.",
            c(m.posted),
        );
        one(
            "batches_set_aside_total",
            "counter",
            "Sighting batches the hub refused, moved to the spool's rejected/.",
            c(m.set_aside),
        );
        one(
            "indicator_refreshes_total",
            "counter",
            "Reads of the indicators from their source, the first included.",
            c(m.refreshes),
        );
        one(
            "indicator_refresh_failures_total",
            "counter",
            "Refreshes of the indicators that failed (those in force were kept).",
            c(m.refresh_failures),
        );
        one(
            "indicator_refresh_timestamp_seconds",
            "gauge",
            "When the indicators were last read from their source (Unix time).",
            c(m.last_refresh),
        );
        out
    }
}

/// Serves `GET /metrics` on `listener` until the process ends.
pub async fn serve(listener: tokio::net::TcpListener, metrics: Arc<Metrics>) {
    loop {
        let Ok((conn, _)) = listener.accept().await else {
            continue;
        };
        let metrics = metrics.clone();
        tokio::spawn(async move {
            let _ = tokio::time::timeout(Duration::from_secs(5), answer(conn, &metrics)).await;
        });
    }
}

async fn answer(mut conn: tokio::net::TcpStream, metrics: &Metrics) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && !head.windows(2).any(|w| w == b"\n\n") {
        let n = conn.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
        if head.len() > 8192 {
            break;
        }
    }
    let first = head.split(|&b| b == b'\n').next().unwrap_or_default();
    let mut words = first.split(|&b| b == b' ');
    let (method, target) = (words.next(), words.next());
    let (status, body) = if method == Some(b"GET") && target == Some(b"/metrics") {
        ("200 OK", metrics.text())
    } else {
        (
            "404 Not Found",
            "only GET /metrics is served here\n".to_owned(),
        )
    };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    conn.write_all(response.as_bytes()).await?;
    conn.shutdown().await
}

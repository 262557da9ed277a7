//! The large-scale matcher measurement: many exact-value indicators
//! (SHA-256 hashes, domains, IPv4 addresses, URLs, in equal shares) against
//! many observations, on a given number of threads.
//!
//! ```text
//! cargo run --release -p accord-stix --example scale -- 1000000 10000000 2
//! ```
//!
//! Prints the index build time, the memory the compiled matcher holds per
//! indicator (growth of the resident set while compiling, read from
//! `/proc/self/statm`; an upper bound, since freed parse temporaries may stay
//! with the allocator), and observations matched per second. Observations
//! are generated in batches outside the timed region; 1 in 100 hits an
//! indicator. Each batch is matched as one observation set with
//! [`Matcher::match_observations_threaded`], as `accord match` does. It
//! also prints the CPU time spent matching (from `/proc/self/stat`), which
//! on a busy shared machine says more than the wall clock.

// Every input is generated here; none comes from outside the process.
#![allow(clippy::expect_used, clippy::unwrap_used)]

// The same allocator as the shipped `accord` binary, so the numbers are the binary's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::time::{Duration, Instant};

use accord_stix::eval::Observation;
use accord_stix::matcher::Matcher;
use accord_stix::object::Indicator;
use serde_json::{Map, Value};

/// Deterministic pseudo-random hex, so runs are comparable.
fn hex64(mut x: u64) -> String {
    let mut s = String::with_capacity(64);
    for _ in 0..4 {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        s.push_str(&format!("{x:016x}"));
    }
    s
}

/// Distinct addresses for distinct `i` below 2^24 × 200 (indicator values
/// are below 2^24, in 10.0.0.0/8; misses are far above, outside it).
fn ip(i: u64) -> String {
    format!(
        "{}.{}.{}.{}",
        10 + (i >> 24) % 200,
        (i >> 16) & 255,
        (i >> 8) & 255,
        i & 255
    )
}

fn pattern_for(i: u64) -> String {
    match i % 4 {
        0 => format!("[file:hashes.'SHA-256' = '{}']", hex64(i)),
        1 => format!("[domain-name:value = 'host{i}.example']"),
        2 => format!("[ipv4-addr:value = '{}']", ip(i)),
        _ => format!("[url:value = 'http://host{i}.example/path']"),
    }
}

fn observation(i: u64, t: jiff::Timestamp) -> Observation {
    // One in a hundred observations hits an indicator.
    let j = if i.is_multiple_of(100) {
        i
    } else {
        i + 1_000_000_000
    };
    let mut o = Map::new();
    match i % 4 {
        0 => {
            o.insert("type".into(), "file".into());
            let mut h = Map::new();
            h.insert("SHA-256".into(), Value::String(hex64(j)));
            o.insert("hashes".into(), Value::Object(h));
        }
        1 => {
            o.insert("type".into(), "domain-name".into());
            o.insert("value".into(), format!("host{j}.example").into());
        }
        2 => {
            o.insert("type".into(), "ipv4-addr".into());
            o.insert("value".into(), ip(j).into());
        }
        _ => {
            o.insert("type".into(), "url".into());
            o.insert(
                "value".into(),
                format!("http://host{j}.example/path").into(),
            );
        }
    }
    Observation {
        id: format!("observed-data--{i}"),
        first_observed: t,
        last_observed: t,
        number_observed: 1,
        objects: vec![("0".into(), o)],
    }
}

/// CPU time (user + system) the process has used, all threads (Linux;
/// `/proc/self/stat` fields 14 and 15, in clock ticks of 10 ms).
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name, which may hold spaces.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// Resident set size in bytes (Linux).
fn rss() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .map(|a| a.replace('_', "").parse().expect("numbers"))
        .collect();
    let n_indicators = args.first().copied().unwrap_or(1_000_000);
    let n_observations = args.get(1).copied().unwrap_or(10_000_000);
    let threads = args.get(2).copied().unwrap_or(2) as usize;

    let valid_from = "2020-01-01T00:00:00Z".parse().expect("timestamp");
    let indicators: Vec<Indicator> = (0..n_indicators)
        .map(|i| Indicator {
            id: format!("indicator--00000000-0000-4000-8000-{i:012}"),
            name: None,
            pattern: pattern_for(i),
            pattern_type: "stix".into(),
            valid_from,
            valid_until: None,
        })
        .collect();
    let before = rss();
    let started = Instant::now();
    let matcher = Matcher::compile(&indicators).expect("compiles");
    let build = started.elapsed();
    let after = rss();
    drop(indicators);
    println!(
        "index: {n_indicators} exact-value indicators compiled in {:.2} s",
        build.as_secs_f64()
    );
    if let (Some(b), Some(a)) = (before, after) {
        println!(
            "memory: {:.0} bytes per indicator (resident set growth while compiling)",
            a.saturating_sub(b) as f64 / n_indicators as f64
        );
    }

    let t = "2021-01-01T00:00:00Z".parse().expect("timestamp");
    let batch = 200_000u64;
    let mut matching = Duration::ZERO;
    let mut cpu = Duration::ZERO;
    let mut sightings = 0usize;
    let mut start = 0;
    while start < n_observations {
        let end = (start + batch).min(n_observations);
        let observations: Vec<Observation> = (start..end).map(|i| observation(i, t)).collect();
        let began = Instant::now();
        let cpu_began = cpu_time();
        sightings += matcher
            .match_observations_threaded(&observations, threads)
            .len();
        matching += began.elapsed();
        if let (Some(a), Some(b)) = (cpu_began, cpu_time()) {
            cpu += b.saturating_sub(a);
        }
        start = end;
    }
    println!(
        "matching: {n_observations} observations on {threads} thread(s) in {:.2} s: {:.0} observations/s ({sightings} sightings)",
        matching.as_secs_f64(),
        n_observations as f64 / matching.as_secs_f64()
    );
    // On a shared machine the wall clock includes waiting for a core; CPU
    // time says what the matching itself costs.
    println!(
        "cpu: {:.2} s of CPU time matching: {:.0} observations per CPU-second, {:.0}/s on {threads} idle core(s)",
        cpu.as_secs_f64(),
        n_observations as f64 / cpu.as_secs_f64(),
        threads as f64 * n_observations as f64 / cpu.as_secs_f64()
    );
}

//! Matcher benchmarks: index build time and observations per second with
//! many exact-value indicators, `LIKE`/`MATCHES` indicators over partly
//! non-ASCII values, and pattern parsing throughput.
//!
//! Run with `cargo bench -p accord-stix --bench matcher`.

// Every input is generated here, none comes from outside the process.
#![allow(clippy::expect_used)]

use std::hint::black_box;

use accord_stix::eval::Observation;
use accord_stix::matcher::Matcher;
use accord_stix::object::Indicator;
use accord_stix::pattern::Pattern;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
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

fn pattern_for(i: u64) -> String {
    match i % 4 {
        0 => format!("[file:hashes.'SHA-256' = '{}']", hex64(i)),
        1 => format!("[domain-name:value = 'host{i}.example']"),
        2 => format!(
            "[ipv4-addr:value = '10.{}.{}.{}']",
            (i >> 16) & 255,
            (i >> 8) & 255,
            i & 255
        ),
        _ => format!("[url:value = 'http://host{i}.example/path']"),
    }
}

fn indicators(n: u64) -> Vec<Indicator> {
    let valid_from = "2020-01-01T00:00:00Z".parse().expect("timestamp");
    (0..n)
        .map(|i| Indicator {
            id: format!("indicator--00000000-0000-4000-8000-{i:012}"),
            name: None,
            pattern: pattern_for(i),
            pattern_type: "stix".into(),
            valid_from,
            valid_until: None,
        })
        .collect()
}

fn observation(i: u64) -> Observation {
    let mut o = Map::new();
    // One in a hundred observations hits an indicator.
    let j = if i.is_multiple_of(100) {
        i
    } else {
        i + 1_000_000_000
    };
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
            let v = format!("10.{}.{}.{}", (j >> 16) & 255, (j >> 8) & 255, j & 255);
            o.insert("value".into(), v.into());
        }
        _ => {
            o.insert("type".into(), "url".into());
            o.insert(
                "value".into(),
                format!("http://host{j}.example/path").into(),
            );
        }
    }
    let t = "2021-01-01T00:00:00Z".parse().expect("timestamp");
    Observation {
        id: format!("observed-data--{i}"),
        first_observed: t,
        last_observed: t,
        number_observed: 1,
        objects: vec![("0".into(), o)],
    }
}

fn bench_matcher(c: &mut Criterion) {
    let mut group = c.benchmark_group("matcher");
    group.sample_size(10);
    for n in [1_000u64, 100_000] {
        let ind = indicators(n);
        group.throughput(Throughput::Elements(n));
        group.bench_with_input(BenchmarkId::new("compile", n), &ind, |b, ind| {
            b.iter(|| Matcher::compile(black_box(ind)).expect("compiles"))
        });
        let matcher = Matcher::compile(&ind).expect("compiles");
        let observations: Vec<Observation> = (0..10_000).map(observation).collect();
        group.throughput(Throughput::Elements(observations.len() as u64));
        group.bench_with_input(
            BenchmarkId::new("match_10k_observations", n),
            &observations,
            |b, obs| {
                b.iter(|| {
                    let mut hits = 0;
                    for o in obs {
                        hits += matcher.match_observations(std::slice::from_ref(o)).len();
                    }
                    hits
                })
            },
        );
    }
    group.finish();
}

/// `LIKE` and `MATCHES` indicators over URLs, most of them ASCII, some with
/// composed and some with decomposed accents: what Unicode normalisation
/// (NFC, as the reference matcher applies before both operators) costs.
fn like_indicators() -> Vec<Indicator> {
    let valid_from = "2020-01-01T00:00:00Z".parse().expect("timestamp");
    (0..1_050u64)
        .map(|i| Indicator {
            id: format!("indicator--00000000-0000-4000-8000-{i:012}"),
            name: None,
            // 1,000 indexed by their literal, 50 evaluated for every input.
            pattern: if i < 1_000 {
                format!("[url:value LIKE 'http://host{i}.example/%']")
            } else {
                format!("[url:value MATCHES '^https?://h[oô]st{i}[.]example/']")
            },
            pattern_type: "stix".into(),
            valid_from,
            valid_until: None,
        })
        .collect()
}

fn url_observation(i: u64) -> Observation {
    let j = if i.is_multiple_of(100) {
        i % 1_050
    } else {
        i + 1_000_000
    };
    // One in ten values is not ASCII; one in fifty is decomposed (NFD).
    let value = match i % 50 {
        0 => format!("http://host{j}.example/cafe\u{301}/{i}"),
        n if n % 10 == 5 => format!("http://host{j}.example/caf\u{e9}/{i}"),
        _ => format!("http://host{j}.example/cafe/{i}"),
    };
    let mut o = Map::new();
    o.insert("type".into(), "url".into());
    o.insert("value".into(), value.into());
    let t = "2021-01-01T00:00:00Z".parse().expect("timestamp");
    Observation {
        id: format!("observed-data--{i}"),
        first_observed: t,
        last_observed: t,
        number_observed: 1,
        objects: vec![("0".into(), o)],
    }
}

fn bench_like(c: &mut Criterion) {
    let mut group = c.benchmark_group("like");
    group.sample_size(10);
    let matcher = Matcher::compile(&like_indicators()).expect("compiles");
    let observations: Vec<Observation> = (0..10_000).map(url_observation).collect();
    group.throughput(Throughput::Elements(observations.len() as u64));
    group.bench_function("like_and_matches_10k_observations", |b| {
        b.iter(|| {
            let mut hits = 0;
            for o in &observations {
                hits += matcher.match_observations(std::slice::from_ref(o)).len();
            }
            hits
        })
    });
    group.finish();
}

fn bench_parse(c: &mut Criterion) {
    let patterns: Vec<String> = (0..1_000).map(pattern_for).collect();
    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Elements(patterns.len() as u64));
    group.bench_function("1k_simple_patterns", |b| {
        b.iter(|| {
            patterns
                .iter()
                .map(|p| Pattern::parse(black_box(p)).is_ok() as usize)
                .sum::<usize>()
        })
    });
    group.finish();
}

criterion_group!(benches, bench_matcher, bench_like, bench_parse);
criterion_main!(benches);

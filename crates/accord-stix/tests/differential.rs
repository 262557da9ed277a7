//! Differential test against the OASIS reference: `stix2-matcher` (verdicts)
//! and `stix2-patterns` (validity), both from PyPI.
//!
//! Runs when `ACCORD_PY_INTEROP=1` (as `scripts/test.sh` sets it); then a
//! missing `python3` or peer package is a failure, not a skip. It generates
//! `ACCORD_DIFF_CASES` (default 10,000) random valid patterns, each with a
//! bundle of observations, from `ACCORD_DIFF_SEED` (default fixed), has the
//! Python harness (`tests/differential/harness.py`) give the reference's
//! verdict on each, and compares with Accord's (the evaluator's, which the
//! compiled matcher and a stream fed one observation at a time must
//! repeat). Every disagreement must be
//! one of the documented deviations ([`accord_stix::deviations`]); any
//! other fails the test with the pattern and observations to reproduce it.

// A test: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "differential/generator.rs"]
mod generator;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;

use accord_stix::eval::{CompiledPattern, Observation};
use accord_stix::matcher::Matcher;
use accord_stix::object::{Indicator, parse_objects};
use accord_stix::pattern::Pattern;
use accord_stix::stream::{Stream, StreamConfig, StreamMatcher};
use serde_json::Value;

struct Case {
    pattern: String,
    bundle: Value,
}

/// Accord's verdict: `match`, `nomatch` or `invalid: …`.
fn accord_verdict(case: &Case) -> String {
    let pattern = match Pattern::parse(&case.pattern) {
        Ok(p) => p,
        Err(e) => return format!("invalid: {e}"),
    };
    let compiled = match CompiledPattern::new(pattern) {
        Ok(c) => c,
        Err(e) => return format!("invalid: {e}"),
    };
    let objects = parse_objects(&case.bundle.to_string()).expect("generated bundle parses");
    let observations = Observation::from_objects(&objects).expect("generated refs resolve");
    let evaluated = compiled.matches(&observations).is_some();
    // The compiled matcher (index, then evaluation of candidates) must give
    // the evaluator's answer; `accord match` uses the matcher.
    let indicator = Indicator {
        id: "indicator--00000000-0000-4000-8000-000000000000".into(),
        name: None,
        pattern: case.pattern.clone(),
        pattern_type: "stix".into(),
        valid_from: jiff::Timestamp::UNIX_EPOCH,
        valid_until: None,
    };
    let matcher =
        Matcher::compile(std::slice::from_ref(&indicator)).expect("a valid pattern compiles");
    let indexed = !matcher.match_observations(&observations).is_empty();
    if indexed != evaluated {
        return format!("internal: matcher says {indexed}, evaluator says {evaluated}");
    }
    // So must a stream fed the observations one at a time in time order
    // (they span minutes, inside every window), as `accord match` feeds them.
    let streamed = streamed(&indicator, &observations);
    if streamed != evaluated {
        return format!("internal: stream says {streamed}, evaluator says {evaluated}");
    }
    if evaluated {
        "match".into()
    } else {
        "nomatch".into()
    }
}

/// Whether a [`Stream`] fed `observations` in `first_observed` order
/// reports a sighting of the indicator.
fn streamed(indicator: &Indicator, observations: &[Observation]) -> bool {
    let matcher = StreamMatcher::compile(std::slice::from_ref(indicator)).expect("compiles");
    let mut stream = Stream::new(Arc::new(matcher), StreamConfig::default());
    let mut ordered: Vec<&Observation> = observations.iter().collect();
    ordered.sort_by_key(|o| o.first_observed);
    let mut sightings = Vec::new();
    for o in ordered {
        stream.push(o, &mut sightings);
    }
    !sightings.is_empty()
}

/// Which documented deviation explains a disagreement, if any.
fn deviation(case: &Case, reference: &str) -> Option<&'static str> {
    if reference.starts_with("error:") && case.pattern.contains("ISSUPERSET") {
        return Some("2: ISSUPERSET with a plain address");
    }
    None
}

#[test]
fn agrees_with_the_oasis_reference_matcher() {
    if std::env::var("ACCORD_PY_INTEROP").as_deref() != Ok("1") {
        eprintln!(
            "skipping the differential test against stix2-matcher: set ACCORD_PY_INTEROP=1 \
             (scripts/test.sh does, and installs the peers)"
        );
        return;
    }
    let seed: u64 = std::env::var("ACCORD_DIFF_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5713_2026);
    let count: usize = std::env::var("ACCORD_DIFF_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    let mut rng = generator::Rng::new(seed);
    let cases: Vec<Case> = (0..count)
        .map(|_| Case {
            pattern: generator::pattern(&mut rng),
            bundle: generator::bundle(&mut rng),
        })
        .collect();

    let dir = std::env::temp_dir().join(format!("accord-differential-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cases_path = dir.join("cases.json");
    let verdicts_path = dir.join("verdicts.json");
    let json: Vec<Value> = cases
        .iter()
        .map(|c| serde_json::json!({"pattern": c.pattern, "bundle": c.bundle}))
        .collect();
    std::fs::write(&cases_path, serde_json::to_vec(&json).unwrap()).unwrap();

    let harness = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/differential/harness.py");
    let output = Command::new("python3")
        .arg(&harness)
        .arg(&cases_path)
        .arg(&verdicts_path)
        .output()
        .expect("ACCORD_PY_INTEROP=1 but python3 cannot be run");
    assert!(
        output.status.success(),
        "the harness failed (are stix2-matcher and stix2-patterns installed? \
         `python3 -m pip install stix2-matcher==3.0.0 stix2-patterns==2.1.2`):\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let reference: Vec<String> =
        serde_json::from_slice(&std::fs::read(&verdicts_path).unwrap()).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(reference.len(), cases.len());

    let mut tally: BTreeMap<String, usize> = BTreeMap::new();
    let mut disagreements = Vec::new();
    for (case, theirs) in cases.iter().zip(&reference) {
        let ours = accord_verdict(case);
        let key = if theirs.starts_with("invalid:") {
            // The generator only writes valid patterns; the reference
            // validator rejecting one is a generator bug worth seeing.
            disagreements.push(format!(
                "stix2-patterns rejects a generated pattern: {}\n  {theirs}",
                case.pattern
            ));
            "rejected by stix2-patterns".to_string()
        } else if ours == *theirs {
            format!("agree: {ours}")
        } else if let Some(d) = deviation(case, theirs) {
            format!("documented deviation {d}")
        } else {
            disagreements.push(format!(
                "pattern: {}\n  accord: {ours}\n  stix2-matcher: {theirs}\n  observations: {}",
                case.pattern, case.bundle
            ));
            "DISAGREE".to_string()
        };
        *tally.entry(key).or_default() += 1;
    }
    eprintln!("differential test, seed {seed:#x}, {count} cases:");
    for feature in [
        " AND [",
        " OR [",
        "FOLLOWEDBY",
        "WITHIN",
        "REPEATS",
        "START",
        "NOT ",
        "LIKE",
        "MATCHES",
        "ISSUBSET",
        "EXISTS",
        "[*]",
        "_ref",
    ] {
        let n = cases.iter().filter(|c| c.pattern.contains(feature)).count();
        eprintln!("  {n:>6}  cases with `{}`", feature.trim());
    }
    for (k, n) in &tally {
        eprintln!("  {n:>6}  {k}");
    }
    assert!(
        disagreements.is_empty(),
        "{} disagreement(s) with stix2-matcher; first ones:\n{}",
        disagreements.len(),
        disagreements
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

//! Any text read as observations is parsed, turned into observations and
//! matched against a small fixed set of indicators without panicking, along
//! both paths: STIX objects (`parse_objects`, `Observation::from_objects`)
//! and the record reader with sensor telemetry (Suricata EVE, Zeek JSON)
//! that `accord match` uses, and Zeek's TSV logs (the ASCII writer's format
//! `accord match` and `--follow` read); and each line read borrowed
//! (`telemetry::Object`) against the same line read as a `Map`.
#![no_main]

use std::sync::OnceLock;

use accord_stix::eval::Observation;
use accord_stix::matcher::Matcher;
use accord_stix::object::{Indicator, parse_objects};
use accord_stix::telemetry::zeek_tsv::TsvRecords;
use accord_stix::telemetry::{self, Format, Records};
use libfuzzer_sys::fuzz_target;

const PATTERNS: &[&str] = &[
    "[file:hashes.'SHA-256' = 'aa']",
    "[domain-name:value IN ('a.example', 'b.example')]",
    "[ipv4-addr:value ISSUBSET '10.0.0.0/8']",
    "[url:value LIKE '%/admin/%']",
    "[network-traffic:dst_ref.value = '10.0.0.1' AND network-traffic:dst_port > 1000]",
    "[file:name MATCHES '^a.*\\\\.exe$'] FOLLOWEDBY [domain-name:value = 'c.example'] WITHIN 60 SECONDS",
    "[process:command_line LIKE '%x%'] REPEATS 2 TIMES",
    "[x509-certificate:serial_number EXISTS] START t'2020-01-01T00:00:00Z' STOP t'2030-01-01T00:00:00Z'",
    "[artifact:payload_bin = b'AAE=' OR file:hashes.MD5 = h'00ff']",
    "NOT-A-PATTERN-ON-PURPOSE",
];

fn matcher() -> &'static Matcher {
    static MATCHER: OnceLock<Matcher> = OnceLock::new();
    MATCHER.get_or_init(|| {
        let valid_from = "2000-01-01T00:00:00Z".parse().unwrap();
        let indicators: Vec<Indicator> = PATTERNS
            .iter()
            .filter(|p| accord_stix::pattern::Pattern::parse(p).is_ok())
            .enumerate()
            .map(|(i, p)| Indicator {
                id: format!("indicator--00000000-0000-4000-8000-{i:012}"),
                name: None,
                pattern: (*p).to_string(),
                pattern_type: "stix".into(),
                valid_from,
                valid_until: None,
            })
            .collect();
        Matcher::compile(&indicators).unwrap()
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(objects) = parse_objects(text) {
        for object in &objects {
            let _ = object.validate();
            let _ = object.tlp_markings();
        }
        if let Ok(observations) = Observation::from_objects(&objects) {
            check(&observations);
        }
    }

    let lines = text.matches('\n').count() + 1;
    let mut observations = Vec::new();
    for record in Records::new(text) {
        let line = match &record {
            Ok(r) => r.line,
            Err(e) => e.line,
        };
        assert!((1..=lines).contains(&line), "line {line} of {lines}");
        let Ok(record) = record else { continue };
        if telemetry::detect(&record.value) != Some(Format::Stix)
            && let Ok(Some(o)) = telemetry::observation(&record.value)
        {
            assert!(o.first_observed <= o.last_observed);
            observations.push(o);
        }
    }
    check(&observations);

    // Each line read borrowed, as `accord match` reads a sensor log's lines: it
    // parses exactly when serde_json reads it as a map, and then maps to the same
    // observation, id and error.
    for line in text.lines() {
        let map = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(line);
        let object = telemetry::Object::parse(line);
        assert_eq!(map.is_ok(), object.is_ok(), "{line}");
        if let (Ok(map), Ok(object)) = (map, object) {
            assert_eq!(
                telemetry::observation_unnamed(&map),
                telemetry::object_observation(&object, telemetry::ObjectTypes::ALL)
            );
            assert_eq!(
                telemetry::observation_id(&map),
                telemetry::object_observation_id(&object)
            );
        }
    }

    // The same text as a Zeek TSV log: every record or error names a line of
    // the text, and what a header maps reaches an observation or an error.
    let mut tsv = Vec::new();
    for record in TsvRecords::new(text) {
        let line = match &record {
            Ok(r) => r.line,
            Err(e) => e.line,
        };
        assert!((1..=lines).contains(&line), "TSV line {line} of {lines}");
        if let Ok(record) = record
            && let Ok(Some(o)) = telemetry::observation(&record.value)
        {
            assert!(o.first_observed <= o.last_observed);
            tsv.push(o);
        }
    }
    check(&tsv);
});

fn check(observations: &[Observation]) {
    let sightings = matcher().match_observations(observations);
    for s in &sightings {
        assert!(s.observations.iter().all(|&i| i < observations.len()));
    }
    assert_eq!(
        matcher().match_observations_threaded(observations, 2),
        sightings
    );
}

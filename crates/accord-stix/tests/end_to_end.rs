//! The path `accord match` takes through this crate: read indicators (a
//! bundle) and observations (NDJSON), validate them, compile the matcher,
//! match, and turn matches into valid STIX `sighting` objects.

use std::fs;

use accord_stix::eval::Observation;
use accord_stix::marking::TlpMarking;
use accord_stix::matcher::Matcher;
use accord_stix::object::{Indicator, parse_objects, sighting};

fn read(name: &str) -> String {
    let path = format!("{}/tests/testdata/match/{name}", env!("CARGO_MANIFEST_DIR"));
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn indicators_and_observations_to_sightings() {
    let indicator_objects = parse_objects(&read("indicators.json")).expect("indicators parse");
    for o in &indicator_objects {
        o.validate().unwrap_or_else(|e| panic!("{e}"));
    }
    assert_eq!(
        indicator_objects[0].strictest_tlp(),
        Some(TlpMarking::Green)
    );
    let indicators: Vec<Indicator> = indicator_objects
        .iter()
        .map(|o| Indicator::from_object(o).expect("indicator view"))
        .collect();
    let matcher = Matcher::compile(&indicators).expect("patterns compile");
    assert_eq!(
        matcher.skipped().len(),
        1,
        "the YARA indicator is not a STIX pattern"
    );

    let observed = parse_objects(&read("observations.ndjson")).expect("observations parse");
    for o in &observed {
        o.validate().unwrap_or_else(|e| panic!("{e}"));
    }
    let observations = Observation::from_objects(&observed).expect("observations resolve");
    assert_eq!(observations.len(), 11);

    let sightings = matcher.match_observations(&observations);
    let names: Vec<&str> = sightings
        .iter()
        .map(|s| indicators[s.indicator].name.as_deref().unwrap_or_default())
        .collect();
    assert_eq!(
        names,
        [
            "Emotet loader hash",
            "Known C2 domain",
            "C2 range",
            "Webshell path",
            "Dropper then beacon",
            "SSH brute force",
        ],
        "the expired indicator and the noise must not match"
    );

    let created = "2026-11-29T00:00:00Z".parse().expect("timestamp");
    for (n, s) in sightings.iter().enumerate() {
        let refs: Vec<String> = s
            .observations
            .iter()
            .map(|&i| observations[i].id.clone())
            .collect();
        let first = s
            .observations
            .iter()
            .map(|&i| observations[i].first_observed)
            .min();
        let last = s
            .observations
            .iter()
            .map(|&i| observations[i].last_observed)
            .max();
        let object = sighting(
            uuid::Uuid::from_u128(n as u128 + 1),
            created,
            &indicators[s.indicator].id,
            &refs,
            first.expect("at least one observation"),
            last.expect("at least one observation"),
            refs.len() as u64,
        );
        object.validate().unwrap_or_else(|e| panic!("{e}"));
    }
    // The two-step and repeated patterns bind several observations.
    assert_eq!(sightings[4].observations.len(), 2);
    assert_eq!(sightings[5].observations.len(), 3);
}

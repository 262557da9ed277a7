//! Telemetry read borrowed ([`Object`]) and mapped to the object types the
//! indicators look at gives what reading each record into a `Map` and mapping
//! every type gives: the same observations, ids, errors and sightings.

// Test inputs are constants of this file and the CLI's test data.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::sync::Arc;

use accord_stix::object::Indicator;
use accord_stix::stream::{Stream, StreamConfig, StreamMatcher, StreamSighting};
use accord_stix::telemetry::{self, Object, ObjectTypes};
use serde_json::{Map, Value};

/// Every JSON line of the CLI's Suricata and Zeek test logs, and records that
/// go wrong in each way the mappings report.
fn lines() -> Vec<String> {
    let mut lines: Vec<String> = [
        include_str!("../../accord-cli/tests/testdata/match/eve.json"),
        include_str!("../../accord-cli/tests/testdata/match/bad-eve.json"),
        include_str!("../../accord-cli/tests/testdata/match/zeek.log"),
    ]
    .iter()
    .flat_map(|t| t.lines())
    .filter(|l| l.trim_start().starts_with('{'))
    .map(str::to_owned)
    .collect();
    lines.extend(
        [
            // Wrongly typed, null, repeated and escaped fields; a flat dotted key.
            r#"{"timestamp":"2026-11-29T10:00:00Z","event_type":"dns","src_ip":10,"dns":{"rrname":"a.example"}}"#,
            r#"{"timestamp":"2026-11-29T10:00:00Z","event_type":"dns","src_ip":null,"src_port":"53","dns":{"rrname":"a.example"}}"#,
            r#"{"timestamp":"2026-11-29T10:00:00Z","event_type":"dns","dns":{"rrname":"first.example"},"dns":{"rrname":"c2\u002eexample"}}"#,
            r#"{"timestamp":"2026-11-29T10:00:00Z","event_type":"dns","dns.rrname":"flat.example","dns":{"rrname":"nested.example"}}"#,
            r#"{"timestamp":"2026-11-29T10:00:00Z","event_type":"dns","src_ip":"192.0.2.1","dest_ip":"192.0.2.1","proto":"UDP","dns":{"rrname":"c2.example","grouped":{"A":["198.51.100.7"],"CNAME":["x.example"],"A":["198.51.100.8"]}}}"#,
            r#"{"timestamp":"2026-11-29T10:00:00Z","event_type":"flow","src_ip":"192.0.2.1","dest_ip":"198.51.100.9","dest_port":70000}"#,
            r#"{"timestamp":"2026-11-29T10:00:00Z","event_type":"flow","flow":{"start":"yesterday"}}"#,
            r#"{"timestamp":"2026-11-29T10:00:00Z","event_type":"alert","alert":{"signature":"x"}}"#,
            r#"{"ts":1764410400.5,"uid":"C1","id.orig_h":"192.0.2.10","id.orig_p":1,"id.resp_h":"198.51.100.9","id.resp_p":4444,"proto":"tcp","conn_state":"SF","duration":-1}"#,
            r#"{"ts":"2026-11-29T10:00:00Z","_path":"dns","id.orig_h":"192.0.2.10","query":"c2.example","answers":["198.51.100.7","alias.example"]}"#,
            r#"{"hello":"world"}"#,
        ]
        .map(str::to_owned),
    );
    lines
}

fn indicator(n: usize, pattern: &str) -> Indicator {
    Indicator {
        id: format!("indicator--00000000-0000-4000-8000-{n:012}"),
        name: None,
        pattern: pattern.into(),
        pattern_type: "stix".into(),
        valid_from: "2020-01-01T00:00:00Z".parse().unwrap(),
        valid_until: None,
    }
}

#[test]
fn a_record_read_borrowed_maps_to_the_same_observation_id_and_error() {
    for line in lines() {
        let Ok(map) = serde_json::from_str::<Map<String, Value>>(&line) else {
            assert!(Object::parse(&line).is_err(), "{line}");
            continue;
        };
        let object = Object::parse(&line).unwrap();
        assert_eq!(
            telemetry::detect(&map),
            telemetry::detect_object(&object),
            "{line}"
        );
        assert_eq!(
            telemetry::observation_unnamed(&map),
            telemetry::object_observation(&object, ObjectTypes::ALL),
            "{line}"
        );
        assert_eq!(
            telemetry::observation_id(&map),
            telemetry::object_observation_id(&object),
            "{line}"
        );
    }
}

/// The sightings of `lines` against `indicators`, each record mapped to `types`
/// (the matcher's own when `None`).
fn sightings(indicators: &[Indicator], types: Option<ObjectTypes>) -> Vec<StreamSighting> {
    let matcher = Arc::new(StreamMatcher::compile(indicators).unwrap());
    let types = types.unwrap_or(matcher.object_types());
    let mut stream = Stream::new(Arc::clone(&matcher), StreamConfig::default());
    let mut out = Vec::new();
    for line in lines() {
        let Ok(object) = Object::parse(&line) else {
            continue;
        };
        if let Ok(Some(o)) = telemetry::object_observation(&object, types) {
            let probe = matcher
                .probe(&o)
                .with_id(|| telemetry::object_observation_id(&object));
            stream.push_probe(probe, &mut out);
        }
    }
    stream.flush();
    out
}

#[test]
fn objects_no_pattern_looks_at_are_not_built_and_change_no_sighting() {
    let sets: Vec<Vec<&str>> = vec![
        vec![
            "[domain-name:value = 'update-check.example']",
            "[domain-name:value = 'c2.example']",
        ],
        vec!["[ipv4-addr:value ISSUBSET '198.51.100.0/24']"],
        vec!["[network-traffic:dst_port = 4444]"],
        vec![
            "[url:value LIKE '%/wp-admin/%.php%']",
            "[file:name = 'loader.bin']",
        ],
        vec!["[network-traffic:dst_ref.value = '198.51.100.9']"],
        vec!["[domain-name:resolves_to_refs[*].value = '198.51.100.7']"],
        vec![
            "[domain-name:value = 'update-check.example'] FOLLOWEDBY \
             [network-traffic:dst_port = 4444] WITHIN 600 SECONDS",
        ],
        vec!["[x509-certificate:hashes.'SHA-1' = '4b7ae2106f33910cda2177058e9c112a3b4c5d6e']"],
    ];
    let mut sighted = 0;
    for patterns in sets {
        let indicators: Vec<Indicator> = patterns
            .iter()
            .enumerate()
            .map(|(n, p)| indicator(n, p))
            .collect();
        let all = sightings(&indicators, Some(ObjectTypes::ALL));
        assert_eq!(sightings(&indicators, None), all, "{patterns:?}");
        sighted += all.len();
    }
    assert!(sighted >= 8, "the test data should match: {sighted}");

    // Domain names only: a flow's network-traffic and addresses are not built.
    let matcher =
        StreamMatcher::compile(&[indicator(0, "[domain-name:value = 'c2.example']")]).unwrap();
    let types = matcher.object_types();
    assert!(types.wants("domain-name") && !types.wants("network-traffic"));
    let line = r#"{"timestamp":"2026-11-29T10:00:00Z","event_type":"dns","src_ip":"192.0.2.1","dest_ip":"192.0.2.53","proto":"UDP","dns":{"rrname":"c2.example"}}"#;
    let object = Object::parse(line).unwrap();
    let built = telemetry::object_observation(&object, types)
        .unwrap()
        .unwrap();
    let every = telemetry::object_observation(&object, ObjectTypes::ALL)
        .unwrap()
        .unwrap();
    let kinds = |o: &accord_stix::eval::Observation| -> Vec<String> {
        o.objects
            .iter()
            .map(|(k, m)| format!("{k}:{}", m["type"].as_str().unwrap()))
            .collect()
    };
    assert_eq!(
        kinds(&every),
        [
            "0:ipv4-addr",
            "1:ipv4-addr",
            "2:domain-name",
            "3:network-traffic"
        ]
    );
    // The domain keeps the key it has when every type is built.
    assert_eq!(kinds(&built), ["2:domain-name"]);
    // A path through a reference may reach any type.
    let refs = StreamMatcher::compile(&[indicator(
        0,
        "[network-traffic:dst_ref.value = '198.51.100.9']",
    )])
    .unwrap();
    assert_eq!(refs.object_types(), ObjectTypes::ALL);
}

//! Property test: the compiled [`Matcher`] finds exactly the indicators that
//! evaluating each pattern on its own finds. The index may only narrow the
//! work, never change an answer.

use accord_stix::eval::{CompiledPattern, Observation};
use accord_stix::matcher::Matcher;
use accord_stix::object::Indicator;
use accord_stix::pattern::Pattern;
use proptest::prelude::*;
use serde_json::{Map, Value, json};

const DOMAINS: &[&str] = &["a.example", "b.example", "evil.test", "x.cn"];
const PORTS: &[i64] = &[22, 80, 443, 4444];

fn comparison() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(DOMAINS).prop_map(|d| format!("domain-name:value = '{d}'")),
        (prop::sample::select(DOMAINS), prop::sample::select(DOMAINS))
            .prop_map(|(a, b)| format!("domain-name:value IN ('{a}', '{b}')")),
        (0u8..4).prop_map(|n| format!("ipv4-addr:value ISSUBSET '10.0.{n}.0/24'")),
        (0u8..4).prop_map(|n| format!("ipv4-addr:value = '10.0.{n}.1'")),
        prop::sample::select(PORTS).prop_map(|p| format!("network-traffic:dst_port = {p}")),
        prop::sample::select(PORTS).prop_map(|p| format!("network-traffic:dst_port >= {p}")),
        prop::sample::select(&["%example%", "%.cn", "evil%", "_.example"][..])
            .prop_map(|l| format!("domain-name:value LIKE '{l}'")),
        prop::sample::select(DOMAINS).prop_map(|d| format!("domain-name:value != '{d}'")),
    ]
}

fn comparison_expression() -> impl Strategy<Value = String> {
    prop_oneof![
        comparison(),
        (comparison(), comparison()).prop_map(|(a, b)| format!("{a} OR {b}")),
        (comparison(), comparison()).prop_map(|(a, b)| format!("{a} AND {b}")),
    ]
}

fn pattern() -> impl Strategy<Value = String> {
    let simple = comparison_expression()
        .prop_map(|c| format!("[{c}]"))
        .boxed();
    prop_oneof![
        4 => simple.clone(),
        1 => (simple.clone(), simple.clone()).prop_map(|(a, b)| format!("{a} AND {b}")),
        1 => (simple.clone(), simple.clone()).prop_map(|(a, b)| format!("{a} OR {b}")),
        1 => (simple.clone(), simple.clone()).prop_map(|(a, b)| format!("{a} FOLLOWEDBY {b}")),
        1 => simple.prop_map(|a| format!("{a} REPEATS 2 TIMES")),
    ]
}

fn object() -> impl Strategy<Value = Value> {
    prop_oneof![
        prop::sample::select(DOMAINS).prop_map(|d| json!({"type": "domain-name", "value": d})),
        (0u8..5).prop_map(|n| json!({"type": "ipv4-addr", "value": format!("10.0.{n}.1")})),
        prop::sample::select(PORTS)
            .prop_map(|p| json!({"type": "network-traffic", "dst_port": p, "protocols": ["tcp"]})),
    ]
}

fn observation() -> impl Strategy<Value = Observation> {
    (prop::collection::vec(object(), 1..3), 0i64..600).prop_map(|(objects, offset)| {
        let t = jiff::Timestamp::from_second(1_600_000_000 + offset).unwrap_or_default();
        Observation {
            id: "observed-data--00000000-0000-4000-8000-000000000000".into(),
            first_observed: t,
            last_observed: t,
            number_observed: 1,
            objects: objects
                .into_iter()
                .enumerate()
                .map(|(i, v)| {
                    (
                        i.to_string(),
                        v.as_object().cloned().unwrap_or_else(Map::new),
                    )
                })
                .collect(),
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn matcher_agrees_with_evaluating_each_pattern(
        patterns in prop::collection::vec(pattern(), 1..12),
        observations in prop::collection::vec(observation(), 1..6),
    ) {
        let indicators: Vec<Indicator> = patterns
            .iter()
            .enumerate()
            .map(|(i, p)| Indicator {
                id: format!("indicator--00000000-0000-4000-8000-{i:012}"),
                name: None,
                pattern: p.clone(),
                pattern_type: "stix".into(),
                valid_from: jiff::Timestamp::UNIX_EPOCH,
                valid_until: None,
            })
            .collect();
        let matcher = Matcher::compile(&indicators).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let got: Vec<usize> =
            matcher.match_observations(&observations).iter().map(|s| s.indicator).collect();
        let mut expected = Vec::new();
        for (i, p) in patterns.iter().enumerate() {
            let parsed = Pattern::parse(p).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let compiled =
                CompiledPattern::new(parsed).map_err(|e| TestCaseError::fail(e.to_string()))?;
            if compiled.matches(&observations).is_some() {
                expected.push(i);
            }
        }
        prop_assert_eq!(got, expected, "patterns: {:?}", patterns);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Matching one set on several threads gives exactly the sightings of
    /// matching it on one, including patterns that combine observations
    /// from different threads' slices.
    #[test]
    fn threaded_matching_agrees_with_one_thread(
        patterns in prop::collection::vec(pattern(), 1..12),
        observations in prop::collection::vec(observation(), 4..24),
        threads in 2usize..5,
    ) {
        let indicators: Vec<Indicator> = patterns
            .iter()
            .enumerate()
            .map(|(i, p)| Indicator {
                id: format!("indicator--00000000-0000-4000-8000-{i:012}"),
                name: None,
                pattern: p.clone(),
                pattern_type: "stix".into(),
                valid_from: jiff::Timestamp::UNIX_EPOCH,
                valid_until: None,
            })
            .collect();
        let matcher = Matcher::compile(&indicators).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(
            matcher.match_observations_threaded(&observations, threads),
            matcher.match_observations(&observations)
        );
    }
}

//! Golden answers: the full JSON for a few questions, reviewed once and then kept stable, so
//! any change in wording, order or provenance shows up in review. Update with
//! `INSTA_UPDATE=always cargo test -p accord-law --test golden` and read the diff.

mod common;

use accord_law::{Query, Scenario, route, scenario};
use common::real_dataset;

#[test]
fn golden_routes() {
    let dataset = real_dataset();
    for (name, from, to, data, emergency, on) in [
        (
            "fr-us-subscriber-2026",
            "FR",
            "US",
            "subscriber",
            false,
            "2026-11-29",
        ),
        (
            "de-ie-traffic-emergency-2026",
            "DE",
            "IE",
            "traffic",
            true,
            "2026-08-18",
        ),
        (
            "gb-us-content-2026",
            "GB",
            "US",
            "content",
            false,
            "2026-11-29",
        ),
        (
            "de-dk-content-2026",
            "DE",
            "DK",
            "content",
            false,
            "2026-11-29",
        ),
        (
            "fr-us-content-1990",
            "FR",
            "US",
            "content",
            false,
            "1990-01-01",
        ),
        (
            "fr-fr-content-2026",
            "FR",
            "FR",
            "content",
            false,
            "2026-11-29",
        ),
    ] {
        let q = Query::parse(from, to, data, emergency, on).unwrap();
        insta::assert_json_snapshot!(name, route(&dataset, &q));
    }
}

#[test]
fn golden_scenario() {
    let dataset = real_dataset();
    let s = Scenario::parse("RU", "NL", "FR", "traffic", false, "2026-11-29").unwrap();
    insta::assert_json_snapshot!("ru-nl-fr-traffic-2026", scenario(&dataset, &s));
}

//! The A/B/C question: attacker in A, computer in B, victim in C.

mod common;

use accord_law::{Action, Scenario, scenario};
use common::real_dataset;

#[test]
fn russia_via_the_netherlands_against_france() {
    // ETS 185: NL (eif 2007-03-01, unverified) and FR are parties, RU is not; Art. 29
    // preservation, Art. 30 expedited disclosure to trace the hop; Reg. 2023/1543 between
    // FR and NL from 2026-08-18.
    let dataset = real_dataset();
    let s = Scenario::parse("RU", "NL", "FR", "traffic", false, "2026-11-29").unwrap();
    let a = scenario(&dataset, &s);

    let via = &a.victim_asks_via;
    assert!(!via.preservation.is_empty());
    assert!(
        via.preservation
            .iter()
            .all(|p| p.action == Action::Preservation)
    );
    assert!(
        via.preservation
            .iter()
            .any(|p| p.instrument == "budapest" && p.article == "Art. 29")
    );
    assert!(
        via.production
            .iter()
            .any(|p| p.instrument == "eu-e-evidence")
    );
    assert!(
        via.production
            .iter()
            .all(|p| p.action == Action::Production)
    );

    assert_eq!(a.via_on_its_own.pathways.len(), 1);
    assert_eq!(a.via_on_its_own.pathways[0].article, "Art. 30");

    // Towards Russia only two routes remain: plain MLA, and e-Evidence orders to a provider
    // that offers services in the Union (through its EU addressee).
    let to_a = &a.victim_asks_attacker;
    assert!(
        to_a.preservation
            .iter()
            .all(|p| p.instrument == "eu-e-evidence")
    );
    assert!(
        to_a.production
            .iter()
            .all(|p| ["eu-e-evidence", "mla"].contains(&p.instrument))
    );
    assert_eq!(to_a.production.last().unwrap().instrument, "mla");
    assert!(
        to_a.not_applicable
            .iter()
            .any(|n| n.reason == "Russia is not a party to the Budapest Convention")
    );

    assert!(
        a.summary
            .contains("France should first ask the Netherlands to preserve"),
        "{}",
        a.summary
    );
    assert!(a.summary.contains("Art. 30"), "{}", a.summary);
    assert!(
        a.summary.contains("repeats the request to Russia"),
        "{}",
        a.summary
    );
    assert!(a.summary.contains("unverified"), "{}", a.summary);
}

#[test]
fn a_hop_outside_budapest_cannot_be_traced_by_art_30() {
    // ETS 185: Russia is not a party, so it owes France no Art. 30 disclosure.
    let dataset = real_dataset();
    let s = Scenario::parse("KP", "RU", "FR", "content", false, "2026-11-29").unwrap();
    let a = scenario(&dataset, &s);
    assert!(a.via_on_its_own.pathways.is_empty());
    let reason = a.via_on_its_own.reason.as_deref().unwrap();
    assert!(
        reason.contains("Russia is not a party to the Budapest Convention"),
        "{reason}"
    );
    assert!(
        a.victim_asks_via
            .preservation
            .iter()
            .all(|p| p.instrument != "budapest")
    );
    assert!(
        a.summary.contains("no expedited-disclosure duty"),
        "{}",
        a.summary
    );
}

#[test]
fn the_computer_in_the_victims_own_state_is_domestic() {
    let dataset = real_dataset();
    let s = Scenario::parse("US", "FR", "FR", "content", false, "2026-11-29").unwrap();
    let a = scenario(&dataset, &s);
    assert!(a.victim_asks_via.domestic.is_some());
    assert!(a.via_on_its_own.pathways.is_empty());
    assert!(
        a.summary.contains("the computer used is in France itself"),
        "{}",
        a.summary
    );
    assert!(
        a.victim_asks_attacker
            .production
            .iter()
            .any(|p| p.instrument == "eu-us-mla")
    );
}

#[test]
fn an_emergency_in_2019_is_answered_with_2019_law() {
    // UK-US agreement in force only from 2022-10-03; e-Evidence from 2026-08-18.
    let dataset = real_dataset();
    let s = Scenario::parse("RU", "US", "GB", "content", true, "2019-01-01").unwrap();
    let a = scenario(&dataset, &s);
    assert!(
        a.victim_asks_via
            .production
            .iter()
            .all(|p| p.instrument != "cloud-act-uk-us")
    );
    assert!(
        a.summary
            .starts_with("On 2019-01-01, for content data in an emergency"),
        "{}",
        a.summary
    );
}

#[test]
fn the_scenario_serializes_with_its_three_legs() {
    let dataset = real_dataset();
    let s = Scenario::parse("RU", "NL", "FR", "subscriber", false, "2026-11-29").unwrap();
    let json = serde_json::to_value(scenario(&dataset, &s)).unwrap();
    for key in [
        "victim_asks_via",
        "victim_asks_attacker",
        "via_on_its_own",
        "summary",
    ] {
        assert!(json.get(key).is_some(), "{key}");
    }
    assert!(json["victim_asks_via"]["preservation"][0]["instrument"].is_string());
}

#[test]
fn a_wrong_country_names_its_field() {
    let err = Scenario::parse("RU", "UK", "FR", "content", false, "2026-11-29").unwrap_err();
    assert!(err.to_string().starts_with("via:"), "{err}");
    assert!(err.to_string().contains("GB"), "{err}");
}

#[test]
fn the_matrix_colours_each_pair_by_its_fastest_production_pathway() {
    use accord_core::country::CountryCode;
    use accord_law::matrix::matrix;
    let dataset = real_dataset();
    let states: Vec<CountryCode> = ["DE", "DK", "GB", "IE", "US"]
        .iter()
        .map(|c| CountryCode::parse(c).unwrap())
        .collect();
    let on = jiff::civil::date(2026, 11, 29);
    let m = matrix(
        &dataset,
        &states,
        accord_law::DataCategory::Content,
        false,
        on,
    );
    assert_eq!(m.cells.len(), 25);
    let cell = |a: &str, b: &str| {
        m.cell(
            CountryCode::parse(a).unwrap(),
            CountryCode::parse(b).unwrap(),
        )
        .unwrap()
    };
    // The diagonal is domestic.
    assert!(cell("DE", "DE").fastest.is_none());
    // Reg. 2023/1543 between bound Member States from 2026-08-18 (10 days).
    assert_eq!(
        cell("DE", "IE").fastest.as_ref().unwrap().instrument,
        "eu-e-evidence"
    );
    // Denmark is not bound: Budapest MLA (Art. 31) is the fastest production route.
    assert_eq!(
        cell("DE", "DK").fastest.as_ref().unwrap().instrument,
        "budapest"
    );
    // UK-US agreement: orders directly to the provider, content data.
    assert_eq!(
        cell("GB", "US").fastest.as_ref().unwrap().instrument,
        "cloud-act-uk-us"
    );
    // Ireland is not a Budapest party and the UK is outside the EU: only plain MLA.
    assert_eq!(cell("GB", "IE").fastest.as_ref().unwrap().instrument, "mla");
}

//! Loads the shipped `data/` directory through the same checks the hub runs at first start.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use accord_core::dataset::Dataset;
use accord_core::party::{PartyKind, SupportStatus};
use accord_core::source::Verification;

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data")
}

fn load() -> Dataset {
    let dir = data_dir();
    let read = |name: &str| {
        std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    let mut incidents = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(dir.join("incidents"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    names.sort();
    for p in names {
        let text = std::fs::read_to_string(&p).unwrap();
        incidents.push((p.file_name().unwrap().to_string_lossy().into_owned(), text));
    }
    match Dataset::from_texts(
        &read("accord.json"),
        &read("parties.json"),
        &read("principle-rules.json"),
        incidents.iter().map(|(n, t)| (n.as_str(), t.as_str())),
    ) {
        Ok(d) => d,
        Err(e) => panic!("bundled data is invalid:\n{e}"),
    }
}

#[test]
fn the_corrections_file_names_shipped_records_versions_days_and_reasons() {
    let d = load();
    let text = std::fs::read_to_string(data_dir().join("corrections.json")).unwrap();
    match accord_core::corrections::Corrections::from_text(&text, &d) {
        Ok(c) => assert!(c.version >= 1, "the dataset has a version"),
        Err(e) => panic!("data/corrections.json is invalid:\n{e}"),
    }
}

#[test]
fn bundled_data_is_valid() {
    let d = load();
    assert_eq!(
        d.accord.principles.len(),
        9,
        "the Paris Call has nine principles"
    );
    assert!(d.incidents.len() >= 15, "at least 15 incidents ship");
}

#[test]
fn the_81_supporter_states_ship_with_first_seen_bounds() {
    let d = load();
    let states: Vec<_> = d
        .parties
        .iter()
        .filter(|p| p.kind == PartyKind::State && p.support.is_some())
        .collect();
    assert_eq!(states.len(), 81);
    let today = "2026-11-29".parse().unwrap();
    assert!(
        states
            .iter()
            .all(|p| p.status_on(today) == SupportStatus::Supporter)
    );
}

#[test]
fn absent_states_and_later_joiners() {
    let d = load();
    let find = |id: &str| {
        d.parties
            .iter()
            .find(|p| p.id == id)
            .unwrap_or_else(|| panic!("{id}"))
    };
    for id in ["RU", "CN", "IR", "KP"] {
        let p = find(id);
        assert!(p.absent_at_launch.is_some() && p.support.is_none(), "{id}");
    }
    let us = find("US");
    assert!(us.absent_at_launch.is_some());
    assert_eq!(us.support.as_ref().unwrap().since.to_string(), "2021-11-10");
    let eu = find("european-union");
    assert_eq!(eu.support.as_ref().unwrap().since.to_string(), "2021-11-11");
}

#[test]
fn every_incident_gets_a_suggestion_with_a_reason() {
    let d = load();
    for i in &d.incidents {
        let s = d.rules.suggest(i);
        assert!(!s.is_empty(), "{} gets no suggested principle", i.id);
        assert!(
            s.iter().all(|s| !s.reason.contains('{')),
            "{}: unfilled reason",
            i.id
        );
    }
}

#[test]
fn an_alleged_initiator_stays_marked_alleged() {
    // Stuxnet's initiator rests on no official attribution, only on press reporting: the record
    // must say so, never mark it verified, and hold no attribution naming a state.
    let d = load();
    let stuxnet = d.incidents.iter().find(|i| i.id == "stuxnet-2010").unwrap();
    assert!(stuxnet.initiators.iter().all(|i| {
        i.source.verification != Verification::Verified
            && i.note.as_deref().is_some_and(|n| n.starts_with("Alleged"))
    }));
    assert!(
        stuxnet
            .attributions
            .iter()
            .all(|a| a.attributed_to.is_none())
    );
}

#[test]
fn a_correction_naming_no_shipped_record_or_a_future_version_is_refused_with_its_path() {
    let d = load();
    let text = r#"{"version": 1, "corrections": [
        {"version": 2, "date": "2026-12", "kind": "incident", "id": "no-such-incident",
         "what": "x", "why": " "}]}"#;
    let err = accord_core::corrections::Corrections::from_text(text, &d)
        .unwrap_err()
        .to_string();
    for needle in [
        "corrections[0].version",
        "corrections[0].date",
        "corrections[0].id",
        "corrections[0].why",
    ] {
        assert!(err.contains(needle), "{needle} missing from {err}");
    }
}

#[test]
fn a_correction_may_name_a_state_party_by_its_iso_code() {
    let d = load();
    let text = r#"{"version": 1, "corrections": [
        {"version": 1, "date": "2026-12-07", "kind": "party", "id": "IL",
         "what": "absent_at_launch.source.as_of: 2026-11 → 2018-11", "why": "the page's date"}]}"#;
    if let Err(e) = accord_core::corrections::Corrections::from_text(text, &d) {
        panic!("a state party's ISO-code id was refused:\n{e}");
    }
    let unknown = text.replace("\"IL\"", "\"XX\"");
    let err = accord_core::corrections::Corrections::from_text(&unknown, &d)
        .unwrap_err()
        .to_string();
    assert!(err.contains("corrections[0].id"), "{err}");
}

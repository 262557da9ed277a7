//! Civilian, military, dual-use: each victim's target class and whether an incident happened
//! during an armed conflict, each with its source. Records stored before these were asked for
//! still load and read as unclassified; new ones are validated with the field path named; the
//! scorecards and the bloc view split by class.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use accord_core::incident::Incident;
use accord_core::party::Party;
use accord_core::record::{Facet, IncidentRecord};
use accord_core::scorecard::{NOT_STATED, bloc_view, party_scorecard};
use accord_core::targeting::{ConflictStatus, TargetClass, UNCLASSIFIED};
use serde_json::{Value, json};

fn source() -> Value {
    json!({"url": "https://www.example.gov/statement", "as_of": "2026-11", "verification": "verified"})
}

fn class(c: &str) -> Value {
    json!({"class": c, "note": "what the target is", "source": source()})
}

/// A record as stored before target classes: no `target_class`, no `armed_conflict`.
fn stored_before() -> Value {
    json!({
        "id": "old-case-2019", "title": "Old case", "summary": "Recorded before classes.",
        "dates": {"start": {"date": "2019", "source": source()}},
        "victims": [{"name": "A utility", "country": "UA", "sector": "energy", "source": source()}],
        "attributions": [{"by": "A government", "attributed_to": "RU", "basis": "government-statement",
            "statement": "It was Russia.", "source": source()}]
    })
}

fn incident(v: Value) -> Incident {
    serde_json::from_value(v).unwrap()
}

fn record(i: Incident) -> IncidentRecord {
    IncidentRecord {
        suggested_principles: vec![],
        incident: i,
        log_index: None,
    }
}

fn state(code: &str) -> Party {
    serde_json::from_value(json!({"id": code, "name": code, "kind": "state", "country": code}))
        .unwrap()
}

fn problems(i: &Incident) -> Vec<String> {
    i.validate(9).0.into_iter().map(|p| p.path).collect()
}

#[test]
fn a_record_stored_without_classes_loads_as_unclassified_and_is_indexed_under_none() {
    let i = incident(stored_before());
    assert!(problems(&i).is_empty(), "{:?}", problems(&i));
    assert_eq!(i.victims[0].target_class, None);
    assert_eq!(i.victims[0].class_name(), UNCLASSIFIED);
    assert_eq!(i.armed_conflict, None);
    let facets = record(i.clone()).facets();
    assert!(
        !facets
            .iter()
            .any(|(f, _)| matches!(f, Facet::TargetClass | Facet::ArmedConflict)),
        "{facets:?}"
    );
    // Written back, it stays as it was: nothing is added in its name.
    let back = serde_json::to_value(&i).unwrap();
    assert!(back["victims"][0].get("target_class").is_none());
    assert!(back.get("armed_conflict").is_none());
}

fn new_write_problems(i: &Incident) -> Vec<String> {
    i.validate_new(9).0.into_iter().map(|p| p.path).collect()
}

#[test]
fn a_new_record_must_carry_every_victims_class_and_its_conflict_statement() {
    // Stored before the rule, the record still loads (above); written now, it is refused at
    // each missing field.
    let mut v = stored_before();
    v["victims"].as_array_mut().unwrap().push(
        json!({"name": "A ministry", "country": "UA", "sector": "government",
            "target_class": class("government-non-military"), "source": source()}),
    );
    assert_eq!(
        new_write_problems(&incident(v.clone())),
        ["victims[0].target_class", "armed_conflict"]
    );
    // "Unknown" is an answer, when a note says what was looked for.
    v["victims"][0]["target_class"] = class("unknown");
    v["armed_conflict"] = json!({"status": "unknown", "note": "no page read says",
        "source": {"as_of": "2026-11", "verification": "unverified"}});
    assert_eq!(
        new_write_problems(&incident(v.clone())),
        Vec::<String>::new()
    );
    v["armed_conflict"]["note"] = json!(" ");
    assert_eq!(new_write_problems(&incident(v)), ["armed_conflict.note"]);
}

#[test]
fn classes_and_the_conflict_are_indexed_as_the_record_reads_them() {
    let mut v = stored_before();
    v["victims"][0]["target_class"] = class("civilian");
    v["victims"].as_array_mut().unwrap().push(
        json!({"name": "An army", "country": "UA", "sector": "defence",
            "target_class": class("military"), "source": source()}),
    );
    v["armed_conflict"] = json!({"status": "yes", "conflict": "A war", "note": "during it",
        "source": source()});
    let i = incident(v);
    assert!(problems(&i).is_empty(), "{:?}", problems(&i));
    let facets = record(i).facets();
    for want in [
        (Facet::TargetClass, "civilian"),
        (Facet::TargetClass, "military"),
        (Facet::ArmedConflict, "yes"),
    ] {
        assert!(
            facets.contains(&(want.0, want.1.to_owned())),
            "{want:?} in {facets:?}"
        );
    }
}

#[test]
fn bad_classifications_are_reported_with_their_field_paths() {
    let mut v = stored_before();
    v["victims"][0]["target_class"] = json!({"class": "disputed", "note": "", "source": source(),
        "views": [{"class": "civilian", "note": "declared civilian", "source": source()}]});
    v["armed_conflict"] = json!({"status": "disputed", "note": "x",
        "source": {"as_of": "2026-11", "verification": "secondary"}});
    let i = incident(v);
    assert_eq!(
        problems(&i),
        [
            "victims[0].target_class.note",
            "victims[0].target_class.views",
            "armed_conflict.source.url",
            "armed_conflict.conflict",
            "armed_conflict.views",
        ]
    );
    // An unknown class name is a parse error that names the value.
    let mut v = stored_before();
    v["victims"][0]["target_class"] = class("civillian");
    let err = serde_json::from_value::<Incident>(v)
        .unwrap_err()
        .to_string();
    assert!(err.contains("civillian"), "{err}");
}

#[test]
fn scorecards_and_the_bloc_view_split_by_class_and_conflict() {
    // A dual-use and a civilian victim in Ukraine during a war; a civilian victim in Germany.
    let mut war = stored_before();
    war["id"] = "war-case-2022".into();
    war["victims"] = json!([
        {"name": "A satellite network", "country": "UA", "sector": "telecommunications",
            "target_class": class("dual-use"), "source": source()},
        {"name": "Wind farms", "country": "DE", "sector": "energy",
            "target_class": class("civilian"), "source": source()}
    ]);
    war["armed_conflict"] = json!({"status": "yes", "conflict": "A war", "note": "during it",
        "source": source()});
    let records = vec![record(incident(war)), record(incident(stored_before()))];

    let ru = party_scorecard(&state("RU"), &records, jiff::civil::date(2026, 12, 7));
    let t = &ru.as_initiator;
    assert_eq!(t.total, 2);
    assert_eq!(t.by_target_class.get("dual-use"), Some(&1));
    assert_eq!(t.by_target_class.get("civilian"), Some(&1));
    assert_eq!(t.by_target_class.get(UNCLASSIFIED), Some(&1));
    assert_eq!(t.by_armed_conflict.get("yes"), Some(&1));
    assert_eq!(t.by_armed_conflict.get(NOT_STATED), Some(&1));
    let line = t
        .incidents
        .iter()
        .find(|l| l.id == "war-case-2022")
        .unwrap();
    assert_eq!(line.target_classes, ["civilian", "dual-use"]);
    assert_eq!(line.armed_conflict, Some(ConflictStatus::Yes));

    // Germany's victim line counts only its own victim's class.
    let de = party_scorecard(&state("DE"), &records, jiff::civil::date(2026, 12, 7));
    assert_eq!(de.as_victim.total, 1);
    assert_eq!(de.as_victim.incidents[0].target_classes, ["civilian"]);
    let ua = party_scorecard(&state("UA"), &records, jiff::civil::date(2026, 12, 7));
    assert_eq!(ua.as_victim.total, 2);
    assert_eq!(ua.as_victim.by_target_class.get("dual-use"), Some(&1));
    assert_eq!(ua.as_victim.by_target_class.get(UNCLASSIFIED), Some(&1));
    assert_eq!(ua.as_victim.by_target_class.get("civilian"), None);

    let bloc = bloc_view(&[state("RU")], &records, jiff::civil::date(2026, 12, 7));
    let non = &bloc.non_supporters.incidents;
    assert_eq!(non.total, 2);
    assert_eq!(non.by_target_class.get("dual-use"), Some(&1));
    assert_eq!(non.by_armed_conflict.get("yes"), Some(&1));
    assert_eq!(
        TargetClass::parse(&line.target_classes[1]),
        Some(TargetClass::DualUse)
    );
}

/// Every bundled incident, parsed (validation runs in `bundled_data`).
fn bundled() -> Vec<Incident> {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/incidents");
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|e| e == "json") {
            let text = std::fs::read_to_string(&p).unwrap();
            out.push(serde_json::from_str(&text).unwrap_or_else(|e| panic!("{p:?}: {e}")));
        }
    }
    out
}

fn one<'a>(all: &'a [Incident], id: &str) -> &'a Incident {
    all.iter().find(|i| i.id == id).unwrap()
}

#[test]
fn every_bundled_victim_has_a_class_and_every_incident_a_conflict_statement() {
    let all = bundled();
    assert!(all.len() >= 30);
    for i in &all {
        for (n, v) in i.victims.iter().enumerate() {
            assert!(
                v.target_class.is_some(),
                "{}: victims[{n}] ({}) has no target_class",
                i.id,
                v.name
            );
        }
        assert!(i.armed_conflict.is_some(), "{}: no armed_conflict", i.id);
    }
}

/// Every `source` object anywhere under `value`, with its JSON path.
fn sources<'a>(value: &'a Value, path: String, out: &mut Vec<(String, &'a Value)>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let here = format!("{path}.{k}");
                if k == "source" {
                    out.push((here.clone(), v));
                }
                sources(v, here, out);
            }
        }
        Value::Array(items) => {
            for (n, v) in items.iter().enumerate() {
                sources(v, format!("{path}[{n}]"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn every_class_and_conflict_statement_names_the_page_it_rests_on() {
    // An inference still names the page it was drawn from (data/README.md: every fact has a
    // source URL, an as-of date and a verification level). OPM's conflict statement had none.
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/incidents");
    let mut missing = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        let mut found = Vec::new();
        if let Some(victims) = v.get("victims").and_then(Value::as_array) {
            for (n, victim) in victims.iter().enumerate() {
                if let Some(c) = victim.get("target_class") {
                    sources(c, format!("victims[{n}].target_class"), &mut found);
                }
            }
        }
        if let Some(c) = v.get("armed_conflict") {
            sources(c, "armed_conflict".into(), &mut found);
        }
        for (path, s) in found {
            for field in ["url", "as_of", "verification"] {
                if s.get(field)
                    .and_then(Value::as_str)
                    .is_none_or(str::is_empty)
                {
                    missing.push(format!("{}: {path}.{field}", p.display()));
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "sources without their page:\n{}",
        missing.join("\n")
    );
}

#[test]
fn bundled_classes_keep_both_sides_where_sources_disagree() {
    let all = bundled();
    // Natanz: declared civilian and under safeguards, in a programme suspected of military aims.
    let natanz = one(&all, "stuxnet-2010").victims[0]
        .target_class
        .as_ref()
        .unwrap();
    assert_eq!(natanz.class, TargetClass::Disputed);
    let views: Vec<TargetClass> = natanz.views.iter().map(|v| v.class).collect();
    assert!(views.contains(&TargetClass::Civilian), "{views:?}");
    assert!(views.contains(&TargetClass::DualUse), "{views:?}");
    // The Russia–Ukraine war: Viasat (24 February 2022) and Kyivstar (December 2023).
    for id in ["viasat-ka-sat-2022", "kyivstar-2023"] {
        let a = one(&all, id).armed_conflict.as_ref().unwrap();
        assert_eq!(a.status, ConflictStatus::Yes, "{id}");
        assert!(a.conflict.as_deref().is_some_and(|c| c.contains("Ukraine")));
    }
    // KA-SAT served both civilians and Ukraine's armed forces.
    let viasat = one(&all, "viasat-ka-sat-2022");
    assert_eq!(
        viasat.victims[0].target_class.as_ref().unwrap().class,
        TargetClass::DualUse
    );
    // Before 2022 Russia denied taking part: the record keeps its denial as a view.
    let grid = one(&all, "ukraine-power-grid-2015")
        .armed_conflict
        .as_ref()
        .unwrap();
    assert!(grid.views.iter().any(|v| v.status == ConflictStatus::No));
    // A peacetime "no" rests on no page that states it, and says so.
    let opm = one(&all, "opm-breach-2015")
        .armed_conflict
        .as_ref()
        .unwrap();
    assert_eq!(opm.status, ConflictStatus::No);
    assert_eq!(
        opm.source.verification,
        accord_core::source::Verification::Unverified
    );
}

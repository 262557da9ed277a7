//! The shipped files in `data/law`: they load, and every fact in them has a source, an as-of
//! date and a verification level.

mod common;

use accord_core::date::FuzzyDate;
use accord_law::dataset::PartyStatus;
use common::{data_dir, real_dataset};
use serde_json::Value;

/// Keys whose presence makes an object a fact that needs its own `source`.
const FACT_KEYS: [&str; 5] = ["text", "state", "article", "date", "rule"];

fn check_source(path: &str, source: &Value, problems: &mut Vec<String>, counts: &mut [usize; 3]) {
    let Some(obj) = source.as_object() else {
        problems.push(format!("{path}: source is not an object"));
        return;
    };
    match obj.get("url").and_then(Value::as_str) {
        Some(url) if url.starts_with("https://") || url.starts_with("http://") => {}
        other => problems.push(format!("{path}: url {other:?} is not an http(s) URL")),
    }
    match obj
        .get("as_of")
        .and_then(Value::as_str)
        .map(FuzzyDate::parse)
    {
        Some(Ok(_)) => {}
        other => problems.push(format!(
            "{path}: as_of is missing or not a date ({other:?})"
        )),
    }
    match obj.get("verification").and_then(Value::as_str) {
        Some("verified") => counts[0] += 1,
        Some("secondary") => counts[1] += 1,
        Some("unverified") => counts[2] += 1,
        other => problems.push(format!("{path}: verification {other:?}")),
    }
}

fn walk(path: &str, value: &Value, problems: &mut Vec<String>, counts: &mut [usize; 3]) {
    match value {
        Value::Object(map) => {
            // The instrument object itself is not a fact: its facts (opening, entry into
            // force, parties, mechanisms) each carry their own source.
            let is_fact = FACT_KEYS.iter().any(|k| map.contains_key(*k));
            match map.get("source") {
                Some(source) => check_source(&format!("{path}.source"), source, problems, counts),
                None if is_fact => problems.push(format!("{path}: a fact without a source")),
                None => {}
            }
            for (k, v) in map {
                if k != "source" {
                    walk(&format!("{path}.{k}"), v, problems, counts);
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                walk(&format!("{path}[{i}]"), v, problems, counts);
            }
        }
        _ => {}
    }
}

#[test]
fn every_fact_has_a_source_an_as_of_date_and_a_verification_level() {
    let mut problems = Vec::new();
    let mut counts = [0usize; 3];
    let mut files = 0;
    for entry in std::fs::read_dir(data_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        files += 1;
        let text = std::fs::read_to_string(&path).unwrap();
        let value: Value = serde_json::from_str(&text).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        walk(&name, &value, &mut problems, &mut counts);
    }
    assert_eq!(files, 8, "one file per instrument");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The reference has facts at all three levels; the data must not have lost them.
    assert!(counts.iter().all(|&c| c > 0), "{counts:?}");
}

#[test]
fn the_eight_stable_instrument_ids_are_present() {
    let dataset = real_dataset();
    for id in [
        "budapest",
        "budapest-2ap",
        "eu-e-evidence",
        "cloud-act-uk-us",
        "cloud-act-au-us",
        "un-cybercrime",
        "eu-us-mla",
        "mla",
    ] {
        assert!(dataset.instrument(id).is_some(), "{id} missing");
    }
}

#[test]
fn party_counts_match_the_reference() {
    let dataset = real_dataset();
    let count = |id: &str, status: PartyStatus| {
        dataset
            .instrument(id)
            .unwrap()
            .parties
            .iter()
            .filter(|p| p.status == status)
            .count()
    };
    // ETS 185: 75 parties listed (parties_list_caveat) and 2 signatories (IE, ZA).
    assert_eq!(count("budapest", PartyStatus::Party), 75);
    assert_eq!(count("budapest", PartyStatus::Signatory), 2);
    // CETS 224: 3 ratifications, 49 further signatories.
    assert_eq!(count("budapest-2ap", PartyStatus::Party), 3);
    assert_eq!(count("budapest-2ap", PartyStatus::Signatory), 49);
    // Reg. 2023/1543: 27 Member States listed, all bound but Denmark.
    let ev = dataset.instrument("eu-e-evidence").unwrap();
    assert_eq!(ev.parties.len(), 27);
    let unbound: Vec<&str> = ev
        .parties
        .iter()
        .filter(|p| !p.bound)
        .map(|p| p.state.as_str())
        .collect();
    assert_eq!(unbound, ["DK"]);
}

#[test]
fn a_broken_file_is_reported_with_every_problem() {
    let text = std::fs::read_to_string(data_dir().join("cloud-act-uk-us.json")).unwrap();
    let mut value: Value = serde_json::from_str(&text).unwrap();
    value["mechanisms"][0]["categories"] = Value::Array(Vec::new());
    value["parties"][0]["source"]["url"] = Value::String("not a url".into());
    let broken = value.to_string();
    let err = accord_law::Dataset::from_json_files([("uk.json", broken.as_str())]).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("2 problem(s)"), "{text}");
    assert!(text.contains("mechanisms[0].categories"), "{text}");
    assert!(text.contains("parties[0].source.url"), "{text}");
}

//! Golden files for `accord route`: the real binary, run from an empty directory, on the
//! questions issue 6 names, in text and JSON. Every case passes `--on`, so no snapshot
//! depends on the day the suite runs. Review changes with `cargo insta review`.
//!
//! Each case says which fact of `data/law/` it shows; the engine's own table-driven tests in
//! `crates/accord-law/tests/` check the reasoning, these check what the user reads.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use assert_cmd::cargo::CommandCargoExt;
use serde_json::Value;

/// `accord route ARGS` from `cwd`, with no data directory configured.
fn route_in(cwd: &Path, args: &[&str]) -> Output {
    Command::cargo_bin("accord")
        .unwrap()
        .arg("route")
        .args(args)
        .current_dir(cwd)
        .env_remove("ACCORD_DATA")
        .env("RUST_BACKTRACE", "0")
        .env("RUST_LIB_BACKTRACE", "0")
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

fn route(args: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let out = route_in(dir.path(), args);
    // The command answers from the dataset compiled in: it must not create a data directory.
    let left: Vec<PathBuf> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(left.is_empty(), "accord route {args:?} left {left:?}");
    out
}

fn ok_text(args: &[&str]) -> String {
    let out = route(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The engine's answer straight from `data/law/`, to check that `--json` is exactly it and that
/// the bundled dataset is the one in the repository.
fn engine(question: &[&str]) -> Value {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/law");
    let law = accord_law::load::load_dir(&dir).unwrap();
    match *question {
        [from, to, data, emergency, on] => {
            let q = accord_law::Query::parse(from, to, data, emergency == "yes", on).unwrap();
            serde_json::to_value(accord_law::route(&law, &q)).unwrap()
        }
        [a, b, c, data, emergency, on] => {
            let s = accord_law::Scenario::parse(a, b, c, data, emergency == "yes", on).unwrap();
            serde_json::to_value(accord_law::scenario(&law, &s)).unwrap()
        }
        _ => panic!("bad question {question:?}"),
    }
}

/// Snapshots the text and the JSON of one question, and checks the JSON against the engine.
fn golden(name: &str, args: &[&str], question: &[&str]) {
    let text = ok_text(args);
    insta::assert_snapshot!(format!("{name}.txt"), text);
    let mut json_args = args.to_vec();
    json_args.push("--json");
    let json_text = ok_text(&json_args);
    let json: Value = serde_json::from_str(&json_text).unwrap();
    assert_eq!(
        json,
        engine(question),
        "{name}: --json is not the engine's answer"
    );
    insta::assert_snapshot!(format!("{name}.json"), json_text);
}

const STABLE_IDS: [&str; 8] = [
    "budapest",
    "budapest-2ap",
    "eu-e-evidence",
    "cloud-act-uk-us",
    "cloud-act-au-us",
    "un-cybercrime",
    "eu-us-mla",
    "mla",
];

fn ids(answer: &Value, list: &str) -> Vec<String> {
    answer[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["instrument"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn fr_us_subscriber_2026() {
    // France and the US are Budapest parties; a US provider offering services in the Union is
    // reachable by a European Production Order (Regulation 2023/1543 applies from 2026-08-18).
    golden(
        "fr-us-subscriber-2026-11-29",
        &[
            "--from",
            "FR",
            "--to",
            "US",
            "--data",
            "subscriber",
            "--on",
            "2026-11-29",
        ],
        &["FR", "US", "subscriber", "no", "2026-11-29"],
    );
    let answer = engine(&["FR", "US", "subscriber", "no", "2026-11-29"]);
    // Every instrument is accounted for, once as a pathway or as not applicable, by stable id.
    let mut all = ids(&answer, "pathways");
    all.extend(ids(&answer, "not_applicable"));
    for id in STABLE_IDS {
        assert!(all.iter().any(|i| i == id), "{id} missing from {all:?}");
    }
}

#[test]
fn de_ie_content_before_e_evidence_applies() {
    // Regulation 2023/1543 applies from 2026-08-18: the day before, it is listed as not applicable.
    golden(
        "de-ie-content-2026-08-17",
        &[
            "--from",
            "DE",
            "--to",
            "IE",
            "--data",
            "content",
            "--on",
            "2026-08-17",
        ],
        &["DE", "IE", "content", "no", "2026-08-17"],
    );
    let answer = engine(&["DE", "IE", "content", "no", "2026-08-17"]);
    assert!(!ids(&answer, "pathways").contains(&"eu-e-evidence".to_owned()));
    assert!(ids(&answer, "not_applicable").contains(&"eu-e-evidence".to_owned()));
}

#[test]
fn de_ie_content_after_e_evidence_applies() {
    golden(
        "de-ie-content-2026-08-18",
        &[
            "--from",
            "DE",
            "--to",
            "IE",
            "--data",
            "content",
            "--on",
            "2026-08-18",
        ],
        &["DE", "IE", "content", "no", "2026-08-18"],
    );
    let answer = engine(&["DE", "IE", "content", "no", "2026-08-18"]);
    assert!(ids(&answer, "pathways").contains(&"eu-e-evidence".to_owned()));
}

#[test]
fn gb_us_content_under_the_cloud_act_agreement() {
    golden(
        "gb-us-content-2026-11-29",
        &[
            "--from",
            "GB",
            "--to",
            "US",
            "--data",
            "content",
            "--on",
            "2026-11-29",
        ],
        &["GB", "US", "content", "no", "2026-11-29"],
    );
    let answer = engine(&["GB", "US", "content", "no", "2026-11-29"]);
    assert!(ids(&answer, "pathways").contains(&"cloud-act-uk-us".to_owned()));
}

#[test]
fn dk_de_denmark_not_bound_by_e_evidence() {
    golden(
        "dk-de-content-2026-11-29",
        &[
            "--from",
            "DK",
            "--to",
            "DE",
            "--data",
            "content",
            "--on",
            "2026-11-29",
        ],
        &["DK", "DE", "content", "no", "2026-11-29"],
    );
}

#[test]
fn same_state_is_a_domestic_answer_not_an_error() {
    golden(
        "fr-fr-content-2026-11-29",
        &[
            "--from",
            "FR",
            "--to",
            "FR",
            "--data",
            "content",
            "--on",
            "2026-11-29",
        ],
        &["FR", "FR", "content", "no", "2026-11-29"],
    );
}

#[test]
fn a_date_before_every_instrument_has_no_pathway_but_reasons() {
    golden(
        "fr-us-subscriber-1990-01-01",
        &[
            "--from",
            "FR",
            "--to",
            "US",
            "--data",
            "subscriber",
            "--on",
            "1990-01-01",
        ],
        &["FR", "US", "subscriber", "no", "1990-01-01"],
    );
}

#[test]
fn an_emergency_uses_the_emergency_deadlines() {
    golden(
        "de-ie-traffic-emergency-2026-11-29",
        &[
            "--from",
            "DE",
            "--to",
            "IE",
            "--data",
            "traffic",
            "--emergency",
            "--on",
            "2026-11-29",
        ],
        &["DE", "IE", "traffic", "yes", "2026-11-29"],
    );
}

#[test]
fn identification_data_is_a_category_of_its_own() {
    golden(
        "it-nl-identification-2026-11-29",
        &[
            "--from",
            "IT",
            "--to",
            "NL",
            "--data",
            "identification",
            "--on",
            "2026-11-29",
        ],
        &["IT", "NL", "identification", "no", "2026-11-29"],
    );
}

#[test]
fn domain_registration_data() {
    golden(
        "fr-us-domain-2026-11-29",
        &[
            "--from",
            "FR",
            "--to",
            "US",
            "--data",
            "domain",
            "--on",
            "2026-11-29",
        ],
        &["FR", "US", "domain", "no", "2026-11-29"],
    );
}

#[test]
fn attacker_via_victim_ru_nl_fr() {
    golden(
        "ru-nl-fr-traffic-2026-11-29",
        &[
            "--attacker",
            "RU",
            "--via",
            "NL",
            "--victim",
            "FR",
            "--data",
            "traffic",
            "--on",
            "2026-11-29",
        ],
        &["RU", "NL", "FR", "traffic", "no", "2026-11-29"],
    );
}

/// The command fails with a message on stderr and nothing on stdout.
fn fails(args: &[&str]) -> String {
    let out = route(args);
    assert!(!out.status.success(), "{args:?} should fail");
    assert!(out.stdout.is_empty(), "{args:?} printed to stdout");
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn an_unknown_code_suggests_the_closest() {
    let err = fails(&[
        "--from",
        "UK",
        "--to",
        "US",
        "--data",
        "content",
        "--on",
        "2026-11-29",
    ]);
    assert!(err.contains("--from"), "{err}");
    assert!(err.contains("did you mean GB"), "{err}");
    insta::assert_snapshot!("unknown-code-uk.stderr", err);
    let err = fails(&[
        "--attacker",
        "RU",
        "--via",
        "NX",
        "--victim",
        "FR",
        "--data",
        "content",
        "--on",
        "2026-11-29",
    ]);
    assert!(err.contains("--via"), "{err}");
}

#[test]
fn bad_dates_and_categories_name_the_flag() {
    let err = fails(&[
        "--from",
        "FR",
        "--to",
        "US",
        "--data",
        "content",
        "--on",
        "2026-02-30",
    ]);
    assert!(err.contains("--on"), "{err}");
    insta::assert_snapshot!("bad-date.stderr", err);
    let err = fails(&["--from", "FR", "--to", "US", "--data", "emails"]);
    assert!(err.contains("--data"), "{err}");
    assert!(err.contains("subscriber"), "{err}");
}

#[test]
fn the_two_forms_cannot_be_mixed_or_left_incomplete() {
    let err = fails(&["--from", "FR", "--data", "content"]);
    assert!(err.contains("--to"), "{err}");
    let err = fails(&[
        "--from",
        "FR",
        "--to",
        "US",
        "--attacker",
        "RU",
        "--via",
        "NL",
        "--victim",
        "FR",
        "--data",
        "content",
    ]);
    assert!(err.contains("cannot be used with"), "{err}");
    let err = fails(&["--attacker", "RU", "--via", "NL", "--data", "content"]);
    assert!(err.contains("--victim"), "{err}");
}

#[test]
fn the_default_date_is_today() {
    // No `--on`: the answer is for today (UTC), whatever day the suite runs.
    let text = ok_text(&[
        "--from",
        "FR",
        "--to",
        "US",
        "--data",
        "subscriber",
        "--json",
    ]);
    let answer: Value = serde_json::from_str(&text).unwrap();
    let today = jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date()
        .to_string();
    let on = answer["query"]["on"].as_str().unwrap();
    // Tolerate a run that straddles midnight UTC.
    let yesterday = today
        .parse::<jiff::civil::Date>()
        .unwrap()
        .yesterday()
        .unwrap()
        .to_string();
    assert!(
        on == today || on == yesterday,
        "answered for {on}, today is {today}"
    );
}

/// `accord serve` hands the bundled legal dataset to the hub: the pathway endpoint answers
/// (a hub without it would answer 503) with the same answer as `accord route --json`.
#[test]
fn serve_answers_pathway_questions_from_the_bundled_dataset() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;

    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::cargo_bin("accord")
        .unwrap()
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(dir.path().join("hub"))
        .env("RUST_LOG", "warn")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let base = loop {
        let Some(line) = lines.next() else {
            let _ = child.kill();
            panic!("accord serve exited before listening");
        };
        if let Some(rest) = line.unwrap().strip_prefix("Accord hub listening on ") {
            break rest
                .split_whitespace()
                .next()
                .unwrap()
                .trim_end_matches('/')
                .to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    let url = format!("{base}/api/v1/pathways?from=GB&to=US&data=content&on=2026-11-29");
    let reply = reqwest::blocking::get(&url);
    let _ = child.kill();
    let _ = child.wait();
    let reply = reply.unwrap();
    assert_eq!(reply.status().as_u16(), 200);
    let body: Value = reply.json().unwrap();
    assert_eq!(body, engine(&["GB", "US", "content", "no", "2026-11-29"]));
}

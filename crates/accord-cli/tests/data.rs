//! `accord data upgrade`: a hub seeded with an older version of the bundled dataset brought up
//! to this release's through amendment entries, shown first with `--dry-run`, verified by
//! `accord log verify`. Runs on the backend the suite runs on (see `common`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::sync::Arc;

use accord_store::Store;
use accord_store::log::Operator;
use serde_json::{Value, json};

use common::{Server, database_url, fails, http_get, ok, on};

fn repo_data() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data")
}

/// The bundled dataset's version (`data/corrections.json`), which an upgrade's amendments carry.
fn bundled_version() -> Value {
    let text = std::fs::read_to_string(repo_data().join("corrections.json")).unwrap();
    let corrections: Value = serde_json::from_str(&text).unwrap();
    let version = &corrections["version"];
    assert!(version.as_u64().is_some_and(|v| v >= 3), "{version}");
    version.clone()
}

/// Seeds the hub in `data` with the bundled dataset as an older release shipped it: OPM's
/// Barr remark still a `government-statement` (version 1 corrected it), one incident fewer,
/// and the accord and the rules as they were before version 3 corrected them (two launch
/// counts `as_of` the month they were read; rules that do not say whose conduct they concern).
/// Returns the id of the incident the release adds.
async fn seed_older(data: &Path, url: Option<String>) -> String {
    let mut dataset = accord_store::dataset_dir::load_dataset_dir(&repo_data()).unwrap();
    let opm = dataset
        .incidents
        .iter_mut()
        .find(|i| i.id == "opm-breach-2015")
        .unwrap();
    let mut v = serde_json::to_value(&*opm).unwrap();
    v["attributions"][1]["basis"] = json!("government-statement");
    *opm = serde_json::from_value(v).unwrap();
    let added = dataset.incidents.pop().unwrap().id;
    let mut accord = serde_json::to_value(&dataset.accord).unwrap();
    accord["supporter_counts"][0]["source"]["as_of"] = json!("2026-11");
    dataset.accord = serde_json::from_value(accord).unwrap();
    let mut rules = serde_json::to_value(&dataset.rules).unwrap();
    for rule in rules["rules"].as_array_mut().unwrap() {
        rule.as_object_mut().unwrap().remove("concerns");
    }
    dataset.rules = serde_json::from_value(rules).unwrap();
    let operator = Arc::new(Operator::load_or_create(data, None).unwrap());
    let store: Arc<dyn Store> = match url {
        Some(url) => Arc::new(
            accord_store_postgres::PostgresStore::open(&url)
                .await
                .unwrap(),
        ),
        None => Arc::new(accord_store_sqlite::SqliteStore::open(data).unwrap()),
    };
    accord_store::write::seed_bundled(store.as_ref(), operator, &dataset)
        .await
        .unwrap();
    added
}

fn log_size(data: &Path) -> u64 {
    let out = ok(on(data).args(["log", "verify", "--json"]));
    let report: Value = serde_json::from_str(&out).unwrap();
    report["size"].as_u64().unwrap()
}

#[test]
fn an_older_dataset_is_amended_to_this_release_and_the_log_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("hub");
    std::fs::create_dir_all(&data).unwrap();
    // The hub's database (made on PostgreSQL outside the runtime below).
    let url = database_url(&data);
    let added = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(seed_older(&data, url));
    let size = log_size(&data);

    // The dry run shows record, field, was → now and the reason, and writes nothing.
    let shown = ok(on(&data).args(["data", "upgrade", "--dry-run"]));
    assert!(shown.contains("the hub holds dataset version 0"), "{shown}");
    assert!(shown.contains("incident opm-breach-2015"), "{shown}");
    assert!(
        shown.contains("attributions[1].basis: \"government-statement\" → \"official-remark\""),
        "{shown}"
    );
    assert!(shown.contains("because (2026-12-07)"), "{shown}");
    assert!(
        shown.contains("accord paris-call\n")
            && shown.contains("supporter_counts[0].source.as_of: \"2026-11\" → \"2018-11-12\""),
        "{shown}"
    );
    assert!(
        shown.contains("rules paris-call-rules\n")
            && shown.contains("rules[0].concerns: (absent) → \"initiator\""),
        "{shown}"
    );
    assert!(
        shown.contains(&format!("new incidents: {added}")),
        "{shown}"
    );
    assert_eq!(log_size(&data), size, "a dry run writes nothing");
    let plan: Value = serde_json::from_str(&ok(on(&data).args([
        "data",
        "upgrade",
        "--dry-run",
        "--json",
    ])))
    .unwrap();
    assert_eq!(plan["held"], json!(0));

    ok(on(&data).args(["data", "upgrade"]));
    let grown = log_size(&data);
    assert!(
        grown > size + 1,
        "amendments, the new incident and the version"
    );
    let again = ok(on(&data).args(["data", "upgrade"]));
    assert!(again.contains("nothing to do"), "{again}");
    assert_eq!(log_size(&data), grown, "a second run appends nothing");

    // The API and the incident page show the correction.
    let server = Server::start(&data);
    let body = http_get(&server.base, "/api/v1/incidents/opm-breach-2015/amendments");
    let amendments: Value = serde_json::from_slice(&body).unwrap();
    let first = &amendments["amendments"][0];
    assert_eq!(first["submitter"], json!("hub-operator"));
    assert!(
        first["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["path"] == json!("attributions[1].basis")
                && c["was"] == json!("government-statement")
                && c["now"] == json!("official-remark")),
        "{first}"
    );
    let page = String::from_utf8(http_get(&server.base, "/incidents/opm-breach-2015")).unwrap();
    assert!(page.contains("Corrected on"), "{page}");
    assert!(page.contains("government-statement"), "{page}");

    // The hub serves the corrected accord, and the corrected rules' suggestions.
    let accord: Value = serde_json::from_slice(&http_get(&server.base, "/api/v1/accord")).unwrap();
    assert_eq!(
        accord["supporter_counts"][0]["source"]["as_of"],
        json!("2018-11-12")
    );
    for (path, field) in [
        (
            "/api/v1/accord/amendments",
            "supporter_counts[0].source.as_of",
        ),
        ("/api/v1/rules/amendments", "rules[0].concerns"),
    ] {
        let listed: Value = serde_json::from_slice(&http_get(&server.base, path)).unwrap();
        let a = &listed["amendments"][0];
        assert_eq!(a["submitter"], json!("hub-operator"), "{listed}");
        assert_eq!(a["dataset_version"], bundled_version(), "{listed}");
        assert!(
            a["changes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["path"] == json!(field)),
            "{listed}"
        );
        assert!(!a["reasons"].as_array().unwrap().is_empty(), "{listed}");
    }
    let wannacry: Value =
        serde_json::from_slice(&http_get(&server.base, "/api/v1/incidents/wannacry-2017")).unwrap();
    let suggested = wannacry["suggested_principles"].as_array().unwrap();
    assert!(!suggested.is_empty(), "{wannacry}");
    assert!(
        suggested.iter().all(|s| s["concerns"].is_object()),
        "every suggestion says whose conduct, as the new rules do: {wannacry}"
    );
    let home = String::from_utf8(http_get(&server.base, "/")).unwrap();
    assert!(
        home.contains("The accord, corrected on 2026-12-07"),
        "{home}"
    );
    assert!(
        home.contains("The rules that suggest principles, corrected on 2026-12-07"),
        "{home}"
    );
    assert!(home.contains("was 2026-11, now 2018-11-12"), "{home}");
    server.stop();
}

#[test]
fn a_hub_at_this_release_has_nothing_to_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("hub");
    let shown = ok(on(&data).args(["data", "upgrade", "--dry-run"]));
    assert!(shown.contains("nothing to do"), "{shown}");
    let err = fails(on(&data).args(["data", "upgrade", "--bogus"]));
    assert!(err.contains("--bogus"), "{err}");
}

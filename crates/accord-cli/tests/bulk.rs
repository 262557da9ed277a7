//! `accord-hammer writes --batch`: signed writes through the bulk endpoint land in the log, and
//! `accord log verify` (fetching ahead over HTTP, checking signatures in batches) verifies the
//! result, online and offline, and names a forged entry.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Server, accord, enrol, fails, hammer_writes, ok, on, sql};

#[test]
fn bulk_writes_are_logged_and_the_log_verifies() {
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("hub");
    ok(on(&data).arg("principles"));
    let (key, token) = enrol(work.path(), &data, "FR");
    let hub = Server::start(&data);
    // `accord-hammer writes --batch` as FR, returning its JSON report.
    let hammer = |extra: &[&str]| -> serde_json::Value {
        let mut args = vec![
            "--hub",
            &hub.base,
            "--key",
            key.to_str().unwrap(),
            "--token",
            &token,
            "--run",
            "bulk",
            "--json",
        ];
        args.extend_from_slice(extra);
        serde_json::from_str(&ok(hammer_writes().args(args))).unwrap()
    };
    // 1,100 writes, 300 per request: three full requests and a short one.
    let report = hammer(&["--writes", "1100", "--clients", "3", "--batch", "300"]);
    assert_eq!(report["acknowledged"], 1100, "{report}");
    assert_eq!(report["failed"], 0, "{report}");
    // Resending the same run's ids: every item is a replay.
    let replay = hammer(&["--writes", "10", "--batch", "5"]);
    assert_eq!(replay["acknowledged"], 0, "{replay}");
    assert_eq!(replay["failed"], 10, "{replay}");
    assert!(
        replay["first_error"].as_str().unwrap().contains("409"),
        "{replay}"
    );

    let out = ok(accord().args(["log", "verify", "--json", "--hub", &hub.base]));
    let verified: serde_json::Value = serde_json::from_str(&out).unwrap();
    // The bundled incidents, counted from data/ (a hand-kept number broke when data grew).
    let bundled = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/incidents"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension() == Some("json".as_ref()))
        .count() as u64;
    assert_eq!(
        verified["kinds"]["incident"].as_u64().unwrap(),
        1100 + bundled
    );
    let size = verified["size"].as_u64().unwrap();
    assert_eq!(verified["bodies_checked"].as_u64().unwrap(), size);
    hub.stop();

    // Offline, the same log verifies; then one bulk entry edited on disk is named.
    let out = ok(on(&data).args(["log", "verify", "--json"]));
    let offline: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(offline["root"], verified["root"]);
    let q = "SELECT idx FROM log_entries WHERE entry_id = 'hammer-bulk-700'";
    let idx = sql(&data, q, q).remove(0);
    // One character of its signature changed, in place.
    sql(
        &data,
        r#"UPDATE log_entries SET entry = CAST(
             substr(CAST(entry AS TEXT), 1, instr(CAST(entry AS TEXT), '"signature":"') + 12)
             || CASE substr(CAST(entry AS TEXT), instr(CAST(entry AS TEXT), '"signature":"') + 13, 1)
                WHEN 'A' THEN 'B' ELSE 'A' END
             || substr(CAST(entry AS TEXT), instr(CAST(entry AS TEXT), '"signature":"') + 14)
           AS BLOB) WHERE entry_id = 'hammer-bulk-700'"#,
        r#"UPDATE log_entries SET entry = convert_to(overlay(s.t PLACING
             (CASE substr(s.t, s.p + 13, 1) WHEN 'A' THEN 'B' ELSE 'A' END) FROM s.p + 13 FOR 1), 'UTF8')
           FROM (SELECT idx AS i, convert_from(entry, 'UTF8') AS t,
                        position('"signature":"' IN convert_from(entry, 'UTF8')) AS p
                 FROM log_entries WHERE entry_id = 'hammer-bulk-700') AS s
           WHERE idx = s.i"#,
    );
    // Its leaf no longer matches the tree the log committed to: the entry is named.
    let err = fails(on(&data).args(["log", "verify"]));
    assert!(err.contains(&format!("entry {idx}")), "{err}");
}

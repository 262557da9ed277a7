//! `accord match --follow` with indicators that change while it runs: from a hub (TAXII
//! `added_after`, revocation, `valid_until`, deletions found through the manifest) and from
//! a file reloaded when it changes. The real binary against a real `accord serve`.
//!
//! No test sleeps and then asserts: each waits (polling, with a generous deadline) for the
//! output it expects, and a last "sentinel" event tells it that everything written before
//! it was processed (events are processed in file order).

#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use common::follower::Follower;
use common::{Server, accord, ok, on};
use serde_json::{Value, json};

/// How long a test waits for expected output before failing.
const DEADLINE: Duration = Duration::from_secs(300);

const TAXII: &str = "application/taxii+json;version=2.1";
const COLLECTION: &str = "5e1f0a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b";

/// The moment event 0 happened; event `n` is `n` milliseconds later, so a sighting's
/// `first_seen` (written to the millisecond) names the event it was made of.
const EPOCH_MS: i64 = 1_795_910_400_000; // 2026-11-29T00:00:00Z

/// A Suricata DNS query for `name`, the `n`th event of the log.
fn eve(n: u64, name: &str) -> String {
    let ms = EPOCH_MS + n as i64;
    let t = jiff::Timestamp::from_millisecond(ms).unwrap();
    format!(
        r#"{{"timestamp":"{}.{:03}000+0000","flow_id":{n},"event_type":"dns","src_ip":"192.0.2.10","src_port":{},"dest_ip":"198.51.100.53","dest_port":53,"proto":"UDP","dns":{{"type":"query","id":{},"rrname":"{name}","rrtype":"A"}}}}"#,
        t.strftime("%Y-%m-%dT%H:%M:%S"),
        ms % 1000,
        1024 + n % 60000,
        n % 65536
    ) + "\n"
}

/// The event a sighting was made of, from its `first_seen`.
fn event_of(sighting: &Value) -> u64 {
    let t: jiff::Timestamp = sighting["first_seen"].as_str().unwrap().parse().unwrap();
    u64::try_from(t.as_millisecond() - EPOCH_MS).unwrap()
}

fn indicator_id(k: usize) -> String {
    format!("indicator--5e1f0a2b-0000-4000-8000-{k:012}")
}

/// Version `v` (1, 2, …) of indicator `k`, matching DNS queries for `domain`.
fn indicator(k: usize, v: u32, domain: &str) -> Value {
    let modified = format!("2026-0{v}-01T00:00:00.000Z");
    json!({
        "type": "indicator", "spec_version": "2.1", "id": indicator_id(k),
        "created": "2026-01-01T00:00:00.000Z", "modified": modified,
        "pattern": format!("[domain-name:value = '{domain}']"), "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z",
    })
}

/// A hub with one collection that FR writes and DE reads; DE's token.
struct Hub {
    server: Server,
    fr: String,
    de: String,
    http: reqwest::blocking::Client,
}

impl Hub {
    fn start(dir: &Path) -> Hub {
        let data = dir.join("hub");
        ok(on(&data).args([
            "collections",
            "add",
            "--id",
            COLLECTION,
            "--title",
            "Feed",
            "--member",
            "FR:rw",
            "--member",
            "DE:r",
            "--default-tlp",
            "green",
        ]));
        let token = |p: &str| {
            ok(on(&data).args(["tokens", "issue", "--party", p]))
                .trim()
                .to_owned()
        };
        let (fr, de) = (token("FR"), token("DE"));
        Hub {
            server: Server::start(&data),
            fr,
            de,
            http: reqwest::blocking::Client::builder()
                .timeout(Duration::from_secs(120))
                .build()
                .unwrap(),
        }
    }

    /// FR posts `objects` in envelopes of a hundred; every one must be accepted.
    fn post(&self, objects: &[Value]) {
        for chunk in objects.chunks(100) {
            let r = self
                .http
                .post(format!(
                    "{}/taxii2/api/collections/{COLLECTION}/objects/",
                    self.server.base
                ))
                .header("Accept", TAXII)
                .header("Content-Type", TAXII)
                .bearer_auth(&self.fr)
                .body(json!({ "objects": chunk }).to_string())
                .send()
                .unwrap();
            assert_eq!(r.status(), 202);
            let status: Value = r.json().unwrap();
            assert_eq!(
                status["success_count"].as_u64(),
                Some(chunk.len() as u64),
                "{status}"
            );
        }
    }

    /// FR deletes versions of an object (`last` or `all`).
    fn delete(&self, id: &str, versions: &str) {
        let r = self
            .http
            .delete(format!(
                "{}/taxii2/api/collections/{COLLECTION}/objects/{id}/?match[version]={versions}",
                self.server.base
            ))
            .header("Accept", TAXII)
            .bearer_auth(&self.fr)
            .send()
            .unwrap();
        assert_eq!(r.status(), 200, "{}", r.text().unwrap());
    }
}

impl Follower {
    /// Follows `log` with the indicators given by `source` (e.g. `--hub URL --token T`).
    fn start(log: &Path, source: &[&str], extra: &[&str]) -> Follower {
        let mut cmd = accord();
        cmd.arg("match")
            .args(source)
            .args(["--json", "--poll-interval", "20", "--refresh", "1s"])
            .args(extra)
            .arg("--follow")
            .arg(log);
        if !extra.contains(&"--status-interval") {
            cmd.args(["--status-interval", "0"]);
        }
        Follower::spawn(&mut cmd, DEADLINE, Duration::from_millis(50))
    }

    /// The sightings printed so far (`--json`: one a line).
    fn sightings(&self) -> Vec<Value> {
        json_lines(&self.stdout())
    }

    /// Waits for the sighting of event `n`.
    fn wait_for_event(&mut self, n: u64) {
        self.wait_for(&format!("the sighting of event {n}"), |out, _| {
            json_lines(out).iter().any(|s| event_of(s) == n)
        });
    }
}

/// Lines of JSON, parsed.
fn json_lines(lines: &[String]) -> Vec<Value> {
    lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn append(path: &Path, text: &str) {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

/// Replaces `path` whole, as a careful writer does: a new file renamed over it.
fn replace(path: &Path, text: &str) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

/// The sum of `N changed` over the follower's swap lines.
fn changed_in_swaps(stderr: &str) -> usize {
    stderr
        .lines()
        .filter(|l| l.starts_with("indicators: ") && l.contains(" in force after "))
        .filter_map(|l| {
            let (_, rest) = l.split_once(" new, ")?;
            rest.split_once(" changed")?.0.parse::<usize>().ok()
        })
        .sum()
}

/// The observations count of the follower's last line.
fn observations_processed(stderr: &str) -> u64 {
    let line = stderr
        .lines()
        .find(|l| l.starts_with("stopped after"))
        .expect("the closing line");
    let (_, rest) = line.split_once(" sighting(s) in ").unwrap();
    rest.split_once(' ').unwrap().0.parse().unwrap()
}

/// Indicators in the large test.
const N: usize = 10_000;

/// Event `n` of the large test: pairs of queries, `a{k}.example` (what version 1 of
/// indicator `k` matches) then `b{k}.example` (version 2), `k` cycling over every indicator.
fn pair_event(n: u64) -> (usize, bool, String) {
    let k = (n / 2) as usize % N;
    let new = n % 2 == 1;
    let domain = format!("{}{k}.example", if new { "b" } else { "a" });
    (k, new, eve(n, &domain))
}

/// Appends events `from..to` of the large test in one write.
fn write_pairs(log: &Path, from: u64, to: u64) {
    let text: String = (from..to).map(|n| pair_event(n).2).collect();
    append(log, &text);
}

#[test]
fn a_hub_refresh_of_10000_changed_indicators_while_following_misses_and_doubles_no_event() {
    let dir = tempfile::tempdir().unwrap();
    let hub = Hub::start(dir.path());
    let v1: Vec<Value> = (0..N)
        .map(|k| indicator(k, 1, &format!("a{k}.example")))
        .collect();
    hub.post(&v1);
    let log = dir.path().join("eve.json");
    append(&log, "");
    let base = hub.server.base.clone();
    let mut f = Follower::start(
        &log,
        &[
            "--hub",
            &base,
            "--token",
            &hub.de,
            "--collection",
            COLLECTION,
        ],
        &[],
    );
    f.wait_for("the first read of the hub", |_, err| {
        err.contains(&format!("indicators: {N} loaded from {base}"))
    });
    // A full round under version 1: every indicator is in force in its first version.
    let round = 2 * N as u64;
    write_pairs(&log, 0, round);
    f.wait_for_event(round - 2);

    // A writer appends pairs continuously while FR changes all 10,000 indicators.
    let written = Arc::new(AtomicU64::new(round));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (log, written, stop) = (log.clone(), written.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                let from = written.load(Ordering::SeqCst);
                write_pairs(&log, from, from + 100);
                written.store(from + 100, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(50));
            }
        })
    };
    let v2: Vec<Value> = (0..N)
        .map(|k| indicator(k, 2, &format!("b{k}.example")))
        .collect();
    hub.post(&v2);
    f.wait_for("every change swapped in", |_, err| {
        changed_in_swaps(err) >= N
    });
    stop.store(true, Ordering::SeqCst);
    writer.join().unwrap();
    // A last full round: every indicator must now be in force in its second version.
    let from = written.load(Ordering::SeqCst);
    let total = from + round;
    write_pairs(&log, from, total);
    f.wait_for_event(total - 1);
    let (out, err) = f.terminate();
    let sightings = json_lines(&out);

    assert_eq!(
        changed_in_swaps(&err),
        N,
        "each indicator changed once:\n{err}"
    );
    // Per event, at most one sighting, of the indicator its domain belongs to.
    let mut matched: HashMap<u64, usize> = HashMap::new();
    for s in &sightings {
        let n = event_of(s);
        let (k, _, _) = pair_event(n);
        assert_eq!(s["sighting_of_ref"], indicator_id(k), "event {n}: {s}");
        *matched.entry(n).or_default() += 1;
    }
    let doubled: Vec<_> = matched.iter().filter(|(_, c)| **c > 1).collect();
    assert!(doubled.is_empty(), "events sighted twice: {doubled:?}");
    // Per indicator, in file order: its `a` events match until its second version is in
    // force and its `b` events after, never the reverse and never both or neither.
    let mut swapped = vec![false; N];
    let mut swapped_at = vec![0u64; N];
    for n in 0..total {
        let (k, new, _) = pair_event(n);
        let hit = matched.contains_key(&n);
        if !swapped[k] && (new == hit) {
            // The first event the first version does not explain: the second must.
            swapped[k] = true;
            swapped_at[k] = n;
        }
        assert_eq!(
            hit,
            new == swapped[k],
            "event {n} ({} query of indicator {k}) {} while version {} of it was in force \
             (since event {})",
            if new { "b" } else { "a" },
            if hit { "matched" } else { "did not match" },
            if swapped[k] { 2 } else { 1 },
            swapped_at[k],
        );
    }
    assert!(
        swapped.iter().all(|s| *s),
        "every indicator reached version 2"
    );
    assert!(
        swapped_at.iter().all(|n| *n >= round),
        "no indicator swapped before it changed"
    );
    assert_eq!(observations_processed(&err), total, "every event read once");
}

#[test]
fn revocation_expiry_and_deletion_remove_indicators_a_hub_served() {
    let dir = tempfile::tempdir().unwrap();
    let hub = Hub::start(dir.path());
    // valid_until a little after the follower starts, by the wall clock (40 s leaves a slow
    // machine time to start the follower and match the first events before it); the events
    // are dated before it, so only the wall clock can remove it.
    let soon = jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_secs(40))
        .unwrap();
    let mut expiring = indicator(2, 1, "expiring.example");
    expiring["valid_until"] = json!(format!("{soon:.3}"));
    let mut expired = indicator(5, 1, "expired.example");
    expired["valid_until"] = json!("2026-06-01T00:00:00Z");
    hub.post(&[
        indicator(1, 1, "revoked.example"),
        expiring,
        indicator(3, 1, "deleted.example"),
        indicator(4, 1, "kept.example"),
        expired,
        indicator(6, 1, "older.example"),
    ]);
    hub.post(&[indicator(6, 2, "newer.example")]);
    let log = dir.path().join("eve.json");
    append(&log, "");
    let base = hub.server.base.clone();
    let mut f = Follower::start(&log, &["--hub", &base, "--token", &hub.de], &[]);
    // Indicator 5's valid_until had passed: never in force.
    f.wait_for("the first read", |_, err| {
        err.contains(&format!("indicators: 5 loaded from {base}"))
    });
    let names = [
        "expired.example",
        "older.example",
        "revoked.example",
        "expiring.example",
        "deleted.example",
        "newer.example",
        "kept.example",
    ];
    let text: String = names
        .iter()
        .enumerate()
        .map(|(n, d)| eve(n as u64, d))
        .collect();
    append(&log, &text);
    f.wait_for_event(6);
    let first: Vec<u64> = f.sightings().iter().map(event_of).collect();
    assert_eq!(first, [2, 3, 4, 5, 6], "indicators 1, 2, 3, 6 (v2) and 4");

    // FR revokes indicator 1, deletes indicator 3 and the second version of indicator 6
    // (so its first is the latest again); indicator 2 expires on its own.
    let mut revoked = indicator(1, 2, "revoked.example");
    revoked["revoked"] = json!(true);
    hub.post(&[revoked]);
    hub.delete(&indicator_id(3), "all");
    hub.delete(&indicator_id(6), "last");
    // Each shows in a swap line of its own, or shares one with another.
    f.wait_for("the revocation", |_, err| err.contains("(1 revoked, "));
    f.wait_for("the expiry", |_, err| err.contains(", 1 expired, "));
    // Deletions show in the manifest, compared every tenth refresh: indicator 3 leaves,
    // indicator 6 changes back to its first version.
    f.wait_for("the deletions", |_, err| {
        err.contains(", 1 deleted or no longer readable)") && err.contains(" 1 changed, ")
    });
    let base_n = names.len() as u64;
    let text: String = names
        .iter()
        .enumerate()
        .map(|(n, d)| eve(base_n + n as u64, d))
        .collect();
    append(&log, &text);
    f.wait_for_event(base_n + 6);
    let (out, err) = f.terminate();
    let sightings = json_lines(&out);
    let second: Vec<u64> = sightings
        .iter()
        .map(event_of)
        .filter(|n| *n >= base_n)
        .collect();
    assert_eq!(
        second,
        [base_n + 1, base_n + 6],
        "only indicator 6 (its first version again) and indicator 4: {err}"
    );
    let last = err
        .lines()
        .rfind(|l| l.starts_with("indicators: "))
        .unwrap();
    assert!(last.starts_with("indicators: 2 in force"), "{err}");
}

#[test]
fn a_hub_that_cannot_be_reached_keeps_the_indicators_in_force() {
    let dir = tempfile::tempdir().unwrap();
    let hub = Hub::start(dir.path());
    hub.post(&[indicator(1, 1, "one.example")]);
    let log = dir.path().join("eve.json");
    append(&log, "");
    let base = hub.server.base.clone();
    let mut f = Follower::start(&log, &["--hub", &base, "--token", &hub.de], &[]);
    f.wait_for("the first read", |_, err| {
        err.contains("indicators: 1 loaded from")
    });
    hub.server.stop();
    f.wait_for("the failed refresh", |_, err| {
        err.contains(&format!(
            "indicators: refresh from {base} failed: cannot reach"
        )) && err.contains("keeping the 1 in force (next try in 1s)")
    });
    append(&log, &(eve(0, "two.example") + &eve(1, "one.example")));
    f.wait_for_event(1);
    let (out, _) = f.terminate();
    let sightings = json_lines(&out);
    assert_eq!(sightings.len(), 1);
}

#[test]
fn an_indicator_file_is_reloaded_when_it_changes() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("indicators.ndjson");
    replace(&file, &(indicator(1, 1, "one.example").to_string() + "\n"));
    let log = dir.path().join("eve.json");
    append(&log, "");
    let mut f = Follower::start(
        &log,
        &["--indicators", file.to_str().unwrap()],
        &["--status-interval", "1"],
    );
    f.wait_for("the first read", |_, err| {
        err.contains("indicators: 1 loaded from")
    });
    append(&log, &(eve(0, "two.example") + &eve(1, "one.example")));
    f.wait_for_event(1);
    replace(
        &file,
        &[
            indicator(1, 2, "one-changed.example").to_string(),
            indicator(2, 1, "two.example").to_string(),
        ]
        .join("\n"),
    );
    f.wait_for("the reload", |_, err| {
        err.contains("indicators: 2 in force after refresh from")
            && err.contains("1 new, 1 changed, 0 removed")
    });
    f.wait_for("the status line with the reload", |_, err| {
        err.lines()
            .any(|l| l.starts_with("follow: ") && l.contains(" 2 indicators (refreshed 20"))
    });
    append(
        &log,
        &(eve(2, "one.example") + &eve(3, "one-changed.example") + &eve(4, "two.example")),
    );
    f.wait_for_event(4);
    let (out, _) = f.terminate();
    let sightings = json_lines(&out);
    let events: Vec<u64> = sightings.iter().map(event_of).collect();
    assert_eq!(events, [1, 3, 4]);
}

#[test]
fn a_bad_indicator_file_keeps_the_indicators_in_force_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("indicators.ndjson");
    let good = indicator(1, 1, "one.example").to_string() + "\n";
    replace(&file, &good);
    let log = dir.path().join("eve.json");
    append(&log, "");
    let mut f = Follower::start(&log, &["--indicators", file.to_str().unwrap()], &[]);
    f.wait_for("the first read", |_, err| {
        err.contains("indicators: 1 loaded from")
    });
    // A second indicator whose pattern does not parse: the file is refused whole.
    let mut bad = indicator(2, 1, "two.example");
    bad["pattern"] = json!("[domain-name:value = ");
    replace(&file, &(good.clone() + &bad.to_string() + "\n"));
    f.wait_for("the refusal", |_, err| {
        err.contains("reloading") && err.contains(":2: ") && err.contains("keeping the 1 in force")
    });
    append(&log, &eve(0, "one.example"));
    f.wait_for_event(0);
    // Gone altogether: the same.
    std::fs::remove_file(&file).unwrap();
    f.wait_for("the missing file", |_, err| err.contains("cannot read"));
    append(&log, &eve(1, "one.example"));
    f.wait_for_event(1);
    // Fixed: read.
    replace(&file, &(indicator(2, 1, "two.example").to_string() + "\n"));
    f.wait_for("the reload", |_, err| {
        err.contains("indicators: 1 in force after refresh")
    });
    append(&log, &(eve(2, "one.example") + &eve(3, "two.example")));
    f.wait_for_event(3);
    let (out, _) = f.terminate();
    let sightings = json_lines(&out);
    let events: Vec<u64> = sightings.iter().map(event_of).collect();
    assert_eq!(events, [0, 1, 3]);
}

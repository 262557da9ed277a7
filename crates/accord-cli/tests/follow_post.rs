//! `accord match --follow --post-sightings` end to end: a real hub, the real binary tailing a
//! file the test grows, sightings summed per indicator and interval, spooled, and sent; the
//! hub stopped and started again on its address; SIGTERM; a batch the hub refuses.
//!
//! No test sleeps and then asserts: each polls (with a generous deadline) for the state it
//! expects, read from the hub's own sighting tally, the spool directory or the follower's
//! status line.

#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use accord_stix::marking::TlpMarking;
use common::follower::Follower;
use common::{Server, accord, ok, on};
use serde_json::{Value, json};

/// How long a test waits for what it expects before failing.
const DEADLINE: Duration = Duration::from_secs(120);

const TAXII: &str = "application/taxii+json;version=2.1";
const COLLECTION: &str = "0c7e1f4e-2b8d-4d0a-8f3e-5a6b7c8d9e01";
const INDICATOR: &str = "indicator--0c7e1f4e-0000-4000-8000-0000000000c2";

/// A Suricata DNS query for `name` at 10:00:`second`; `n` makes each record distinct.
fn eve(n: u32, second: u32, name: &str) -> String {
    format!(
        r#"{{"timestamp":"2026-11-29T10:00:{second:02}.000000+0000","flow_id":{n},"event_type":"dns","src_ip":"192.0.2.10","src_port":{},"dest_ip":"198.51.100.53","dest_port":53,"proto":"UDP","dns":{{"type":"query","id":{n},"rrname":"{name}","rrtype":"A"}}}}"#,
        1024 + n
    ) + "\n"
}

/// `count` hits of the indicator at seconds `from`, `from + 1`, …, with a miss between each.
fn hits(from: u32, count: u32) -> String {
    (0..count)
        .map(|i| eve(from + i, from + i, "c2.example") + &eve(1000 + from + i, 0, "benign.example"))
        .collect()
}

fn append(path: &Path, text: &str) {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    // One write: the follower reads the lines in one chunk, in one interval.
    f.write_all(text.as_bytes()).unwrap();
}

/// Polls `ready` until it holds; fails with `what` and `context()` at the deadline.
fn wait(what: &str, mut ready: impl FnMut() -> bool, context: impl Fn() -> String) {
    let start = Instant::now();
    while !ready() {
        assert!(
            start.elapsed() < DEADLINE,
            "no {what} within {DEADLINE:?}\n{}",
            context()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A hub with the collection, FR's indicator in it, and tokens for FR and DE (DE a member
/// that may write, or only read).
struct Hub {
    _dir: tempfile::TempDir,
    data: PathBuf,
    server: Option<Server>,
    base: String,
    tokens: HashMap<&'static str, String>,
}

impl Hub {
    fn new(de_writes: bool) -> Hub {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("hub");
        let de = if de_writes { "DE:rw" } else { "DE:r" };
        ok(on(&data).args([
            "collections",
            "add",
            "--id",
            COLLECTION,
            "--title",
            "Sensor sightings",
            "--member",
            "FR:rw",
            "--member",
            de,
            "--default-tlp",
            "amber",
        ]));
        let mut tokens = HashMap::new();
        for p in ["FR", "DE"] {
            let t = ok(on(&data).args(["tokens", "issue", "--party", p]));
            tokens.insert(p, t.trim().to_owned());
        }
        let server = Server::start(&data);
        let base = server.base.clone();
        let indicator = json!({
            "type": "indicator", "spec_version": "2.1", "id": INDICATOR,
            "created": "2026-02-01T00:00:00.000Z", "modified": "2026-02-01T00:00:00.000Z",
            "name": "c2.example C2",
            "pattern": "[domain-name:value = 'c2.example']", "pattern_type": "stix",
            "valid_from": "2026-02-01T00:00:00Z",
            "object_marking_refs": [TlpMarking::Green2.id()]
        });
        let r = reqwest::blocking::Client::new()
            .post(format!(
                "{base}/taxii2/api/collections/{COLLECTION}/objects/"
            ))
            .header("Accept", TAXII)
            .header("Content-Type", TAXII)
            .bearer_auth(&tokens["FR"])
            .body(json!({ "objects": [indicator] }).to_string())
            .send()
            .unwrap();
        assert_eq!(r.status(), 202);
        Hub {
            _dir: dir,
            data,
            server: Some(server),
            base,
            tokens,
        }
    }

    /// Stops the hub (SIGTERM); its address stays for [`Hub::start_again`].
    fn stop(&mut self) {
        if let Some(s) = self.server.take() {
            s.stop();
        }
    }

    fn start_again(&mut self) {
        let listen = self.base.trim_start_matches("http://").to_owned();
        self.server = Some(Server::start_at(&self.data, &listen));
    }

    /// DE's sightings of the indicator as the hub holds them (latest versions).
    fn sightings(&self) -> Vec<Value> {
        let r = reqwest::blocking::Client::new()
            .get(format!(
                "{}/api/v1/collections/{COLLECTION}/objects?type=sighting&limit=1000",
                self.base
            ))
            .bearer_auth(&self.tokens["DE"])
            .send()
            .unwrap();
        assert_eq!(r.status(), 200);
        let page: Value = r.json().unwrap();
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["object"].clone())
            .collect()
    }

    /// The hub's tally of the indicator's sightings, as DE reads it.
    fn tally(&self) -> Value {
        let r = reqwest::blocking::Client::new()
            .get(format!(
                "{}/api/v1/collections/{COLLECTION}/objects/{INDICATOR}/sightings",
                self.base
            ))
            .bearer_auth(&self.tokens["DE"])
            .send()
            .unwrap();
        assert_eq!(r.status(), 200);
        r.json().unwrap()
    }
}

impl Follower {
    /// Follows `dir/eve.json` for DE, spooling to `dir/spool`, summing over `interval`.
    fn start(hub: &Hub, dir: &Path, interval: &str) -> Follower {
        Follower::start_with(hub, dir, interval, &[])
    }

    /// [`Follower::start`] with more flags.
    fn start_with(hub: &Hub, dir: &Path, interval: &str, extra: &[&str]) -> Follower {
        let mut f = Follower::spawn(
            accord()
                .args(["match", "--hub", &hub.base, "--token", &hub.tokens["DE"]])
                .args([
                    "--collection",
                    COLLECTION,
                    "--post-sightings",
                    "--tlp",
                    "green",
                ])
                .args(["--sighting-interval", interval])
                .arg("--spool")
                .arg(dir.join("spool"))
                .arg("--position")
                .arg(dir.join("position.json"))
                .args(["--poll-interval", "20", "--status-interval", "1"])
                .args(extra)
                .arg("--follow")
                .arg(dir.join("eve.json")),
            DEADLINE,
            Duration::from_millis(20),
        );
        // The indicators are pulled before the first status line.
        f.wait_for("the first status line", |_, err| err.contains("follow: "));
        f
    }

    /// Waits until the status line counts `n` events: every line before them was matched.
    fn wait_for_events(&mut self, n: usize) {
        let needle = format!(", {n} events,");
        self.wait_for(&format!("{n} events"), |_, err| err.contains(&needle));
    }
}

/// The batch files waiting in a spool directory.
fn spooled(spool: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(spool)
        .map(|d| {
            d.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// The line the saved position of the one followed file is at.
fn saved_line(position: &Path) -> Option<u64> {
    let text = std::fs::read_to_string(position).ok()?;
    let v: Value = serde_json::from_str(&text).ok()?;
    v["files"][0]["line"].as_u64()
}

fn counted(tally: &Value) -> (u64, u64) {
    (
        tally["sightings"].as_u64().unwrap(),
        tally["count"].as_u64().unwrap(),
    )
}

#[test]
fn matches_in_one_interval_reach_the_hub_as_one_sighting_with_their_count_and_times() {
    let hub = Hub::new(true);
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("eve.json");
    append(&log, "");
    let mut f = Follower::start(&hub, dir.path(), "2s");
    append(&log, &hits(10, 7));
    f.wait_for_events(14);
    wait(
        "sighting on the hub",
        || counted(&hub.tally()) == (1, 7),
        || format!("{}\n{}", hub.tally(), f.stderr()),
    );
    let all = hub.sightings();
    assert_eq!(all.len(), 1, "{all:?}");
    let s = &all[0];
    assert_eq!(s["sighting_of_ref"], INDICATOR);
    assert_eq!(s["count"], 7);
    assert_eq!(s["first_seen"], "2026-11-29T10:00:10.000Z");
    assert_eq!(s["last_seen"], "2026-11-29T10:00:16.000Z");
    assert_eq!(s["object_marking_refs"], json!([TlpMarking::Green2.id()]));
    assert!(s.get("observed_data_refs").is_none(), "{s}");
    // Sent and gone from the spool; nothing on stdout without --json.
    wait(
        "empty spool",
        || spooled(&dir.path().join("spool")).is_empty(),
        || f.stderr(),
    );
    let (out, _) = f.terminate();
    assert!(out.is_empty(), "{out:?}");
}

#[test]
fn sightings_spooled_while_the_hub_is_down_are_delivered_once_when_it_is_back() {
    let mut hub = Hub::new(true);
    let dir = tempfile::tempdir().unwrap();
    let (log, spool) = (dir.path().join("eve.json"), dir.path().join("spool"));
    append(&log, "");
    let mut f = Follower::start(&hub, dir.path(), "1s");
    hub.stop();
    append(&log, &hits(20, 5));
    f.wait_for_events(10);
    wait(
        "batch in the spool",
        || spooled(&spool).len() == 1,
        || f.stderr(),
    );
    f.wait_for("a failed delivery", |_, err| {
        err.contains("trying again in")
    });
    // The same batch twice, as after a crash between the hub's answer and the removal: the
    // hub takes the version it holds as a retry, and counts it once.
    let batch = spooled(&spool).remove(0);
    std::fs::copy(&batch, spool.join("00000000000000000900.json")).unwrap();
    // The position moved past the spooled matches: a restart would not report them again.
    wait(
        "saved position",
        || dir.path().join("position.json").exists(),
        || f.stderr(),
    );
    hub.start_again();
    wait("delivery", || spooled(&spool).is_empty(), || f.stderr());
    assert_eq!(counted(&hub.tally()), (1, 5), "{}", f.stderr());
    assert_eq!(hub.sightings().len(), 1);
    assert!(
        std::fs::read_dir(spool.join("rejected"))
            .unwrap()
            .next()
            .is_none(),
        "{}",
        f.stderr()
    );
    f.terminate();
}

#[test]
fn sigterm_spools_the_open_interval_and_the_next_start_delivers_it() {
    let mut hub = Hub::new(true);
    let dir = tempfile::tempdir().unwrap();
    let (log, spool) = (dir.path().join("eve.json"), dir.path().join("spool"));
    append(&log, "");
    // An interval far longer than the test: only the stop ends it.
    let mut f = Follower::start(&hub, dir.path(), "1h");
    hub.stop();
    append(&log, &hits(30, 4));
    f.wait_for_events(8);
    assert!(spooled(&spool).is_empty());
    let (_, err) = f.terminate();
    let files = spooled(&spool);
    assert_eq!(files.len(), 1, "{err}");
    let batch: Value = serde_json::from_slice(&std::fs::read(&files[0]).unwrap()).unwrap();
    assert_eq!(batch["collection"], COLLECTION);
    assert_eq!(batch["objects"][0]["count"], 4, "{batch}");
    assert_eq!(
        saved_line(&dir.path().join("position.json")),
        Some(9),
        "{err}"
    );
    // Started again with the hub up: the spooled sighting is sent, the matches it holds are
    // not read again (the position was saved after spooling).
    hub.start_again();
    let mut f = Follower::start(&hub, dir.path(), "1h");
    wait("delivery", || spooled(&spool).is_empty(), || f.stderr());
    assert_eq!(counted(&hub.tally()), (1, 4));
    append(&log, &eve(99, 59, "benign.example"));
    f.wait_for_events(1);
    let (_, err) = f.terminate();
    assert_eq!(counted(&hub.tally()), (1, 4), "{err}");
}

#[test]
fn a_batch_the_hub_refuses_is_set_aside_with_the_reason_and_not_sent_again() {
    // DE may read the collection but not write to it: the hub refuses its sightings (403).
    let hub = Hub::new(false);
    let dir = tempfile::tempdir().unwrap();
    let (log, spool) = (dir.path().join("eve.json"), dir.path().join("spool"));
    append(&log, "");
    let mut f = Follower::start(&hub, dir.path(), "1s");
    append(&log, &hits(40, 3));
    f.wait_for_events(6);
    let rejected = spool.join("rejected");
    wait(
        "batch set aside",
        || spooled(&rejected).len() == 1,
        || f.stderr(),
    );
    let error = std::fs::read_to_string(spooled(&rejected)[0].with_extension("error")).unwrap();
    assert!(error.contains("403"), "{error}");
    let batch: Value =
        serde_json::from_slice(&std::fs::read(&spooled(&rejected)[0]).unwrap()).unwrap();
    assert_eq!(batch["objects"][0]["count"], 3);
    assert!(spooled(&spool).is_empty());
    // The follower goes on: the next interval's batch is refused and set aside as well.
    append(&log, &hits(50, 2));
    f.wait_for_events(10);
    wait(
        "second batch set aside",
        || spooled(&rejected).len() == 2,
        || f.stderr(),
    );
    let (_, err) = f.terminate();
    assert!(err.contains("moved to"), "{err}");
    assert_eq!(counted(&hub.tally()), (0, 0));
}

#[test]
fn while_the_hub_is_behind_the_interval_is_held_open_and_its_count_grows() {
    let mut hub = Hub::new(true);
    let dir = tempfile::tempdir().unwrap();
    let (log, spool) = (dir.path().join("eve.json"), dir.path().join("spool"));
    append(&log, "");
    // One unsent batch is the bound; an interval of 6 s holds for up to 60 s, time enough for
    // the polls below on a loaded machine (the hold ending early would seal a third batch).
    let mut f = Follower::start_with(&hub, dir.path(), "6s", &["--max-unsent", "1"]);
    hub.stop();
    append(&log, &hits(10, 3));
    f.wait_for_events(6);
    wait("first batch", || spooled(&spool).len() == 1, || f.stderr());
    append(&log, &hits(20, 4));
    f.wait_for_events(14);
    f.wait_for("the hub is behind", |_, err| {
        err.contains("the hub is behind")
    });
    // Matches while held are summed into the open interval: nothing dropped, no new batch.
    append(&log, &hits(30, 2));
    f.wait_for_events(18);
    assert_eq!(spooled(&spool).len(), 1, "{}", f.stderr());
    hub.start_again();
    wait(
        "both intervals delivered",
        || spooled(&spool).is_empty() && counted(&hub.tally()) == (2, 9),
        || format!("{}\n{}", hub.tally(), f.stderr()),
    );
    let mut counts: Vec<u64> = hub
        .sightings()
        .iter()
        .map(|s| s["count"].as_u64().unwrap())
        .collect();
    counts.sort();
    assert_eq!(counts, [3, 6]);
    f.terminate();
}

#[test]
fn a_sighting_that_cannot_be_spooled_keeps_the_position_before_it() {
    let hub = Hub::new(true);
    let dir = tempfile::tempdir().unwrap();
    let (log, spool) = (dir.path().join("eve.json"), dir.path().join("spool"));
    let position = dir.path().join("position.json");
    append(&log, "");
    let mut f = Follower::start(&hub, dir.path(), "1s");
    append(
        &log,
        &(eve(1, 1, "benign.example") + &eve(2, 2, "benign.example")),
    );
    f.wait_for_events(2);
    // Nothing summed: the position moves past the two lines.
    wait(
        "position past the misses",
        || saved_line(&position) == Some(3),
        || f.stderr(),
    );
    // The next batch cannot be written (as on a full disk): a directory holds the name of
    // its temporary file, while the spool can still be listed.
    std::fs::create_dir(spool.join(".00000000000000000001.json.tmp")).unwrap();
    append(&log, &hits(10, 3));
    let status = f
        .wait_exit()
        .unwrap_or_else(|| panic!("still running: {}", f.stderr()));
    assert!(!status.success(), "{}", f.stderr());
    // Read again at the next start, never lost.
    assert_eq!(saved_line(&position), Some(3), "{}", f.stderr());
    assert_eq!(counted(&hub.tally()), (0, 0));
}

#[test]
fn following_with_post_sightings_without_a_spool_is_refused_before_reaching_the_hub() {
    // Port 9 (discard) on loopback: nothing listens, and nothing is asked of it.
    let err = common::fails(accord().args([
        "match",
        "--hub",
        "http://127.0.0.1:9",
        "--token",
        "t",
        "--follow",
        "eve.json",
        "--post-sightings",
        "--tlp",
        "green",
    ]));
    assert!(err.contains("needs --spool DIR"), "{err}");
}

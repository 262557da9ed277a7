//! `accord match --follow` end to end: the real binary tailing files that a test grows,
//! rotates and truncates; restarts from the saved position; the status line and metrics.
//!
//! No test sleeps and then asserts: each waits (polling, with a generous deadline) for the
//! output it expects, and uses a last "sentinel" record to know that everything written
//! before it has been processed (records are processed in file order).

#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::accord;
use common::follower::Follower;

/// How long a test waits for expected output before failing.
const DEADLINE: Duration = Duration::from_secs(120);

/// One indicator: a DNS query for `c2.example`.
const INDICATOR: &str = r#"{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-0000000000c2","created":"2026-11-01T00:00:00.000Z","modified":"2026-11-01T00:00:00.000Z","name":"C2","pattern":"[domain-name:value = 'c2.example']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}"#;

/// A Suricata DNS query record; `n` makes each distinct (its own observation id).
fn eve(n: u32, name: &str) -> String {
    format!(
        r#"{{"timestamp":"2026-11-29T10:00:{:02}.000000+0000","flow_id":{n},"event_type":"dns","src_ip":"192.0.2.10","src_port":{},"dest_ip":"198.51.100.53","dest_port":53,"proto":"UDP","dns":{{"type":"query","id":{n},"rrname":"{name}","rrtype":"A"}}}}"#,
        n % 60,
        1024 + n
    ) + "\n"
}

fn hit(n: u32) -> String {
    eve(n, "c2.example")
}

fn miss(n: u32) -> String {
    eve(n, "benign.example")
}

impl Follower {
    /// `accord match --follow` on `files`, matching the one indicator (written to
    /// `dir/indicators.ndjson`), saving its position in `dir/position.json`.
    fn start(dir: &Path, files: &[&Path], extra: &[&str]) -> Follower {
        let indicators = dir.join("indicators.ndjson");
        std::fs::write(&indicators, format!("{INDICATOR}\n")).unwrap();
        let mut cmd = accord();
        cmd.arg("match")
            .arg("--indicators")
            .arg(&indicators)
            .arg("--position")
            .arg(dir.join("position.json"))
            .args(["--poll-interval", "20"])
            .args(extra)
            .arg("--follow")
            .args(files);
        if !extra.contains(&"--status-interval") {
            cmd.args(["--status-interval", "0"]);
        }
        Follower::spawn(&mut cmd, DEADLINE, Duration::from_millis(20))
    }

    fn wait_for_sightings(&mut self, n: usize) {
        self.wait_for(&format!("{n} sighting(s)"), |out, _| out.len() >= n);
    }
}

fn append(path: &Path, text: &str) {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

fn distinct(lines: &[String]) -> usize {
    lines.iter().collect::<std::collections::HashSet<_>>().len()
}

fn tmp() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("eve.json");
    (dir, log)
}

#[test]
fn rotation_by_rename_reads_the_old_file_to_its_end_then_the_new_one() {
    let (dir, log) = tmp();
    append(&log, &(hit(1) + &miss(2) + &hit(3)));
    let mut f = Follower::start(dir.path(), &[&log], &[]);
    f.wait_for_sightings(2);
    // One more line in the old file, then the rotation: the follower may see the line
    // before or after the rename; either way it reads it from the old file.
    append(&log, &hit(4));
    std::fs::rename(&log, dir.path().join("eve.json.1")).unwrap();
    append(&log, &(hit(5) + &hit(6)));
    f.wait_for_sightings(5);
    f.wait_for("the rotation notice", |_, err| err.contains("rotated"));
    let (out, _) = f.terminate();
    assert_eq!(out.len(), 5, "{out:?}");
    assert_eq!(distinct(&out), 5);
}

#[test]
fn copy_truncate_reads_the_file_again_from_its_start() {
    let (dir, log) = tmp();
    append(&log, &(hit(1) + &hit(2) + &hit(3)));
    let mut f = Follower::start(dir.path(), &[&log], &[]);
    f.wait_for_sightings(3);
    // What logrotate's copytruncate does after copying: cut the file to nothing; the
    // writer then goes on at its start.
    std::fs::File::create(&log).unwrap();
    append(&log, &hit(4));
    f.wait_for_sightings(4);
    f.wait_for("the truncation notice", |_, err| err.contains("truncated"));
    let (out, _) = f.terminate();
    assert_eq!(out.len(), 4, "{out:?}");
    assert_eq!(distinct(&out), 4);
}

#[test]
fn sigterm_saves_the_position_of_everything_processed() {
    let (dir, log) = tmp();
    let text = hit(1) + &miss(2) + &hit(3);
    append(&log, &text);
    let mut f = Follower::start(dir.path(), &[&log], &[]);
    f.wait_for_sightings(2);
    let (_, err) = f.terminate();
    assert!(err.contains("stopped after"), "{err}");
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("position.json")).unwrap())
            .unwrap();
    let file = &saved["files"][0];
    assert_eq!(file["path"], log.to_str().unwrap());
    assert_eq!(file["offset"], text.len());
    assert_eq!(file["line"], 4);
    use std::os::unix::fs::MetadataExt;
    assert_eq!(file["inode"], std::fs::metadata(&log).unwrap().ino());
}

#[test]
fn a_restart_resumes_from_the_saved_position_without_reporting_again() {
    let (dir, log) = tmp();
    append(&log, &(hit(1) + &hit(2)));
    let mut f = Follower::start(dir.path(), &[&log], &[]);
    f.wait_for_sightings(2);
    let (first, _) = f.terminate();
    append(&log, &(hit(3) + &miss(4) + &hit(5)));
    let mut f = Follower::start(dir.path(), &[&log], &[]);
    // hit(5) comes last: once it is reported, everything before it has been read.
    f.wait_for_sightings(2);
    let (second, _) = f.terminate();
    assert_eq!(second.len(), 2, "reported again: {second:?}");
    assert!(
        second.iter().all(|s| !first.contains(s)),
        "{first:?} {second:?}"
    );
}

#[test]
fn a_partial_last_line_waits_for_its_newline() {
    let (dir, log) = tmp();
    let partial = hit(2);
    let (head, rest) = partial.split_at(partial.len() / 2);
    // One write: when hit(1) is reported, the follower has also read half of hit(2).
    append(&log, &(hit(1) + head));
    // Strict mode (no --skip-invalid): half a line read as a record would stop it.
    let mut f = Follower::start(dir.path(), &[&log], &[]);
    f.wait_for_sightings(1);
    append(&log, &(rest.to_owned() + &hit(3)));
    f.wait_for_sightings(3);
    let (out, err) = f.terminate();
    assert_eq!(out.len(), 3, "{out:?}");
    assert!(!err.contains("invalid"), "{err}");
}

/// A Zeek conn log in TSV with a layout, a record, and the same log reopened with another
/// layout (as after a restart of Zeek appending to it).
const TSV_HEAD: &str = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tdns\n#open\t2026-11-29-10-00-00\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tquery\tqtype_name\tanswers\n#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tstring\tvector[string]\n";
const TSV_HEAD2: &str = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tdns\n#open\t2026-11-29-11-00-00\n#fields\tts\tquery\tuid\tqtype_name\n#types\ttime\tstring\tstring\tstring\n";

fn tsv(n: u32, name: &str) -> String {
    format!(
        "1795946{n:03}.5\tC{n}\t192.0.2.10\t{}\t198.51.100.53\t53\tudp\t{name}\tA\t203.0.113.7\n",
        1024 + n
    )
}

fn tsv2(n: u32, name: &str) -> String {
    format!("1795949{n:03}.5\t{name}\tD{n}\tA\n")
}

#[test]
fn a_zeek_tsv_log_is_followed_through_a_header_change_and_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("dns.log");
    append(
        &log,
        &(TSV_HEAD.to_owned() + &tsv(1, "c2.example") + &tsv(2, "benign.example")),
    );
    let mut f = Follower::start(dir.path(), &[&log], &[]);
    f.wait_for_sightings(1);
    append(
        &log,
        &("#close\t2026-11-29-11-00-00\n".to_owned()
            + TSV_HEAD2
            + &tsv2(3, "c2.example")
            + &tsv2(4, "c2.example")),
    );
    f.wait_for_sightings(3);
    let (first, _) = f.terminate();
    // Resumed mid-file: the records after the position are read with the header saved
    // with it, which the file only holds far above.
    append(&log, &tsv2(5, "c2.example"));
    let mut f = Follower::start(dir.path(), &[&log], &[]);
    f.wait_for_sightings(1);
    let (second, err) = f.terminate();
    assert_eq!(first.len(), 3, "{first:?}");
    assert_eq!(second.len(), 1, "{second:?} {err}");
    assert!(!first.contains(&second[0]));
}

#[test]
fn the_status_line_and_the_metrics_report_the_counts() {
    let (dir, log) = tmp();
    append(&log, &(hit(1) + &miss(2) + &hit(3)));
    let mut f = Follower::start(
        dir.path(),
        &[&log],
        &["--status-interval", "1", "--metrics", "127.0.0.1:0"],
    );
    f.wait_for_sightings(2);
    f.wait_for("a status line with the counts", |_, err| {
        err.lines()
            .any(|l| l.starts_with("follow: ") && l.contains(" 3 events, 2 sightings, lag 0 bytes"))
    });
    let err = f.stderr();
    let addr = err
        .lines()
        .find_map(|l| l.strip_prefix("metrics on http://"))
        .and_then(|l| l.strip_suffix("/metrics"))
        .expect("the metrics address on stderr")
        .to_owned();
    let get = |path: &str| {
        let mut conn = std::net::TcpStream::connect(&addr).unwrap();
        write!(conn, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let mut response = String::new();
        conn.read_to_string(&mut response).unwrap();
        response
    };
    let metrics = get("/metrics");
    assert!(metrics.starts_with("HTTP/1.1 200 OK"), "{metrics}");
    assert!(
        metrics.contains("\naccord_follow_events_total 3\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("\naccord_follow_sightings_total 2\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("\naccord_follow_indicators 1\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("\naccord_follow_state_dropped_total 0\n"),
        "{metrics}"
    );
    assert!(get("/other").starts_with("HTTP/1.1 404"));
    f.terminate();
}

#[test]
fn follow_refuses_batch_only_flags() {
    let dir = tempfile::tempdir().unwrap();
    let out = accord()
        .args([
            "match",
            "--indicators",
            "x",
            "--observations",
            "y",
            "--follow",
            "z",
        ])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot be used with"));
}

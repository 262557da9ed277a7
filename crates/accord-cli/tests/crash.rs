//! Durability under a crash: concurrent clients stream signed writes, the hub is killed with
//! SIGKILL at a random moment after at least 10,000 acknowledgements, and after a restart every
//! acknowledged write is present and the whole log verifies.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

mod common;
use common::{Server, accord, enrol, hammer_writes, ok, sql};

fn acked(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_acknowledged_write_survives_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("hub");
    let (key, token) = enrol(dir.path(), &data, "FR");

    let mut server = Server::start(&data);
    let base = server.base.clone();
    let acked_file = dir.path().join("acked.txt");
    let mut hammer = hammer_writes()
        .args([
            "--hub",
            &base,
            "--token",
            &token,
            "--writes",
            "40000",
            "--clients",
            "32",
            "--run",
            "crash",
        ])
        .arg("--key")
        .arg(&key)
        .arg("--acked")
        .arg(&acked_file)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();

    // Wait for 10,000 acknowledgements, then kill at a random moment within the next second.
    let deadline = Instant::now() + Duration::from_secs(300);
    while acked(&acked_file).len() < 10_000 {
        assert!(
            Instant::now() < deadline,
            "fewer than 10,000 writes acknowledged in 5 minutes"
        );
        assert!(
            hammer.try_wait().unwrap().is_none(),
            "the load generator stopped early"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    std::thread::sleep(Duration::from_millis(u64::from(nanos % 1000)));
    server.crash();
    let _ = hammer.wait();
    let acknowledged = acked(&acked_file);
    assert!(acknowledged.len() >= 10_000);

    // Restart on the same directory: every acknowledged incident is there, exactly once.
    let server = Server::start(&data);
    let base = server.base.clone();
    let q = "SELECT id FROM incidents WHERE id LIKE 'hammer-crash-%'";
    let stored: HashSet<String> = sql(&data, q, q).into_iter().collect();
    let missing: Vec<&String> = acknowledged
        .iter()
        .filter(|id| !stored.contains(*id))
        .collect();
    assert!(
        missing.is_empty(),
        "{} acknowledged writes lost, e.g. {:?}",
        missing.len(),
        &missing[..missing.len().min(5)]
    );
    let q = "SELECT COUNT(*) FROM log_entries WHERE entry_id LIKE 'hammer-crash-%'";
    let entries: usize = sql(&data, q, q)[0].parse().unwrap();
    assert_eq!(
        entries,
        stored.len(),
        "every stored incident has exactly one log entry"
    );

    // The whole log verifies after the crash.
    let out = ok(accord().args(["log", "verify", "--hub", &base]));
    assert!(out.contains("verifies"), "{out}");
}

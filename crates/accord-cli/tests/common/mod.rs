//! What the end-to-end tests share: running the `accord` binary, a hub on a free port that is
//! killed when the test ends (also when it fails), and enrolling a party to write.

// Each test crate uses a different part of this module.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use assert_cmd::cargo::CommandCargoExt;

/// The `accord` binary, logging warnings only, with no hub, token or data directory from the
/// environment.
pub fn accord() -> Command {
    let mut c = Command::cargo_bin("accord").unwrap();
    // A developer's shell must not point a test at another hub or token.
    c.env("RUST_LOG", "warn")
        .env_remove("ACCORD_TOKEN")
        .env_remove("ACCORD_HUB")
        .env_remove("ACCORD_DATA");
    c
}

/// The `accord` binary on the data directory `data`.
pub fn on(data: &Path) -> Command {
    let mut c = accord();
    c.arg("--data").arg(data);
    c
}

/// Runs a command that must succeed; returns its stdout.
pub fn ok(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Runs a command that must fail; returns its stderr.
pub fn fails(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        !out.status.success(),
        "{cmd:?} succeeded: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stderr).unwrap()
}

/// A running `accord serve` on a free loopback port, killed when dropped.
pub struct Server {
    /// The hub's process.
    pub child: Child,
    /// Its base URL, e.g. `http://127.0.0.1:41234`.
    pub base: String,
}

impl Server {
    /// Starts the hub on `data` and waits until it listens.
    pub fn start(data: &Path) -> Server {
        let mut child = on(data)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let base = loop {
            let line = lines
                .next()
                .expect("server exited before listening")
                .unwrap();
            if let Some(rest) = line.strip_prefix("Accord hub listening on ") {
                break rest
                    .split_whitespace()
                    .next()
                    .unwrap()
                    .trim_end_matches('/')
                    .to_owned();
            }
        };
        // Keep draining stderr so the hub never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Server { child, base }
    }

    /// Stops the hub with SIGTERM (a graceful shutdown) and waits for it.
    pub fn stop(mut self) {
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }

    /// Kills the hub with SIGKILL: no shutdown, no flush.
    pub fn crash(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Lets `party` write to the hub in `data`: a key pair in `dir`, the key registered, a token.
/// Returns the private key's path and the token.
pub fn enrol(dir: &Path, data: &Path, party: &str) -> (PathBuf, String) {
    let key = dir.join(format!("{party}.key"));
    ok(accord()
        .args(["keygen", "--party", party, "--out"])
        .arg(&key));
    ok(on(data)
        .args(["keys", "add", "--party", party, "--public-key"])
        .arg(dir.join(format!("{party}.key.pub"))));
    let token = ok(on(data).args(["tokens", "issue", "--party", party]));
    (key, token.trim().to_owned())
}

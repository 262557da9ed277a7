//! A long-running `accord` process (`accord match --follow`) whose output a test reads as it
//! comes: the tests of following (follow.rs, follow_post.rs, refresh.rs) start it with their
//! own flags, wait for the lines they expect, and stop it with SIGTERM.
//!
//! No test sleeps and then asserts: [`Follower::wait_for`] polls, with a deadline the test
//! chooses, and fails early if the process exits before what it waits for.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A running process with its stdout and stderr collected a line at a time; killed when
/// dropped (also when the test fails).
pub struct Follower {
    child: Child,
    stdout: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<Vec<String>>>,
    deadline: Duration,
    poll: Duration,
}

/// Reads `stream` a line at a time on a thread of its own, into the vector returned.
fn collect(stream: impl Read + Send + 'static) -> Arc<Mutex<Vec<String>>> {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let out = lines.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            out.lock().unwrap().push(line);
        }
    });
    lines
}

impl Follower {
    /// Spawns `cmd` with its output piped; [`Follower::wait_for`] checks every `poll` and
    /// gives up after `deadline`.
    pub fn spawn(cmd: &mut Command, deadline: Duration, poll: Duration) -> Follower {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = collect(child.stdout.take().unwrap());
        let stderr = collect(child.stderr.take().unwrap());
        Follower {
            child,
            stdout,
            stderr,
            deadline,
            poll,
        }
    }

    /// The lines written to stdout so far.
    pub fn stdout(&self) -> Vec<String> {
        self.stdout.lock().unwrap().clone()
    }

    /// What was written to stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().join("\n")
    }

    /// Waits until `ready` holds of (stdout lines, stderr text); fails at the deadline or if
    /// the process exits first.
    pub fn wait_for(&mut self, what: &str, ready: impl Fn(&[String], &str) -> bool) {
        let start = Instant::now();
        loop {
            if ready(&self.stdout(), &self.stderr()) {
                return;
            }
            if let Some(status) = self.child.try_wait().unwrap() {
                // Let the readers drain what the process wrote.
                std::thread::sleep(Duration::from_millis(100));
                panic!(
                    "the follower exited ({status}) before {what}; stdout:\n{}\nstderr:\n{}",
                    self.stdout().join("\n"),
                    self.stderr()
                );
            }
            assert!(
                start.elapsed() < self.deadline,
                "no {what} within {:?}; {} stdout line(s); stderr:\n{}",
                self.deadline,
                self.stdout().len(),
                self.stderr()
            );
            std::thread::sleep(self.poll);
        }
    }

    /// Polls for the process's exit, up to the deadline; `None` if it still runs then.
    pub fn wait_exit(&mut self) -> Option<std::process::ExitStatus> {
        let start = Instant::now();
        loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                return Some(s);
            }
            if start.elapsed() >= self.deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends SIGTERM, waits for a clean exit and its last line (`stopped after …`); returns
    /// the stdout lines and the stderr text.
    pub fn terminate(mut self) -> (Vec<String>, String) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let status = self.wait_exit().expect("no exit after SIGTERM");
        // The readers end at the pipes' end of file.
        let start = Instant::now();
        while !self.stderr().contains("stopped after") && start.elapsed() < self.deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(status.success(), "exit {status}: {}", self.stderr());
        (self.stdout(), self.stderr())
    }
}

impl Drop for Follower {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

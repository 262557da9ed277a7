//! A real browser against a real hub: starts `accord serve` on a free port with a fresh data
//! directory, loads the dashboard in headless Chromium (Debian's `chromium`), and checks what a
//! reader sees: the bundled incidents on the incidents page, a scorecard on a party page, and a
//! rendered home page; and the Voting bloc page with the bundled UN votes.
//!
//! The test runs when `ACCORD_BROWSER_TEST=1` (CI sets it and installs chromium); then a
//! missing browser is a failure, not a skip. Without the variable it says why it did nothing.
//! `ACCORD_CHROMIUM` names another browser binary.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use accord_core::incident::Incident;

mod common;

/// How long the hub may take to say where it listens, and a browser to finish a page.
const STARTUP: Duration = Duration::from_secs(60);
const PAGE: Duration = Duration::from_secs(120);

/// The hub process; killed when the test ends, also when it panics.
struct Hub {
    child: Child,
    base: String,
}

impl Drop for Hub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_hub(data: &Path) -> Hub {
    // The suite's backend: SQLite in `data`, or its PostgreSQL database (tests/common).
    let mut child = common::on(data)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start accord serve");
    let stderr = child.stderr.take().unwrap();
    let mut hub = Hub {
        child,
        base: String::new(),
    };
    // The hub prints `Accord hub listening on http://ADDR/ ...` once bound. Read stderr on a
    // thread, which keeps draining it afterwards so the hub never blocks on a full pipe.
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut sent = false;
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if !sent && let Some(rest) = line.split("listening on http://").nth(1) {
                let addr = rest.split('/').next().unwrap_or_default().to_owned();
                let _ = tx.send(Ok(addr));
                sent = true;
            } else if !sent {
                let _ = tx.send(Err(line));
            }
        }
    });
    let deadline = Instant::now() + STARTUP;
    let mut said = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(Ok(addr)) => {
                hub.base = format!("http://{addr}");
                return hub;
            }
            Ok(Err(line)) => said.push(line),
            Err(_) => panic!(
                "accord serve did not report its address within {STARTUP:?}; it said:\n{}",
                said.join("\n")
            ),
        }
    }
}

/// The browser to use, or why there is none.
fn chromium() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("ACCORD_CHROMIUM") {
        return Ok(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser"] {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Ok(candidate);
            }
        }
    }
    Err(
        "no `chromium` on PATH; install it with `apt-get install -y chromium` \
         or name a binary in ACCORD_CHROMIUM"
            .to_owned(),
    )
}

struct Browser {
    bin: PathBuf,
    profile: tempfile::TempDir,
}

impl Browser {
    /// Runs headless Chromium with `args` and returns its standard output; fails the test if
    /// it exits with an error or takes longer than [`PAGE`].
    fn run(&self, args: &[String]) -> String {
        let mut child = Command::new(&self.bin)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
            ])
            .arg(format!("--user-data-dir={}", self.profile.path().display()))
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", self.bin.display()));
        let mut stdout = child.stdout.take().unwrap();
        let mut stderr = child.stderr.take().unwrap();
        let out = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = stdout.read_to_string(&mut s);
            s
        });
        let err = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = stderr.read_to_string(&mut s);
            s
        });
        let deadline = Instant::now() + PAGE;
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("chromium {args:?} did not finish within {PAGE:?}");
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        let (out, err) = (out.join().unwrap(), err.join().unwrap());
        assert!(
            status.success(),
            "chromium {args:?} failed: {status}\n{err}"
        );
        out
    }

    fn dom(&self, url: &str) -> String {
        let dom = self.run(&["--dump-dom".to_owned(), url.to_owned()]);
        assert!(dom.contains("</html>"), "{url}: no document:\n{dom}");
        dom
    }
}

/// Text as a browser serialises it in a text node.
fn text_node(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\u{a0}', "&nbsp;")
}

fn bundled_incidents() -> Vec<Incident> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/incidents");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let text = std::fs::read_to_string(&path).unwrap();
            out.push(serde_json::from_str(&text).unwrap());
        }
    }
    out
}

#[test]
fn dashboard_in_a_real_browser() {
    if std::env::var("ACCORD_BROWSER_TEST").as_deref() != Ok("1") {
        eprintln!(
            "browser test skipped: set ACCORD_BROWSER_TEST=1 to run it (needs Debian's `chromium`)"
        );
        return;
    }
    let bin = chromium().unwrap_or_else(|why| panic!("ACCORD_BROWSER_TEST=1 but {why}"));
    let data = tempfile::tempdir().unwrap();
    let hub = start_hub(&data.path().join("hub"));
    let browser = Browser {
        bin,
        profile: tempfile::tempdir().unwrap(),
    };

    // The incidents page lists every bundled incident, NotPetya and WannaCry among them.
    let incidents = bundled_incidents();
    let titles: Vec<&str> = incidents.iter().map(|i| i.title.as_str()).collect();
    assert!(titles.iter().any(|t| t.contains("NotPetya")));
    assert!(titles.iter().any(|t| t.contains("WannaCry")));
    let dom = browser.dom(&format!("{}/incidents?limit=500", hub.base));
    assert!(dom.contains("<title>Incidents · Accord</title>"));
    for t in &titles {
        assert!(dom.contains(&text_node(t)), "incidents page lacks {t:?}");
    }
    assert_eq!(
        dom.matches("<th scope=\"row\"><a href=\"/incidents/")
            .count(),
        incidents.len()
    );

    // A filter narrows the list through the GET form's parameters.
    let dom = browser.dom(&format!("{}/incidents?year=2017", hub.base));
    assert!(dom.contains("NotPetya"));
    assert!(!dom.contains("Stuxnet"));

    // Russia's page carries its scorecard, with NotPetya among the incidents linked to it.
    let dom = browser.dom(&format!("{}/parties/RU", hub.base));
    assert!(dom.contains("<section id=\"scorecard\""));
    assert!(dom.contains(">Scorecard</h2>"));
    assert!(dom.contains("Incidents as initiator"));
    assert!(dom.contains("href=\"/incidents/notpetya-2017\""));
    assert!(dom.contains("non-supporter"));
    let dom = browser.dom(&format!("{}/parties/FR", hub.base));
    assert!(dom.contains("<section id=\"scorecard\""));
    assert!(dom.contains("may have joined earlier"));

    // The parties page: one server-side page of the 1,200-odd parties, searchable, with the
    // supporters charts drawn inline under the page's strict CSP.
    let dom = browser.dom(&format!("{}/parties", hub.base));
    assert_eq!(
        dom.matches("<th scope=\"row\"><a href=\"/parties/").count(),
        100
    );
    assert!(dom.contains("rel=\"next\""));
    assert!(dom.contains("<g class=\"bar\" data-label=\"company\" data-count=\"708\">"));
    let dom = browser.dom(&format!("{}/parties?q=google", hub.base));
    assert!(dom.contains(">Google</a>"));
    assert!(dom.contains("<span class=\"status supporter\">supporter</span>"));

    // An incident page shows the verification badges.
    let dom = browser.dom(&format!("{}/incidents/notpetya-2017", hub.base));
    assert!(dom.contains("<span class=\"badge verified\">verified</span>"));
    assert!(dom.contains("<span class=\"badge secondary\">secondary</span>"));

    // The home page renders: a non-trivial screenshot at the requested size.
    let shot = data.path().join("home.png");
    browser.run(&[
        format!("--screenshot={}", shot.display()),
        "--window-size=1280,2000".to_owned(),
        format!("{}/", hub.base),
    ]);
    let png = std::fs::read(&shot).expect("screenshot written");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    assert!(
        png.len() > 10 * 1024,
        "screenshot is only {} bytes",
        png.len()
    );
    // IHDR: width and height, big-endian, right after the chunk header.
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
    assert_eq!((width, height), (1280, 2000));
    if let Some(dir) = std::env::var_os("ACCORD_BROWSER_SCREENSHOTS") {
        // Keep the screenshot for a human to look at.
        let _ = std::fs::copy(&shot, PathBuf::from(dir).join("home.png"));
    }
    drop(hub);
}

#[test]
fn voting_bloc_page_in_a_real_browser() {
    if std::env::var("ACCORD_BROWSER_TEST").as_deref() != Ok("1") {
        eprintln!(
            "browser test skipped: set ACCORD_BROWSER_TEST=1 to run it (needs Debian's `chromium`)"
        );
        return;
    }
    let bin = chromium().unwrap_or_else(|why| panic!("ACCORD_BROWSER_TEST=1 but {why}"));
    let data = tempfile::tempdir().unwrap();
    let hub = start_hub(&data.path().join("hub"));
    let browser = Browser {
        bin,
        profile: tempfile::tempdir().unwrap(),
    };
    // The served hub holds the bundled votes: the page draws the split of every vote taken,
    // one bar per group, and lists every member state.
    let dom = browser.dom(&format!("{}/votes", hub.base));
    assert!(dom.contains("<title>Voting bloc · Accord</title>"), "{dom}");
    assert!(dom.contains("id=\"a-res-75-240-plenary-2020-12-31\""));
    assert!(dom.matches("<rect class=\"seg\"").count() > 20);
    assert!(dom.contains("<title>supporters: "));
    let table = dom.split("id=\"states\"").nth(1).unwrap();
    assert_eq!(table.matches("<th scope=\"row\">").count(), 193);
    // France's party page shows its votes.
    let dom = browser.dom(&format!("{}/parties/FR", hub.base));
    assert!(dom.contains("At the United Nations"));
    // The page renders at a readable size.
    let shot = data.path().join("votes.png");
    browser.run(&[
        format!("--screenshot={}", shot.display()),
        "--window-size=1280,2400".to_owned(),
        format!("{}/votes", hub.base),
    ]);
    let png = std::fs::read(&shot).expect("screenshot written");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 10 * 1024);
    if let Some(dir) = std::env::var_os("ACCORD_BROWSER_SCREENSHOTS") {
        let _ = std::fs::copy(&shot, PathBuf::from(dir).join("votes.png"));
    }
    drop(hub);
}

//! What the end-to-end tests share: running the `accord` binary, a hub on a free port that is
//! killed when the test ends (also when it fails), and enrolling a party to write.
//!
//! The suite runs on either backend. By default each data directory holds its SQLite store;
//! with `ACCORD_TEST_BACKEND=postgres` and `ACCORD_TEST_POSTGRES_URL` set, each data directory
//! gets a fresh PostgreSQL database on first use (its operator key stays in the directory),
//! and every command a test runs on that directory uses it. `scripts/test.sh` runs the suite
//! both ways and drops the databases afterwards.

// Each test crate uses a different part of this module.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};

use assert_cmd::cargo::CommandCargoExt;

#[cfg(unix)]
pub mod follower;

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

/// `accord-hammer writes`, the write-load generator (a binary of its own, beside `accord`),
/// with no hub or token from the environment.
pub fn hammer_writes() -> Command {
    let mut c = Command::cargo_bin("accord-hammer").unwrap();
    c.env_remove("ACCORD_TOKEN")
        .env_remove("ACCORD_HUB")
        .arg("writes");
    c
}

/// The `accord` binary on the data directory `data` (and its database, on PostgreSQL), given
/// in the environment: `--data` belongs after the command's name, which the caller adds.
pub fn on(data: &Path) -> Command {
    let mut c = accord();
    c.env("ACCORD_DATA", data);
    if let Some(url) = database_url(data) {
        c.env("ACCORD_DATABASE_URL", url)
            .env("ACCORD_DATABASE_POOL", TEST_POOL.to_string());
    }
    c
}

/// The pool each test hub holds on PostgreSQL: the suite runs several multi-node tests at once
/// on a server with the default 100 connections, which sixteen a node would exhaust.
pub const TEST_POOL: u16 = 4;

/// The PostgreSQL server the suite runs on, if `ACCORD_TEST_BACKEND=postgres`.
pub fn postgres_server() -> Option<String> {
    if std::env::var("ACCORD_TEST_BACKEND").as_deref() != Ok("postgres") {
        return None;
    }
    Some(std::env::var("ACCORD_TEST_POSTGRES_URL").expect(
        "ACCORD_TEST_BACKEND=postgres needs ACCORD_TEST_POSTGRES_URL=postgres://USER:PASSWORD@HOST/DB",
    ))
}

fn databases() -> &'static Mutex<HashMap<PathBuf, String>> {
    static DATABASES: OnceLock<Mutex<HashMap<PathBuf, String>>> = OnceLock::new();
    DATABASES.get_or_init(Mutex::default)
}

/// The database of the hub in `data` when the suite runs on PostgreSQL: created empty on the
/// directory's first use. The databases outlive the test process (`scripts/test.sh` drops
/// every `accord_t_*` database when the suite ends).
pub fn database_url(data: &Path) -> Option<String> {
    let mut known = databases().lock().unwrap();
    if let Some(url) = known.get(data) {
        return Some(url.clone());
    }
    let server = postgres_server()?;
    let url = fresh_postgres(&server);
    known.insert(data.to_owned(), url.clone());
    Some(url)
}

/// Puts the hub in `data` on a fresh PostgreSQL database whenever `ACCORD_TEST_POSTGRES_URL`
/// names a server, on whichever backend the suite runs (a test that mixes backends); call it
/// before the directory's first use. True if the hub is on PostgreSQL.
pub fn on_postgres_if_available(data: &Path) -> bool {
    let Ok(server) = std::env::var("ACCORD_TEST_POSTGRES_URL") else {
        return false;
    };
    let mut known = databases().lock().unwrap();
    if !known.contains_key(data) {
        let url = fresh_postgres(&server);
        known.insert(data.to_owned(), url);
    }
    true
}

/// A new, empty database on the PostgreSQL server at `server`; its URL. Kept past this
/// process: a test's hub may still be running when the test returns.
pub fn fresh_postgres(server: &str) -> String {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let db = runtime
        .block_on(accord_store_postgres::testkit::fresh_postgres_database(
            server,
        ))
        .unwrap();
    let url = db.url.clone();
    std::mem::forget(db);
    url
}

/// Runs `sqlite` on the SQLite store in `data`, or `postgres` on its PostgreSQL database, and
/// returns the first column of every row as text: how tamper and crash tests reach below the
/// hub.
pub fn sql(data: &Path, sqlite: &str, postgres: &str) -> Vec<String> {
    match database_url(data) {
        Some(url) => psql(&url, postgres),
        None => {
            let conn = rusqlite::Connection::open(data.join("accord.db")).unwrap();
            let mut stmt = conn.prepare(sqlite).unwrap();
            let n = stmt.column_count();
            let mut rows = stmt.query([]).unwrap();
            let mut out = Vec::new();
            while let Some(row) = rows.next().unwrap() {
                if n > 0 {
                    let v: rusqlite::types::Value = row.get(0).unwrap();
                    out.push(match v {
                        rusqlite::types::Value::Integer(i) => i.to_string(),
                        rusqlite::types::Value::Text(t) => t,
                        rusqlite::types::Value::Real(r) => r.to_string(),
                        rusqlite::types::Value::Blob(b) => String::from_utf8_lossy(&b).into_owned(),
                        rusqlite::types::Value::Null => String::new(),
                    });
                }
            }
            out
        }
    }
}

/// Runs `statement` with `psql` on the database at `url`; returns the first column of every
/// row as text.
pub fn psql(url: &str, statement: &str) -> Vec<String> {
    let out = Command::new("psql")
        .args([
            "-X",
            "-q",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            url,
            "-c",
            statement,
        ])
        .output()
        .expect("psql (Debian postgresql-client) runs the PostgreSQL suite's SQL");
    assert!(
        out.status.success(),
        "psql {statement}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Copies the hub in `from` (stopped) to `to`: a fork with the same operator key and record.
pub fn fork_hub(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    std::fs::copy(from.join("operator.key"), to.join("operator.key")).unwrap();
    match (postgres_server(), database_url(from)) {
        (Some(server), Some(source)) => {
            let name = source.rsplit('/').next().unwrap().to_owned();
            let fork = format!("{name}_fork");
            psql(
                &server,
                &format!("CREATE DATABASE \"{fork}\" TEMPLATE \"{name}\""),
            );
            let url = format!("{}/{fork}", source.rsplit_once('/').unwrap().0);
            databases().lock().unwrap().insert(to.to_owned(), url);
        }
        _ => {
            for f in ["accord.db", "accord.db-wal", "accord.db-shm"] {
                if from.join(f).exists() {
                    std::fs::copy(from.join(f), to.join(f)).unwrap();
                }
            }
        }
    }
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
        Server::start_with(on(data))
    }

    /// Starts `accord serve` from `command` (the binary with its global options set) and
    /// waits until it listens.
    pub fn start_with(command: Command) -> Server {
        Server::start_listening(command, "127.0.0.1:0")
    }

    /// Starts the hub on `data` listening on `listen` (such as the address of a hub that
    /// was stopped, to start it again where its clients look for it).
    pub fn start_at(data: &Path, listen: &str) -> Server {
        Server::start_listening(on(data), listen)
    }

    fn start_listening(mut command: Command, listen: &str) -> Server {
        let mut child = command
            .args(["serve", "--listen", listen])
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

/// GET `base` + `path`, which must succeed; the body.
pub fn http_get(base: &str, path: &str) -> Vec<u8> {
    let resp = reqwest::blocking::get(format!("{base}{path}")).unwrap();
    assert!(resp.status().is_success(), "{path}: {}", resp.status());
    resp.bytes().unwrap().to_vec()
}

/// The tree size a checkpoint note states (its second line).
pub fn checkpoint_size(note: &[u8]) -> u64 {
    String::from_utf8_lossy(note)
        .lines()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap()
}

/// The Go team's reference checker (`golang.org/x/mod/sumdb/note` and `.../tlog`, program in
/// `crates/accord-tlog/tests/go`), built once per test; `None` unless `ACCORD_GO_INTEROP=1`.
pub struct GoReference {
    checker: PathBuf,
    _work: tempfile::TempDir,
}

impl GoReference {
    /// Builds the checker, or says the Go interop check was not requested.
    pub fn build() -> Option<GoReference> {
        if std::env::var("ACCORD_GO_INTEROP").as_deref() != Ok("1") {
            eprintln!("Go interop not requested (set ACCORD_GO_INTEROP=1 to run it); skipping");
            return None;
        }
        let go = std::env::var("GO").unwrap_or_else(|_| "go".into());
        let gopath = std::env::var("ACCORD_GOPATH").unwrap_or_else(|_| "/usr/share/gocode".into());
        assert!(
            Command::new(&go)
                .arg("version")
                .output()
                .is_ok_and(|o| o.status.success())
                && Path::new(&gopath)
                    .join("src/golang.org/x/mod/sumdb/tlog")
                    .is_dir(),
            "ACCORD_GO_INTEROP=1 needs Go and golang.org/x/mod: apt-get install golang-go golang-golang-x-mod-dev"
        );
        let work = tempfile::tempdir().unwrap();
        let checker = work.path().join("tlogcheck");
        let built = Command::new(&go)
            .args(["build", "-o"])
            .arg(&checker)
            .arg(".")
            .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../accord-tlog/tests/go"))
            .env("GO111MODULE", "off")
            .env("GOPATH", &gopath)
            .env("GOFLAGS", "")
            .env("GOCACHE", work.path().join("gocache"))
            .output()
            .unwrap();
        assert!(
            built.status.success(),
            "{}",
            String::from_utf8_lossy(&built.stderr)
        );
        Some(GoReference {
            checker,
            _work: work,
        })
    }

    /// Has the reference check the hub at `base`: its current checkpoint, every tile and
    /// bundle, the hub's inclusion proofs for a few entries, and its consistency proof from the
    /// `older` checkpoint note. Returns the size checked.
    pub fn check(&self, base: &str, older: &[u8]) -> u64 {
        let mirror = tempfile::tempdir().unwrap();
        let mirror = mirror.path();
        let older_size = checkpoint_size(older);
        std::fs::create_dir_all(mirror.join("older")).unwrap();
        std::fs::write(mirror.join("older").join(older_size.to_string()), older).unwrap();
        let latest = http_get(base, "/log/checkpoint");
        let size = checkpoint_size(&latest);
        std::fs::write(mirror.join("checkpoint"), &latest).unwrap();
        let mut tiles = accord_tlog::tiles::tiles_for_size(older_size);
        tiles.extend(accord_tlog::tiles::tiles_for_size(size));
        for tile in tiles {
            let path = mirror.join(tile.path());
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, http_get(base, &format!("/log/{}", tile.path()))).unwrap();
        }
        std::fs::write(mirror.join("key"), http_get(base, "/log/key")).unwrap();
        let json = |path: &str| -> serde_json::Value {
            serde_json::from_slice(&http_get(base, path)).unwrap()
        };
        let inclusion: Vec<serde_json::Value> = [0, 1, older_size - 1, size / 2, size - 1]
            .iter()
            .map(|i| json(&format!("/log/proof/inclusion?index={i}&size={size}")))
            .collect();
        let consistency = vec![json(&format!(
            "/log/proof/consistency?old={older_size}&new={size}"
        ))];
        std::fs::write(
            mirror.join("proofs.json"),
            serde_json::json!({"inclusion": inclusion, "consistency": consistency}).to_string(),
        )
        .unwrap();
        let run = Command::new(&self.checker).arg(mirror).output().unwrap();
        let stdout = String::from_utf8_lossy(&run.stdout);
        assert!(
            run.status.success(),
            "the Go reference rejected the hub's log:\n{stdout}{}",
            String::from_utf8_lossy(&run.stderr)
        );
        assert!(
            stdout.contains(&format!("size {size}, {size} records proven")),
            "{stdout}"
        );
        size
    }
}

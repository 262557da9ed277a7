//! The hub's published log checked by the Go team's reference packages
//! (`golang.org/x/mod/sumdb/note` and `.../tlog`): a running `accord serve` takes a few hundred
//! signed writes, then its checkpoints, tiles, bundles and JSON proofs are mirrored over HTTP
//! into a directory and handed to the Go checker in `crates/accord-tlog/tests/go`.
//!
//! Runs when `ACCORD_GO_INTEROP=1` (scripts/test.sh sets it and installs Debian's golang-go and
//! golang-golang-x-mod-dev); fails if Go is missing then.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

use accord_tlog::tiles::tiles_for_size;

mod common;
use common::{Server, accord, enrol, ok};

fn get(base: &str, path: &str) -> Vec<u8> {
    let resp = reqwest::blocking::get(format!("{base}{path}")).unwrap();
    assert!(resp.status().is_success(), "{path}: {}", resp.status());
    resp.bytes().unwrap().to_vec()
}

fn size_of(note: &[u8]) -> u64 {
    String::from_utf8_lossy(note)
        .lines()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap()
}

/// Mirrors every tile and bundle of the tree of `size` into `dir`.
fn mirror_tiles(base: &str, size: u64, dir: &Path) {
    for tile in tiles_for_size(size) {
        let path = dir.join(tile.path());
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, get(base, &format!("/log/{}", tile.path()))).unwrap();
    }
}

#[test]
fn go_reference_verifies_the_hubs_log() {
    if std::env::var("ACCORD_GO_INTEROP").as_deref() != Ok("1") {
        eprintln!("Go interop not requested (set ACCORD_GO_INTEROP=1 to run it); skipping");
        return;
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

    // A hub with a few hundred signed writes: partial tiles at two levels.
    let data = work.path().join("hub");
    let (key, token) = enrol(work.path(), &data, "FR");
    let server = Server::start(&data);
    let base = server.base.clone();
    let hammer = |run: &str, writes: &str| {
        ok(accord()
            .args([
                "hammer",
                "--hub",
                &base,
                "--token",
                &token,
                "--clients",
                "8",
                "--writes",
                writes,
                "--run",
                run,
            ])
            .arg("--key")
            .arg(&key));
    };

    let mirror = work.path().join("mirror");
    std::fs::create_dir_all(mirror.join("older")).unwrap();
    hammer("a", "150");
    let older = get(&base, "/log/checkpoint");
    let older_size = size_of(&older);
    std::fs::write(mirror.join("older").join(older_size.to_string()), &older).unwrap();
    mirror_tiles(&base, older_size, &mirror);
    hammer("b", "400");
    let latest = get(&base, "/log/checkpoint");
    let size = size_of(&latest);
    assert!(size > 512 && !size.is_multiple_of(256), "size {size}");
    std::fs::write(mirror.join("checkpoint"), &latest).unwrap();
    mirror_tiles(&base, size, &mirror);
    std::fs::write(mirror.join("key"), get(&base, "/log/key")).unwrap();

    // The hub's own JSON proofs, for the reference to check.
    let json =
        |path: &str| -> serde_json::Value { serde_json::from_slice(&get(&base, path)).unwrap() };
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

    let run = Command::new(&checker).arg(&mirror).output().unwrap();
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
}

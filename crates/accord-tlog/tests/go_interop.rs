//! Interoperability with the Go reference packages
//! (`golang.org/x/mod/sumdb/note` and `golang.org/x/mod/sumdb/tlog`).
//!
//! Builds a log of signed entries with this crate, writes it to a directory
//! in the C2SP tiles layout with checkpoints at several sizes (partial tiles
//! included, each cosigned by witnesses Go is not told about), and runs
//! `tests/go` on it, which verifies everything with the reference code.
//!
//! Runs only when `ACCORD_GO_INTEROP=1`; then Go is required and a missing
//! toolchain fails the test. Debian packages: `golang-go` and
//! `golang-golang-x-mod-dev` (built in GOPATH mode with
//! `GO111MODULE=off GOPATH=/usr/share/gocode`; set `ACCORD_GOPATH` to use
//! another GOPATH that holds `golang.org/x/mod`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test: failing loudly is the point

use std::path::Path;
use std::process::Command;

use accord_tlog::checkpoint::Checkpoint;
use accord_tlog::entry::{Envelope, SignedEntry, body_salted_sha256};
use accord_tlog::merkle::{self, MemoryHashStore};
use accord_tlog::note::Signer;
use accord_tlog::tiles::{self, TileKind};
use accord_tlp::Tlp;
use ed25519_dalek::SigningKey;

const ORIGIN: &str = "accord.example/log";

fn write(path: &Path, data: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, data).unwrap();
}

/// Builds the log and writes it under `dir`; returns the final size.
fn write_log(dir: &Path) -> u64 {
    let log = Signer::from_seed(ORIGIN, &[42; 32]).unwrap();
    let witnesses: Vec<Signer> = (0..3u8)
        .map(|i| Signer::from_seed(&format!("witness{i}.example/w"), &[60 + i; 32]).unwrap())
        .collect();
    let submitters: Vec<SigningKey> = (1..=3u8)
        .map(|s| SigningKey::from_bytes(&[s; 32]))
        .collect();
    // Checkpoints at sizes that exercise full and partial tiles at two levels.
    let sizes = [1u64, 255, 256, 257, 513, 700];
    let last = *sizes.last().unwrap();

    let mut store = MemoryHashStore::new();
    let mut entries: Vec<Vec<u8>> = Vec::new();
    let mut proofs_inclusion = Vec::new();
    let mut proofs_consistency = Vec::new();
    for &size in &sizes {
        while store.size() < size {
            let i = store.size();
            let key = &submitters[(i % 3) as usize];
            let body = format!("{{\"incident\":{i}}}");
            let envelope = Envelope {
                kind: "incident".into(),
                id: format!("inc-{i}"),
                submitter: format!("party:{}", i % 3),
                submitted_at: "2026-11-29T10:00:00Z".into(),
                body_sha256: None,
                body_salted_sha256: Some(body_salted_sha256(&[7; 32], body.as_bytes())),
                tlp: [Tlp::Clear, Tlp::Green, Tlp::Amber, Tlp::Red][(i % 4) as usize],
                signer_key: Envelope::encode_key(&key.verifying_key()),
                extra: serde_json::Map::new(),
            };
            let bytes = SignedEntry::sign(envelope, key)
                .unwrap()
                .to_bytes()
                .unwrap();
            store.append(&bytes);
            entries.push(bytes);
        }
        // Every tile and bundle this size publishes (the spec keeps the
        // partial tiles of every checkpointed size available).
        for tile in tiles::tiles_for_size(size) {
            let data = match tile.kind {
                TileKind::Entries => {
                    let start = tile.start_leaf().unwrap() as usize;
                    tiles::encode_bundle(&entries[start..start + usize::from(tile.width)]).unwrap()
                }
                TileKind::Hashes { .. } => tiles::read_tile_data(&store, &tile).unwrap(),
            };
            write(&dir.join(tile.path()), &data);
        }
        let mut note = Checkpoint::new(ORIGIN, size, store.root())
            .sign(&log)
            .unwrap();
        // Witnesses' cosignatures (C2SP cosignature/v1, and a legacy plain Ed25519 line):
        // keys Go is not given, which note.Open must ignore.
        for (i, witness) in witnesses.iter().enumerate() {
            let line = if i == 0 {
                witness.sign(note.text()).unwrap()
            } else {
                witness.cosign(note.text(), 1_800_000_000 + size).unwrap()
            };
            note.add_signature(line);
        }
        let name = if size == last {
            "checkpoint".to_string()
        } else {
            format!("older/{size}")
        };
        write(&dir.join(name), note.to_string().as_bytes());
        for index in [0, size / 2, size - 1] {
            proofs_inclusion.push(merkle::inclusion_proof(&store, index, size).unwrap());
        }
        if size != last {
            // Filled in below, once the final tree exists.
            proofs_consistency.push(size);
        }
    }
    let consistency: Vec<_> = proofs_consistency
        .iter()
        .map(|&old| merkle::consistency_proof(&store, old, last).unwrap())
        .collect();
    let proofs = serde_json::json!({ "inclusion": proofs_inclusion, "consistency": consistency });
    write(&dir.join("proofs.json"), proofs.to_string().as_bytes());
    write(&dir.join("key"), log.verifier().to_key_string().as_bytes());
    last
}

#[test]
fn go_reference_verifies_our_log() {
    if std::env::var("ACCORD_GO_INTEROP").as_deref() != Ok("1") {
        eprintln!("Go interop not requested (set ACCORD_GO_INTEROP=1 to run it); skipping");
        return;
    }
    let go = std::env::var("GO").unwrap_or_else(|_| "go".into());
    let version = Command::new(&go).arg("version").output();
    assert!(
        version.as_ref().is_ok_and(|o| o.status.success()),
        "ACCORD_GO_INTEROP=1 but `{go} version` failed ({version:?}); install Debian packages \
         golang-go and golang-golang-x-mod-dev"
    );
    let gopath = std::env::var("ACCORD_GOPATH").unwrap_or_else(|_| "/usr/share/gocode".into());
    assert!(
        Path::new(&gopath)
            .join("src/golang.org/x/mod/sumdb/tlog")
            .is_dir(),
        "golang.org/x/mod not found under GOPATH {gopath}; install golang-golang-x-mod-dev"
    );

    let work = tempfile::tempdir().unwrap();
    let bin = work.path().join("tlogcheck");
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/go");
    let mut build = Command::new(&go);
    build
        .args(["build", "-o"])
        .arg(&bin)
        .arg(".")
        .current_dir(&source)
        .env("GO111MODULE", "off")
        .env("GOPATH", &gopath)
        .env("GOFLAGS", "");
    if std::env::var_os("GOCACHE").is_none() {
        build.env("GOCACHE", work.path().join("gocache"));
    }
    let built = build.output().unwrap();
    assert!(
        built.status.success(),
        "building tests/go failed:\n{}",
        String::from_utf8_lossy(&built.stderr)
    );

    let log_dir = work.path().join("log");
    let size = write_log(&log_dir);
    let run = Command::new(&bin).arg(&log_dir).output().unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "Go reference rejected the log:\n{stdout}{}",
        String::from_utf8_lossy(&run.stderr)
    );
    eprintln!("{stdout}");
    assert!(stdout.contains(&format!("size {size}, {size} records proven")));
    assert!(stdout.contains("3 cosignatures ignored"), "{stdout}");

    // And the check is not vacuous: a flipped byte in a tile is caught.
    let tile = log_dir.join("tile/0/001");
    let mut data = std::fs::read(&tile).unwrap();
    data[5] ^= 1;
    std::fs::write(&tile, data).unwrap();
    let tampered = Command::new(&bin).arg(&log_dir).output().unwrap();
    assert!(!tampered.status.success(), "Go accepted a tampered tile");
}

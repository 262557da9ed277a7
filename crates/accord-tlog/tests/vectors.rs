//! Every inclusion and consistency case of the transparency-dev/merkle test
//! data (`tests/testdata/merkle`, Apache-2.0, see its README): a verifier must
//! accept each `wantErr: false` case and reject each `wantErr: true` one.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test: failing loudly is the point

use std::path::{Path, PathBuf};

use accord_tlog::merkle::{verify_consistency_raw, verify_inclusion_raw};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InclusionCase {
    leaf_idx: u64,
    tree_size: u64,
    root: String,
    leaf_hash: String,
    proof: Option<Vec<String>>,
    desc: String,
    want_err: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConsistencyCase {
    size1: u64,
    size2: u64,
    root1: String,
    root2: String,
    proof: Option<Vec<String>>,
    desc: String,
    want_err: bool,
}

fn vectors_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/testdata/merkle");
    assert!(
        dir.is_dir(),
        "Merkle test vectors not found at {}; they are part of the repository",
        dir.display()
    );
    dir
}

/// All `.json` files under `dir`, recursively, sorted.
fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn b64(s: &str) -> Vec<u8> {
    BASE64.decode(s).unwrap()
}

fn check(kind: &str, run: impl Fn(&Path) -> (bool, bool, String)) -> usize {
    let files = json_files(&vectors_dir().join(kind));
    assert!(!files.is_empty(), "no {kind} vectors found");
    let mut failures = Vec::new();
    for file in &files {
        let (want_err, got_err, desc) = run(file);
        if want_err != got_err {
            failures.push(format!(
                "{}: {desc}: wantErr {want_err}, verifier {}",
                file.display(),
                if got_err { "rejected" } else { "accepted" }
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} {kind} cases wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
    files.len()
}

#[test]
fn inclusion_vectors() {
    let n = check("inclusion", |file| {
        let c: InclusionCase =
            serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        let proof: Vec<Vec<u8>> = c.proof.unwrap_or_default().iter().map(|p| b64(p)).collect();
        let result = verify_inclusion_raw(
            &b64(&c.leaf_hash),
            c.leaf_idx,
            c.tree_size,
            &proof,
            &b64(&c.root),
        );
        (c.want_err, result.is_err(), c.desc)
    });
    eprintln!("{n} inclusion cases checked");
}

#[test]
fn consistency_vectors() {
    let n = check("consistency", |file| {
        let c: ConsistencyCase =
            serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        let proof: Vec<Vec<u8>> = c.proof.unwrap_or_default().iter().map(|p| b64(p)).collect();
        let result =
            verify_consistency_raw(c.size1, c.size2, &proof, &b64(&c.root1), &b64(&c.root2));
        (c.want_err, result.is_err(), c.desc)
    });
    eprintln!("{n} consistency cases checked");
}

#[test]
fn vectors_include_both_outcomes() {
    // Guards against a vector set that only exercises one side.
    let all = json_files(&vectors_dir());
    let texts: Vec<String> = all
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    assert!(texts.iter().any(|t| t.contains("\"wantErr\": false")));
    assert!(texts.iter().any(|t| t.contains("\"wantErr\": true")));
}

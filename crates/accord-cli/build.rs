//! Embeds the shipped dataset (`data/`) into the binary, so `accord serve` loads the Paris Call
//! on first start from any working directory, and `accord route`, `accord votes` and `accord
//! bloc` answer with no files around.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let data = manifest.join("../../data");
    println!("cargo:rerun-if-changed={}", data.display());
    println!(
        "cargo:rerun-if-changed={}",
        data.join("incidents").display()
    );
    let mut out = String::new();
    for (name, file) in [
        ("ACCORD", "accord.json"),
        ("PARTIES", "parties.json"),
        ("RULES", "principle-rules.json"),
        ("CORRECTIONS", "corrections.json"),
        ("MEMBERS", "un-member-states.json"),
    ] {
        let path = data.join(file);
        println!("cargo:rerun-if-changed={}", path.display());
        let _ = writeln!(
            out,
            "pub const {name}: &str = include_str!({:?});",
            path.display().to_string()
        );
    }
    embed_dir(&mut out, "INCIDENTS", &data.join("incidents"));
    // The legal-instruments dataset (`data/law/*.json`), one instrument per file, for
    // `accord route` and the hub's pathway endpoints.
    embed_dir(&mut out, "LAW", &data.join("law"));
    // The UN votes on ICT-security texts (`data/votes/*.json`), for the vote and bloc
    // endpoints, the Voting bloc page, `accord votes` and `accord bloc`.
    embed_dir(&mut out, "VOTES", &data.join("votes"));
    let dest = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default()).join("bundled.rs");
    if let Err(e) = std::fs::write(&dest, out) {
        panic!("cannot write {}: {e}", dest.display());
    }
}

/// Writes `pub const NAME: &[(&str, &str)]` holding every `*.json` file of `dir` as
/// (file name, contents), in name order, and asks cargo to rebuild when any of them changes.
fn embed_dir(out: &mut String, name: &str, dir: &Path) {
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "json"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    let _ = writeln!(out, "pub const {name}: &[(&str, &str)] = &[");
    for p in &files {
        println!("cargo:rerun-if-changed={}", p.display());
        let file = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "    ({file:?}, include_str!({:?})),",
            p.display().to_string()
        );
    }
    out.push_str(
        "];
",
    );
}

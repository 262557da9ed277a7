//! Embeds the shipped dataset (`data/`) into the binary, so `accord serve` loads the Paris Call
//! on first start from any working directory, and `accord route` answers with no files around.

use std::fmt::Write as _;
use std::path::PathBuf;

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
    ] {
        let path = data.join(file);
        println!("cargo:rerun-if-changed={}", path.display());
        let _ = writeln!(
            out,
            "pub const {name}: &str = include_str!({:?});",
            path.display().to_string()
        );
    }
    let mut incidents: Vec<PathBuf> = std::fs::read_dir(data.join("incidents"))
        .map(|dir| {
            dir.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "json"))
                .collect()
        })
        .unwrap_or_default();
    incidents.sort();
    out.push_str("pub const INCIDENTS: &[(&str, &str)] = &[\n");
    for p in &incidents {
        println!("cargo:rerun-if-changed={}", p.display());
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "    ({name:?}, include_str!({:?})),",
            p.display().to_string()
        );
    }
    out.push_str("];\n");
    // The legal-instruments dataset (`data/law/*.json`), one instrument per file, for
    // `accord route` and the hub's pathway endpoints.
    let law_dir = data.join("law");
    println!("cargo:rerun-if-changed={}", law_dir.display());
    let mut law: Vec<PathBuf> = std::fs::read_dir(&law_dir)
        .map(|dir| {
            dir.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "json"))
                .collect()
        })
        .unwrap_or_default();
    law.sort();
    out.push_str("pub const LAW: &[(&str, &str)] = &[\n");
    for p in &law {
        println!("cargo:rerun-if-changed={}", p.display());
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "    ({name:?}, include_str!({:?})),",
            p.display().to_string()
        );
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default()).join("bundled.rs");
    if let Err(e) = std::fs::write(&dest, out) {
        panic!("cannot write {}: {e}", dest.display());
    }
}

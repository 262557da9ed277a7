//! The workspace's own layering rule: no crate has a circle of files importing each other
//! (ARCHITECTURE.md, "Layers"). Run by `cargo test --workspace`, so CI checks it.

use std::path::{Path, PathBuf};

/// Crates that still have circles, each to be taken apart (issue 15, part 4). A crate
/// leaves this list when its circles are gone (the test says so), and is checked from then on.
const NOT_YET: &[&str] = &[];

fn crates() -> Vec<(String, PathBuf)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut out: Vec<(String, PathBuf)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("Cargo.toml").is_file())
        .map(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (name, p)
        })
        .collect();
    out.sort();
    out
}

#[test]
fn no_crate_has_a_circle_of_files_importing_each_other() {
    let mut report = String::new();
    let mut checked = 0;
    for (name, dir) in crates() {
        let graph = xtask::file_graph(&dir).unwrap_or_else(|e| panic!("{name}: {e}"));
        let cycles = xtask::cycles(&graph);
        match (NOT_YET.contains(&name.as_str()), cycles.is_empty()) {
            (false, false) => {
                for c in cycles {
                    report.push_str(&format!("{name}: {c}"));
                }
            }
            // Not a failure: whoever clears a crate's circles may not run this test.
            (true, true) => eprintln!(
                "note: {name} has no circle any more: remove it from NOT_YET in {}",
                file!()
            ),
            _ => {}
        }
        checked += 1;
    }
    assert!(checked >= 9, "found only {checked} crates under crates/");
    assert!(
        report.is_empty(),
        "files import each other in a circle; move what both need into a module below \
         both (see ARCHITECTURE.md, \"Layers\"):\n{report}"
    );
}

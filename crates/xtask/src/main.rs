//! `cargo run -p xtask -- cycles crates/NAME…`: prints the circles of files importing each
//! other in each crate named (see the library's documentation); exits 1 if there are any.

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(("cycles", dirs)) = args.split_first().map(|(c, d)| (c.as_str(), d)) else {
        eprintln!("usage: cargo run -p xtask -- cycles CRATE_DIR...");
        return ExitCode::from(2);
    };
    let mut found = false;
    for dir in dirs {
        match xtask::file_graph(Path::new(dir)) {
            Ok(graph) => {
                let cycles = xtask::cycles(&graph);
                if cycles.is_empty() {
                    println!("{dir}: no circle among {} files", graph.files.len());
                }
                for c in cycles {
                    found = true;
                    print!("{dir}: {c}");
                }
            }
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(2);
            }
        }
    }
    if found {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

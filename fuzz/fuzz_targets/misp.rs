//! Any bytes read as a MISP export by `accord import misp` are converted without panicking;
//! every indicator made carries a pattern that parses and an id from the attribute's UUID.
//!
//! The converter is `crates/accord-cli/src/misp.rs`, a module of the `accord` binary, which has
//! no library target: the target compiles that very file as a module, so what is fuzzed is the
//! code that ships. It is pure (the command in `commands/import.rs` does the I/O).
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;

#[allow(dead_code, clippy::all)]
#[path = "../../crates/accord-cli/src/misp.rs"]
mod misp;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    for include_non_ids in [false, true] {
        let Ok(import) = misp::convert(&input, include_non_ids) else {
            continue;
        };
        for indicator in &import.indicators {
            let pattern = indicator["pattern"]
                .as_str()
                .expect("an indicator has a pattern");
            assert!(
                accord_stix::pattern::Pattern::parse(pattern).is_ok(),
                "{pattern}"
            );
            let id = indicator["id"].as_str().expect("an indicator has an id");
            assert!(id.starts_with("indicator--"), "{id}");
        }
    }
});

//! Any text given to the pattern parser yields a pattern or diagnostics,
//! never a panic; a pattern prints to text that parses back to itself.
#![no_main]

use accord_stix::pattern::Pattern;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Pattern::parse(text) {
        Ok(pattern) => {
            let printed = pattern.to_string();
            let reparsed = Pattern::parse(&printed)
                .unwrap_or_else(|e| panic!("printed pattern {printed:?} does not parse: {e}"));
            assert_eq!(reparsed, pattern, "round trip changed {printed:?}");
            let _ = pattern.exact_values();
        }
        Err(errors) => {
            // Rendering diagnostics must not panic either (spans into the text).
            let _ = errors.to_string();
        }
    }
});

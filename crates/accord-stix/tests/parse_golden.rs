//! Golden tests for the pattern parser: every `testdata/parse/*.pattern`
//! file is parsed and its canonical form and tree (or its diagnostics) are
//! compared with the snapshot beside it. Files named `valid_*` must parse and
//! print back to an identical tree; files named `invalid_*` must not parse.

use std::fs;

use accord_stix::pattern::Pattern;

#[test]
fn parse_golden_files() {
    insta::glob!("testdata/parse/*.pattern", |path| {
        let source = fs::read_to_string(path).expect("readable test file");
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let output = match Pattern::parse(&source) {
            Ok(pattern) => {
                assert!(name.starts_with("valid_"), "{name} parsed but should not");
                let printed = pattern.to_string();
                let reparsed = Pattern::parse(&printed)
                    .unwrap_or_else(|e| panic!("{name}: canonical form does not parse: {e}"));
                assert_eq!(
                    reparsed, pattern,
                    "{name}: print/parse round trip changed the tree"
                );
                format!("{printed}\n\n{pattern:#?}")
            }
            Err(errors) => {
                assert!(name.starts_with("invalid_"), "{name} failed: {errors}");
                errors.to_string()
            }
        };
        insta::assert_snapshot!(output);
    });
}

//! The hub's published log checked by the Go team's reference packages
//! (`golang.org/x/mod/sumdb/note` and `.../tlog`): a running `accord serve` takes a few hundred
//! signed writes, then its checkpoints, tiles, bundles and JSON proofs are mirrored over HTTP
//! into a directory and handed to the Go checker in `crates/accord-tlog/tests/go`.
//!
//! Runs when `ACCORD_GO_INTEROP=1` (scripts/test.sh sets it and installs Debian's golang-go and
//! golang-golang-x-mod-dev); fails if Go is missing then.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{GoReference, Server, checkpoint_size, enrol, hammer_writes, http_get, ok};

#[test]
fn go_reference_verifies_the_hubs_log() {
    let Some(go) = GoReference::build() else {
        return;
    };
    let work = tempfile::tempdir().unwrap();

    // A hub with a few hundred signed writes: partial tiles at two levels.
    let data = work.path().join("hub");
    let (key, token) = enrol(work.path(), &data, "FR");
    let server = Server::start(&data);
    let base = server.base.clone();
    let hammer = |run: &str, writes: &str| {
        ok(hammer_writes()
            .args([
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
    hammer("a", "150");
    let older = http_get(&base, "/log/checkpoint");
    hammer("b", "400");
    let size = checkpoint_size(&http_get(&base, "/log/checkpoint"));
    assert!(size > 512 && !size.is_multiple_of(256), "size {size}");
    assert_eq!(go.check(&base, &older), size);
}

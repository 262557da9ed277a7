//! The command line's shape: the flags of a hub's data directory belong only to the commands
//! that open one.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{accord, fails, ok};

/// Commands that work on the client's side, or against a hub over HTTP: none opens a data
/// directory, so none takes its flags.
const CLIENT_SIDE: &[&[&str]] = &[
    &["keygen"],
    &["submit"],
    &["route"],
    &["match"],
    &["export", "suricata"],
    &["export", "zeek"],
    &["export", "blocklist"],
    &["import", "misp"],
    &["requests", "list"],
    &["requests", "show"],
    &["requests", "overdue"],
    &["log", "prove"],
    &["witness"],
];

#[test]
fn no_client_side_command_takes_the_data_directory_flags() {
    for path in CLIENT_SIDE {
        let help = ok(accord().args(*path).arg("--help"));
        for flag in ["--data <", "--database", "--origin"] {
            let route_kind = path[0] == "route" && help.contains("--data <KIND>");
            assert!(
                !help.contains(flag) || (flag == "--data <" && route_kind),
                "accord {} takes {flag}:\n{help}",
                path.join(" ")
            );
        }
    }
    // `route --data` is the kind of data asked for, not a directory.
    let route = ok(accord().args(["route", "--help"]));
    assert!(route.contains("--data <KIND>"), "{route}");
    let err = fails(accord().args(["keygen", "--party", "FR", "--out", "k", "--data", "d"]));
    assert!(err.contains("unexpected argument '--data'"), "{err}");
}

#[test]
fn commands_on_a_hub_take_the_data_directory_flags() {
    for path in [
        &["serve"][..],
        &["principles"],
        &["parties", "list"],
        &["incidents", "show"],
        &["tokens", "issue"],
        &["collections", "add"],
    ] {
        let help = ok(accord().args(path).arg("--help"));
        for flag in ["--data <DIR>", "--database <URL>", "--origin <ORIGIN>"] {
            assert!(
                help.contains(flag),
                "accord {} lacks {flag}",
                path.join(" ")
            );
        }
    }
}

#[test]
fn the_data_directory_before_the_command_gets_a_hint() {
    let err = fails(accord().args(["--data", "hub", "principles"]));
    assert!(
        err.contains("accord principles --data hub"),
        "no hint where --data goes: {err}"
    );
    let err = fails(accord().args(["--database", "sqlite:hub", "match"]));
    assert!(
        err.contains("accord match") && err.contains("no data directory"),
        "no hint that match needs no database: {err}"
    );
}

#[test]
fn requests_still_require_the_party_token() {
    for sub in ["list", "overdue"] {
        let err = fails(accord().args(["requests", sub]));
        assert!(err.contains("--token"), "accord requests {sub}: {err}");
    }
}

#[test]
fn a_hub_command_takes_its_store_flags_before_or_after_its_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    for (i, args) in [["parties", "list", "--data"], ["parties", "--data", "list"]]
        .iter()
        .enumerate()
    {
        let data = dir.path().join(format!("hub{i}"));
        let mut cmd = accord();
        if args[1] == "--data" {
            cmd.args(&args[..2]).arg(&data).arg(args[2]);
        } else {
            cmd.args(args).arg(&data);
        }
        cmd.env_remove("ACCORD_DATABASE_URL");
        let out = ok(&mut cmd);
        assert!(out.contains("FR"), "{args:?}: {out}");
        assert!(
            data.join("accord.db").exists(),
            "{args:?} did not use {}",
            data.display()
        );
    }
}

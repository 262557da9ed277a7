//! The command line's shape: every command's help reads on an 80-column terminal, and the
//! flags of a hub's data directory belong only to the commands that open one.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{accord, fails, ok};

/// The widest a help entry's first line may be, as rendered.
const COLUMNS: usize = 80;

/// The names under `Commands:` in a help text (without `help`).
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

/// Every command path (`[]`, `["serve"]`, `["parties", "add"]`, …) with its `--help`.
fn every_help() -> Vec<(Vec<String>, String)> {
    let mut out = Vec::new();
    let mut todo = vec![Vec::<String>::new()];
    while let Some(path) = todo.pop() {
        let help = ok(accord().args(&path).arg("--help"));
        for sub in subcommands(&help) {
            let mut p = path.clone();
            p.push(sub);
            todo.push(p);
        }
        out.push((path, help));
    }
    out
}

/// The first lines of a `--help` text's entries: the command's description, each line of
/// its command list, and the first line of each argument's help (which `--help` prints on
/// the line below the flag, indented by ten spaces).
fn first_lines(help: &str) -> Vec<&str> {
    let lines: Vec<&str> = help.lines().collect();
    let mut out = vec![lines[0]];
    let mut section = "";
    for (i, line) in lines.iter().enumerate() {
        let indent = line.len() - line.trim_start().len();
        if indent == 0 && line.ends_with(':') {
            section = line;
        } else if section == "Commands:" && indent == 2 {
            out.push(line);
        } else if matches!(section, "Arguments:" | "Options:") && (indent == 2 || indent == 6) {
            // `  <FILE>`, `  -h, --help` or `      --data <DIR>`: its help is on the next
            // line, or on this one after the flag.
            match lines
                .get(i + 1)
                .filter(|next| next.starts_with("          "))
            {
                Some(next) => out.push(next),
                None => out.push(line),
            }
        }
    }
    out
}

#[test]
fn every_help_entry_opens_with_a_line_that_fits_80_columns() {
    let helps = every_help();
    assert!(helps.len() > 30, "only {} commands found", helps.len());
    let mut long = Vec::new();
    for (path, help) in &helps {
        for line in first_lines(help) {
            let width = line.chars().count();
            if width > COLUMNS {
                long.push(format!(
                    "accord {} --help ({width}): {line}",
                    path.join(" ")
                ));
            }
        }
    }
    assert!(
        long.is_empty(),
        "help lines over {COLUMNS} columns:\n{}",
        long.join("\n")
    );
}

/// Commands that work on the client's side, or against a hub over HTTP: none opens a data
/// directory, so none takes its flags.
const CLIENT_SIDE: &[&[&str]] = &[
    &["keygen"],
    &["submit"],
    &["incidents", "amend"],
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

/// `--database-pool` belongs to every command that opens a store, and is refused where none
/// is opened: `accord migrate` took it and ignored it (it migrates over one connection), and
/// `accord copy` and an offline `accord log verify` opened their pools at 16 whatever it said.
#[test]
fn the_database_pool_is_taken_where_a_store_is_opened_and_refused_where_not() {
    for path in [
        &["serve"][..],
        &["copy"],
        &["log", "verify"],
        &["data", "upgrade"],
        &["parties", "list"],
    ] {
        let help = ok(accord().args(path).arg("--help"));
        assert!(
            help.contains("--database-pool <N>"),
            "accord {} lacks --database-pool",
            path.join(" ")
        );
    }
    let help = ok(accord().args(["migrate", "--help"]));
    assert!(!help.contains("--database-pool"), "{help}");
    let dir = tempfile::tempdir().unwrap();
    let err = fails(
        accord()
            .arg("migrate")
            .arg("--data")
            .arg(dir.path())
            .args(["--database-pool", "4"])
            .env_remove("ACCORD_DATABASE_URL"),
    );
    assert!(
        err.contains("accord migrate takes no --database-pool: it opens no pool of connections"),
        "{err}"
    );
    assert!(
        !dir.path().join("accord.db").exists(),
        "migrate ran although refused"
    );
}

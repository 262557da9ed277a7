//! `accord votes list|show` and `accord bloc`: the UN votes and the registry compiled into the
//! binary, no data directory. `--json` prints what the API serves; the text form names what a
//! reader needs; a bad group or id is refused saying what and where.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{accord, fails, ok};
use serde_json::Value;

#[test]
fn votes_list_and_show_read_the_bundled_votes() {
    let out = ok(accord().args(["votes", "list"]));
    assert!(out.contains("a-res-75-240-plenary-2020-12-31"), "{out}");
    assert!(out.contains("A/RES/73/27") && out.contains("119-46-14"));
    let json: Value = serde_json::from_str(&ok(accord().args([
        "votes",
        "list",
        "--coverage",
        "full",
        "--json",
    ])))
    .unwrap();
    assert_eq!(json.as_array().unwrap().len(), 6);
    let out = ok(accord().args(["votes", "show", "a-res-75-240-plenary-2020-12-31"]));
    assert!(out.contains("Tally (yes-no-abstain): 92-50-21"), "{out}");
    assert!(out.contains("supporters (79): 27-45-3, 4 absent"), "{out}");
    let json: Value = serde_json::from_str(&ok(accord().args([
        "votes",
        "show",
        "a-res-75-240-plenary-2020-12-31",
        "--json",
    ])))
    .unwrap();
    assert_eq!(json["states"].as_array().unwrap().len(), 193);
    let err = fails(accord().args(["votes", "show", "a-res-75"]));
    assert!(
        err.contains("did you mean") && err.contains("a-res-75-32-plenary-2020-12-07"),
        "{err}"
    );
}

#[test]
fn bloc_sets_two_groups_side_by_side() {
    let out = ok(accord().args(["bloc", "--coverage", "full"]));
    assert!(
        out.contains("supporters (75): 70-0-1, 4 absent; agreement index 0.979"),
        "{out}"
    );
    assert!(out.contains("Hix-Noury-Roland"));
    let json: Value = serde_json::from_str(&ok(accord().args([
        "bloc",
        "--group",
        "FR,DE",
        "--against",
        "absent-at-launch",
        "--json",
    ])))
    .unwrap();
    assert_eq!(
        json["groups"],
        serde_json::json!(["DE,FR", "absent-at-launch"])
    );
    let err = fails(accord().args(["bloc", "--against", "FR,PS"]));
    assert!(
        err.contains("--against") && err.contains("not a UN member state"),
        "{err}"
    );
}

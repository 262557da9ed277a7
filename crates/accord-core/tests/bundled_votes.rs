//! Loads the shipped `data/votes/` and `data/un-member-states.json` through the vote checks
//! (`accord_core::votes::VoteSet::from_texts`) and checks what the dataset promises.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use accord_core::country::CountryCode;
use accord_core::source::Verification;
use accord_core::votes::{
    Body, Coverage, MEMBER_STATE_COUNT, MEMBER_STATES_FILE, Position, Recorded, VoteSet,
    is_un_record,
};

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data")
}

fn load() -> VoteSet {
    let dir = data_dir();
    let members = std::fs::read_to_string(dir.join(MEMBER_STATES_FILE))
        .unwrap_or_else(|e| panic!("{MEMBER_STATES_FILE}: {e}"));
    let mut names: Vec<_> = std::fs::read_dir(dir.join("votes"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    names.sort();
    let files: Vec<(String, String)> = names
        .iter()
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(p).unwrap(),
            )
        })
        .collect();
    match VoteSet::from_texts(
        &members,
        files.iter().map(|(n, t)| (n.as_str(), t.as_str())),
    ) {
        Ok(v) => v,
        Err(e) => panic!("bundled votes are invalid:\n{e}"),
    }
}

fn code(c: &str) -> CountryCode {
    CountryCode::parse(c).unwrap()
}

#[test]
fn bundled_votes_are_valid() {
    let set = load();
    assert!(!set.votes.is_empty());
    assert_eq!(set.members.states.len(), MEMBER_STATE_COUNT);
    // Both organs and every coverage kind are represented.
    assert!(set.votes.iter().any(|v| v.body == Body::FirstCommittee));
    assert!(set.votes.iter().any(|v| v.body == Body::Plenary));
    assert!(set.votes.iter().any(|v| v.coverage == Coverage::Full));
    assert!(set.votes.iter().any(|v| v.coverage == Coverage::Partial));
    assert!(set.votes.iter().any(|v| v.coverage == Coverage::Minority));
    assert!(
        set.votes
            .iter()
            .any(|v| v.coverage == Coverage::WithoutVote)
    );
    // Sorted by date.
    assert!(set.votes.windows(2).all(|w| w[0].date <= w[1].date));
}

#[test]
fn the_member_list_maps_the_un_names_people_get_wrong() {
    let set = load();
    let name = |c: &str| {
        set.members
            .states
            .iter()
            .find(|s| s.code == code(c))
            .map(|s| s.un_name.clone())
            .unwrap_or_else(|| panic!("{c} missing"))
    };
    assert_eq!(name("KP"), "Democratic People's Republic of Korea");
    assert_eq!(name("KR"), "Republic of Korea");
    assert_eq!(name("LA"), "Lao People's Democratic Republic");
    assert_eq!(name("SY"), "Syrian Arab Republic");
    assert_eq!(name("CI"), "Côte d'Ivoire");
    assert_eq!(name("TR"), "Türkiye");
    let codes = set.members.codes();
    for observer in ["PS", "VA", "TW", "XK"] {
        if let Ok(c) = CountryCode::parse(observer) {
            assert!(!codes.contains(&c), "{observer} is not a member state");
        }
    }
}

#[test]
fn every_fact_has_a_source_and_verified_means_the_un_record() {
    let set = load();
    for v in &set.votes {
        let sources = std::iter::once(&v.source)
            .chain(&v.other_sources)
            .chain(v.positions.iter().filter_map(|p| p.source.as_ref()));
        for s in sources {
            let url = s
                .url
                .as_deref()
                .unwrap_or_else(|| panic!("{}: a source without a URL", v.id));
            assert_eq!(
                s.verification == Verification::Verified,
                is_un_record(url),
                "{}: {url} is {} ",
                v.id,
                s.verification
            );
        }
        if v.coverage != Coverage::Minority && v.coverage != Coverage::WithoutVote {
            assert!(
                v.note.is_some(),
                "{}: a partial vote says what is missing",
                v.id
            );
        }
    }
}

#[test]
fn minority_votes_match_their_tallies_and_derive_yes_or_absent() {
    let set = load();
    let members = set.members.codes();
    let v = set
        .votes
        .iter()
        .find(|v| v.id == "a-c1-74-l49-rev1-first-committee-2019-11-06")
        .expect("the 2019 US draft in the First Committee");
    assert_eq!(v.coverage, Coverage::Minority);
    let tally = v.tally.unwrap();
    let positions = v.positions(&members);
    let count = |p: Position| positions.values().filter(|x| **x == p).count();
    assert_eq!(count(Position::No), usize::from(tally.no.unwrap()));
    assert_eq!(
        count(Position::Abstain),
        usize::from(tally.abstain.unwrap())
    );
    assert_eq!(
        count(Position::YesOrAbsent),
        MEMBER_STATE_COUNT - 10 - 8,
        "everyone not named is yes_or_absent"
    );
    assert_eq!(positions[&code("RU")], Position::No);
    assert_eq!(positions[&code("KP")], Position::No);
    assert_eq!(positions[&code("LA")], Position::Abstain);
    assert_eq!(positions[&code("FR")], Position::YesOrAbsent);
    assert_eq!(positions.len(), MEMBER_STATE_COUNT);
}

/// The six plenary votes of 2018–2020 read from copies of the UN Digital Library's records.
const FULL_VOTES: &[&str] = &[
    "a-res-73-27-plenary-2018-12-05",
    "a-res-73-266-plenary-2018-12-22",
    "a-res-74-28-plenary-2019-12-12",
    "a-res-74-29-plenary-2019-12-12",
    "a-res-75-32-plenary-2020-12-07",
    "a-res-75-240-plenary-2020-12-31",
];

#[test]
fn a_full_vote_gives_every_member_state_its_recorded_position() {
    // The checks refuse a full vote whose lists differ from its tally; this re-counts from
    // the derived positions so a change to `positions()` cannot hide a mismatch.
    let set = load();
    let members = set.members.codes();
    let full: Vec<_> = set
        .votes
        .iter()
        .filter(|v| v.coverage == Coverage::Full)
        .collect();
    let ids: Vec<&str> = full.iter().map(|v| v.id.as_str()).collect();
    assert_eq!(ids, FULL_VOTES, "the full votes, in date order");
    for v in full {
        let tally = v.tally.unwrap();
        let positions = v.positions(&members);
        assert_eq!(positions.len(), MEMBER_STATE_COUNT, "{}", v.id);
        for (p, t) in [
            (Position::Yes, tally.yes),
            (Position::No, tally.no),
            (Position::Abstain, tally.abstain),
        ] {
            let n = positions.values().filter(|x| **x == p).count();
            assert_eq!(Some(n), t.map(usize::from), "{}: {p:?}", v.id);
        }
        let voting = [tally.yes, tally.no, tally.abstain]
            .iter()
            .map(|t| usize::from(t.unwrap()))
            .sum::<usize>();
        let absent = positions
            .values()
            .filter(|x| **x == Position::Absent)
            .count();
        assert_eq!(voting + absent, MEMBER_STATE_COUNT, "{}", v.id);
        assert!(
            positions
                .values()
                .all(|p| !matches!(p, Position::YesOrAbsent | Position::NotRecorded)),
            "{}",
            v.id
        );
    }
    // Spot checks against the copies of the UN record (see data/README.md).
    let p = |id: &str, c: &str| {
        let v = set.votes.iter().find(|v| v.id == id).unwrap();
        v.positions(&members)[&code(c)]
    };
    assert_eq!(p("a-res-73-27-plenary-2018-12-05", "RU"), Position::Yes);
    assert_eq!(p("a-res-73-27-plenary-2018-12-05", "US"), Position::No);
    assert_eq!(p("a-res-73-27-plenary-2018-12-05", "GE"), Position::No);
    assert_eq!(p("a-res-73-266-plenary-2018-12-22", "US"), Position::Yes);
    assert_eq!(p("a-res-73-266-plenary-2018-12-22", "RU"), Position::No);
    assert_eq!(p("a-res-74-29-plenary-2019-12-12", "FR"), Position::Abstain);
    assert_eq!(p("a-res-75-240-plenary-2020-12-31", "CN"), Position::Yes);
    assert_eq!(p("a-res-75-240-plenary-2020-12-31", "GB"), Position::No);
}

#[test]
fn full_votes_print_every_state_under_its_un_name() {
    // `as_printed` keeps the copy's names; each must be the member list's name for the code
    // beside it, up to case, accents and the five renamings data/README.md lists.
    let set = load();
    let renamed = [
        ("UNITED KINGDOM", "GB"),
        ("UNITED STATES", "US"),
        ("NETHERLANDS", "NL"),
        ("TURKEY", "TR"),
        ("THE FORMER YUGOSLAV REPUBLIC OF MACEDONIA", "MK"),
    ];
    let fold = |s: &str| s.to_uppercase().replace('Ü', "U").replace('Ô', "O");
    for v in set.votes.iter().filter(|v| v.coverage == Coverage::Full) {
        for list in &v.positions {
            assert_eq!(list.as_printed.len(), list.states.len(), "{}", v.id);
            for (name, c) in list.as_printed.iter().zip(&list.states) {
                let un_name = &set
                    .members
                    .states
                    .iter()
                    .find(|s| s.code == *c)
                    .unwrap()
                    .un_name;
                let ok = fold(un_name) == *name
                    || renamed.iter().any(|(n, rc)| n == name && code(rc) == *c);
                assert!(ok, "{}: {name:?} printed for {c} ({un_name})", v.id);
            }
        }
    }
}

#[test]
fn adoptions_without_a_vote_carry_no_positions() {
    let set = load();
    let members = set.members.codes();
    for v in set.votes.iter().filter(|v| v.adopted_without_vote) {
        assert!(v.tally.is_none() && v.positions.is_empty(), "{}", v.id);
        assert!(
            v.positions(&members)
                .values()
                .all(|p| *p == Position::NotRecorded),
            "{}",
            v.id
        );
    }
    // Named states in partial votes never exceed the tally.
    for v in set.votes.iter().filter(|v| v.coverage == Coverage::Partial) {
        for list in &v.positions {
            if let Some(t) = v.tally.and_then(|t| t.count(list.position)) {
                assert!(list.states.len() <= usize::from(t), "{}", v.id);
            }
            assert_ne!(list.position, Recorded::Absent, "{}", v.id);
        }
    }
}

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
    // Both organs and every coverage kind but `full` are represented (no full recorded vote
    // was reachable this session; the unit tests cover that case).
    assert!(set.votes.iter().any(|v| v.body == Body::FirstCommittee));
    assert!(set.votes.iter().any(|v| v.body == Body::Plenary));
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

#[test]
fn full_votes_match_their_tallies_when_there_are_any() {
    // The checks refuse a full vote whose lists differ from its tally; this re-counts from
    // the derived positions so a change to `positions()` cannot hide a mismatch.
    let set = load();
    let members = set.members.codes();
    for v in set.votes.iter().filter(|v| v.coverage == Coverage::Full) {
        let tally = v.tally.unwrap();
        let positions = v.positions(&members);
        for (p, t) in [
            (Position::Yes, tally.yes),
            (Position::No, tally.no),
            (Position::Abstain, tally.abstain),
        ] {
            let n = positions.values().filter(|x| **x == p).count();
            assert_eq!(Some(n), t.map(usize::from), "{}: {p:?}", v.id);
        }
        assert!(
            positions
                .values()
                .all(|p| !matches!(p, Position::YesOrAbsent | Position::NotRecorded)),
            "{}",
            v.id
        );
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

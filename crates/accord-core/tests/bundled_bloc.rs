//! The voting-bloc engine (`accord_core::voting_bloc`) over the shipped `data/`: groups resolved
//! on each vote's date from the registry's first-seen bounds, and cohesion on the full votes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use accord_core::accord::Accord;
use accord_core::country::CountryCode;
use accord_core::dataset::PartiesFile;
use accord_core::votes::{Coverage, MEMBER_STATE_COUNT, MEMBER_STATES_FILE, VoteSet};
use accord_core::voting_bloc::{Group, Standing, VotingBloc};

fn read(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../data")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn load() -> (VoteSet, PartiesFile, Accord) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/votes");
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    let votes = VoteSet::from_texts(
        &read(MEMBER_STATES_FILE),
        files.iter().map(|(n, t)| (n.as_str(), t.as_str())),
    )
    .unwrap();
    let parties: PartiesFile = serde_json::from_str(&read("parties.json")).unwrap();
    let accord: Accord = serde_json::from_str(&read("accord.json")).unwrap();
    (votes, parties, accord)
}

fn code(c: &str) -> CountryCode {
    CountryCode::parse(c).unwrap()
}

#[test]
fn every_member_state_has_one_standing_on_each_vote_day() {
    let (votes, parties, accord) = load();
    let bloc = VotingBloc::new(
        &votes.votes,
        votes.members.codes(),
        &parties.parties,
        accord.launched,
    );
    for v in bloc.votes() {
        let s = bloc.members(&Group::Supporters, &v.date);
        let u = bloc.members(&Group::Uncertain, &v.date);
        let n = bloc.members(&Group::NonSupporters, &v.date);
        assert_eq!(s.len() + u.len() + n.len(), MEMBER_STATE_COUNT, "{}", v.id);
        assert!(s.is_disjoint(&u) && s.is_disjoint(&n) && u.is_disjoint(&n));
    }
}

#[test]
fn supporters_on_a_vote_day_are_those_listed_by_then_and_the_rest_is_kept_apart() {
    let (votes, parties, accord) = load();
    let bloc = VotingBloc::new(
        &votes.votes,
        votes.members.codes(),
        &parties.parties,
        accord.launched,
    );
    let date = |id: &str| bloc.votes().iter().find(|v| v.id == id).unwrap().date;
    // December 2018: the site data begins in September 2019, so no supporter is certain yet.
    let d = date("a-res-73-27-plenary-2018-12-05");
    assert!(bloc.members(&Group::Supporters, &d).is_empty());
    assert_eq!(bloc.standing(code("FR"), &d), Standing::Uncertain);
    // The United States announced its joining on 2021-11-10: certainly not before.
    assert_eq!(bloc.standing(code("US"), &d), Standing::NonSupporter);
    assert_eq!(bloc.standing(code("RU"), &d), Standing::NonSupporter);
    // December 2019: the states first seen by then are supporters.
    let d = date("a-res-74-28-plenary-2019-12-12");
    assert_eq!(bloc.standing(code("FR"), &d), Standing::Supporter);
    assert_eq!(bloc.standing(code("US"), &d), Standing::NonSupporter);
    let absent = bloc.members(&Group::AbsentAtLaunch, &d);
    for c in ["US", "RU", "CN", "IR", "KP", "IL"] {
        assert!(absent.contains(&code(c)), "{c}");
    }
}

#[test]
fn cohesion_on_a_full_vote_is_exact() {
    let (votes, parties, accord) = load();
    let bloc = VotingBloc::new(
        &votes.votes,
        votes.members.codes(),
        &parties.parties,
        accord.launched,
    );
    let groups = [
        Group::Supporters,
        Group::Uncertain,
        Group::NonSupporters,
        Group::AbsentAtLaunch,
    ];
    let series = bloc.cohesion_over_time(&groups);
    assert_eq!(series.len(), votes.votes.len());
    for (v, c) in bloc.votes().iter().zip(&series) {
        assert_eq!(v.id, c.vote);
        for g in &c.groups {
            if v.coverage == Coverage::Full {
                assert!(g.split.is_complete(), "{} {}", v.id, g.group);
                assert!(g.agreement_index.is_none_or(|b| b.is_exact()));
            }
            if v.adopted_without_vote {
                assert_eq!(g.agreement_index, None, "{}: no vote, no cohesion", v.id);
                assert_eq!(g.rice, None, "{}", v.id);
            }
            if let Some(b) = g.agreement_index {
                assert!(0.0 <= b.low && b.low <= b.high && b.high <= 1.0);
            }
        }
    }
}

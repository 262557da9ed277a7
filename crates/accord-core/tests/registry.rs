//! The shipped registry against its source: every supporter on the official list
//! (`data/sources/paris-call-supporters-all.tsv`) is one party in `data/parties.json`, with the
//! kind, nationality and first-seen date the list gives, and no party of an earlier release
//! was lost or renamed. (`bundled_data.rs` runs the hub's own checks over the same file.)

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use accord_core::dataset::PartiesFile;
use accord_core::listing::{ListedSupporter, parse_tsv};
use accord_core::party::{Party, PartyKind, SinceMeaning, SupportStatus};
use accord_core::source::Verification;
use jiff::civil::Date;

/// Every party id of the release before the whole list (89 parties): state ids are their ISO
/// codes and slugs are linked from incidents, so none may change or go.
const EARLIER_IDS: [&str; 89] = [
    "AL",
    "AD",
    "AR",
    "AM",
    "AU",
    "AT",
    "BE",
    "BJ",
    "BA",
    "BG",
    "BF",
    "KH",
    "CA",
    "CF",
    "CL",
    "CO",
    "CG",
    "HR",
    "CY",
    "CZ",
    "DK",
    "DO",
    "EC",
    "SV",
    "EE",
    "FI",
    "FR",
    "GA",
    "DE",
    "GR",
    "GT",
    "GN",
    "HU",
    "IS",
    "IE",
    "IT",
    "JP",
    "KR",
    "KW",
    "LV",
    "LB",
    "LI",
    "LT",
    "LU",
    "MT",
    "MR",
    "MU",
    "MX",
    "MD",
    "MC",
    "MN",
    "ME",
    "MA",
    "NL",
    "NZ",
    "MK",
    "NO",
    "PA",
    "PG",
    "PY",
    "PE",
    "PH",
    "PL",
    "PT",
    "QA",
    "RO",
    "SM",
    "SN",
    "RS",
    "SG",
    "SK",
    "SI",
    "ES",
    "SR",
    "SE",
    "CH",
    "TN",
    "AE",
    "GB",
    "US",
    "UZ",
    "RU",
    "CN",
    "IR",
    "KP",
    "IL",
    "european-union",
    "sony-pictures-entertainment",
    "google",
];

fn data() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data")
}

fn parties() -> Vec<Party> {
    let text = std::fs::read_to_string(data().join("parties.json")).unwrap();
    serde_json::from_str::<PartiesFile>(&text).unwrap().parties
}

fn listed() -> Vec<ListedSupporter> {
    let text =
        std::fs::read_to_string(data().join("sources/paris-call-supporters-all.tsv")).unwrap();
    parse_tsv(&text).unwrap_or_else(|p| panic!("{p:?}"))
}

fn today() -> Date {
    "2026-12-07".parse().unwrap()
}

/// The party a row of the list is: a state by its code, anything else by its listed name.
fn party_of<'a>(parties: &'a [Party], row: &ListedSupporter) -> Vec<&'a Party> {
    parties
        .iter()
        .filter(|p| match row.kind() {
            PartyKind::State => row.country().is_some_and(|c| p.id == c.as_str()),
            _ => {
                p.kind != PartyKind::State && p.listing.as_ref().is_some_and(|l| l.name == row.name)
            }
        })
        .collect()
}

#[test]
fn every_listed_supporter_is_exactly_one_party_as_the_list_gives_it() {
    let parties = parties();
    let rows = listed();
    assert_eq!(rows.len(), 1222, "the official list has 1,222 supporters");
    for row in &rows {
        let found = party_of(&parties, row);
        assert_eq!(found.len(), 1, "{:?} is {} parties", row.name, found.len());
        let p = found[0];
        assert_eq!(p.kind, row.kind(), "{}", p.id);
        assert_eq!(p.country, row.country(), "{}: nationality", p.id);
        let listing = p
            .listing
            .as_ref()
            .expect("a listed party keeps its listing");
        assert_eq!(listing.name, row.name);
        assert_eq!(listing.category, row.category, "{}", p.id);
        assert_eq!(listing.nationality, row.nationality, "{}", p.id);
        let s = p
            .support
            .as_ref()
            .unwrap_or_else(|| panic!("{} has no support", p.id));
        assert_eq!(s.unlisted_by, None);
        assert_eq!(p.status_on(today()), SupportStatus::Supporter, "{}", p.id);
        if s.since_meaning == SinceMeaning::FirstSeenUpperBound {
            assert_eq!(s.since.to_string(), row.first_seen.to_string(), "{}", p.id);
            assert_eq!(s.source.verification, Verification::Verified, "{}", p.id);
            let url = s.source.url.as_deref().unwrap();
            assert!(
                url.starts_with("https://github.com/ambanum/pariscall.international/"),
                "{}: {url}",
                p.id
            );
        } else {
            // Only the United States and the European Union carry announced dates, on or
            // before the day they were listed.
            assert!(
                ["US", "european-union"].contains(&p.id.as_str()),
                "{}",
                p.id
            );
            assert!(s.since.latest() <= row.first_seen);
        }
    }
}

#[test]
fn the_registry_counts_match_the_official_list() {
    let parties = parties();
    let listed: Vec<&Party> = parties
        .iter()
        .filter(|p| {
            p.listing.is_some() && p.support.as_ref().is_some_and(|s| s.unlisted_by.is_none())
        })
        .collect();
    let count = |k: PartyKind| listed.iter().filter(|p| p.kind == k).count();
    assert_eq!(listed.len(), 1222);
    assert_eq!(count(PartyKind::State), 81);
    assert_eq!(count(PartyKind::Company), 708);
    // The list's 391 civil-society bodies and 37 public authorities, less the four Accord
    // files as international organisations (WEF, Finabel; INTERPOL, the European Union).
    assert_eq!(count(PartyKind::CivilSociety), 389);
    assert_eq!(count(PartyKind::PublicAuthority), 35);
    assert_eq!(count(PartyKind::InternationalOrganisation), 4);
    assert_eq!(
        count(PartyKind::Organisation),
        5,
        "uncategorised on the list"
    );
}

#[test]
fn no_party_is_duplicated_and_every_earlier_id_survives() {
    let parties = parties();
    let mut ids = HashSet::new();
    let mut names: HashMap<&str, &str> = HashMap::new();
    let mut states = HashSet::new();
    for p in &parties {
        assert!(ids.insert(p.id.as_str()), "duplicate id {}", p.id);
        if let Some(l) = &p.listing {
            assert!(
                names.insert(l.name.as_str(), &p.id).is_none(),
                "{:?} listed twice",
                l.name
            );
        }
        if p.kind == PartyKind::State {
            assert!(
                states.insert(p.country),
                "two parties for the state {}",
                p.id
            );
        }
    }
    for id in EARLIER_IDS {
        assert!(ids.contains(id), "the earlier party {id} is gone");
    }
    // The earlier records come first, in their order, so a diff shows what changed.
    let first: Vec<&str> = parties.iter().take(89).map(|p| p.id.as_str()).collect();
    assert_eq!(first, EARLIER_IDS);
}

/// The bug: Google, listed since 2019, showed as a non-supporter.
#[test]
fn google_shows_as_a_supporter() {
    let parties = parties();
    let google = parties.iter().find(|p| p.id == "google").unwrap();
    assert_eq!(google.status_on(today()), SupportStatus::Supporter);
    let s = google.support.as_ref().unwrap();
    assert_eq!(s.since.to_string(), "2019-09-16");
    assert_eq!(s.since_meaning, SinceMeaning::FirstSeenUpperBound);
    assert!(
        s.since_text()
            .starts_with("listed as a supporter by 2019-09-16")
    );
}

#[test]
fn formerly_listed_names_are_neither_supporters_nor_withdrawn() {
    let parties = parties();
    let vanished =
        std::fs::read_to_string(data().join("sources/paris-call-supporters-vanished.tsv")).unwrap();
    let vanished: HashMap<&str, &str> = vanished
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once('\t'))
        .collect();
    let current: HashSet<String> = listed()
        .into_iter()
        .map(|r| r.name.to_lowercase())
        .collect();
    let former: Vec<&Party> = parties
        .iter()
        .filter(|p| p.status_on(today()) == SupportStatus::FormerlyListed)
        .collect();
    assert_eq!(former.len(), 7);
    for p in former {
        let s = p.support.as_ref().unwrap();
        assert!(
            s.withdrawn.is_none(),
            "{}: leaving the list is no withdrawal",
            p.id
        );
        let first_seen = vanished
            .get(p.name.as_str())
            .expect("a name of the vanished list");
        assert_eq!(s.since.to_string(), *first_seen);
        assert!(!current.contains(&p.name), "{} is still listed", p.name);
        assert!(s.since_text().contains("no longer listed"));
    }
}

#[test]
fn absent_states_stay_non_supporters() {
    let parties = parties();
    for id in ["RU", "CN", "IR", "KP", "IL"] {
        let p = parties.iter().find(|p| p.id == id).unwrap();
        assert_eq!(p.status_on(today()), SupportStatus::NonSupporter, "{id}");
        assert!(p.listing.is_none(), "{id} is not on the list");
    }
}

//! Properties of the engine over random questions against the shipped dataset.

// Test-only helpers outside #[test] functions may panic on broken fixtures.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;
use std::sync::OnceLock;

use accord_core::country::CountryCode;
use accord_core::source::Verification;
use accord_law::dataset::PartyStatus;
use accord_law::{DataCategory, Dataset, Query, route};
use common::{ratification, real_dataset};
use jiff::civil::Date;
use proptest::prelude::*;

fn dataset() -> &'static Dataset {
    static DATASET: OnceLock<Dataset> = OnceLock::new();
    DATASET.get_or_init(real_dataset)
}

fn states() -> &'static [CountryCode] {
    static STATES: OnceLock<Vec<CountryCode>> = OnceLock::new();
    STATES.get_or_init(|| {
        let mut s = dataset().states();
        // A few states no instrument lists, so "outside every treaty" is exercised too.
        s.extend(["RU", "CN", "IN", "ZA", "KE"].map(|c| CountryCode::parse(c).unwrap()));
        s.sort();
        s.dedup();
        s
    })
}

fn state() -> impl Strategy<Value = CountryCode> {
    (0..states().len()).prop_map(|i| states()[i])
}

fn date() -> impl Strategy<Value = Date> {
    // 1995-01-01 .. 2035-12-31, around every date in the dataset.
    (0i64..(41 * 366)).prop_map(|d| {
        jiff::civil::date(1995, 1, 1)
            .checked_add(jiff::Span::new().days(d))
            .unwrap()
    })
}

fn category() -> impl Strategy<Value = DataCategory> {
    prop::sample::select(DataCategory::ALL.to_vec())
}

fn query() -> impl Strategy<Value = Query> {
    (state(), state(), category(), any::<bool>(), date()).prop_map(
        |(from, to, data, emergency, on)| Query {
            from,
            to,
            data,
            emergency,
            on,
        },
    )
}

fn pathway_ids(dataset: &Dataset, q: &Query) -> BTreeSet<(String, String)> {
    route(dataset, q)
        .pathways
        .iter()
        .map(|p| (p.instrument.to_owned(), p.mechanism.to_owned()))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Adding ratifications by states that had not ratified never removes a pathway. Up to
    /// three at once, so CETS 224 (3 of 5) can come into force.
    #[test]
    fn adding_a_ratification_never_removes_a_pathway(
        q in query(),
        instrument in prop::sample::select(vec!["budapest", "budapest-2ap", "un-cybercrime"]),
        newcomers in prop::collection::vec((state(), date()), 1..=3),
    ) {
        let base = dataset();
        let inst = base.instrument(instrument).unwrap();
        let mut grown = base.clone();
        let mut previous = pathway_ids(base, &q);
        for (state, ratified) in newcomers {
            let already = inst.party(state).is_some_and(|p| p.status == PartyStatus::Party)
                || grown.instrument(instrument).unwrap().party(state).is_some_and(|p| p.ratified.is_some());
            if already {
                continue;
            }
            grown.add_party(instrument, ratification(state.as_str(), &ratified.to_string())).unwrap();
            let after = pathway_ids(&grown, &q);
            prop_assert!(previous.is_subset(&after), "lost {:?}", previous.difference(&after).collect::<Vec<_>>());
            previous = after;
        }
    }

    /// Before an instrument (or a party's own date) no pathway cites it.
    #[test]
    fn no_pathway_before_entry_into_force(q in query()) {
        let ds = dataset();
        for p in route(ds, &q).pathways {
            let inst = ds.instrument(p.instrument).unwrap();
            if let Some(general) = inst.general_entry_into_force() {
                prop_assert!(q.on >= general, "{} used on {} before {general}", p.instrument, q.on);
            }
            for side in [q.from, q.to] {
                if let Some(party) = inst.party(side) {
                    let from = inst.party_entry_into_force(party);
                    prop_assert!(from.is_some_and(|d| d <= q.on),
                        "{} used for {side} on {} (bound from {from:?})", p.instrument, q.on);
                }
            }
        }
    }

    /// Each instrument is either a pathway or explained, and plain MLA closes every
    /// cross-border answer.
    #[test]
    fn every_instrument_applies_or_is_explained(q in query()) {
        let ds = dataset();
        let answer = route(ds, &q);
        for inst in ds.instruments() {
            let used = answer.pathways.iter().any(|p| p.instrument == inst.id);
            let explained = answer.not_applicable.iter().any(|n| n.instrument == inst.id && !n.reason.is_empty());
            prop_assert!(used || explained, "{} neither applies nor is explained", inst.id);
        }
        if q.from == q.to {
            prop_assert!(answer.pathways.is_empty() && answer.domestic.is_some());
        } else {
            prop_assert_eq!(answer.pathways.last().map(|p| p.instrument), Some("mla"));
        }
    }

    /// A pathway's verification is its weakest fact, and unverified facts are named.
    #[test]
    fn verification_is_the_weakest_fact(q in query()) {
        for p in route(dataset(), &q).pathways {
            let weakest = p.facts.iter().map(|f| f.source.verification).max().unwrap();
            prop_assert_eq!(p.verification, weakest);
            prop_assert_eq!(p.verification == Verification::Unverified, !p.unverified.is_empty());
        }
    }
}

#[test]
fn before_2004_only_plain_mla_exists() {
    // ETS 185 entered into force on 2004-07-01, the oldest date in the dataset.
    let ds = dataset();
    for (i, &from) in states().iter().enumerate().step_by(7) {
        let to = states()[(i * 13 + 5) % states().len()];
        if from == to {
            continue;
        }
        let q = Query {
            from,
            to,
            data: DataCategory::Content,
            emergency: true,
            on: jiff::civil::date(2004, 6, 30),
        };
        let ids: Vec<&str> = route(ds, &q)
            .pathways
            .iter()
            .map(|p| p.instrument)
            .collect();
        assert_eq!(ids, ["mla"], "{from}->{to}");
    }
}

//! Shared helpers for the integration tests: the real dataset and answer expectations.
#![allow(dead_code)]
// Test helpers may panic: a broken fixture should stop the test at once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use accord_law::Dataset;
use accord_law::dataset::{Party, PartyStatus};
use accord_law::route::Answer;

/// `data/law` in this checkout.
pub fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/law")
}

/// The shipped dataset.
pub fn real_dataset() -> Dataset {
    accord_law::load::load_dir(&data_dir()).unwrap_or_else(|e| panic!("data/law: {e}"))
}

/// A hypothetical ratification, marked unverified.
pub fn ratification(state: &str, date: &str) -> Party {
    serde_json::from_value(serde_json::json!({
        "state": state,
        "ratified": date,
        "source": {"as_of": "2026-11-29", "verification": "unverified", "note": "hypothetical (test)"}
    }))
    .unwrap()
}

/// `base` plus hypothetical ratifications `(instrument, state, date)`.
pub fn dataset_with(base: &Dataset, extra: &[(&str, &str, &str)]) -> Dataset {
    let mut dataset = base.clone();
    for (instrument, state, date) in extra {
        let party = ratification(state, date);
        assert_eq!(party.status, PartyStatus::Party);
        dataset.add_party(instrument, party).unwrap();
    }
    dataset
}

/// One expectation about an answer.
#[derive(Debug)]
pub enum Expect {
    /// A pathway of the instrument whose article starts with the text ("" = any).
    Has(&'static str, &'static str),
    /// No pathway of the instrument.
    Lacks(&'static str),
    /// No pathway of the instrument with that article.
    LacksArticle(&'static str, &'static str),
    /// A not-applicable entry of the instrument whose reason contains the text.
    Reason(&'static str, &'static str),
    /// A not-applicable entry of the instrument and article whose reason contains the text.
    ArticleReason(&'static str, &'static str, &'static str),
    /// The first pathway is of the instrument, and its deadline contains the text.
    Fastest(&'static str, &'static str),
    /// A pathway of the instrument has a condition containing the text.
    Condition(&'static str, &'static str),
    /// A pathway of the instrument lists an unverified fact containing the text.
    Unverified(&'static str, &'static str),
    /// A pathway of the instrument and article has a deadline phrase containing the text.
    Deadline(&'static str, &'static str, &'static str),
    /// The pathways are of exactly these instruments.
    Only(&'static [&'static str]),
    /// A domestic answer whose measures or summary mention the text.
    Domestic(&'static str),
}

impl Expect {
    /// Checks the expectation, saying what was found instead.
    pub fn check(&self, a: &Answer<'_>) -> Result<(), String> {
        fn of<'a, 'd>(
            a: &'a Answer<'d>,
            inst: &'a str,
        ) -> impl Iterator<Item = &'a accord_law::Pathway<'d>> {
            a.pathways.iter().filter(move |p| p.instrument == inst)
        }
        let ok = match self {
            Expect::Has(i, art) => of(a, i).any(|p| p.article.starts_with(art)),
            Expect::Lacks(i) => of(a, i).next().is_none(),
            Expect::LacksArticle(i, art) => !of(a, i).any(|p| p.article == *art),
            Expect::Reason(i, text) => a
                .not_applicable
                .iter()
                .any(|n| n.instrument == *i && n.reason.contains(text)),
            Expect::ArticleReason(i, art, text) => a
                .not_applicable
                .iter()
                .any(|n| n.instrument == *i && n.article == Some(*art) && n.reason.contains(text)),
            Expect::Fastest(i, text) => a
                .pathways
                .first()
                .is_some_and(|p| p.instrument == *i && p.deadline.contains(text)),
            Expect::Condition(i, text) => {
                of(a, i).any(|p| p.conditions.iter().any(|c| c.contains(text)))
            }
            Expect::Unverified(i, text) => {
                of(a, i).any(|p| p.unverified.iter().any(|u| u.contains(text)))
            }
            Expect::Deadline(i, art, text) => {
                of(a, i).any(|p| p.article.starts_with(art) && p.deadline.contains(text))
            }
            Expect::Only(ids) => {
                let got: Vec<&str> = a.pathways.iter().map(|p| p.instrument).collect();
                got.iter().all(|g| ids.contains(g)) && ids.iter().all(|i| got.contains(i))
            }
            Expect::Domestic(text) => a.domestic.as_ref().is_some_and(|d| {
                d.summary.contains(text) || d.measures.iter().any(|m| m.text.contains(text))
            }),
        };
        if ok {
            Ok(())
        } else {
            Err("not met".to_owned())
        }
    }
}

//! Reading the registry: the filters, the order and the stable pages every list of parties
//! uses (the API, the CLI, the dashboard), and the supporter counts the dashboard charts.

use std::collections::BTreeMap;

use jiff::civil::Date;

use crate::country::CountryCode;
use crate::party::{Party, PartyKind, SupportStatus};

/// Which parties a list shows; an empty query shows them all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PartyQuery {
    /// Only parties of this kind.
    pub kind: Option<PartyKind>,
    /// Only parties of this country (a state's own code, another party's nationality).
    pub country: Option<CountryCode>,
    /// Only parties with this status on the list's date.
    pub status: Option<SupportStatus>,
    /// Only parties whose name, id or listed name contains this text, ignoring case.
    pub text: Option<String>,
}

impl PartyQuery {
    /// True when `party` passes every filter, its status taken on `on`.
    pub fn matches(&self, party: &Party, on: Date) -> bool {
        self.kind.is_none_or(|k| party.kind == k)
            && self.country.is_none_or(|c| party.country == Some(c))
            && self.status.is_none_or(|s| party.status_on(on) == s)
            && self.text.as_deref().is_none_or(|t| {
                let t = t.trim().to_lowercase();
                let has = |s: &str| s.to_lowercase().contains(&t);
                has(&party.name)
                    || has(&party.id)
                    || party.listing.as_ref().is_some_and(|l| has(&l.name))
            })
    }
}

/// The order lists show parties in: by kind, then by name ignoring case, then by id (unique,
/// so the order is total and a page boundary never moves).
fn sort_key(p: &Party) -> (PartyKind, String, &str) {
    (p.kind, p.name.to_lowercase(), p.id.as_str())
}

/// One page of a filtered list of parties.
#[derive(Debug, Clone, PartialEq)]
pub struct PartyPage<'a> {
    /// The parties on this page, in list order.
    pub items: Vec<&'a Party>,
    /// How many parties pass the filters, on every page.
    pub total: usize,
    /// The id of the last party on this page when more follow: the next page starts after it.
    pub next_after: Option<&'a str>,
}

/// The cursor of a page request names no party of the registry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the cursor names no party of the registry")]
pub struct UnknownCursor;

/// The page of at most `limit` parties matching `query` (statuses taken on `on`) that follows
/// the party `after` in list order (the first page for `None`). Parties are never deleted, and
/// a page starts strictly after its cursor's position, so following the cursors visits every
/// matching party exactly once even when parties are added in between.
pub fn page<'a>(
    parties: &'a [Party],
    query: &PartyQuery,
    on: Date,
    after: Option<&str>,
    limit: usize,
) -> Result<PartyPage<'a>, UnknownCursor> {
    let start = match after {
        None => None,
        Some(id) => Some(sort_key(
            parties.iter().find(|p| p.id == id).ok_or(UnknownCursor)?,
        )),
    };
    let mut matching: Vec<(_, &Party)> = parties
        .iter()
        .filter(|p| query.matches(p, on))
        .map(|p| (sort_key(p), p))
        .collect();
    matching.sort_by(|a, b| a.0.cmp(&b.0));
    let total = matching.len();
    let from = match &start {
        None => 0,
        Some(k) => matching.partition_point(|(key, _)| key <= k),
    };
    let items: Vec<&Party> = matching[from..]
        .iter()
        .take(limit.max(1))
        .map(|(_, p)| *p)
        .collect();
    let more = from + items.len() < total;
    let next_after = if more {
        items.last().map(|p| p.id.as_str())
    } else {
        None
    };
    Ok(PartyPage {
        items,
        total,
        next_after,
    })
}

/// How many parties supported the accord on a date, by kind and by the year they were first
/// listed (or joined, for announced dates).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SupporterCounts {
    /// Supporters per kind, every kind present (zero included), in [`PartyKind::ALL`]'s order.
    pub by_kind: Vec<(PartyKind, usize)>,
    /// Supporters per year of their `since` date, oldest first. A first-seen date is an upper
    /// bound: a supporter counted under a year was listed by then and may have joined earlier.
    pub by_year: Vec<(i16, usize)>,
    /// Parties once listed and listed no more on the date.
    pub formerly_listed: usize,
}

/// Counts the supporters among `parties` on `on`.
pub fn supporter_counts(parties: &[Party], on: Date) -> SupporterCounts {
    let mut kinds: BTreeMap<PartyKind, usize> = PartyKind::ALL.iter().map(|k| (*k, 0)).collect();
    let mut years: BTreeMap<i16, usize> = BTreeMap::new();
    let mut formerly_listed = 0;
    for p in parties {
        match (p.status_on(on), &p.support) {
            (SupportStatus::Supporter, Some(s)) => {
                *kinds.entry(p.kind).or_default() += 1;
                *years.entry(s.since.year()).or_default() += 1;
            }
            (SupportStatus::FormerlyListed, _) => formerly_listed += 1,
            _ => {}
        }
    }
    SupporterCounts {
        by_kind: PartyKind::ALL.iter().map(|k| (*k, kinds[k])).collect(),
        by_year: years.into_iter().collect(),
        formerly_listed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::FuzzyDate;
    use crate::party::{SinceMeaning, Support};
    use crate::source::{Source, Verification};

    fn party(id: &str, name: &str, kind: PartyKind, since: Option<&str>) -> Party {
        Party {
            id: id.into(),
            name: name.into(),
            kind,
            country: None,
            support: since.map(|d| Support {
                since: FuzzyDate::parse(d).unwrap(),
                since_meaning: SinceMeaning::FirstSeenUpperBound,
                withdrawn: None,
                how: None,
                unlisted_by: None,
                source: Source {
                    url: Some("https://example.org/list".into()),
                    title: None,
                    as_of: FuzzyDate::parse("2025-12-25").unwrap(),
                    verification: Verification::Verified,
                    note: None,
                },
            }),
            absent_at_launch: None,
            listing: None,
        }
    }

    fn registry() -> Vec<Party> {
        (0..25)
            .map(|i| {
                let kind = if i % 2 == 0 {
                    PartyKind::Company
                } else {
                    PartyKind::CivilSociety
                };
                let since =
                    (i % 5 != 0).then_some(if i < 12 { "2019-09-16" } else { "2021-03-01" });
                party(
                    &format!("p-{i:02}"),
                    &format!("Name {}", 25 - i),
                    kind,
                    since,
                )
            })
            .collect()
    }

    fn day() -> Date {
        "2026-01-01".parse().unwrap()
    }

    #[test]
    fn following_cursors_visits_every_match_once_in_order() {
        let parties = registry();
        for limit in [1, 3, 7, 25, 100] {
            let q = PartyQuery {
                status: Some(SupportStatus::Supporter),
                ..PartyQuery::default()
            };
            let mut seen = Vec::new();
            let mut after = None;
            loop {
                let p = page(&parties, &q, day(), after, limit).unwrap();
                assert_eq!(p.total, 20);
                assert!(p.items.len() <= limit);
                seen.extend(p.items.iter().map(|p| p.id.clone()));
                match p.next_after {
                    Some(id) => after = Some(id),
                    None => break,
                }
            }
            let mut sorted = seen.clone();
            sorted.sort();
            sorted.dedup();
            assert_eq!(sorted.len(), 20, "limit {limit}: {seen:?}");
            let keys: Vec<_> = seen
                .iter()
                .map(|id| sort_key(parties.iter().find(|p| &p.id == id).unwrap()))
                .collect();
            assert!(keys.windows(2).all(|w| w[0] < w[1]), "limit {limit}");
        }
    }

    #[test]
    fn a_party_added_between_pages_neither_repeats_nor_skips_one() {
        let mut parties = registry();
        let q = PartyQuery::default();
        let first = page(&parties, &q, day(), None, 10).unwrap();
        let after = first.next_after.unwrap().to_owned();
        let first_ids: Vec<String> = first.items.iter().map(|p| p.id.clone()).collect();
        // A party sorting before the cursor arrives: the next page is unchanged.
        parties.push(party("aaa", "A first name", PartyKind::Company, None));
        let second = page(&parties, &q, day(), Some(&after), 100).unwrap();
        assert!(second.items.iter().all(|p| !first_ids.contains(&p.id)));
        assert_eq!(first_ids.len() + second.items.len(), 25);
    }

    #[test]
    fn filters_combine_and_an_unknown_cursor_is_refused() {
        let parties = registry();
        let q = PartyQuery {
            kind: Some(PartyKind::Company),
            text: Some("NAME 1".into()),
            ..PartyQuery::default()
        };
        let p = page(&parties, &q, day(), None, 100).unwrap();
        assert!(!p.items.is_empty());
        assert!(
            p.items
                .iter()
                .all(|p| p.kind == PartyKind::Company && p.name.to_lowercase().contains("name 1"))
        );
        assert_eq!(
            page(&parties, &q, day(), Some("nobody"), 10),
            Err(UnknownCursor)
        );
    }

    #[test]
    fn counts_by_kind_and_year_count_supporters_only() {
        let c = supporter_counts(&registry(), day());
        assert_eq!(c.by_kind.len(), PartyKind::ALL.len());
        let total: usize = c.by_kind.iter().map(|(_, n)| n).sum();
        assert_eq!(total, 20);
        assert_eq!(c.by_year.iter().map(|(_, n)| n).sum::<usize>(), 20);
        assert_eq!(c.by_year[0].0, 2019);
    }
}

//! Property tests of the voting-bloc indices (`accord_core::voting_bloc`): bounds stay in
//! [0, 1] and in order, agreement is symmetric, a unanimous group scores 1, and the cohesion
//! bounds are exactly the lowest and highest values over every way the unrecorded votes could
//! have gone (checked by enumerating them on small groups).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use accord_core::votes::Position;
use accord_core::voting_bloc::{
    Bounds, Split, agreement_between, agreement_index, agreement_with_majority, rice_index,
};
use proptest::prelude::*;

fn position() -> impl Strategy<Value = Position> {
    prop_oneof![
        Just(Position::Yes),
        Just(Position::No),
        Just(Position::Abstain),
        Just(Position::Absent),
        Just(Position::YesOrAbsent),
        Just(Position::NotRecorded),
    ]
}

fn split_of(ps: &[Position]) -> Split {
    let mut s = Split::default();
    for p in ps {
        s.add(*p);
    }
    s
}

fn in_unit(b: Bounds) -> bool {
    (0.0..=1.0).contains(&b.low) && (0.0..=1.0).contains(&b.high) && b.low <= b.high
}

/// Every recorded outcome (yes, no, abstain counts) the split's unknown states allow.
fn assignments(s: &Split) -> Vec<(u32, u32, u32)> {
    let mut out = Vec::new();
    for y_extra in 0..=s.yes_or_absent {
        for ny in 0..=s.not_recorded {
            for nn in 0..=s.not_recorded - ny {
                for na in 0..=s.not_recorded - ny - nn {
                    out.push((s.yes + y_extra + ny, s.no + nn, s.abstain + na));
                }
            }
        }
    }
    out
}

fn hnr(y: u32, n: u32, a: u32) -> Option<f64> {
    let t = y + n + a;
    let m = y.max(n).max(a);
    (t > 0).then(|| (f64::from(m) - 0.5 * f64::from(t - m)) / f64::from(t))
}

fn rice(y: u32, n: u32) -> Option<f64> {
    (y + n > 0).then(|| f64::from(y.abs_diff(n)) / f64::from(y + n))
}

fn extremes(values: impl Iterator<Item = Option<f64>>) -> Option<(f64, f64)> {
    values.flatten().fold(None, |acc, v| match acc {
        None => Some((v, v)),
        Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
    })
}

fn close(b: Option<Bounds>, e: Option<(f64, f64)>) -> bool {
    match (b, e) {
        (None, None) => true,
        (Some(b), Some((lo, hi))) => (b.low - lo).abs() < 1e-9 && (b.high - hi).abs() < 1e-9,
        _ => false,
    }
}

proptest! {
    #[test]
    fn cohesion_bounds_lie_in_the_unit_interval(ps in prop::collection::vec(position(), 0..200)) {
        let s = split_of(&ps);
        if let Some(b) = agreement_index(&s) {
            prop_assert!(in_unit(b), "{b:?} for {s:?}");
        }
        if let Some(b) = rice_index(&s) {
            prop_assert!(in_unit(b), "{b:?} for {s:?}");
        }
        if s.is_complete() {
            prop_assert!(agreement_index(&s).is_none_or(|b| b.is_exact()));
            prop_assert!(rice_index(&s).is_none_or(|b| b.is_exact()));
        }
    }

    #[test]
    fn cohesion_bounds_are_the_extremes_over_every_assignment(
        ps in prop::collection::vec(position(), 0..14)
    ) {
        let s = split_of(&ps);
        let all = assignments(&s);
        let e_hnr = extremes(all.iter().map(|&(y, n, a)| hnr(y, n, a)));
        let e_rice = extremes(all.iter().map(|&(y, n, _)| rice(y, n)));
        prop_assert!(close(agreement_index(&s), e_hnr), "{:?} vs {e_hnr:?} for {s:?}", agreement_index(&s));
        prop_assert!(close(rice_index(&s), e_rice), "{:?} vs {e_rice:?} for {s:?}", rice_index(&s));
    }

    #[test]
    fn a_unanimous_group_scores_one(
        n in 1u32..300,
        absent in 0u32..50,
        which in 0usize..3,
    ) {
        let mut s = Split { absent, ..Split::default() };
        match which {
            0 => s.yes = n,
            1 => s.no = n,
            _ => s.abstain = n,
        }
        prop_assert_eq!(agreement_index(&s), Some(Bounds { low: 1.0, high: 1.0 }));
        if which < 2 {
            prop_assert_eq!(rice_index(&s), Some(Bounds { low: 1.0, high: 1.0 }));
        }
    }

    #[test]
    fn agreement_between_states_is_symmetric_and_bounded(
        pairs in prop::collection::vec((position(), position()), 0..40)
    ) {
        let (a, b): (Vec<Position>, Vec<Position>) = pairs.into_iter().unzip();
        let ab = agreement_between(&a, &b);
        let ba = agreement_between(&b, &a);
        prop_assert_eq!(ab, ba);
        if let Some(r) = ab.rate {
            prop_assert!(in_unit(r), "{r:?}");
        }
        // A state always agrees with itself on every vote it certainly cast.
        let own = agreement_between(&a, &a);
        if own.uncertain == 0 && let Some(r) = own.rate {
            prop_assert_eq!(r, Bounds { low: 1.0, high: 1.0 });
        }
    }

    #[test]
    fn agreement_with_a_majority_is_bounded_and_contains_every_recorded_case(
        votes in prop::collection::vec((position(), prop::collection::vec(position(), 0..12)), 1..8)
    ) {
        let own: Vec<Position> = votes.iter().map(|(p, _)| *p).collect();
        let splits: Vec<Split> = votes.iter().map(|(_, g)| split_of(g)).collect();
        let r = agreement_with_majority(&own, &splits);
        if let Some(b) = r.rate {
            prop_assert!(in_unit(b), "{b:?}");
            // With everything recorded, the bounds meet.
            let recorded = own.iter().all(|p| !matches!(p, Position::YesOrAbsent | Position::NotRecorded))
                && splits.iter().all(Split::is_complete);
            if recorded {
                prop_assert!(b.is_exact(), "{b:?}");
            }
        }
        prop_assert!(r.agreed + r.differed + r.uncertain <= own.len() as u32);
    }
}

//! Due dates of a request sent along a pathway.

mod common;

use accord_law::dataset::DeadlineKind;
use accord_law::deadline::{due_dates, overdue};
use accord_law::{Query, route};
use common::real_dataset;
use jiff::Timestamp;

#[test]
fn an_emergency_production_order_is_due_eight_hours_after_sending() {
    // Reg. 2023/1543: 8 hours in emergencies (secondary).
    let dataset = real_dataset();
    let q = Query::parse("DE", "IE", "subscriber", true, "2026-09-01").unwrap();
    let answer = route(&dataset, &q);
    let epoc = answer
        .pathways
        .iter()
        .find(|p| p.mechanism == "epoc-subscriber")
        .unwrap();
    let sent: Timestamp = "2026-09-01T10:00:00Z".parse().unwrap();
    let due = due_dates(epoc, sent).unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].kind, DeadlineKind::Response);
    assert_eq!(
        due[0].due,
        "2026-09-01T18:00:00Z".parse::<Timestamp>().unwrap()
    );

    let before: Timestamp = "2026-09-01T17:59:00Z".parse().unwrap();
    let after: Timestamp = "2026-09-01T18:01:00Z".parse().unwrap();
    assert!(overdue(epoc, sent, before).unwrap().is_empty());
    assert_eq!(overdue(epoc, sent, after).unwrap().len(), 1);
}

#[test]
fn budapest_preservation_is_held_at_least_sixty_days() {
    // ETS 185 Art. 29(7): not less than 60 days (secondary). A hold is never "overdue".
    let dataset = real_dataset();
    let q = Query::parse("FR", "US", "content", false, "2026-11-29").unwrap();
    let answer = route(&dataset, &q);
    let art29 = answer
        .pathways
        .iter()
        .find(|p| p.article == "Art. 29")
        .unwrap();
    let sent: Timestamp = "2026-11-29T00:00:00Z".parse().unwrap();
    let due = due_dates(art29, sent).unwrap();
    assert_eq!(due[0].kind, DeadlineKind::Hold);
    assert_eq!(
        due[0].due,
        "2027-01-28T00:00:00Z".parse::<Timestamp>().unwrap()
    );
    let much_later: Timestamp = "2028-01-01T00:00:00Z".parse().unwrap();
    assert!(overdue(art29, sent, much_later).unwrap().is_empty());
}

#[test]
fn plain_mla_has_no_due_date() {
    let dataset = real_dataset();
    let q = Query::parse("US", "RU", "content", false, "2026-11-29").unwrap();
    let answer = route(&dataset, &q);
    let sent: Timestamp = "2026-11-29T00:00:00Z".parse().unwrap();
    assert!(due_dates(&answer.pathways[0], sent).unwrap().is_empty());
}

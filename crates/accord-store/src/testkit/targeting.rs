//! Target classes and armed conflict on a hub seeded before they existed: its records read as
//! unclassified and match no class filter, and the dataset upgrade brings the classes in by
//! amendment, after which the filters find them. A new incident must carry them; one logged
//! before that rule still reads, audits and replays.

use accord_core::dataset::Dataset;
use accord_core::incident::Incident;
use accord_core::record::IncidentRecord;
use accord_core::targeting::{ConflictStatus, TargetClass};
use accord_tlp::Tlp;
use ed25519_dalek::SigningKey;
use jiff::Timestamp;
use serde_json::json;

use crate::amend::upgrade_bundled;
use crate::kind;
use crate::log::{Effect, LogWrite};
use crate::replay::Replayer;
use crate::store::{IncidentFilter, PageRequest, Store};
use crate::testkit::{StoreFactory, audit_store, bundled, operator, repo, seeded_hub};
use crate::write::{
    RecordError, add_key, seed_bundled, sign_submission, submit_incident, verify_submission,
};

/// The bundled dataset as a release before target classes shipped it.
fn without_classes(new: &Dataset) -> Dataset {
    let mut old = new.clone();
    for i in &mut old.incidents {
        i.armed_conflict = None;
        for v in &mut i.victims {
            v.target_class = None;
        }
    }
    old
}

async fn ids(store: &dyn Store, filter: IncidentFilter) -> Vec<String> {
    let page = PageRequest {
        limit: 500,
        after: None,
    };
    store
        .incidents(&filter, &page)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|r| r.incident.id)
        .collect()
}

/// A hub seeded without classes filters by none; after the upgrade's amendments it does.
pub async fn classes_reach_a_hub_seeded_before_them_by_amendment(f: &dyn StoreFactory) {
    let Some(test) = f.fresh().await else { return };
    let store = test.store.clone();
    let op = operator();
    let new = bundled();
    seed_bundled(store.as_ref(), op.clone(), &without_classes(&new))
        .await
        .unwrap();
    let dual_use = || IncidentFilter {
        target_class: Some(TargetClass::DualUse),
        ..Default::default()
    };
    let at_war = || IncidentFilter {
        armed_conflict: Some(ConflictStatus::Yes),
        ..Default::default()
    };
    assert!(ids(store.as_ref(), dual_use()).await.is_empty());
    assert!(ids(store.as_ref(), at_war()).await.is_empty());
    let held = store.incident("viasat-ka-sat-2022").await.unwrap();
    assert!(
        held.incident
            .victims
            .iter()
            .all(|v| v.target_class.is_none())
    );

    let fixes = crate::dataset_dir::load_corrections(&repo().join("data"), &new).unwrap();
    let done = upgrade_bundled(store.as_ref(), op.clone(), &new, &fixes)
        .await
        .unwrap();
    assert!(done.amended >= new.incidents.len(), "{done:?}");
    assert!(
        ids(store.as_ref(), dual_use())
            .await
            .contains(&"viasat-ka-sat-2022".to_owned())
    );
    let war = ids(store.as_ref(), at_war()).await;
    assert!(war.contains(&"kyivstar-2023".to_owned()), "{war:?}");
    assert!(!war.contains(&"opm-breach-2015".to_owned()), "{war:?}");
    let held = store.incident("viasat-ka-sat-2022").await.unwrap();
    assert!(
        held.incident
            .victims
            .iter()
            .all(|v| v.target_class.is_some())
    );
    audit_store(store.as_ref(), &op).await;
}

/// A party's incident as written before target classes were asked for.
fn unclassified(id: &str) -> serde_json::Value {
    json!({
        "id": id, "title": "Before the rule", "summary": "Written without classes.",
        "dates": {"start": {"date": "2026", "source": {"as_of": "2026-11", "verification": "unverified"}}},
        "victims": [{"name": "A port", "country": "NL", "sector": "transport",
                     "source": {"as_of": "2026-11", "verification": "unverified"}}]
    })
}

/// A new incident without a victim's class or the armed-conflict statement is refused, each
/// missing field named, and nothing is appended. The rule is decided at the write (the write
/// path checks the body it is about to append), not by reading stored entries: an incident
/// entry logged before the rule (appended here as the write path then did, signature checked
/// but no classes asked) still reads as unclassified, audits, and replays into a fresh store
/// with the same root.
pub async fn a_new_incident_needs_classes_and_one_logged_before_the_rule_still_replays(
    f: &dyn StoreFactory,
) {
    let Some(h) = seeded_hub(f).await else { return };
    let key = SigningKey::from_bytes(&[21; 32]);
    add_key(h.store.as_ref(), &h.seq, "FR", &key.verifying_key())
        .await
        .unwrap();
    let size = h.store.checkpoint().await.unwrap().unwrap().size;
    let body = unclassified("before-the-rule-2026");
    let sign = || {
        sign_submission(
            kind::INCIDENT,
            "before-the-rule-2026",
            "FR",
            Tlp::Clear,
            &body,
            &key,
        )
        .unwrap()
    };
    let err = submit_incident(h.store.as_ref(), &h.seq, "FR", sign())
        .await
        .unwrap_err();
    let RecordError::Invalid { problems } = &err else {
        panic!("{err}")
    };
    let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(
        paths,
        ["body.victims[0].target_class", "body.armed_conflict"]
    );
    assert_eq!(h.store.checkpoint().await.unwrap().unwrap().size, size);

    // The same entry as the write path appended it before the rule.
    let (entry, bytes, salt) = verify_submission(
        h.store.as_ref(),
        "FR",
        kind::INCIDENT,
        &sign(),
        Timestamp::now(),
    )
    .await
    .unwrap();
    let incident: Incident = serde_json::from_value(body.clone()).unwrap();
    h.seq
        .append(LogWrite {
            entry,
            body: bytes,
            salt: Some(salt),
            effect: Effect::Incident(Box::new(IncidentRecord {
                suggested_principles: vec![],
                incident,
                log_index: None,
            })),
        })
        .await
        .unwrap();
    let held = h.store.incident("before-the-rule-2026").await.unwrap();
    assert_eq!(held.incident.victims[0].target_class, None);
    assert_eq!(held.incident.armed_conflict, None);
    let report = audit_store(h.store.as_ref(), &h.op).await;
    assert_eq!(report.size, size + 1);

    let Some(copy) = f.fresh().await else { return };
    let entries = h.store.log_entries(0, size + 1).await.unwrap();
    let mut replayer = Replayer::new(h.store.as_ref(), copy.store.as_ref())
        .await
        .unwrap();
    let mut writes = Vec::new();
    for e in &entries {
        writes.push(replayer.write(e).await.unwrap());
    }
    let copied = copy.store.append(writes, h.op.clone()).await.unwrap();
    assert!(copied.results.iter().all(Result::is_ok));
    assert_eq!(
        copy.store.checkpoint().await.unwrap().unwrap().root,
        h.store.checkpoint().await.unwrap().unwrap().root
    );
    let replayed = copy.store.incident("before-the-rule-2026").await.unwrap();
    assert_eq!(replayed.incident, held.incident);
    audit_store(copy.store.as_ref(), &h.op).await;
}

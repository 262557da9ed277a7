//! Amendments: a hub seeded with an older dataset version brought up to the bundled one
//! through operator-signed amendment entries, and a party's own record amended only by it.

use accord_core::corrections::{Corrections, RecordKind};
use accord_core::dataset::Dataset;
use accord_tlp::Tlp;
use ed25519_dalek::SigningKey;
use serde_json::json;

use crate::amend::{UpgradeError, amend_incident, amend_records, plan_upgrade, upgrade_bundled};
use crate::error::StoreError;
use crate::log::{AmendmentBody, kind};
use crate::testkit::{StoreFactory, audit_store, bundled, operator, repo, seeded_hub};
use crate::write::{
    RecordError, add_key, operator_write, seed_bundled, sign_submission, submit_incident,
};

fn corrections(data: &Dataset) -> Corrections {
    crate::dataset_dir::load_corrections(&repo().join("data"), data).unwrap()
}

/// The bundled dataset as an older release shipped it: OPM's Barr attribution still a
/// `government-statement` (version 1 corrected it), one incident and some parties not yet
/// shipped.
fn older(new: &Dataset) -> (Dataset, String) {
    let mut old = new.clone();
    let opm = old
        .incidents
        .iter_mut()
        .find(|i| i.id == "opm-breach-2015")
        .unwrap();
    let mut v = serde_json::to_value(&*opm).unwrap();
    assert_eq!(v["attributions"][1]["basis"], json!("official-remark"));
    v["attributions"][1]["basis"] = json!("government-statement");
    *opm = serde_json::from_value(v).unwrap();
    let added = old.incidents.pop().unwrap().id;
    old.parties.truncate(old.parties.len() - 3);
    (old, added)
}

/// The bundled dataset with the accord and the rules as version 1 shipped them (before
/// version 3 corrected them): the InCyber and MeriTalk launch counts `as_of` the month they
/// were read, no rule saying whose conduct it concerns, and the state rules without tiers.
fn older_registry(new: &Dataset) -> Dataset {
    let mut old = new.clone();
    let mut a = serde_json::to_value(&old.accord).unwrap();
    for i in 0..2 {
        assert_eq!(
            a["supporter_counts"][i]["source"]["as_of"],
            json!("2018-11-12")
        );
        a["supporter_counts"][i]["source"]["as_of"] = json!("2026-11");
    }
    old.accord = serde_json::from_value(a).unwrap();
    let mut r = serde_json::to_value(&old.rules).unwrap();
    let rules = r["rules"].as_array_mut().unwrap();
    for rule in rules.iter_mut() {
        rule.as_object_mut().unwrap().remove("concerns").unwrap();
    }
    assert_eq!(rules[15]["id"], json!("state-attribution"));
    rules[15]["when"]["attribution"]
        .as_object_mut()
        .unwrap()
        .remove("tier")
        .unwrap();
    rules[15]["reason"] = json!(
        "{attributor} attributes it to the state {state} ({basis}): a state's conduct is \
         measured against the norms of responsible state behaviour"
    );
    assert_eq!(rules[16]["id"], json!("state-actor"));
    rules[16]["reason"] = json!("initiator {initiator} is a {kind} actor linked to {state}");
    old.rules = serde_json::from_value(r).unwrap();
    old
}

/// Appends the entry of a hub that took dataset version `v`.
async fn hold_version(store: &dyn crate::store::Store, v: u32) {
    let op = operator();
    let w = operator_write(
        &op,
        kind::DATASET_VERSION,
        &v.to_string(),
        &crate::log::DatasetVersionBody { version: v },
        crate::log::Effect::DatasetVersion(v),
    )
    .unwrap();
    store.append(vec![w], op).await.unwrap().results[0]
        .as_ref()
        .unwrap();
    assert_eq!(store.dataset_version().await.unwrap(), v);
}

/// The accord and the rules of a hub that holds dataset version 1 reach the bundled ones
/// through one operator-signed amendment each, with was → now and the version-3 reasons; the
/// hub then serves the new accord and rules, every incident's principles are suggested again
/// by the new rules (kept with the incident and its principle facets), the log audits, and a
/// second run, or a reopened store, finds nothing to do.
pub async fn a_v1_accord_and_rules_are_amended_to_the_bundled_ones(f: &dyn StoreFactory) {
    let Some(test) = f.fresh().await else { return };
    let store = test.store.clone();
    let op = operator();
    let new = bundled();
    let fixes = corrections(&new);
    let old = older_registry(&new);
    seed_bundled(store.as_ref(), op.clone(), &old)
        .await
        .unwrap();
    hold_version(store.as_ref(), 1).await;
    assert_eq!(store.accord().await.unwrap(), old.accord);
    // A suggestion of the old rules concerns no one; the new ones say whose conduct.
    let wannacry = store.incident("wannacry-2017").await.unwrap();
    assert_eq!(
        wannacry.suggested_principles,
        old.rules.suggest(&wannacry.incident)
    );
    assert_ne!(
        wannacry.suggested_principles,
        new.rules.suggest(&wannacry.incident)
    );
    let size = store.checkpoint().await.unwrap().unwrap().size;
    // A second store value on the same data (another node, or the running hub beside
    // `accord data upgrade`), its caches warmed with the old accord and rules.
    let other = test.reopen().await;
    assert_eq!(other.accord().await.unwrap(), old.accord);
    assert_eq!(other.rules().await.unwrap(), old.rules);

    let plan = plan_upgrade(store.as_ref(), &new, &fixes).await.unwrap();
    assert_eq!((plan.held, plan.bundled), (1, fixes.version));
    assert_eq!(plan.unexplained().count(), 0, "{:?}", plan.amendments);
    let kinds: Vec<RecordKind> = plan.amendments.iter().map(|a| a.kind).collect();
    assert_eq!(kinds, vec![RecordKind::Accord, RecordKind::Rules]);
    let accord = &plan.amendments[0];
    assert_eq!(accord.id, "paris-call");
    assert_eq!(
        accord.changes[0].path,
        "supporter_counts[0].source.as_of".to_owned()
    );
    assert_eq!(accord.changes[0].was, Some(json!("2026-11")));
    assert_eq!(accord.changes[0].now, Some(json!("2018-11-12")));
    assert_eq!(accord.reasons.len(), 1);
    let rules = &plan.amendments[1];
    assert_eq!(rules.id, "paris-call-rules");
    assert_eq!(rules.reasons.len(), 2, "{:?}", rules.reasons);
    assert!(
        rules
            .changes
            .iter()
            .any(|c| c.path == "rules[15].when.attribution.tier")
    );
    assert_eq!(store.checkpoint().await.unwrap().unwrap().size, size);

    let done = upgrade_bundled(store.as_ref(), op.clone(), &new, &fixes)
        .await
        .unwrap();
    assert_eq!(done.amended, 2);
    assert_eq!(done.version, Some(fixes.version));
    assert_eq!(store.accord().await.unwrap(), new.accord);
    assert_eq!(store.rules().await.unwrap(), new.rules);
    // The other store value's caches see the amendment without an append of their own.
    assert_eq!(other.accord().await.unwrap(), new.accord);
    assert_eq!(other.rules().await.unwrap(), new.rules);
    for r in store.all_incidents().await.unwrap() {
        assert_eq!(
            r.suggested_principles,
            new.rules.suggest(&r.incident),
            "{}",
            r.incident.id
        );
    }
    // The principle facets follow the new suggestions.
    let filter = crate::store::IncidentFilter {
        principle: Some("P9".parse().unwrap()),
        ..Default::default()
    };
    let page = crate::store::PageRequest {
        limit: 1000,
        after: None,
    };
    let by_facet: Vec<String> = store
        .incidents(&filter, &page)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|r| r.incident.id)
        .collect();
    let mut by_rules: Vec<String> = new
        .incidents
        .iter()
        .filter(|i| {
            new.rules.suggest(i).iter().any(|s| s.principle.0 == 9)
                || i.asserted_principles.iter().any(|a| a.principle.0 == 9)
        })
        .map(|i| i.id.clone())
        .collect();
    let mut sorted = by_facet.clone();
    sorted.sort();
    by_rules.sort();
    assert_eq!(sorted, by_rules);

    for (kind, id, was) in [
        (
            RecordKind::Accord,
            "paris-call",
            serde_json::to_value(&old.accord),
        ),
        (
            RecordKind::Rules,
            "paris-call-rules",
            serde_json::to_value(&old.rules),
        ),
    ] {
        let listed = store.amendments(kind, id).await.unwrap();
        assert_eq!(listed.len(), 1, "{kind} {id}");
        let a = &listed[0];
        assert_eq!(a.submitter, op.party);
        assert_eq!(a.body.dataset_version, Some(fixes.version));
        assert_eq!(a.body.previous, was.unwrap());
        assert!(!a.body.reasons.is_empty());
    }
    let report = audit_store(store.as_ref(), &op).await;
    assert_eq!(report.size, size + 3);
    assert_eq!(report.kinds.get(kind::AMENDMENT).copied(), Some(2));

    let again = upgrade_bundled(store.as_ref(), op.clone(), &new, &fixes)
        .await
        .unwrap();
    assert_eq!(again, Default::default());
    let reopened = test.reopen().await;
    assert_eq!(reopened.accord().await.unwrap(), new.accord);
    assert_eq!(reopened.rules().await.unwrap(), new.rules);
    assert!(
        plan_upgrade(reopened.as_ref(), &new, &fixes)
            .await
            .unwrap()
            .is_empty()
    );
}

/// A change to the accord with no reason for the versions the hub lacks stops the upgrade:
/// it names the accord and the field, nothing is written, and the hub keeps its version,
/// accord and rules.
pub async fn an_unexplained_accord_change_amends_nothing(f: &dyn StoreFactory) {
    let Some(test) = f.fresh().await else { return };
    let store = test.store.clone();
    let op = operator();
    let new = bundled();
    let mut fixes = corrections(&new);
    fixes.corrections.retain(|c| c.kind != RecordKind::Accord);
    let old = older_registry(&new);
    seed_bundled(store.as_ref(), op.clone(), &old)
        .await
        .unwrap();
    hold_version(store.as_ref(), 1).await;
    let size = store.checkpoint().await.unwrap().unwrap().size;
    let err = upgrade_bundled(store.as_ref(), op.clone(), &new, &fixes)
        .await
        .unwrap_err();
    let UpgradeError::Unexplained { records, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(
        records,
        &vec![
            "accord paris-call (supporter_counts[0].source.as_of, supporter_counts[1].source.as_of)"
                .to_owned()
        ],
        "{err}"
    );
    assert_eq!(store.checkpoint().await.unwrap().unwrap().size, size);
    assert_eq!(store.dataset_version().await.unwrap(), 1);
    assert_eq!(store.accord().await.unwrap(), old.accord);
    assert_eq!(store.rules().await.unwrap(), old.rules);
}

/// Only the operator, who recorded the accord and the rules, amends them: an amendment signed
/// by a registered party is refused inside the append, naming the recorder, and nothing
/// changes.
pub async fn only_the_operator_amends_the_accord(f: &dyn StoreFactory) {
    let Some(h) = seeded_hub(f).await else { return };
    let store = h.store.as_ref();
    let fr = SigningKey::from_bytes(&[11; 32]);
    add_key(store, &h.seq, "FR", &fr.verifying_key())
        .await
        .unwrap();
    let accord = store.accord().await.unwrap();
    let mut changed = accord.clone();
    changed.summary = format!("{} (as FR would have it)", changed.summary);
    let body = AmendmentBody {
        kind: RecordKind::Accord,
        id: accord.id.clone(),
        base: None,
        previous: serde_json::to_value(&accord).unwrap(),
        new: serde_json::to_value(&changed).unwrap(),
        reasons: vec![accord_core::corrections::Reason {
            date: accord_core::date::FuzzyDate::parse("2026-12-07").unwrap(),
            what: "summary".into(),
            why: "FR prefers it".into(),
            sources: Vec::new(),
        }],
        dataset_version: Some(3),
    };
    let (entry, bytes, salt) = crate::write::sign_entry(
        kind::AMENDMENT,
        "accord/paris-call@v3",
        "FR",
        Tlp::Clear,
        &body,
        &fr,
    )
    .unwrap();
    let w = crate::log::LogWrite {
        entry,
        body: bytes,
        salt: Some(salt),
        effect: crate::log::Effect::Amendment(Box::new(crate::log::Amendment {
            body,
            record: crate::log::AmendedRecord::Accord(Box::new(changed)),
        })),
    };
    let size = store.checkpoint().await.unwrap().unwrap().size;
    let outcome = store.append(vec![w], h.op.clone()).await.unwrap();
    assert!(
        matches!(
            &outcome.results[0],
            Err(StoreError::NotRecorder {
                what: "accord",
                recorder,
                ..
            }) if recorder == &h.op.party
        ),
        "{:?}",
        outcome.results
    );
    assert_eq!(store.checkpoint().await.unwrap().unwrap().size, size);
    assert_eq!(store.accord().await.unwrap(), accord);
    assert!(
        store
            .amendments(RecordKind::Accord, &accord.id)
            .await
            .unwrap()
            .is_empty()
    );
}

/// The round trip: a hub seeded with an older dataset version shows the difference (changing
/// nothing), then appends one operator-signed amendment per changed record with the previous
/// and new values and the reasons, the new records, and the version last; the audit verifies
/// the log; a second run and a reopened hub find nothing to do.
pub async fn an_old_dataset_version_is_amended_to_the_bundled_one(f: &dyn StoreFactory) {
    let Some(test) = f.fresh().await else { return };
    let store = test.store.clone();
    let op = operator();
    let new = bundled();
    let fixes = corrections(&new);
    let (old, added) = older(&new);
    seed_bundled(store.as_ref(), op.clone(), &old)
        .await
        .unwrap();
    assert_eq!(store.dataset_version().await.unwrap(), 0);
    let size = store.checkpoint().await.unwrap().unwrap().size;

    // The dry run: the difference, per record and field, with its reasons; nothing written.
    let plan = plan_upgrade(store.as_ref(), &new, &fixes).await.unwrap();
    assert_eq!((plan.held, plan.bundled), (0, fixes.version));
    assert_eq!(plan.new_incidents, vec![added.clone()]);
    assert_eq!(plan.new_parties.len(), 3);
    let opm = plan
        .amendments
        .iter()
        .find(|a| a.id == "opm-breach-2015")
        .unwrap();
    assert_eq!(opm.kind, RecordKind::Incident);
    let change = opm
        .changes
        .iter()
        .find(|c| c.path == "attributions[1].basis")
        .unwrap();
    assert_eq!(change.was, Some(json!("government-statement")));
    assert_eq!(change.now, Some(json!("official-remark")));
    assert!(
        opm.reasons
            .iter()
            .any(|r| r.what.starts_with("attributions[1].basis")),
        "{:?}",
        opm.reasons
    );
    assert_eq!(plan.unexplained().count(), 0);
    assert_eq!(store.checkpoint().await.unwrap().unwrap().size, size);

    let done = upgrade_bundled(store.as_ref(), op.clone(), &new, &fixes)
        .await
        .unwrap();
    assert_eq!(done.amended, plan.amendments.len());
    assert_eq!((done.incidents, done.parties), (1, 3));
    assert_eq!(done.version, Some(fixes.version));
    assert_eq!(store.dataset_version().await.unwrap(), fixes.version);
    let held = store.incident("opm-breach-2015").await.unwrap();
    let bundled_opm = new.incidents.iter().find(|i| i.id == "opm-breach-2015");
    assert_eq!(Some(&held.incident), bundled_opm);
    assert!(
        held.log_index.unwrap() < size,
        "keeps the entry that recorded it"
    );
    assert!(store.incident(&added).await.is_ok());
    let amendments = store
        .amendments(RecordKind::Incident, "opm-breach-2015")
        .await
        .unwrap();
    assert_eq!(amendments.len(), 1);
    let a = &amendments[0];
    assert_eq!(a.submitter, op.party);
    assert_eq!(a.body.dataset_version, Some(fixes.version));
    assert_eq!(
        a.body.previous["attributions"][1]["basis"],
        json!("government-statement")
    );
    assert!(!a.body.reasons.is_empty());
    // The log keeps the first entry and adds: nothing rewritten in place.
    let report = audit_store(store.as_ref(), &op).await;
    let grown = 3 + done.amended as u64 + 1 + 1;
    assert_eq!(report.size, size + grown);
    assert_eq!(
        report.kinds.get(kind::AMENDMENT).copied(),
        Some(done.amended as u64)
    );

    // Idempotent, and across a restart.
    let again = upgrade_bundled(store.as_ref(), op.clone(), &new, &fixes)
        .await
        .unwrap();
    assert_eq!(again, Default::default());
    let reopened = test.reopen().await;
    assert!(
        plan_upgrade(reopened.as_ref(), &new, &fixes)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(reopened.dataset_version().await.unwrap(), fixes.version);
}

/// A run cut short after the amendments, before the version moved, is resumed by the next:
/// it appends no amendment twice and then moves the version.
pub async fn an_upgrade_cut_short_resumes(f: &dyn StoreFactory) {
    let Some(test) = f.fresh().await else { return };
    let store = test.store.clone();
    let op = operator();
    let new = bundled();
    let fixes = corrections(&new);
    let (old, _) = older(&new);
    seed_bundled(store.as_ref(), op.clone(), &old)
        .await
        .unwrap();
    let plan = plan_upgrade(store.as_ref(), &new, &fixes).await.unwrap();
    let first = amend_records(store.as_ref(), op.clone(), &new, &plan)
        .await
        .unwrap();
    assert_eq!(first.amended, plan.amendments.len());
    assert_eq!(first.version, None);
    assert_eq!(store.dataset_version().await.unwrap(), 0);
    let reopened = test.reopen().await;
    let resumed = upgrade_bundled(reopened.as_ref(), op.clone(), &new, &fixes)
        .await
        .unwrap();
    assert_eq!((resumed.amended, resumed.incidents), (0, 0));
    assert_eq!(resumed.version, Some(fixes.version));
    assert_eq!(
        reopened
            .amendments(RecordKind::Incident, "opm-breach-2015")
            .await
            .unwrap()
            .len(),
        1
    );
    audit_store(reopened.as_ref(), &op).await;
}

/// A change no correction explains is not amended: the upgrade names the record and the
/// field, writes nothing, and the hub keeps its version.
pub async fn an_unexplained_change_amends_nothing(f: &dyn StoreFactory) {
    let Some(test) = f.fresh().await else { return };
    let store = test.store.clone();
    let op = operator();
    let new = bundled();
    let (old, _) = older(&new);
    seed_bundled(store.as_ref(), op.clone(), &old)
        .await
        .unwrap();
    let size = store.checkpoint().await.unwrap().unwrap().size;
    let silent = Corrections {
        about: String::new(),
        version: 1,
        corrections: Vec::new(),
    };
    let err = upgrade_bundled(store.as_ref(), op.clone(), &new, &silent)
        .await
        .unwrap_err();
    let UpgradeError::Unexplained { records, .. } = &err else {
        panic!("{err}")
    };
    assert!(
        records
            .iter()
            .any(|r| r.contains("incident opm-breach-2015") && r.contains("attributions[1].basis")),
        "{err}"
    );
    assert_eq!(store.checkpoint().await.unwrap().unwrap().size, size);
    assert_eq!(store.dataset_version().await.unwrap(), 0);
    // A correction of every incident explains only the fields it names.
    let blanket: Corrections = serde_json::from_value(json!({
        "version": 1,
        "corrections": [{"version": 1, "date": "2026-12-07", "kind": "incident", "id": "*",
            "fields": ["victims[].target_class"], "what": "target classes added", "why": "part 4"}]
    }))
    .unwrap();
    let plan = plan_upgrade(store.as_ref(), &new, &blanket).await.unwrap();
    let opm = plan
        .unexplained()
        .find(|a| a.id == "opm-breach-2015")
        .unwrap();
    assert_eq!(opm.unexplained, vec!["attributions[1].basis".to_owned()]);
    assert!(
        upgrade_bundled(store.as_ref(), op, &new, &blanket)
            .await
            .is_err()
    );
    assert_eq!(store.checkpoint().await.unwrap().unwrap().size, size);
}

/// A party's own incident is amended only by an entry that party signs: the operator and
/// another party are refused, naming the recorder, and nothing changes; an amendment of a
/// version that is no longer the latest is refused too, by the write path and by the store
/// inside the append.
pub async fn only_the_recorder_amends_a_record(f: &dyn StoreFactory) {
    let Some(h) = seeded_hub(f).await else { return };
    let store = h.store.as_ref();
    let fr = SigningKey::from_bytes(&[11; 32]);
    let de = SigningKey::from_bytes(&[12; 32]);
    add_key(store, &h.seq, "FR", &fr.verifying_key())
        .await
        .unwrap();
    add_key(store, &h.seq, "DE", &de.verifying_key())
        .await
        .unwrap();
    let mut incident = store.incident("wannacry-2017").await.unwrap().incident;
    incident.id = "fr-own-report".into();
    let sub = sign_submission(
        kind::INCIDENT,
        &incident.id,
        "FR",
        Tlp::Clear,
        &incident,
        &fr,
    )
    .unwrap();
    let recorded = submit_incident(store, &h.seq, "FR", sub).await.unwrap();
    let first = recorded.log_index.unwrap();
    let previous = serde_json::to_value(&incident).unwrap();
    let mut corrected = incident.clone();
    corrected.title = format!("{} (corrected)", corrected.title);
    let body = AmendmentBody {
        kind: RecordKind::Incident,
        id: incident.id.clone(),
        base: Some(first),
        previous: previous.clone(),
        new: serde_json::to_value(&corrected).unwrap(),
        reasons: vec![accord_core::corrections::Reason {
            date: accord_core::date::FuzzyDate::parse("2026-12-07").unwrap(),
            what: "title".into(),
            why: "the title named the wrong year".into(),
            sources: Vec::new(),
        }],
        dataset_version: None,
    };
    let entry_id = "incident/fr-own-report@7c9e6679-7425-40de-944b-e07fc1f90ae7";
    let size = store.checkpoint().await.unwrap().unwrap().size;

    // The operator, writing straight to the store.
    let record = crate::log::AmendedRecord::Incident(Box::new(
        store.incident("fr-own-report").await.unwrap(),
    ));
    let w = operator_write(
        &h.op,
        kind::AMENDMENT,
        entry_id,
        &body,
        crate::log::Effect::Amendment(Box::new(crate::log::Amendment {
            body: body.clone(),
            record,
        })),
    )
    .unwrap();
    let outcome = store.append(vec![w], h.op.clone()).await.unwrap();
    assert!(
        matches!(
            &outcome.results[0],
            Err(StoreError::NotRecorder {
                what: "incident",
                recorder,
                ..
            }) if recorder == "FR"
        ),
        "{:?}",
        outcome.results
    );

    // Another party, signing its own entry.
    let sub = sign_submission(kind::AMENDMENT, entry_id, "DE", Tlp::Clear, &body, &de).unwrap();
    let err = amend_incident(store, &h.seq, "DE", sub).await.unwrap_err();
    assert!(
        matches!(&err, RecordError::Store(StoreError::NotRecorder { recorder, .. }) if recorder == "FR"),
        "{err}"
    );
    assert!(err.to_string().contains("recorded by \"FR\""), "{err}");
    assert_eq!(store.checkpoint().await.unwrap().unwrap().size, size);
    assert_eq!(
        store.incident("fr-own-report").await.unwrap().incident,
        incident
    );

    // The recorder.
    let sub = sign_submission(kind::AMENDMENT, entry_id, "FR", Tlp::Clear, &body, &fr).unwrap();
    let stored = amend_incident(store, &h.seq, "FR", sub).await.unwrap();
    assert_eq!(stored.submitter, "FR");
    assert_eq!(
        store.incident("fr-own-report").await.unwrap().incident,
        corrected
    );
    let listed = store
        .amendments(RecordKind::Incident, "fr-own-report")
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].body.reasons, body.reasons);
    let new: accord_core::incident::Incident =
        serde_json::from_value(listed[0].body.new.clone()).unwrap();
    assert_eq!(new, corrected);

    // A second amendment of the version before the first: refused, naming both versions.
    let stale = sign_submission(
        kind::AMENDMENT,
        "incident/fr-own-report@9b2f1f5e-0c4b-4a7e-8a53-2f1d3c4b5a69",
        "FR",
        Tlp::Clear,
        &body,
        &fr,
    )
    .unwrap();
    let err = amend_incident(store, &h.seq, "FR", stale)
        .await
        .unwrap_err();
    assert!(
        matches!(err, RecordError::Store(StoreError::Outdated { .. })),
        "{err}"
    );
    let text = err.to_string();
    assert!(
        text.contains(&format!("log entry {first}"))
            && text.contains(&format!("log entry {}", stored.index)),
        "{text}"
    );

    // The store judges the version again inside the append: a write that skipped the write
    // path's check (of the older version, or naming the current one with an older text) is
    // refused there and changes nothing.
    let size = store.checkpoint().await.unwrap().unwrap().size;
    let record = store.incident("fr-own-report").await.unwrap();
    for (base, previous) in [
        (first, serde_json::to_value(&corrected).unwrap()),
        (stored.index, previous.clone()),
    ] {
        let late = AmendmentBody {
            base: Some(base),
            previous,
            ..body.clone()
        };
        let (entry, bytes, salt) = crate::write::sign_entry(
            kind::AMENDMENT,
            "incident/fr-own-report@3f1c1e0a-5d3b-4c1e-9a2b-7e6d5c4b3a21",
            "FR",
            Tlp::Clear,
            &late,
            &fr,
        )
        .unwrap();
        let w = crate::log::LogWrite {
            entry,
            body: bytes,
            salt: Some(salt),
            effect: crate::log::Effect::Amendment(Box::new(crate::log::Amendment {
                body: late,
                record: crate::log::AmendedRecord::Incident(Box::new(record.clone())),
            })),
        };
        let outcome = store.append(vec![w], h.op.clone()).await.unwrap();
        assert!(
            matches!(&outcome.results[0], Err(StoreError::Outdated { .. })),
            "base {base}: {:?}",
            outcome.results
        );
    }
    assert_eq!(store.checkpoint().await.unwrap().unwrap().size, size);
    assert_eq!(
        store.incident("fr-own-report").await.unwrap().incident,
        corrected
    );
    audit_store(store, &h.op).await;
}

/// An amendment entry written straight into the store (past the write path and the append's
/// refusal rule, as a hostile operator or a damaged database could), signed by a party that
/// did not record the incident: `accord log verify`'s audit fails at that entry, naming the
/// signer and the recorder.
pub async fn a_forged_amendment_fails_the_audit(f: &dyn StoreFactory) {
    let Some(h) = seeded_hub(f).await else { return };
    let store = h.store.as_ref();
    let de = SigningKey::from_bytes(&[12; 32]);
    add_key(store, &h.seq, "DE", &de.verifying_key())
        .await
        .unwrap();
    let incident = store.incident("wannacry-2017").await.unwrap();
    let mut corrected = incident.incident.clone();
    corrected.title = "WannaCry (as DE would have it)".into();
    let body = AmendmentBody {
        kind: RecordKind::Incident,
        id: corrected.id.clone(),
        base: incident.log_index,
        previous: serde_json::to_value(&incident.incident).unwrap(),
        new: serde_json::to_value(&corrected).unwrap(),
        reasons: vec![accord_core::corrections::Reason {
            date: accord_core::date::FuzzyDate::parse("2026-12-07").unwrap(),
            what: "title".into(),
            why: "forged".into(),
            sources: Vec::new(),
        }],
        dataset_version: None,
    };
    // The log entry alone (no index effect: the refusal rules judge effects, and this one has
    // none to judge).
    let (entry, bytes, salt) = crate::write::sign_entry(
        kind::AMENDMENT,
        "incident/wannacry-2017@5d0c3a52-9b8e-4f61-a1d2-3c4b5e6f7a80",
        "DE",
        Tlp::Clear,
        &body,
        &de,
    )
    .unwrap();
    let w = crate::log::LogWrite {
        entry,
        body: bytes,
        salt: Some(salt),
        effect: crate::log::Effect::Withheld,
    };
    let outcome = store.append(vec![w], h.op.clone()).await.unwrap();
    let forged = *outcome.results[0].as_ref().unwrap();
    let err = crate::audit::audit(
        &crate::audit::StoreSource(store),
        &h.op.signer.verifier(),
        &[],
        None,
        &|_, _| {},
    )
    .await
    .unwrap_err();
    match err {
        crate::audit::AuditError::Entry { index, detail } => {
            assert_eq!(index, forged.index, "{detail}");
            assert!(
                detail.contains("signed by \"DE\", but \"hub-operator\" recorded it"),
                "{detail}"
            );
        }
        other => panic!("{other}"),
    }
}

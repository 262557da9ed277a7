//! Target classes and armed conflict on a hub seeded before they existed: its records read as
//! unclassified and match no class filter, and the dataset upgrade brings the classes in by
//! amendment, after which the filters find them.

use accord_core::dataset::Dataset;
use accord_core::targeting::{ConflictStatus, TargetClass};

use crate::amend::upgrade_bundled;
use crate::store::{IncidentFilter, PageRequest, Store};
use crate::testkit::{StoreFactory, audit_store, bundled, operator, repo};
use crate::write::seed_bundled;

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

//! The parts of the backends' upgrade tests that do not depend on the database: recording
//! what a hub wrote before a rule, and checking what the upgrade left. Each backend's test
//! rolls its own schema history back in its own SQL between the two.

use accord_core::record::{Facet, IncidentRecord};
use accord_core::targeting::{ConflictStatus, TargetClass};
use accord_tlp::Tlp;

use crate::error::StoreError;
use crate::kind;
use crate::log::{Effect, LogWrite};
use crate::store::{IncidentFilter, PageRequest, Store};
use crate::testkit::{audit_store, bundled, operator};
use crate::write::{seed_bundled, sign_entry};

/// Two incidents recorded as the write path did before incidents were TLP:CLEAR only.
#[derive(Debug, Clone)]
pub struct MarkedIncidents {
    /// The incident marked TLP:RED.
    pub red: &'static str,
    /// The incident marked TLP:CLEAR.
    pub clear: &'static str,
    /// The RED incident's log index.
    pub red_index: u64,
    /// The facets the RED incident was indexed under.
    pub facets: Vec<(Facet, String)>,
    /// The log's size after both.
    pub size: u64,
    /// How many incidents the seeded hub held before them.
    pub before: usize,
}

/// Seeds `store` and records one RED and one CLEAR incident, each a signed incident entry
/// whose effect indexed the record, as hubs did before the rule.
pub async fn record_marked_incidents(store: &dyn Store) -> MarkedIncidents {
    let op = operator();
    let data = bundled();
    seed_bundled(store, op.clone(), &data).await.unwrap();
    let before = store.counts().await.unwrap().incidents;
    let write = |id: &str, tlp: Tlp| {
        let mut incident = data.incidents[0].clone();
        incident.id = id.to_owned();
        let (entry, body, salt) = sign_entry(
            kind::INCIDENT,
            id,
            &op.party,
            tlp,
            &incident,
            op.signer.signing_key(),
        )
        .unwrap();
        LogWrite {
            entry,
            body,
            salt: Some(salt),
            effect: Effect::Incident(Box::new(IncidentRecord {
                suggested_principles: data.rules.suggest(&incident),
                incident,
                log_index: None,
            })),
        }
    };
    let (red, clear) = ("upgrade-red-incident", "upgrade-clear-incident");
    let outcome = store
        .append(vec![write(red, Tlp::Red), write(clear, Tlp::Clear)], op)
        .await
        .unwrap();
    let red_index = outcome.results[0].as_ref().unwrap().index;
    assert_eq!(store.incident(red).await.unwrap().incident.id, red);
    assert_eq!(store.counts().await.unwrap().incidents, before + 2);
    MarkedIncidents {
        red,
        clear,
        red_index,
        facets: store.incident(red).await.unwrap().facets(),
        size: store.checkpoint().await.unwrap().unwrap().size,
        before,
    }
}

/// Checks that the upgraded `store` dropped the RED incident from every incident read it
/// offers (by id, lists, every facet filter it had, the export, the counts the scorecards
/// use) and kept the CLEAR one, while the log keeps the RED entry and still audits.
pub async fn marked_incident_left_every_read(store: &dyn Store, m: &MarkedIncidents) {
    assert!(matches!(
        store.incident(m.red).await,
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(store.incident(m.clear).await.unwrap().incident.id, m.clear);
    let page = PageRequest {
        limit: 1000,
        after: None,
    };
    let listed = |records: &[IncidentRecord], id: &str| records.iter().any(|r| r.incident.id == id);
    let all = store
        .incidents(&IncidentFilter::default(), &page)
        .await
        .unwrap();
    assert!(!listed(&all.items, m.red) && listed(&all.items, m.clear));
    assert!(!m.facets.is_empty());
    for (facet, value) in &m.facets {
        let filter = match facet {
            Facet::Party => IncidentFilter {
                party: Some(value.clone()),
                ..Default::default()
            },
            Facet::Principle => IncidentFilter {
                principle: Some(value.parse().unwrap()),
                ..Default::default()
            },
            Facet::Country => IncidentFilter {
                country: Some(value.parse().unwrap()),
                ..Default::default()
            },
            Facet::Sector => IncidentFilter {
                sector: Some(serde_json::from_value(value.as_str().into()).unwrap()),
                ..Default::default()
            },
            Facet::Year => IncidentFilter {
                year: Some(value.parse().unwrap()),
                ..Default::default()
            },
            Facet::TargetClass => IncidentFilter {
                target_class: TargetClass::parse(value),
                ..Default::default()
            },
            Facet::ArmedConflict => IncidentFilter {
                armed_conflict: ConflictStatus::parse(value),
                ..Default::default()
            },
        };
        let hits = store.incidents(&filter, &page).await.unwrap();
        assert!(!listed(&hits.items, m.red), "{facet:?} {value}");
        assert!(listed(&hits.items, m.clear), "{facet:?} {value}");
    }
    let export = store.all_incidents().await.unwrap();
    assert!(!listed(&export, m.red) && listed(&export, m.clear));
    assert_eq!(store.counts().await.unwrap().incidents, m.before + 1);
    // The log keeps the entry and its (withheld) body, and still audits.
    assert_eq!(store.checkpoint().await.unwrap().unwrap().size, m.size);
    assert_eq!(store.log_entry(m.red_index).await.unwrap().tlp, Tlp::Red);
    assert_eq!(audit_store(store, &operator()).await.size, m.size);
}

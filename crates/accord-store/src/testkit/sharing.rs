//! Threat-indicator sharing: objects recorded as custodially signed log entries, released
//! only under TLP, filtered, versioned and paged as TAXII asks; and the log still verifies.

use accord_stix::marking::TlpMarking;
use accord_stix::tlp::Reader;
use accord_tlog::entry::Envelope;
use accord_tlp::Tlp;
use serde_json::{Value, json};

use crate::sharing::{
    AffiliationBody, Collection, Member, ObjectQuery, SharingError, VersionMatch, add_objects,
    collection_for, custodial_key, define_collection, delete_object, record_affiliation,
    visible_objects,
};
use crate::testkit::{Hub, StoreFactory, seeded_hub};

/// Collection `c1`: FR and DE read and write, IT reads; NL is in no community.
/// EE belongs to DE's organisation; LT is a client of DE's organisation.
async fn hub(f: &dyn StoreFactory) -> Option<Hub> {
    let h = seeded_hub(f).await?;
    let seq = &h.seq;
    let store = &h.store;
    let member = |p: &str, w: bool| Member {
        party: p.into(),
        can_read: true,
        can_write: w,
    };
    define_collection(
        seq,
        Collection {
            id: "c1".into(),
            title: "Test community".into(),
            description: None,
            members: vec![member("FR", true), member("DE", true), member("IT", false)],
            default_tlp: Tlp::Amber,
            anonymous_read: true,
            mirror: None,
        },
    )
    .await
    .unwrap();
    for (party, org, client) in [("EE", "DE", None), ("LT", "LT", Some("DE"))] {
        record_affiliation(
            store.as_ref(),
            seq,
            AffiliationBody {
                party: party.into(),
                organisation: org.into(),
                client_of: client.map(Into::into),
            },
        )
        .await
        .unwrap();
    }
    Some(h)
}

fn indicator(n: u32, modified: &str, marking: Option<TlpMarking>, to: &[&str]) -> Value {
    let mut o = json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": format!("indicator--00000000-0000-4000-8000-{n:012}"),
        "created": "2026-01-01T00:00:00.000Z",
        "modified": modified,
        "pattern": format!("[ipv4-addr:value = '198.51.100.{}']", n % 250),
        "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z",
        "x_custom": {"kept": [1, 2.5, "three"]}
    });
    if let Some(m) = marking {
        o["object_marking_refs"] = json!([m.id()]);
    }
    if !to.is_empty() {
        o["x_accord_recipients"] = json!(to);
    }
    o
}

async fn ids_seen(h: &Hub, reader: Reader<'_>, query: &ObjectQuery) -> Vec<String> {
    let c = collection_for(h.store.as_ref(), "c1", Reader::Party("FR"))
        .await
        .unwrap();
    visible_objects(h.store.as_ref(), &c, reader, query, true)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|(m, _)| m.id)
        .collect()
}

/// TLP decides who sees each object on every read; entries are custodially signed and the log verifies.
pub async fn tlp_decides_who_sees_each_object_on_every_read(f: &dyn StoreFactory) {
    let Some(h) = hub(f).await else { return };
    let objects = vec![
        indicator(1, "2026-01-02T00:00:00.000Z", Some(TlpMarking::Clear), &[]),
        indicator(2, "2026-01-02T00:00:00.000Z", Some(TlpMarking::Green), &[]),
        indicator(3, "2026-01-02T00:00:00.000Z", None, &[]), // collection default: AMBER
        indicator(
            4,
            "2026-01-02T00:00:00.000Z",
            Some(TlpMarking::AmberStrict),
            &["DE"],
        ),
        indicator(
            5,
            "2026-01-02T00:00:00.000Z",
            Some(TlpMarking::Red2),
            &["DE"],
        ),
        indicator(
            6,
            "2026-01-02T00:00:00.000Z",
            Some(TlpMarking::Amber2),
            &["DE"],
        ),
    ];
    let out = add_objects(h.store.as_ref(), &h.seq, "FR", "c1", objects)
        .await
        .unwrap();
    assert_eq!(out.successes.len(), 6, "{out:?}");
    let q = ObjectQuery::default();
    let id = |n: u32| format!("indicator--00000000-0000-4000-8000-{n:012}");
    let want = |ns: &[u32]| ns.iter().map(|n| id(*n)).collect::<Vec<_>>();
    assert_eq!(ids_seen(&h, Reader::Anonymous, &q).await, want(&[1]));
    assert_eq!(
        ids_seen(&h, Reader::Party("FR"), &q).await,
        want(&[1, 2, 3, 4, 5, 6])
    );
    assert_eq!(
        ids_seen(&h, Reader::Party("DE"), &q).await,
        want(&[1, 2, 3, 4, 5, 6])
    );
    // IT: a member, not named. EE: DE's organisation, not itself a member (it reads what
    // reaches DE's organisation, and so GREEN too). LT: a client of DE's organisation (AMBER
    // reaches it, AMBER+STRICT does not).
    assert_eq!(
        ids_seen(&h, Reader::Party("IT"), &q).await,
        want(&[1, 2, 3])
    );
    assert_eq!(
        ids_seen(&h, Reader::Party("EE"), &q).await,
        want(&[1, 2, 3, 4, 6])
    );
    assert_eq!(
        ids_seen(&h, Reader::Party("LT"), &q).await,
        want(&[1, 2, 3, 6])
    );
    assert_eq!(ids_seen(&h, Reader::Party("NL"), &q).await, want(&[1]));

    // The entries are signed with FR's custodial key, registered in the log, and carry the
    // object's TLP; the log verifies.
    let key = Envelope::encode_key(&custodial_key(&h.op, "FR").verifying_key());
    let keys = h.store.party_keys("FR").await.unwrap();
    assert!(keys.iter().any(|k| k.public_key == key));
    let c = collection_for(h.store.as_ref(), "c1", Reader::Party("FR"))
        .await
        .unwrap();
    let page = visible_objects(h.store.as_ref(), &c, Reader::Party("FR"), &q, true)
        .await
        .unwrap();
    for (meta, body) in &page.items {
        let stored = h.store.log_entry(meta.log_index).await.unwrap();
        let entry = accord_tlog::entry::SignedEntry::from_bytes(&stored.entry).unwrap();
        assert_eq!(entry.envelope.kind, "stix");
        assert_eq!(entry.envelope.signer_key, key);
        assert_eq!(entry.envelope.submitter, "FR");
        // The log entry carries the object's level, the one type both use.
        assert_eq!(stored.tlp, meta.tlp);
        // The object comes back exactly as submitted, custom properties included.
        let body: Value = serde_json::from_str(body.as_ref().unwrap().get()).unwrap();
        assert_eq!(body["x_custom"], json!({"kept": [1, 2.5, "three"]}));
    }
    let report = crate::testkit::audit_store(h.store.as_ref(), &h.op).await;
    assert!(report.size > 6);
}

/// Invalid objects are listed with their reasons, valid ones recorded; a replayed version is harmless.
pub async fn invalid_objects_are_listed_and_valid_ones_recorded_and_replays_are_harmless(
    f: &dyn StoreFactory,
) {
    let Some(h) = hub(f).await else { return };
    let mut bad = indicator(2, "2026-01-02T00:00:00.000Z", None, &[]);
    bad.as_object_mut().unwrap().remove("pattern");
    let objects = vec![
        indicator(1, "2026-01-02T00:00:00.000Z", None, &[]),
        bad,
        json!({"type": "indicator", "id": "not-an-id"}),
        json!({"type": "indicator", "spec_version": "2.1", "id": "indicator--00000000-0000-4000-8000-000000000009",
               "created": "2026-01-01T00:00:00Z", "modified": "2026-01-01T00:00:00Z",
               "pattern": "[x:y = 1]", "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z",
               "x_accord_recipients": "DE"}),
    ];
    let out = add_objects(h.store.as_ref(), &h.seq, "FR", "c1", objects.clone())
        .await
        .unwrap();
    assert_eq!(out.successes.len(), 1);
    assert_eq!(out.failures.len(), 3);
    assert!(
        out.failures[0]
            .message
            .as_ref()
            .unwrap()
            .contains("pattern"),
        "{out:?}"
    );
    assert!(
        out.failures[2]
            .message
            .as_ref()
            .unwrap()
            .contains("x_accord_recipients")
    );
    // Posting the same version again changes nothing and is not an error.
    let again = add_objects(h.store.as_ref(), &h.seq, "FR", "c1", objects[..1].to_vec())
        .await
        .unwrap();
    assert_eq!(again.successes.len(), 1);
    assert!(again.successes[0].message.is_some());
    let all = ObjectQuery {
        versions: vec![VersionMatch::All],
        ..ObjectQuery::default()
    };
    assert_eq!(ids_seen(&h, Reader::Party("FR"), &all).await.len(), 1);
    // IT may read but not write; NL is no member.
    for p in ["IT", "NL"] {
        let e = add_objects(h.store.as_ref(), &h.seq, p, "c1", objects[..1].to_vec()).await;
        assert!(matches!(e, Err(SharingError::Forbidden(_))), "{p}");
    }
    let e = add_objects(h.store.as_ref(), &h.seq, "FR", "nope", vec![]).await;
    assert!(matches!(e, Err(SharingError::NoCollection(_))));
}

/// An envelope lands in its own order, valid objects around an invalid one, under one signed
/// checkpoint; the outcome lists them in that order.
pub async fn an_envelope_lands_in_its_order_under_one_checkpoint(f: &dyn StoreFactory) {
    let Some(h) = hub(f).await else { return };
    // FR's first write also registers its custodial key, in an entry of its own.
    let first = indicator(1, "2026-01-01T00:00:00.000Z", None, &[]);
    add_objects(h.store.as_ref(), &h.seq, "FR", "c1", vec![first.clone()])
        .await
        .unwrap();
    let before = h.store.checkpoint().await.unwrap().unwrap().size;
    // Numbered backwards, so that neither id order nor version order is the envelope's.
    let mut objects: Vec<Value> = (0..40u32)
        .map(|k| {
            let modified = format!("2026-01-{:02}T00:00:00.000Z", 28 - k % 27);
            indicator(500 - k, &modified, None, &[])
        })
        .collect();
    objects.insert(17, json!({"type": "indicator", "id": "not-an-id"}));
    let sent: Vec<String> = objects
        .iter()
        .filter(|o| o["id"] != "not-an-id")
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect();
    let out = add_objects(h.store.as_ref(), &h.seq, "FR", "c1", objects)
        .await
        .unwrap();
    assert_eq!(out.failures.len(), 1, "{out:?}");
    assert!(
        out.failures[0]
            .message
            .as_ref()
            .unwrap()
            .starts_with("objects[17]")
    );
    let reported: Vec<String> = out.successes.iter().map(|o| o.id.clone()).collect();
    assert_eq!(reported, sent);
    let page = ObjectQuery {
        limit: 100,
        ..ObjectQuery::default()
    };
    let mut listed = vec![first["id"].as_str().unwrap().to_owned()];
    listed.extend(sent);
    assert_eq!(ids_seen(&h, Reader::Party("FR"), &page).await, listed);
    let after = h.store.checkpoint().await.unwrap().unwrap().size;
    assert_eq!(after, before + 40);
    for size in before + 1..after {
        assert!(
            h.store.checkpoint_at(size).await.unwrap().is_none(),
            "{size}"
        );
    }
}

/// One version sent twice in an envelope, its timestamp written two ways, is stored once; the
/// second copy is reported as already there, and a later version of it still lands.
pub async fn one_version_sent_twice_in_an_envelope_is_stored_once(f: &dyn StoreFactory) {
    let Some(h) = hub(f).await else { return };
    let objects = vec![
        indicator(7, "2026-01-02T00:00:00Z", None, &[]),
        indicator(7, "2026-01-02T00:00:00.000Z", None, &[]),
        indicator(7, "2026-01-03T00:00:00.000Z", None, &[]),
    ];
    let out = add_objects(h.store.as_ref(), &h.seq, "FR", "c1", objects)
        .await
        .unwrap();
    assert!(out.failures.is_empty(), "{out:?}");
    let notes: Vec<Option<String>> = out.successes.iter().map(|o| o.message.clone()).collect();
    assert_eq!(
        notes,
        vec![
            None,
            Some("this version was already in the collection".into()),
            None
        ]
    );
    let all = ObjectQuery {
        versions: vec![VersionMatch::All],
        ..ObjectQuery::default()
    };
    assert_eq!(ids_seen(&h, Reader::Party("FR"), &all).await.len(), 2);
}

/// Versions, filters and pages follow TAXII and hide what TLP withholds; only producers delete.
pub async fn versions_filters_and_pages_follow_taxii_and_hide_what_tlp_withholds(
    f: &dyn StoreFactory,
) {
    let Some(h) = hub(f).await else { return };
    // Object 1: a GREEN first version and a RED second one naming DE only.
    let objects = vec![
        indicator(1, "2026-01-02T00:00:00.000Z", Some(TlpMarking::Green2), &[]),
        indicator(
            1,
            "2026-01-03T00:00:00.000Z",
            Some(TlpMarking::Red2),
            &["DE"],
        ),
    ];
    add_objects(h.store.as_ref(), &h.seq, "FR", "c1", objects)
        .await
        .unwrap();
    let mut more = Vec::new();
    for n in 10..35 {
        more.push(indicator(
            n,
            "2026-01-02T00:00:00.000Z",
            Some(TlpMarking::Green2),
            &[],
        ));
    }
    add_objects(h.store.as_ref(), &h.seq, "DE", "c1", more)
        .await
        .unwrap();
    let c = collection_for(h.store.as_ref(), "c1", Reader::Party("IT"))
        .await
        .unwrap();
    let one = "indicator--00000000-0000-4000-8000-000000000001".to_owned();
    let versions = |who, v: Vec<VersionMatch>| {
        let c = c.clone();
        let one = one.clone();
        let store = h.store.clone();
        async move {
            let q = ObjectQuery {
                ids: vec![one],
                versions: v,
                ..ObjectQuery::default()
            };
            visible_objects(store.as_ref(), &c, Reader::Party(who), &q, false)
                .await
                .unwrap()
                .items
                .into_iter()
                .map(|(m, _)| crate::sharing::format_us(m.version_us))
                .collect::<Vec<_>>()
        }
    };
    // IT does not learn that a RED version exists: its "last" is the GREEN one.
    assert_eq!(
        versions("IT", vec![VersionMatch::Last]).await,
        vec!["2026-01-02T00:00:00.000000Z"]
    );
    assert_eq!(
        versions("DE", vec![VersionMatch::Last]).await,
        vec!["2026-01-03T00:00:00.000000Z"]
    );
    assert_eq!(versions("DE", vec![VersionMatch::All]).await.len(), 2);
    assert_eq!(versions("DE", vec![VersionMatch::First]).await.len(), 1);
    let at = crate::sharing::parse_us("2026-01-03T00:00:00Z").unwrap();
    assert_eq!(versions("IT", vec![VersionMatch::At(at)]).await.len(), 0);
    assert_eq!(versions("DE", vec![VersionMatch::At(at)]).await.len(), 1);

    // Pages of 10 over IT's 26 visible objects, then the end.
    let mut q = ObjectQuery {
        limit: 10,
        ..ObjectQuery::default()
    };
    let mut seen = Vec::new();
    loop {
        let page = visible_objects(h.store.as_ref(), &c, Reader::Party("IT"), &q, true)
            .await
            .unwrap();
        assert!(page.items.len() <= 10);
        seen.extend(page.items.into_iter().map(|(m, _)| m.added_us));
        match page.next {
            Some(n) => q.next = Some(n),
            None => break,
        }
    }
    assert_eq!(seen.len(), 26);
    assert!(seen.windows(2).all(|w| w[0] < w[1]));
    // added_after and match[type].
    let q = ObjectQuery {
        added_after_us: Some(seen[20]),
        ..ObjectQuery::default()
    };
    assert_eq!(ids_seen(&h, Reader::Party("IT"), &q).await.len(), 5);
    let q = ObjectQuery {
        types: vec!["malware".into()],
        ..ObjectQuery::default()
    };
    assert!(ids_seen(&h, Reader::Party("IT"), &q).await.is_empty());
    // A token we never issued.
    let bad = ObjectQuery {
        next: Some("zzz".into()),
        ..ObjectQuery::default()
    };
    let e = visible_objects(h.store.as_ref(), &c, Reader::Party("IT"), &bad, false).await;
    assert!(matches!(
        e,
        Err(SharingError::BadQuery {
            parameter: "next",
            ..
        })
    ));

    // Deleting: only the producer, only its own versions.
    let e = delete_object(
        h.store.as_ref(),
        &h.seq,
        "DE",
        &c,
        &one,
        &[VersionMatch::All],
        &[],
    )
    .await;
    assert!(matches!(e, Err(SharingError::Forbidden(_))));
    let n = delete_object(
        h.store.as_ref(),
        &h.seq,
        "FR",
        &c,
        &one,
        &[VersionMatch::All],
        &[],
    )
    .await
    .unwrap();
    assert_eq!(n, 2);
    assert!(versions("DE", vec![VersionMatch::All]).await.is_empty());
}

/// Defines collection `c2`, which DE alone reads and writes.
async fn de_only(h: &Hub) {
    define_collection(
        &h.seq,
        Collection {
            id: "c2".into(),
            title: "DE only".into(),
            description: None,
            members: vec![Member {
                party: "DE".into(),
                can_read: true,
                can_write: true,
            }],
            default_tlp: Tlp::Amber,
            anonymous_read: false,
            mirror: None,
        },
    )
    .await
    .unwrap();
}

fn messages(out: &crate::sharing::AddOutcome) -> Vec<String> {
    out.failures
        .iter()
        .map(|f| f.message.clone().unwrap_or_default())
        .collect()
}

/// Only the party that recorded an id's first version adds versions of it or deletes it, in
/// any collection, even after deleting it; the refusal reads the same whether or not the caller
/// may read the object.
pub async fn only_the_producer_of_an_ids_first_version_versions_or_deletes_it(
    f: &dyn StoreFactory,
) {
    let Some(h) = hub(f).await else { return };
    de_only(&h).await;
    let store = h.store.as_ref();
    let red = indicator(1, "2026-01-02T00:00:00.000Z", Some(TlpMarking::Red2), &[]);
    let green = indicator(2, "2026-01-02T00:00:00.000Z", Some(TlpMarking::Green2), &[]);
    let out = add_objects(store, &h.seq, "FR", "c1", vec![red, green])
        .await
        .unwrap();
    assert_eq!(out.successes.len(), 2, "{out:?}");
    let swap = vec![
        indicator(1, "2026-01-05T00:00:00.000Z", Some(TlpMarking::Red2), &[]),
        indicator(2, "2026-01-05T00:00:00.000Z", Some(TlpMarking::Clear), &[]),
    ];
    let ids: Vec<String> = swap
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect();
    for collection in ["c1", "c2"] {
        let out = add_objects(store, &h.seq, "DE", collection, swap.clone())
            .await
            .unwrap();
        assert!(out.successes.is_empty(), "{collection}: {out:?}");
        let m = messages(&out);
        assert_eq!(
            m[0].replace(&ids[0], "ID"),
            m[1].replace(&ids[1], "ID"),
            "{m:?}"
        );
        assert!(m[0].contains("not yours to version"), "{m:?}");
    }
    let all = ObjectQuery {
        versions: vec![VersionMatch::All],
        ..ObjectQuery::default()
    };
    // IT sees FR's GREEN version only; FR its two; DE's collection holds nothing.
    assert_eq!(
        ids_seen(&h, Reader::Party("IT"), &all).await,
        [ids[1].clone()]
    );
    assert_eq!(ids_seen(&h, Reader::Party("FR"), &all).await.len(), 2);
    let c2 = collection_for(store, "c2", Reader::Party("DE"))
        .await
        .unwrap();
    let page = visible_objects(store, &c2, Reader::Party("DE"), &all, false)
        .await
        .unwrap();
    assert!(page.items.is_empty());
    // DE may read the GREEN object but not delete it; FR may.
    let c1 = collection_for(store, "c1", Reader::Party("DE"))
        .await
        .unwrap();
    let e = delete_object(store, &h.seq, "DE", &c1, &ids[1], &[VersionMatch::All], &[]).await;
    assert!(matches!(e, Err(SharingError::Forbidden(_))), "{e:?}");
    let n = delete_object(store, &h.seq, "FR", &c1, &ids[1], &[VersionMatch::All], &[])
        .await
        .unwrap();
    assert_eq!(n, 1);
    // Deleted, the id is still FR's.
    let out = add_objects(store, &h.seq, "DE", "c1", swap[1..].to_vec())
        .await
        .unwrap();
    assert!(out.successes.is_empty(), "{out:?}");
    let out = add_objects(store, &h.seq, "FR", "c1", swap[1..].to_vec())
        .await
        .unwrap();
    assert_eq!(out.successes.len(), 1, "{out:?}");
    assert_eq!(
        store
            .sharing()
            .unwrap()
            .object_owner(&ids[1])
            .await
            .unwrap()
            .as_deref(),
        Some("FR")
    );
}

/// Two parties adding the same new ids at once: the append decides, and each id gets exactly
/// one owner whose version is the one stored.
pub async fn two_parties_racing_on_one_new_id_get_one_winner(f: &dyn StoreFactory) {
    let Some(h) = hub(f).await else { return };
    let store = h.store.as_ref();
    let envelope = |party: &str| -> Vec<Value> {
        (0..12u32)
            .map(|n| {
                let mut o = indicator(900 + n, "2026-01-02T00:00:00.000Z", None, &[]);
                o["name"] = json!(party);
                o
            })
            .collect()
    };
    let (fr, de) = tokio::join!(
        add_objects(store, &h.seq, "FR", "c1", envelope("FR")),
        add_objects(store, &h.seq, "DE", "c1", envelope("DE")),
    );
    let (fr, de) = (fr.unwrap(), de.unwrap());
    assert_eq!(fr.successes.len() + de.successes.len(), 12, "{fr:?} {de:?}");
    let c1 = collection_for(store, "c1", Reader::Party("FR"))
        .await
        .unwrap();
    let all = ObjectQuery {
        versions: vec![VersionMatch::All],
        ..ObjectQuery::default()
    };
    let page = visible_objects(store, &c1, Reader::Party("IT"), &all, true)
        .await
        .unwrap();
    assert_eq!(page.items.len(), 12);
    for (m, body) in page.items {
        let body: Value = serde_json::from_str(body.unwrap().get()).unwrap();
        let winner = if fr.successes.iter().any(|s| s.id == m.id) {
            "FR"
        } else {
            "DE"
        };
        assert_eq!(m.producer, winner, "{}", m.id);
        assert_eq!(body["name"], json!(winner), "{}", m.id);
    }
}

/// A different object under a recorded version is refused, naming the conflict; the same
/// object again (its timestamps written either way) is a retry, reported as done.
pub async fn a_different_object_under_a_recorded_version_is_refused(f: &dyn StoreFactory) {
    let Some(h) = hub(f).await else { return };
    let store = h.store.as_ref();
    let original = indicator(3, "2026-01-02T00:00:00.000Z", None, &[]);
    add_objects(store, &h.seq, "FR", "c1", vec![original.clone()])
        .await
        .unwrap();
    let mut changed = original.clone();
    changed["pattern"] = json!("[ipv4-addr:value = '203.0.113.66']");
    let mut rewritten = original.clone();
    rewritten["modified"] = json!("2026-01-02T00:00:00Z");
    let mut changed_rewritten = changed.clone();
    changed_rewritten["modified"] = json!("2026-01-02T00:00:00Z");
    let out = add_objects(
        store,
        &h.seq,
        "FR",
        "c1",
        vec![original, changed, rewritten, changed_rewritten],
    )
    .await
    .unwrap();
    assert_eq!(out.successes.len(), 2, "{out:?}");
    assert!(out.successes.iter().all(|s| s.message.is_some()), "{out:?}");
    let m = messages(&out);
    assert_eq!(m.len(), 2, "{out:?}");
    for m in m {
        assert!(m.contains("different content"), "{m}");
    }
    let c1 = collection_for(store, "c1", Reader::Party("FR"))
        .await
        .unwrap();
    let page = visible_objects(
        store,
        &c1,
        Reader::Party("FR"),
        &ObjectQuery::default(),
        true,
    )
    .await
    .unwrap();
    assert_eq!(page.items.len(), 1);
    let body: Value = serde_json::from_str(page.items[0].1.as_ref().unwrap().get()).unwrap();
    assert_eq!(body["pattern"], json!("[ipv4-addr:value = '198.51.100.3']"));
}

/// `created` and `modified` ahead of the hub's clock or before STIX 2 are refused, and so is
/// a recipient the hub does not know.
pub async fn object_times_and_recipients_are_bounded(f: &dyn StoreFactory) {
    let Some(h) = hub(f).await else { return };
    let ahead = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(1);
    let mut old = indicator(4, "2016-12-31T23:59:59.000Z", None, &[]);
    old["created"] = json!("2016-12-31T23:59:59.000Z");
    let objects = vec![
        indicator(4, &format!("{ahead:.3}"), None, &[]),
        old,
        indicator(
            5,
            "2026-01-02T00:00:00.000Z",
            Some(TlpMarking::Red2),
            &["DE", "ZZ-NOBODY"],
        ),
        indicator(
            6,
            "2026-01-02T00:00:00.000Z",
            Some(TlpMarking::Red2),
            &["DE"],
        ),
    ];
    let out = add_objects(h.store.as_ref(), &h.seq, "FR", "c1", objects)
        .await
        .unwrap();
    assert_eq!(out.successes.len(), 1, "{out:?}");
    let m = messages(&out);
    assert!(
        m[0].contains("`modified`") && m[0].contains("future"),
        "{m:?}"
    );
    assert!(m[1].contains("`created`"), "{m:?}");
    assert!(
        m[2].contains("x_accord_recipients") && m[2].contains("ZZ-NOBODY"),
        "{m:?}"
    );
}

//! The registry and incident record: seeding once, surviving a reopen, all-or-nothing
//! writes, filters, pages, tokens.

use crate::error::StoreError;
use crate::store::{Cursor, IncidentFilter, PageRequest, SeedOutcome};
use crate::testkit::{StoreFactory, audit_store, bundled, operator, seeded_hub};
use crate::write::{
    add_new_bundled_parties, record_incident_as_operator, seed_bundled, token_digest,
};

fn first_page() -> PageRequest {
    PageRequest {
        limit: 500,
        after: None,
    }
}

/// The bundled dataset is loaded once; a reopened store keeps it and what was added since.
pub async fn seeds_once_and_survives_reopen(f: &dyn StoreFactory) {
    let Some(test) = f.fresh().await else { return };
    let data = bundled();
    {
        let store = test.store.clone();
        let op = operator();
        let outcome = seed_bundled(store.as_ref(), op.clone(), &data)
            .await
            .unwrap();
        assert_eq!(
            outcome,
            SeedOutcome::Loaded {
                parties: data.parties.len(),
                incidents: data.incidents.len()
            }
        );
        let seq = crate::sequencer::Sequencer::start(store.clone(), op);
        let mut extra = store.incident("notpetya-2017").await.unwrap().incident;
        extra.id = "added-after-seed".into();
        record_incident_as_operator(store.as_ref(), &seq, extra)
            .await
            .unwrap();
    }
    let store = test.reopen().await;
    let outcome = seed_bundled(store.as_ref(), operator(), &data)
        .await
        .unwrap();
    assert_eq!(outcome, SeedOutcome::AlreadySeeded);
    let counts = store.counts().await.unwrap();
    assert_eq!(
        counts.incidents,
        data.incidents.len() + 1,
        "bundled data loaded twice or lost"
    );
    // The operator registers itself as a party beside the dataset's parties.
    assert_eq!(counts.parties, data.parties.len() + 1);
    assert!(store.incident("added-after-seed").await.is_ok());
    assert_eq!(store.accord().await.unwrap().id, data.accord.id);
    // A record by id, or NotFound naming its kind and the id asked for.
    let first = &data.parties[0].id;
    assert_eq!(&store.party(first).await.unwrap().id, first);
    for (what, found) in [
        ("party", store.party("no-such-id").await.err()),
        ("incident", store.incident("no-such-id").await.err()),
    ] {
        assert!(
            matches!(&found, Some(StoreError::NotFound { what: w, id }) if *w == what && id == "no-such-id"),
            "{what}: {found:?}"
        );
    }
}

/// A hub seeded by an older release (fewer parties) gains the parties a newer dataset ships,
/// each as an operator-signed log entry the audit verifies; the parties it held keep their
/// records, and a second start adds nothing.
pub async fn a_seeded_hub_gains_new_bundled_parties_through_the_log(f: &dyn StoreFactory) {
    let Some(test) = f.fresh().await else { return };
    let store = test.store.clone();
    let op = operator();
    let new = bundled();
    let mut old = new.clone();
    // The older release: the 89 parties before the whole supporters list, one of them
    // recorded differently.
    old.parties.truncate(89);
    old.parties[0].name = "Albania (as the old release had it)".into();
    seed_bundled(store.as_ref(), op.clone(), &old)
        .await
        .unwrap();
    let size_before = store.checkpoint().await.unwrap().unwrap().size;
    assert_eq!(
        add_new_bundled_parties(store.as_ref(), op.clone(), &old)
            .await
            .unwrap(),
        0
    );
    let added = add_new_bundled_parties(store.as_ref(), op.clone(), &new)
        .await
        .unwrap();
    assert_eq!(added, new.parties.len() - 89);
    let held = store.parties().await.unwrap();
    assert_eq!(
        held.len(),
        new.parties.len() + 1,
        "the operator is a party too"
    );
    for p in &new.parties[89..] {
        assert_eq!(&store.party(&p.id).await.unwrap(), p);
    }
    let kept = store.party(&old.parties[0].id).await.unwrap();
    assert_eq!(
        kept.name, old.parties[0].name,
        "a held party is not rewritten"
    );
    let report = audit_store(store.as_ref(), &op).await;
    assert_eq!(report.size, size_before + added as u64);
    let reopened = test.reopen().await;
    assert_eq!(
        add_new_bundled_parties(reopened.as_ref(), op, &new)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        reopened.parties().await.unwrap().len(),
        new.parties.len() + 1
    );
}

/// A write refused as a conflict changes neither the records nor the log.
pub async fn conflicting_insert_changes_nothing(f: &dyn StoreFactory) {
    let Some(h) = seeded_hub(f).await else { return };
    let (store, seq) = (&h.store, &h.seq);
    let before = store.all_incidents().await.unwrap();
    let size = store.checkpoint().await.unwrap().unwrap().size;
    let mut dup = store.incident("wannacry-2017").await.unwrap().incident;
    dup.title = "changed".into();
    let err = record_incident_as_operator(store.as_ref(), seq, dup)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("already exists"), "{err}");
    assert_eq!(store.all_incidents().await.unwrap(), before);
    assert_eq!(
        store.checkpoint().await.unwrap().unwrap().size,
        size,
        "log grew"
    );
}

/// Facet filters combine (every one must hold) and every match satisfies them.
pub async fn filters_combine_and_every_match_satisfies_them(f: &dyn StoreFactory) {
    let Some(h) = seeded_hub(f).await else { return };
    let store = &h.store;
    let filter = IncidentFilter {
        party: Some("RU".into()),
        principle: accord_core::accord::PrincipleId::parse("P1"),
        ..Default::default()
    };
    let page = store.incidents(&filter, &first_page()).await.unwrap();
    assert!(!page.items.is_empty());
    for r in &page.items {
        let facets = r.facets();
        assert!(
            facets
                .iter()
                .any(|(f, v)| f.as_str() == "party" && v == "RU")
        );
        assert!(r.principles().iter().any(|p| p.to_string() == "P1"));
    }
    // Exactly the incidents that match, computed from the records themselves.
    let expected: Vec<String> = store
        .all_incidents()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| {
            let facets = r.facets();
            filter
                .facets()
                .iter()
                .all(|(f, v)| facets.iter().any(|(g, w)| g == f && w == v))
        })
        .map(|r| r.incident.id)
        .collect();
    let got: Vec<String> = page.items.into_iter().map(|r| r.incident.id).collect();
    assert_eq!(got, expected);
    let none = IncidentFilter {
        year: Some(1999),
        ..Default::default()
    };
    assert!(
        store
            .incidents(&none, &first_page())
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

/// Pages of incidents follow their cursors, newest first, without gaps or repeats; a cursor
/// the store did not issue is refused.
pub async fn pages_follow_cursors_newest_first(f: &dyn StoreFactory) {
    let Some(h) = seeded_hub(f).await else { return };
    let store = &h.store;
    let all: Vec<String> = store
        .all_incidents()
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.incident.id)
        .collect();
    assert!(all.len() > 5);
    let mut page = PageRequest {
        limit: 5,
        after: None,
    };
    let mut seen = Vec::new();
    loop {
        let p = store
            .incidents(&IncidentFilter::default(), &page)
            .await
            .unwrap();
        assert!(p.items.len() <= 5);
        seen.extend(p.items.into_iter().map(|r| r.incident.id));
        match p.next {
            Some(next) => page.after = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, all);
    let bad = PageRequest {
        limit: 5,
        after: Some(Cursor("not-a-cursor".into())),
    };
    assert!(matches!(
        store.incidents(&IncidentFilter::default(), &bad).await,
        Err(StoreError::BadCursor { .. })
    ));
}

/// A store that was never seeded says so rather than answering empty.
pub async fn unseeded_store_says_so(f: &dyn StoreFactory) {
    let Some(test) = f.fresh().await else { return };
    assert!(matches!(
        test.store.accord().await,
        Err(StoreError::NotSeeded)
    ));
    assert!(matches!(
        test.store.rules().await,
        Err(StoreError::NotSeeded)
    ));
    assert_eq!(test.store.checkpoint().await.unwrap(), None);
}

/// A token digest binds a registered party; unknown parties and tokens are refused.
pub async fn tokens_bind_parties(f: &dyn StoreFactory) {
    let Some(h) = seeded_hub(f).await else { return };
    let digest = token_digest("secret-token");
    h.store.add_token(&digest, "FR").await.unwrap();
    assert_eq!(
        h.store.token_party(&digest).await.unwrap().as_deref(),
        Some("FR")
    );
    assert_eq!(
        h.store.token_party(&token_digest("other")).await.unwrap(),
        None
    );
    assert!(matches!(
        h.store.add_token(&token_digest("x"), "no-such-party").await,
        Err(StoreError::NotFound { what: "party", .. })
    ));
    let listed = h.store.tokens().await.unwrap();
    assert_eq!(listed, vec![(digest, "FR".to_owned())]);
}

/// Tokens expire and are revoked: neither authenticates, the store says which, and the
/// operator's selectors revoke exactly what they name.
pub async fn tokens_expire_and_are_revoked(f: &dyn StoreFactory) {
    use crate::tokens::{Selector, revoke};
    use crate::write::RecordError;
    let Some(h) = seeded_hub(f).await else { return };
    let now = jiff::Timestamp::now();
    let hour = jiff::SignedDuration::from_hours(1);
    let (a, b, old) = (
        token_digest("token-a"),
        token_digest("token-b"),
        token_digest("token-old"),
    );
    h.store.add_token_until(&a, "FR", now + hour).await.unwrap();
    h.store.add_token_until(&b, "FR", now + hour).await.unwrap();
    h.store
        .add_token_until(&old, "DE", now - hour)
        .await
        .unwrap();
    assert_eq!(
        h.store.token_party(&a).await.unwrap().as_deref(),
        Some("FR")
    );
    assert_eq!(h.store.token_party(&old).await.unwrap(), None, "expired");
    let expired = h.store.token(&old).await.unwrap().unwrap();
    assert!(expired.refusal(now).unwrap().contains("expired"));
    assert_eq!(expired.id, old[..crate::tokens::ID_LEN]);
    assert_eq!(
        h.store.tokens().await.unwrap().len(),
        2,
        "current tokens only"
    );

    // By id prefix: exactly that token.
    let revoked = revoke(h.store.as_ref(), &Selector::Id(a[..10].to_owned()))
        .await
        .unwrap();
    assert_eq!(revoked.len(), 1);
    assert!(revoked[0].revoked_at.is_some());
    assert_eq!(h.store.token_party(&a).await.unwrap(), None);
    assert!(
        h.store
            .token(&a)
            .await
            .unwrap()
            .unwrap()
            .refusal(now)
            .unwrap()
            .contains("revoked")
    );
    assert_eq!(
        h.store.token_party(&b).await.unwrap().as_deref(),
        Some("FR")
    );
    assert!(!h.store.revoke_token(&a).await.unwrap(), "already revoked");
    assert!(matches!(
        revoke(h.store.as_ref(), &Selector::Id(a[..10].to_owned())).await,
        Err(RecordError::Store(StoreError::Conflict { .. }))
    ));
    assert!(matches!(
        revoke(h.store.as_ref(), &Selector::Id("abc".into())).await,
        Err(RecordError::Invalid { .. })
    ));
    // By party: every current token of it.
    let revoked = revoke(h.store.as_ref(), &Selector::Party("FR".into()))
        .await
        .unwrap();
    assert_eq!(revoked.len(), 1);
    assert_eq!(h.store.token_party(&b).await.unwrap(), None);
    assert_eq!(h.store.token_list().await.unwrap().len(), 3, "rows kept");
}

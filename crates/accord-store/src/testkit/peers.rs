//! Peer hubs: the registry's signed entries and refusals, and split views caught.

use std::sync::Mutex;

use accord_tlog::checkpoint::Checkpoint;
use accord_tlog::merkle::{self, ConsistencyProof, MemoryHashStore};
use accord_tlog::note::Signer;
use async_trait::async_trait;

use crate::error::StoreError;
use crate::log::WitnessAdvance;
use crate::peers::{
    CheckOutcome, PeerSource, add_peer, check_peer, current_peers, find_peer, peer_id,
    peer_is_forked, remove_peer,
};
use crate::testkit::{StoreFactory, audit_store, seeded_hub};
use crate::write::RecordError;

/// The signer of a peer log `peer.example/log` for these tests.
fn peer_signer(seed: u8) -> Signer {
    Signer::from_seed("peer.example/log", &[seed; 32]).unwrap()
}

fn is_invalid_at<T: std::fmt::Debug>(r: Result<T, RecordError>, path: &str) -> bool {
    match r {
        Err(RecordError::Invalid { problems }) => problems.iter().any(|p| p.path == path),
        other => panic!("expected a refusal at {path}, got {other:?}"),
    }
}

/// Peers are registered and removed by operator-signed entries, listed with their state, and
/// registered again after removal; the hub's own key or origin, a cosigner key, an unknown
/// party, a URL that is not plain http(s), and a key or origin a current peer has are refused,
/// writing nothing.
pub async fn peers_are_registered_listed_and_removed_by_signed_entries(f: &dyn StoreFactory) {
    let Some(h) = seeded_hub(f).await else { return };
    let store = h.store.as_ref();
    let peer = peer_signer(7).verifier();
    let url = "http://127.0.0.1:9/";
    let before = store.checkpoint().await.unwrap().unwrap().size;

    let own_origin = Signer::from_seed(h.op.origin(), &[6; 32])
        .unwrap()
        .verifier();
    assert!(is_invalid_at(
        add_peer(store, &h.seq, &own_origin, url, None).await,
        "key"
    ));
    let own_key = Signer::new("other.example/log", h.op.signer.signing_key().clone())
        .unwrap()
        .verifier();
    assert!(is_invalid_at(
        add_peer(store, &h.seq, &own_key, url, None).await,
        "key"
    ));
    let cosigner = peer_signer(7).cosigner_verifier();
    assert!(is_invalid_at(
        add_peer(store, &h.seq, &cosigner, url, None).await,
        "key"
    ));
    assert!(is_invalid_at(
        add_peer(store, &h.seq, &peer, url, Some("no-such-party")).await,
        "party"
    ));
    for bad in [
        "ftp://peer.example/",
        "file:///etc/passwd",
        "peer.example",
        "http://user:secret@peer.example/",
        "https://peer.example/?token=x",
        "https://peer.example/#x",
    ] {
        assert!(
            is_invalid_at(add_peer(store, &h.seq, &peer, bad, None).await, "url"),
            "{bad}"
        );
    }
    assert_eq!(
        store.checkpoint().await.unwrap().unwrap().size,
        before,
        "a refusal writes nothing"
    );

    let (receipt, added) = add_peer(store, &h.seq, &peer, url, Some("FR"))
        .await
        .unwrap();
    assert_eq!(added.url, "http://127.0.0.1:9");
    assert_eq!(added.id, peer_id(&peer.to_key_string()));
    let listed = store.peers().await.unwrap();
    assert_eq!(listed, vec![added.clone()]);
    assert_eq!(listed[0].state(), "active");
    assert_eq!(listed[0].added_at, receipt.index);
    assert_eq!(listed[0].party.as_deref(), Some("FR"));
    for which in [&added.id, &added.key, &added.origin] {
        assert_eq!(find_peer(store, which).await.unwrap(), added);
    }

    // The same key again, or another key under the same origin: conflicts.
    assert!(matches!(
        add_peer(store, &h.seq, &peer, "https://elsewhere.example", None).await,
        Err(RecordError::Store(StoreError::Conflict { .. }))
    ));
    assert!(matches!(
        add_peer(store, &h.seq, &peer_signer(8).verifier(), url, None).await,
        Err(RecordError::Store(StoreError::Conflict { .. }))
    ));

    let removed = remove_peer(store, &h.seq, &added.id).await.unwrap();
    let listed = store.peers().await.unwrap();
    assert_eq!(listed[0].removed_at, Some(removed.index));
    assert_eq!(listed[0].state(), "removed");
    assert!(current_peers(store).await.unwrap().is_empty());
    assert!(matches!(
        remove_peer(store, &h.seq, &added.id).await,
        Err(RecordError::Store(StoreError::NotFound { .. }))
    ));

    // Registered again, at another URL.
    let (again, _) = add_peer(store, &h.seq, &peer, "https://peer.example/hub/", None)
        .await
        .unwrap();
    let listed = store.peers().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].added_at, again.index);
    assert_eq!(listed[0].removed_at, None);
    assert_eq!(listed[0].url, "https://peer.example/hub");
    assert_eq!(listed[0].party, None);

    let report = audit_store(store, &h.op).await;
    assert_eq!(report.kinds["peer"], 2);
    assert_eq!(report.kinds["peer-removal"], 1);
}

/// A peer's log in memory: its signer and tree, which a test can grow or replace.
struct FakePeer {
    signer: Signer,
    tree: Mutex<MemoryHashStore>,
    offline: Mutex<bool>,
}

impl FakePeer {
    fn new(signer: Signer, leaves: &[&str]) -> FakePeer {
        let peer = FakePeer {
            signer,
            tree: Mutex::new(MemoryHashStore::new()),
            offline: Mutex::new(false),
        };
        peer.grow(leaves);
        peer
    }

    fn grow(&self, leaves: &[&str]) {
        let mut tree = self.tree.lock().unwrap();
        for leaf in leaves {
            tree.append(leaf.as_bytes());
        }
    }

    /// Replaces the tree with another one: what a forked log shows.
    fn replace(&self, leaves: &[&str]) {
        *self.tree.lock().unwrap() = MemoryHashStore::new();
        self.grow(leaves);
    }
}

#[async_trait]
impl PeerSource for FakePeer {
    async fn checkpoint(&self) -> Result<String, String> {
        if *self.offline.lock().unwrap() {
            return Err("connection refused".into());
        }
        let tree = self.tree.lock().unwrap();
        let cp = Checkpoint::new(self.signer.name(), tree.size(), tree.root());
        Ok(cp.sign(&self.signer).unwrap().to_string())
    }

    async fn consistency(&self, old: u64, new: u64) -> Result<ConsistencyProof, String> {
        let tree = self.tree.lock().unwrap();
        merkle::consistency_proof(&*tree, old, new).map_err(|e| e.to_string())
    }
}

/// A peer's checkpoints are accepted while each extends the last one accepted; an offline
/// peer or one signing with another key is reported and not marked; a peer whose tree does not
/// extend the accepted one (a bad consistency proof, the same size with another root) is
/// marked forked by an operator-signed entry holding both signed checkpoints, the evidence
/// re-checks on its own, the peer is not read again, and its key cannot be registered again.
pub async fn a_peer_showing_two_views_is_marked_forked_with_evidence(f: &dyn StoreFactory) {
    let Some(h) = seeded_hub(f).await else { return };
    let store = h.store.as_ref();
    let source = FakePeer::new(peer_signer(7), &["a", "b", "c"]);
    let (_, peer) = add_peer(
        store,
        &h.seq,
        &source.signer.verifier(),
        "http://127.0.0.1:9",
        None,
    )
    .await
    .unwrap();
    let check = async |source: &FakePeer| {
        check_peer(store, &h.seq, &peer, source, 1_000)
            .await
            .unwrap()
    };

    let CheckOutcome::Accepted {
        from: None,
        checkpoint,
    } = check(&source).await
    else {
        panic!("the first checkpoint is accepted");
    };
    assert_eq!(checkpoint.size, 3);
    assert_eq!(
        store.peer_checkpoint(&peer.key).await.unwrap(),
        Some(checkpoint)
    );
    assert!(matches!(check(&source).await, CheckOutcome::Unchanged(c) if c.size == 3));
    source.grow(&["d", "e"]);
    assert!(matches!(
        check(&source).await,
        CheckOutcome::Accepted { from: Some(3), checkpoint } if checkpoint.size == 5
    ));

    // Offline, or another key: reported, nothing recorded.
    *source.offline.lock().unwrap() = true;
    assert!(matches!(check(&source).await, CheckOutcome::Unreachable(_)));
    *source.offline.lock().unwrap() = false;
    let impostor = FakePeer::new(peer_signer(9), &["a", "b", "c", "d", "e", "x"]);
    assert!(matches!(
        check(&impostor).await,
        CheckOutcome::Unverified(_)
    ));
    assert!(!peer_is_forked(store, &peer.key).await.unwrap());
    assert_eq!(
        store
            .peer_checkpoint(&peer.key)
            .await
            .unwrap()
            .unwrap()
            .size,
        5
    );

    // The compare-and-set refuses a stale expectation.
    let mut stale = store.peer_checkpoint(&peer.key).await.unwrap().unwrap();
    stale.size = 9;
    assert_eq!(
        store
            .advance_peer_checkpoint(Some((3, stale.root)), stale)
            .await
            .unwrap(),
        WitnessAdvance::Moved { size: 5 }
    );

    // The same key signs a tree of 7 that does not start with the accepted 5.
    source.replace(&["a", "b", "z", "d", "e", "f", "g"]);
    let CheckOutcome::Forked {
        index,
        now: true,
        evidence,
    } = check(&source).await
    else {
        panic!("a tree that does not extend the accepted one is a fork");
    };
    assert!(evidence.proof.is_some());
    assert!(evidence.verify().is_ok(), "{:?}", evidence.verify());
    assert!(peer_is_forked(store, &peer.key).await.unwrap());
    let (at, stored) = store.peer_fork(&peer.key).await.unwrap().unwrap();
    assert_eq!((at, &stored), (index, &*evidence));
    assert_eq!(store.peers().await.unwrap()[0].state(), "forked");
    assert_eq!(store.log_entry(index).await.unwrap().index, index);
    // Tampered evidence does not verify.
    let mut tampered = stored.clone();
    tampered.shown = tampered.accepted.clone();
    assert!(tampered.verify().is_err());
    // Caught once: not read again, and the accepted checkpoint stays.
    source.replace(&["a", "b", "c", "d", "e"]);
    assert!(matches!(
        check(&source).await,
        CheckOutcome::Forked { now: false, .. }
    ));
    assert_eq!(
        store
            .peer_checkpoint(&peer.key)
            .await
            .unwrap()
            .unwrap()
            .size,
        5
    );
    // Removed and registered again: refused, the log signed two views.
    remove_peer(store, &h.seq, &peer.id).await.unwrap();
    assert!(matches!(
        add_peer(
            store,
            &h.seq,
            &source.signer.verifier(),
            "http://127.0.0.1:9",
            None
        )
        .await,
        Err(RecordError::Store(StoreError::Conflict { .. }))
    ));

    // Another peer shows two roots at one size.
    let other = FakePeer::new(
        Signer::from_seed("other.example/log", &[11; 32]).unwrap(),
        &["a", "b"],
    );
    let (_, other_peer) = add_peer(
        store,
        &h.seq,
        &other.signer.verifier(),
        "https://other.example",
        None,
    )
    .await
    .unwrap();
    let check_other = async || {
        check_peer(store, &h.seq, &other_peer, &other, 2_000)
            .await
            .unwrap()
    };
    assert!(matches!(check_other().await, CheckOutcome::Accepted { .. }));
    other.replace(&["a", "c"]);
    let CheckOutcome::Forked { evidence, .. } = check_other().await else {
        panic!("two roots at one size are a fork");
    };
    assert!(evidence.proof.is_none());
    assert!(evidence.verify().unwrap().contains("different roots"));

    let report = audit_store(store, &h.op).await;
    assert_eq!(report.kinds["peer-fork"], 2);
}

/// A collection's mirrored objects are served only from the origin `collection.mirror` names
/// now and only while that origin is a current peer (issue 14 part 5, review finding 6); with
/// no key of the peer's FR registered here, a CLEAR object's producer is shown `FR@ORIGIN`.
pub async fn mirrored_objects_are_served_only_from_the_current_mirrored_peer(f: &dyn StoreFactory) {
    use crate::mirror::MirroredObject;
    use crate::sharing::{Collection, CollectionMirror, define_collection, visible_mirrored};
    use accord_stix::tlp::Reader;
    use accord_tlp::Tlp;

    let Some(h) = seeded_hub(f).await else { return };
    let store = h.store.as_ref();
    let origin = "peer.example/log";
    let added = add_peer(
        store,
        &h.seq,
        &peer_signer(7).verifier(),
        "http://127.0.0.1:9/",
        None,
    )
    .await
    .unwrap();
    let mut collection = Collection {
        id: "from-peer".into(),
        title: "The peer's, mirrored".into(),
        description: None,
        members: Vec::new(),
        default_tlp: Tlp::Clear,
        anonymous_read: true,
        mirror: Some(CollectionMirror {
            peer: origin.into(),
            collection: "shared".into(),
        }),
    };
    define_collection(&h.seq, collection.clone()).await.unwrap();
    let object = |origin: &str, index: u64| MirroredObject {
        collection: collection.id.clone(),
        origin: origin.into(),
        index,
        object_id: format!("indicator--6f1c8a8e-0000-4000-8000-{index:012}"),
        object_type: "indicator".into(),
        version_us: None,
        tlp: Tlp::Clear,
        producer: "FR".into(),
        recipients: Vec::new(),
        body: b"{}".to_vec(),
        salt: None,
        entry: vec![1],
        checkpoint_size: 10,
    };
    store
        .add_mirrored_objects(vec![object(origin, 1), object("gone.example/log", 2)])
        .await
        .unwrap();
    let served = visible_mirrored(store, &collection, Reader::Anonymous)
        .await
        .unwrap();
    assert_eq!(served.len(), 1, "{served:?}");
    assert_eq!(served[0].origin, origin);
    assert_eq!(served[0].producer, format!("FR@{origin}"));

    // The collection now names another origin: nothing of the first is served.
    collection.mirror = Some(CollectionMirror {
        peer: "gone.example/log".into(),
        collection: "shared".into(),
    });
    let served = visible_mirrored(store, &collection, Reader::Anonymous)
        .await
        .unwrap();
    assert!(served.is_empty(), "not a peer: {served:?}");
    collection.mirror = Some(CollectionMirror {
        peer: origin.into(),
        collection: "shared".into(),
    });
    remove_peer(store, &h.seq, &added.1.id).await.unwrap();
    let served = visible_mirrored(store, &collection, Reader::Anonymous)
        .await
        .unwrap();
    assert!(served.is_empty(), "a removed peer: {served:?}");
}

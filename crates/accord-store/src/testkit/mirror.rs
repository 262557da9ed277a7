//! Mirroring a peer's log (`federation::pull` and `Store::advance_mirror`): records kept with
//! their provenance, a pull that resumes from the accepted size, and every refusal naming what
//! it refused, with nothing stored.

use std::collections::HashMap;

use accord_tlog::checkpoint::Checkpoint;
use accord_tlog::entry::{Envelope, SignedEntry, body_salted_sha256};
use accord_tlog::merkle::{self, Hash, MemoryHashStore};
use accord_tlog::note::{Signer, Verifier};
use accord_tlog::tiles::{self, Tile, TileKind};
use accord_tlp::Tlp;
use async_trait::async_trait;
use ed25519_dalek::SigningKey;

use super::StoreFactory;
use crate::StoreError;
use crate::audit::{AuditError, LogSource, ReleasedBody};
use crate::federation::{PeerSource, Pulled, pull};
use crate::kind;
use crate::log::OPERATOR_PARTY;
use crate::mirror::{MirrorAdvance, MirroredQuery};

const ORIGIN: &str = "peer.example/mirror";
const NOW: u64 = 1_800_000_000;

/// A peer's log in memory, served as a hub serves it (a [`PeerSource`]): the operator
/// registers party `p1`'s key, `p1` signs incidents and their amendments, the operator signs
/// rules.
/// The mirroring benchmark (`accord-store-sqlite`'s `examples/mirror_sync.rs`) pulls from it.
pub struct Peer {
    operator: Signer,
    party: SigningKey,
    entries: Vec<Vec<u8>>,
    bodies: Vec<(Vec<u8>, [u8; 32])>,
    /// The peer's tree.
    pub tree: MemoryHashStore,
    /// Bodies served altered, by index.
    altered: HashMap<u64, Vec<u8>>,
    /// The checkpoint served instead of the true one.
    note_override: Option<String>,
}

impl Peer {
    /// A log holding only the registration of `p1`'s key.
    pub fn new() -> Self {
        let mut peer = Peer {
            operator: Signer::from_seed(ORIGIN, &[21; 32]).unwrap(),
            party: SigningKey::from_bytes(&[22; 32]),
            entries: Vec::new(),
            bodies: Vec::new(),
            tree: MemoryHashStore::new(),
            altered: HashMap::new(),
            note_override: None,
        };
        let key = Envelope::encode_key(&peer.party.verifying_key());
        peer.append(kind::KEY, &format!("p1/{key}"), false, b"{}".to_vec());
        peer
    }

    /// Appends an entry of `kind`, signed by `p1` or the operator.
    fn append(&mut self, kind: &str, id: &str, by_party: bool, body: Vec<u8>) {
        self.append_marked(kind, id, by_party, body, Tlp::Clear);
    }

    /// Appends an entry of `kind` under the marking `tlp`, its body released all the same.
    fn append_marked(&mut self, kind: &str, id: &str, by_party: bool, body: Vec<u8>, tlp: Tlp) {
        let i = self.entries.len();
        let salt = [(i % 251) as u8; 32];
        let key = if by_party {
            self.party.clone()
        } else {
            self.operator.signing_key().clone()
        };
        let envelope = Envelope {
            kind: kind.into(),
            id: id.into(),
            submitter: if by_party { "p1" } else { OPERATOR_PARTY }.into(),
            submitted_at: "2026-12-01T10:00:00Z".into(),
            body_sha256: None,
            body_salted_sha256: Some(body_salted_sha256(&salt, &body)),
            tlp,
            signer_key: Envelope::encode_key(&key.verifying_key()),
            extra: serde_json::Map::new(),
        };
        let bytes = SignedEntry::sign(envelope, &key)
            .unwrap()
            .to_bytes()
            .unwrap();
        self.tree.append(&bytes);
        self.entries.push(bytes);
        self.bodies.push((body, salt));
    }

    /// Grows the log to `size`: incidents by `p1`, every tenth entry operator rules, every
    /// fifteenth `p1`'s amendment of the incident just before it.
    pub fn grow_to(&mut self, size: usize) {
        while self.entries.len() < size {
            let i = self.entries.len();
            if i.is_multiple_of(10) {
                self.append(kind::RULES, &format!("rules-{i}"), false, b"{}".to_vec());
            } else if i.is_multiple_of(15) {
                // Entry i - 1 is p1's incident (i is odd, so i - 1 is no multiple of 10 or 15).
                let body = format!("{{\"kind\":\"incident\",\"id\":\"i{}\"}}", i - 1).into_bytes();
                self.append(
                    kind::AMENDMENT,
                    &format!("incident/i{}@v2", i - 1),
                    true,
                    body,
                );
            } else {
                let body = format!("{{\"id\":\"i{i}\"}}").into_bytes();
                self.append(kind::INCIDENT, &format!("i{i}"), true, body);
            }
        }
    }

    fn note(&self) -> String {
        self.note_override.clone().unwrap_or_else(|| {
            Checkpoint::new(ORIGIN, self.tree.size(), self.tree.root())
                .sign(&self.operator)
                .unwrap()
                .to_string()
        })
    }

    /// The peer log's verifier key.
    pub fn verifier(&self) -> Verifier {
        self.operator.verifier()
    }
}

impl Default for Peer {
    fn default() -> Self {
        Self::new()
    }
}

#[async_trait]
impl LogSource for Peer {
    async fn checkpoint(&self) -> Result<Vec<u8>, String> {
        Ok(self.note().into_bytes())
    }
    async fn tile(&self, tile: Tile) -> Result<Vec<u8>, String> {
        match tile.kind {
            TileKind::Entries => {
                let start = (tile.index * tiles::TILE_WIDTH) as usize;
                tiles::encode_bundle(&self.entries[start..start + usize::from(tile.width)])
                    .map_err(|e| e.to_string())
            }
            TileKind::Hashes { .. } => {
                tiles::read_tile_data(&self.tree, &tile).map_err(|e| e.to_string())
            }
        }
    }
    async fn bodies(&self, bundle: u64, width: u16) -> Result<Vec<ReleasedBody>, String> {
        let start = bundle * tiles::TILE_WIDTH;
        Ok((start..start + u64::from(width))
            .map(|i| {
                let (body, salt) = &self.bodies[i as usize];
                ReleasedBody {
                    index: i,
                    body: self.altered.get(&i).unwrap_or(body).clone(),
                    salt: Some(salt.to_vec()),
                }
            })
            .collect())
    }
}

#[async_trait]
impl PeerSource for Peer {
    async fn consistency(&self, old: u64, new: u64) -> Result<Vec<Hash>, String> {
        merkle::consistency_proof(&self.tree, old, new)
            .map(|p| p.hashes)
            .map_err(|e| e.to_string())
    }
}

async fn pulled(peer: &Peer, accepted: Option<&crate::mirror::MirrorState>) -> Option<Pulled> {
    pull(peer, &peer.verifier(), accepted, NOW, &|_, _| {})
        .await
        .unwrap()
}

/// A first pull mirrors the incidents and amendments with their origin, index and proving
/// checkpoint; the next pull reads only what the peer added (across a bundle's end), and one
/// with nothing new changes nothing; all of it survives a reopen.
pub async fn a_peer_log_mirrors_with_provenance_and_resumes_from_the_accepted_size(
    f: &dyn StoreFactory,
) {
    let Some(test) = f.fresh().await else { return };
    let store = test.store.clone();
    let mut peer = Peer::new();
    peer.grow_to(40);
    let first = pulled(&peer, None).await.unwrap();
    assert_eq!((first.from, first.state.size), (0, 40));
    let incidents = first.entries.iter().filter(|e| e.kind == kind::INCIDENT);
    assert_eq!(incidents.count(), 35); // 40 minus the key, 3 rules, 1 amendment (at 15)
    assert!(first.entries.iter().all(|e| e.checkpoint_size == 40));
    assert_eq!(
        store
            .advance_mirror(None, first.state.clone(), first.entries.clone())
            .await
            .unwrap(),
        MirrorAdvance::Stored
    );

    peer.grow_to(300);
    let accepted = store.mirror(ORIGIN).await.unwrap().unwrap();
    assert_eq!(accepted, first.state);
    let second = pulled(&peer, Some(&accepted)).await.unwrap();
    assert_eq!((second.from, second.state.size), (40, 300));
    assert!(second.entries.iter().all(|e| e.index >= 40));
    // The key history came through the stored state, not the old entries.
    assert_eq!(second.state.keys.len(), 1);
    store
        .advance_mirror(
            Some((accepted.size, accepted.root)),
            second.state.clone(),
            second.entries.clone(),
        )
        .await
        .unwrap();
    // A stale sync (from the first state) finds the state moved and writes nothing.
    assert_eq!(
        store
            .advance_mirror(None, first.state.clone(), first.entries.clone())
            .await
            .unwrap(),
        MirrorAdvance::Moved { size: 300 }
    );

    let store = test.reopen().await;
    let state = store.mirror(ORIGIN).await.unwrap().unwrap();
    assert_eq!(state.size, 300);
    assert!(pulled(&peer, Some(&state)).await.is_none());
    let all = store
        .mirrored_entries(MirroredQuery {
            origin: Some(ORIGIN.into()),
            limit: 1000,
            ..MirroredQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(all.len(), first.entries.len() + second.entries.len());
    let e = all.iter().find(|e| e.index == 45).unwrap();
    assert_eq!(
        (e.kind.as_str(), e.entry_id.as_str()),
        ("amendment", "incident/i44@v2")
    );
    assert_eq!(e.body, b"{\"kind\":\"incident\",\"id\":\"i44\"}");
    assert_eq!(e.entry, peer.entries[45]);
    assert_eq!(
        merkle::leaf_hash(&e.entry),
        peer.tree.get(merkle::NodeId::new(0, 45)).unwrap()
    );
    let proof_note = store
        .mirror_checkpoint(ORIGIN, e.checkpoint_size)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(proof_note, second.state.note);
    assert_eq!(store.mirrors().await.unwrap(), vec![state]);
}

/// A body altered in transit, an entry signed with a key the peer's log never registered, a
/// split view at the accepted size, a rollback and a bad consistency proof are each refused,
/// naming the entry or the sizes, and the store keeps what it had.
pub async fn a_pull_refuses_tampering_split_views_and_rollbacks_naming_them(f: &dyn StoreFactory) {
    let Some(test) = f.fresh().await else { return };
    let store = test.store.clone();
    let mut peer = Peer::new();
    peer.grow_to(20);
    let first = pulled(&peer, None).await.unwrap();
    store
        .advance_mirror(None, first.state.clone(), first.entries)
        .await
        .unwrap();
    let accepted = first.state;

    peer.grow_to(600);
    peer.altered.insert(517, b"{\"id\":\"forged\"}".to_vec());
    let err = pull(&peer, &peer.verifier(), Some(&accepted), NOW, &|_, _| {})
        .await
        .unwrap_err();
    assert!(matches!(err, AuditError::Body { index: 517 }), "{err}");
    assert!(err.to_string().contains("entry 517"), "{err}");
    peer.altered.clear();

    // An incident signed by a key the peer's log never registered.
    let stranger = SigningKey::from_bytes(&[23; 32]);
    let honest_party = std::mem::replace(&mut peer.party, stranger);
    peer.append(kind::INCIDENT, "rogue", true, b"{}".to_vec());
    peer.party = honest_party;
    let err = pull(&peer, &peer.verifier(), Some(&accepted), NOW, &|_, _| {})
        .await
        .unwrap_err();
    match &err {
        AuditError::Entry { index, detail } => {
            assert_eq!(*index, 600);
            assert!(detail.contains("never registered"), "{detail}");
        }
        other => panic!("{other}"),
    }

    // Another tree at the accepted size, signed by the peer: a split view.
    let mut other = Peer::new();
    other.grow_to(19);
    other.append(kind::RULES, "different", false, b"{\"x\":1}".to_vec());
    assert_eq!(other.tree.size(), accepted.size);
    let err = pull(&other, &other.verifier(), Some(&accepted), NOW, &|_, _| {})
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AuditError::Inconsistent { old_size: 20, detail } if detail.contains("split view")),
        "{err}"
    );
    // The same other tree grown past the accepted size: its consistency proof fails.
    other.grow_to(50);
    let err = pull(&other, &other.verifier(), Some(&accepted), NOW, &|_, _| {})
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AuditError::Inconsistent { old_size: 20, detail } if detail.contains("consistency proof")),
        "{err}"
    );
    // A smaller tree: a rollback.
    let mut short = Peer::new();
    short.grow_to(10);
    let err = pull(&short, &short.verifier(), Some(&accepted), NOW, &|_, _| {})
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AuditError::Inconsistent { detail, .. } if detail.contains("rolled back")),
        "{err}"
    );
    // A checkpoint signed by another key.
    peer.note_override = Some(
        Checkpoint::new(ORIGIN, 5, merkle::empty_root())
            .sign(&Signer::from_seed(ORIGIN, &[99; 32]).unwrap())
            .unwrap()
            .to_string(),
    );
    let err = pull(&peer, &peer.verifier(), Some(&accepted), NOW, &|_, _| {})
        .await
        .unwrap_err();
    assert!(matches!(err, AuditError::Checkpoint(_)), "{err}");

    // A log of the same origin under another key (a peer registered again with a new key)
    // does not go on from what the old key's log was verified to.
    let mut rekeyed = Peer::new();
    rekeyed.operator = Signer::from_seed(ORIGIN, &[98; 32]).unwrap();
    rekeyed.grow_to(30);
    let err = pull(
        &rekeyed,
        &rekeyed.verifier(),
        Some(&accepted),
        NOW,
        &|_, _| {},
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, AuditError::Checkpoint(d) if d.contains("under key")),
        "{err}"
    );

    assert_eq!(store.mirror(ORIGIN).await.unwrap().unwrap(), accepted);
    let stored = store
        .mirrored_entries(MirroredQuery {
            limit: 10_000,
            ..MirroredQuery::default()
        })
        .await
        .unwrap();
    assert!(stored.iter().all(|e| e.index < 20));
}

/// Found in review: a pull mirrored an amendment its signer may not make (the operator's of
/// `p1`'s incident), which `accord log verify` refuses, and kept a marked body a peer released,
/// which `/api/v1/mirrored` then served to anyone. A first pull, and one resumed from the
/// recorders kept in the mirror state, now refuse the one, naming the entry (the recorder's own
/// amendment of a record from before the resume point passes); every pull withholds the other.
pub async fn a_pull_refuses_an_amendment_by_another_than_the_recorder_and_keeps_no_marked_body(
    f: &dyn StoreFactory,
) {
    let Some(test) = f.fresh().await else { return };
    let mut peer = Peer::new();
    peer.grow_to(20);
    peer.append_marked(
        kind::INCIDENT,
        "marked",
        true,
        b"{\"id\":\"marked\"}".to_vec(),
        Tlp::Amber,
    );
    let pulled_ok = pulled(&peer, None).await.unwrap();
    assert!(pulled_ok.entries.iter().all(|e| e.entry_id != "marked"));
    assert_eq!(pulled_ok.withheld, 1);
    test.store
        .advance_mirror(None, pulled_ok.state, pulled_ok.entries)
        .await
        .unwrap();
    let kept = test
        .store
        .mirrored_entries(MirroredQuery {
            origin: Some(ORIGIN.into()),
            limit: 1000,
            ..MirroredQuery::default()
        })
        .await
        .unwrap();
    assert!(!kept.is_empty() && kept.iter().all(|e| e.entry_id != "marked"));
    let accepted = test.store.mirror(ORIGIN).await.unwrap().unwrap();

    // p1 amends its own incident i3, recorded before the accepted size: a resumed pull
    // takes it, knowing the recorders from the state kept.
    peer.append_marked(
        kind::AMENDMENT,
        "incident/i3@v2",
        true,
        b"{\"kind\":\"incident\",\"id\":\"i3\"}".to_vec(),
        Tlp::Clear,
    );
    let resumed = pulled(&peer, Some(&accepted)).await.unwrap();
    assert_eq!(resumed.entries.len(), 1);
    assert!(
        resumed
            .state
            .recorders
            .iter()
            .any(|r| r.record == "incident/i3")
    );

    // The operator amends p1's incident i3: refused by a first pull and by a resumed one.
    peer.append_marked(
        kind::AMENDMENT,
        "incident/i3@v3",
        false,
        b"{\"kind\":\"incident\",\"id\":\"i3\"}".to_vec(),
        Tlp::Clear,
    );
    let resumed = pull(&peer, &peer.verifier(), Some(&accepted), NOW, &|_, _| {})
        .await
        .unwrap_err();
    match &resumed {
        AuditError::Entry { index, detail } => {
            assert_eq!(*index, 22);
            assert!(detail.contains("recorded it"), "{detail}");
        }
        other => panic!("{other}"),
    }
    let err = pull(&peer, &peer.verifier(), None, NOW, &|_, _| {})
        .await
        .unwrap_err();
    match &err {
        AuditError::Entry { index, detail } => {
            assert_eq!(*index, 22);
            assert!(detail.contains("recorded it"), "{detail}");
        }
        other => panic!("{other}"),
    }
}

/// Object versions mirrored into a local collection (issue 14 part 5) are stored with their
/// provenance, marking, producer and recipients, each once per collection (a second sync adds
/// nothing), kept apart per collection, and survive a reopen.
pub async fn mirrored_objects_are_stored_once_per_collection_with_their_provenance(
    f: &dyn StoreFactory,
) {
    let Some(test) = f.fresh().await else { return };
    let store = test.store.clone();
    let object = |collection: &str, index: u64, tlp: Tlp| crate::mirror::MirroredObject {
        collection: collection.into(),
        origin: ORIGIN.into(),
        index,
        object_id: format!("indicator--6f1c8a8e-0000-4000-8000-{index:012}"),
        object_type: "indicator".into(),
        version_us: (index != 2).then_some(1_770_000_000_000_000 + index as i64),
        tlp,
        producer: "FR".into(),
        recipients: if tlp == Tlp::Red {
            vec!["DE".into(), "IT".into()]
        } else {
            Vec::new()
        },
        body: format!("{{\"n\":{index}}}").into_bytes(),
        salt: (index != 3).then(|| vec![index as u8; 32]),
        entry: vec![index as u8; 10],
        checkpoint_size: 40,
    };
    let batch = vec![
        object("local", 1, Tlp::Clear),
        object("local", 2, Tlp::AmberStrict),
        object("local", 3, Tlp::Red),
        object("other", 1, Tlp::Clear),
    ];
    assert_eq!(store.add_mirrored_objects(batch.clone()).await.unwrap(), 4);
    assert_eq!(store.add_mirrored_objects(batch.clone()).await.unwrap(), 0);
    assert_eq!(store.add_mirrored_objects(Vec::new()).await.unwrap(), 0);
    let reopened = test.reopen().await;
    for s in [&store, &reopened] {
        assert_eq!(s.mirrored_objects("local").await.unwrap(), batch[..3]);
        assert_eq!(s.mirrored_objects("other").await.unwrap(), batch[3..]);
        assert!(s.mirrored_objects("none").await.unwrap().is_empty());
    }
}

/// A state under another verifier key than the one stored is refused even when its size and
/// root match what the caller expects: the entries mirrored so far were verified under the
/// stored key, which a later advance must not replace.
pub async fn advance_mirror_keeps_the_verifier_key_the_entries_were_verified_under(
    f: &dyn StoreFactory,
) {
    let Some(test) = f.fresh().await else { return };
    let store = test.store.clone();
    let mut peer = Peer::new();
    peer.grow_to(40);
    let first = pulled(&peer, None).await.unwrap();
    store
        .advance_mirror(None, first.state.clone(), first.entries.clone())
        .await
        .unwrap();
    peer.grow_to(60);
    let accepted = store.mirror(ORIGIN).await.unwrap().unwrap();
    let mut second = pulled(&peer, Some(&accepted)).await.unwrap();
    let other = Signer::from_seed(ORIGIN, &[9; 32]).unwrap().verifier();
    second.state.verifier_key = other.to_key_string();
    let err = store
        .advance_mirror(
            Some((accepted.size, accepted.root)),
            second.state.clone(),
            second.entries.clone(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict { .. }) && err.to_string().contains("verifier key"),
        "{err}"
    );
    let kept = store.mirror(ORIGIN).await.unwrap().unwrap();
    assert_eq!(kept, accepted);
}

/// A peer's incident, or its amendment, that this hub's own write path would refuse (here: an
/// empty title) is left out of the mirrored incidents and so of every scorecard scope; a valid
/// one is listed. A peer's signature says who wrote a record, not that it keeps this hub's
/// rules (found in review: mirrored records were only parsed).
pub async fn a_mirrored_incident_this_hub_would_refuse_is_left_out(f: &dyn StoreFactory) {
    use crate::mirrored::{Scope, mirrored_incidents, scoped_incidents};
    let Some(hub) = super::seeded_hub(f).await else {
        return;
    };
    let store = hub.store.clone();
    let data = super::bundled();
    let mut good = data.incidents[0].clone();
    good.id = "peer-good".into();
    let mut bad = data.incidents[1].clone();
    bad.id = "peer-bad".into();
    bad.title = String::new();
    let mut amended_badly = good.clone();
    amended_badly.summary = " ".into();
    let amendment = serde_json::json!({
        "kind": "incident",
        "id": "peer-good",
        "previous": serde_json::to_value(&good).unwrap(),
        "new": serde_json::to_value(&amended_badly).unwrap(),
        "reasons": [{"date": "2026-12-07", "what": "summary", "why": "emptied by a hostile peer"}],
    });
    let mut peer = Peer::new();
    peer.append(
        kind::INCIDENT,
        "peer-good",
        true,
        serde_json::to_vec(&good).unwrap(),
    );
    peer.append(
        kind::INCIDENT,
        "peer-bad",
        true,
        serde_json::to_vec(&bad).unwrap(),
    );
    peer.append(
        kind::AMENDMENT,
        "incident/peer-good@v2",
        true,
        serde_json::to_vec(&amendment).unwrap(),
    );
    let p = pulled(&peer, None).await.unwrap();
    assert_eq!(
        p.entries.len(),
        3,
        "all three are mirrored as the peer signed them"
    );
    store
        .advance_mirror(None, p.state, p.entries)
        .await
        .unwrap();

    let listed = mirrored_incidents(store.as_ref(), None).await.unwrap();
    let ids: Vec<&str> = listed
        .iter()
        .map(|m| m.record.incident.id.as_str())
        .collect();
    assert_eq!(ids, ["peer-good"]);
    assert_eq!(
        listed[0].record.incident, good,
        "the refused amendment is not applied"
    );
    assert!(listed[0].amendments.is_empty());
    let scoped = scoped_incidents(store.as_ref(), Scope::Mirrored)
        .await
        .unwrap();
    assert!(scoped.iter().any(|r| r.incident.id == "peer-good"));
    assert!(!scoped.iter().any(|r| r.incident.id == "peer-bad"));
}

/// Request entries mirrored from a peer are stored with their provenance, each once (a second
/// sync adds nothing), read by origin and index (one origin, or every one), and survive a
/// reopen.
pub async fn mirrored_requests_are_stored_once_with_their_provenance(f: &dyn StoreFactory) {
    let Some(test) = f.fresh().await else { return };
    let store = test.store.clone();
    let entry = |origin: &str, index: u64, tlp: Tlp| crate::mirror::MirroredRequestEntry {
        origin: origin.into(),
        index,
        kind: if index == 1 {
            kind::REQUEST.into()
        } else {
            kind::REQUEST_TRANSITION.into()
        },
        request_id: "6f1c8a8e-0000-4000-8000-000000000001".into(),
        submitter: "FR".into(),
        tlp,
        body: format!("{{\"n\":{index}}}").into_bytes(),
        salt: (index != 3).then(|| vec![index as u8; 32]),
        entry: vec![index as u8; 10],
        checkpoint_size: 40 + index,
    };
    let batch = vec![
        entry(ORIGIN, 1, Tlp::Red),
        entry(ORIGIN, 2, Tlp::Red),
        entry(ORIGIN, 3, Tlp::Green),
        entry("other.example/log", 1, Tlp::Amber),
    ];
    assert_eq!(store.add_mirrored_requests(batch.clone()).await.unwrap(), 4);
    assert_eq!(store.add_mirrored_requests(batch.clone()).await.unwrap(), 0);
    assert_eq!(store.add_mirrored_requests(Vec::new()).await.unwrap(), 0);
    let reopened = test.reopen().await;
    for s in [&store, &reopened] {
        assert_eq!(s.mirrored_requests(Some(ORIGIN)).await.unwrap(), batch[..3]);
        assert_eq!(
            s.mirrored_requests(Some("other.example/log"))
                .await
                .unwrap(),
            batch[3..]
        );
        let all = s.mirrored_requests(None).await.unwrap();
        assert_eq!(all.len(), 4);
        assert_eq!(all[0], batch[3], "by origin, then index");
        assert!(
            s.mirrored_requests(Some("none.example/log"))
                .await
                .unwrap()
                .is_empty()
        );
    }
}

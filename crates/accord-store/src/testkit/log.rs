//! The verifiable record: signed checkpoints, proofs, tiles, keys, replays, batching.

use accord_tlog::checkpoint::Checkpoint;
use accord_tlog::entry::SignedEntry;
use accord_tlog::merkle::{self, MemoryHashStore};
use accord_tlog::tiles::{Tile, decode_bundle, tiles_for_size};
use accord_tlp::Tlp;
use ed25519_dalek::SigningKey;

use crate::error::StoreError;
use crate::kind;
use std::sync::Arc;

use crate::log::{OPERATOR_PARTY, Operator};
use crate::testkit::{Hub, StoreFactory, bundled, operator, seeded_hub};
use crate::write::seed_bundled;
use crate::write::{RecordError, add_key, revoke_key, sign_submission, submit_incident};

fn incident(id: &str) -> serde_json::Value {
    serde_json::json!({
        "id": id, "title": "Test", "summary": "A test incident.",
        "dates": {"start": {"date": "2026", "source": {"as_of": "2026-11", "verification": "unverified"}}},
        "victims": [{"name": "A port", "country": "NL", "sector": "transport",
                     "target_class": {"class": "civilian", "note": "a port", "source": {"as_of": "2026-11", "verification": "unverified"}},
                     "source": {"as_of": "2026-11", "verification": "unverified"}}],
        "armed_conflict": {"status": "no", "note": "a test record: no conflict", "source": {"as_of": "2026-11", "verification": "unverified"}}
    })
}

/// Registers a key for FR and returns it.
async fn fr_key(h: &Hub, seed: u8) -> SigningKey {
    let key = SigningKey::from_bytes(&[seed; 32]);
    add_key(h.store.as_ref(), &h.seq, "FR", &key.verifying_key())
        .await
        .unwrap();
    key
}

/// A node holding another operator key may not extend the log (two keys would publish two
/// logs under one origin); the log is unchanged.
pub async fn another_operator_key_is_refused(f: &dyn StoreFactory) {
    let Some(h) = seeded_hub(f).await else { return };
    let before = h.store.checkpoint().await.unwrap().unwrap();
    let stranger = Arc::new(Operator {
        party: OPERATOR_PARTY.to_owned(),
        signer: accord_tlog::note::Signer::from_seed("test.example/log", &[7; 32]).unwrap(),
    });
    let party = accord_core::party::Party {
        id: "stranger-test".into(),
        name: "Stranger".into(),
        kind: accord_core::party::PartyKind::Organisation,
        country: None,
        support: None,
        absent_at_launch: None,
        listing: None,
    };
    let write = crate::write::operator_write(
        &stranger,
        crate::kind::PARTY,
        &party.id,
        &party,
        crate::log::Effect::Party(Box::new(party.clone())),
    )
    .unwrap();
    let e = h.store.append(vec![write], stranger).await.unwrap_err();
    assert!(e.to_string().contains("operator key"), "{e}");
    assert_eq!(h.store.checkpoint().await.unwrap().unwrap(), before);
}

/// Two nodes starting together on an empty store both come up: one seeds, the other finds
/// the store seeded, and the bundled data is in the log once.
pub async fn nodes_seeding_together_seed_once(f: &dyn StoreFactory) {
    let Some(test) = f.fresh().await else { return };
    let op = operator();
    let data = bundled();
    let (a, b) = tokio::join!(
        seed_bundled(test.store.as_ref(), op.clone(), &data),
        seed_bundled(test.store.as_ref(), op.clone(), &data)
    );
    let outcomes = [a.unwrap(), b.unwrap()];
    assert_eq!(
        outcomes
            .iter()
            .filter(|o| matches!(o, crate::store::SeedOutcome::AlreadySeeded))
            .count(),
        1,
        "{outcomes:?}"
    );
    let parties = test.store.parties().await.unwrap().len();
    assert_eq!(parties, data.parties.len() + 1);
}

/// The latest checkpoint is signed by the operator and its root is the tree of every stored entry.
pub async fn checkpoint_is_signed_and_covers_every_entry(f: &dyn StoreFactory) {
    let Some(h) = seeded_hub(f).await else { return };
    let cp = h.store.checkpoint().await.unwrap().unwrap();
    let (parsed, opened) =
        Checkpoint::open(cp.note.as_bytes(), h.op.origin(), &[h.op.signer.verifier()]).unwrap();
    assert_eq!(parsed.size, cp.size);
    assert_eq!(opened.verified.len(), 1);
    // Recompute the root from the entries themselves.
    let mut tree = MemoryHashStore::new();
    for i in 0..cp.size {
        let e = h.store.log_entry(i).await.unwrap();
        let entry = SignedEntry::from_bytes(&e.entry).unwrap();
        entry.verify_self_signed().unwrap();
        // Every new entry commits with a salt, stored beside its body.
        assert!(entry.envelope.body_sha256.is_none());
        assert_eq!(e.salt.as_ref().map(Vec::len), Some(32));
        assert!(entry.envelope.commits_to(&e.body, e.salt.as_deref()));
        tree.append(&e.entry);
    }
    assert_eq!(tree.root(), parsed.root);
}

/// Inclusion and consistency proofs verify against published checkpoints; nothing beyond them is proven.
pub async fn proofs_verify_against_published_checkpoints(f: &dyn StoreFactory) {
    let Some(h) = seeded_hub(f).await else { return };
    let old = h.store.checkpoint().await.unwrap().unwrap();
    let key = fr_key(&h, 7).await;
    let sub = sign_submission(
        kind::INCIDENT,
        "proof-test",
        "FR",
        Tlp::Clear,
        &incident("proof-test"),
        &key,
    )
    .unwrap();
    let record = submit_incident(h.store.as_ref(), &h.seq, "FR", sub)
        .await
        .unwrap();
    let new = h.store.checkpoint().await.unwrap().unwrap();
    assert!(new.size > old.size);
    let index = record.log_index.unwrap();
    let stored = h.store.log_entry(index).await.unwrap();
    let proof = h.store.inclusion_proof(index, new.size).await.unwrap();
    proof
        .verify(&merkle::leaf_hash(&stored.entry), &new.root)
        .unwrap();
    let consistency = h.store.consistency_proof(old.size, new.size).await.unwrap();
    consistency.verify(&old.root, &new.root).unwrap();
    // Beyond the published tree there is nothing to prove.
    assert!(matches!(
        h.store.inclusion_proof(0, new.size + 1).await,
        Err(StoreError::BeyondLog { .. })
    ));
    assert!(matches!(
        h.store.log_entry(new.size).await,
        Err(StoreError::NoSuchEntry { .. })
    ));
}

/// The tiles and entry bundles of the published tree rebuild its root; a tile wider than the tree is refused.
pub async fn tiles_and_bundles_rebuild_the_tree(f: &dyn StoreFactory) {
    let Some(h) = seeded_hub(f).await else { return };
    let cp = h.store.checkpoint().await.unwrap().unwrap();
    let mut leaves = Vec::new();
    for tile in tiles_for_size(cp.size) {
        let data = h.store.tile(tile).await.unwrap();
        if tile.kind == accord_tlog::tiles::TileKind::Entries {
            for e in decode_bundle(&data).unwrap() {
                leaves.push(merkle::leaf_hash(e));
            }
        }
    }
    assert_eq!(leaves.len() as u64, cp.size);
    assert_eq!(merkle::tree_hash(&leaves), cp.root);
    let too_wide = Tile::hashes(0, 0, 256).unwrap();
    if cp.size < 256 {
        assert!(matches!(
            h.store.tile(too_wide).await,
            Err(StoreError::BeyondLog { .. })
        ));
    }
}

/// Unregistered keys, other parties' entries, tampered bodies and signatures, replays and revoked keys are refused and reach no log.
pub async fn signatures_keys_and_replays(f: &dyn StoreFactory) {
    let Some(h) = seeded_hub(f).await else { return };
    let key = fr_key(&h, 9).await;
    let stranger = SigningKey::from_bytes(&[3; 32]);
    let body = incident("sig-test");
    let size = || async { h.store.checkpoint().await.unwrap().unwrap().size };
    let before = size().await;

    // A key not registered for the party.
    let sub = sign_submission(
        kind::INCIDENT,
        "sig-test",
        "FR",
        Tlp::Clear,
        &body,
        &stranger,
    )
    .unwrap();
    let err = submit_incident(h.store.as_ref(), &h.seq, "FR", sub)
        .await
        .unwrap_err();
    assert!(matches!(err, RecordError::Forbidden(_)), "{err}");

    // Another party's entry.
    let sub = sign_submission(kind::INCIDENT, "sig-test", "DE", Tlp::Clear, &body, &key).unwrap();
    let err = submit_incident(h.store.as_ref(), &h.seq, "FR", sub)
        .await
        .unwrap_err();
    assert!(matches!(err, RecordError::Forbidden(_)), "{err}");

    // A tampered body.
    let mut sub =
        sign_submission(kind::INCIDENT, "sig-test", "FR", Tlp::Clear, &body, &key).unwrap();
    sub.body["title"] = "Tampered".into();
    let err = submit_incident(h.store.as_ref(), &h.seq, "FR", sub)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("body_salted_sha256"), "{err}");

    // A salt that is not the entry's, or none.
    let mut sub =
        sign_submission(kind::INCIDENT, "sig-test", "FR", Tlp::Clear, &body, &key).unwrap();
    sub.salt = Some("00".repeat(32));
    let err = submit_incident(h.store.as_ref(), &h.seq, "FR", sub.clone())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("body_salted_sha256"), "{err}");
    sub.salt = None;
    let err = submit_incident(h.store.as_ref(), &h.seq, "FR", sub)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("salt"), "{err}");

    // The plain, guessable SHA-256 of entries written before salting is not taken for new ones.
    let canonical = accord_tlog::entry::canonical_json(&body).unwrap();
    let envelope = accord_tlog::entry::Envelope {
        kind: kind::INCIDENT.into(),
        id: "sig-test".into(),
        submitter: "FR".into(),
        submitted_at: jiff::Timestamp::now().to_string(),
        body_sha256: Some(accord_tlog::entry::body_sha256(&canonical)),
        body_salted_sha256: None,
        tlp: Tlp::Clear,
        signer_key: accord_tlog::entry::Envelope::encode_key(&key.verifying_key()),
        extra: serde_json::Map::new(),
    };
    let entry = SignedEntry::sign(envelope, &key).unwrap();
    let sub = crate::write::Submission {
        entry: serde_json::from_slice(&entry.to_bytes().unwrap()).unwrap(),
        body: body.clone(),
        salt: None,
    };
    let err = submit_incident(h.store.as_ref(), &h.seq, "FR", sub)
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("entry.envelope.body_sha256: a new entry commits"),
        "{err}"
    );

    // A tampered signature.
    let mut sub =
        sign_submission(kind::INCIDENT, "sig-test", "FR", Tlp::Clear, &body, &key).unwrap();
    let sig = sub.entry["signature"].as_str().unwrap().to_owned();
    let mut chars: Vec<char> = sig.chars().collect();
    chars[5] = if chars[5] == 'A' { 'B' } else { 'A' };
    let flipped: String = chars.into_iter().collect();
    sub.entry["signature"] = flipped.into();
    let err = submit_incident(h.store.as_ref(), &h.seq, "FR", sub)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            RecordError::BadSignature(_) | RecordError::Invalid { .. }
        ),
        "{err}"
    );
    assert_eq!(size().await, before, "a refused write reached the log");

    // A good one, then its replay.
    let sub = sign_submission(kind::INCIDENT, "sig-test", "FR", Tlp::Clear, &body, &key).unwrap();
    submit_incident(h.store.as_ref(), &h.seq, "FR", sub.clone())
        .await
        .unwrap();
    let err = submit_incident(h.store.as_ref(), &h.seq, "FR", sub)
        .await
        .unwrap_err();
    assert!(
        matches!(err, RecordError::Store(StoreError::Conflict { .. })),
        "{err}"
    );

    // A revoked key.
    revoke_key(h.store.as_ref(), &h.seq, "FR", &key.verifying_key())
        .await
        .unwrap();
    let after_revoke = size().await;
    let sub = sign_submission(
        kind::INCIDENT,
        "sig-test-2",
        "FR",
        Tlp::Clear,
        &incident("sig-test-2"),
        &key,
    )
    .unwrap();
    let err = submit_incident(h.store.as_ref(), &h.seq, "FR", sub)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("revoked"), "{err}");
    assert_eq!(size().await, after_revoke);
}

/// Two hundred concurrent writes land at consecutive indexes, each once.
pub async fn concurrent_writes_are_batched_without_gaps(f: &dyn StoreFactory) {
    let Some(h) = seeded_hub(f).await else { return };
    let key = fr_key(&h, 11).await;
    let start = h.store.checkpoint().await.unwrap().unwrap().size;
    let mut tasks = Vec::new();
    for n in 0..200 {
        let store = h.store.clone();
        let seq = h.seq.clone();
        let key = key.clone();
        tasks.push(tokio::spawn(async move {
            let id = format!("batch-{n}");
            let sub = sign_submission(kind::INCIDENT, &id, "FR", Tlp::Clear, &incident(&id), &key)
                .unwrap();
            submit_incident(store.as_ref(), &seq, "FR", sub)
                .await
                .unwrap()
                .log_index
                .unwrap()
        }));
    }
    let mut indexes = Vec::new();
    for t in tasks {
        indexes.push(t.await.unwrap());
    }
    indexes.sort_unstable();
    let expected: Vec<u64> = (start..start + 200).collect();
    assert_eq!(indexes, expected);
    assert_eq!(
        h.store.checkpoint().await.unwrap().unwrap().size,
        start + 200
    );
}

/// A witness signer for these tests, and its party (FR's token would post it).
fn witness_signer(seed: u8) -> accord_tlog::note::Signer {
    accord_tlog::note::Signer::from_seed("witness.example/w1", &[seed; 32]).unwrap()
}

/// The text of the checkpoint of `size`.
async fn checkpoint_text(h: &Hub, size: u64) -> String {
    let cp = h.store.checkpoint_at(size).await.unwrap().unwrap();
    accord_tlog::note::Note::parse(&cp.note)
        .unwrap()
        .text()
        .to_owned()
}

/// Cosignatures come only from witnesses the operator configured (a log entry), posted by
/// their bound party, under their own key, over the checkpoint; one per witness (a newer one
/// replaces the older), never under the log's origin or the operator's key ID.
pub async fn cosignatures_come_only_from_configured_witnesses(f: &dyn StoreFactory) {
    use crate::witness::{add_witness, cosign, remove_witness};
    let Some(h) = seeded_hub(f).await else { return };
    let store = h.store.as_ref();
    let w = witness_signer(5);
    let cp = h.store.checkpoint().await.unwrap().unwrap();
    let line = w
        .sign(&checkpoint_text(&h, cp.size).await)
        .unwrap()
        .to_line();
    // Not configured yet: refused.
    let e = cosign(store, &h.op, "FR", cp.size, &line)
        .await
        .unwrap_err();
    assert!(matches!(e, RecordError::Forbidden(_)), "{e}");

    // The operator's origin or key is never a witness; a name is configured once.
    let origin = accord_tlog::note::Signer::from_seed(h.op.origin(), &[6; 32]).unwrap();
    assert!(matches!(
        add_witness(store, &h.seq, &origin.verifier(), "FR").await,
        Err(RecordError::Invalid { .. })
    ));
    let same_key =
        accord_tlog::note::Signer::new("other.example/w", h.op.signer.signing_key().clone())
            .unwrap();
    assert!(matches!(
        add_witness(store, &h.seq, &same_key.verifier(), "FR").await,
        Err(RecordError::Invalid { .. })
    ));
    assert!(matches!(
        add_witness(store, &h.seq, &w.verifier(), "no-such-party").await,
        Err(RecordError::Store(StoreError::NotFound { .. }))
    ));
    add_witness(store, &h.seq, &w.verifier(), "FR")
        .await
        .unwrap();
    assert!(matches!(
        add_witness(store, &h.seq, &witness_signer(8).verifier(), "FR").await,
        Err(RecordError::Store(StoreError::Conflict { .. }))
    ));
    let listed = h.store.witnesses().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].key, w.verifier().to_key_string());
    assert_eq!(listed[0].party, "FR");

    // Configuring appended an entry: cosign the new checkpoint.
    let cp = h.store.checkpoint().await.unwrap().unwrap();
    let text = checkpoint_text(&h, cp.size).await;
    let line = w.sign(&text).unwrap().to_line();
    // Another party's token, another key under the witness's name, a line under the log's
    // origin, and a signature over another checkpoint are all refused.
    for (party, line) in [
        ("DE", line.clone()),
        ("FR", witness_signer(9).sign(&text).unwrap().to_line()),
        ("FR", origin.sign(&text).unwrap().to_line()),
        (
            "FR",
            w.sign(&checkpoint_text(&h, cp.size - 1).await)
                .unwrap()
                .to_line(),
        ),
    ] {
        let e = cosign(store, &h.op, party, cp.size, &line)
            .await
            .unwrap_err();
        assert!(matches!(e, RecordError::Forbidden(_)), "{party}: {e}");
    }
    assert!(matches!(
        cosign(store, &h.op, "FR", cp.size, "not a line").await,
        Err(RecordError::Invalid { .. })
    ));
    assert_eq!(
        h.store.checkpoint().await.unwrap().unwrap(),
        cp,
        "nothing attached"
    );

    cosign(store, &h.op, "FR", cp.size, &line).await.unwrap();
    cosign(store, &h.op, "FR", cp.size, &line).await.unwrap();
    let cosigned = h.store.checkpoint().await.unwrap().unwrap();
    let opened = accord_tlog::note::Note::open(
        cosigned.note.as_bytes(),
        &[h.op.signer.verifier(), w.verifier()],
    )
    .unwrap();
    assert_eq!(opened.verified.len(), 2);
    assert_eq!(opened.unverified.len(), 0, "one line per witness");

    // Removed: its new cosignatures are refused, the log still verifies.
    remove_witness(store, &h.seq, "witness.example/w1")
        .await
        .unwrap();
    let cp = h.store.checkpoint().await.unwrap().unwrap();
    let line = w
        .sign(&checkpoint_text(&h, cp.size).await)
        .unwrap()
        .to_line();
    assert!(matches!(
        cosign(store, &h.op, "FR", cp.size, &line).await,
        Err(RecordError::Forbidden(_))
    ));
    let report = crate::testkit::audit_store(store, &h.op).await;
    assert_eq!(report.kinds["witness"], 1);
    assert_eq!(report.kinds["witness-removal"], 1);
}

/// A checkpoint carries at most `MAX_COSIGNATURES`, never a line under its first (the
/// operator's) line's name; and a checkpoint polluted before witnesses existed (junk lines,
/// a bad line under the origin) is rebuilt at open: the operator's signature and configured
/// witnesses' cosignatures kept, every entry still verifying, writes working.
pub async fn polluted_checkpoints_are_rebuilt_and_bounded(f: &dyn StoreFactory) {
    use crate::witness::{MAX_COSIGNATURES, add_witness, cosign, recover_checkpoints};
    use accord_tlog::note::NoteSignature;
    let Some(h) = seeded_hub(f).await else { return };
    let store = h.store.as_ref();
    let w = witness_signer(5);
    add_witness(store, &h.seq, &w.verifier(), "FR")
        .await
        .unwrap();
    let cp = h.store.checkpoint().await.unwrap().unwrap();
    let line = w
        .sign(&checkpoint_text(&h, cp.size).await)
        .unwrap()
        .to_line();
    cosign(store, &h.op, "FR", cp.size, &line).await.unwrap();
    // Nothing to repair on a clean store.
    assert_eq!(recover_checkpoints(store, &h.op).await.unwrap(), 0);

    // What the old code let any party attach (the store itself does not verify lines).
    let junk = |name: String| {
        NoteSignature {
            name,
            key_id: 0x0102_0304,
            signature: vec![0; 64],
        }
        .to_line()
    };
    let e = h
        .store
        .add_cosignature(cp.size, junk(h.op.origin().to_owned()))
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Conflict { .. }), "{e}");
    for i in 1..MAX_COSIGNATURES {
        h.store
            .add_cosignature(cp.size, junk(format!("junk{i}.example")))
            .await
            .unwrap();
    }
    let e = h
        .store
        .add_cosignature(cp.size, junk("one-too-many.example".into()))
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Conflict { .. }), "{e}");
    let polluted = h.store.checkpoint().await.unwrap().unwrap();
    assert_eq!(
        accord_tlog::note::Note::parse(&polluted.note)
            .unwrap()
            .signatures()
            .len(),
        MAX_COSIGNATURES + 1
    );

    assert_eq!(recover_checkpoints(store, &h.op).await.unwrap(), 1);
    let clean = h.store.checkpoint().await.unwrap().unwrap();
    assert_eq!((clean.size, clean.root), (cp.size, cp.root));
    let opened = accord_tlog::note::Note::open(
        clean.note.as_bytes(),
        &[h.op.signer.verifier(), w.verifier()],
    )
    .unwrap();
    assert_eq!(opened.verified.len(), 2, "operator and witness kept");
    assert!(opened.unverified.is_empty(), "junk dropped: {}", clean.note);
    let report = crate::testkit::audit_store(store, &h.op).await;
    assert_eq!(report.size, cp.size);
    assert_eq!(report.checkpoint_signers, vec![h.op.origin().to_owned()]);
    fr_key(&h, 3).await;
    assert_eq!(
        h.store.checkpoint().await.unwrap().unwrap().size,
        cp.size + 1
    );
}

/// Regression: `log verify` split a key entry's id "PARTY/KEY" at the last '/', but base64 keys
/// can contain '/', so writes signed with such a key were reported as never registered.
pub async fn audit_accepts_keys_whose_base64_contains_a_slash(f: &dyn StoreFactory) {
    use accord_tlog::entry::Envelope;
    let Some(h) = seeded_hub(f).await else { return };
    let key = (0u8..=255)
        .map(|b| SigningKey::from_bytes(&[b; 32]))
        .find(|k| Envelope::encode_key(&k.verifying_key()).contains('/'))
        .unwrap();
    add_key(h.store.as_ref(), &h.seq, "FR", &key.verifying_key())
        .await
        .unwrap();
    let sub = sign_submission(
        kind::INCIDENT,
        "slash-key",
        "FR",
        Tlp::Clear,
        &incident("slash-key"),
        &key,
    )
    .unwrap();
    submit_incident(h.store.as_ref(), &h.seq, "FR", sub)
        .await
        .unwrap();
    let report = crate::testkit::audit_store(h.store.as_ref(), &h.op).await;
    assert_eq!(
        report.kinds["incident"],
        crate::testkit::bundled().incidents.len() as u64 + 1
    );
}

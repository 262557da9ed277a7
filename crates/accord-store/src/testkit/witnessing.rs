//! The hub as a C2SP tlog-witness (`add-checkpoint`): every refusal with the status the spec
//! gives, state that survives a reopen, and the compare-and-set that lets exactly one of two
//! racing requests advance a log.

use accord_tlog::checkpoint::Checkpoint;
use accord_tlog::merkle::{self, Hash, MemoryHashStore};
use accord_tlog::note::{Note, Signer};

use super::StoreFactory;
use crate::log::WitnessAdvance;
use crate::witnessing::{
    AddCheckpointError, WitnessConfig, add_checkpoint, parse_request, request_body,
};

const ORIGIN: &str = "peer.example/log";
const NOW: u64 = 1_800_000_000;

/// A log of `n` entries and its signer.
struct PeerLog {
    signer: Signer,
    tree: MemoryHashStore,
}

impl PeerLog {
    fn new() -> Self {
        PeerLog {
            signer: Signer::from_seed(ORIGIN, &[11; 32]).unwrap(),
            tree: MemoryHashStore::new(),
        }
    }

    fn grow_to(&mut self, size: u64) {
        while self.tree.size() < size {
            let i = self.tree.size();
            self.tree.append(format!("entry {i}").as_bytes());
        }
    }

    fn note(&self, size: u64, root: Hash) -> Note {
        Checkpoint::new(ORIGIN, size, root)
            .sign(&self.signer)
            .unwrap()
    }

    /// The request from `old` to the current size, with a real proof.
    fn request(&self, old: u64) -> String {
        let size = self.tree.size();
        let proof = if old == 0 || old == size {
            Vec::new()
        } else {
            merkle::consistency_proof(&self.tree, old, size)
                .unwrap()
                .hashes
        };
        request_body(old, &proof, &self.note(size, self.root()))
    }

    fn root(&self) -> Hash {
        self.tree.root()
    }
}

fn config(log: &PeerLog) -> WitnessConfig {
    WitnessConfig::new(
        Signer::from_seed("witness.test/w", &[12; 32]).unwrap(),
        vec![log.signer.verifier()],
    )
    .unwrap()
}

fn status(r: &Result<String, AddCheckpointError>) -> u16 {
    match r {
        Ok(_) => 200,
        Err(e) => e.status(),
    }
}

/// 200, 400, 403, 404, 409 (with the latest size), 422: each as tlog-witness requires; the
/// cosignature verifies under the witness's cosigner key; a refusal stores nothing.
pub async fn add_checkpoint_answers_as_tlog_witness_requires(f: &dyn StoreFactory) {
    let Some(test) = f.fresh().await else { return };
    let store = test.store.clone();
    let mut log = PeerLog::new();
    let cfg = config(&log);
    log.grow_to(10);
    let add = |body: String| {
        let (store, cfg) = (store.clone(), cfg.clone());
        async move { add_checkpoint(store.as_ref(), &cfg, body.as_bytes(), NOW).await }
    };

    // 200: the first checkpoint, from old size 0; the line is a cosignature/v1 by the witness.
    let first = add(log.request(0)).await;
    let line = first.as_ref().unwrap();
    let mut note = log.note(10, log.root());
    note.add_signature(accord_tlog::note::NoteSignature::parse_line(line, 1).unwrap());
    let opened = Note::open(note.to_string().as_bytes(), &[cfg.cosigner_key()]).unwrap();
    assert_eq!(opened.verified.len(), 1);
    let stored = store.witnessed(ORIGIN).await.unwrap().unwrap();
    assert_eq!((stored.size, stored.root), (10, log.root()));
    assert_eq!(stored.updated_at, NOW);

    // 409: a stale old size; the body names the latest size.
    log.grow_to(20);
    match add(log.request(5)).await {
        Err(AddCheckpointError::Conflict { latest: 10, .. }) => {}
        other => panic!("expected 409 with 10, got {other:?}"),
    }
    // 400: old size above the checkpoint's, and garbage.
    assert_eq!(
        status(&add(log.request(0).replacen("old 0", "old 21", 1)).await),
        400
    );
    assert_eq!(status(&add("old 01\n\n".into()).await), 400);
    assert_eq!(status(&add("old 10\nnot base64!\n\n".into()).await), 400);
    assert_eq!(status(&add("old 10\n".into()).await), 400);
    let too_long = format!(
        "old 10\n{}\n{}",
        vec![log.root().to_base64(); 64].join("\n"),
        log.note(20, log.root())
    );
    assert_eq!(status(&add(too_long).await), 400);
    // 404: a log this witness does not follow.
    let stranger = Signer::from_seed("stranger.example/log", &[13; 32]).unwrap();
    let body = request_body(
        0,
        &[],
        &Checkpoint::new("stranger.example/log", 1, log.root())
            .sign(&stranger)
            .unwrap(),
    );
    assert_eq!(status(&add(body).await), 404);
    // 403: the origin's name under another key, and a bad signature of the trusted key.
    let impostor = Signer::from_seed(ORIGIN, &[14; 32]).unwrap();
    let forged = Checkpoint::new(ORIGIN, 20, log.root())
        .sign(&impostor)
        .unwrap();
    assert_eq!(status(&add(request_body(10, &[], &forged)).await), 403);
    let good = log.request(10);
    let tampered = good.replacen("\n20\n", "\n21\n", 1);
    assert_eq!(status(&add(tampered).await), 403);
    // 422: a proof that does not verify, a proof from 0, another root at the same size.
    let parsed = parse_request(good.as_bytes()).unwrap();
    let mut bad_proof = parsed.proof.clone();
    bad_proof[0] = Hash([0; 32]);
    assert_eq!(
        status(&add(request_body(10, &bad_proof, &parsed.note)).await),
        422
    );
    let same_size_other_root = log.note(10, merkle::leaf_hash(b"fork"));
    assert_eq!(
        status(&add(request_body(10, &[], &same_size_other_root)).await),
        422
    );
    // Nothing refused moved the stored state.
    assert_eq!(store.witnessed(ORIGIN).await.unwrap().unwrap().size, 10);

    // 200 again from 10 to 20, with its proof; then the state survives a reopen.
    assert_eq!(status(&add(good).await), 200);
    let reopened = test.reopen().await;
    let after = reopened.witnessed(ORIGIN).await.unwrap().unwrap();
    assert_eq!((after.size, after.root), (20, log.root()));
    assert!(after.note.contains("\u{2014} witness.test/w "));
    // The same checkpoint again (old = size): cosigned again, no proof needed.
    assert_eq!(status(&add(log.request(20)).await), 200);

    // 422 for a size-0 checkpoint whose root is not the empty tree's (a fresh log).
    let empty = PeerLog::new();
    let other = WitnessConfig::new(
        Signer::from_seed("witness.test/w", &[12; 32]).unwrap(),
        vec![empty.signer.verifier()],
    )
    .unwrap();
    let fresh = f.fresh().await.unwrap();
    let bad_empty = request_body(0, &[], &empty.note(0, merkle::leaf_hash(b"x")));
    let r = add_checkpoint(fresh.store.as_ref(), &other, bad_empty.as_bytes(), NOW).await;
    assert_eq!(status(&r), 422);
    let r = add_checkpoint(
        fresh.store.as_ref(),
        &other,
        request_body(0, &[], &empty.note(0, merkle::empty_root())).as_bytes(),
        NOW,
    )
    .await;
    assert_eq!(status(&r), 200);
}

/// Two requests from the same cosigned size race: exactly one is cosigned, the other gets
/// 409 with the winner's size, and the stored checkpoint is the winner's (never rolled back).
pub async fn of_two_racing_add_checkpoints_exactly_one_lands(f: &dyn StoreFactory) {
    let Some(test) = f.fresh().await else { return };
    let store = test.store.clone();
    let mut log = PeerLog::new();
    let cfg = config(&log);
    log.grow_to(4);
    add_checkpoint(store.as_ref(), &cfg, log.request(0).as_bytes(), NOW)
        .await
        .unwrap();
    let mut base = 4;
    for round in 0..10u64 {
        // Two different extensions of the same cosigned size.
        log.grow_to(base + 1 + round);
        let small = log.request(base);
        let small_size = log.tree.size();
        log.grow_to(small_size + 3);
        let big = log.request(base);
        let big_size = log.tree.size();
        let (a, b) = tokio::join!(
            add_checkpoint(store.as_ref(), &cfg, small.as_bytes(), NOW),
            add_checkpoint(store.as_ref(), &cfg, big.as_bytes(), NOW),
        );
        let stored = store.witnessed(ORIGIN).await.unwrap().unwrap().size;
        match (&a, &b) {
            (Ok(_), Err(AddCheckpointError::Conflict { latest, .. })) => {
                assert_eq!((stored, *latest), (small_size, small_size), "round {round}");
            }
            (Err(AddCheckpointError::Conflict { latest, .. }), Ok(_)) => {
                assert_eq!((stored, *latest), (big_size, big_size), "round {round}");
            }
            other => panic!("round {round}: expected one 200 and one 409, got {other:?}"),
        }
        base = stored;
        // The log continues from whichever the witness holds: from the stored size, the
        // tree (which has grown to big_size) extends it.
        log.grow_to(big_size);
    }
    // The store-level compare-and-set itself: from a stale expectation nothing is written.
    let current = store.witnessed(ORIGIN).await.unwrap().unwrap();
    let mut stale = current.clone();
    stale.size += 1;
    assert_eq!(
        store
            .advance_witnessed(Some((current.size - 1, current.root)), stale.clone())
            .await
            .unwrap(),
        WitnessAdvance::Moved { size: current.size }
    );
    assert_eq!(
        store.advance_witnessed(None, stale).await.unwrap(),
        WitnessAdvance::Moved { size: current.size }
    );
    assert_eq!(store.witnessed(ORIGIN).await.unwrap().unwrap(), current);
}

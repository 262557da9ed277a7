//! "The record" page at `/record`: the log's current signed checkpoint, who signed it, what
//! the log holds by kind, how anyone verifies it offline, and the peer hubs it follows (a peer
//! caught showing two views of its log is marked forked, with a link to the evidence).
//!
//! Cosignatures are shown with the witness's name, only for witnesses the operator configured
//! (their keys are log entries); the page checks each and says which verified. The commands on the page
//! are the ones a reader copies: they work against this hub as served.

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header;
use axum::response::Response;

use accord_tlog::note::{Note, Verifier};

use super::{PageError, ok};
use crate::state::AppState;

/// One signature line on the checkpoint.
#[derive(Debug, Clone)]
pub struct Signer {
    /// The key's name.
    pub name: String,
    /// The key id, in hex.
    pub key_id: String,
    /// What the signature is: the operator's, or a witness's cosignature.
    pub role: &'static str,
    /// Whether the page could verify it with a key the log registered.
    pub verified: bool,
}

/// One peer hub on the page.
#[derive(Debug, Clone)]
pub struct PeerRow {
    /// Its id (for the evidence link).
    pub id: String,
    /// Its log's origin.
    pub origin: String,
    /// Its base URL.
    pub url: String,
    /// `active`, `removed` or `forked`.
    pub state: &'static str,
    /// The size of its last checkpoint this hub accepted.
    pub accepted: Option<u64>,
    /// The size of its log this hub verified and mirrored (`accord peers sync`).
    pub mirrored: Option<u64>,
    /// Where its mirrored records are listed, each with its provenance and proof.
    pub mirrored_link: String,
}

/// The record page.
#[derive(Template)]
#[template(path = "record.html")]
pub struct RecordPage {
    /// The log's origin.
    pub origin: String,
    /// Entries in the log.
    pub size: u64,
    /// Root hash (base64).
    pub root: String,
    /// The signed note as served at /log/checkpoint.
    pub note: String,
    /// Its signatures.
    pub signers: Vec<Signer>,
    /// Entries by kind.
    pub kinds: Vec<(String, u64)>,
    /// The operator's verifier key string.
    pub verifier_key: String,
    /// The hub's base URL as the reader reached it (for the commands).
    pub base: String,
    /// The peer hubs this hub follows, forked ones with their evidence.
    pub peers: Vec<PeerRow>,
}

/// `GET /record`.
pub async fn page(State(st): State<AppState>, headers: HeaderMap) -> Result<Response, PageError> {
    let operator = st.sequencer.operator();
    let verifier = operator.signer.verifier();
    let cp = st.store.checkpoint().await?;
    let kinds = st.store.entry_counts().await?;
    let (size, root, note) = match cp {
        Some(c) => (c.size, c.root.to_base64(), c.note),
        None => (0, String::new(), String::new()),
    };
    // Only the operator's signature and configured witnesses' cosignatures are shown; the
    // note is read leniently so lines a hub stored before witnesses existed hide nothing.
    let witnesses: Vec<Verifier> = st
        .store
        .witnesses()
        .await?
        .iter()
        .filter_map(|w| w.verifiers().ok())
        .flatten()
        .collect();
    let mut signers = Vec::new();
    if let Ok(parsed) = Note::parse_lenient(&note) {
        let text = parsed.text().as_bytes().to_vec();
        for sig in parsed.signatures() {
            let is_operator = sig.name == verifier.name() && sig.key_id == verifier.key_id();
            let key = if is_operator {
                Some(&verifier)
            } else {
                witnesses
                    .iter()
                    .find(|w| w.name() == sig.name && w.key_id() == sig.key_id)
            };
            let Some(key) = key else { continue };
            if signers
                .iter()
                .any(|s: &Signer| s.name == sig.name && s.verified)
            {
                continue;
            }
            signers.push(Signer {
                name: sig.name.clone(),
                key_id: format!("{:08x}", sig.key_id),
                role: if is_operator {
                    "operator"
                } else {
                    "witness cosignature"
                },
                verified: key.verify(&text, &sig.signature),
            });
        }
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".:-[]".contains(c))
        })
        .unwrap_or("127.0.0.1:8080");
    let mut peers = Vec::new();
    for p in st.store.peers().await? {
        let accepted = st.store.peer_checkpoint(&p.key).await?.map(|c| c.size);
        let mirrored = st.store.mirror(&p.origin).await?.map(|m| m.size);
        peers.push(PeerRow {
            mirrored,
            mirrored_link: crate::mirrored::list_link(&p.origin),
            state: p.state(),
            id: p.id,
            origin: p.origin,
            url: p.url,
            accepted,
        });
    }
    ok(&RecordPage {
        origin: operator.origin().to_owned(),
        size,
        root,
        note,
        signers,
        kinds,
        verifier_key: operator.verifier_key(),
        base: format!("http://{host}"),
        peers,
    })
}

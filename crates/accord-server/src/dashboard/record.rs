//! "The record" page at `/record`: the log's current signed checkpoint, who signed it, what
//! the log holds by kind, and how anyone verifies it offline.
//!
//! Cosignatures are shown with the witness's name; the page checks each against the keys the
//! log registered for a party of that name and says which verified. The commands on the page
//! are the ones a reader copies: they work against this hub as served.

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header;
use axum::response::Response;
use base64::Engine;

use accord_tlog::note::{Note, Verifier};

use super::{PageError, ok};
use crate::AppState;

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
    let mut signers = Vec::new();
    if let Ok(parsed) = Note::parse(&note) {
        let text = parsed.text().as_bytes().to_vec();
        for sig in parsed.signatures() {
            let is_operator = sig.name == verifier.name() && sig.key_id == verifier.key_id();
            let verified = if is_operator {
                verifier.verify(&text, &sig.signature)
            } else {
                // A witness is a party; its cosignature counts if a registered key verifies it.
                let keys = st.store.party_keys(&sig.name).await.unwrap_or_default();
                keys.iter().filter(|k| k.revoked_at.is_none()).any(|k| {
                    base64::engine::general_purpose::STANDARD
                        .decode(&k.public_key)
                        .ok()
                        .and_then(|raw| <[u8; 32]>::try_from(raw.as_slice()).ok())
                        .and_then(|raw| ed25519_dalek::VerifyingKey::from_bytes(&raw).ok())
                        .and_then(|vk| Verifier::new(&sig.name, vk).ok())
                        .is_some_and(|v| {
                            v.key_id() == sig.key_id && v.verify(&text, &sig.signature)
                        })
                })
            };
            signers.push(Signer {
                name: sig.name.clone(),
                key_id: format!("{:08x}", sig.key_id),
                role: if is_operator {
                    "operator"
                } else {
                    "witness cosignature"
                },
                verified,
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
    ok(&RecordPage {
        origin: operator.origin().to_owned(),
        size,
        root,
        note,
        signers,
        kinds,
        verifier_key: operator.verifier_key(),
        base: format!("http://{host}"),
    })
}

//! Reading the evidence requests a hub mirrored from its peers (issue 14 part 2): each
//! request as its origin log tells it (the filing, then its transitions in log order), and
//! who on this hub may read it.
//!
//! **Read rule.** A mirrored request is served only to its sides on this hub: a party that
//! is the requesting or the requested state of the request *and* is this hub's party of that
//! id, resolved by a key both logs registered for it ([`ResolvedParties`]). A side this hub
//! cannot resolve is nobody here, so a request neither of whose sides resolves is served to
//! nobody (fail closed); and only while its origin is a current peer, as mirrored objects.
//! Its marking does not widen that: a TLP:CLEAR request was still shared with the two states.

use std::collections::{HashMap, HashSet};

use accord_law::request::{NewRequest, Request, Transition, TransitionBody};
use accord_tlog::entry::SignedEntry;
use jiff::Timestamp;

use crate::error::StoreError;
use crate::kind;
use crate::log::OPERATOR_PARTY;
use crate::mirror::MirroredRequestEntry;
use crate::sharing::ResolvedParties;
use crate::store::Store;

/// One step of a mirrored request with where it comes from and what proves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MirroredStep {
    /// The step's entry index in the origin log.
    pub index: u64,
    /// The size of the origin's accepted checkpoint that proves it.
    pub checkpoint_size: u64,
    /// The signed entry, exactly as it is a leaf of the origin log.
    pub entry: Vec<u8>,
    /// The salt of its body commitment; `None` for an entry written before salting.
    pub salt: Option<Vec<u8>>,
}

impl MirroredStep {
    fn of(e: &MirroredRequestEntry) -> Self {
        MirroredStep {
            index: e.index,
            checkpoint_size: e.checkpoint_size,
            entry: e.entry.clone(),
            salt: e.salt.clone(),
        }
    }
}

/// An evidence request mirrored from a peer's log as that log tells it: the filing with its
/// transitions applied in log order. Its `history` carries the origin log's indexes; it has
/// no due dates (the origin's law and clock set them, and this hub does not re-derive them).
#[derive(Debug, Clone, PartialEq)]
pub struct MirroredRequest {
    /// The request.
    pub request: Request,
    /// The origin log.
    pub origin: String,
    /// Its filing's entry index in the origin log.
    pub index: u64,
    /// Every step (the filing first), oldest first.
    pub steps: Vec<MirroredStep>,
}

/// The requests of `entries` (stored by origin then index), each folded from its filing and
/// the transitions of it in log order. What was verified when mirrored is the signature and
/// the commitment; what the bodies say is the peer's: a step that does not read as one, or
/// that the request's lifecycle refuses (a wrong side, a status reached twice), is left out
/// and logged, never guessed at.
pub fn fold(entries: Vec<MirroredRequestEntry>) -> Vec<MirroredRequest> {
    let mut entries = entries;
    entries.sort_by(|a, b| (&a.origin, a.index).cmp(&(&b.origin, b.index)));
    let mut out: Vec<MirroredRequest> = Vec::new();
    let mut at: HashMap<(String, String), usize> = HashMap::new();
    for e in entries {
        let skip = |why: String| {
            tracing::warn!(origin = %e.origin, index = e.index, "mirrored request step left out: {why}");
        };
        let signed_at = match SignedEntry::from_bytes(&e.entry)
            .map_err(|err| err.to_string())
            .and_then(|s| {
                s.envelope
                    .submitted_at
                    .parse::<Timestamp>()
                    .map_err(|err| err.to_string())
            }) {
            Ok(t) => t,
            Err(why) => {
                skip(format!("no signed time: {why}"));
                continue;
            }
        };
        let key = (e.origin.clone(), e.request_id.clone());
        if e.kind == kind::REQUEST {
            let new: NewRequest = match serde_json::from_slice(&e.body) {
                Ok(n) => n,
                Err(err) => {
                    skip(format!("not a request: {err}"));
                    continue;
                }
            };
            if new.id != e.request_id || at.contains_key(&key) {
                skip(format!("a second filing of request {:?}", e.request_id));
                continue;
            }
            let mut request = Request::open(new, &e.submitter, signed_at, None);
            if let Some(first) = request.history.first_mut() {
                first.log_index = Some(e.index);
            }
            at.insert(key, out.len());
            out.push(MirroredRequest {
                request,
                origin: e.origin.clone(),
                index: e.index,
                steps: vec![MirroredStep::of(&e)],
            });
        } else {
            let Some(&i) = at.get(&key) else {
                skip(format!("moves request {:?}, not mirrored", e.request_id));
                continue;
            };
            let step: TransitionBody = match serde_json::from_slice(&e.body) {
                Ok(s) => s,
                Err(err) => {
                    skip(format!("not a request transition: {err}"));
                    continue;
                }
            };
            let m = &mut out[i];
            if let Err(err) = m.request.check_transition(&e.submitter, step.to, signed_at) {
                skip(format!("refused by the request's lifecycle: {err}"));
                continue;
            }
            m.request.apply(
                Transition {
                    to: step.to,
                    at: signed_at,
                    received_at: None,
                    by: e.submitter.clone(),
                    note: step.note,
                    log_index: Some(e.index),
                },
                Vec::new(),
            );
            m.steps.push(MirroredStep::of(&e));
        }
    }
    out
}

/// Which of `parties` (of the log of `origin`) this hub resolves as its own parties of the
/// same id: a key of it in the peer's recorded key history is registered here too.
pub async fn resolve(
    store: &dyn Store,
    origin: &str,
    parties: impl IntoIterator<Item = &str>,
) -> Result<ResolvedParties, StoreError> {
    // No verified state: no key history, so nobody is resolved.
    let peer_keys = store
        .mirror(origin)
        .await?
        .map(|s| s.keys)
        .unwrap_or_default();
    let wanted: HashSet<&str> = parties
        .into_iter()
        .filter(|p| *p != OPERATOR_PARTY && peer_keys.iter().any(|k| k.party == *p))
        .collect();
    let mut local = HashMap::new();
    for p in wanted {
        local.insert(p.to_owned(), store.party_keys(p).await?);
    }
    Ok(ResolvedParties::new(origin, &peer_keys, &local))
}

/// Whether `reader` is a side of mirrored request `m` that this hub resolves as its own
/// party (the read rule above).
pub fn may_read(resolved: &ResolvedParties, m: &MirroredRequest, reader: &str) -> bool {
    let r = &m.request;
    (r.requesting_state.as_str() == reader || r.requested_state.as_str() == reader)
        && resolved.resolves(&m.origin, reader)
}

/// The requests mirrored from `origin` (every current peer: `None`) that `reader` may read
/// (the read rule above), by origin then filing index.
pub async fn visible(
    store: &dyn Store,
    reader: &str,
    origin: Option<&str>,
) -> Result<Vec<MirroredRequest>, StoreError> {
    let current: HashSet<String> = store
        .peers()
        .await?
        .into_iter()
        .filter(|p| p.is_current())
        .map(|p| p.origin)
        .collect();
    let mut out = Vec::new();
    let mut by_origin: HashMap<String, Vec<MirroredRequest>> = HashMap::new();
    for m in fold(store.mirrored_requests(origin).await?) {
        if current.contains(&m.origin) {
            by_origin.entry(m.origin.clone()).or_default().push(m);
        }
    }
    let mut origins: Vec<String> = by_origin.keys().cloned().collect();
    origins.sort();
    for o in origins {
        let requests = by_origin.remove(&o).unwrap_or_default();
        let resolved = resolve(store, &o, [reader]).await?;
        out.extend(
            requests
                .into_iter()
                .filter(|m| may_read(&resolved, m, reader)),
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use accord_law::request::Status;
    use accord_tlp::Tlp;
    use ed25519_dalek::SigningKey;
    use serde_json::json;

    const RID: &str = "6f1c8a8e-0000-4000-8000-00000000000a";

    /// Entry `index` of `kind` signed by `by` at `at`, committing to `body`.
    fn entry(
        index: u64,
        kind: &str,
        by: &str,
        body: serde_json::Value,
        at: &str,
    ) -> MirroredRequestEntry {
        let body = accord_tlog::entry::canonical_json(&body).unwrap();
        let signed = crate::write::sign_canonical_body(
            kind,
            &format!("6f1c8a8e-0000-4000-8000-0000000000{index:02}"),
            by,
            Tlp::Red,
            &body,
            &[1; 32],
            &SigningKey::from_bytes(&[3; 32]),
            at.parse().unwrap(),
        )
        .unwrap();
        MirroredRequestEntry {
            origin: "a.example/log".into(),
            index,
            kind: kind.into(),
            request_id: body_request(&body),
            submitter: by.into(),
            tlp: Tlp::Red,
            body,
            salt: Some(vec![1; 32]),
            entry: signed.to_bytes().unwrap(),
            checkpoint_size: 10,
        }
    }

    fn body_request(body: &[u8]) -> String {
        let v: serde_json::Value = serde_json::from_slice(body).unwrap();
        v.get("request")
            .or_else(|| v.get("id"))
            .and_then(|r| r.as_str())
            .unwrap()
            .to_owned()
    }

    fn step(to: &str) -> serde_json::Value {
        json!({"request": RID, "to": to})
    }

    #[test]
    fn a_mirrored_request_keeps_only_the_steps_its_lifecycle_allows_in_log_order() {
        let filing = json!({
            "id": RID, "requesting_state": "FR", "requested_state": "DE", "data": "subscriber",
            "pathway": {"instrument": "eu-e-evidence", "article": "European Production Order (Arts 4, 5, 10)"},
            "summary": "s"
        });
        let mut other = step("sent");
        other["request"] = json!("6f1c8a8e-0000-4000-8000-00000000000b");
        let entries = vec![
            // Stored out of order: folded by index.
            entry(
                4,
                kind::REQUEST_TRANSITION,
                "DE",
                step("acknowledged"),
                "2026-11-02T11:00:00Z",
            ),
            entry(
                1,
                kind::REQUEST,
                "FR",
                filing.clone(),
                "2026-11-01T09:00:00Z",
            ),
            entry(
                2,
                kind::REQUEST_TRANSITION,
                "FR",
                step("sent"),
                "2026-11-02T09:00:00Z",
            ),
            // The requesting state may not acknowledge; a third state may not move it.
            entry(
                3,
                kind::REQUEST_TRANSITION,
                "FR",
                step("acknowledged"),
                "2026-11-02T10:00:00Z",
            ),
            entry(
                5,
                kind::REQUEST_TRANSITION,
                "US",
                step("produced"),
                "2026-11-02T12:00:00Z",
            ),
            // A move of a request not mirrored, and a second filing of the same id.
            entry(
                6,
                kind::REQUEST_TRANSITION,
                "FR",
                other,
                "2026-11-02T13:00:00Z",
            ),
            entry(7, kind::REQUEST, "FR", filing, "2026-11-02T14:00:00Z"),
        ];
        let folded = fold(entries);
        assert_eq!(folded.len(), 1);
        let m = &folded[0];
        assert_eq!((m.index, m.request.status), (1, Status::Acknowledged));
        let steps: Vec<u64> = m.steps.iter().map(|s| s.index).collect();
        assert_eq!(steps, [1, 2, 4]);
        let history: Vec<(Option<u64>, &str)> = m
            .request
            .history
            .iter()
            .map(|t| (t.log_index, t.by.as_str()))
            .collect();
        assert_eq!(history, [(Some(1), "FR"), (Some(2), "FR"), (Some(4), "DE")]);
    }
}

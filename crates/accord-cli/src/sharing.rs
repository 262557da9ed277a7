//! The sharing client: a party's reads of a hub's collections over REST and its writes of
//! STIX objects as TAXII 2.1 envelopes (`accord match --hub`, `accord import misp --hub`).

use anyhow::{Context, Result, bail};

use crate::client::HubClient;

/// A party's view of a hub's shared objects: the REST reads (`/api/v1/collections`, which
/// the hub filters by the TLP rule for the token's party) and TAXII 2.1 envelopes for writes
/// (the hub records each object as a log entry signed with the party's custodial key).
pub struct SharingClient {
    hub: HubClient,
}

/// The TAXII 2.1 media type.
const TAXII: &str = "application/taxii+json;version=2.1";

/// Objects per TAXII envelope when posting.
pub const ENVELOPE: usize = 100;

/// What a hub said about the objects posted to it.
#[derive(Debug, Default)]
pub struct Posted {
    /// Objects recorded (or already present in that version).
    pub accepted: usize,
    /// Objects refused, each `id: reason`.
    pub refused: Vec<String>,
}

impl SharingClient {
    /// A client for the hub at `base`, reading and writing as the token's party.
    pub fn new(base: &str, token: &str) -> Result<Self> {
        Ok(SharingClient {
            hub: HubClient::new(base, Some(token.to_owned()))?,
        })
    }

    /// The ids of the collections the party may read (all of them, or `only` if given; an
    /// unknown `only` is an error).
    pub async fn collections(&self, only: Option<&str>) -> Result<Vec<String>> {
        let list = self.hub.get_json_as("/api/v1/collections").await?;
        let ids: Vec<String> = list
            .as_array()
            .into_iter()
            .flatten()
            .filter(|c| c["can_read"] == serde_json::Value::Bool(true))
            .filter_map(|c| c["id"].as_str().map(str::to_owned))
            .collect();
        match only {
            None => Ok(ids),
            Some(c) if ids.iter().any(|i| i == c) => Ok(vec![c.to_owned()]),
            Some(c) => bail!("--collection {c:?}: the hub has no such collection open to you"),
        }
    }

    /// Every object of `types` in `collection` the party may read (latest versions), paging
    /// through `/api/v1/collections/{id}/objects`.
    pub async fn objects(&self, collection: &str, types: &str) -> Result<Vec<serde_json::Value>> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut path = format!(
                "/api/v1/collections/{}/objects?type={}&limit=1000",
                encode(collection),
                encode(types)
            );
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={}", encode(c)));
            }
            let page = self.hub.get_json_as(&path).await?;
            for item in page["items"].as_array().into_iter().flatten() {
                out.push(item["object"].clone());
            }
            match page["next"].as_str() {
                Some(n) => cursor = Some(n.to_owned()),
                None => return Ok(out),
            }
        }
    }

    /// Posts `objects` to `collection` over TAXII in envelopes of [`ENVELOPE`].
    pub async fn post(&self, collection: &str, objects: &[serde_json::Value]) -> Result<Posted> {
        let path = format!("/taxii2/api/collections/{}/objects/", encode(collection));
        let url = self.hub.url(&path);
        let mut posted = Posted::default();
        for chunk in objects.chunks(ENVELOPE) {
            let body = serde_json::json!({ "objects": chunk }).to_string();
            let resp = self
                .hub
                .authorised(reqwest::Method::POST, &path)?
                .header(reqwest::header::ACCEPT, TAXII)
                .header(reqwest::header::CONTENT_TYPE, TAXII)
                .body(body)
                .send()
                .await
                .with_context(|| format!("cannot reach {url}"))?;
            let status = resp.status();
            let v: serde_json::Value = resp.json().await.unwrap_or_default();
            if !status.is_success() {
                bail!(
                    "{url} refused ({status}): {}",
                    v["description"].as_str().unwrap_or("no description")
                );
            }
            posted.accepted += v["success_count"].as_u64().unwrap_or(0) as usize;
            for f in v["failures"].as_array().into_iter().flatten() {
                posted.refused.push(format!(
                    "{}: {}",
                    f["id"].as_str().unwrap_or("?"),
                    f["message"].as_str().unwrap_or("refused")
                ));
            }
        }
        Ok(posted)
    }
}

/// Percent-encodes a path segment or query value (RFC 3986 unreserved characters pass).
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

//! The sharing client: a party's reads of a hub's collections over REST and TAXII 2.1 and its
//! writes of STIX objects as TAXII 2.1 envelopes (`accord match --hub`, `accord import misp
//! --hub`).

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

    /// Every object of `types` in `collection` added after `added_after` (every one when
    /// `None`), latest versions, read over TAXII 2.1 (§5.4 Get Objects) page by page through
    /// `next`. Also returns the latest `X-TAXII-Date-Added-Last` the pages carried: where
    /// the next such read starts (`None` when no object was returned).
    pub async fn objects_added_after(
        &self,
        collection: &str,
        types: &str,
        added_after: Option<&str>,
    ) -> Result<(Vec<serde_json::Value>, Option<String>)> {
        let mut query = format!("match[type]={}", encode(types));
        if let Some(a) = added_after {
            query.push_str(&format!("&added_after={}", encode(a)));
        }
        let mut out = Vec::new();
        let mut last = None;
        self.walk(collection, "objects", &query, |page, added_last| {
            if let Some(t) = added_last {
                last = Some(t);
            }
            out.extend(page["objects"].as_array().into_iter().flatten().cloned());
        })
        .await?;
        Ok((out, last))
    }

    /// The latest versions of the objects `ids` in `collection` that the party may read
    /// (TAXII `match[id]`), asked for a hundred at a time.
    pub async fn objects_by_id(
        &self,
        collection: &str,
        ids: &[String],
    ) -> Result<Vec<serde_json::Value>> {
        let mut out = Vec::new();
        // A hundred ids of 46 bytes stay well within a hub's 8 KiB request target.
        for group in ids.chunks(100) {
            let list: Vec<String> = group.iter().map(|i| encode(i)).collect();
            let query = format!("match[id]={}", list.join(","));
            self.walk(collection, "objects", &query, |page, _| {
                out.extend(page["objects"].as_array().into_iter().flatten().cloned());
            })
            .await?;
        }
        Ok(out)
    }

    /// The manifest of `collection` for `types` (TAXII 2.1 §5.3): the id and version of the
    /// latest version of every object the party may read, page by page.
    pub async fn manifest(&self, collection: &str, types: &str) -> Result<Vec<(String, String)>> {
        let query = format!("match[type]={}", encode(types));
        let mut out = Vec::new();
        let mut bad = None;
        self.walk(collection, "manifest", &query, |page, _| {
            for record in page["objects"].as_array().into_iter().flatten() {
                match (record["id"].as_str(), record["version"].as_str()) {
                    (Some(id), Some(v)) => out.push((id.to_owned(), v.to_owned())),
                    _ => bad = Some(record.to_string()),
                }
            }
        })
        .await?;
        if let Some(record) = bad {
            bail!(
                "the manifest of collection {collection} has a record without id or version: {record}"
            );
        }
        Ok(out)
    }

    /// GETs `/taxii2/api/collections/{collection}/{endpoint}/?{query}` and every page after it
    /// (`more` and `next`), handing each page and its `X-TAXII-Date-Added-Last` (checked to be
    /// a timestamp) to `each`.
    async fn walk(
        &self,
        collection: &str,
        endpoint: &str,
        query: &str,
        mut each: impl FnMut(&serde_json::Value, Option<String>),
    ) -> Result<()> {
        let mut next: Option<String> = None;
        // A hub that keeps answering `more` with the same `next` would hold the reader forever.
        let mut seen = std::collections::HashSet::new();
        loop {
            let mut path = format!(
                "/taxii2/api/collections/{}/{endpoint}/?{query}&limit=1000",
                encode(collection)
            );
            if let Some(n) = &next {
                path.push_str(&format!("&next={}", encode(n)));
            }
            let url = self.hub.url(&path);
            let resp = self
                .hub
                .authorised(reqwest::Method::GET, &path)?
                .header(reqwest::header::ACCEPT, TAXII)
                .send()
                .await
                .with_context(|| format!("cannot reach {url}"))?;
            let status = resp.status();
            let added_last = match resp.headers().get("x-taxii-date-added-last") {
                None => None,
                Some(v) => {
                    let text = v
                        .to_str()
                        .ok()
                        .filter(|t| t.parse::<jiff::Timestamp>().is_ok());
                    Some(text.map(str::to_owned).with_context(|| {
                        format!("{url}: X-TAXII-Date-Added-Last {v:?} is not a timestamp")
                    })?)
                }
            };
            let body = crate::client::read_capped(resp, &url, crate::client::MAX_ANSWER).await?;
            let page: serde_json::Value = serde_json::from_slice(&body).with_context(|| {
                format!("{url} answered {status} with something other than JSON")
            })?;
            if !status.is_success() {
                bail!(
                    "{url} refused ({status}): {}",
                    page["description"].as_str().unwrap_or("no description")
                );
            }
            each(&page, added_last);
            match (page["more"].as_bool(), page["next"].as_str()) {
                (Some(true), Some(n)) => {
                    if !seen.insert(n.to_owned()) {
                        bail!("{url}: the hub gave the page token {n:?} twice");
                    }
                    next = Some(n.to_owned());
                }
                (Some(true), None) => bail!("{url}: `more` is true but no `next` was given"),
                _ => return Ok(()),
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

/// What became of one envelope sent with [`SharingClient::deliver`].
#[derive(Debug)]
pub enum Delivery {
    /// The hub took the envelope (202): each object accepted or refused.
    Taken {
        /// Objects recorded (or already present in that version).
        accepted: usize,
        /// Objects refused: their ids and the hub's reasons.
        refused: Vec<(String, String)>,
    },
    /// The hub refused the envelope as a whole (a 4xx other than 401, 408 and 429): sending
    /// it again would be refused again.
    Refused(String),
    /// The hub could not take it now (no connection, a timeout, 401, 408, 429, 5xx, or an
    /// answer that does not account for every object): send it again later, not before
    /// `after` if the hub said so.
    Retry {
        /// What went wrong.
        reason: String,
        /// The hub's `Retry-After`, in seconds.
        after: Option<std::time::Duration>,
    },
}

/// The most bytes read of the hub's answer to an envelope (a TAXII status).
const MAX_STATUS: usize = 4 * 1024 * 1024;

/// How long one envelope may take to be answered before it is sent again.
const DELIVERY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

impl SharingClient {
    /// Sends one TAXII envelope of `objects` to `collection` and says whether to send it
    /// again. Unlike [`SharingClient::post`] no answer is an error: the caller keeps the
    /// envelope until the hub took or refused it.
    pub async fn deliver(&self, collection: &str, objects: &[serde_json::Value]) -> Delivery {
        let path = format!("/taxii2/api/collections/{}/objects/", encode(collection));
        let url = self.hub.url(&path);
        let request = match self.hub.authorised(reqwest::Method::POST, &path) {
            Ok(r) => r,
            Err(e) => return Delivery::Refused(e.to_string()),
        };
        let body = serde_json::json!({ "objects": objects }).to_string();
        let sent = request
            .header(reqwest::header::ACCEPT, TAXII)
            .header(reqwest::header::CONTENT_TYPE, TAXII)
            .timeout(DELIVERY_TIMEOUT)
            .body(body)
            .send()
            .await;
        let resp = match sent {
            Ok(r) => r,
            Err(e) => {
                return Delivery::Retry {
                    reason: format!("cannot reach {url}: {e}"),
                    after: None,
                };
            }
        };
        let status = resp.status();
        let after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(std::time::Duration::from_secs);
        let text = match crate::client::read_capped(resp, &url, MAX_STATUS).await {
            Ok(t) => String::from_utf8_lossy(&t).into_owned(),
            Err(e) => {
                return Delivery::Retry {
                    reason: format!("{url}: the answer ({status}) broke off: {e}"),
                    after,
                };
            }
        };
        judge(&url, status, after, &text, objects.len())
    }
}

/// What a hub's answer to an envelope of `sent` objects means for the batch. Only a 202 with a
/// TAXII status accounting for every object sent is taken (a proxy's `200 {}` or a wrong URL
/// must not delete a batch); a 401 is retried, since a token to renew is no fault of the batch
/// and setting each batch aside would quietly drop every report until then.
fn judge(
    url: &str,
    status: reqwest::StatusCode,
    after: Option<std::time::Duration>,
    text: &str,
    sent: usize,
) -> Delivery {
    let v: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
    let description = v["description"]
        .as_str()
        .or_else(|| v["detail"].as_str())
        .or_else(|| v["title"].as_str())
        .unwrap_or("no description");
    if status.is_success() {
        let counts = (
            v["success_count"].as_u64(),
            v["failure_count"].as_u64(),
            v["pending_count"].as_u64(),
        );
        let (Some(accepted), Some(failed), Some(pending)) = counts else {
            // Sending again is harmless: the hub takes a version it holds as a retry.
            return Delivery::Retry {
                reason: format!("{url} answered {status} without a TAXII status"),
                after,
            };
        };
        let counted = accepted.saturating_add(failed).saturating_add(pending);
        if status != reqwest::StatusCode::ACCEPTED || counted != sent as u64 {
            return Delivery::Retry {
                reason: format!(
                    "{url} answered {status} with a status counting {counted} of the {sent} objects sent"
                ),
                after,
            };
        }
        let refused = v["failures"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|f| {
                (
                    f["id"].as_str().unwrap_or("?").to_owned(),
                    f["message"].as_str().unwrap_or("refused").to_owned(),
                )
            })
            .collect();
        return Delivery::Taken {
            accepted: usize::try_from(accepted).unwrap_or(usize::MAX),
            refused,
        };
    }
    let message = format!("{url} answered {status}: {description}");
    let retry = status.is_server_error()
        || status == reqwest::StatusCode::TOO_MANY_REQUESTS
        || status == reqwest::StatusCode::REQUEST_TIMEOUT
        || status == reqwest::StatusCode::UNAUTHORIZED
        || !status.is_client_error();
    if retry {
        let reason = if status == reqwest::StatusCode::UNAUTHORIZED {
            format!("{message} (renew the token: the batches wait in the spool)")
        } else {
            message
        };
        Delivery::Retry { reason, after }
    } else {
        Delivery::Refused(message)
    }
}

/// Percent-encodes a path segment or query value (RFC 3986 unreserved characters pass).
pub(crate) fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::StatusCode;

    const URL: &str = "http://hub/taxii2/api/collections/c/objects/";

    fn status(success: u64, failure: u64) -> String {
        serde_json::json!({
            "id": "s", "status": "complete", "total_count": success + failure,
            "success_count": success, "failure_count": failure, "pending_count": 0,
            "failures": (0..failure).map(|i| serde_json::json!({"id": format!("x{i}"), "message": "no"})).collect::<Vec<_>>(),
        })
        .to_string()
    }

    #[test]
    fn a_200_without_a_taxii_status_keeps_the_batch() {
        for (code, text) in [
            (StatusCode::OK, "{}"),
            (StatusCode::ACCEPTED, "{}"),
            (StatusCode::ACCEPTED, "<html>proxy</html>"),
            (StatusCode::OK, status(2, 0).as_str()),
            (StatusCode::ACCEPTED, status(1, 0).as_str()),
        ] {
            let d = judge(URL, code, None, text, 2);
            assert!(matches!(d, Delivery::Retry { .. }), "{code} {text}: {d:?}");
        }
        match judge(URL, StatusCode::ACCEPTED, None, &status(1, 1), 2) {
            Delivery::Taken { accepted, refused } => {
                assert_eq!(accepted, 1);
                assert_eq!(refused, vec![("x0".to_owned(), "no".to_owned())]);
            }
            d => panic!("{d:?}"),
        }
    }

    #[test]
    fn a_401_is_retried_not_set_aside() {
        let d = judge(URL, StatusCode::UNAUTHORIZED, None, "{}", 1);
        match d {
            Delivery::Retry { reason, .. } => assert!(reason.contains("renew the token")),
            d => panic!("{d:?}"),
        }
        let d = judge(URL, StatusCode::FORBIDDEN, None, r#"{"title":"no"}"#, 1);
        assert!(matches!(d, Delivery::Refused(_)), "{d:?}");
        let after = Some(std::time::Duration::from_secs(5));
        let d = judge(URL, StatusCode::SERVICE_UNAVAILABLE, after, "", 1);
        assert!(
            matches!(d, Delivery::Retry { after: a, .. } if a == after),
            "{d:?}"
        );
    }
}

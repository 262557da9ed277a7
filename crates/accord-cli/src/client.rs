//! Talking to a hub over HTTP: `accord submit`, and the fetches `log verify` and `witness`
//! make.

use anyhow::{Context, Result, anyhow, bail};
use serde_json::Value;

/// A hub's base URL with an HTTP client.
pub struct HubClient {
    base: String,
    http: reqwest::Client,
    token: Option<String>,
}

impl HubClient {
    /// A client for the hub at `base` (e.g. `http://127.0.0.1:8080`).
    pub fn new(base: &str, token: Option<String>) -> Result<Self> {
        Self::build(base, token, None)
    }

    /// A client whose every request (connecting, sending, reading the answer) must end within
    /// `timeout`, and which follows no redirect: for talking to a peer hub, which may be slow,
    /// gone or hostile.
    pub fn bounded(base: &str, timeout: std::time::Duration) -> Result<Self> {
        Self::build(base, None, Some(timeout))
    }

    /// A [`HubClient::bounded`] client that reads as the party `token` authenticates, if any.
    pub fn bounded_as(
        base: &str,
        timeout: std::time::Duration,
        token: Option<String>,
    ) -> Result<Self> {
        Self::build(base, token, Some(timeout))
    }

    /// GETs JSON as the client's party when it has a token, else anonymously; an error
    /// answer, 404 included, is an error that carries the hub's problem details.
    pub async fn get_json_as_any(&self, path: &str) -> Result<Value> {
        let request = match &self.token {
            Some(_) => self.authorised(reqwest::Method::GET, path)?,
            None => self.http.get(self.url(path)),
        };
        let resp = request
            .send()
            .await
            .with_context(|| format!("cannot reach {}", self.url(path)))?;
        let resp = check(resp, &self.url(path)).await?;
        let bytes = read_capped(resp, &self.url(path), MAX_ANSWER).await?;
        serde_json::from_slice(&bytes)
            .with_context(|| format!("{} did not answer JSON", self.url(path)))
    }

    fn build(
        base: &str,
        token: Option<String>,
        timeout: Option<std::time::Duration>,
    ) -> Result<Self> {
        let base = base.trim_end_matches('/').to_owned();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            bail!("--hub {base:?} is not an http(s) URL");
        }
        let mut builder =
            reqwest::Client::builder().user_agent(concat!("accord/", env!("CARGO_PKG_VERSION")));
        if let Some(timeout) = timeout {
            builder = builder
                .timeout(timeout)
                .redirect(reqwest::redirect::Policy::none());
        }
        let http = builder.build()?;
        Ok(HubClient { base, http, token })
    }

    /// Whether requests carry a token.
    pub fn has_token(&self) -> bool {
        self.token.is_some()
    }

    /// The URL of `path` on this hub.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A request to `path` carrying the bearer token; an error when there is none.
    pub fn authorised(
        &self,
        method: reqwest::Method,
        path: &str,
    ) -> Result<reqwest::RequestBuilder> {
        let token = self
            .token
            .as_deref()
            .ok_or_else(|| anyhow!("this needs an API token: pass --token or set ACCORD_TOKEN"))?;
        Ok(self.http.request(method, self.url(path)).bearer_auth(token))
    }

    /// GETs bytes; `Ok(None)` on 404.
    pub async fn get_bytes(&self, path: &str) -> Result<Option<Vec<u8>>> {
        let resp = self
            .http
            .get(self.url(path))
            .send()
            .await
            .with_context(|| format!("cannot reach {}", self.url(path)))?;
        if resp.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let resp = check(resp, &self.url(path)).await?;
        Ok(Some(read_capped(resp, &self.url(path), MAX_ANSWER).await?))
    }

    /// GETs bytes that must exist.
    pub async fn get_required(&self, path: &str) -> Result<Vec<u8>> {
        self.get_bytes(path)
            .await?
            .ok_or_else(|| anyhow!("{} answered 404 Not Found", self.url(path)))
    }

    /// GETs JSON.
    pub async fn get_json(&self, path: &str) -> Result<Value> {
        let bytes = self.get_required(path).await?;
        serde_json::from_slice(&bytes)
            .with_context(|| format!("{} did not answer JSON", self.url(path)))
    }

    /// GETs JSON with the bearer token (reads that depend on who asks); an error answer,
    /// 404 included, is an error that carries the hub's problem details.
    pub async fn get_json_as(&self, path: &str) -> Result<Value> {
        let resp = self
            .authorised(reqwest::Method::GET, path)?
            .send()
            .await
            .with_context(|| format!("cannot reach {}", self.url(path)))?;
        let resp = check(resp, &self.url(path)).await?;
        let bytes = read_capped(resp, &self.url(path), MAX_ANSWER).await?;
        serde_json::from_slice(&bytes)
            .with_context(|| format!("{} did not answer JSON", self.url(path)))
    }

    /// POSTs JSON with the bearer token; returns the JSON answer (or null for 204).
    pub async fn post_json(&self, path: &str, body: &Value) -> Result<Value> {
        let resp = self
            .authorised(reqwest::Method::POST, path)?
            .json(body)
            .send()
            .await
            .with_context(|| format!("cannot reach {}", self.url(path)))?;
        let resp = check(resp, &self.url(path)).await?;
        if resp.status() == reqwest::StatusCode::NO_CONTENT {
            return Ok(Value::Null);
        }
        let bytes = read_capped(resp, &self.url(path), MAX_ANSWER).await?;
        serde_json::from_slice(&bytes)
            .with_context(|| format!("{} did not answer JSON", self.url(path)))
    }
}

/// The most bytes read of one answer from a hub: a full bundle of log bodies stays far
/// below it, while a hostile or broken peer cannot make a reader hold gigabytes.
pub const MAX_ANSWER: usize = 256 * 1024 * 1024;

/// Reads `resp`'s body, refusing it (naming `url`) once it passes `limit` bytes, or at once
/// when its `Content-Length` says it will.
pub async fn read_capped(mut resp: reqwest::Response, url: &str, limit: usize) -> Result<Vec<u8>> {
    let too_long = || anyhow!("{url} answered more than {limit} bytes");
    if resp
        .content_length()
        .is_some_and(|n| n > u64::try_from(limit).unwrap_or(u64::MAX))
    {
        return Err(too_long());
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp
        .chunk()
        .await
        .with_context(|| format!("cannot read the answer of {url}"))?
    {
        if body.len().saturating_add(chunk.len()) > limit {
            return Err(too_long());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The most bytes read of an error answer.
const MAX_PROBLEM: usize = 64 * 1024;

/// Turns an error answer (problem+json) into a message that says what the hub refused and why.
async fn check(resp: reqwest::Response, url: &str) -> Result<reqwest::Response> {
    let status = resp.status();
    if status.is_success() {
        return Ok(resp);
    }
    let text = read_capped(resp, url, MAX_PROBLEM)
        .await
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let detail = serde_json::from_str::<Value>(&text)
        .ok()
        .map(|v| {
            let mut d = v["detail"].as_str().unwrap_or("").to_owned();
            if let Some(errors) = v["errors"].as_array() {
                for e in errors {
                    d.push_str(&format!(
                        "\n  - {}: {}",
                        e["path"].as_str().unwrap_or(""),
                        e["detail"].as_str().unwrap_or("")
                    ));
                }
            }
            d
        })
        .unwrap_or(text);
    bail!("{url} refused ({status}): {detail}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    /// Serves one answer of `body_len` bytes, with a `Content-Length` or chunked.
    fn serve_once(body_len: usize, chunked: bool) -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            let mut buf = [0u8; 4096];
            let _ = conn.read(&mut buf);
            let body = vec![b'x'; body_len];
            let _ = if chunked {
                let mut out = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
                for part in body.chunks(1000) {
                    out.extend_from_slice(format!("{:x}\r\n", part.len()).as_bytes());
                    out.extend_from_slice(part);
                    out.extend_from_slice(b"\r\n");
                }
                out.extend_from_slice(b"0\r\n\r\n");
                conn.write_all(&out)
            } else {
                let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {body_len}\r\n\r\n");
                conn.write_all(head.as_bytes())
                    .and_then(|_| conn.write_all(&body))
            };
        });
        format!("http://{addr}/")
    }

    /// Found in review: answers from a peer hub were read whole, whatever their size.
    #[tokio::test]
    async fn an_answer_longer_than_the_cap_is_refused_with_or_without_a_length() {
        for chunked in [false, true] {
            let url = serve_once(5_000, chunked);
            let resp = reqwest::get(&url).await.unwrap();
            let e = read_capped(resp, &url, 4_096).await.unwrap_err();
            assert!(e.to_string().contains("more than 4096 bytes"), "{e}");
            let url = serve_once(4_000, chunked);
            let resp = reqwest::get(&url).await.unwrap();
            assert_eq!(read_capped(resp, &url, 4_096).await.unwrap().len(), 4_000);
        }
    }
}

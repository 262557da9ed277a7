//! Who is reading: the one way every read path that filters by TLP (TAXII, the REST
//! collection endpoints, the dashboard's sharing pages) learns the caller's identity.
//!
//! A caller sends HTTP Basic credentials (user = party id, password = the party's API token,
//! as `taxii2-client` sends them) or `Authorization: Bearer <token>`; without an
//! `Authorization` header it is anonymous. A header that is present but wrong is refused
//! rather than read as anonymous, so a typo in a token never silently narrows what a party
//! sees into what anyone sees.

use axum::http::{HeaderMap, header};
use base64::Engine;

use accord_stix::tlp::Reader;
use accord_store::write::token_digest;
use accord_store::{Store, StoreError};

/// The identity a request reads as.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Viewer(pub Option<String>);

impl Viewer {
    /// The reader the TLP rule is asked about.
    pub fn reader(&self) -> Reader<'_> {
        match &self.0 {
            Some(p) => Reader::Party(p),
            None => Reader::Anonymous,
        }
    }

    /// The party, when authenticated.
    pub fn party(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

/// Why credentials were refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ViewerError {
    /// The credentials are malformed or unknown.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// The store failed while looking the token up.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Identifies the caller of a request from its `Authorization` header.
///
/// The form is checked strictly (RFC 9110 §11.1–11.2, RFC 7617, RFC 6750 §2.1): one header,
/// a scheme compared case-insensitively, one or more spaces, then one token68 and nothing
/// else; Basic credentials must decode to `party:token` in UTF-8 with the party the token
/// belongs to, compared exactly. Anything else is refused, never read as anonymous.
pub async fn identify(store: &dyn Store, headers: &HeaderMap) -> Result<Viewer, ViewerError> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Ok(Viewer(None));
    };
    if values.next().is_some() {
        return Err(ViewerError::Unauthorized(
            "send one Authorization header, not several",
        ));
    }
    let text = value
        .to_str()
        .map_err(|_| ViewerError::Unauthorized("the Authorization header is not text"))?;
    let (scheme, credentials) = text.split_once(' ').ok_or(ViewerError::Unauthorized(
        "the Authorization header needs a scheme and credentials: `Bearer <token>` or `Basic <base64 of party:token>`",
    ))?;
    let credentials = credentials.trim_start_matches(' ');
    if !is_token68(credentials) {
        return Err(ViewerError::Unauthorized(
            "the credentials must be one token (RFC 9110 §11.2: letters, digits, -._~+/ and trailing =)",
        ));
    }
    let (party, digest) = if scheme.eq_ignore_ascii_case("bearer") {
        let digest = token_digest(credentials);
        (store.token_party(&digest).await?, digest)
    } else if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(credentials)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or(ViewerError::Unauthorized(
                "Basic credentials are not base64 of UTF-8 text",
            ))?;
        let (user, token) = decoded
            .split_once(':')
            .filter(|(user, token)| !user.is_empty() && !token.is_empty())
            .ok_or(ViewerError::Unauthorized(
                "Basic credentials need `party:token`",
            ))?;
        // The token decides the party; the user name must be that party, exactly.
        let digest = token_digest(token);
        let party = store.token_party(&digest).await?.filter(|p| p == user);
        (party, digest)
    } else {
        return Err(ViewerError::Unauthorized(
            "use HTTP Basic (party id and token) or a Bearer token",
        ));
    };
    match party {
        Some(p) => Ok(Viewer(Some(p))),
        // A revoked or expired token is refused, saying which (its holder knows the secret).
        None => Err(
            match store
                .token(&digest)
                .await?
                .filter(|t| !t.is_current(jiff::Timestamp::now()))
            {
                Some(t) if t.revoked_at.is_some() => {
                    ViewerError::Unauthorized("the token was revoked")
                }
                Some(_) => ViewerError::Unauthorized("the token has expired"),
                None => ViewerError::Unauthorized("unknown party or token"),
            },
        ),
    }
}

/// RFC 9110 §11.2 `token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
fn is_token68(s: &str) -> bool {
    let body = s.trim_end_matches('=');
    !body.is_empty()
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b))
}

impl axum::extract::FromRequestParts<crate::state::AppState> for Viewer {
    type Rejection = crate::error::ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        st: &crate::state::AppState,
    ) -> Result<Self, crate::error::ApiError> {
        identify(st.store.as_ref(), &parts.headers)
            .await
            .map_err(|e| match e {
                ViewerError::Unauthorized(m) => crate::error::ApiError::Unauthenticated(m.into()),
                ViewerError::Store(s) => s.into(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token68() {
        assert!(is_token68("acc_0123abcd"));
        assert!(is_token68("YWxpY2U6dG9rZW4="));
        assert!(!is_token68(""));
        assert!(!is_token68("=="));
        assert!(!is_token68("a b"));
        assert!(!is_token68("a\tb"));
        assert!(!is_token68("t=x"));
        assert!(!is_token68("tok\u{e9}n"));
    }
}

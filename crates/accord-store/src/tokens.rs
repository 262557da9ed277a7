//! API tokens' lifecycle: issue with an expiry, list, revoke.
//!
//! A token is stored only as its SHA-256; its handle is the first [`ID_LEN`] hex digits of
//! that digest (the token id `tokens issue` prints and `tokens list` shows), which reveals
//! nothing of the secret. Every token expires: [`DEFAULT_LIFETIME`] unless the operator
//! chooses, never more than [`MAX_LIFETIME`]. A revoked or expired token is refused on every
//! authenticated path; the store is asked on every request (no per-node cache), so a
//! revocation holds at once on every node sharing the database.

use jiff::{SignedDuration, Timestamp};

use crate::error::StoreError;
use crate::store::Store;
pub use crate::store::{DEFAULT_LIFETIME, ID_LEN, TokenInfo};
use crate::write::{RecordError, new_token, token_digest};

/// Shortest id prefix `tokens revoke --id` accepts.
pub const MIN_ID_PREFIX: usize = 8;

/// The longest lifetime a token may be issued with: 366 days.
pub const MAX_LIFETIME: SignedDuration = SignedDuration::from_hours(366 * 24);

/// Why a token could not be issued or revoked.
fn invalid(path: &str, message: String) -> RecordError {
    RecordError::Invalid {
        problems: vec![accord_core::validate::Problem {
            path: path.to_owned(),
            message,
        }],
    }
}

/// Issues a token for `party` valid until `expires_at` (at most [`MAX_LIFETIME`] from now,
/// in the future); returns the secret (shown once) and its stored description.
pub async fn issue(
    store: &dyn Store,
    party: &str,
    expires_at: Timestamp,
) -> Result<(String, TokenInfo), RecordError> {
    let now = Timestamp::now();
    if expires_at <= now {
        return Err(invalid(
            "expires",
            format!("{expires_at} is not in the future"),
        ));
    }
    if now.duration_until(expires_at) > MAX_LIFETIME {
        return Err(invalid(
            "expires",
            format!(
                "{expires_at} is more than 366 days away: a token lives at most that long; issue a new one before it expires"
            ),
        ));
    }
    store.party(party).await?;
    let token = new_token()?;
    let digest = token_digest(&token);
    store.add_token_until(&digest, party, expires_at).await?;
    let info = store
        .token(&digest)
        .await?
        .ok_or_else(|| StoreError::Backend("the token just stored is missing".into()))?;
    Ok((token, info))
}

/// Which tokens `accord tokens revoke` revokes.
#[derive(Debug, Clone)]
pub enum Selector {
    /// The one current token whose id starts with this hex prefix.
    Id(String),
    /// Every current token of a party.
    Party(String),
}

/// Revokes the tokens `which` names (only current ones); returns them as they now stand.
/// An id prefix must name exactly one token.
pub async fn revoke(store: &dyn Store, which: &Selector) -> Result<Vec<TokenInfo>, RecordError> {
    let now = Timestamp::now();
    let all = store.token_list().await?;
    let chosen: Vec<TokenInfo> = match which {
        Selector::Id(prefix) => {
            let prefix = prefix.to_ascii_lowercase();
            if prefix.len() < MIN_ID_PREFIX || !prefix.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(invalid(
                    "id",
                    format!(
                        "{prefix:?} is not a token id: give at least {MIN_ID_PREFIX} of its hex digits, as `tokens list` shows them"
                    ),
                ));
            }
            let matching: Vec<TokenInfo> = all
                .into_iter()
                .filter(|t| t.sha256.starts_with(&prefix))
                .collect();
            match matching.as_slice() {
                [] => {
                    return Err(RecordError::Store(StoreError::NotFound {
                        what: "token",
                        id: prefix,
                    }));
                }
                [one] if !one.is_current(now) => {
                    return Err(RecordError::Store(StoreError::Conflict {
                        what: "token (already revoked or expired)",
                        id: one.id.clone(),
                    }));
                }
                [_] => matching,
                _ => {
                    return Err(invalid(
                        "id",
                        format!(
                            "{prefix:?} names {} tokens; give more digits",
                            matching.len()
                        ),
                    ));
                }
            }
        }
        Selector::Party(party) => {
            store.party(party).await?;
            all.into_iter()
                .filter(|t| &t.party == party && t.is_current(now))
                .collect()
        }
    };
    let mut revoked = Vec::with_capacity(chosen.len());
    for t in chosen {
        if store.revoke_token(&t.sha256).await?
            && let Some(now_stored) = store.token(&t.sha256).await?
        {
            revoked.push(now_stored);
        }
    }
    Ok(revoked)
}

/// Parses a lifetime such as `90d`, `12h` or `1y` (a year is 365 days).
pub fn parse_lifetime(text: &str) -> Option<SignedDuration> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (n, unit) = text.split_at(split);
    // Far above any lifetime a token may have, and no overflow below.
    let n: i64 = n.parse().ok().filter(|n| (1..=100_000).contains(n))?;
    let hours = match unit {
        "h" => 1,
        "d" => 24,
        "w" => 24 * 7,
        "y" => 24 * 365,
        _ => return None,
    };
    Some(SignedDuration::from_hours(n.checked_mul(hours)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_parse() {
        assert_eq!(
            parse_lifetime("90d"),
            Some(SignedDuration::from_hours(2160))
        );
        assert_eq!(parse_lifetime("12h"), Some(SignedDuration::from_hours(12)));
        assert_eq!(parse_lifetime("2w"), Some(SignedDuration::from_hours(336)));
        for bad in ["", "d", "0d", "-1d", "90", "90 days", "9x", "100001d"] {
            assert_eq!(parse_lifetime(bad), None, "{bad}");
        }
    }

    #[test]
    fn current_revoked_and_expired() {
        let now = Timestamp::from_second(1_000_000).unwrap();
        let later = Timestamp::from_second(2_000_000).unwrap();
        let t = TokenInfo::new("ab".repeat(32), "FR".into(), now, Some(later), None);
        assert_eq!(t.id.len(), ID_LEN);
        assert!(t.is_current(now));
        assert!(!t.is_current(later));
        assert!(t.refusal(later).unwrap().contains("expired"));
        let r = TokenInfo {
            revoked_at: Some(now),
            ..t
        };
        assert!(r.refusal(now).unwrap().contains("revoked"));
    }
}

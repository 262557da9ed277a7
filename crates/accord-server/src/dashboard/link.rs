//! Links the dashboard builds: query strings that carry filters, and MITRE ATT&CK pages.

/// Percent-encodes a query-string component: everything but RFC 3986 §2.3 unreserved
/// characters is escaped, so a filter value can never end the parameter or start another.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `path?k=v&…` with each key and value percent-encoded; just `path` when there are none.
pub fn query(path: &str, pairs: &[(&str, String)]) -> String {
    let mut out = path.to_owned();
    for (i, (k, v)) in pairs.iter().enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        out.push_str(&encode(k));
        out.push('=');
        out.push_str(&encode(v));
    }
    out
}

/// The ATT&CK page of an enterprise technique id: `T1195.002` →
/// `https://attack.mitre.org/techniques/T1195/002/`; `None` for anything that is not an id.
pub fn attack_technique(id: &str) -> Option<String> {
    if !accord_core::incident::is_attack_technique_id(id) {
        return None;
    }
    // ATT&CK writes sub-techniques as a path segment below their parent technique.
    Some(format!(
        "https://attack.mitre.org/techniques/{}/",
        id.replace('.', "/")
    ))
}

/// The URL of a source when it is safe to link: only http and https, so a stored
/// `javascript:` URL can never become a live link.
pub fn external(url: &str) -> Option<&str> {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")).then_some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_reserved_characters() {
        assert_eq!(encode("P1"), "P1");
        assert_eq!(encode("a b&c=d"), "a%20b%26c%3Dd");
        assert_eq!(encode("é"), "%C3%A9");
        assert_eq!(
            query(
                "/incidents",
                &[("party", "RU".into()), ("cursor", "x/y".into())]
            ),
            "/incidents?party=RU&cursor=x%2Fy"
        );
        assert_eq!(query("/incidents", &[]), "/incidents");
    }

    #[test]
    fn attack_links() {
        assert_eq!(
            attack_technique("T1195.002").as_deref(),
            Some("https://attack.mitre.org/techniques/T1195/002/")
        );
        assert_eq!(
            attack_technique("T1190").as_deref(),
            Some("https://attack.mitre.org/techniques/T1190/")
        );
        assert_eq!(attack_technique("T11"), None);
        assert_eq!(attack_technique("../x"), None);
    }

    #[test]
    fn only_http_links() {
        assert_eq!(
            external("https://example.org/a"),
            Some("https://example.org/a")
        );
        assert_eq!(external("HTTP://example.org"), Some("HTTP://example.org"));
        assert_eq!(external("javascript:alert(1)"), None);
        assert_eq!(external("data:text/html,x"), None);
    }
}

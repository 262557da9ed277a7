//! Literal values STIX writes as text, read one way everywhere: timestamps
//! and IP networks.
//!
//! The pattern parser (`t'…'` constants, `ISSUBSET` operands), the object
//! validator (`created`, `valid_from`, …), the evaluator, the matcher's
//! index and the hub's importers all read these; they share these functions
//! so that what one accepts, the others accept too. This module depends on
//! nothing else in the crate.

use std::net::IpAddr;
use std::ops::Range;

/// Parses a STIX timestamp: RFC 3339 in UTC, `YYYY-MM-DDTHH:MM:SS[.s+]Z`
/// with at most nine fractional digits (STIX 2.1 §2, timestamp data type;
/// the body of a pattern's `t'…'` constant, §9). Anything else, an offset
/// other than `Z` included, is an error saying what was expected.
pub fn parse_timestamp(text: &str) -> Result<jiff::Timestamp, String> {
    let b = text.as_bytes();
    let digits = |r: Range<usize>| b.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    let shape_ok = b.len() >= 20
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && b.last() == Some(&b'Z')
        && (b.len() == 20 || (b[19] == b'.' && b.len() > 21 && digits(20..b.len() - 1)));
    if !shape_ok {
        return Err("expected YYYY-MM-DDTHH:MM:SS[.s+]Z (RFC 3339, UTC)".into());
    }
    if b.len() > 30 {
        return Err("more than 9 fractional digits (finer than nanoseconds)".into());
    }
    text.parse::<jiff::Timestamp>().map_err(|e| e.to_string())
}

/// Parses an IP address (as a host-length network: `/32`, `/128`) or a CIDR
/// range, IPv4 or IPv6: the values `ISSUBSET`/`ISSUPERSET` compare (§9).
pub fn parse_ip_network(text: &str) -> Option<ipnet::IpNet> {
    if let Ok(net) = text.parse::<ipnet::IpNet>() {
        return Some(net);
    }
    text.parse::<IpAddr>().ok().map(ipnet::IpNet::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_must_be_utc_rfc3339() {
        assert!(parse_timestamp("2020-01-01T00:00:00Z").is_ok());
        assert!(parse_timestamp("2020-01-01T00:00:00.123456Z").is_ok());
        assert!(parse_timestamp("2020-01-01T00:00:00.123456789Z").is_ok());
        assert!(parse_timestamp("2020-01-01T00:00:00.1234567890Z").is_err());
        assert!(parse_timestamp("2020-01-01T00:00:00+01:00").is_err());
        assert!(parse_timestamp("2020-13-01T00:00:00Z").is_err());
        assert!(parse_timestamp("2020-01-01T00:00:00.Z").is_err());
        assert!(parse_timestamp("2020-01-01").is_err());
    }

    #[test]
    fn addresses_are_host_length_networks() {
        let net = |s: &str| parse_ip_network(s).map(|n| n.to_string());
        assert_eq!(net("198.51.100.7").as_deref(), Some("198.51.100.7/32"));
        assert_eq!(net("2001:db8::1").as_deref(), Some("2001:db8::1/128"));
        assert_eq!(net("198.51.100.0/24").as_deref(), Some("198.51.100.0/24"));
        assert_eq!(net("0.0.0.0/0").as_deref(), Some("0.0.0.0/0"));
        assert_eq!(net("198.51.100.0/33"), None);
        assert_eq!(net("example.org"), None);
    }
}

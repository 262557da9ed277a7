//! The Traffic Light Protocol 2.0 levels (FIRST, 2022): one type for all of Accord.
//!
//! A log entry's envelope states its body's level (`accord-tlog`), a STIX object is read under
//! the level of its markings (`accord-stix`), an evidence request carries one
//! (`accord-law`), and the store and the hub pass them between those. They all use [`Tlp`],
//! so a level never needs translating on its way. How a level is written in a STIX marking
//! (the TLP 1.0 and 2.0 `marking-definition` objects) is STIX's business and lives in
//! `accord_stix::marking`; who may read what under a level is `accord_stix::tlp`'s.
//!
//! This crate depends on nothing of Accord's, so every other crate may depend on it.
//!
//! ```
//! use accord_tlp::Tlp;
//!
//! assert_eq!(Tlp::parse("TLP:AMBER+STRICT"), Some(Tlp::AmberStrict));
//! assert_eq!(Tlp::parse("white"), Some(Tlp::Clear)); // TLP 1.0
//! assert!(Tlp::Red > Tlp::Amber);
//! assert_eq!(Tlp::Amber.to_string(), "TLP:AMBER");
//! assert_eq!(serde_json::to_string(&Tlp::AmberStrict).unwrap(), "\"amber+strict\"");
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

/// A TLP 2.0 disclosure level, ordered from least to most restrictive.
///
/// Serialised as TLP 2.0 writes the level in lower case (`"clear"`, `"amber+strict"`): the
/// form signed log envelopes carry, so it must never change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Tlp {
    /// TLP:CLEAR (TLP 1.0 WHITE): disclosure is not limited.
    #[serde(rename = "clear")]
    Clear,
    /// TLP:GREEN: the community.
    #[serde(rename = "green")]
    Green,
    /// TLP:AMBER: the recipients' organisations and their clients.
    #[serde(rename = "amber")]
    Amber,
    /// TLP:AMBER+STRICT: the recipients' organisations only.
    #[serde(rename = "amber+strict")]
    AmberStrict,
    /// TLP:RED: the named recipients only.
    #[serde(rename = "red")]
    Red,
}

impl Tlp {
    /// Every level, least restrictive first.
    pub const ALL: [Tlp; 5] = [
        Tlp::Clear,
        Tlp::Green,
        Tlp::Amber,
        Tlp::AmberStrict,
        Tlp::Red,
    ];

    /// The level as TLP 2.0 writes it, in lower case (`clear`, `amber+strict`, …): the
    /// serialised form.
    pub fn as_str(self) -> &'static str {
        match self {
            Tlp::Clear => "clear",
            Tlp::Green => "green",
            Tlp::Amber => "amber",
            Tlp::AmberStrict => "amber+strict",
            Tlp::Red => "red",
        }
    }

    /// Parses `clear`, `white` (TLP 1.0), `green`, `amber`, `amber+strict` or `red`, with or
    /// without a `tlp:` prefix, in any case, around spaces.
    pub fn parse(text: &str) -> Option<Tlp> {
        let t = text.trim().to_ascii_lowercase();
        let t = t.strip_prefix("tlp:").unwrap_or(&t);
        match t {
            "clear" | "white" => Some(Tlp::Clear),
            "green" => Some(Tlp::Green),
            "amber" => Some(Tlp::Amber),
            "amber+strict" => Some(Tlp::AmberStrict),
            "red" => Some(Tlp::Red),
            _ => None,
        }
    }
}

/// `TLP:CLEAR`, `TLP:AMBER+STRICT`, …: the label as TLP 2.0 prints it.
impl fmt::Display for Tlp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TLP:{}", self.as_str().to_ascii_uppercase())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_level_round_trips_through_its_text_and_serde() {
        for tlp in Tlp::ALL {
            assert_eq!(Tlp::parse(tlp.as_str()), Some(tlp));
            assert_eq!(Tlp::parse(&tlp.to_string()), Some(tlp));
            let json = serde_json::to_string(&tlp).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", tlp.as_str()));
            assert_eq!(serde_json::from_str::<Tlp>(&json).ok(), Some(tlp));
        }
        assert!(Tlp::ALL.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn unknown_levels_are_refused() {
        assert_eq!(Tlp::parse("amber strict"), None);
        assert_eq!(Tlp::parse(""), None);
        assert!(serde_json::from_str::<Tlp>("\"AMBER\"").is_err());
        assert!(serde_json::from_str::<Tlp>("\"white\"").is_err());
    }
}

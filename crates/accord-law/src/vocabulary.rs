//! The engine's small vocabularies: data categories, channels, actions and periods.
//!
//! These are the words a liaison officer uses ("subscriber data", "the 24/7 network") and the
//! words the data files and the JSON answers carry, so each has one spelling in both.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The kind of data a request is for.
///
/// The categories follow Regulation (EU) 2023/1543 (subscriber, identification, traffic,
/// content), plus domain registration data, which CETS 224 Art. 6 treats on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DataCategory {
    /// Who the subscriber is: name, address, phone, billing, type of service.
    Subscriber,
    /// Data asked for only to identify the user, such as an IP address with a timestamp.
    Identification,
    /// Origin, destination, route, time, size, duration or type of a communication.
    Traffic,
    /// What was communicated or stored: text, voice, images, files.
    Content,
    /// Domain name registration data held by a registrar or registry.
    Domain,
}

impl DataCategory {
    /// Every category, in the order they are listed to users.
    pub const ALL: [DataCategory; 5] = [
        DataCategory::Subscriber,
        DataCategory::Identification,
        DataCategory::Traffic,
        DataCategory::Content,
        DataCategory::Domain,
    ];

    /// The category's name as written in data files and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            DataCategory::Subscriber => "subscriber",
            DataCategory::Identification => "identification",
            DataCategory::Traffic => "traffic",
            DataCategory::Content => "content",
            DataCategory::Domain => "domain",
        }
    }

    /// The category in a sentence: "subscriber data", "domain registration data".
    pub fn phrase(self) -> &'static str {
        match self {
            DataCategory::Subscriber => "subscriber data",
            DataCategory::Identification => "identification data",
            DataCategory::Traffic => "traffic data",
            DataCategory::Content => "content data",
            DataCategory::Domain => "domain registration data",
        }
    }
}

impl fmt::Display for DataCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A text that names no data category.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{input:?} is not a data category; expected one of subscriber, identification, traffic, content, domain"
)]
pub struct CategoryError {
    /// The text that was given.
    pub input: String,
}

impl FromStr for DataCategory {
    type Err = CategoryError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        DataCategory::ALL
            .into_iter()
            .find(|c| c.as_str() == wanted)
            .ok_or_else(|| CategoryError {
                input: s.to_owned(),
            })
    }
}

/// Through whom a request travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Channel {
    /// The requesting authority sends the order to the service provider itself.
    #[serde(rename = "provider-direct")]
    ProviderDirect,
    /// Central authority to central authority (mutual legal assistance).
    #[serde(rename = "authority-to-authority")]
    AuthorityToAuthority,
    /// Point of contact to point of contact, reachable at any hour.
    #[serde(rename = "24/7-network")]
    Network247,
}

impl Channel {
    /// The channel in words, for tables and summaries.
    pub fn phrase(self) -> &'static str {
        match self {
            Channel::ProviderDirect => "directly to the provider",
            Channel::AuthorityToAuthority => "authority to authority",
            Channel::Network247 => "24/7 network",
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.phrase())
    }
}

/// What a mechanism does with the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Keeps the data from being deleted until a production request arrives.
    Preservation,
    /// Hands the data over.
    Production,
    /// Hands over just enough (traffic data) to find the next hop.
    Disclosure,
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Action::Preservation => "preservation",
            Action::Production => "production",
            Action::Disclosure => "disclosure",
        })
    }
}

/// A length of time in a legal text: whole days or whole hours, as the text states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Period {
    /// Calendar days.
    Days(u32),
    /// Hours.
    Hours(u32),
}

impl Period {
    /// The period in hours, for ordering pathways and computing due dates (a day counts 24 h).
    pub fn hours(self) -> u64 {
        match self {
            Period::Days(d) => u64::from(d) * 24,
            Period::Hours(h) => u64::from(h),
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Days(1) => f.write_str("1 day"),
            Period::Days(d) => write!(f, "{d} days"),
            Period::Hours(1) => f.write_str("1 hour"),
            Period::Hours(h) => write!(f, "{h} hours"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_parse_in_any_case_and_reject_others() {
        assert_eq!("Traffic".parse::<DataCategory>(), Ok(DataCategory::Traffic));
        assert!("metadata".parse::<DataCategory>().is_err());
    }

    #[test]
    fn periods_serialize_as_the_text_states_them() {
        let p: Period = serde_json::from_str(r#"{"hours": 8}"#).unwrap();
        assert_eq!(p, Period::Hours(8));
        assert_eq!(Period::Days(10).hours(), 240);
        assert_eq!(Period::Days(10).to_string(), "10 days");
    }

    #[test]
    fn channel_uses_the_24_7_spelling() {
        assert_eq!(
            serde_json::to_string(&Channel::Network247).unwrap(),
            "\"24/7-network\""
        );
    }
}

//! How the store writes values down and reads them back: the text forms both backends store
//! (TLP levels, written as [`Tlp::as_str`] gives them; JSON columns). A stored value that does
//! not read back is a damaged or foreign database ([`StoreError::Corrupt`]).

use accord_tlp::Tlp;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::StoreError;

/// Reads back an entry's TLP level, stored as [`Tlp::as_str`] writes it (its form in the
/// envelope's JSON).
pub fn parse_tlp(text: &str) -> Result<Tlp, StoreError> {
    serde_json::from_value(serde_json::Value::from(text)).map_err(|e| corrupt("entry tlp", e))
}

/// Reads back a STIX object's TLP level, stored as [`Tlp::as_str`] writes it.
pub fn parse_level(text: &str) -> Result<Tlp, StoreError> {
    Tlp::parse(text).ok_or_else(|| StoreError::Corrupt {
        what: "stix object tlp".into(),
        detail: format!("{text:?} is not a TLP level"),
    })
}

/// A record as the JSON text a backend stores.
pub fn to_json<T: Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Backend(e.to_string()))
}

/// Reads back a record stored as JSON text; `what` names it in the error.
pub fn from_json<T: DeserializeOwned>(what: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| corrupt(what, e))
}

/// The record `id` of kind `what` from its stored JSON `body`, if a row was found: `None`
/// is [`StoreError::NotFound`].
pub fn found<T: DeserializeOwned>(
    what: &'static str,
    id: &str,
    body: Option<&str>,
) -> Result<T, StoreError> {
    match body {
        Some(text) => from_json(&format!("{what} {id}"), text),
        None => Err(StoreError::NotFound {
            what,
            id: id.to_owned(),
        }),
    }
}

/// A stored value that does not read back: `what` names it, `e` says why.
pub fn corrupt(what: impl Into<String>, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        what: what.into(),
        detail: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_tlp_text_is_the_envelope_json_form_and_reads_back() {
        for tlp in [
            Tlp::Clear,
            Tlp::Green,
            Tlp::Amber,
            Tlp::AmberStrict,
            Tlp::Red,
        ] {
            let json = serde_json::to_value(tlp).unwrap_or_default();
            assert_eq!(json.as_str(), Some(tlp.as_str()));
            assert_eq!(parse_tlp(tlp.as_str()).ok(), Some(tlp));
            assert_eq!(parse_level(tlp.as_str()).ok(), Some(tlp));
        }
        assert!(matches!(
            parse_tlp("TLP:RED"),
            Err(StoreError::Corrupt { .. })
        ));
    }
}

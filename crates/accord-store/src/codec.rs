//! How the store writes values down and reads them back: the text forms both backends store
//! and every interface shows.

use accord_tlog::entry::Tlp;

/// A TLP label as TLP 2.0 writes it.
pub fn tlp_name(tlp: Tlp) -> &'static str {
    match tlp {
        Tlp::Clear => "TLP:CLEAR",
        Tlp::Green => "TLP:GREEN",
        Tlp::Amber => "TLP:AMBER",
        Tlp::AmberStrict => "TLP:AMBER+STRICT",
        Tlp::Red => "TLP:RED",
    }
}

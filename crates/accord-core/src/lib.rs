//! Accord core (work in progress).

/// ISO 3166-1 country codes.
pub mod country;

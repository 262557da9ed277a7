//! The media types TAXII 2.1 speaks, below the rest of the module.

/// The TAXII 2.1 media type.
pub const TAXII_MEDIA_TYPE: &str = "application/taxii+json;version=2.1";

/// The STIX 2.1 media type, which TAXII 2.1 lists among a collection's `media_types`.
pub const STIX_MEDIA_TYPE: &str = "application/stix+json;version=2.1";

//! Entry kinds: the envelope's `kind`, the string every entry signs. Logs keep a kind
//! forever, so one is never renamed. This module sits at the bottom of the crate and imports
//! nothing of it; `log::kind` re-exports it.

/// The accord itself.
pub const ACCORD: &str = "accord";
/// The principle-mapping rules.
pub const RULES: &str = "rules";
/// A party registered in the registry.
pub const PARTY: &str = "party";
/// An incident.
pub const INCIDENT: &str = "incident";
/// A public key registered for a party.
pub const KEY: &str = "key";
/// A public key revoked.
pub const KEY_REVOCATION: &str = "key-revocation";
/// An evidence request opened (see `accord_law::request`); the entry id is a fresh random
/// UUID, not the request's id (entries recorded before that rule carry the request's id).
pub const REQUEST: &str = "request";
/// An evidence request moved along its lifecycle; the entry id is a fresh random UUID
/// (entries recorded before that rule carry `"{request}/{status}"`).
pub const REQUEST_TRANSITION: &str = "request-transition";
/// A witness the operator configured; the entry id is its verifier key string.
pub const WITNESS: &str = "witness";
/// A witness the operator removed; the entry id is its verifier key string.
pub const WITNESS_REMOVAL: &str = "witness-removal";
/// A collection definition.
pub const COLLECTION: &str = "collection";
/// A party's affiliation.
pub const AFFILIATION: &str = "affiliation";
/// A STIX object version shared in a collection.
pub const STIX: &str = "stix";
/// A STIX object version's removal from a collection.
pub const STIX_DELETION: &str = "stix-deletion";
/// A correction of a recorded incident or party, signed by the party that recorded it (the
/// operator for bundled records); the entry id is `KIND/ID@SUFFIX` (see
/// `crate::log::amendment_entry_id`).
pub const AMENDMENT: &str = "amendment";
/// The bundled dataset version the hub's bundled records were brought up to; the entry id is
/// the version.
pub const DATASET_VERSION: &str = "dataset-version";
/// A peer hub the operator registered (see `crate::peers`); the entry id is the peer's id and a
/// random suffix, so a peer removed can be registered again.
pub const PEER: &str = "peer";
/// A peer hub the operator removed; the entry id is the peer's id and a random suffix.
pub const PEER_REMOVAL: &str = "peer-removal";
/// A peer hub caught showing two checkpoints that do not extend one another, with both signed
/// checkpoints as evidence; the entry id is the peer log's verifier key string.
pub const PEER_FORK: &str = "peer-fork";

//! What sharing stores, and the rules on it that every layer applies: collections,
//! affiliations, STIX object versions and their index rows, the storage a sharing backend
//! provides ([`SharingStore`]), and the ownership rule backends apply inside the append
//! transaction ([`check_new_version`]).
//!
//! # What is stored
//!
//! - A **collection** (a TAXII 2.1 collection, one per sharing community) has members with
//!   `can_read`/`can_write`, a default TLP level for unmarked objects, and a switch that lets
//!   anonymous readers see its TLP:CLEAR objects. It is defined by the operator (a `collection`
//!   entry, operator-signed); a later entry for the same id replaces the definition.
//! - An **affiliation** (an `affiliation` entry, operator-signed) records the organisation a
//!   party belongs to and the organisation it is a client of; without one a party is its own
//!   organisation. TLP:AMBER reaches recipients' organisations and their clients
//!   (`accord_stix::tlp`).
//! - Every accepted **STIX object** version is a `stix` entry whose body is the object itself
//!   (RFC 8785 canonical JSON) and whose envelope carries its TLP level, so the log publishes
//!   a TLP:CLEAR object and only the hash of any other. The entry id is
//!   `"{collection}/{object id}/{version}"` for a version the anonymous reader may read, and an
//!   opaque keyed hash of that ([`crate::log::opaque_entry_id`]) for any other, so the public
//!   log names no object, collection or version it withholds. Either way a replayed version
//!   maps to the same id, is refused by the log and reported as already present.
//!
//!
//! # Ownership and time
//!
//! The party that records an object id's first version owns that id on the whole hub: only it
//! may add versions or delete them (STIX 2.1 §3.6: only the object creator may version an
//! object; `created_by_ref` is the object's own claim, the signing party is the hub's fact).
//! Backends enforce it inside the append transaction with [`check_new_version`], so of two
//! parties racing on one new id exactly one wins. The same rule refuses a different object
//! under a version already recorded, while the same object again is a retry. `created` and
//! `modified` are bounded ([`check_object_times`](crate::sharing::write::check_object_times)): a version dated in the future would stay
//! the latest for good.
//!

use accord_tlog::entry::canonical_json;
use accord_tlp::Tlp;
use async_trait::async_trait;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use accord_stix::literal::parse_timestamp;

use crate::error::StoreError;

/// Largest STIX object accepted, in bytes of canonical JSON.
pub const MAX_OBJECT_BYTES: usize = 256 * 1024;

/// Largest page of objects a read returns.
pub const MAX_OBJECTS_PAGE: usize = 1000;

/// A member of a collection's community.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Member {
    /// The party id.
    pub party: String,
    /// May read the collection (and is thereby in its community).
    pub can_read: bool,
    /// May add objects to it.
    pub can_write: bool,
}

/// A sharing community's collection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Collection {
    /// The TAXII collection id.
    pub id: String,
    /// Human-readable title.
    pub title: String,
    /// What the collection is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Its members.
    pub members: Vec<Member>,
    /// The level of objects that carry no TLP marking.
    pub default_tlp: Tlp,
    /// Whether anonymous readers see its TLP:CLEAR objects.
    #[serde(default)]
    pub anonymous_read: bool,
    /// The peer hub's collection this one mirrors, if it does (issue 14 part 5): `accord
    /// peers sync` brings over what this hub's party may read there, each object version
    /// proven back to the peer's log, and serves it beside the collection's own objects
    /// under the same read rule ([`crate::sharing::visible_mirrored`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mirror: Option<CollectionMirror>,
}

/// Which peer collection a collection mirrors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CollectionMirror {
    /// The peer hub, by its log's origin (as `accord peers list` shows it).
    pub peer: String,
    /// The collection's id on the peer hub.
    pub collection: String,
}

impl Collection {
    /// The member entry of `party`, if it is one.
    pub fn member(&self, party: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.party == party)
    }

    /// Whether `party` may add objects.
    pub fn can_write(&self, party: &str) -> bool {
        self.member(party).is_some_and(|m| m.can_write)
    }
}

/// The organisation a party belongs to, and the one it is a client of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AffiliationBody {
    /// The party.
    pub party: String,
    /// Its organisation (a party id; the party itself when it stands alone).
    pub organisation: String,
    /// The organisation it is a client of, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_of: Option<String>,
}

/// One accepted STIX object version, with what the read rule needs.
#[derive(Debug, Clone, PartialEq)]
pub struct SharedObject {
    /// The collection it was added to.
    pub collection: String,
    /// The object, exactly as submitted.
    pub object: serde_json::Value,
    /// The object's `id`.
    pub id: String,
    /// Its `type`.
    pub object_type: String,
    /// Its `spec_version` (`2.1` when absent, as STIX 2.1 §3.1 implies for 2.1 content).
    pub spec_version: String,
    /// Its version (`modified`, else `created`), microseconds since 1970; `None` for objects
    /// without either (most SCOs), whose version is their date added.
    pub version_us: Option<i64>,
    /// Its TLP level (its marking, or the collection's default).
    pub tlp: Tlp,
    /// The party that added it.
    pub producer: String,
    /// Its named recipients.
    pub recipients: Vec<String>,
    /// The date added to keep (microseconds), when a copy replays a log into another store;
    /// `None` for a new object, which the store dates itself.
    pub added_us: Option<i64>,
}

/// What the index says about a stored object version (no body).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectMeta {
    /// When it was added, microseconds since 1970; unique and increasing across the store,
    /// so it is also the position pages are cut at.
    pub added_us: i64,
    /// The object's id.
    pub id: String,
    /// Its version, microseconds since 1970 (its date added when it has no version).
    pub version_us: i64,
    /// Its type.
    pub object_type: String,
    /// Its spec_version.
    pub spec_version: String,
    /// Its TLP level.
    pub tlp: Tlp,
    /// The party that added it.
    pub producer: String,
    /// Its named recipients.
    pub recipients: Vec<String>,
    /// Its log index.
    pub log_index: u64,
}

/// What a backend narrows the index by before the read rule runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexFilter {
    /// The collection.
    pub collection: String,
    /// Only these object ids (empty: any).
    pub ids: Vec<String>,
    /// Only these types (empty: any).
    pub types: Vec<String>,
    /// Only these spec versions (empty: any).
    pub spec_versions: Vec<String>,
    /// Only objects added strictly after this instant (microseconds).
    pub added_after_us: Option<i64>,
    /// At most this many rows, the first in the order added. A hint: a backend may return
    /// more (readers walk on from the last row returned until a read returns none).
    pub limit: Option<usize>,
}

/// The storage a sharing hub needs besides [`Store`](crate::store::Store); a backend that shares indicators
/// returns itself from [`Store::sharing`](crate::store::Store::sharing).
#[async_trait]
pub trait SharingStore: Send + Sync {
    /// Every collection.
    async fn collections(&self) -> Result<Vec<Collection>, StoreError>;
    /// Every recorded affiliation.
    async fn affiliations(&self) -> Result<Vec<AffiliationBody>, StoreError>;
    /// The index rows matching `filter`, in the order they were added.
    async fn object_index(&self, filter: &IndexFilter) -> Result<Vec<ObjectMeta>, StoreError>;
    /// The objects (as JSON text) stored under these `added_us` keys, in no order.
    async fn object_bodies(&self, keys: Vec<i64>) -> Result<Vec<(i64, String)>, StoreError>;
    /// The party that owns object id `id` on this hub (see [`check_new_version`]), if any
    /// version of it was ever recorded.
    async fn object_owner(&self, id: &str) -> Result<Option<String>, StoreError>;
}

/// The body of a `stix-deletion` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deletion {
    /// The collection.
    pub collection: String,
    /// The object id.
    pub id: String,
    /// The version removed.
    pub version: String,
    /// The removed version's date added, microseconds (in the entry id of deletions written
    /// before entry ids could be opaque).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub added_us: Option<i64>,
}

/// A timestamp in microseconds as TAXII and STIX write it (UTC, microsecond precision).
pub fn format_us(us: i64) -> String {
    match Timestamp::from_microsecond(us) {
        Ok(t) => format!("{t:.6}"),
        Err(_) => String::from("1970-01-01T00:00:00.000000Z"),
    }
}

/// Parses a STIX/TAXII timestamp into microseconds.
pub fn parse_us(text: &str) -> Result<i64, String> {
    parse_timestamp(text).map(|t| t.as_microsecond())
}

/// Whether the anonymous reader may read a version marked `level` in `collection`: only then
/// does its log entry name it (see [`LogRelease`](crate::sharing::read::LogRelease)).
pub fn publicly_readable(collection: &Collection, level: Tlp) -> bool {
    level == Tlp::Clear && collection.anonymous_read
}

/// The rule every backend applies to a new STIX object version `o`, inside the transaction
/// that appends it, so that of two parties racing on one new id exactly one wins. `owner` is
/// the party that recorded the id's first version anywhere on the hub (`None`: the id is new,
/// and `o`'s producer becomes its owner); `same_version` is the object (as stored JSON text)
/// already recorded in `o`'s collection under `o`'s version, if any.
///
/// Ownership is hub-wide, not per collection: a STIX id names one object wherever it is shared
/// (STIX 2.1 §2.9), and readers that take objects from several collections (`accord match
/// --hub`, exports) would otherwise take another party's object for a newer version of the
/// owner's. The refusal names only the id, and reads the same whether or not the caller may
/// read the object. A version replayed from a log (`o.added_us` set: `accord copy`) is history
/// already recorded, and only its content is checked.
///
/// Returns [`StoreError::NotOwner`] for another party's id, [`StoreError::Conflict`] when the
/// same object is already recorded (a retry: TAXII clients resend), and
/// [`StoreError::VersionConflict`] when a different one is.
pub fn check_new_version(
    o: &SharedObject,
    owner: Option<&str>,
    same_version: Option<&str>,
) -> Result<(), StoreError> {
    if o.added_us.is_none() && owner.is_some_and(|p| p != o.producer) {
        return Err(StoreError::NotOwner {
            what: "object",
            id: o.id.clone(),
        });
    }
    let Some(stored) = same_version else {
        return Ok(());
    };
    let version = o.version_us.map_or_else(|| "-".to_owned(), format_us);
    let id = format!("{} {version}", o.id);
    let corrupt = |detail: String| StoreError::Corrupt {
        what: format!("object {id}"),
        detail,
    };
    let stored: serde_json::Value =
        serde_json::from_str(stored).map_err(|e| corrupt(e.to_string()))?;
    if comparable(&stored).map_err(corrupt)? == comparable(&o.object).map_err(corrupt)? {
        Err(StoreError::Conflict {
            what: "object version",
            id,
        })
    } else {
        Err(StoreError::VersionConflict {
            what: "object version",
            id,
        })
    }
}

/// An object's canonical form with `created` and `modified` written one way, so that the
/// same object with its timestamps written another way (`…00Z`, `…00.000Z`) compares equal:
/// STIX 2.1 §3.2 compares timestamps as instants.
fn comparable(object: &serde_json::Value) -> Result<Vec<u8>, String> {
    let mut object = object.clone();
    if let Some(map) = object.as_object_mut() {
        for property in ["created", "modified"] {
            if let Some(us) = map
                .get(property)
                .and_then(serde_json::Value::as_str)
                .and_then(|t| parse_us(t).ok())
            {
                map.insert(property.to_owned(), format_us(us).into());
            }
        }
    }
    canonical_json(&object).map_err(|e| e.to_string())
}

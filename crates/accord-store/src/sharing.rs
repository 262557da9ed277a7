//! Threat-indicator sharing: collections, STIX objects as signed log entries, and the reads
//! that release them under TLP 2.0.
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
//! # Ownership and time
//!
//! The party that records an object id's first version owns that id on the whole hub: only it
//! may add versions or delete them (STIX 2.1 §3.6: only the object creator may version an
//! object; `created_by_ref` is the object's own claim, the signing party is the hub's fact).
//! Backends enforce it inside the append transaction with [`check_new_version`], so of two
//! parties racing on one new id exactly one wins. The same rule refuses a different object
//! under a version already recorded, while the same object again is a retry. `created` and
//! `modified` are bounded ([`check_object_times`]): a version dated in the future would stay
//! the latest for good.
//!
//! # Signing: custodial keys
//!
//! TAXII clients (`taxii2-client`, `stix2`'s `TAXIICollectionSink`) cannot sign entries, so
//! the hub signs a `stix` entry on behalf of the token-authenticated party with that party's
//! **custodial key**: an Ed25519 key derived from the operator key and the party id
//! (`SHA-256("accord custodial key v1" ‖ 0 ‖ operator seed ‖ 0 ‖ party)`), registered for the
//! party as an ordinary operator-signed `key` entry the first time the party writes. Deriving
//! it means no second secret file to guard or back up: whoever holds `operator.key` holds the
//! custodial keys, which is true of a custodial scheme in any case. The log shows which key
//! signed each entry, so anyone can tell a custodial signature from one the party made with a
//! key of its own; a party that wants non-repudiation by its own key only can revoke its
//! custodial key (`accord keys revoke`), after which TAXII writes for it are refused.
//!
//! # Reading
//!
//! Every read goes through [`visible_objects`] (objects, manifest, versions and object-by-id
//! over TAXII, and every other interface), which asks [`accord_stix::tlp::may_read`] of each
//! candidate before it selects versions or pages, so a reader learns nothing, not even that a
//! newer version exists, of what its TLP marking withholds.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use accord_stix::literal::parse_timestamp;
use accord_stix::object::StixObject;
use accord_stix::tlp::{self, Affiliation, Audience, Level, Reader};
use accord_tlog::entry::{Envelope, Tlp, canonical_json};
use async_trait::async_trait;
use ed25519_dalek::SigningKey;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::log::{Effect, LogWrite, Operator, opaque_entry_id, opaque_id_key};
use crate::sequencer::Sequencer;
use crate::write::{
    CLOCK_SKEW, RecordError, now_rfc3339, operator_write, operator_write_marked,
    sign_canonical_body,
};
use crate::{Store, StoreError};

/// Entry kind of a collection definition.
pub const COLLECTION_KIND: &str = "collection";
/// Entry kind of a party's affiliation.
pub const AFFILIATION_KIND: &str = "affiliation";
/// Entry kind of a STIX object version.
pub const STIX_KIND: &str = "stix";
/// Entry kind of a STIX object version's removal from a collection.
pub const STIX_DELETION_KIND: &str = "stix-deletion";

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
    pub default_tlp: Level,
    /// Whether anonymous readers see its TLP:CLEAR objects.
    #[serde(default)]
    pub anonymous_read: bool,
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
    pub tlp: Level,
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
    pub tlp: Level,
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

/// The storage a sharing hub needs besides [`Store`]; a backend that shares indicators
/// returns itself from [`Store::sharing`].
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

/// Why a sharing operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SharingError {
    /// No such collection, or one the caller may not see.
    #[error("no collection {0:?}")]
    NoCollection(String),
    /// The caller may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// A query parameter is wrong; names the parameter.
    #[error("{parameter}: {message}")]
    BadQuery {
        /// The parameter (`match[version]`, `next`, …).
        parameter: &'static str,
        /// What is wrong.
        message: String,
    },
    /// This store keeps no shared objects.
    #[error("this store does not support threat-indicator sharing")]
    Unsupported,
    /// The write path refused.
    #[error(transparent)]
    Record(#[from] RecordError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn sharing(store: &dyn Store) -> Result<&dyn SharingStore, SharingError> {
    store.sharing().ok_or(SharingError::Unsupported)
}

/// What the public log (`/log`) may publish of entry bodies. It publishes a TLP:CLEAR body,
/// except one of a collection that anonymous readers may not read (a STIX object version, its
/// deletion, the collection's definition): that is released only by the collection's own read
/// paths ([`visible_objects`], [`collections_for`]), so switching anonymous reading off is not
/// undone by the log. Entries of such records written since the ids became opaque carry an
/// [`opaque_entry_id`] naming no collection, and are withheld
/// whatever the collection becomes. The entry itself, with the body's hash, is always public.
/// A deleted TLP:CLEAR version of an open collection stays published: the log is append-only
/// and the body was public from the start.
pub struct LogRelease {
    open_collections: HashSet<String>,
}

impl LogRelease {
    /// The rule as the collections stand now (a store that does not share has no STIX
    /// entries to withhold).
    pub async fn load(store: &dyn Store) -> Result<Self, StoreError> {
        let open_collections = match store.sharing() {
            Some(sharing) => sharing
                .collections()
                .await?
                .into_iter()
                .filter(|c| c.anonymous_read)
                .map(|c| c.id)
                .collect(),
            None => HashSet::new(),
        };
        Ok(LogRelease { open_collections })
    }

    /// Whether the log may publish the body of `envelope`'s entry.
    pub fn publishes(&self, envelope: &Envelope) -> bool {
        if envelope.tlp != Tlp::Clear {
            return false;
        }
        // The collection a plain id names. Object ids, versions, dates, party ids and times
        // hold no slash; collection ids written before they were refused one may.
        let collection = match envelope.kind.as_str() {
            // `{collection}/{object id}/{version}`
            STIX_KIND => envelope.id.rsplitn(3, '/').nth(2),
            // `{collection}/{object id}/{date added}/{party}`
            STIX_DELETION_KIND => envelope.id.rsplitn(4, '/').nth(3),
            // `{collection}/{time}`
            COLLECTION_KIND => envelope.id.rsplit_once('/').map(|(c, _)| c),
            _ => return true,
        };
        collection.is_some_and(|c| self.open_collections.contains(c))
    }
}

/// The log's TLP for a TLP 2.0 level.
pub fn entry_tlp(level: Level) -> Tlp {
    match level {
        Level::Clear => Tlp::Clear,
        Level::Green => Tlp::Green,
        Level::Amber => Tlp::Amber,
        Level::AmberStrict => Tlp::AmberStrict,
        Level::Red => Tlp::Red,
    }
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

/// The collection `id` as `reader` may see it (see [`may_see`]); a collection the reader may
/// not see is answered exactly as one that does not exist.
pub async fn collection_for(
    store: &dyn Store,
    id: &str,
    reader: Reader<'_>,
) -> Result<Collection, SharingError> {
    collections_for(store, reader)
        .await?
        .into_iter()
        .find(|c| c.id == id)
        .ok_or_else(|| SharingError::NoCollection(id.to_owned()))
}

/// Every collection `reader` may see (see [`may_see`]).
pub async fn collections_for(
    store: &dyn Store,
    reader: Reader<'_>,
) -> Result<Vec<Collection>, SharingError> {
    let sharing = sharing(store)?;
    let all = sharing.collections().await?;
    // Affiliations matter only for a party looking at a closed collection.
    let affiliations = match reader {
        Reader::Party(_) if all.iter().any(|c| !c.anonymous_read) => sharing.affiliations().await?,
        _ => Vec::new(),
    };
    Ok(all
        .into_iter()
        .filter(|c| may_see(c, &Community::new(c, &affiliations), reader))
        .collect())
}

/// Every collection, closed ones included: for the operator's own tools on the hub's machine.
pub async fn all_collections(store: &dyn Store) -> Result<Vec<Collection>, SharingError> {
    Ok(sharing(store)?.collections().await?)
}

/// Whether `reader` may see `collection` at all (its id, title and community): a collection
/// open to anonymous readers is seen by everyone; a closed one only by its members and by the
/// parties TLP:AMBER can reach in it (the members' organisations and their clients). Anyone
/// else, a party named as a recipient of one of its objects included, is told it does not
/// exist: a closed collection's name and members are themselves the community's business.
pub fn may_see(collection: &Collection, community: &Community, reader: Reader<'_>) -> bool {
    if collection.anonymous_read {
        return true;
    }
    let Reader::Party(party) = reader else {
        return false;
    };
    collection.member(party).is_some()
        || community.has_member_in(community.organisation(party))
        || community
            .client_of(party)
            .is_some_and(|o| community.has_member_in(o))
}

/// How parties are affiliated, for one collection's community.
#[derive(Debug, Clone, Default)]
pub struct Community {
    organisation: HashMap<String, String>,
    client_of: HashMap<String, String>,
    members: HashSet<String>,
    member_orgs: HashSet<String>,
}

impl Community {
    /// The community of `collection` under `affiliations`.
    pub fn new(collection: &Collection, affiliations: &[AffiliationBody]) -> Community {
        let mut c = Community::default();
        for a in affiliations {
            c.organisation
                .insert(a.party.clone(), a.organisation.clone());
            if let Some(o) = &a.client_of {
                c.client_of.insert(a.party.clone(), o.clone());
            }
        }
        for m in collection.members.iter().filter(|m| m.can_read) {
            c.members.insert(m.party.clone());
            let org = c.organisation(&m.party).to_owned();
            c.member_orgs.insert(org);
        }
        c
    }

    /// Loads the community of `collection`.
    pub async fn load(store: &dyn Store, collection: &Collection) -> Result<Self, SharingError> {
        let affiliations = sharing(store)?.affiliations().await?;
        Ok(Community::new(collection, &affiliations))
    }
}

impl Affiliation for Community {
    fn organisation<'a>(&'a self, party: &'a str) -> &'a str {
        self.organisation
            .get(party)
            .map(String::as_str)
            .unwrap_or(party)
    }
    fn client_of(&self, party: &str) -> Option<&str> {
        self.client_of.get(party).map(String::as_str)
    }
    fn is_member(&self, party: &str) -> bool {
        self.members.contains(party)
    }
    fn has_member_in(&self, organisation: &str) -> bool {
        self.member_orgs.contains(organisation)
    }
}

/// Whether `reader` may read the object version `meta` of `collection`: the one read rule.
pub fn may_read(
    collection: &Collection,
    community: &Community,
    meta: &ObjectMeta,
    reader: Reader<'_>,
) -> bool {
    let audience = Audience {
        level: meta.tlp,
        producer: &meta.producer,
        named: &meta.recipients,
        anonymous_read: collection.anonymous_read,
    };
    tlp::may_read(&audience, &reader, community)
}

/// One version selector of TAXII's `match[version]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionMatch {
    /// The latest version of each object.
    Last,
    /// The earliest version.
    First,
    /// Every version.
    All,
    /// The version with this timestamp (microseconds).
    At(i64),
}

/// A read of a collection's objects (TAXII 2.1 §3.4 filtering and §3.6 pagination).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectQuery {
    /// `match[id]`.
    pub ids: Vec<String>,
    /// `match[type]`.
    pub types: Vec<String>,
    /// `match[version]`, a union of selectors (TAXII's default is `last`).
    pub versions: Vec<VersionMatch>,
    /// `match[spec_version]` (empty: the latest of each object, TAXII §3.4.1).
    pub spec_versions: Vec<String>,
    /// `added_after`, microseconds.
    pub added_after_us: Option<i64>,
    /// `limit`.
    pub limit: usize,
    /// `next`: the token of the previous page.
    pub next: Option<String>,
}

impl Default for ObjectQuery {
    fn default() -> Self {
        ObjectQuery {
            ids: Vec::new(),
            types: Vec::new(),
            versions: vec![VersionMatch::Last],
            spec_versions: Vec::new(),
            added_after_us: None,
            limit: MAX_OBJECTS_PAGE,
            next: None,
        }
    }
}

impl ObjectQuery {
    /// Parses TAXII's comma-separated `match[version]` value.
    pub fn parse_versions(text: &str) -> Result<Vec<VersionMatch>, SharingError> {
        text.split(',')
            .map(|v| match v.trim() {
                "last" => Ok(VersionMatch::Last),
                "first" => Ok(VersionMatch::First),
                "all" => Ok(VersionMatch::All),
                t => parse_us(t)
                    .map(VersionMatch::At)
                    .map_err(|e| SharingError::BadQuery {
                        parameter: "match[version]",
                        message: format!(
                            "{t:?} is neither `first`, `last`, `all` nor a timestamp: {e}"
                        ),
                    }),
            })
            .collect()
    }
}

/// A page of objects released to a reader.
#[derive(Debug, Clone)]
pub struct ObjectPage {
    /// The versions on this page, in the order they were added, with their bodies when asked:
    /// the stored JSON text as the producer sent it, for a reader to pass on unparsed.
    pub items: Vec<(ObjectMeta, Option<Box<serde_json::value::RawValue>>)>,
    /// The token for the next page, when more follow.
    pub next: Option<String>,
}

fn encode_next(added_us: i64) -> String {
    format!("a{added_us:x}")
}

fn decode_next(token: &str) -> Result<i64, SharingError> {
    token
        .strip_prefix('a')
        .and_then(|h| i64::from_str_radix(h, 16).ok())
        .filter(|n| *n >= 0)
        .ok_or_else(|| SharingError::BadQuery {
            parameter: "next",
            message: format!("{token:?} is not a token this server issued"),
        })
}

/// The objects of `collection` that `reader` may read, filtered and paged as `query` asks;
/// with their bodies when `bodies` is true (the manifest needs none). TLP is applied first,
/// then the version and spec-version selection, then the page is cut.
pub async fn visible_objects(
    store: &dyn Store,
    collection: &Collection,
    reader: Reader<'_>,
    query: &ObjectQuery,
    bodies: bool,
) -> Result<ObjectPage, SharingError> {
    let sharing = sharing(store)?;
    let community = Community::load(store, collection).await?;
    let after = query.next.as_deref().map(decode_next).transpose()?;
    let limit = query.limit.clamp(1, MAX_OBJECTS_PAGE);
    let base = IndexFilter {
        collection: collection.id.clone(),
        ids: query.ids.clone(),
        types: query.types.clone(),
        spec_versions: Vec::new(),
        added_after_us: query.added_after_us,
        limit: None,
    };
    let readable = |rows: Vec<ObjectMeta>| -> Vec<ObjectMeta> {
        rows.into_iter()
            .filter(|m| may_read(collection, &community, m, reader))
            .collect()
    };
    // The index is walked in the order objects were added, a chunk at a time from the page's
    // position, so a page costs in proportion to its size, not to the collection's. Version
    // selection needs every version of an object, wherever it sits in that order (an older
    // version may be added after a newer one), so each chunk's ids are read again whole and
    // selected exactly as a read of the whole collection would select them.
    let chunk = 2 * (limit + 1);
    let mut position = after;
    let mut page: Vec<ObjectMeta> = Vec::new();
    'walk: loop {
        let lower = match (position, query.added_after_us) {
            (Some(p), Some(a)) => Some(p.max(a)),
            (p, a) => p.or(a),
        };
        let rows = sharing
            .object_index(&IndexFilter {
                added_after_us: lower,
                limit: Some(chunk),
                ..base.clone()
            })
            .await?;
        let Some(last) = rows.last() else { break };
        position = Some(last.added_us);
        let exhausted = rows.len() < chunk;
        let ids: Vec<String> = rows
            .iter()
            .map(|m| m.id.clone())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let versions = sharing
            .object_index(&IndexFilter {
                ids,
                ..base.clone()
            })
            .await?;
        let selected: HashSet<i64> =
            select_versions(readable(versions), &query.versions, &query.spec_versions)
                .into_iter()
                .map(|m| m.added_us)
                .collect();
        for m in readable(rows) {
            if selected.contains(&m.added_us) {
                page.push(m);
                if page.len() > limit {
                    break 'walk;
                }
            }
        }
        if exhausted {
            break;
        }
    }
    let next = if page.len() > limit {
        page.truncate(limit);
        page.last().map(|m| encode_next(m.added_us))
    } else {
        None
    };
    let items = if bodies {
        let keys = page.iter().map(|m| m.added_us).collect();
        let mut found: HashMap<i64, String> =
            sharing.object_bodies(keys).await?.into_iter().collect();
        page.into_iter()
            .map(|m| {
                let text = found
                    .remove(&m.added_us)
                    .ok_or_else(|| StoreError::Corrupt {
                        what: format!("object {} version {}", m.id, format_us(m.version_us)),
                        detail: "its body is missing".into(),
                    })?;
                let raw = serde_json::value::RawValue::from_string(text).map_err(|e| {
                    StoreError::Corrupt {
                        what: format!("object {}", m.id),
                        detail: e.to_string(),
                    }
                })?;
                Ok((m, Some(raw)))
            })
            .collect::<Result<Vec<_>, StoreError>>()?
    } else {
        page.into_iter().map(|m| (m, None)).collect()
    };
    Ok(ObjectPage { items, next })
}

/// Applies TAXII's `match[spec_version]` and `match[version]` to the visible versions,
/// keeping the order they were added in.
fn select_versions(
    visible: Vec<ObjectMeta>,
    versions: &[VersionMatch],
    spec_versions: &[String],
) -> Vec<ObjectMeta> {
    // TAXII 2.1 §3.4.1: without match[spec_version], only the latest spec version of each
    // object is returned.
    let mut latest_spec: HashMap<&str, &str> = HashMap::new();
    for m in &visible {
        let e = latest_spec.entry(&m.id).or_insert(&m.spec_version);
        if m.spec_version.as_str() > *e {
            *e = &m.spec_version;
        }
    }
    let keep_spec: Vec<bool> = visible
        .iter()
        .map(|m| {
            if spec_versions.is_empty() {
                latest_spec.get(m.id.as_str()) == Some(&m.spec_version.as_str())
            } else {
                spec_versions.contains(&m.spec_version)
            }
        })
        .collect();
    // Per object, the first and last versions among those kept.
    let mut bounds: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    for (m, keep) in visible.iter().zip(&keep_spec) {
        if *keep {
            let b = bounds.entry(&m.id).or_insert((m.version_us, m.version_us));
            b.0 = b.0.min(m.version_us);
            b.1 = b.1.max(m.version_us);
        }
    }
    let chosen: Vec<bool> = visible
        .iter()
        .zip(&keep_spec)
        .map(|(m, keep)| {
            *keep
                && versions.iter().any(|v| match v {
                    VersionMatch::All => true,
                    VersionMatch::Last => {
                        bounds.get(m.id.as_str()).map(|b| b.1) == Some(m.version_us)
                    }
                    VersionMatch::First => {
                        bounds.get(m.id.as_str()).map(|b| b.0) == Some(m.version_us)
                    }
                    VersionMatch::At(t) => m.version_us == *t,
                })
        })
        .collect();
    visible
        .into_iter()
        .zip(chosen)
        .filter_map(|(m, c)| c.then_some(m))
        .collect()
}

/// What happened to one object of an envelope (TAXII 2.1 §4.3.1 status details).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObjectOutcome {
    /// The object's id (as given, or empty when it had none).
    pub id: String,
    /// Its version (`modified`/`created`), when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Why it was refused, or a note on success.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// What adding an envelope's objects did: each object is recorded whole or not at all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AddOutcome {
    /// Objects recorded (or already present in that version).
    pub successes: Vec<ObjectOutcome>,
    /// Objects refused, each with its reason.
    pub failures: Vec<ObjectOutcome>,
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

/// The custodial signing key the hub holds for `party` (see the module documentation).
pub fn custodial_key(operator: &Operator, party: &str) -> SigningKey {
    let mut h = Sha256::new();
    h.update(b"accord custodial key v1\0");
    h.update(operator.signer.signing_key().to_bytes());
    h.update([0u8]);
    h.update(party.as_bytes());
    let seed: [u8; 32] = h.finalize().into();
    SigningKey::from_bytes(&seed)
}

/// Registers `party`'s custodial key if it is not yet; refuses when it was revoked.
async fn ensure_custodial_key(
    store: &dyn Store,
    sequencer: &Sequencer,
    party: &str,
) -> Result<SigningKey, SharingError> {
    let key = custodial_key(sequencer.operator(), party);
    let encoded = Envelope::encode_key(&key.verifying_key());
    match store
        .party_keys(party)
        .await?
        .into_iter()
        .find(|k| k.public_key == encoded)
    {
        Some(k) if k.revoked_at.is_some() => Err(SharingError::Forbidden(format!(
            "the custodial key of party {party:?} was revoked: the hub no longer signs for it"
        ))),
        Some(_) => Ok(key),
        None => match crate::write::add_key(store, sequencer, party, &key.verifying_key()).await {
            // Registered by a concurrent write of the same party.
            Ok(_) | Err(RecordError::Store(StoreError::Conflict { .. })) => Ok(key),
            Err(e) => Err(e.into()),
        },
    }
}

/// Earliest `created` or `modified` accepted: STIX 2 was first published in 2017 (the TLP 1.0
/// marking definitions the STIX 2.0 specification ships are dated 2017-01-20), so an object
/// made before then is a wrong clock or a forged date.
pub const STIX_EPOCH: Timestamp = Timestamp::constant(1_483_228_800, 0); // 2017-01-01T00:00:00Z

/// Refuses an object whose `created` or `modified` lies more than [`CLOCK_SKEW`] after `now`
/// (the hub's clock) or before [`STIX_EPOCH`]; names the property.
pub fn check_object_times(object: &serde_json::Value, now: Timestamp) -> Result<(), String> {
    for property in ["created", "modified"] {
        let Some(text) = object.get(property).and_then(serde_json::Value::as_str) else {
            continue;
        };
        let at = parse_timestamp(text).map_err(|e| format!("`{property}` {text:?}: {e}"))?;
        if at.duration_since(now) > CLOCK_SKEW {
            return Err(format!(
                "`{property}` {text} is in the future (the hub's clock reads {now}; at most {} \
                 ahead is accepted)",
                crate::write::describe(CLOCK_SKEW)
            ));
        }
        if at < STIX_EPOCH {
            return Err(format!(
                "`{property}` {text} is before {STIX_EPOCH}, earlier than STIX 2 existed"
            ));
        }
    }
    Ok(())
}

/// Checks one newly submitted object as [`prepare_object`] does, and against the hub's clock
/// (`now`) and its registered parties (`known`); returns it ready to record.
fn prepare_new_object(
    collection: &Collection,
    producer: &str,
    known: &HashSet<String>,
    now: Timestamp,
    value: serde_json::Value,
) -> Result<(SharedObject, Vec<u8>), String> {
    let (shared, body) = prepare_object(collection, producer, value, Unenforceable::Refuse)?;
    check_object_times(&shared.object, now)?;
    // A recipient the hub does not know could never read the object, and may be a typo that
    // leaves the intended one out: refuse rather than store a list that means something else.
    if let Some(unknown) = shared.recipients.iter().find(|r| !known.contains(*r)) {
        return Err(format!(
            "`{}`: no party {unknown:?} is registered on this hub",
            tlp::RECIPIENTS_PROPERTY
        ));
    }
    Ok((shared, body))
}

/// What [`prepare_object`] does with markings the hub cannot enforce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unenforceable {
    /// Refuse the object, naming the property (a new submission).
    Refuse,
    /// Hold it at TLP:RED, its producer and named recipients only (replaying an entry the log
    /// took before markings were checked: a copy keeps every entry, and never loosens one).
    HoldRed,
}

/// Checks one object's shape and marking; returns it ready to record. What a replayed log
/// entry is checked against (its times and recipients were checked when it was first added).
/// Public so that the fuzz target for TAXII envelopes (`fuzz/fuzz_targets/taxii_envelope.rs`)
/// runs the hub's own checks.
pub fn prepare_object(
    collection: &Collection,
    producer: &str,
    value: serde_json::Value,
    unenforceable: Unenforceable,
) -> Result<(SharedObject, Vec<u8>), String> {
    let object = StixObject::from_value(value.clone()).map_err(|e| e.to_string())?;
    object.validate().map_err(|e| e.to_string())?;
    if object.object_type == "bundle" {
        return Err("a bundle is not an object: send its objects in the envelope".into());
    }
    let recipients = match object.get(tlp::RECIPIENTS_PROPERTY) {
        None => Vec::new(),
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str().map(str::to_owned).ok_or_else(|| {
                    format!(
                        "`{}` must list party ids (strings)",
                        tlp::RECIPIENTS_PROPERTY
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?,
        Some(_) => {
            return Err(format!(
                "`{}` must be a list of party ids",
                tlp::RECIPIENTS_PROPERTY
            ));
        }
    };
    let version_us = match object.get_str("modified").or(object.get_str("created")) {
        Some(t) => Some(parse_us(t).map_err(|e| format!("version {t:?}: {e}"))?),
        None => None,
    };
    let body = canonical_json(&value).map_err(|e| e.to_string())?;
    if body.len() > MAX_OBJECT_BYTES {
        return Err(format!(
            "the object is {} bytes; the limit is {MAX_OBJECT_BYTES}",
            body.len()
        ));
    }
    let shared = SharedObject {
        collection: collection.id.clone(),
        id: object.id.clone(),
        object_type: object.object_type.clone(),
        spec_version: object.get_str("spec_version").unwrap_or("2.1").to_owned(),
        version_us,
        // Fail closed: markings the hub cannot enforce refuse the object (naming the property).
        tlp: match tlp::level_of(&object, collection.default_tlp) {
            Ok(level) => level,
            Err(_) if unenforceable == Unenforceable::HoldRed => Level::Red,
            Err(e) => return Err(e.to_string()),
        },
        producer: producer.to_owned(),
        recipients,
        object: value,
        added_us: None,
    };
    Ok((shared, body))
}

/// Adds an envelope's objects to `collection` for the authenticated `party`, each one a
/// `stix` log entry signed with the party's custodial key. Valid objects are recorded, invalid
/// ones listed with their reasons; an object is never recorded in part.
pub async fn add_objects(
    store: &dyn Store,
    sequencer: &Sequencer,
    party: &str,
    collection_id: &str,
    objects: Vec<serde_json::Value>,
) -> Result<AddOutcome, SharingError> {
    let collection = collection_for(store, collection_id, Reader::Party(party)).await?;
    if !collection.can_write(party) {
        return Err(SharingError::Forbidden(format!(
            "party {party:?} may not add objects to collection {collection_id:?}"
        )));
    }
    // The key is derived now and registered only once an object passed its checks: an
    // envelope whose every object is refused writes nothing, not even the key.
    let key = custodial_key(sequencer.operator(), party);
    let known: Arc<HashSet<String>> =
        Arc::new(store.parties().await?.into_iter().map(|p| p.id).collect());
    let now = Timestamp::now();
    let id_key = opaque_id_key(sequencer.operator());
    // Checking, canonicalising and signing cost about as much as the append: spread them over
    // the cores, a slice of the envelope each, keeping the envelope's order.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per_task = objects.len().div_ceil(threads).max(SIGNED_PER_TASK);
    let mut tasks = Vec::new();
    let mut objects = objects.into_iter().enumerate().peekable();
    while objects.peek().is_some() {
        let slice: Vec<(usize, serde_json::Value)> = objects.by_ref().take(per_task).collect();
        let (collection, key, party) = (collection.clone(), key.clone(), party.to_owned());
        let known = Arc::clone(&known);
        tasks.push(tokio::task::spawn_blocking(move || {
            slice
                .into_iter()
                .map(|(i, value)| {
                    sign_object(&collection, &party, &key, &known, &id_key, now, i, value)
                })
                .collect::<Vec<_>>()
        }));
    }
    let mut outcome = AddOutcome::default();
    let mut writes = Vec::new();
    let mut accepted = Vec::new();
    for task in tasks {
        let signed = task
            .await
            .map_err(|e| StoreError::Backend(format!("a signing task failed: {e}")))?;
        for object in signed {
            match object {
                Ok((write, done)) => {
                    writes.push(write);
                    accepted.push(done);
                }
                Err(refused) => outcome.failures.push(refused),
            }
        }
    }
    if !writes.is_empty() {
        ensure_custodial_key(store, sequencer, party).await?;
    }
    // One group: one transaction and one checkpoint for the envelope.
    let results = sequencer.append_group(writes).await?;
    for (done, result) in accepted.into_iter().zip(results) {
        match result {
            Ok(_) => outcome.successes.push(done),
            // TAXII clients retry: the version is in the collection already.
            Err(StoreError::Conflict { .. }) => outcome.successes.push(ObjectOutcome {
                message: Some("this version was already in the collection".into()),
                ..done
            }),
            Err(e) => outcome.failures.push(ObjectOutcome {
                message: Some(refusal_message(&e)),
                ..done
            }),
        }
    }
    Ok(outcome)
}

/// What a status may say of a store error: the party's own mistake in its words, a failure of
/// the hub's database only in general terms (the detail goes to the hub's log; a status
/// resource must not carry SQL, table names or connection strings).
fn refusal_message(e: &StoreError) -> String {
    match e {
        StoreError::NotFound { .. }
        | StoreError::Conflict { .. }
        | StoreError::NotOwner { .. }
        | StoreError::VersionConflict { .. } => e.to_string(),
        StoreError::Unavailable(detail) => {
            tracing::warn!(%detail, "database unavailable while adding objects");
            "the hub's database is unavailable; the object was not recorded, retry shortly".into()
        }
        other => {
            tracing::error!(error = %other, "adding an object failed");
            "the hub could not record the object (the error is in the hub's log); it was not \
             recorded"
                .into()
        }
    }
}

/// Fewest objects worth a signing task of their own.
const SIGNED_PER_TASK: usize = 16;

/// Checks envelope object `i` and signs its entry with the party's custodial key: the write
/// to append and the outcome to report once it lands, or the outcome that refuses it.
#[allow(clippy::too_many_arguments)]
fn sign_object(
    collection: &Collection,
    party: &str,
    key: &SigningKey,
    known: &HashSet<String>,
    id_key: &[u8; 32],
    now: Timestamp,
    i: usize,
    value: serde_json::Value,
) -> Result<(LogWrite, ObjectOutcome), ObjectOutcome> {
    let id = value
        .get("id")
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let version = value
        .get("modified")
        .or(value.get("created"))
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned);
    let refuse = |message: String| ObjectOutcome {
        id: id.clone(),
        version: version.clone(),
        message: Some(format!("objects[{i}]: {message}")),
    };
    let (shared, body) =
        prepare_new_object(collection, party, known, now, value).map_err(refuse)?;
    let plain_id = format!(
        "{}/{}/{}",
        collection.id,
        shared.id,
        version.as_deref().unwrap_or("-")
    );
    // The public log names the collection, object and version only of what the anonymous
    // reader may read; any other version's entry id is opaque.
    let entry_id = if publicly_readable(collection, shared.tlp) {
        plain_id
    } else {
        opaque_entry_id(id_key, &plain_id)
    };
    let salt = crate::log::random_salt().map_err(|e| refuse(e.to_string()))?;
    let entry = sign_canonical_body(
        STIX_KIND,
        &entry_id,
        party,
        entry_tlp(shared.tlp),
        &body,
        &salt,
        key,
        now,
    )
    .map_err(|e| refuse(e.to_string()))?;
    let write = LogWrite {
        entry,
        body,
        salt: Some(salt),
        effect: Effect::StixObject(Box::new(shared)),
    };
    Ok((
        write,
        ObjectOutcome {
            id,
            version,
            message: None,
        },
    ))
}

/// Whether the anonymous reader may read a version marked `level` in `collection`: only then
/// does its log entry name it (see [`LogRelease`]).
pub fn publicly_readable(collection: &Collection, level: Level) -> bool {
    level == Level::Clear && collection.anonymous_read
}

/// Removes the versions of object `id` that `query` selects and `party` may read from
/// `collection`: allowed to a writer of the collection that owns the id (see
/// [`check_new_version`]).
/// Each removal is a `stix-deletion` entry; the log keeps the object's hash.
pub async fn delete_object(
    store: &dyn Store,
    sequencer: &Sequencer,
    party: &str,
    collection: &Collection,
    id: &str,
    versions: &[VersionMatch],
    spec_versions: &[String],
) -> Result<usize, SharingError> {
    let query = ObjectQuery {
        ids: vec![id.to_owned()],
        versions: versions.to_vec(),
        spec_versions: spec_versions.to_vec(),
        ..ObjectQuery::default()
    };
    let page = visible_objects(store, collection, Reader::Party(party), &query, false).await?;
    if page.items.is_empty() {
        return Err(StoreError::NotFound {
            what: "object",
            id: id.to_owned(),
        }
        .into());
    }
    let owner = sharing(store)?.object_owner(id).await?;
    if !collection.can_write(party) || owner.as_deref() != Some(party) {
        return Err(SharingError::Forbidden(format!(
            "party {party:?} may delete only objects it created, in a collection it may write to"
        )));
    }
    let id_key = opaque_id_key(sequencer.operator());
    let mut n = 0;
    for (m, _) in page.items {
        let body = Deletion {
            collection: collection.id.clone(),
            id: m.id.clone(),
            version: format_us(m.version_us),
            added_us: Some(m.added_us),
        };
        // The deletion is marked and named as the version it removes was, so the log shows of
        // it no more than it showed of the version.
        let plain_id = format!("{}/{}/{}/{}", body.collection, body.id, m.added_us, party);
        let entry_id = if publicly_readable(collection, m.tlp) {
            plain_id
        } else {
            opaque_entry_id(&id_key, &plain_id)
        };
        let write = operator_write_marked(
            sequencer.operator(),
            STIX_DELETION_KIND,
            &entry_id,
            entry_tlp(m.tlp),
            &body,
            Effect::StixDeleted {
                collection: body.collection.clone(),
                added_us: m.added_us,
            },
        )?;
        sequencer.append(write).await?;
        n += 1;
    }
    Ok(n)
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

/// Defines (or redefines) a collection (operator-signed).
pub async fn define_collection(
    sequencer: &Sequencer,
    collection: Collection,
) -> Result<u64, SharingError> {
    if collection.id.is_empty()
        || collection.id.contains(['/', '?', '#'])
        || collection.title.is_empty()
    {
        return Err(RecordError::Invalid {
            problems: vec![accord_core::validate::Problem {
                path: "id".into(),
                message: "a collection needs a title and an id without `/`, `?` or `#`".into(),
            }],
        }
        .into());
    }
    // A closed collection's definition (title, members) is for those who may see it: the log
    // names it opaquely and marks it TLP:AMBER, which withholds its body.
    let plain_id = format!("{}/{}", collection.id, now_rfc3339());
    let (entry_id, tlp) = if collection.anonymous_read {
        (plain_id, Tlp::Clear)
    } else {
        let key = opaque_id_key(sequencer.operator());
        (opaque_entry_id(&key, &plain_id), Tlp::Amber)
    };
    let write = operator_write_marked(
        sequencer.operator(),
        COLLECTION_KIND,
        &entry_id,
        tlp,
        &collection,
        Effect::Collection(Box::new(collection.clone())),
    )?;
    Ok(sequencer.append(write).await?.index)
}

/// Records a party's organisation and the organisation it is a client of (operator-signed).
pub async fn record_affiliation(
    store: &dyn Store,
    sequencer: &Sequencer,
    affiliation: AffiliationBody,
) -> Result<u64, SharingError> {
    store.party(&affiliation.party).await?;
    let write = operator_write(
        sequencer.operator(),
        AFFILIATION_KIND,
        &format!("{}/{}", affiliation.party, now_rfc3339()),
        &affiliation,
        Effect::Affiliation(affiliation.clone()),
    )?;
    Ok(sequencer.append(write).await?.index)
}

#[cfg(test)]
mod log_release_tests {
    use super::*;

    fn envelope(kind: &str, id: &str, tlp: Tlp) -> Envelope {
        Envelope {
            kind: kind.into(),
            id: id.into(),
            submitter: "FR".into(),
            submitted_at: "2026-01-01T00:00:00Z".into(),
            body_sha256: None,
            body_salted_sha256: None,
            tlp,
            signer_key: String::new(),
            extra: serde_json::Map::new(),
        }
    }

    #[test]
    fn the_log_publishes_clear_bodies_except_objects_of_closed_collections() {
        let rule = LogRelease {
            open_collections: HashSet::from(["open".to_owned()]),
        };
        let object = "indicator--00000000-0000-4000-8000-000000000001/2026-01-01T00:00:00.000Z";
        let cases = [
            (envelope("incident", "notpetya-2017", Tlp::Clear), true),
            (envelope("incident", "notpetya-2017", Tlp::Green), false),
            (
                envelope(STIX_KIND, &format!("open/{object}"), Tlp::Clear),
                true,
            ),
            (
                envelope(STIX_KIND, &format!("open/{object}"), Tlp::Amber),
                false,
            ),
            (
                envelope(STIX_KIND, &format!("closed/{object}"), Tlp::Clear),
                false,
            ),
            // Not `{collection}/{object id}/{version}`: nothing to match an open collection.
            (envelope(STIX_KIND, "open", Tlp::Clear), false),
            (envelope(STIX_KIND, "open/indicator--x", Tlp::Clear), false),
        ];
        for (e, want) in cases {
            assert_eq!(rule.publishes(&e), want, "{} {} {:?}", e.kind, e.id, e.tlp);
        }
    }
}

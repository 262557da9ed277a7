//! The read rule: which collections and object versions a reader may see, and which entry
//! bodies the public log may publish ([`LogRelease`]).
//!
//! # Reading
//!
//! Every read goes through [`visible_objects`] (objects, manifest, versions and object-by-id
//! over TAXII, and every other interface), which asks [`accord_stix::tlp::may_read`] of each
//! candidate before it selects versions or pages, so a reader learns nothing, not even that a
//! newer version exists, of what its TLP marking withholds.

use std::collections::{BTreeMap, HashMap, HashSet};

use accord_stix::tlp::{self, Affiliation, Audience, Reader};
use accord_tlog::entry::Envelope;
use accord_tlp::Tlp;

use crate::error::StoreError;
use crate::kind;
use crate::log::{OPERATOR_PARTY, PartyKey};
use crate::mirror::{MirroredObject, PeerKey};
use crate::sharing::model::{
    AffiliationBody, Collection, IndexFilter, MAX_OBJECTS_PAGE, ObjectMeta, SharingStore,
    format_us, parse_us,
};
use crate::store::Store;
use crate::write::RecordError;

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

/// The backend's sharing storage, or [`SharingError::Unsupported`].
pub(crate) fn sharing(store: &dyn Store) -> Result<&dyn SharingStore, SharingError> {
    store.sharing().ok_or(SharingError::Unsupported)
}

/// What the public log (`/log`) may publish of entry bodies. It publishes a TLP:CLEAR body,
/// except one of a collection that anonymous readers may not read (a STIX object version, its
/// deletion, the collection's definition): that is released only by the collection's own read
/// paths ([`visible_objects`], [`collections_for`]), so switching anonymous reading off is not
/// undone by the log. Entries of such records written since the ids became opaque carry an
/// [`opaque_entry_id`](crate::log::opaque_entry_id) naming no collection, and are withheld
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
            kind::STIX => envelope.id.rsplitn(3, '/').nth(2),
            // `{collection}/{object id}/{date added}/{party}`
            kind::STIX_DELETION => envelope.id.rsplitn(4, '/').nth(3),
            // `{collection}/{time}`
            kind::COLLECTION => envelope.id.rsplit_once('/').map(|(c, _)| c),
            _ => return true,
        };
        collection.is_some_and(|c| self.open_collections.contains(c))
    }
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

/// Which of a peer's parties this hub resolves to its own parties of the same id: those whose
/// key history in the peer's log (the keys the pull verified, [`crate::mirror::MirrorState::keys`]) shares a
/// key with the keys registered here for that id. A party id on a peer is only what the peer's
/// log registered, so an id alone never makes a peer's party a local one (a key is the party).
/// The operator pseudo-party ([`OPERATOR_PARTY`]) is never resolved across hubs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResolvedParties {
    origin: String,
    parties: HashSet<String>,
}

impl ResolvedParties {
    /// The parties of the log of `origin` resolved: `peer_keys` is that log's key history,
    /// `local` every key ever registered here for each party id asked about (revoked ones
    /// included on both sides: a key in both histories was the same party's).
    pub fn new(
        origin: &str,
        peer_keys: &[PeerKey],
        local: &HashMap<String, Vec<PartyKey>>,
    ) -> Self {
        let parties = peer_keys
            .iter()
            .filter(|k| k.party != OPERATOR_PARTY)
            .filter(|k| {
                local
                    .get(&k.party)
                    .is_some_and(|ks| ks.iter().any(|l| l.public_key == k.key))
            })
            .map(|k| k.party.clone())
            .collect();
        ResolvedParties {
            origin: origin.to_owned(),
            parties,
        }
    }

    /// Whether `party` of the log of `origin` is this hub's party of the same id.
    pub fn resolves(&self, origin: &str, party: &str) -> bool {
        origin == self.origin && party != OPERATOR_PARTY && self.parties.contains(party)
    }

    /// How `party` of the log of `origin` is named here: its id when resolved, else
    /// `ID@ORIGIN`, which no local party id can be (ids have no `@`).
    pub fn shown(&self, origin: &str, party: &str) -> String {
        if self.resolves(origin, party) {
            party.to_owned()
        } else {
            format!("{party}@{origin}")
        }
    }
}

/// Whether `reader` may read `object`, mirrored from a peer into `collection`: the one read
/// rule ([`accord_stix::tlp::may_read`]) under this hub's affiliations and the local
/// collection's community, with its original marking, and its producer and named recipients
/// as `resolved` names them, failing closed where this hub cannot resolve who the peer shared
/// it with:
///
/// - TLP:CLEAR and TLP:GREEN are read as the local collection's own objects, except that an
///   unresolved producer or recipient is none of this hub's parties (it is `ID@ORIGIN`);
/// - TLP:AMBER, AMBER+STRICT and RED reach only their named recipients (their organisations,
///   and for AMBER those organisations' clients) and the producer: a marked object that names
///   no recipient was shared with the peer's community, which this hub does not know, and one
///   whose producer or a named recipient is not resolved (by key, [`ResolvedParties`]) cannot
///   be placed either; both are served to nobody.
pub fn may_read_mirrored(
    collection: &Collection,
    community: &Community,
    resolved: &ResolvedParties,
    object: &MirroredObject,
    reader: Reader<'_>,
) -> bool {
    let resolves = |p: &str| resolved.resolves(&object.origin, p);
    if object.tlp >= Tlp::Amber
        && (object.recipients.is_empty()
            || !resolves(&object.producer)
            || object.recipients.iter().any(|r| !resolves(r)))
    {
        return false;
    }
    let producer = resolved.shown(&object.origin, &object.producer);
    let named: Vec<String> = object
        .recipients
        .iter()
        .map(|r| resolved.shown(&object.origin, r))
        .collect();
    let audience = Audience {
        level: object.tlp,
        producer: &producer,
        named: &named,
        anonymous_read: collection.anonymous_read,
    };
    tlp::may_read(&audience, &reader, community)
}

/// The object versions mirrored into `collection` that `reader` may read
/// ([`may_read_mirrored`]): only from the origin `collection.mirror` names now, and only while
/// that origin is a current peer; the latest such version of each object, by index. An
/// unresolved producer is returned as `ID@ORIGIN` ([`ResolvedParties::shown`]).
pub async fn visible_mirrored(
    store: &dyn Store,
    collection: &Collection,
    reader: Reader<'_>,
) -> Result<Vec<MirroredObject>, SharingError> {
    let Some(mirror) = &collection.mirror else {
        return Ok(Vec::new());
    };
    let origin = mirror.peer.as_str();
    let current = store
        .peers()
        .await?
        .iter()
        .any(|p| p.origin == origin && p.is_current());
    if !current {
        return Ok(Vec::new());
    }
    let objects: Vec<MirroredObject> = store
        .mirrored_objects(&collection.id)
        .await?
        .into_iter()
        .filter(|o| o.origin == origin)
        .collect();
    if objects.is_empty() {
        return Ok(objects);
    }
    // No verified state: no key history, so nobody is resolved.
    let peer_keys = store
        .mirror(origin)
        .await?
        .map(|s| s.keys)
        .unwrap_or_default();
    let named: HashSet<&str> = objects
        .iter()
        .flat_map(|o| std::iter::once(&o.producer).chain(&o.recipients))
        .map(String::as_str)
        .filter(|p| *p != OPERATOR_PARTY && peer_keys.iter().any(|k| k.party == *p))
        .collect();
    let mut local = HashMap::new();
    for p in named {
        local.insert(p.to_owned(), store.party_keys(p).await?);
    }
    let resolved = ResolvedParties::new(origin, &peer_keys, &local);
    let community = Community::load(store, collection).await?;
    let readable: Vec<MirroredObject> = objects
        .into_iter()
        .filter(|o| may_read_mirrored(collection, &community, &resolved, o, reader))
        .map(|mut o| {
            o.producer = resolved.shown(&o.origin, &o.producer);
            o
        })
        .collect();
    // The latest readable version of each object (a version without a timestamp sorts first).
    let mut latest: HashMap<&str, (Option<i64>, u64)> = HashMap::new();
    for o in &readable {
        let key = (o.version_us, o.index);
        let e = latest.entry(o.object_id.as_str()).or_insert(key);
        if key > *e {
            *e = key;
        }
    }
    let keep: HashSet<(String, u64)> = latest
        .into_iter()
        .map(|(id, (_, index))| (id.to_owned(), index))
        .collect();
    Ok(readable
        .into_iter()
        .filter(|o| keep.contains(&(o.object_id.clone(), o.index)))
        .collect())
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
                envelope(kind::STIX, &format!("open/{object}"), Tlp::Clear),
                true,
            ),
            (
                envelope(kind::STIX, &format!("open/{object}"), Tlp::Amber),
                false,
            ),
            (
                envelope(kind::STIX, &format!("closed/{object}"), Tlp::Clear),
                false,
            ),
            // Not `{collection}/{object id}/{version}`: nothing to match an open collection.
            (envelope(kind::STIX, "open", Tlp::Clear), false),
            (envelope(kind::STIX, "open/indicator--x", Tlp::Clear), false),
        ];
        for (e, want) in cases {
            assert_eq!(rule.publishes(&e), want, "{} {} {:?}", e.kind, e.id, e.tlp);
        }
    }
}

#[cfg(test)]
mod mirrored_read_tests {
    use super::*;
    use crate::sharing::model::Member;

    const ORIGIN: &str = "hub-b.example";
    const FR_KEY: &str = "fr-key-registered-here";
    const DE_KEY: &str = "de-key-registered-here";

    fn collection() -> Collection {
        Collection {
            id: "c".into(),
            title: "c".into(),
            description: None,
            members: ["FR", "DE", "IT"]
                .into_iter()
                .map(|p| Member {
                    party: p.into(),
                    can_read: true,
                    can_write: true,
                })
                .collect(),
            default_tlp: Tlp::Amber,
            anonymous_read: false,
            mirror: None,
        }
    }

    fn object(tlp: Tlp, producer: &str, recipients: &[&str]) -> MirroredObject {
        MirroredObject {
            collection: "c".into(),
            origin: ORIGIN.into(),
            index: 1,
            object_id: "indicator--6f1c8a8e-0000-4000-8000-000000000001".into(),
            object_type: "indicator".into(),
            version_us: None,
            tlp,
            producer: producer.into(),
            recipients: recipients.iter().map(|r| (*r).to_owned()).collect(),
            body: Vec::new(),
            salt: None,
            entry: Vec::new(),
            checkpoint_size: 2,
        }
    }

    fn peer_key(party: &str, key: &str) -> PeerKey {
        PeerKey {
            party: party.into(),
            key: key.into(),
            revoked: false,
        }
    }

    /// The keys registered here: FR, DE and the operator under their own keys.
    fn local() -> HashMap<String, Vec<PartyKey>> {
        [
            ("FR", FR_KEY),
            ("DE", DE_KEY),
            (OPERATOR_PARTY, "this-hubs-operator-key"),
        ]
        .into_iter()
        .map(|(p, k)| {
            let key = PartyKey {
                party: p.into(),
                public_key: k.into(),
                added_at: 0,
                revoked_at: None,
            };
            (p.to_owned(), vec![key])
        })
        .collect()
    }

    fn reads(resolved: &ResolvedParties, o: &MirroredObject, party: &str) -> bool {
        let c = collection();
        let community = Community::new(&c, &[]);
        may_read_mirrored(&c, &community, resolved, o, Reader::Party(party))
    }

    #[test]
    fn a_peer_party_with_the_same_keys_reads_as_the_local_party() {
        let resolved = ResolvedParties::new(
            ORIGIN,
            &[peer_key("FR", FR_KEY), peer_key("DE", DE_KEY)],
            &local(),
        );
        let red = object(Tlp::Red, "FR", &["DE"]);
        assert!(reads(&resolved, &red, "FR"));
        assert!(reads(&resolved, &red, "DE"));
        assert!(!reads(&resolved, &red, "IT"));
    }

    /// A hostile peer registers its own key as FR and shares a RED object from "FR" naming DE.
    #[test]
    fn tlp_red_leak_a_peer_key_registered_under_a_local_id_resolves_nobody() {
        let resolved = ResolvedParties::new(
            ORIGIN,
            &[peer_key("FR", "the-peers-own-key"), peer_key("DE", DE_KEY)],
            &local(),
        );
        let red = object(Tlp::Red, "FR", &["DE"]);
        for p in ["FR", "DE", "IT"] {
            assert!(!reads(&resolved, &red, p), "{p} read the RED object");
        }
        for tlp in [Tlp::Amber, Tlp::AmberStrict] {
            assert!(!reads(&resolved, &object(tlp, "FR", &["DE"]), "DE"));
        }
        // Its CLEAR object is served, its producer shown as the peer's.
        assert!(reads(&resolved, &object(Tlp::Clear, "FR", &[]), "IT"));
        assert_eq!(resolved.shown(ORIGIN, "FR"), format!("FR@{ORIGIN}"));
        assert_eq!(resolved.shown(ORIGIN, "DE"), "DE");
        // The recipient resolved, the producer not: still nobody.
        let red = object(Tlp::Red, "DE", &["FR"]);
        assert!(!reads(&resolved, &red, "FR"));
        assert!(!reads(&resolved, &red, "DE"));
    }

    /// A party registered here whose id only collides with a peer's party (no key in common).
    #[test]
    fn tlp_red_leak_a_local_party_colliding_with_a_peer_party_reads_nothing() {
        let resolved = ResolvedParties::new(
            ORIGIN,
            &[
                peer_key("FR", FR_KEY),
                peer_key("acme-cert", "peers-acme-key"),
            ],
            &HashMap::from([(
                "acme-cert".to_owned(),
                vec![PartyKey {
                    party: "acme-cert".into(),
                    public_key: "local-acme-key".into(),
                    added_at: 3,
                    revoked_at: None,
                }],
            )])
            .into_iter()
            .chain(local())
            .collect(),
        );
        assert!(!reads(
            &resolved,
            &object(Tlp::Red, "FR", &["acme-cert"]),
            "acme-cert"
        ));
        assert!(!reads(
            &resolved,
            &object(Tlp::Red, "acme-cert", &["FR"]),
            "acme-cert"
        ));
        // At GREEN a collision gives no producer's or recipient's standing either.
        assert!(!resolved.resolves(ORIGIN, "acme-cert"));
    }

    #[test]
    fn tlp_red_leak_the_operator_and_other_origins_are_never_resolved() {
        let resolved = ResolvedParties::new(
            ORIGIN,
            &[
                peer_key(OPERATOR_PARTY, "this-hubs-operator-key"),
                peer_key("DE", DE_KEY),
            ],
            &local(),
        );
        let red = object(Tlp::Red, OPERATOR_PARTY, &["DE"]);
        assert!(!reads(&resolved, &red, OPERATOR_PARTY));
        assert!(!reads(&resolved, &red, "DE"));
        assert_eq!(
            resolved.shown(ORIGIN, OPERATOR_PARTY),
            format!("{OPERATOR_PARTY}@{ORIGIN}")
        );
        // Resolved for one origin says nothing of another's parties of the same id.
        assert!(!resolved.resolves("hub-c.example", "DE"));
        let mut elsewhere = object(Tlp::Red, "DE", &["DE"]);
        elsewhere.origin = "hub-c.example".into();
        assert!(!reads(&resolved, &elsewhere, "DE"));
    }
}

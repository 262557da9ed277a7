//! Mirroring peer hubs (issue 14 part 2): one pull of a peer's log over HTTP, verified by
//! `accord_store::federation::pull` and stored with its provenance. `accord peers sync` runs
//! it once per registered peer; `accord serve --sync-interval` runs it in the background.
//! Each sync first asks the split-view check (`accord_store::peers::check_peer`), so a peer
//! caught showing two views is recorded as forked and never imported from again.
//!
//! Then each local collection that mirrors a collection of the peer
//! (`accord_store::sharing::CollectionMirror`) is read as this hub's party there, with the
//! peer token (`accord_store::peers::peer_token`; anonymously without one), from
//! `/api/v1/collections/{id}/provenance` at the size just accepted; every object version is
//! checked by `accord_store::federation::verify_served` against that checkpoint, and the
//! collection's new versions are stored only if all of them verify.
//!
//! Last, with the peer token, the evidence requests this hub's party there is a side of are
//! read from `/api/v1/requests/provenance` the same way: each entry checked by
//! `federation::verify_served_request`, the whole read by `federation::check_request_read`,
//! stored only if all of it passes.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use serde::Serialize;

use accord_store::Store;
use accord_store::audit::AuditError;
use accord_store::federation::{
    ServedRequestEntry, ServedVersion, check_request_read, filed_sides, pull, verify_served,
    verify_served_request,
};
use accord_store::log::Peer;
use accord_store::mirror::{MirrorAdvance, MirrorState};
use accord_store::mirrored_requests::resolve;
use accord_store::peers::{CheckOutcome, check_peer, current_peers, peer_token};
use accord_store::sequencer::Sequencer;
use accord_store::sharing::all_collections;
use accord_tlog::note::Verifier;

use crate::client::HubClient;
use crate::log_http::HttpSource;
use crate::output::explain;
use crate::peering::HttpPeer;
use crate::sharing::encode;

/// What one sync of one peer did.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum SyncOutcome {
    /// The peer's checkpoint is the one accepted last.
    UpToDate {
        /// The verified size.
        size: u64,
    },
    /// New entries were verified and their records mirrored.
    Mirrored {
        /// The size verified before.
        from: u64,
        /// The size verified now.
        to: u64,
        /// Records mirrored (incidents and amendments).
        records: usize,
        /// The records mirrored, counted by entry kind.
        kinds: BTreeMap<String, u64>,
        /// Records of those kinds whose body the peer withheld.
        withheld: u64,
    },
    /// Another sync of the same peer stored first; nothing was written.
    Raced {
        /// The size it stored.
        size: u64,
    },
    /// The peer could not be read; everything verified before is kept.
    Offline {
        /// The size verified before.
        size: u64,
        /// Why.
        error: String,
    },
    /// The peer was caught showing two views of its log: nothing is imported from it.
    Forked {
        /// The size verified before it was caught.
        size: u64,
        /// The `peer-fork` log entry that records the evidence.
        entry: u64,
    },
    /// The peer served something that does not verify; nothing of it was stored.
    Refused {
        /// The size verified before.
        size: u64,
        /// The first discrepancy, naming the entry or the checkpoints.
        error: String,
    },
}

impl SyncOutcome {
    /// Whether the peer served something that does not verify, or was caught forked.
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            SyncOutcome::Refused { .. } | SyncOutcome::Forked { .. }
        )
    }
}

/// Pulls the log at `url` (verified under `verifier`) from the size this hub accepted last,
/// and stores what verifies. A store error is an error; what the peer did is the outcome.
pub async fn sync_peer(
    store: &dyn Store,
    url: &str,
    verifier: &Verifier,
    timeout: Duration,
) -> Result<SyncOutcome> {
    let accepted = store.mirror(verifier.name()).await?;
    let size = accepted.as_ref().map_or(0, |a| a.size);
    let source = HttpSource::new(HubClient::bounded(url, timeout)?);
    let now = jiff::Timestamp::now().as_second().max(0) as u64;
    let pulled = match pull(&source, verifier, accepted.as_ref(), now, &|_, _| {}).await {
        Ok(Some(p)) => p,
        Ok(None) => return Ok(SyncOutcome::UpToDate { size }),
        Err(AuditError::Fetch { what, detail }) => {
            return Ok(SyncOutcome::Offline {
                size,
                error: format!("cannot read {what}: {detail}"),
            });
        }
        Err(e) => {
            return Ok(SyncOutcome::Refused {
                size,
                error: e.to_string(),
            });
        }
    };
    let (from, to, records, withheld) = (
        pulled.from,
        pulled.state.size,
        pulled.entries.len(),
        pulled.withheld,
    );
    let mut kinds = BTreeMap::new();
    for e in &pulled.entries {
        *kinds.entry(e.kind.clone()).or_insert(0) += 1;
    }
    let expected = accepted.map(|a| (a.size, a.root));
    Ok(
        match store
            .advance_mirror(expected, pulled.state, pulled.entries)
            .await?
        {
            MirrorAdvance::Stored => SyncOutcome::Mirrored {
                from,
                to,
                records,
                kinds,
                withheld,
            },
            MirrorAdvance::Moved { size } => SyncOutcome::Raced { size },
        },
    )
}

/// One registered peer's sync, as `accord peers sync --json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct PeerSync {
    /// The peer's id.
    pub id: String,
    /// Its log's origin.
    pub origin: String,
    /// Its URL.
    pub url: String,
    /// What the sync did.
    pub sync: SyncOutcome,
    /// What each local collection mirroring one of the peer's did.
    pub collections: Vec<CollectionSync>,
    /// What the read of the evidence requests this hub's party there is a side of did; absent
    /// when no peer token is kept (they are never read anonymously) or the log was refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requests: Option<RequestsSync>,
}

impl PeerSync {
    /// Whether the peer served something that does not verify, in its log, a collection or
    /// its requests.
    pub fn is_refusal(&self) -> bool {
        self.sync.is_refusal()
            || self.collections.iter().any(|c| c.error.is_some())
            || self.requests.as_ref().is_some_and(|r| r.error.is_some())
    }

    /// Every refusal of a collection's or the requests' read.
    pub fn read_errors(&self) -> impl Iterator<Item = String> + '_ {
        self.collections
            .iter()
            .filter_map(|c| c.error.clone())
            .chain(self.requests.iter().filter_map(|r| r.error.clone()))
    }
}

/// One local collection's sync from the peer collection it mirrors.
#[derive(Debug, Clone, Serialize)]
pub struct CollectionSync {
    /// The local collection.
    pub collection: String,
    /// The peer's collection it mirrors.
    pub peer_collection: String,
    /// Whether it was read with a peer token (as this hub's party there) or anonymously.
    pub authenticated: bool,
    /// Object versions served and verified, by STIX type.
    pub verified: BTreeMap<String, u64>,
    /// Of those, how many were not mirrored before.
    pub new: u64,
    /// Why nothing was stored, naming the peer and the object: a version that does not
    /// verify refuses the whole read; an unreachable peer keeps what was stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The most pages read of one peer collection in one sync (each of at most 1,000 versions).
const MAX_PAGES: usize = 10_000;

/// The longest one read of a peer's pages may take: each page has its own timeout, but a peer
/// answering thousands of slow, nearly empty pages would otherwise hold the sync (and every
/// other peer's after it) for hours. A full read of [`MAX_COLLECTION_VERSIONS`] takes seconds.
const MAX_READ_TIME: Duration = Duration::from_secs(600);

/// The most object versions kept from one peer collection in one sync: everything verified
/// is held until the read ends (it is stored in one transaction or not at all), so a peer
/// must not be able to make this hub hold an unbounded read.
pub const MAX_COLLECTION_VERSIONS: usize = 100_000;

/// The most bytes (canonical bodies, signed entries and salts) kept from one peer collection
/// in one sync, for the same reason as [`MAX_COLLECTION_VERSIONS`].
pub const MAX_COLLECTION_BYTES: usize = 256 * 1024 * 1024;

/// The longest `next` cursor accepted from a peer: every cursor seen is kept to refuse one
/// that comes back.
const MAX_CURSOR: usize = 1024;

/// A page of a peer's `/provenance` answer (object versions, or request entries).
#[derive(serde::Deserialize)]
struct PeerPage<T> {
    items: Vec<T>,
    #[serde(default)]
    next: Option<String>,
}

/// An item of a peer's `/provenance` answer, as the pager checks its order.
trait Served {
    /// The log index the peer gives it.
    fn log_index(&self) -> u64;
    /// What to call it in a refusal (`object ID`, `request entry`).
    fn name(&self) -> String;
}

impl Served for ServedVersion {
    fn log_index(&self) -> u64 {
        self.log_index
    }
    fn name(&self) -> String {
        let id = self
            .object
            .get("id")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("(no id)");
        format!("object {id}")
    }
}

impl Served for ServedRequestEntry {
    fn log_index(&self) -> u64 {
        self.log_index
    }
    fn name(&self) -> String {
        "request entry".into()
    }
}

/// Reads every page of the peer's `/provenance` answer at `path` (its query string started)
/// and hands each item to `take`, in order. Fails closed, with why, when the peer serves an
/// index not above the one before it (a repeat), hands back a cursor it gave before or one
/// longer than [`MAX_CURSOR`], or more than [`MAX_PAGES`] pages or [`MAX_READ_TIME`], or when `take` refuses an
/// item (it names the item itself); the caller then stores nothing of the read.
async fn read_pages<T: serde::de::DeserializeOwned + Served>(
    client: &HubClient,
    path: &str,
    what: &str,
    mut take: impl FnMut(T) -> Result<(), String>,
) -> Result<(), String> {
    let mut last_index: Option<u64> = None;
    let mut cursors: HashSet<String> = HashSet::new();
    let mut cursor: Option<String> = None;
    let started = std::time::Instant::now();
    for _ in 0..MAX_PAGES {
        if started.elapsed() > MAX_READ_TIME {
            return Err(format!(
                "{path}: the peer took more than {} s to serve its {what}",
                MAX_READ_TIME.as_secs()
            ));
        }
        let mut path = path.to_owned();
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={}", encode(c)));
        }
        let page = client
            .get_json_as_any(&path)
            .await
            .map_err(|e| format!("cannot read {path}: {e:#}"))?;
        let page: PeerPage<T> = serde_json::from_value(page)
            .map_err(|e| format!("{path} is not a page of {what} with their proof: {e}"))?;
        for served in page.items {
            let index = served.log_index();
            if let Some(last) = last_index
                && index <= last
            {
                return Err(format!(
                    "{}: entry {index} served after entry {last} (each once, in log order)",
                    served.name()
                ));
            }
            last_index = Some(index);
            take(served)?;
        }
        match page.next {
            Some(next) => {
                if next.len() > MAX_CURSOR {
                    return Err(format!(
                        "{path}: a next cursor of {} bytes (at most {MAX_CURSOR})",
                        next.len()
                    ));
                }
                if !cursors.insert(next.clone()) {
                    return Err(format!(
                        "{path}: the next cursor {next:?} was served before"
                    ));
                }
                cursor = Some(next);
            }
            None => return Ok(()),
        }
    }
    Err(format!("more than {MAX_PAGES} pages"))
}

/// Reads the peer collection `peer_collection` at `client` as `state`'s checkpoint proves it,
/// verifies every version served, and stores them in the local `collection`. The read fails
/// closed, nothing stored, when the peer serves an index not above the one before it (a
/// repeat), hands back a cursor it gave before, or serves more than
/// [`MAX_COLLECTION_VERSIONS`] versions or [`MAX_COLLECTION_BYTES`] bytes.
async fn sync_collection(
    store: &dyn Store,
    client: &HubClient,
    peer: &Peer,
    state: &MirrorState,
    collection: &str,
    peer_collection: &str,
) -> Result<CollectionSync> {
    let mut done = CollectionSync {
        collection: collection.to_owned(),
        peer_collection: peer_collection.to_owned(),
        authenticated: client.has_token(),
        verified: BTreeMap::new(),
        new: 0,
        error: None,
    };
    let mut verified = Vec::new();
    let mut bytes = 0usize;
    let path = format!(
        "/api/v1/collections/{}/provenance?size={}&limit=1000",
        encode(peer_collection),
        state.size
    );
    let read = read_pages(client, &path, "object versions", |served: ServedVersion| {
        let (name, index) = (served.name(), served.log_index);
        let o = verify_served(state, collection, served).map_err(|e| format!("{name}: {e}"))?;
        bytes = bytes.saturating_add(o.body.len() + o.entry.len() + o.salt.as_ref().map_or(0, Vec::len));
        if verified.len() >= MAX_COLLECTION_VERSIONS || bytes > MAX_COLLECTION_BYTES {
            return Err(format!(
                "more than {MAX_COLLECTION_VERSIONS} object versions or {MAX_COLLECTION_BYTES} bytes in one sync (at entry {index})"
            ));
        }
        *done.verified.entry(o.object_type.clone()).or_insert(0) += 1;
        verified.push(o);
        Ok(())
    })
    .await;
    match read {
        Ok(()) => done.new = store.add_mirrored_objects(verified).await?,
        Err(why) => {
            // Fail closed: nothing of this collection's read is kept.
            done.verified.clear();
            done.error = Some(format!(
                "peer {} collection {peer_collection}: {why}",
                peer.origin
            ));
        }
    }
    Ok(done)
}

/// What the sync of one peer's evidence requests did.
#[derive(Debug, Clone, Serialize)]
pub struct RequestsSync {
    /// Request entries (filings and transitions) served and verified.
    pub verified: u64,
    /// Of those, how many were not mirrored before.
    pub new: u64,
    /// Why nothing was stored, naming the peer and the entry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The most request entries kept from one peer in one sync, for the reason of
/// [`MAX_COLLECTION_VERSIONS`].
pub const MAX_REQUEST_ENTRIES: usize = 100_000;

/// The most bytes (bodies, signed entries and salts) of request entries kept from one peer in
/// one sync, for the same reason.
pub const MAX_REQUEST_BYTES: usize = 64 * 1024 * 1024;

/// Reads the evidence requests this hub's party on the peer is a side of, at `client` (with
/// the peer token) as `state`'s checkpoint proves them: every entry is checked by
/// `federation::verify_served_request`, and the whole read by
/// `federation::check_request_read` (each step's filing served, each request with a side
/// that is a party of this hub, resolved by key), before any of it is stored. Fails closed,
/// nothing stored, as a collection's read does, and past [`MAX_REQUEST_ENTRIES`] entries or
/// [`MAX_REQUEST_BYTES`] bytes.
async fn sync_requests(
    store: &dyn Store,
    client: &HubClient,
    peer: &Peer,
    state: &MirrorState,
) -> Result<RequestsSync> {
    let mut verified = Vec::new();
    let mut bytes = 0usize;
    let path = format!("/api/v1/requests/provenance?size={}&limit=1000", state.size);
    let read = read_pages(client, &path, "request entries", |served: ServedRequestEntry| {
        let index = served.log_index;
        let e = verify_served_request(state, served).map_err(|e| format!("request {e}"))?;
        bytes = bytes.saturating_add(e.body.len() + e.entry.len() + e.salt.as_ref().map_or(0, Vec::len));
        if verified.len() >= MAX_REQUEST_ENTRIES || bytes > MAX_REQUEST_BYTES {
            return Err(format!(
                "more than {MAX_REQUEST_ENTRIES} request entries or {MAX_REQUEST_BYTES} bytes in one sync (at entry {index})"
            ));
        }
        verified.push(e);
        Ok(())
    })
    .await;
    let refused = |why: String| RequestsSync {
        verified: 0,
        new: 0,
        error: Some(format!("peer {} requests: {why}", peer.origin)),
    };
    if let Err(why) = read {
        return Ok(refused(why));
    }
    let filed = match filed_sides(&verified) {
        Ok(s) => s,
        Err(e) => return Ok(refused(format!("request {e}"))),
    };
    let resolved = resolve(
        store,
        &state.origin,
        filed
            .values()
            .flat_map(|f| [f.requesting.as_str(), f.requested.as_str()])
            .chain(verified.iter().map(|e| e.submitter.as_str())),
    )
    .await?;
    // The keys registered here for each signer this hub resolves as its own party.
    let mut local_keys: HashMap<String, HashSet<String>> = HashMap::new();
    for e in &verified {
        if resolved.resolves(&state.origin, &e.submitter) && !local_keys.contains_key(&e.submitter)
        {
            let keys = store.party_keys(&e.submitter).await?;
            local_keys.insert(
                e.submitter.clone(),
                keys.into_iter().map(|k| k.public_key).collect(),
            );
        }
    }
    let stored_filings: HashMap<String, u64> = store
        .mirrored_requests(Some(&state.origin))
        .await?
        .into_iter()
        .filter(|e| e.kind == accord_store::kind::REQUEST)
        .map(|e| (e.request_id, e.index))
        .collect();
    if let Err(e) = check_request_read(
        &verified,
        &stored_filings,
        &|p| resolved.resolves(&state.origin, p),
        &|p, key| local_keys.get(p).is_some_and(|ks| ks.contains(key)),
    ) {
        return Ok(refused(format!("request {e}")));
    }
    let n = verified.len() as u64;
    Ok(RequestsSync {
        verified: n,
        new: store.add_mirrored_requests(verified).await?,
        error: None,
    })
}

/// Syncs every local collection that mirrors a collection of `peer`, as verified up to the
/// accepted checkpoint; the peer token read from `data` (or its variable), if any.
async fn sync_collections(
    store: &dyn Store,
    data: &Path,
    peer: &Peer,
    timeout: Duration,
) -> Result<Vec<CollectionSync>> {
    let mirrored: Vec<(String, String)> = match all_collections(store).await {
        Ok(all) => all
            .into_iter()
            .filter_map(|c| {
                let m = c.mirror?;
                (m.peer == peer.origin).then_some((c.id, m.collection))
            })
            .collect(),
        // A store that does not share has no collection to mirror into.
        Err(accord_store::sharing::SharingError::Unsupported) => Vec::new(),
        Err(e) => return Err(e.into()),
    };
    if mirrored.is_empty() {
        return Ok(Vec::new());
    }
    let Some(state) = store.mirror(&peer.origin).await? else {
        return Ok(Vec::new());
    };
    let token = peer_token(data, &peer.id)?;
    let client = HubClient::bounded_as(&peer.url, timeout, token)?;
    let mut out = Vec::new();
    for (collection, peer_collection) in mirrored {
        out.push(
            sync_collection(store, &client, peer, &state, &collection, &peer_collection).await?,
        );
    }
    Ok(out)
}

/// Syncs the registered `peer`: the split-view check first (a fork is recorded and stops
/// the import), then the pull, then the collections mirroring the peer's (their token kept in
/// the data directory `data`).
pub async fn sync_registered(
    store: &dyn Store,
    sequencer: &Sequencer,
    data: &Path,
    peer: &Peer,
    timeout: Duration,
) -> Result<PeerSync> {
    let size = store.mirror(&peer.origin).await?.map_or(0, |m| m.size);
    let now = jiff::Timestamp::now().as_second().max(0) as u64;
    let checked = check_peer(store, sequencer, peer, &HttpPeer::new(peer)?, now)
        .await
        .map_err(explain)
        .with_context(|| format!("cannot check peer {}", peer.origin))?;
    let sync = match checked {
        CheckOutcome::Forked { index, .. } => SyncOutcome::Forked { size, entry: index },
        CheckOutcome::Unreachable(error) => SyncOutcome::Offline { size, error },
        CheckOutcome::Unverified(error) => SyncOutcome::Refused { size, error },
        CheckOutcome::Accepted { .. } | CheckOutcome::Unchanged(_) | CheckOutcome::Raced => {
            let verifier = peer.verifier()?;
            sync_peer(store, &peer.url, &verifier, timeout).await?
        }
    };
    // Collections are read only as far as the log is verified, and never from a peer that
    // served what does not verify.
    let collections = if sync.is_refusal() {
        Vec::new()
    } else {
        sync_collections(store, data, peer, timeout).await?
    };
    // Requests are read as this hub's party on the peer: never anonymously (they are the
    // sides' only), and on the same terms as collections.
    let requests = match (sync.is_refusal(), peer_token(data, &peer.id)?) {
        (false, Some(token)) => match store.mirror(&peer.origin).await? {
            Some(state) => {
                let client = HubClient::bounded_as(&peer.url, timeout, Some(token))?;
                Some(sync_requests(store, &client, peer, &state).await?)
            }
            None => None,
        },
        _ => None,
    };
    Ok(PeerSync {
        id: peer.id.clone(),
        origin: peer.origin.clone(),
        url: peer.url.clone(),
        sync,
        collections,
        requests,
    })
}

/// Starts the background sync of every current peer, one round each `interval` (none if
/// zero). A round's failures are logged; the next round tries again.
pub fn spawn(
    store: Arc<dyn Store>,
    sequencer: Sequencer,
    data: PathBuf,
    interval: Duration,
    timeout: Duration,
) {
    if interval.is_zero() {
        return;
    }
    tokio::spawn(async move {
        loop {
            match current_peers(store.as_ref()).await {
                Ok(peers) => {
                    for peer in peers.iter().filter(|p| p.forked_at.is_none()) {
                        match sync_registered(store.as_ref(), &sequencer, &data, peer, timeout)
                            .await
                        {
                            Ok(done) => {
                                tracing::info!(peer = %peer.origin, outcome = ?done.sync, "peer sync")
                            }
                            Err(e) => {
                                tracing::warn!(peer = %peer.origin, error = %format!("{e:#}"), "peer sync failed")
                            }
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "cannot list peers to sync"),
            }
            tokio::time::sleep(interval).await;
        }
    });
}

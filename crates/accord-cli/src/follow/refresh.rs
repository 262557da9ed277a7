//! Indicators that stay current while following (`--refresh`).
//!
//! A [`Refresher`] holds every indicator its source gave, decides which are
//! in force, compiles them off the follower's thread and leaves the result in
//! a [`Mailbox`]. The follower takes it between two chunks of lines, so each
//! event is probed and fed with exactly one set of indicators: none is
//! dropped or matched twice across a swap. The stream keeps the partial
//! matches of every combining indicator whose id and pattern did not change
//! ([`accord_stix::stream::Stream::replace_matcher`]); those of an indicator
//! removed, or given a new pattern, are discarded and counted.
//!
//! # In force
//!
//! An indicator is in force unless its latest version says `revoked: true`
//! or its `valid_until` has passed by the wall clock. The refresher wakes
//! when the next `valid_until` passes, whatever the refresh interval, and
//! removes it then. (The matcher still checks each observation's own time
//! against `valid_from` and `valid_until`.)
//!
//! # From a hub (TAXII 2.1)
//!
//! The first read takes every indicator the party may read in each
//! collection; each refresh then asks only for what was added after the
//! `X-TAXII-Date-Added-Last` of the previous read (`added_after`, walking
//! `next`). The hub answers with the latest version of each object, so a
//! new version replaces the one held (a `revoked` one removes it).
//!
//! TAXII has no feed of deletions, and `added_after` cannot show them (nor a
//! latest version deleted so that an older one is latest again, nor an
//! object the party may no longer read). So every [`RECONCILE_EVERY`]th
//! refresh (ten minutes at the default interval) lists the collections again
//! and reads each one's manifest: ids held but no longer listed are removed,
//! ids listed at another version than the one held are read again by id.
//! Not every refresh, because of what it costs: a manifest lists every
//! indicator of the collection (about 190 bytes each: 19 MB from the hub for
//! 100,000 indicators, read and compared at each reconciliation), while an
//! `added_after` read costs what changed. So a deleted indicator may still
//! match for up to ten intervals; a revoked one (the way STIX withdraws an
//! indicator) leaves at the next refresh.
//!
//! A refresh that fails (the hub down, an answer that is not TAXII) keeps
//! the indicators in force and says so; the next interval tries again.
//!
//! # From a file
//!
//! The file is looked at every interval (its device, inode, size and
//! modification time). When they changed it is read whole; if the file
//! changed again while it was read, it is read at the next interval. A file
//! that cannot be read, or has an invalid record (without `--skip-invalid`),
//! keeps the indicators in force and says why, once per change of the file.
//! Writing a new file and renaming it over the old one is the safe way to
//! update it.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use accord_stix::object::{Indicator, StixObject};
use accord_stix::stream::StreamMatcher;
use anyhow::{Context, Result, bail};

use super::metrics::Metrics;
use crate::matching::{Checked, read_indicator_file};
use crate::sharing::SharingClient;

/// Where the indicators come from.
#[derive(Debug, Clone)]
pub enum Origin {
    /// A file of STIX indicators, reloaded when it changes.
    File {
        /// The file.
        path: PathBuf,
        /// Skip invalid records instead of refusing the file.
        skip_invalid: bool,
    },
    /// A hub's TAXII collections.
    Hub {
        /// The hub's base URL.
        url: String,
        /// The party's token.
        token: String,
        /// Only this collection.
        collection: Option<String>,
    },
}

/// The refresh interval when `--refresh` is not given, for a hub: a minute
/// puts one small query per collection on the hub each minute, and feeds
/// are published at intervals of minutes to hours.
pub const HUB_INTERVAL: Duration = Duration::from_secs(60);

/// The refresh interval when `--refresh` is not given, for a file: looking
/// at a file's metadata costs nothing, and a person who edits it expects to
/// see the change within seconds.
pub const FILE_INTERVAL: Duration = Duration::from_secs(5);

/// Every this many refreshes from a hub, the manifests are compared with
/// what is held (see the module docs).
pub const RECONCILE_EVERY: u32 = 10;

/// A new set of indicators, compiled, for the follower to swap in.
#[derive(Debug)]
pub struct Update {
    /// The indicators, in the matcher's numbering.
    pub indicators: Arc<Vec<Indicator>>,
    /// The hub collection each indicator (by id) came from, where its sightings are posted.
    pub collections: Arc<HashMap<String, String>>,
    /// Them, compiled.
    pub matcher: Arc<StreamMatcher>,
    /// What changed since the set the follower has, for its message.
    pub summary: String,
}

/// Where the refresher leaves the newest [`Update`] for the follower. A newer
/// one replaces one not yet taken.
#[derive(Debug, Default)]
pub struct Mailbox(Mutex<Option<Update>>);

impl Mailbox {
    /// The update waiting, if any; never waits for the refresher (the
    /// follower calls it between chunks).
    pub fn try_take(&self) -> Option<Update> {
        match self.0.try_lock() {
            Ok(mut slot) => slot.take(),
            Err(std::sync::TryLockError::Poisoned(p)) => p.into_inner().take(),
            Err(std::sync::TryLockError::WouldBlock) => None,
        }
    }
}

/// One indicator id as its source gave it.
#[derive(Debug, Clone)]
enum Entry {
    /// A valid indicator (possibly revoked or expired).
    Indicator(Checked),
    /// An object that is not a valid indicator, at this version: kept so that
    /// a manifest naming the same version does not read it again.
    Invalid(Option<jiff::Timestamp>),
}

impl Entry {
    fn version(&self) -> Option<jiff::Timestamp> {
        match self {
            Entry::Indicator(c) => c.version,
            Entry::Invalid(v) => *v,
        }
    }
}

/// Every entry, per collection (the file is one collection named `""`).
type Catalogue = BTreeMap<String, BTreeMap<String, Entry>>;

/// The indicators in force, by id, each with the collection it came from (`""` for a file).
type InForce = BTreeMap<String, (String, Checked)>;

/// Why an indicator left the set in force.
#[derive(Debug, Default)]
struct Removed {
    revoked: usize,
    expired: usize,
    gone: usize,
}

/// What a source holds and how it is read again.
enum Feed {
    File {
        path: PathBuf,
        skip_invalid: bool,
        /// The metadata of the file last read (or refused).
        stamp: Option<Stamp>,
        /// The last error said about the file, so that it is said once.
        said: Option<String>,
    },
    Hub {
        url: String,
        client: SharingClient,
        only: Option<String>,
        collections: Vec<String>,
        /// Per collection, the `X-TAXII-Date-Added-Last` to read after.
        cursors: HashMap<String, String>,
        refreshes: u32,
    },
}

/// What identifies a version of a file without reading it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stamp {
    device: u64,
    inode: u64,
    size: u64,
    modified: Option<std::time::SystemTime>,
}

fn stamp(path: &std::path::Path) -> std::io::Result<Stamp> {
    let m = std::fs::metadata(path)?;
    #[cfg(unix)]
    let (device, inode) = {
        use std::os::unix::fs::MetadataExt;
        (m.dev(), m.ino())
    };
    #[cfg(not(unix))]
    let (device, inode) = (0, 0);
    Ok(Stamp {
        device,
        inode,
        size: m.len(),
        modified: m.modified().ok(),
    })
}

/// Keeps a source's indicators current; see the module docs.
pub struct Refresher {
    feed: Feed,
    catalogue: Catalogue,
    /// The set last handed to the mailbox (or the first set).
    current: InForce,
    /// The set the follower has for sure (it took every update before the
    /// one in the mailbox, if any).
    delivered: InForce,
    metrics: Arc<Metrics>,
}

impl Refresher {
    /// Reads the source a first time; the indicators in force, compiled. An
    /// error here is fatal: there is nothing to keep.
    pub async fn open(origin: Origin, metrics: Arc<Metrics>) -> Result<(Refresher, Update)> {
        let (feed, catalogue) = match origin {
            Origin::File { path, skip_invalid } => {
                let before =
                    stamp(&path).with_context(|| format!("cannot read {}", path.display()))?;
                let catalogue = read_file(&path, skip_invalid)?;
                let feed = Feed::File {
                    path,
                    skip_invalid,
                    stamp: Some(before),
                    said: None,
                };
                (feed, catalogue)
            }
            Origin::Hub {
                url,
                token,
                collection,
            } => {
                let client = SharingClient::new(&url, &token)?;
                let mut feed = Feed::Hub {
                    url,
                    client,
                    only: collection,
                    collections: Vec::new(),
                    cursors: HashMap::new(),
                    refreshes: 0,
                };
                let mut catalogue = Catalogue::new();
                feed.reconcile(&mut catalogue).await?;
                (feed, catalogue)
            }
        };
        let now = jiff::Timestamp::now();
        let (in_force, _) = in_force(&catalogue, now);
        let n = in_force.len();
        let update = compile(&in_force, format!("{n} loaded from {}", feed.name())).await?;
        metrics.refreshed(now);
        Ok((
            Refresher {
                feed,
                catalogue,
                delivered: in_force.clone(),
                current: in_force,
                metrics,
            },
            update,
        ))
    }

    /// Refreshes every `every` (and when an indicator's `valid_until` passes),
    /// leaving each changed set in `mailbox`, until the process ends.
    pub async fn run(mut self, mailbox: Arc<Mailbox>, every: Duration) {
        let mut next_check = tokio::time::Instant::now() + every;
        loop {
            let (_, expiry) = in_force(&self.catalogue, jiff::Timestamp::now());
            let mut wake = next_check;
            if let Some(t) = expiry {
                let wait = t
                    .duration_since(jiff::Timestamp::now())
                    .try_into()
                    .unwrap_or(Duration::ZERO);
                wake = wake.min(tokio::time::Instant::now() + wait);
            }
            tokio::time::sleep_until(wake).await;
            let mut what = "expiry";
            if tokio::time::Instant::now() >= next_check {
                next_check = tokio::time::Instant::now() + every;
                what = "refresh";
                let mut next = self.catalogue.clone();
                match self.feed.check(&mut next).await {
                    Ok(read) => {
                        if read {
                            self.metrics.refreshed(jiff::Timestamp::now());
                        }
                        self.catalogue = next;
                    }
                    Err(e) => {
                        self.metrics.refresh_failed();
                        let again = match self.feed {
                            Feed::File { .. } => "read again when it changes".to_owned(),
                            Feed::Hub { .. } => format!("next try in {every:?}"),
                        };
                        eprintln!(
                            "indicators: {} failed: {e:#}; keeping the {} in force ({again})",
                            self.feed.name_of_refresh(),
                            self.current.len(),
                        );
                        continue;
                    }
                }
            }
            if let Err(e) = self.publish(&mailbox, what).await {
                eprintln!(
                    "indicators: cannot compile the new set: {e:#}; keeping the {} in force",
                    self.current.len()
                );
            }
        }
    }

    /// Hands the set in force now to the mailbox if it differs from the last
    /// one handed over.
    async fn publish(&mut self, mailbox: &Mailbox, what: &str) -> Result<()> {
        let now = jiff::Timestamp::now();
        let (next, _) = in_force(&self.catalogue, now);
        if same(&next, &self.current) {
            return Ok(());
        }
        let mut update = compile(&next, String::new()).await?;
        let mut slot = match mailbox.0.lock() {
            Ok(s) => s,
            Err(p) => p.into_inner(),
        };
        // Still waiting: the follower has `delivered`, not `current`.
        if slot.take().is_none() {
            self.delivered = std::mem::take(&mut self.current);
        }
        update.summary = format!(
            "{} in force after {what} from {}: {}",
            next.len(),
            self.feed.name(),
            describe(
                &self.delivered,
                &next,
                &self.catalogue,
                now,
                self.feed.gone()
            )
        );
        *slot = Some(update);
        drop(slot);
        self.current = next;
        Ok(())
    }
}

impl Feed {
    fn name(&self) -> String {
        match self {
            Feed::File { path, .. } => path.display().to_string(),
            Feed::Hub { url, .. } => url.clone(),
        }
    }

    /// What an indicator that left without being revoked or expiring did.
    fn gone(&self) -> &'static str {
        match self {
            Feed::File { .. } => "no longer in the file",
            Feed::Hub { .. } => "deleted or no longer readable",
        }
    }

    fn name_of_refresh(&self) -> String {
        match self {
            Feed::File { path, .. } => format!("reloading {}", path.display()),
            Feed::Hub { url, .. } => format!("refresh from {url}"),
        }
    }

    /// Reads what changed into `catalogue`; whether the source was read (a file that did not
    /// change is not).
    async fn check(&mut self, catalogue: &mut Catalogue) -> Result<bool> {
        match self {
            Feed::File {
                path,
                skip_invalid,
                stamp: last,
                said,
            } => {
                let before = match stamp(path) {
                    Ok(s) => s,
                    Err(e) => {
                        let message = format!("cannot read {}: {e}", path.display());
                        if said.as_ref() != Some(&message) {
                            *said = Some(message.clone());
                            bail!(message);
                        }
                        return Ok(false);
                    }
                };
                if last.as_ref() == Some(&before) {
                    return Ok(false);
                }
                let read = read_file(path, *skip_invalid);
                // Changed while it was read: read it again next time.
                if stamp(path).ok().as_ref() != Some(&before) {
                    return Ok(false);
                }
                *last = Some(before);
                match read {
                    Ok(c) => {
                        *said = None;
                        *catalogue = c;
                        Ok(true)
                    }
                    Err(e) => Err(e),
                }
            }
            Feed::Hub { refreshes, .. } => {
                *refreshes += 1;
                if (*refreshes).is_multiple_of(RECONCILE_EVERY) {
                    self.reconcile(catalogue).await?;
                } else {
                    self.pull(catalogue).await?;
                }
                Ok(true)
            }
        }
    }

    /// Reads every collection's objects added since its cursor.
    async fn pull(&mut self, catalogue: &mut Catalogue) -> Result<()> {
        let Feed::Hub {
            url,
            client,
            collections,
            cursors,
            ..
        } = self
        else {
            return Ok(());
        };
        let mut moved = Vec::new();
        for c in collections.iter() {
            let after = cursors.get(c).map(String::as_str);
            let (objects, last) = client.objects_added_after(c, "indicator", after).await?;
            let held = catalogue.entry(c.clone()).or_default();
            for value in objects {
                take(url, c, held, value);
            }
            if let Some(last) = last {
                moved.push((c.clone(), last));
            }
        }
        // Only once every collection was read: a failed refresh reads again from the same
        // place (taking an object twice is harmless).
        for (c, last) in moved {
            advance(cursors, c, last);
        }
        Ok(())
    }

    /// Lists the collections again and compares each one's manifest with what is held;
    /// a collection seen for the first time is read whole.
    async fn reconcile(&mut self, catalogue: &mut Catalogue) -> Result<()> {
        let Feed::Hub {
            url,
            client,
            only,
            collections,
            cursors,
            ..
        } = self
        else {
            return Ok(());
        };
        let listed = client.collections(only.as_deref()).await?;
        catalogue.retain(|c, _| listed.contains(c));
        cursors.retain(|c, _| listed.contains(c));
        let mut moved = Vec::new();
        for c in &listed {
            let held = catalogue.entry(c.clone()).or_default();
            if !cursors.contains_key(c) {
                // New (or never had an indicator): read whole, like the first read.
                let (objects, last) = client.objects_added_after(c, "indicator", None).await?;
                held.clear();
                for value in objects {
                    take(url, c, held, value);
                }
                if let Some(last) = last {
                    moved.push((c.clone(), last));
                }
                continue;
            }
            let manifest = client.manifest(c, "indicator").await?;
            let mut listed_versions = HashMap::with_capacity(manifest.len());
            for (id, version) in manifest {
                let v = version.parse::<jiff::Timestamp>().with_context(|| {
                    format!("{url}: the manifest of {c} gives {id} the version {version:?}")
                })?;
                listed_versions.insert(id, v);
            }
            held.retain(|id, _| listed_versions.contains_key(id));
            let stale: Vec<String> = listed_versions
                .iter()
                .filter(|(id, v)| {
                    held.get(*id)
                        .is_none_or(|e| e.version().map(micros) != Some(micros(**v)))
                })
                .map(|(id, _)| id.clone())
                .collect();
            if !stale.is_empty() {
                for value in client.objects_by_id(c, &stale).await? {
                    take(url, c, held, value);
                }
            }
        }
        *collections = listed;
        for (c, last) in moved {
            advance(cursors, c, last);
        }
        Ok(())
    }
}

/// Moves a collection's cursor forward (never back, whatever a hub says).
fn advance(cursors: &mut HashMap<String, String>, collection: String, last: String) {
    let newer = match (cursors.get(&collection), last.parse::<jiff::Timestamp>()) {
        (Some(old), Ok(new)) => old.parse::<jiff::Timestamp>().is_ok_and(|o| new > o),
        _ => true,
    };
    if newer {
        cursors.insert(collection, last);
    }
}

/// A timestamp in whole microseconds, as a hub's manifest gives versions.
fn micros(t: jiff::Timestamp) -> i128 {
    t.as_nanosecond() / 1000
}

/// Takes one object read from `collection` on the hub into `held`: the hub sends the latest
/// version of each, so it replaces what was held. An object that is not a valid indicator is
/// reported and kept as invalid at its version.
fn take(url: &str, collection: &str, held: &mut BTreeMap<String, Entry>, value: serde_json::Value) {
    let Some(id) = value["id"].as_str().map(str::to_owned) else {
        eprintln!("indicators: {url} collection {collection}: an object without an id, ignored");
        return;
    };
    let object = StixObject::from_value(value).map_err(|e| e.to_string());
    let version = object.as_ref().ok().and_then(|o| {
        o.optional_timestamp("modified")
            .ok()
            .flatten()
            .or_else(|| o.optional_timestamp("created").ok().flatten())
    });
    match object.and_then(|o| Checked::of(&o)) {
        Ok(c) => {
            held.insert(id, Entry::Indicator(c));
        }
        Err(e) => {
            // Someone else's to fix: said once per version.
            if held.get(&id).map(Entry::version) != Some(version) {
                eprintln!("indicators: {url} collection {collection}: {id} not matched: {e}");
            }
            held.insert(id, Entry::Invalid(version));
        }
    }
}

/// Reads an indicator file into a catalogue of one collection.
fn read_file(path: &std::path::Path, skip_invalid: bool) -> Result<Catalogue> {
    let (checked, skipped) = read_indicator_file(path, skip_invalid)?;
    skipped.report("indicator");
    let mut held = BTreeMap::new();
    for c in checked {
        // The same id twice in one file: the later version wins, as on a hub.
        let newer = match held.get(&c.indicator.id) {
            Some(Entry::Indicator(old)) => c.version >= old.version,
            _ => true,
        };
        if newer {
            held.insert(c.indicator.id.clone(), Entry::Indicator(c));
        }
    }
    Ok(BTreeMap::from([(String::new(), held)]))
}

/// The indicators in force at `now`, and the next `valid_until` after `now` among them. An
/// id in several collections counts once, at its latest version.
fn in_force(catalogue: &Catalogue, now: jiff::Timestamp) -> (InForce, Option<jiff::Timestamp>) {
    let mut latest: BTreeMap<&str, (&str, &Checked)> = BTreeMap::new();
    for (collection, held) in catalogue {
        for (id, entry) in held {
            if let Entry::Indicator(c) = entry {
                let e = latest.entry(id).or_insert((collection, c));
                if c.version > e.1.version {
                    *e = (collection, c);
                }
            }
        }
    }
    let mut out = InForce::new();
    let mut expiry: Option<jiff::Timestamp> = None;
    for (id, (collection, c)) in latest {
        if c.revoked {
            continue;
        }
        match c.indicator.valid_until {
            Some(until) if until <= now => continue,
            Some(until) => expiry = Some(expiry.map_or(until, |e| e.min(until))),
            None => {}
        }
        out.insert(id.to_owned(), (collection.to_owned(), c.clone()));
    }
    (out, expiry)
}

/// Whether two sets hold the same indicators at the same versions and patterns.
fn same(a: &InForce, b: &InForce) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|((ia, (pa, ca)), (ib, (pb, cb)))| {
            ia == ib && pa == pb && ca.version == cb.version && ca.indicator == cb.indicator
        })
}

/// What changed from `old` to `new`, in words.
fn describe(
    old: &InForce,
    new: &InForce,
    catalogue: &Catalogue,
    now: jiff::Timestamp,
    gone: &str,
) -> String {
    let added = new.keys().filter(|id| !old.contains_key(*id)).count();
    let changed = new
        .iter()
        .filter(|(id, (_, c))| {
            old.get(*id)
                .is_some_and(|(_, o)| o.version != c.version || o.indicator != c.indicator)
        })
        .count();
    let mut removed = Removed::default();
    for id in old.keys().filter(|id| !new.contains_key(*id)) {
        let latest = catalogue
            .values()
            .filter_map(|held| match held.get(id) {
                Some(Entry::Indicator(c)) => Some(c),
                _ => None,
            })
            .max_by_key(|c| c.version);
        match latest {
            Some(c) if c.revoked => removed.revoked += 1,
            Some(c) if c.indicator.valid_until.is_some_and(|u| u <= now) => removed.expired += 1,
            _ => removed.gone += 1,
        }
    }
    let mut text = format!("{added} new, {changed} changed");
    let total = removed.revoked + removed.expired + removed.gone;
    text.push_str(&format!(", {total} removed"));
    if total > 0 {
        text.push_str(&format!(
            " ({} revoked, {} expired, {} {gone})",
            removed.revoked, removed.expired, removed.gone
        ));
    }
    text
}

/// Compiles a set on a blocking thread (it takes a while for a large set, and the runtime's
/// threads serve the metrics and signals meanwhile).
async fn compile(set: &InForce, summary: String) -> Result<Update> {
    let indicators: Vec<Indicator> = set.values().map(|(_, c)| c.indicator.clone()).collect();
    let collections: HashMap<String, String> = set
        .iter()
        .filter(|(_, (collection, _))| !collection.is_empty())
        .map(|(id, (collection, _))| (id.clone(), collection.clone()))
        .collect();
    let (indicators, matcher) = tokio::task::spawn_blocking(move || {
        let m = StreamMatcher::compile(&indicators);
        (indicators, m)
    })
    .await
    .context("compiling the indicators stopped unexpectedly")?;
    Ok(Update {
        indicators: Arc::new(indicators),
        collections: Arc::new(collections),
        matcher: Arc::new(matcher.context("cannot compile indicators")?),
        summary,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checked(id: &str, version: &str, revoked: bool, until: Option<&str>) -> Checked {
        Checked {
            indicator: Indicator {
                id: id.into(),
                name: None,
                pattern: "[domain-name:value = 'a.example']".into(),
                pattern_type: "stix".into(),
                valid_from: "2020-01-01T00:00:00Z".parse().expect("ts"),
                valid_until: until.map(|u| u.parse().expect("ts")),
            },
            revoked,
            version: Some(version.parse().expect("ts")),
        }
    }

    #[test]
    fn the_latest_version_across_collections_decides_and_revoked_or_expired_leave() {
        let now: jiff::Timestamp = "2026-12-07T12:00:00Z".parse().expect("ts");
        let mut catalogue = Catalogue::new();
        catalogue.entry("a".into()).or_default().extend([
            (
                "indicator--1".to_owned(),
                Entry::Indicator(checked("indicator--1", "2026-01-01T00:00:00Z", false, None)),
            ),
            (
                "indicator--2".to_owned(),
                Entry::Indicator(checked(
                    "indicator--2",
                    "2026-01-01T00:00:00Z",
                    false,
                    Some("2026-12-07T11:00:00Z"),
                )),
            ),
            (
                "indicator--3".to_owned(),
                Entry::Indicator(checked(
                    "indicator--3",
                    "2026-01-01T00:00:00Z",
                    false,
                    Some("2026-12-07T13:00:00Z"),
                )),
            ),
        ]);
        // Collection b holds a newer, revoked version of indicator 1.
        catalogue.entry("b".into()).or_default().insert(
            "indicator--1".to_owned(),
            Entry::Indicator(checked("indicator--1", "2026-02-01T00:00:00Z", true, None)),
        );
        let (set, expiry) = in_force(&catalogue, now);
        assert_eq!(set.keys().collect::<Vec<_>>(), ["indicator--3"]);
        assert_eq!(expiry, Some("2026-12-07T13:00:00Z".parse().expect("ts")));
        let later: jiff::Timestamp = "2026-12-07T13:00:00Z".parse().expect("ts");
        let (after, expiry) = in_force(&catalogue, later);
        assert!(after.is_empty(), "valid_until is exclusive");
        assert_eq!(expiry, None);
        assert_eq!(
            describe(&set, &after, &catalogue, later, "deleted"),
            "0 new, 0 changed, 1 removed (0 revoked, 1 expired, 0 deleted)"
        );
    }

    #[test]
    fn a_cursor_never_moves_back() {
        let mut cursors = HashMap::new();
        advance(
            &mut cursors,
            "c".into(),
            "2026-12-07T12:00:00.000002Z".into(),
        );
        advance(
            &mut cursors,
            "c".into(),
            "2026-12-07T12:00:00.000001Z".into(),
        );
        assert_eq!(cursors["c"], "2026-12-07T12:00:00.000002Z");
        advance(&mut cursors, "c".into(), "2026-12-07T12:00:01Z".into());
        assert_eq!(cursors["c"], "2026-12-07T12:00:01Z");
    }
}

//! Matching observations as they arrive, one at a time, with bounded state.
//!
//! [`crate::matcher::Matcher`] answers for a set of observations held in
//! memory. A sensor's log is not a set: it grows all day. A [`Stream`] is
//! fed observations one by one, in the order they are read, and reports a
//! sighting as soon as one completes:
//!
//! - an indicator whose pattern is one `[…]` (no observation operator, no
//!   qualifier) is sighted in the observation that satisfies it, at once, and
//!   nothing about the observation is kept;
//! - an indicator that combines observations (`AND`, `OR`, `FOLLOWEDBY`
//!   across `[…]`, or any qualifier) keeps, per indicator, the observations
//!   that satisfied one of its `[…]` (their id, interval, count and which
//!   `[…]` they satisfied; never the objects), and is evaluated over those
//!   when a new one arrives. When it matches, the sighting names the
//!   observations of the binding found, and those observations are removed
//!   from its state, so each observation takes part in at most one sighting
//!   of one indicator and a completed match is reported once.
//!
//! # Windows
//!
//! The stream's clock is the latest `first_observed` it has been fed (event
//! time, never the wall clock). A kept observation expires when its
//! `last_observed` is more than the indicator's window before the clock:
//! - `WITHIN n SECONDS` bounds the window to `n` seconds, and
//!   `START s STOP t` to `t - s` (the smaller, when nested);
//! - a pattern with no such bound (`[a] FOLLOWEDBY [b]`, `[a] AND [b]`,
//!   `[a] REPEATS 3 TIMES`) gets [`StreamConfig::window`], one hour by
//!   default: Zeek rotates its logs hourly, so an hour combines what one
//!   rotated log holds, and a CSIRT that needs longer says so.
//!
//! For input in `first_observed` order this is exact for `WITHIN` and
//! `START`/`STOP` patterns: an expired observation can no longer take part
//! in any binding. Patterns without a time bound are evaluated as if bounded
//! by the window (see [`crate::deviations`]); so are observations that
//! arrive later than the window after the clock.
//!
//! # The state limit
//!
//! [`StreamConfig::max_state`] bounds the observations kept over all
//! indicators. Keeping one more beyond it first drops the oldest kept
//! observation of the indicator holding the most, so one noisy indicator
//! cannot evict the others' partial matches. Every drop is counted in
//! [`StreamStats::dropped`]: the caller reports it, nothing is lost
//! silently.
//!
//! # Feeding a stream
//!
//! ```
//! use std::sync::Arc;
//! use accord_stix::eval::Observation;
//! use accord_stix::object::Indicator;
//! use accord_stix::stream::{Stream, StreamConfig, StreamMatcher};
//!
//! let indicator = Indicator {
//!     id: "indicator--00000000-0000-4000-8000-000000000001".into(),
//!     name: None,
//!     pattern: "[domain-name:value = 'c2.example'] FOLLOWEDBY \
//!               [ipv4-addr:value = '198.51.100.7'] WITHIN 60 SECONDS"
//!         .into(),
//!     pattern_type: "stix".into(),
//!     valid_from: "2020-01-01T00:00:00Z".parse().unwrap(),
//!     valid_until: None,
//! };
//! let matcher = Arc::new(StreamMatcher::compile(&[indicator]).unwrap());
//! let mut stream = Stream::new(matcher, StreamConfig::default());
//! let observation = |id: &str, t: &str, object: serde_json::Value| Observation {
//!     id: id.into(),
//!     first_observed: t.parse().unwrap(),
//!     last_observed: t.parse().unwrap(),
//!     number_observed: 1,
//!     objects: vec![("0".into(), object.as_object().unwrap().clone())],
//! };
//! let mut sightings = Vec::new();
//! stream.push(
//!     &observation("observed-data--1", "2026-12-07T10:00:00Z",
//!         serde_json::json!({"type": "domain-name", "value": "c2.example"})),
//!     &mut sightings,
//! );
//! assert!(sightings.is_empty()); // half a match, kept
//! stream.push(
//!     &observation("observed-data--2", "2026-12-07T10:00:30Z",
//!         serde_json::json!({"type": "ipv4-addr", "value": "198.51.100.7"})),
//!     &mut sightings,
//! );
//! assert_eq!(sightings.len(), 1);
//! assert_eq!(sightings[0].observations.len(), 2);
//! // At the end of the input: what is still partial is discarded, and said.
//! let stats = stream.flush();
//! assert_eq!((stats.sightings, stats.dropped, stats.discarded), (1, 0, 0));
//! ```
//!
//! [`StreamMatcher::probe`] is the part of [`Stream::push`] that needs no
//! state (the index lookups and the evaluation of `[…]`): a reader may run
//! it on several threads and feed the probes, in input order, to
//! [`Stream::push_probe`]. [`Stream::replace_matcher`] swaps in newly
//! compiled indicators without losing the partial matches of the unchanged
//! ones.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::Arc;

use crate::eval::{Member, Observation, first_binding};
use crate::matcher::{Matcher, MatcherError, Source};
use crate::object::Indicator;
use crate::pattern::{
    ComparisonExpression, ObjectPath, ObservationExpression, PathStep, Pattern, Qualifier,
};
use crate::telemetry::ObjectTypes;

/// The window of patterns without a time bound, when not configured: one
/// hour (see the module docs).
pub const DEFAULT_WINDOW: jiff::SignedDuration = jiff::SignedDuration::from_hours(1);

/// The most observations kept over all indicators, when not configured.
/// Each kept observation costs about 200 bytes, so about 20 MB.
pub const DEFAULT_MAX_STATE: usize = 100_000;

/// How long and how much a [`Stream`] keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamConfig {
    /// The window of patterns without `WITHIN` or `START`/`STOP`.
    pub window: jiff::SignedDuration,
    /// The most observations kept, over all indicators.
    pub max_state: usize,
}

impl Default for StreamConfig {
    fn default() -> StreamConfig {
        StreamConfig {
            window: DEFAULT_WINDOW,
            max_state: DEFAULT_MAX_STATE,
        }
    }
}

/// What a sighting says of one observation: enough to write a STIX
/// sighting, nothing of its objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// The observation's position in the stream, from 0.
    pub seq: u64,
    /// The `observed-data` id.
    pub id: String,
    /// Start of its interval.
    pub first_observed: jiff::Timestamp,
    /// End of its interval.
    pub last_observed: jiff::Timestamp,
    /// How many times it was observed.
    pub number_observed: u64,
}

/// A completed match of one indicator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamSighting {
    /// Index of the indicator in the list given to [`StreamMatcher::compile`].
    pub indicator: usize,
    /// The observations of the match, in stream order.
    pub observations: Vec<Arc<Seen>>,
}

/// Counters of a [`Stream`], for the caller's summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StreamStats {
    /// Observations fed.
    pub observations: u64,
    /// Sightings reported.
    pub sightings: u64,
    /// Kept observations that left their indicator's window unmatched.
    pub expired: u64,
    /// Kept observations dropped at [`StreamConfig::max_state`]: partial
    /// matches that might have completed.
    pub dropped: u64,
    /// Kept observations discarded by [`Stream::flush`] or because
    /// [`Stream::replace_matcher`] removed or changed their indicator.
    pub discarded: u64,
    /// Observations kept now.
    pub retained: usize,
}

/// An indicator that combines observations.
#[derive(Debug)]
struct Combo {
    indicator: usize,
    /// Indicator id and pattern text: what must be unchanged for a new
    /// matcher to take the partial matches over.
    key: (String, String),
    expr: ObservationExpression,
    leaves: usize,
    /// The time bound its qualifiers give, if any.
    bound: Option<jiff::SignedDuration>,
}

/// Indicators compiled for a [`Stream`]. Immutable; share it with [`Arc`].
pub struct StreamMatcher {
    /// The one-`[…]` indicators, numbered as given.
    singles: Matcher,
    /// Every `[…]` of every combining indicator, as a pattern of its own.
    leaves: Matcher,
    /// For each of `leaves`: (combo, leaf number within it).
    leaf_owner: Vec<(u32, u32)>,
    combos: Vec<Combo>,
    by_key: HashMap<(String, String), u32>,
    indicators: usize,
    /// The object types any pattern looks at.
    types: ObjectTypes,
}

impl std::fmt::Debug for StreamMatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamMatcher")
            .field("indicators", &self.indicators)
            .field("combining", &self.combos.len())
            .finish_non_exhaustive()
    }
}

/// The index lookups and `[…]` evaluations of one observation: everything
/// [`Stream::push`] does that needs no state. Build with
/// [`StreamMatcher::probe`]; `Send`, so it may be built on another thread.
#[derive(Debug, Clone)]
pub struct Probe {
    seen: Option<Seen>,
    first: jiff::Timestamp,
    singles: Vec<usize>,
    /// (combo, leaf), sorted.
    leaves: Vec<(u32, u32)>,
}

impl Probe {
    /// Names the observation: `id` is called only if it satisfied something,
    /// for observations mapped without their id (e.g.
    /// [`crate::telemetry::observation_unnamed`]).
    pub fn with_id(mut self, id: impl FnOnce() -> String) -> Probe {
        if let Some(seen) = &mut self.seen {
            seen.id = id();
        }
        self
    }

    /// Whether the observation satisfied anything: the caller may then drop
    /// it (pushing it still advances the clock).
    pub fn is_empty(&self) -> bool {
        self.singles.is_empty() && self.leaves.is_empty()
    }
}

impl StreamMatcher {
    /// Compiles indicators, as [`Matcher::compile`] does: indicators whose
    /// `pattern_type` is not `stix` are skipped (see
    /// [`StreamMatcher::skipped`]); an invalid pattern is an error naming the
    /// indicator.
    pub fn compile(indicators: &[Indicator]) -> Result<StreamMatcher, MatcherError> {
        let mut singles = Vec::with_capacity(indicators.len());
        let mut leaf_sources = Vec::new();
        let mut leaf_owner = Vec::new();
        let mut combos = Vec::new();
        let mut by_key = HashMap::new();
        let mut named: BTreeSet<String> = BTreeSet::new();
        let mut follows_refs = false;
        for (i, indicator) in indicators.iter().enumerate() {
            let source = Source::of(indicator)?;
            if let Source::Pattern { pattern, .. } = &source {
                pattern.observation.visit_comparisons(&mut |c| {
                    if let Some(path) = path_of(c) {
                        follows_refs |= path.steps.iter().rev().skip(1).any(|s| {
                            matches!(s, PathStep::Property(p) if p.ends_with("_ref") || p.ends_with("_refs"))
                        });
                        named.insert(path.object_type.clone());
                    }
                });
            }
            match source {
                Source::Pattern {
                    id,
                    pattern,
                    valid_from,
                    valid_until,
                } if !matches!(pattern.observation, ObservationExpression::Simple(_)) => {
                    let combo = u32::try_from(combos.len()).unwrap_or(u32::MAX);
                    let mut leaves = Vec::new();
                    collect_leaves(&pattern.observation, &mut leaves);
                    let count = leaves.len();
                    for (k, leaf) in leaves.into_iter().enumerate() {
                        leaf_sources.push(Source::Pattern {
                            id,
                            pattern: Pattern {
                                observation: ObservationExpression::Simple(leaf.clone()),
                            },
                            valid_from,
                            valid_until,
                        });
                        leaf_owner.push((combo, u32::try_from(k).unwrap_or(u32::MAX)));
                    }
                    let key = (indicator.id.clone(), indicator.pattern.clone());
                    by_key.insert(key.clone(), combo);
                    combos.push(Combo {
                        indicator: i,
                        key,
                        bound: bound(&pattern.observation),
                        expr: pattern.observation,
                        leaves: count,
                    });
                    singles.push(Source::Absent);
                }
                other => singles.push(other),
            }
        }
        Ok(StreamMatcher {
            singles: Matcher::from_sources(singles)?,
            leaves: Matcher::from_sources(leaf_sources)?,
            leaf_owner,
            combos,
            by_key,
            indicators: indicators.len(),
            // A path through a reference (`network-traffic:dst_ref.value`) may reach an
            // object of any type.
            types: if follows_refs {
                ObjectTypes::ALL
            } else {
                ObjectTypes::only(named.iter().map(String::as_str))
            },
        })
    }

    /// The object types the patterns look at: an observation's objects of other
    /// types cannot change what matches, so a telemetry mapping need not build them
    /// ([`crate::telemetry::object_observation`]). Every type when a pattern
    /// follows a reference.
    pub fn object_types(&self) -> ObjectTypes {
        self.types
    }

    /// Indicators left out, with the reason: (index, reason).
    pub fn skipped(&self) -> &[(usize, String)] {
        self.singles.skipped()
    }

    /// How many indicators were compiled (including skipped ones).
    pub fn len(&self) -> usize {
        self.indicators
    }

    /// Whether there is no indicator at all.
    pub fn is_empty(&self) -> bool {
        self.indicators == 0
    }

    /// How many indicators combine observations and so keep state.
    pub fn combining(&self) -> usize {
        self.combos.len()
    }

    /// Looks the observation up in the indexes and evaluates the `[…]` it
    /// is a candidate for. Needs no stream state; see the module docs.
    pub fn probe(&self, observation: &Observation) -> Probe {
        let one = std::slice::from_ref(observation);
        let singles: Vec<usize> = self
            .singles
            .match_observations(one)
            .into_iter()
            .map(|s| s.indicator)
            .collect();
        let mut leaves: Vec<(u32, u32)> = if self.leaf_owner.is_empty() {
            Vec::new()
        } else {
            self.leaves
                .match_observations(one)
                .into_iter()
                .filter_map(|s| self.leaf_owner.get(s.indicator).copied())
                .collect()
        };
        leaves.sort_unstable();
        let hit = !singles.is_empty() || !leaves.is_empty();
        Probe {
            seen: hit.then(|| Seen {
                seq: 0,
                id: observation.id.clone(),
                first_observed: observation.first_observed,
                last_observed: observation.last_observed,
                number_observed: observation.number_observed,
            }),
            first: observation.first_observed,
            singles,
            leaves,
        }
    }
}

/// One kept observation of a combining indicator.
#[derive(Debug)]
struct Hit {
    seen: Arc<Seen>,
    /// Which leaves it satisfies, as a bit set.
    leaves: Box<[u64]>,
}

impl Hit {
    fn has(&self, leaf: usize) -> bool {
        self.leaves
            .get(leaf / 64)
            .is_some_and(|w| w & (1 << (leaf % 64)) != 0)
    }
}

/// The partial matches of one combining indicator.
#[derive(Debug, Default)]
struct State {
    /// In stream order.
    hits: VecDeque<Hit>,
    /// Per leaf, how many kept hits satisfy it.
    counts: Vec<u32>,
}

impl State {
    fn remove_counts(&mut self, hit: &Hit) {
        uncount(&mut self.counts, &hit.leaves);
    }
}

/// Takes one hit's leaves (a bit set) off the per-leaf counts.
fn uncount(counts: &mut [u32], bits: &[u64]) {
    for (k, c) in counts.iter_mut().enumerate() {
        if bits.get(k / 64).is_some_and(|w| w & (1 << (k % 64)) != 0) {
            *c = c.saturating_sub(1);
        }
    }
}

/// Observations matched as they arrive, with bounded state (see the module
/// docs). Feed it with [`Stream::push`] (or [`Stream::push_probe`]); at the
/// end of the input call [`Stream::flush`].
#[derive(Debug)]
pub struct Stream {
    matcher: Arc<StreamMatcher>,
    config: StreamConfig,
    states: HashMap<u32, State>,
    /// (kept hits, combo) of every non-empty state, to find the largest.
    by_size: BTreeSet<(usize, u32)>,
    clock: Option<jiff::Timestamp>,
    stats: StreamStats,
    since_sweep: u32,
}

/// Pushes between two sweeps of every state for expired observations.
const SWEEP_EVERY: u32 = 4096;

impl Stream {
    /// A stream with no observation yet. A `max_state` of 0 keeps nothing:
    /// combining indicators then never match, and every observation they
    /// would have kept is counted as dropped.
    pub fn new(matcher: Arc<StreamMatcher>, config: StreamConfig) -> Stream {
        Stream {
            matcher,
            config,
            states: HashMap::new(),
            by_size: BTreeSet::new(),
            clock: None,
            stats: StreamStats::default(),
            since_sweep: 0,
        }
    }

    /// The compiled indicators.
    pub fn matcher(&self) -> &Arc<StreamMatcher> {
        &self.matcher
    }

    /// The counters so far.
    pub fn stats(&self) -> StreamStats {
        self.stats
    }

    /// Feeds one observation; appends the sightings it completes to `out`.
    pub fn push(&mut self, observation: &Observation, out: &mut Vec<StreamSighting>) {
        let probe = self.matcher.probe(observation);
        self.push_probe(probe, out);
    }

    /// Feeds one observation already probed with this stream's matcher
    /// ([`Stream::matcher`]); probes must come in input order.
    pub fn push_probe(&mut self, probe: Probe, out: &mut Vec<StreamSighting>) {
        let seq = self.stats.observations;
        self.stats.observations += 1;
        if self.clock.is_none_or(|c| probe.first > c) {
            self.clock = Some(probe.first);
        }
        self.since_sweep += 1;
        if self.since_sweep >= SWEEP_EVERY {
            self.sweep();
        }
        let Some(mut seen) = probe.seen else {
            return;
        };
        seen.seq = seq;
        let seen = Arc::new(seen);
        for &indicator in &probe.singles {
            out.push(StreamSighting {
                indicator,
                observations: vec![Arc::clone(&seen)],
            });
            self.stats.sightings += 1;
        }
        for group in probe.leaves.chunk_by(|a, b| a.0 == b.0) {
            let combo = group[0].0;
            let Some(spec) = self.matcher.combos.get(combo as usize) else {
                continue;
            };
            let mut bits = vec![0u64; spec.leaves.div_ceil(64)].into_boxed_slice();
            for &(_, leaf) in group {
                let leaf = leaf as usize;
                if let Some(w) = bits.get_mut(leaf / 64) {
                    *w |= 1 << (leaf % 64);
                }
            }
            self.keep(
                combo,
                Hit {
                    seen: Arc::clone(&seen),
                    leaves: bits,
                },
                out,
            );
        }
    }

    /// Adds a hit to a combining indicator's state, evaluates it, and keeps
    /// the state within its window and the limit.
    fn keep(&mut self, combo: u32, hit: Hit, out: &mut Vec<StreamSighting>) {
        let matcher = Arc::clone(&self.matcher);
        let Some(spec) = matcher.combos.get(combo as usize) else {
            return;
        };
        if self.config.max_state == 0 {
            self.stats.dropped += 1;
            return;
        }
        let cutoff = self.cutoff(spec);
        let state = self.states.entry(combo).or_default();
        let before = state.hits.len();
        if state.counts.len() < spec.leaves {
            state.counts.resize(spec.leaves, 0);
        }
        // Expire from the front (stream order); the sweep catches the rest.
        while let Some(front) = state.hits.front() {
            if cutoff.is_some_and(|c| front.seen.last_observed < c) {
                if let Some(h) = state.hits.pop_front() {
                    state.remove_counts(&h);
                }
                self.stats.expired += 1;
            } else {
                break;
            }
        }
        for (k, c) in state.counts.iter_mut().enumerate() {
            if hit.has(k) {
                *c += 1;
            }
        }
        state.hits.push_back(hit);
        let mut next = 0;
        if possible(&spec.expr, &state.counts, &mut next)
            && let Some(matched) = evaluate(spec, &state.hits)
        {
            let mut observations = Vec::with_capacity(matched.len());
            // Remove the binding's hits, from the back so indexes hold.
            for &m in matched.iter().rev() {
                if let Some(h) = state.hits.remove(m) {
                    state.remove_counts(&h);
                    observations.push(h.seen);
                }
            }
            observations.reverse();
            out.push(StreamSighting {
                indicator: spec.indicator,
                observations,
            });
            self.stats.sightings += 1;
        }
        let after = state.hits.len();
        self.resized(combo, before, after);
        while self.stats.retained > self.config.max_state {
            if !self.drop_one() {
                break;
            }
        }
    }

    /// The oldest `last_observed` a kept hit of `spec` may have.
    fn cutoff(&self, spec: &Combo) -> Option<jiff::Timestamp> {
        let window = spec.bound.unwrap_or(self.config.window);
        self.clock.and_then(|c| c.checked_sub(window).ok())
    }

    /// Bookkeeping after a state changed size.
    fn resized(&mut self, combo: u32, before: usize, after: usize) {
        if after == 0 {
            self.states.remove(&combo);
        }
        if before == after {
            return;
        }
        self.by_size.remove(&(before, combo));
        if after > 0 {
            self.by_size.insert((after, combo));
        }
        self.stats.retained = (self.stats.retained + after).saturating_sub(before);
    }

    /// Drops the oldest hit of the largest state; false if there is none.
    fn drop_one(&mut self) -> bool {
        let Some(&(size, combo)) = self.by_size.last() else {
            return false;
        };
        if let Some(state) = self.states.get_mut(&combo)
            && let Some(h) = state.hits.pop_front()
        {
            state.remove_counts(&h);
        }
        self.stats.dropped += 1;
        self.resized(combo, size, size.saturating_sub(1));
        true
    }

    /// Expires every state's hits that left their window.
    fn sweep(&mut self) {
        self.since_sweep = 0;
        let matcher = Arc::clone(&self.matcher);
        let combos: Vec<u32> = self.states.keys().copied().collect();
        for combo in combos {
            let Some(spec) = matcher.combos.get(combo as usize) else {
                continue;
            };
            let Some(cutoff) = self.cutoff(spec) else {
                continue;
            };
            let Some(state) = self.states.get_mut(&combo) else {
                continue;
            };
            let before = state.hits.len();
            let mut expired = Vec::new();
            state.hits.retain(|h| {
                let keep = h.seen.last_observed >= cutoff;
                if !keep {
                    expired.push(h.leaves.clone());
                }
                keep
            });
            for leaves in expired {
                uncount(&mut state.counts, &leaves);
            }
            let after = state.hits.len();
            self.stats.expired += (before - after) as u64;
            self.resized(combo, before, after);
        }
    }

    /// Swaps in newly compiled indicators. Partial matches of indicators
    /// present in both with the same id and pattern are kept; the others'
    /// are discarded and counted ([`StreamStats::discarded`]). Sightings
    /// already reported stay reported; what comes next is numbered by the
    /// new matcher's indicators.
    pub fn replace_matcher(&mut self, matcher: Arc<StreamMatcher>) {
        let old = std::mem::replace(&mut self.matcher, matcher);
        let states = std::mem::take(&mut self.states);
        self.by_size.clear();
        self.stats.retained = 0;
        for (combo, state) in states {
            let target = old
                .combos
                .get(combo as usize)
                .and_then(|c| self.matcher.by_key.get(&c.key).copied());
            match target {
                Some(new) => {
                    let n = state.hits.len();
                    self.states.insert(new, state);
                    self.by_size.insert((n, new));
                    self.stats.retained += n;
                }
                None => self.stats.discarded += state.hits.len() as u64,
            }
        }
    }

    /// Ends the input: discards the partial matches still kept (counted in
    /// [`StreamStats::discarded`]) and returns the final counters. The
    /// stream may be fed again afterwards, from an empty state.
    pub fn flush(&mut self) -> StreamStats {
        let kept: usize = self.states.values().map(|s| s.hits.len()).sum();
        self.stats.discarded += kept as u64;
        self.states.clear();
        self.by_size.clear();
        self.stats.retained = 0;
        self.stats
    }
}

/// Evaluates a combining indicator over its kept hits: the positions of the
/// hits of the first binding found.
fn evaluate(spec: &Combo, hits: &VecDeque<Hit>) -> Option<Vec<usize>> {
    let mut leaves = Vec::with_capacity(spec.leaves);
    collect_leaves(&spec.expr, &mut leaves);
    let members: Vec<Member> = hits
        .iter()
        .map(|h| Member {
            first: h.seen.first_observed,
            last: h.seen.last_observed,
            count: h.seen.number_observed,
        })
        .collect();
    let leaf = |c: &ComparisonExpression, m: usize| {
        leaves
            .iter()
            .position(|l| std::ptr::eq(*l, c))
            .is_some_and(|k| hits.get(m).is_some_and(|h| h.has(k)))
    };
    first_binding(&spec.expr, &members, &leaf)
}

/// The `[…]` of an observation expression, depth first, left to right: the
/// numbering of a combining indicator's leaves.
/// The object path a comparison expression node tests itself (not those of
/// its operands, which [`ObservationExpression::visit_comparisons`] visits).
fn path_of(c: &ComparisonExpression) -> Option<&ObjectPath> {
    match c {
        ComparisonExpression::Comparison(c) => Some(&c.path),
        ComparisonExpression::Exists(p) => Some(p),
        ComparisonExpression::And(_) | ComparisonExpression::Or(_) => None,
    }
}

fn collect_leaves<'a>(expr: &'a ObservationExpression, out: &mut Vec<&'a ComparisonExpression>) {
    match expr {
        ObservationExpression::Simple(c) => out.push(c),
        ObservationExpression::Qualified(inner, _) => collect_leaves(inner, out),
        ObservationExpression::And(v)
        | ObservationExpression::Or(v)
        | ObservationExpression::FollowedBy(v) => {
            for e in v {
                collect_leaves(e, out);
            }
        }
    }
}

/// Whether the kept hits could match at all: every leaf an `AND` or
/// `FOLLOWEDBY` needs has a hit, some operand of an `OR` has. A necessary
/// condition, cheap (counts only), checked before the full evaluation.
/// `next` numbers the leaves as [`collect_leaves`] does, so every operand
/// is walked.
fn possible(expr: &ObservationExpression, counts: &[u32], next: &mut usize) -> bool {
    match expr {
        ObservationExpression::Simple(_) => {
            let k = *next;
            *next += 1;
            counts.get(k).is_some_and(|&c| c > 0)
        }
        ObservationExpression::Qualified(inner, _) => possible(inner, counts, next),
        ObservationExpression::And(v) | ObservationExpression::FollowedBy(v) => {
            let mut all = true;
            for e in v {
                all &= possible(e, counts, next);
            }
            all
        }
        ObservationExpression::Or(v) => {
            let mut any = false;
            for e in v {
                any |= possible(e, counts, next);
            }
            any
        }
    }
}

/// The time bound an observation expression's qualifiers give: the longest
/// span, from the earliest `last_observed` to the latest `first_observed`,
/// a binding of it may have. `None` when unbounded.
fn bound(expr: &ObservationExpression) -> Option<jiff::SignedDuration> {
    match expr {
        ObservationExpression::Simple(_) => Some(jiff::SignedDuration::ZERO),
        ObservationExpression::Qualified(inner, q) => {
            let own = match q {
                Qualifier::Within { seconds } => Some(
                    jiff::SignedDuration::try_from_secs_f64(*seconds)
                        .unwrap_or(jiff::SignedDuration::MAX),
                ),
                Qualifier::StartStop { start, stop } => {
                    Some(stop.duration_since(*start).max(jiff::SignedDuration::ZERO))
                }
                Qualifier::Repeats { .. } => None,
            };
            match (own, bound(inner)) {
                // REPEATS of a single observation's `[…]` combines several.
                (None, _) => None,
                (Some(a), Some(b)) => Some(a.min(b)),
                (Some(a), None) => Some(a),
            }
        }
        ObservationExpression::Or(v) => v
            .iter()
            .map(bound)
            .try_fold(jiff::SignedDuration::ZERO, |acc, b| b.map(|b| acc.max(b))),
        ObservationExpression::And(_) | ObservationExpression::FollowedBy(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn indicator(n: usize, pattern: &str) -> Indicator {
        Indicator {
            id: format!("indicator--00000000-0000-4000-8000-{n:012}"),
            name: None,
            pattern: pattern.into(),
            pattern_type: "stix".into(),
            valid_from: "2020-01-01T00:00:00Z".parse().expect("ts"),
            valid_until: None,
        }
    }

    /// An observation `secs` seconds after 10:00 of one object.
    fn at(n: usize, secs: i64, object: Value) -> Observation {
        let t = "2026-12-07T10:00:00Z"
            .parse::<jiff::Timestamp>()
            .expect("ts")
            .checked_add(jiff::SignedDuration::from_secs(secs))
            .expect("in range");
        Observation {
            id: format!("observed-data--{n}"),
            first_observed: t,
            last_observed: t,
            number_observed: 1,
            objects: vec![("0".into(), object.as_object().cloned().expect("object"))],
        }
    }

    fn domain(v: &str) -> Value {
        json!({"type": "domain-name", "value": v})
    }

    fn ip(v: &str) -> Value {
        json!({"type": "ipv4-addr", "value": v})
    }

    fn stream(patterns: &[&str], config: StreamConfig) -> Stream {
        let indicators: Vec<Indicator> = patterns
            .iter()
            .enumerate()
            .map(|(n, p)| indicator(n, p))
            .collect();
        Stream::new(
            Arc::new(StreamMatcher::compile(&indicators).expect("compiles")),
            config,
        )
    }

    /// Feeds the observations; returns per sighting (indicator, observation
    /// ids' numbers).
    fn feed(stream: &mut Stream, observations: &[Observation]) -> Vec<(usize, Vec<String>)> {
        let mut out = Vec::new();
        for o in observations {
            stream.push(o, &mut out);
        }
        out.into_iter()
            .map(|s| {
                (
                    s.indicator,
                    s.observations
                        .iter()
                        .map(|o| o.id.trim_start_matches("observed-data--").to_owned())
                        .collect(),
                )
            })
            .collect()
    }

    #[test]
    fn a_single_comparison_reports_at_once_and_keeps_nothing() {
        let mut s = stream(
            &["[domain-name:value = 'evil.example']"],
            StreamConfig::default(),
        );
        let mut out = Vec::new();
        s.push(&at(1, 0, domain("evil.example")), &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].observations[0].seq, 0);
        s.push(&at(2, 1, domain("good.example")), &mut out);
        s.push(&at(3, 2, domain("evil.example")), &mut out);
        assert_eq!(out.len(), 2);
        assert_eq!(out[1].observations[0].seq, 2);
        assert_eq!(s.stats().retained, 0);
    }

    #[test]
    fn followedby_needs_the_order_and_reports_once_complete() {
        let mut s = stream(
            &["[domain-name:value = 'a.example'] FOLLOWEDBY [ipv4-addr:value = '198.51.100.1']"],
            StreamConfig::default(),
        );
        let got = feed(
            &mut s,
            &[
                at(1, 0, ip("198.51.100.1")),
                at(2, 10, domain("a.example")),
                at(3, 20, domain("other.example")),
            ],
        );
        // The address came first: no match yet, both kept.
        assert!(got.is_empty());
        assert_eq!(s.stats().retained, 2);
        let got = feed(&mut s, &[at(4, 30, ip("198.51.100.1"))]);
        assert_eq!(got, [(0, vec!["2".to_owned(), "4".to_owned()])]);
        // The matched observations left the state; the early address stays.
        assert_eq!(s.stats().retained, 1);
    }

    #[test]
    fn and_across_observations_matches_in_either_order() {
        let mut s = stream(
            &["[domain-name:value = 'a.example'] AND [ipv4-addr:value = '198.51.100.1']"],
            StreamConfig::default(),
        );
        let got = feed(
            &mut s,
            &[at(1, 0, ip("198.51.100.1")), at(2, 5, domain("a.example"))],
        );
        assert_eq!(got, [(0, vec!["1".to_owned(), "2".to_owned()])]);
    }

    #[test]
    fn repeats_counts_distinct_observations() {
        let mut s = stream(
            &["[domain-name:value = 'a.example'] REPEATS 3 TIMES"],
            StreamConfig::default(),
        );
        let got = feed(
            &mut s,
            &[
                at(1, 0, domain("a.example")),
                at(2, 1, domain("a.example")),
                at(3, 2, domain("b.example")),
            ],
        );
        assert!(got.is_empty());
        let got = feed(&mut s, &[at(4, 3, domain("a.example"))]);
        assert_eq!(
            got,
            [(0, vec!["1".to_owned(), "2".to_owned(), "4".to_owned()])]
        );
    }

    #[test]
    fn within_expires_what_its_window_no_longer_needs() {
        let mut s = stream(
            &[
                "([domain-name:value = 'a.example'] AND [ipv4-addr:value = '198.51.100.1']) \
               WITHIN 60 SECONDS",
            ],
            StreamConfig::default(),
        );
        // 61 s apart: no match, and the first is gone once the clock passes.
        let got = feed(
            &mut s,
            &[at(1, 0, domain("a.example")), at(2, 61, ip("198.51.100.1"))],
        );
        assert!(got.is_empty());
        assert_eq!(s.stats().expired, 1);
        assert_eq!(s.stats().retained, 1);
        // 59 s after the address: a match.
        let got = feed(&mut s, &[at(3, 120, domain("a.example"))]);
        assert_eq!(got, [(0, vec!["2".to_owned(), "3".to_owned()])]);
    }

    #[test]
    fn a_pattern_without_time_bound_gets_the_configured_window() {
        let config = StreamConfig {
            window: jiff::SignedDuration::from_secs(300),
            ..StreamConfig::default()
        };
        let pattern =
            "[domain-name:value = 'a.example'] FOLLOWEDBY [ipv4-addr:value = '198.51.100.1']";
        let mut s = stream(&[pattern], config);
        let got = feed(
            &mut s,
            &[
                at(1, 0, domain("a.example")),
                at(2, 301, ip("198.51.100.1")),
            ],
        );
        assert!(got.is_empty(), "301 s is beyond the 300 s window");
        assert_eq!(s.stats().expired, 1);
        let mut s = stream(&[pattern], config);
        let got = feed(
            &mut s,
            &[
                at(1, 0, domain("a.example")),
                at(2, 300, ip("198.51.100.1")),
            ],
        );
        assert_eq!(got.len(), 1, "300 s is inside it");
    }

    #[test]
    fn the_state_limit_drops_the_largest_state_first_and_counts_it() {
        let config = StreamConfig {
            max_state: 3,
            ..StreamConfig::default()
        };
        let mut s = stream(
            &[
                "[domain-name:value = 'noisy.example'] FOLLOWEDBY [ipv4-addr:value = '198.51.100.1']",
                "[domain-name:value = 'rare.example'] FOLLOWEDBY [ipv4-addr:value = '198.51.100.2']",
            ],
            config,
        );
        let mut inputs = vec![at(0, 0, domain("rare.example"))];
        inputs.extend((1..6).map(|n| at(n, n as i64, domain("noisy.example"))));
        assert!(feed(&mut s, &inputs).is_empty());
        let stats = s.stats();
        assert_eq!(stats.retained, 3);
        assert_eq!(stats.dropped, 3, "six kept, limit three");
        // The rare indicator's partial match survived the noisy one.
        let got = feed(&mut s, &[at(6, 6, ip("198.51.100.2"))]);
        assert_eq!(got, [(1, vec!["0".to_owned(), "6".to_owned()])]);
        // A limit of 0 keeps nothing and says so.
        let mut s = stream(
            &["[domain-name:value = 'a.example'] AND [ipv4-addr:value = '198.51.100.1']"],
            StreamConfig {
                max_state: 0,
                ..StreamConfig::default()
            },
        );
        let got = feed(
            &mut s,
            &[at(1, 0, domain("a.example")), at(2, 1, ip("198.51.100.1"))],
        );
        assert!(got.is_empty());
        assert_eq!(s.stats().dropped, 2);
    }

    #[test]
    fn flush_discards_and_counts_partial_matches() {
        let mut s = stream(
            &["[domain-name:value = 'a.example'] AND [ipv4-addr:value = '198.51.100.1']"],
            StreamConfig::default(),
        );
        feed(&mut s, &[at(1, 0, domain("a.example"))]);
        let stats = s.flush();
        assert_eq!((stats.discarded, stats.retained), (1, 0));
        // Fed again, it starts empty.
        assert!(feed(&mut s, &[at(2, 1, ip("198.51.100.1"))]).is_empty());
    }

    #[test]
    fn replacing_the_matcher_keeps_unchanged_indicators_partial_matches() {
        let kept = "[domain-name:value = 'a.example'] AND [ipv4-addr:value = '198.51.100.1']";
        let changed = "[domain-name:value = 'b.example'] AND [ipv4-addr:value = '198.51.100.2']";
        let mut s = stream(&[changed, kept], StreamConfig::default());
        feed(
            &mut s,
            &[at(1, 0, domain("a.example")), at(2, 1, domain("b.example"))],
        );
        // The new list drops the first indicator and renumbers the second.
        let new = StreamMatcher::compile(&[indicator(1, kept)]).expect("compiles");
        s.replace_matcher(Arc::new(new));
        assert_eq!(s.stats().discarded, 1);
        let got = feed(
            &mut s,
            &[at(3, 2, ip("198.51.100.2")), at(4, 3, ip("198.51.100.1"))],
        );
        assert_eq!(got, [(0, vec!["1".to_owned(), "4".to_owned()])]);
    }

    #[test]
    fn probes_made_elsewhere_give_the_same_sightings() {
        let patterns = [
            "[domain-name:value = 'a.example']",
            "[domain-name:value = 'a.example'] FOLLOWEDBY [ipv4-addr:value = '198.51.100.1']",
        ];
        let inputs = [
            at(1, 0, domain("a.example")),
            at(2, 1, ip("198.51.100.1")),
            at(3, 2, ip("198.51.100.9")),
        ];
        let mut direct = stream(&patterns, StreamConfig::default());
        let mut a = Vec::new();
        for o in &inputs {
            direct.push(o, &mut a);
        }
        let mut probed = stream(&patterns, StreamConfig::default());
        let matcher = Arc::clone(probed.matcher());
        let probes: Vec<Probe> = std::thread::scope(|scope| {
            inputs
                .iter()
                .map(|o| {
                    let m = &matcher;
                    scope.spawn(move || m.probe(o))
                })
                .collect::<Vec<_>>()
                .into_iter()
                .map(|h| h.join().expect("no panic"))
                .collect()
        });
        assert!(probes[2].is_empty());
        let mut b = Vec::new();
        for p in probes {
            probed.push_probe(p, &mut b);
        }
        assert_eq!(a, b);
        assert_eq!(a.len(), 2);
    }

    #[test]
    fn time_bounds_of_qualifiers() {
        let b = |p: &str| bound(&Pattern::parse(p).expect("parses").observation);
        let secs = jiff::SignedDuration::from_secs;
        assert_eq!(b("[a:b = 1] AND [c:d = 2]"), None);
        assert_eq!(
            b("([a:b = 1] AND [c:d = 2]) WITHIN 30 SECONDS"),
            Some(secs(30))
        );
        assert_eq!(b("[a:b = 1] REPEATS 2 TIMES"), None);
        assert_eq!(
            b("([a:b = 1] REPEATS 2 TIMES) WITHIN 5 SECONDS"),
            Some(secs(5))
        );
        assert_eq!(
            b(
                "([a:b = 1] FOLLOWEDBY [c:d = 2]) START t'2026-01-01T00:00:00Z' STOP t'2026-01-01T00:01:00Z'"
            ),
            Some(secs(60))
        );
        assert_eq!(
            b("(([a:b = 1] AND [c:d = 2]) WITHIN 9 SECONDS) OR [e:f = 3]"),
            Some(secs(9))
        );
    }
}

//! Many indicators compiled into one structure.
//!
//! Evaluating every indicator against every observation costs
//! indicators × observations; a CSIRT holds hundreds of thousands of
//! indicators. Most of them are, or contain, an equality on one property
//! (`[file:hashes.'SHA-256' = '…']`, `[domain-name:value IN (…)]`), an
//! address range (`[ipv4-addr:value ISSUBSET '…/24']`) or a `LIKE` with a
//! literal part (`[url:value LIKE '%/wp-admin/%']`). The [`Matcher`]
//! extracts from each pattern an *anchor*: a set of conditions on (object
//! path, value) of which at least one must hold in some observation for the
//! pattern to match at all. Anchors go into, per object path, a hash index
//! for equality, a prefix trie for ranges and one Aho-Corasick automaton for
//! all `LIKE` literals. Matching an observation then costs one lookup per
//! value on an indexed path, plus a full evaluation only for the candidates
//! the index returns and for the (few) indicators without an anchor.
//!
//! Anchors are sound by construction: a pattern matches only if one of its
//! observation expressions' comparison expressions holds, and for
//! `AND`/`FOLLOWEDBY` each operand is necessary, for `OR` the union of the
//! operands' anchors is. So the index may produce false candidates (they
//! fail full evaluation) but never misses a match.
//!
//! Indicators are only matched against observations whose interval overlaps
//! their validity `[valid_from, valid_until)` (STIX 2.1 §4.7).

use std::collections::HashMap;

use aho_corasick::AhoCorasick;
use prefix_trie::joint::JointPrefixMap;
use serde_json::Value;

use crate::eval::{self, CompiledPattern, EvalError, Observation};
use crate::literal::parse_ip_network;
use crate::object::Indicator;
use crate::pattern::{
    Comparison, ComparisonExpression, ComparisonOperator, Constant, ObjectPath,
    ObservationExpression, PathStep, Pattern, PatternErrors,
};

/// A problem compiling an indicator; names the indicator.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum MatcherError {
    /// The indicator's pattern does not parse.
    #[error("indicator {id}: invalid pattern: {errors}")]
    Pattern {
        /// The indicator id.
        id: String,
        /// The parser's diagnostics.
        errors: PatternErrors,
    },
    /// The pattern parses but cannot be prepared for evaluation.
    #[error("indicator {id}: {error}")]
    Eval {
        /// The indicator id.
        id: String,
        /// Why.
        error: EvalError,
    },
}

/// A match of one indicator: the observations that satisfy it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sighting {
    /// Index of the indicator in the list given to [`Matcher::compile`].
    pub indicator: usize,
    /// Indexes of the matched observations, ascending.
    pub observations: Vec<usize>,
}

/// A value an equality anchor compares with, normalised so that equal
/// STIX values (`1` and `1.0`) have equal keys.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    String(Box<str>),
    Integer(i64),
    Float(u64),
    Boolean(bool),
}

impl Key {
    fn from_constant(c: &Constant) -> Option<Key> {
        match c {
            Constant::String(s) => Some(Key::String(s.as_str().into())),
            Constant::Integer(n) => Some(Key::Integer(*n)),
            Constant::Float(f) => Some(Key::number(*f)),
            Constant::Boolean(b) => Some(Key::Boolean(*b)),
            // Timestamps, hex and binary compare after decoding the
            // observed value; leave them to full evaluation.
            _ => None,
        }
    }

    fn number(f: f64) -> Key {
        if f.fract() == 0.0 && f.abs() < 9.0e15 {
            Key::Integer(f as i64)
        } else {
            Key::Float(f.to_bits())
        }
    }
}

/// One anchor alternative.
#[derive(Debug, Clone)]
enum Anchor {
    /// The value equals the key.
    Equal(ObjectPath, Key),
    /// The value is an address or range inside this range.
    Within(ObjectPath, ipnet::IpNet),
    /// The value is a string containing this literal.
    Contains(ObjectPath, Box<str>),
}

impl Anchor {
    fn path(&self) -> &ObjectPath {
        match self {
            Anchor::Equal(p, _) | Anchor::Within(p, _) | Anchor::Contains(p, _) => p,
        }
    }
}

/// Shortest `LIKE` literal worth indexing: shorter ones occur in too many
/// values to narrow anything down.
const MIN_LIKE_LITERAL: usize = 3;

/// Indicator numbers under one index key. Almost every key has exactly
/// one indicator, so that case is stored inline, without an allocation.
#[derive(Debug, Clone, Default)]
enum IdList {
    #[default]
    Empty,
    One(u32),
    Many(Vec<u32>),
}

impl IdList {
    fn push(&mut self, n: u32) {
        *self = match std::mem::take(self) {
            IdList::Empty => IdList::One(n),
            IdList::One(a) => IdList::Many(vec![a, n]),
            IdList::Many(mut v) => {
                v.push(n);
                IdList::Many(v)
            }
        };
    }

    fn as_slice(&self) -> &[u32] {
        match self {
            IdList::Empty => &[],
            IdList::One(a) => std::slice::from_ref(a),
            IdList::Many(v) => v,
        }
    }
}

/// The index for one object path.
#[derive(Default)]
struct PathIndex {
    strings: HashMap<Box<str>, IdList>,
    others: HashMap<Key, IdList>,
    ranges: JointPrefixMap<ipnet::IpNet, IdList>,
    /// `LIKE` literals and their indicators, while compiling.
    literals: HashMap<Box<str>, Vec<u32>>,
    /// The automaton over `literal_ids`' literals, once compiled.
    contains: Option<AhoCorasick>,
    literal_ids: Vec<Vec<u32>>,
}

struct Entry {
    /// `None` for exact indicators: a hit in the equality index *is* the
    /// match, so the syntax tree is not kept (this is most indicators, and
    /// what keeps the per-indicator memory small).
    compiled: Option<Box<CompiledPattern>>,
    valid_from: jiff::Timestamp,
    /// `Timestamp::MAX` when unbounded (saves the `Option`'s space).
    valid_until: jiff::Timestamp,
    /// The pattern is one `[...]` with no qualifier: it matches exactly the
    /// observations that satisfy the comparison expression.
    simple: bool,
}

/// One pattern to compile, as [`Matcher::from_sources`] takes it.
pub(crate) enum Source<'a> {
    /// Left out, with the reason [`Matcher::skipped`] reports.
    Skip(String),
    /// Left out silently: another structure handles it (a stream's
    /// combination patterns, see `crate::stream`).
    Absent,
    /// A parsed pattern and the validity of the indicator it comes from.
    Pattern {
        /// The indicator id, for errors.
        id: &'a str,
        pattern: Pattern,
        valid_from: jiff::Timestamp,
        valid_until: Option<jiff::Timestamp>,
    },
}

impl<'a> Source<'a> {
    /// The indicator's pattern parsed, or why it is skipped.
    pub(crate) fn of(indicator: &'a Indicator) -> Result<Source<'a>, MatcherError> {
        if indicator.pattern_type != "stix" {
            return Ok(Source::Skip(format!(
                "pattern_type `{}` is not `stix`",
                indicator.pattern_type
            )));
        }
        let pattern =
            Pattern::parse(&indicator.pattern).map_err(|errors| MatcherError::Pattern {
                id: indicator.id.clone(),
                errors,
            })?;
        Ok(Source::Pattern {
            id: &indicator.id,
            pattern,
            valid_from: indicator.valid_from,
            valid_until: indicator.valid_until,
        })
    }
}

/// Indicators compiled for matching. Build with [`Matcher::compile`].
pub struct Matcher {
    entries: Vec<Option<Entry>>,
    paths: Vec<(ObjectPath, PathIndex)>,
    /// Object type → the indexed paths that start at that type. Indicators
    /// name few distinct types, so a short list beats hashing the type.
    paths_by_type: Vec<(String, Vec<usize>)>,
    unanchored: Vec<u32>,
    skipped: Vec<(usize, String)>,
}

impl Matcher {
    /// Compiles indicators. Indicators whose `pattern_type` is not `stix`
    /// are skipped (see [`Matcher::skipped`]); an invalid STIX pattern is an
    /// error naming the indicator.
    pub fn compile(indicators: &[Indicator]) -> Result<Matcher, MatcherError> {
        let mut sources = Vec::with_capacity(indicators.len());
        for indicator in indicators {
            sources.push(Source::of(indicator)?);
        }
        Matcher::from_sources(sources)
    }

    /// Compiles patterns numbered by their position in `sources` (the
    /// number a [`Sighting`] carries).
    pub(crate) fn from_sources(sources: Vec<Source<'_>>) -> Result<Matcher, MatcherError> {
        let mut matcher = Matcher {
            entries: Vec::with_capacity(sources.len()),
            paths: Vec::new(),
            paths_by_type: Vec::new(),
            unanchored: Vec::new(),
            skipped: Vec::new(),
        };
        let mut path_ids: HashMap<ObjectPath, usize> = HashMap::new();
        for (i, source) in sources.into_iter().enumerate() {
            let (id, pattern, valid_from, valid_until) = match source {
                Source::Skip(reason) => {
                    matcher.skipped.push((i, reason));
                    matcher.entries.push(None);
                    continue;
                }
                Source::Absent => {
                    matcher.entries.push(None);
                    continue;
                }
                Source::Pattern {
                    id,
                    pattern,
                    valid_from,
                    valid_until,
                } => (id, pattern, valid_from, valid_until),
            };
            let n = u32::try_from(i).unwrap_or(u32::MAX);
            match observation_anchors(&pattern.observation) {
                Some(anchors) => {
                    for anchor in anchors {
                        let path = anchor.path().clone();
                        let next_id = matcher.paths.len();
                        let id = *path_ids.entry(path.clone()).or_insert(next_id);
                        if id == next_id {
                            matcher.paths.push((path, PathIndex::default()));
                        }
                        let index = &mut matcher.paths[id].1;
                        match anchor {
                            Anchor::Equal(_, Key::String(s)) => {
                                index.strings.entry(s).or_default().push(n);
                            }
                            Anchor::Equal(_, key) => index.others.entry(key).or_default().push(n),
                            Anchor::Within(_, net) => {
                                index.ranges.entry(net.trunc()).or_default().push(n);
                            }
                            Anchor::Contains(_, literal) => {
                                index.literals.entry(literal).or_default().push(n);
                            }
                        }
                    }
                }
                None => matcher.unanchored.push(n),
            }
            let simple = matches!(pattern.observation, ObservationExpression::Simple(_));
            let compiled = if is_exact(&pattern) {
                None
            } else {
                let compiled =
                    CompiledPattern::new(pattern).map_err(|error| MatcherError::Eval {
                        id: id.to_owned(),
                        error,
                    })?;
                Some(Box::new(compiled))
            };
            matcher.entries.push(Some(Entry {
                compiled,
                valid_from,
                valid_until: valid_until.unwrap_or(jiff::Timestamp::MAX),
                simple,
            }));
        }
        for (i, (path, index)) in matcher.paths.iter_mut().enumerate() {
            index.build_automaton();
            match matcher
                .paths_by_type
                .iter_mut()
                .find(|(t, _)| *t == path.object_type)
            {
                Some((_, ids)) => ids.push(i),
                None => matcher
                    .paths_by_type
                    .push((path.object_type.clone(), vec![i])),
            }
        }
        Ok(matcher)
    }

    /// Indicators left out, with the reason: (index, reason).
    pub fn skipped(&self) -> &[(usize, String)] {
        &self.skipped
    }

    /// How many indicators need full evaluation for every input because no
    /// index anchor could be extracted from their pattern.
    pub fn unanchored_count(&self) -> usize {
        self.unanchored.len()
    }

    /// Matches a set of observations against every indicator. Patterns
    /// that combine observations (`AND`, `FOLLOWEDBY`, qualifiers) are
    /// evaluated over the whole slice; pass the observations that belong
    /// together (a bundle, a time window). Sightings are ordered by
    /// indicator index.
    pub fn match_observations(&self, observations: &[Observation]) -> Vec<Sighting> {
        // (indicator, observation) pairs the index proposes.
        let mut hits: Vec<(u32, usize)> = Vec::new();
        self.index_hits(observations, 0, &mut hits);
        hits.sort_unstable();
        hits.dedup();
        let mut sightings = Vec::new();
        let mut triggered = Vec::new();
        for group in hits.chunk_by(|a, b| a.0 == b.0) {
            triggered.clear();
            triggered.extend(group.iter().map(|&(_, o)| o));
            self.evaluate_into(group[0].0, observations, &triggered, &mut sightings);
        }
        if !self.unanchored.is_empty() {
            let all: Vec<usize> = (0..observations.len()).collect();
            for &n in &self.unanchored {
                self.evaluate_into(n, observations, &all, &mut sightings);
            }
        }
        sightings.sort_by_key(|s| s.indicator);
        sightings
    }

    /// Appends the (indicator, observation) pairs the index proposes for
    /// `observations`, numbering them from `first`.
    fn index_hits(&self, observations: &[Observation], first: usize, hits: &mut Vec<(u32, usize)>) {
        for (o, obs) in observations.iter().enumerate() {
            for (_, object) in &obs.objects {
                let Some(ty) = object.get("type").and_then(Value::as_str) else {
                    continue;
                };
                let Some((_, path_ids)) = self.paths_by_type.iter().find(|(t, _)| t == ty) else {
                    continue;
                };
                for &p in path_ids {
                    let (path, index) = &self.paths[p];
                    let found = &mut |n| hits.push((n, first + o));
                    // Most indexed paths are `type:property` or
                    // `type:dictionary.key` (`file:hashes.'SHA-256'`): look
                    // those up directly, without collecting the values.
                    match path.steps.as_slice() {
                        [PathStep::Property(a)] => {
                            if let Some(v) = object.get(a) {
                                index.lookup(v, found);
                            }
                        }
                        [PathStep::Property(a), PathStep::Property(b)]
                            if !a.ends_with("_ref") && !a.ends_with("_refs") =>
                        {
                            if let Some(v) = object.get(a).and_then(|d| d.get(b)) {
                                index.lookup(v, found);
                            }
                        }
                        _ => {
                            for value in eval::resolve(path, object, obs) {
                                index.lookup(value, found);
                            }
                        }
                    }
                }
            }
        }
    }

    /// The same answer as [`Matcher::match_observations`] over one set of
    /// observations, computed on up to `threads` threads: the index is
    /// probed for slices of the observations in parallel, then the
    /// candidate indicators are evaluated in parallel, each over the whole
    /// set (so `AND`, `FOLLOWEDBY` and qualifiers still combine
    /// observations from different slices).
    pub fn match_observations_threaded(
        &self,
        observations: &[Observation],
        threads: usize,
    ) -> Vec<Sighting> {
        let threads = threads.max(1);
        if threads == 1 || observations.len() < 2 * threads {
            return self.match_observations(observations);
        }
        let chunk = observations.len().div_ceil(threads);
        let mut hits: Vec<(u32, usize)> = std::thread::scope(|scope| {
            let workers: Vec<_> = observations
                .chunks(chunk)
                .enumerate()
                .map(|(i, part)| {
                    scope.spawn(move || {
                        let mut hits = Vec::new();
                        self.index_hits(part, i * chunk, &mut hits);
                        hits.sort_unstable();
                        hits.dedup();
                        hits
                    })
                })
                .collect();
            workers
                .into_iter()
                // A worker only panics on a bug; re-raise it in the caller.
                .flat_map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        });
        hits.sort_unstable();
        hits.dedup();
        // Work items: one per candidate indicator, then the unanchored ones.
        let groups: Vec<&[(u32, usize)]> = hits.chunk_by(|a, b| a.0 == b.0).collect();
        let all: Vec<usize> = if self.unanchored.is_empty() {
            Vec::new()
        } else {
            (0..observations.len()).collect()
        };
        let items = groups.len() + self.unanchored.len();
        let per = items.div_ceil(threads).max(1);
        let mut sightings: Vec<Sighting> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..items)
                .step_by(per)
                .map(|start| {
                    let (groups, all) = (&groups, &all);
                    scope.spawn(move || {
                        let mut out = Vec::new();
                        let mut triggered = Vec::new();
                        for item in start..(start + per).min(items) {
                            match groups.get(item) {
                                Some(group) => {
                                    triggered.clear();
                                    triggered.extend(group.iter().map(|&(_, o)| o));
                                    self.evaluate_into(
                                        group[0].0,
                                        observations,
                                        &triggered,
                                        &mut out,
                                    );
                                }
                                None => {
                                    let n = self.unanchored[item - groups.len()];
                                    self.evaluate_into(n, observations, all, &mut out);
                                }
                            }
                        }
                        out
                    })
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        });
        sightings.sort_by_key(|s| s.indicator);
        sightings
    }

    fn evaluate_into(
        &self,
        n: u32,
        observations: &[Observation],
        triggered: &[usize],
        out: &mut Vec<Sighting>,
    ) {
        if let Some(Some(entry)) = self.entries.get(n as usize)
            && let Some(matched) = entry.evaluate(observations, triggered)
        {
            out.push(Sighting {
                indicator: n as usize,
                observations: matched,
            });
        }
    }
}

impl Matcher {
    /// Matches many independent batches (e.g. one per `observed-data`, or
    /// one per time window) on up to `threads` threads; the result has one
    /// entry per batch, in order. Pure `std` threads, no runtime.
    pub fn match_batches(&self, batches: &[&[Observation]], threads: usize) -> Vec<Vec<Sighting>> {
        let threads = threads.clamp(1, batches.len().max(1));
        if threads == 1 {
            return batches.iter().map(|b| self.match_observations(b)).collect();
        }
        let chunk = batches.len().div_ceil(threads);
        std::thread::scope(|scope| {
            let workers: Vec<_> = batches
                .chunks(chunk)
                .map(|part| {
                    scope.spawn(move || {
                        part.iter()
                            .map(|b| self.match_observations(b))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            workers
                .into_iter()
                // A worker only panics on a bug; re-raise it in the caller.
                .flat_map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        })
    }
}

impl PathIndex {
    fn build_automaton(&mut self) {
        if self.literals.is_empty() {
            return;
        }
        let (literals, ids): (Vec<Box<str>>, Vec<Vec<u32>>) = self.literals.drain().unzip();
        // Building only fails beyond internal size limits; the indicators
        // then fall back to "always a candidate", which stays correct.
        match AhoCorasick::new(literals.iter().map(|l| l.as_bytes())) {
            Ok(ac) => {
                self.contains = Some(ac);
                self.literal_ids = ids;
            }
            Err(_) => self.literal_ids = vec![ids.into_iter().flatten().collect()],
        }
    }

    fn lookup(&self, value: &Value, found: &mut impl FnMut(u32)) {
        let hits = match value {
            Value::String(s) => {
                match &self.contains {
                    Some(ac) => {
                        for m in ac.find_overlapping_iter(eval::nfc(s).as_ref()) {
                            if let Some(ids) = self.literal_ids.get(m.pattern().as_usize()) {
                                ids.iter().copied().for_each(&mut *found);
                            }
                        }
                    }
                    None => {
                        for ids in &self.literal_ids {
                            ids.iter().copied().for_each(&mut *found);
                        }
                    }
                }
                if !self.ranges.is_empty()
                    && let Some(net) = parse_ip_network(s)
                {
                    for (_, ids) in self.ranges.cover(&net.trunc()) {
                        ids.as_slice().iter().copied().for_each(&mut *found);
                    }
                }
                self.strings.get(s.as_str())
            }
            Value::Number(n) => n
                .as_i64()
                .map(Key::Integer)
                .or_else(|| n.as_f64().map(Key::number))
                .and_then(|k| self.others.get(&k)),
            Value::Bool(b) => self.others.get(&Key::Boolean(*b)),
            _ => None,
        };
        if let Some(ids) = hits {
            ids.as_slice().iter().copied().for_each(found);
        }
    }
}

impl Entry {
    fn valid_for(&self, o: &Observation) -> bool {
        o.last_observed >= self.valid_from && o.first_observed < self.valid_until
    }

    fn evaluate(&self, observations: &[Observation], triggered: &[usize]) -> Option<Vec<usize>> {
        let Some(compiled) = &self.compiled else {
            // Exact: the index hit was the comparison itself.
            let matched: Vec<usize> = triggered
                .iter()
                .copied()
                .filter(|&i| self.valid_for(&observations[i]))
                .collect();
            return (!matched.is_empty()).then_some(matched);
        };
        if self.simple {
            let ObservationExpression::Simple(c) = &compiled.pattern().observation else {
                return None;
            };
            let matched: Vec<usize> = triggered
                .iter()
                .copied()
                .filter(|&i| {
                    let o = &observations[i];
                    self.valid_for(o) && compiled.observation_satisfies(c, o)
                })
                .collect();
            return (!matched.is_empty()).then_some(matched);
        }
        // Combinations: evaluate over every observation in the validity window.
        let eligible: Vec<usize> = (0..observations.len())
            .filter(|&i| self.valid_for(&observations[i]))
            .collect();
        compiled
            .matches_subset(observations, &eligible)
            .map(|m| m.observations)
    }
}

/// Anchors for an observation expression: `None` if some match could avoid
/// every indexable condition.
fn observation_anchors(expr: &ObservationExpression) -> Option<Vec<Anchor>> {
    match expr {
        ObservationExpression::Simple(c) => comparison_anchors(c),
        ObservationExpression::Qualified(inner, _) => observation_anchors(inner),
        // Every operand must match: any one operand's anchors suffice; pick
        // the one with fewest alternatives.
        ObservationExpression::And(v) | ObservationExpression::FollowedBy(v) => v
            .iter()
            .filter_map(observation_anchors)
            .min_by_key(Vec::len),
        ObservationExpression::Or(v) => {
            let mut all = Vec::new();
            for e in v {
                all.extend(observation_anchors(e)?);
            }
            Some(all)
        }
    }
}

fn comparison_anchors(expr: &ComparisonExpression) -> Option<Vec<Anchor>> {
    match expr {
        ComparisonExpression::Comparison(Comparison {
            path,
            negated: false,
            operator,
            value,
        }) if !is_binary_path(path) => match (operator, value) {
            (ComparisonOperator::Equal, c) => {
                Key::from_constant(c).map(|k| vec![Anchor::Equal(path.clone(), k)])
            }
            (ComparisonOperator::In, Constant::Set(items)) => items
                .iter()
                .map(|c| Key::from_constant(c).map(|k| Anchor::Equal(path.clone(), k)))
                .collect(),
            (ComparisonOperator::IsSubset, Constant::String(s)) => {
                parse_ip_network(s).map(|net| vec![Anchor::Within(path.clone(), net)])
            }
            // Values are matched in NFC (see `eval::nfc`), so the literal is
            // taken from the expression's NFC form and looked for in the
            // value's.
            (ComparisonOperator::Like, Constant::String(s)) => longest_like_literal(&eval::nfc(s))
                .map(|lit| vec![Anchor::Contains(path.clone(), lit.into())]),
            _ => None,
        },
        ComparisonExpression::Comparison(_) | ComparisonExpression::Exists(_) => None,
        ComparisonExpression::And(v) => {
            v.iter().filter_map(comparison_anchors).min_by_key(Vec::len)
        }
        ComparisonExpression::Or(v) => {
            let mut all = Vec::new();
            for e in v {
                all.extend(comparison_anchors(e)?);
            }
            Some(all)
        }
    }
}

/// Whether the pattern is one `[path = constant]` or `[path IN (…)]` whose
/// anchors are exactly the comparison: an index hit then needs no further
/// evaluation.
fn is_exact(pattern: &Pattern) -> bool {
    let ObservationExpression::Simple(ComparisonExpression::Comparison(c)) = &pattern.observation
    else {
        return false;
    };
    if c.negated || is_binary_path(&c.path) {
        return false;
    }
    match (&c.operator, &c.value) {
        (ComparisonOperator::Equal, v) => Key::from_constant(v).is_some(),
        (ComparisonOperator::In, Constant::Set(items)) => {
            items.iter().all(|v| Key::from_constant(v).is_some())
        }
        _ => false,
    }
}

/// Whether the path ends in a `*_hex`/`*_bin` property, whose values are
/// compared after decoding and so cannot be looked up as written.
fn is_binary_path(path: &ObjectPath) -> bool {
    path.steps.iter().rev().find_map(|s| match s {
        crate::pattern::PathStep::Property(p) => Some(p.ends_with("_hex") || p.ends_with("_bin")),
        _ => None,
    }) == Some(true)
}

/// The longest run of a LIKE expression without wildcards (`%`, `_`), if
/// it is long enough to index: every matching value contains it.
fn longest_like_literal(like: &str) -> Option<&str> {
    like.split(['%', '_'])
        .max_by_key(|part| part.chars().count())
        .filter(|part| part.chars().count() >= MIN_LIKE_LITERAL)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn indicator(id: usize, pattern: &str) -> Indicator {
        Indicator {
            id: format!("indicator--00000000-0000-4000-8000-{id:012}"),
            name: None,
            pattern: pattern.into(),
            pattern_type: "stix".into(),
            valid_from: "2020-01-01T00:00:00Z".parse().expect("ts"),
            valid_until: None,
        }
    }

    fn observation(t: &str, objects: Vec<Value>) -> Observation {
        Observation {
            id: "observed-data--1".into(),
            first_observed: t.parse().expect("ts"),
            last_observed: t.parse().expect("ts"),
            number_observed: 1,
            objects: objects
                .into_iter()
                .enumerate()
                .map(|(i, v)| (i.to_string(), v.as_object().cloned().expect("object")))
                .collect(),
        }
    }

    const T: &str = "2021-06-01T00:00:00Z";

    fn patterns() -> Vec<Indicator> {
        vec![
            indicator(0, "[domain-name:value = 'evil.example']"),
            indicator(1, "[ipv4-addr:value ISSUBSET '198.51.100.0/24']"),
            indicator(2, "[file:hashes.'SHA-256' IN ('aa', 'bb')]"),
            indicator(3, "[file:size > 100]"),
            indicator(
                4,
                "[domain-name:value = 'evil.example'] AND [ipv4-addr:value = '203.0.113.1']",
            ),
            indicator(5, "[network-traffic:dst_port = 4444.0]"),
            indicator(6, "[url:value LIKE '%/wp-admin/%.php']"),
            indicator(
                7,
                "[url:value LIKE 'http://_.cn/%' OR domain-name:value = 'x.example']",
            ),
            indicator(8, "[file:magic_number_hex = 'MZ']"),
        ]
    }

    /// The index must give the same answer as evaluating every pattern.
    fn brute_force(indicators: &[Indicator], observations: &[Observation]) -> Vec<usize> {
        indicators
            .iter()
            .enumerate()
            .filter(|(_, i)| {
                let p = CompiledPattern::new(Pattern::parse(&i.pattern).expect("parses"))
                    .expect("compiles");
                p.matches(observations).is_some()
            })
            .map(|(n, _)| n)
            .collect()
    }

    #[test]
    fn index_agrees_with_brute_force() {
        let indicators = patterns();
        let matcher = Matcher::compile(&indicators).expect("compiles");
        // `file:size > 100` has no anchor, nor has the hex property (its
        // values are decoded before comparing); `LIKE 'http://_.cn/%'` has
        // the literal `http://`, long enough to index.
        assert_eq!(matcher.unanchored_count(), 2);
        let inputs = vec![
            vec![observation(
                T,
                vec![json!({"type": "domain-name", "value": "evil.example"})],
            )],
            vec![observation(
                T,
                vec![json!({"type": "ipv4-addr", "value": "198.51.100.9"})],
            )],
            vec![observation(
                T,
                vec![json!({"type": "file", "size": 7, "hashes": {"SHA-256": "bb"}})],
            )],
            vec![observation(T, vec![json!({"type": "file", "size": 700})])],
            vec![
                observation(
                    T,
                    vec![json!({"type": "domain-name", "value": "evil.example"})],
                ),
                observation(
                    T,
                    vec![json!({"type": "ipv4-addr", "value": "203.0.113.1"})],
                ),
            ],
            vec![observation(
                T,
                vec![json!({"type": "network-traffic", "dst_port": 4444})],
            )],
            vec![observation(
                T,
                vec![json!({"type": "domain-name", "value": "good.example"})],
            )],
            vec![observation(
                T,
                vec![json!({"type": "url", "value": "http://a.example/wp-admin/x.php"})],
            )],
            vec![observation(
                T,
                vec![json!({"type": "url", "value": "http://a.example/wp-admin/x.js"})],
            )],
            vec![observation(
                T,
                vec![json!({"type": "url", "value": "http://a.cn/index"})],
            )],
            vec![observation(
                T,
                vec![json!({"type": "file", "magic_number_hex": "4d5a"})],
            )],
        ];
        // Every indicator matches at least one input, so the test is not vacuous.
        let mut seen = std::collections::BTreeSet::new();
        for obs in inputs {
            let got: Vec<usize> = matcher
                .match_observations(&obs)
                .iter()
                .map(|s| s.indicator)
                .collect();
            assert_eq!(got, brute_force(&indicators, &obs), "{obs:?}");
            seen.extend(got);
        }
        assert_eq!(seen.len(), indicators.len(), "matched: {seen:?}");
    }

    #[test]
    fn batches_in_parallel_match_one_by_one() {
        let matcher = Matcher::compile(&patterns()).expect("compiles");
        let batches: Vec<Vec<Observation>> = (0..37)
            .map(|i| {
                let value = if i % 3 == 0 {
                    "evil.example"
                } else {
                    "good.example"
                };
                vec![observation(
                    T,
                    vec![json!({"type": "domain-name", "value": value})],
                )]
            })
            .collect();
        let refs: Vec<&[Observation]> = batches.iter().map(Vec::as_slice).collect();
        let serial = matcher.match_batches(&refs, 1);
        assert_eq!(matcher.match_batches(&refs, 4), serial);
        assert_eq!(serial.iter().filter(|s| !s.is_empty()).count(), 13);
    }

    #[test]
    fn address_ranges_of_both_families_and_the_whole_space() {
        let ranges = [
            indicator(0, "[ipv4-addr:value ISSUBSET '0.0.0.0/0']"),
            indicator(1, "[ipv6-addr:value ISSUBSET '2001:db8::/32']"),
            indicator(2, "[ipv4-addr:value ISSUBSET '198.51.100.0/25']"),
        ];
        let matcher = Matcher::compile(&ranges).expect("compiles");
        let hits = |v: Value| -> Vec<usize> {
            let obs = [observation(T, vec![v])];
            matcher
                .match_observations(&obs)
                .iter()
                .map(|s| s.indicator)
                .collect()
        };
        assert_eq!(
            hits(json!({"type": "ipv4-addr", "value": "198.51.100.7"})),
            [0, 2]
        );
        assert_eq!(
            hits(json!({"type": "ipv4-addr", "value": "198.51.100.200"})),
            [0]
        );
        assert_eq!(
            hits(json!({"type": "ipv4-addr", "value": "198.51.100.0/24"})),
            [0]
        );
        assert_eq!(
            hits(json!({"type": "ipv6-addr", "value": "2001:db8:1::5"})),
            [1]
        );
        assert!(hits(json!({"type": "ipv6-addr", "value": "2001:db9::5"})).is_empty());
    }

    #[test]
    fn id_lists_grow_from_inline_to_heap() {
        let mut ids = IdList::default();
        assert!(ids.as_slice().is_empty());
        ids.push(7);
        assert!(matches!(ids, IdList::One(7)));
        ids.push(9);
        ids.push(11);
        assert_eq!(ids.as_slice(), [7, 9, 11]);
    }

    #[test]
    fn indicators_sharing_a_value_all_match() {
        let same = [
            indicator(0, "[domain-name:value = 'evil.example']"),
            indicator(1, "[domain-name:value IN ('evil.example', 'x')]"),
            indicator(2, "[domain-name:value = 'evil.example'] REPEATS 1 TIMES"),
        ];
        let matcher = Matcher::compile(&same).expect("compiles");
        let obs = [observation(
            T,
            vec![json!({"type": "domain-name", "value": "evil.example"})],
        )];
        let hits: Vec<usize> = matcher
            .match_observations(&obs)
            .iter()
            .map(|s| s.indicator)
            .collect();
        assert_eq!(hits, [0, 1, 2]);
    }

    /// The index looks for a `LIKE` literal in the value's NFC form, so a
    /// decomposed value still reaches the indicator (issue 17, part 5).
    #[test]
    fn like_literals_are_found_in_any_canonically_equivalent_spelling() {
        let indicators = [
            indicator(0, "[url:value LIKE 'http://caf\u{e9}.example/%']"),
            indicator(1, "[url:value LIKE '%/re\u{301}sume\u{301}/%']"),
        ];
        let matcher = Matcher::compile(&indicators).expect("compiles");
        assert_eq!(matcher.unanchored_count(), 0);
        for (value, expected) in [
            ("http://cafe\u{301}.example/x", vec![0]),
            ("http://caf\u{e9}.example/x", vec![0]),
            ("http://a.example/r\u{e9}sum\u{e9}/x", vec![1]),
            ("http://a.example/re\u{301}sume\u{301}/x", vec![1]),
            ("http://cafe.example/resume/x", vec![]),
        ] {
            let obs = [observation(T, vec![json!({"type": "url", "value": value})])];
            let got: Vec<usize> = matcher
                .match_observations(&obs)
                .iter()
                .map(|s| s.indicator)
                .collect();
            assert_eq!(got, expected, "{value:?}");
            assert_eq!(got, brute_force(&indicators, &obs), "{value:?}");
        }
    }

    #[test]
    fn like_literals() {
        assert_eq!(longest_like_literal("%/wp-admin/%.php"), Some("/wp-admin/"));
        assert_eq!(longest_like_literal("a%b_c"), None);
        assert_eq!(longest_like_literal("exact"), Some("exact"));
    }

    #[test]
    fn validity_window_is_respected() {
        let mut i = indicator(0, "[domain-name:value = 'evil.example']");
        i.valid_until = Some("2021-01-01T00:00:00Z".parse().expect("ts"));
        let matcher = Matcher::compile(&[i]).expect("compiles");
        let before = observation(
            "2020-06-01T00:00:00Z",
            vec![json!({"type": "domain-name", "value": "evil.example"})],
        );
        let after = observation(
            "2021-06-01T00:00:00Z",
            vec![json!({"type": "domain-name", "value": "evil.example"})],
        );
        assert_eq!(
            matcher
                .match_observations(std::slice::from_ref(&before))
                .len(),
            1
        );
        assert!(
            matcher
                .match_observations(std::slice::from_ref(&after))
                .is_empty()
        );
        assert_eq!(
            matcher.match_observations(&[after, before])[0].observations,
            vec![1]
        );
    }

    #[test]
    fn non_stix_indicators_are_skipped_and_bad_patterns_rejected() {
        let mut yara = indicator(0, "rule x { condition: true }");
        yara.pattern_type = "yara".into();
        let matcher = Matcher::compile(&[yara]).expect("compiles");
        assert_eq!(matcher.skipped().len(), 1);
        let bad = indicator(1, "[domain-name:value = ");
        let e = Matcher::compile(&[bad]).err().expect("error");
        assert!(
            e.to_string()
                .starts_with("indicator indicator--00000000-0000-4000-8000-000000000001")
        );
    }
}

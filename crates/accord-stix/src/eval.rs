//! Evaluating patterns against observations (STIX 2.1 §9).
//!
//! An [`Observation`] is one `observed-data` with the cyber-observable
//! objects it refers to. Evaluation works in two layers, as in the
//! specification:
//!
//! 1. A comparison expression (`[...]`) is evaluated against each observation
//!    separately. Each comparison selects the objects of its type whose path
//!    resolves to a value satisfying the operator; `AND` intersects those
//!    object sets and `OR` unites them, so comparisons joined by `AND` must
//!    hold for the same object. The observation matches if the set is not
//!    empty.
//! 2. Observation expressions combine observations. An observation with
//!    `number_observed = n` counts as `n` distinct observation instances, all
//!    with the same `[first_observed, last_observed]` interval. The
//!    evaluator computes *bindings* — sets of instances that satisfy a
//!    sub-expression — bottom-up: `AND` and `FOLLOWEDBY` join bindings that
//!    share no instance, `REPEATS n` joins `n` disjoint bindings, and the
//!    temporal qualifiers filter bindings by their instances' intervals.
//!
//! Timestamps are intervals, so a temporal condition holds when *some*
//! choice of one instant per observation inside its interval satisfies it:
//! - `a FOLLOWEDBY b`: the latest `first_observed` on the left is not after
//!   the earliest `last_observed` on the right;
//! - `WITHIN n SECONDS`: the latest `first_observed` minus the earliest
//!   `last_observed` is at most `n` seconds;
//! - `START s STOP t`: every interval overlaps `[s, t)` (touching `s` counts,
//!   touching `t` does not), and `s < t`.
//!
//! The number of bindings kept per sub-expression is capped
//! ([`MAX_BINDINGS`]) so hostile input cannot make evaluation explode; the
//! cap only matters for patterns with `AND`/`FOLLOWEDBY`/`REPEATS` over
//! thousands of matching observations.
//!
//! See [`crate::deviations`] for where this follows the specification text
//! rather than the OASIS reference matcher.

use std::borrow::Cow;
use std::collections::HashMap;

use base64::Engine as _;
use regex_automata::meta::Regex;
use serde_json::{Map, Value};
use unicode_normalization::{IsNormalized, UnicodeNormalization as _, is_nfc_quick};

use crate::literal::{parse_ip_network, parse_timestamp};
use crate::object::{Bundle, ObjectError, ObservedData, StixObject};
use crate::pattern::regex::{self, RegexProblem};
use crate::pattern::{
    Comparison, ComparisonExpression, ComparisonOperator, Constant, ObjectPath,
    ObservationExpression, PathStep, Pattern, Qualifier,
};

/// Most bindings kept for one sub-expression (see the module docs).
pub const MAX_BINDINGS: usize = 10_000;

/// One observation: an `observed-data` and its cyber-observable objects.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// The `observed-data` id.
    pub id: String,
    /// Start of the observation interval.
    pub first_observed: jiff::Timestamp,
    /// End of the observation interval.
    pub last_observed: jiff::Timestamp,
    /// How many times this was observed; each counts as a distinct instance.
    pub number_observed: u64,
    /// The objects, each under the name references use for it: the object
    /// id (STIX 2.1 `object_refs`) or the local key (STIX 2.0 `objects`).
    pub objects: Vec<(String, Map<String, Value>)>,
}

impl Observation {
    /// Builds an observation from an `observed-data` object. `resolve` looks
    /// up the objects named in `object_refs` (typically in the same bundle);
    /// a reference it cannot resolve is an error naming the property.
    pub fn from_observed_data<'a>(
        object: &StixObject,
        resolve: impl Fn(&str) -> Option<&'a StixObject>,
    ) -> Result<Observation, ObjectError> {
        let data = ObservedData::from_object(object)?;
        let mut objects = Vec::new();
        for reference in &data.object_refs {
            let target = resolve(reference).ok_or_else(|| ObjectError::InvalidProperty {
                id: object.id.clone(),
                object_type: object.object_type.clone(),
                property: "object_refs".into(),
                reason: format!("`{reference}` is not in the input"),
            })?;
            objects.push((reference.clone(), target.to_value()));
        }
        if let Some(embedded) = data.objects {
            for (key, value) in embedded {
                if let Value::Object(map) = value {
                    objects.push((key, map));
                }
            }
        }
        Ok(Observation {
            id: data.id,
            first_observed: data.first_observed,
            last_observed: data.last_observed,
            number_observed: data.number_observed,
            objects,
        })
    }

    /// Every observation in a bundle, in order, with `object_refs` resolved
    /// within the bundle.
    pub fn from_bundle(bundle: &Bundle) -> Result<Vec<Observation>, ObjectError> {
        Observation::from_objects(&bundle.objects)
    }

    /// Every `observed-data` among `objects`, in order, with `object_refs`
    /// resolved among the same objects.
    pub fn from_objects(objects: &[StixObject]) -> Result<Vec<Observation>, ObjectError> {
        let by_id: HashMap<&str, &StixObject> =
            objects.iter().map(|o| (o.id.as_str(), o)).collect();
        objects
            .iter()
            .filter(|o| o.object_type == "observed-data")
            .map(|o| Observation::from_observed_data(o, |id| by_id.get(id).copied()))
            .collect()
    }

    fn object(&self, name: &str) -> Option<&Map<String, Value>> {
        self.objects.iter().find(|(k, _)| k == name).map(|(_, m)| m)
    }
}

/// A problem preparing a pattern for evaluation.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum EvalError {
    /// A `LIKE` or `MATCHES` expression that cannot be compiled.
    #[error("cannot compile `{operator}` expression '{expression}': {reason}")]
    Regex {
        /// `LIKE` or `MATCHES`.
        operator: &'static str,
        /// The expression.
        expression: String,
        /// Why.
        reason: String,
    },
}

/// A successful match: the observations of the first binding found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternMatch {
    /// Indexes into the observation slice, ascending, without repeats.
    pub observations: Vec<usize>,
}

/// A pattern ready to evaluate: the tree plus its compiled `LIKE` and
/// `MATCHES` expressions.
#[derive(Debug, Clone)]
pub struct CompiledPattern {
    pattern: Pattern,
    like: HashMap<String, Regex>,
    matches: HashMap<String, Regex>,
}

impl CompiledPattern {
    /// Compiles the regular expressions a pattern uses.
    pub fn new(pattern: Pattern) -> Result<CompiledPattern, EvalError> {
        let mut like = HashMap::new();
        let mut matches = HashMap::new();
        let mut error = None;
        pattern.observation.visit_comparisons(&mut |c| {
            let ComparisonExpression::Comparison(Comparison {
                operator,
                value: Constant::String(s),
                ..
            }) = c
            else {
                return;
            };
            // As the reference does, the expression is normalised to NFC
            // before it is compiled (and values before they are matched).
            let (map, source, name) = match operator {
                ComparisonOperator::Like => (&mut like, like_to_regex(&nfc(s)), "LIKE"),
                ComparisonOperator::Matches => (&mut matches, nfc(s).into_owned(), "MATCHES"),
                _ => return,
            };
            if map.contains_key(s) {
                return;
            }
            match regex::compile(&source) {
                Ok(re) => {
                    map.insert(s.clone(), re);
                }
                Err(RegexProblem::Unsupported(reason) | RegexProblem::Invalid(reason)) => {
                    error.get_or_insert(EvalError::Regex {
                        operator: name,
                        expression: s.clone(),
                        reason,
                    });
                }
            }
        });
        match error {
            Some(e) => Err(e),
            None => Ok(CompiledPattern {
                pattern,
                like,
                matches,
            }),
        }
    }

    /// The pattern.
    pub fn pattern(&self) -> &Pattern {
        &self.pattern
    }

    /// Whether one observation satisfies one comparison expression.
    pub fn observation_satisfies(&self, expr: &ComparisonExpression, obs: &Observation) -> bool {
        self.roots(expr, obs).iter().any(|&b| b)
    }

    /// Evaluates the pattern over a set of observations; `None` if it does
    /// not match.
    pub fn matches(&self, observations: &[Observation]) -> Option<PatternMatch> {
        let all: Vec<usize> = (0..observations.len()).collect();
        self.matches_subset(observations, &all)
    }

    /// Like [`CompiledPattern::matches`], over only the observations whose
    /// indexes are in `subset`; the result indexes into `observations`.
    pub fn matches_subset(
        &self,
        observations: &[Observation],
        subset: &[usize],
    ) -> Option<PatternMatch> {
        let kept: Vec<usize> = subset
            .iter()
            .copied()
            .filter(|&i| i < observations.len())
            .collect();
        let members: Vec<Member> = kept
            .iter()
            .map(|&i| Member {
                first: observations[i].first_observed,
                last: observations[i].last_observed,
                count: observations[i].number_observed,
            })
            .collect();
        let leaf = |c: &ComparisonExpression, m: usize| {
            self.observation_satisfies(c, &observations[kept[m]])
        };
        let matched = first_binding(&self.pattern.observation, &members, &leaf)?;
        Some(PatternMatch {
            observations: matched.into_iter().map(|m| kept[m]).collect(),
        })
    }

    /// For each object of `obs`, whether it satisfies `expr` (§9: the
    /// comparisons joined by AND hold for the same object).
    fn roots(&self, expr: &ComparisonExpression, obs: &Observation) -> Vec<bool> {
        match expr {
            ComparisonExpression::Comparison(c) => obs
                .objects
                .iter()
                .map(|(_, o)| is_type(o, &c.path.object_type) && self.comparison_holds(c, o, obs))
                .collect(),
            ComparisonExpression::Exists(path) => obs
                .objects
                .iter()
                .map(|(_, o)| is_type(o, &path.object_type) && !resolve(path, o, obs).is_empty())
                .collect(),
            ComparisonExpression::And(v) => {
                let mut acc = vec![true; obs.objects.len()];
                for e in v {
                    for (a, b) in acc.iter_mut().zip(self.roots(e, obs)) {
                        *a &= b;
                    }
                }
                acc
            }
            ComparisonExpression::Or(v) => {
                let mut acc = vec![false; obs.objects.len()];
                for e in v {
                    for (a, b) in acc.iter_mut().zip(self.roots(e, obs)) {
                        *a |= b;
                    }
                }
                acc
            }
        }
    }

    fn comparison_holds(
        &self,
        c: &Comparison,
        object: &Map<String, Value>,
        obs: &Observation,
    ) -> bool {
        // §9: a comparison on a property the object lacks is false, with or
        // without NOT; otherwise it holds if some resolved value satisfies it.
        let last_property = c.path.steps.iter().rev().find_map(|s| match s {
            PathStep::Property(p) => Some(p.as_str()),
            _ => None,
        });
        resolve(&c.path, object, obs).into_iter().any(|v| {
            match Observed::new(v, last_property.unwrap_or_default()) {
                Some(value) => self.compare(c, &value) != c.negated,
                // An undecodable `*_hex`/`*_bin` value matches nothing.
                None => false,
            }
        })
    }

    fn compare(&self, c: &Comparison, value: &Observed<'_>) -> bool {
        use ComparisonOperator as Op;
        match c.operator {
            Op::Equal => equal(&c.value, value),
            // As in the reference, `!=` is the negation of `=` on a value that
            // exists, so values of another type are "not equal".
            Op::NotEqual => !equal(&c.value, value),
            Op::GreaterThan | Op::LessThan | Op::GreaterThanOrEqual | Op::LessThanOrEqual => {
                let Some(ord) = order(value, &c.value) else {
                    return false;
                };
                match c.operator {
                    Op::GreaterThan => ord.is_gt(),
                    Op::LessThan => ord.is_lt(),
                    Op::GreaterThanOrEqual => ord.is_ge(),
                    _ => ord.is_le(),
                }
            }
            Op::In => match &c.value {
                Constant::Set(items) => items.iter().any(|k| equal(k, value)),
                _ => false,
            },
            Op::Like | Op::Matches => {
                let (Constant::String(s), Observed::Json(Value::String(v))) = (&c.value, value)
                else {
                    return false;
                };
                let map = if c.operator == Op::Like {
                    &self.like
                } else {
                    &self.matches
                };
                map.get(s).is_some_and(|re| re.is_match(nfc(v).as_ref()))
            }
            Op::IsSubset | Op::IsSuperset => {
                let (Constant::String(s), Observed::Json(Value::String(v))) = (&c.value, value)
                else {
                    return false;
                };
                let (Some(constant), Some(observed)) = (parse_ip_network(s), parse_ip_network(v))
                else {
                    return false;
                };
                if c.operator == Op::IsSubset {
                    constant.contains(&observed)
                } else {
                    observed.contains(&constant)
                }
            }
        }
    }
}

/// A value reached by an object path, with binary properties decoded:
/// STIX 2.1 §2 binary and hex data types: `*_bin` properties hold base64,
/// `*_hex` properties hex.
enum Observed<'a> {
    Json(&'a Value),
    Bytes(Vec<u8>),
}

impl<'a> Observed<'a> {
    fn new(value: &'a Value, property: &str) -> Option<Observed<'a>> {
        match value {
            Value::String(s) if property.ends_with("_hex") => {
                hex::decode(s).ok().map(Observed::Bytes)
            }
            Value::String(s) if property.ends_with("_bin") => {
                base64::engine::general_purpose::STANDARD
                    .decode(s)
                    .ok()
                    .map(Observed::Bytes)
            }
            v => Some(Observed::Json(v)),
        }
    }
}

pub(crate) fn is_type(object: &Map<String, Value>, ty: &str) -> bool {
    object.get("type").and_then(Value::as_str) == Some(ty)
}

/// Resolves an object path on one object to every value it reaches. A
/// property ending in `_ref`/`_refs` followed by further steps is
/// dereferenced to the named object(s) of the same observation (§9).
pub(crate) fn resolve<'a>(
    path: &ObjectPath,
    object: &'a Map<String, Value>,
    obs: &'a Observation,
) -> Vec<&'a Value> {
    let mut current: Vec<&'a Value> = Vec::new();
    let mut steps = path.steps.iter().peekable();
    // The first step is always a property of the root object.
    match steps.next() {
        Some(PathStep::Property(p)) => current.extend(object.get(p)),
        _ => return current,
    }
    let mut last_property: Option<&str> = match path.steps.first() {
        Some(PathStep::Property(p)) => Some(p),
        _ => None,
    };
    for step in steps {
        let mut next = Vec::new();
        for v in current {
            match step {
                PathStep::Property(p) => {
                    let target = match v {
                        Value::String(r)
                            if last_property
                                .is_some_and(|l| l.ends_with("_ref") || l.ends_with("_refs")) =>
                        {
                            obs.object(r)
                        }
                        Value::Object(m) => Some(m),
                        _ => None,
                    };
                    next.extend(target.and_then(|m| m.get(p)));
                }
                PathStep::Index(i) => {
                    if let (Value::Array(items), Ok(i)) = (v, usize::try_from(*i)) {
                        next.extend(items.get(i));
                    }
                }
                PathStep::AnyIndex => {
                    if let Value::Array(items) = v {
                        next.extend(items.iter());
                    }
                }
            }
        }
        if let PathStep::Property(p) = step {
            last_property = Some(p);
        }
        current = next;
    }
    current
}

/// `text` in Unicode Normalization Form C: both sides of `LIKE` and
/// `MATCHES` are compared in that form, as the OASIS reference matcher does
/// (see [`crate::deviations`]). Borrowed when `text` already is NFC, which
/// ASCII always is, so the common case neither allocates nor decomposes.
pub(crate) fn nfc(text: &str) -> Cow<'_, str> {
    if text.is_ascii() || is_nfc_quick(text.chars()) == IsNormalized::Yes {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.nfc().collect())
    }
}

/// Translates a LIKE expression (SQL: `%` any run, `_` one character) into an
/// anchored regular expression that matches the whole value.
fn like_to_regex(like: &str) -> String {
    let mut out = String::from(r"(?s)\A");
    for c in like.chars() {
        match c {
            '%' => out.push_str(".*"),
            '_' => out.push('.'),
            c => {
                // regex-syntax's meta characters; escaping them is always allowed.
                if "\\.+*?()|[]{}^$#&-~".contains(c) {
                    out.push('\\');
                }
                out.push(c);
            }
        }
    }
    out.push_str(r"\z");
    out
}

/// A string as bytes when every code point is below 256, the rule STIX 2.1
/// §9 gives for comparing strings with binary values.
fn latin1(s: &str) -> Option<Vec<u8>> {
    s.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect()
}

fn equal(constant: &Constant, value: &Observed<'_>) -> bool {
    match (constant, value) {
        (Constant::Boolean(a), Observed::Json(Value::Bool(b))) => a == b,
        _ => order(value, constant).is_some_and(|o| o.is_eq()),
    }
}

/// Orders a property value against a constant of a compatible type; `None`
/// when the types cannot be compared.
fn order(value: &Observed<'_>, constant: &Constant) -> Option<std::cmp::Ordering> {
    let json = match value {
        Observed::Bytes(b) => {
            return match constant {
                Constant::Hex(c) | Constant::Binary(c) => Some(b.as_slice().cmp(c.as_slice())),
                Constant::String(c) => latin1(c).map(|c| b.as_slice().cmp(c.as_slice())),
                _ => None,
            };
        }
        Observed::Json(v) => v,
    };
    match (json, constant) {
        (Value::String(v), Constant::String(c)) => Some(v.as_str().cmp(c.as_str())),
        (Value::String(v), Constant::Timestamp(c)) => parse_timestamp(v).ok().map(|t| t.cmp(c)),
        (Value::String(v), Constant::Hex(c) | Constant::Binary(c)) => {
            latin1(v).map(|b| b.as_slice().cmp(c.as_slice()))
        }
        (Value::Number(n), Constant::Integer(c)) => match n.as_i64() {
            Some(i) => Some(i.cmp(c)),
            None => n.as_f64().and_then(|f| f.partial_cmp(&(*c as f64))),
        },
        (Value::Number(n), Constant::Float(c)) => n.as_f64().and_then(|f| f.partial_cmp(c)),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy)]
struct Instance {
    /// The member it is an instance of.
    observation: usize,
    first: jiff::Timestamp,
    last: jiff::Timestamp,
}

/// What the binding engine needs of one observation taking part: its
/// interval and how many instances it counts as. Which comparison
/// expressions it satisfies is asked of a separate oracle, so the engine
/// runs equally over whole observations ([`CompiledPattern::matches`]) and
/// over the per-observation results a stream keeps (`crate::stream`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Member {
    pub(crate) first: jiff::Timestamp,
    pub(crate) last: jiff::Timestamp,
    pub(crate) count: u64,
}

/// The members (indexes into `members`, ascending, without repeats) of the
/// first binding of `expr` found, if any. `leaf(c, m)` tells whether member
/// `m` satisfies the comparison expression `c`, a leaf of `expr`.
pub(crate) fn first_binding(
    expr: &ObservationExpression,
    members: &[Member],
    leaf: &dyn Fn(&ComparisonExpression, usize) -> bool,
) -> Option<Vec<usize>> {
    let mut instances = Vec::new();
    let mut ranges = Vec::with_capacity(members.len());
    for (m, member) in members.iter().enumerate() {
        // Counting beyond what any REPEATS could need adds nothing.
        let copies = member.count.min(MAX_BINDINGS as u64);
        let start = instances.len();
        for _ in 0..copies {
            instances.push(Instance {
                observation: m,
                first: member.first,
                last: member.last,
            });
        }
        ranges.push((m, start..instances.len()));
    }
    let ctx = Ctx {
        leaf,
        instances: &instances,
        ranges: &ranges,
    };
    let first = ctx.bindings(expr).into_iter().next()?;
    let mut out: Vec<usize> = first.iter().map(|&i| instances[i].observation).collect();
    out.sort_unstable();
    out.dedup();
    Some(out)
}

/// A set of instance indexes, sorted ascending.
type Binding = Vec<usize>;

struct Ctx<'a> {
    leaf: &'a dyn Fn(&ComparisonExpression, usize) -> bool,
    instances: &'a [Instance],
    /// Each observation taking part, with the range of its instances.
    ranges: &'a [(usize, std::ops::Range<usize>)],
}

fn disjoint(a: &Binding, b: &Binding) -> bool {
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => return false,
        }
    }
    true
}

fn union(a: &Binding, b: &Binding) -> Binding {
    let mut out = Vec::with_capacity(a.len() + b.len());
    out.extend_from_slice(a);
    out.extend_from_slice(b);
    out.sort_unstable();
    out
}

impl Ctx<'_> {
    fn latest_first(&self, b: &Binding) -> Option<jiff::Timestamp> {
        b.iter().map(|&i| self.instances[i].first).max()
    }

    fn earliest_last(&self, b: &Binding) -> Option<jiff::Timestamp> {
        b.iter().map(|&i| self.instances[i].last).min()
    }

    fn bindings(&self, expr: &ObservationExpression) -> Vec<Binding> {
        match expr {
            ObservationExpression::Simple(c) => {
                // Evaluate each observation once; its instances all match
                // or none does.
                let mut out = Vec::new();
                for (o, range) in self.ranges {
                    if out.len() >= MAX_BINDINGS {
                        break;
                    }
                    if (self.leaf)(c, *o) {
                        out.extend(range.clone().map(|i| vec![i]));
                    }
                }
                out.truncate(MAX_BINDINGS);
                out
            }
            ObservationExpression::Or(v) => {
                let mut out = Vec::new();
                for e in v {
                    out.extend(self.bindings(e));
                    out.truncate(MAX_BINDINGS);
                }
                out
            }
            ObservationExpression::And(v) => self.join(v, |_, _| true),
            ObservationExpression::FollowedBy(v) => self.join(v, |ctx, (l, r)| {
                match (ctx.latest_first(l), ctx.earliest_last(r)) {
                    (Some(a), Some(b)) => a <= b,
                    _ => false,
                }
            }),
            ObservationExpression::Qualified(inner, q) => {
                let inner = self.bindings(inner);
                match q {
                    Qualifier::Within { seconds } => {
                        let limit = jiff::SignedDuration::try_from_secs_f64(*seconds)
                            .unwrap_or(jiff::SignedDuration::MAX);
                        inner
                            .into_iter()
                            .filter(|b| match (self.latest_first(b), self.earliest_last(b)) {
                                (Some(f), Some(l)) => l.duration_until(f) <= limit,
                                _ => false,
                            })
                            .collect()
                    }
                    Qualifier::StartStop { start, stop } => {
                        if start >= stop {
                            return Vec::new();
                        }
                        inner
                            .into_iter()
                            .filter(|b| {
                                b.iter().all(|&i| {
                                    let inst = self.instances[i];
                                    inst.first < *stop && inst.last >= *start
                                })
                            })
                            .collect()
                    }
                    Qualifier::Repeats { times } => self.repeat(&inner, *times),
                }
            }
        }
    }

    /// Joins operand bindings left to right, keeping disjoint combinations
    /// that satisfy `ok(left, right)`.
    fn join(
        &self,
        operands: &[ObservationExpression],
        ok: impl Fn(&Self, (&Binding, &Binding)) -> bool,
    ) -> Vec<Binding> {
        let mut iter = operands.iter();
        let Some(first) = iter.next() else {
            return Vec::new();
        };
        let mut acc = self.bindings(first);
        for e in iter {
            let right = self.bindings(e);
            let mut next = Vec::new();
            'outer: for l in &acc {
                for r in &right {
                    if disjoint(l, r) && ok(self, (l, r)) {
                        next.push(union(l, r));
                        if next.len() >= MAX_BINDINGS {
                            break 'outer;
                        }
                    }
                }
            }
            acc = next;
            if acc.is_empty() {
                break;
            }
        }
        acc
    }

    /// `REPEATS n`: combinations of `n` pairwise-disjoint bindings.
    fn repeat(&self, bindings: &[Binding], times: u64) -> Vec<Binding> {
        let times = usize::try_from(times).unwrap_or(usize::MAX);
        if times <= 1 {
            return bindings.to_vec();
        }
        if times > bindings.len() {
            return Vec::new();
        }
        let mut out = Vec::new();
        let mut chosen: Vec<usize> = Vec::new();
        self.choose(bindings, times, 0, &mut chosen, &mut Vec::new(), &mut out);
        out
    }

    fn choose(
        &self,
        bindings: &[Binding],
        times: usize,
        from: usize,
        chosen: &mut Vec<usize>,
        merged: &mut Binding,
        out: &mut Vec<Binding>,
    ) {
        if out.len() >= MAX_BINDINGS {
            return;
        }
        if chosen.len() == times {
            out.push(merged.clone());
            return;
        }
        for i in from..bindings.len() {
            if bindings.len() - i < times - chosen.len() {
                return;
            }
            if disjoint(merged, &bindings[i]) {
                let saved = merged.clone();
                *merged = union(merged, &bindings[i]);
                chosen.push(i);
                self.choose(bindings, times, i + 1, chosen, merged, out);
                chosen.pop();
                *merged = saved;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obs(id: &str, first: &str, last: &str, n: u64, objects: Vec<Value>) -> Observation {
        Observation {
            id: id.into(),
            first_observed: first.parse().expect("ts"),
            last_observed: last.parse().expect("ts"),
            number_observed: n,
            objects: objects
                .into_iter()
                .enumerate()
                .map(|(i, v)| (i.to_string(), v.as_object().cloned().expect("object")))
                .collect(),
        }
    }

    fn at(t: &str, objects: Vec<Value>) -> Observation {
        obs("observed-data--x", t, t, 1, objects)
    }

    fn check(pattern: &str, observations: &[Observation]) -> bool {
        let p = Pattern::parse(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}"));
        CompiledPattern::new(p)
            .expect("compiles")
            .matches(observations)
            .is_some()
    }

    fn file() -> Value {
        json!({"type": "file", "name": "Invoice.PDF.exe", "size": 25536,
               "hashes": {"SHA-256": "ab12", "MD5": "cd34"},
               "created": "2020-02-01T10:00:00Z",
               "extensions": {"windows-pebinary-ext": {"sections": [{"name": ".text", "entropy": 7.9}, {"name": ".rsrc", "entropy": 2.1}]}},
               "payload_bin": "TVqQ", "magic_number_hex": "4d5a", "is_signed": false})
    }

    const T0: &str = "2020-01-01T00:00:00Z";

    #[test]
    fn equality_and_inequality() {
        let o = [at(T0, vec![file()])];
        assert!(check("[file:name = 'Invoice.PDF.exe']", &o));
        assert!(!check("[file:name = 'invoice.pdf.exe']", &o));
        assert!(check("[file:name != 'x']", &o));
        assert!(check("[file:is_signed = false]", &o));
        assert!(check("[file:hashes.'SHA-256' = 'ab12']", &o));
        // A missing property makes the comparison false, even negated.
        assert!(!check("[file:mime_type != 'x']", &o));
        assert!(!check("[file:mime_type NOT = 'x']", &o));
        // Other object types are not candidates.
        assert!(!check("[url:name = 'Invoice.PDF.exe']", &o));
    }

    #[test]
    fn ordering_numbers_strings_timestamps() {
        let o = [at(T0, vec![file()])];
        assert!(check("[file:size > 1000]", &o));
        assert!(check("[file:size >= 25536]", &o));
        assert!(!check("[file:size < 25536]", &o));
        assert!(check("[file:size <= 25536.0]", &o));
        assert!(check("[file:name > 'A']", &o));
        assert!(check("[file:created > t'2020-01-31T00:00:00Z']", &o));
        assert!(!check("[file:created < t'2020-01-31T00:00:00Z']", &o));
        assert!(!check("[file:size NOT > 1000]", &o));
    }

    #[test]
    fn in_set() {
        let o = [at(T0, vec![file()])];
        assert!(check("[file:size IN (1, 25536)]", &o));
        assert!(!check("[file:size IN ()]", &o));
        assert!(check("[file:name NOT IN ('a', 'b')]", &o));
    }

    #[test]
    fn like_wildcards() {
        let o = [at(T0, vec![file()])];
        assert!(check("[file:name LIKE 'Invoice%.exe']", &o));
        assert!(check("[file:name LIKE 'Invoice._DF.exe']", &o));
        assert!(!check("[file:name LIKE 'invoice%']", &o));
        assert!(!check("[file:name LIKE 'Invoice']", &o));
        assert!(check("[file:name NOT LIKE '%.txt']", &o));
    }

    #[test]
    fn matches_is_an_unanchored_search() {
        let o = [at(T0, vec![file()])];
        assert!(check("[file:name MATCHES 'PDF\\\\.exe']", &o));
        assert!(check("[file:name MATCHES '^Invoice']", &o));
        assert!(!check("[file:name MATCHES '^PDF']", &o));
        assert!(check("[file:name MATCHES '(?i)^invoice']", &o));
    }

    #[test]
    fn ip_subset_and_superset() {
        let o = [at(
            T0,
            vec![
                json!({"type": "ipv4-addr", "value": "198.51.100.7"}),
                json!({"type": "ipv6-addr", "value": "2001:db8::/48"}),
            ],
        )];
        assert!(check("[ipv4-addr:value ISSUBSET '198.51.100.0/24']", &o));
        assert!(!check("[ipv4-addr:value ISSUBSET '198.51.101.0/24']", &o));
        assert!(check("[ipv4-addr:value ISSUBSET '0.0.0.0/0']", &o));
        // A plain address is a /32 network: it is a superset of itself.
        assert!(check("[ipv4-addr:value ISSUPERSET '198.51.100.7']", &o));
        assert!(check("[ipv6-addr:value ISSUPERSET '2001:db8::1']", &o));
        assert!(!check("[ipv6-addr:value ISSUBSET '198.51.100.0/24']", &o));
    }

    #[test]
    fn hex_and_binary() {
        let o = [at(T0, vec![file()])];
        // `*_hex` values are hex, `*_bin` values base64; both decode to bytes.
        assert!(check("[file:magic_number_hex = h'4D5A']", &o));
        assert!(check("[file:payload_bin = b'TVqQ']", &o));
        assert!(check("[file:payload_bin = h'4d5a90']", &o));
        assert!(!check("[file:payload_bin = h'4d5a91']", &o));
        assert!(check("[file:payload_bin > h'4d']", &o));
        // Strings compare with bytes code point by code point (all < 256).
        assert!(check("[file:magic_number_hex = 'MZ']", &o));
        assert!(check("[file:name = h'496e766f6963652e5044462e657865']", &o));
        assert!(!check("[file:magic_number_hex = 'MZé€']", &o));
    }

    #[test]
    fn type_mismatch() {
        let o = [at(T0, vec![file()])];
        assert!(!check("[file:size = '25536']", &o));
        assert!(check("[file:size != '25536']", &o));
        assert!(!check("[file:size > 'a']", &o));
        assert!(check("[file:size NOT > 'a']", &o));
    }

    #[test]
    fn list_steps_and_exists() {
        let o = [at(T0, vec![file()])];
        assert!(check(
            "[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.5]",
            &o
        ));
        assert!(check(
            "[file:extensions.'windows-pebinary-ext'.sections[1].name = '.rsrc']",
            &o
        ));
        assert!(!check(
            "[file:extensions.'windows-pebinary-ext'.sections[0].name = '.rsrc']",
            &o
        ));
        assert!(!check(
            "[file:extensions.'windows-pebinary-ext'.sections[5].name = '.rsrc']",
            &o
        ));
        assert!(check("[EXISTS file:hashes.MD5]", &o));
        assert!(!check("[EXISTS file:hashes.'SHA-1']", &o));
        assert!(check("[EXISTS file:hashes.MD5 AND file:size > 1]", &o));
    }

    #[test]
    fn references_are_followed() {
        let o = [Observation {
            id: "observed-data--1".into(),
            first_observed: T0.parse().expect("ts"),
            last_observed: T0.parse().expect("ts"),
            number_observed: 1,
            objects: vec![
                ("ipv4-addr--1".into(), json!({"type": "ipv4-addr", "value": "203.0.113.5"}).as_object().cloned().expect("o")),
                ("network-traffic--1".into(), json!({"type": "network-traffic", "src_ref": "ipv4-addr--1", "protocols": ["tcp"], "dst_port": 443}).as_object().cloned().expect("o")),
            ],
        }];
        assert!(check("[network-traffic:src_ref.value = '203.0.113.5']", &o));
        assert!(check(
            "[network-traffic:src_ref.value ISSUBSET '203.0.113.0/24' AND network-traffic:dst_port = 443]",
            &o
        ));
        assert!(!check(
            "[network-traffic:dst_ref.value = '203.0.113.5']",
            &o
        ));
    }

    #[test]
    fn and_inside_brackets_needs_one_object() {
        let o = [at(
            T0,
            vec![
                json!({"type": "file", "name": "a"}),
                json!({"type": "file", "size": 3}),
            ],
        )];
        assert!(!check("[file:name = 'a' AND file:size = 3]", &o));
        assert!(check("[file:name = 'a' OR file:size = 3]", &o));
        // Between brackets, AND needs two distinct observations.
        assert!(!check("[file:name = 'a'] AND [file:size = 3]", &o));
    }

    #[test]
    fn observation_and_needs_distinct_observations() {
        let one = [at(T0, vec![file()])];
        assert!(!check(
            "[file:name = 'Invoice.PDF.exe'] AND [file:size = 25536]",
            &one
        ));
        let two = [at(T0, vec![file()]), at(T0, vec![file()])];
        assert!(check(
            "[file:name = 'Invoice.PDF.exe'] AND [file:size = 25536]",
            &two
        ));
        // number_observed = 2 counts as two instances.
        let counted = [obs("od", T0, T0, 2, vec![file()])];
        assert!(check(
            "[file:name = 'Invoice.PDF.exe'] AND [file:size = 25536]",
            &counted
        ));
    }

    #[test]
    fn followed_by_respects_time() {
        let a = json!({"type": "domain-name", "value": "evil.example"});
        let b = json!({"type": "ipv4-addr", "value": "198.51.100.1"});
        let o = [
            at("2020-01-01T00:00:00Z", vec![a.clone()]),
            at("2020-01-01T00:05:00Z", vec![b.clone()]),
        ];
        assert!(check(
            "[domain-name:value = 'evil.example'] FOLLOWEDBY [ipv4-addr:value = '198.51.100.1']",
            &o
        ));
        assert!(!check(
            "[ipv4-addr:value = '198.51.100.1'] FOLLOWEDBY [domain-name:value = 'evil.example']",
            &o
        ));
        // Simultaneous observations satisfy FOLLOWEDBY in both directions.
        let same = [at(T0, vec![a]), at(T0, vec![b])];
        assert!(check(
            "[ipv4-addr:value = '198.51.100.1'] FOLLOWEDBY [domain-name:value = 'evil.example']",
            &same
        ));
    }

    #[test]
    fn within_qualifier() {
        let a = json!({"type": "mutex", "name": "m"});
        let o = [
            at("2020-01-01T00:00:00Z", vec![a.clone()]),
            at("2020-01-01T00:00:30Z", vec![a]),
        ];
        assert!(check(
            "([mutex:name = 'm'] AND [mutex:name = 'm']) WITHIN 30 SECONDS",
            &o
        ));
        assert!(!check(
            "([mutex:name = 'm'] AND [mutex:name = 'm']) WITHIN 29.5 SECONDS",
            &o
        ));
    }

    #[test]
    fn repeats_qualifier() {
        let a = json!({"type": "mutex", "name": "m"});
        let o = [
            at(T0, vec![a.clone()]),
            at(T0, vec![a.clone()]),
            at(T0, vec![a.clone()]),
        ];
        assert!(check("[mutex:name = 'm'] REPEATS 3 TIMES", &o));
        assert!(!check("[mutex:name = 'm'] REPEATS 4 TIMES", &o));
        assert!(check(
            "[mutex:name = 'm'] REPEATS 4 TIMES",
            &[obs("od", T0, T0, 4, vec![a])]
        ));
    }

    #[test]
    fn start_stop_qualifier() {
        let a = json!({"type": "mutex", "name": "m"});
        let o = [obs(
            "od",
            "2020-01-01T00:00:00Z",
            "2020-01-01T01:00:00Z",
            1,
            vec![a],
        )];
        assert!(check(
            "[mutex:name = 'm'] START t'2020-01-01T00:30:00Z' STOP t'2020-01-02T00:00:00Z'",
            &o
        ));
        // Touching the start counts, touching the stop does not.
        assert!(check(
            "[mutex:name = 'm'] START t'2020-01-01T01:00:00Z' STOP t'2020-01-02T00:00:00Z'",
            &o
        ));
        assert!(!check(
            "[mutex:name = 'm'] START t'2019-12-31T00:00:00Z' STOP t'2020-01-01T00:00:00Z'",
            &o
        ));
        assert!(!check(
            "[mutex:name = 'm'] START t'2020-01-02T00:00:00Z' STOP t'2020-01-01T00:00:00Z'",
            &o
        ));
    }

    #[test]
    fn match_reports_the_observations() {
        let o = [
            at(T0, vec![json!({"type": "url", "value": "x"})]),
            at(T0, vec![file()]),
        ];
        let p = Pattern::parse("[file:size > 1]").expect("parses");
        let m = CompiledPattern::new(p)
            .expect("compiles")
            .matches(&o)
            .expect("matches");
        assert_eq!(m.observations, vec![1]);
    }

    #[test]
    fn observations_from_bundle() {
        let bundle = Bundle::from_json(&json!({
            "type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d",
            "objects": [
                {"type": "ipv4-addr", "spec_version": "2.1", "id": "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd", "value": "198.51.100.3"},
                {"type": "observed-data", "spec_version": "2.1", "id": "observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf",
                 "created": "2016-04-06T19:58:16.000Z", "modified": "2016-04-06T19:58:16.000Z",
                 "first_observed": "2015-12-21T19:00:00Z", "last_observed": "2015-12-21T19:00:00Z",
                 "number_observed": 1, "object_refs": ["ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd"]}
            ]}).to_string()).expect("bundle");
        let observations = Observation::from_bundle(&bundle).expect("observations");
        assert_eq!(observations.len(), 1);
        assert!(check("[ipv4-addr:value = '198.51.100.3']", &observations));
    }

    #[test]
    fn subset_results_index_the_full_slice() {
        let a = json!({"type": "mutex", "name": "m"});
        let o = [
            at(T0, vec![a.clone()]),
            at(T0, vec![a.clone()]),
            at(T0, vec![a]),
        ];
        let p = Pattern::parse("[mutex:name = 'm'] AND [mutex:name = 'm']").expect("parses");
        let c = CompiledPattern::new(p).expect("compiles");
        assert_eq!(
            c.matches_subset(&o, &[0, 2]).map(|m| m.observations),
            Some(vec![0, 2])
        );
        assert_eq!(c.matches_subset(&o, &[1]), None);
    }

    /// Issue 17, part 5: the reference normalises both sides of `LIKE` and
    /// `MATCHES` to NFC, Accord compared code points as written, so 12 of the
    /// reference's own 2.1 Unicode cases failed. The three spellings of "d"
    /// with a dot below and a dot above are canonically equivalent.
    #[test]
    fn like_and_matches_compare_nfc_forms_as_the_reference() {
        let forms = [
            ("nfc", "\u{1e0d}\u{307}"),
            ("nfd", "d\u{323}\u{307}"),
            ("alt", "\u{1e0b}\u{323}"),
        ];
        let object = json!({"type": "x-test", "ddots": {
            "nfc": forms[0].1, "nfd": forms[1].1, "alt": forms[2].1,
            "number": 7, "composed_e": "caf\u{e9}", "decomposed_e": "cafe\u{301}"}});
        let o = [at(T0, vec![object])];
        for (i, (key, _)) in forms.iter().enumerate() {
            for (j, (_, form)) in forms.iter().enumerate() {
                let p = |op: &str, text: &str| format!("[x-test:ddots.{key} {op} {text}]");
                assert!(
                    check(&p("LIKE", &format!("'{form}'")), &o),
                    "{key} LIKE {form:?}"
                );
                assert!(
                    check(&p("LIKE", &format!("'%{form}'")), &o),
                    "{key} LIKE %{form:?}"
                );
                assert!(
                    check(&p("MATCHES", &format!("'^{form}$'")), &o),
                    "{key} MATCHES {form:?}"
                );
                assert!(!check(&p("NOT LIKE", &format!("'{form}'")), &o));
                // Equality compares code points as written, in both.
                assert_eq!(
                    check(&p("=", &format!("'{form}'")), &o),
                    i == j,
                    "{key} = {form:?}"
                );
                assert_eq!(check(&p("!=", &format!("'{form}'")), &o), i != j);
                assert_eq!(check(&p("IN", &format!("('{form}')")), &o), i == j);
            }
        }
        // A decomposed "é" in the pattern matches a composed one in the value
        // and the other way round; one wildcard `_` stands for the one
        // composed character.
        assert!(check("[x-test:ddots.composed_e LIKE 'cafe\u{301}']", &o));
        assert!(check("[x-test:ddots.decomposed_e LIKE 'caf\u{e9}']", &o));
        assert!(check("[x-test:ddots.decomposed_e LIKE 'caf_']", &o));
        assert!(check("[x-test:ddots.composed_e MATCHES 'fe\u{301}$']", &o));
        assert!(check(
            "[x-test:ddots.decomposed_e MATCHES '^caf\u{e9}$']",
            &o
        ));
        assert!(check(
            "[x-test:ddots.decomposed_e MATCHES '^caf[\u{e9}]$']",
            &o
        ));
        // Non-strings still match nothing.
        assert!(!check("[x-test:ddots.number LIKE '7']", &o));
        assert!(!check("[x-test:ddots.number MATCHES '7']", &o));
    }

    #[test]
    fn nfc_borrows_what_is_already_normalised() {
        assert!(matches!(nfc("plain ascii"), Cow::Borrowed(_)));
        assert!(matches!(nfc("caf\u{e9}"), Cow::Borrowed(_)));
        assert_eq!(nfc("cafe\u{301}"), "caf\u{e9}");
        assert_eq!(nfc("d\u{323}\u{307}"), "\u{1e0d}\u{307}");
    }

    #[test]
    fn like_escapes_regex_metacharacters() {
        assert_eq!(like_to_regex("a.b%_"), r"(?s)\Aa\.b.*.\z");
    }
}

//! The STIX 2.1 patterning language (STIX 2.1 §9): syntax tree, parser and
//! canonical printer.
//!
//! A [`Pattern`] is one [`ObservationExpression`]: bracketed
//! [`ComparisonExpression`]s (`[file:name = 'a.exe']`) combined with `AND`,
//! `OR` and `FOLLOWEDBY` and restricted by [`Qualifier`]s. The tree keeps
//! chains of one operator flat (`a AND b AND c` is one `And` of three), and
//! keeps the grouping the author wrote with parentheses when it is not the
//! default (`(a AND b) AND c` is an `And` whose first operand is an `And`).
//! Thanks to that, printing a tree with [`fmt::Display`] and parsing the
//! result gives the same tree back.
//!
//! ```
//! use accord_stix::pattern::Pattern;
//!
//! let p: Pattern = "[file:hashes.'SHA-256' = 'ab' OR file:name = 'x'] WITHIN 5 SECONDS"
//!     .parse()
//!     .unwrap();
//! assert_eq!(p.to_string(), "[file:hashes.'SHA-256' = 'ab' OR file:name = 'x'] WITHIN 5 SECONDS");
//! ```

pub mod error;
pub mod lexer;
pub mod parser;
pub mod regex;

use std::fmt;
use std::str::FromStr;

pub use error::{Location, PatternError, PatternErrors};

/// A parsed pattern (STIX 2.1 §9, "Pattern Expression").
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    /// The observation expression the whole pattern consists of.
    pub observation: ObservationExpression,
}

impl Pattern {
    /// Every object path the pattern tests, in source order.
    pub fn object_paths(&self) -> Vec<&ObjectPath> {
        let mut out = Vec::new();
        self.observation.visit_comparisons(&mut |c| match c {
            ComparisonExpression::Comparison(c) => out.push(&c.path),
            ComparisonExpression::Exists(p) => out.push(p),
            _ => {}
        });
        out
    }
}

impl Pattern {
    /// If the pattern holds exactly when some observed object has one of a
    /// set of values at a path — `=` and `IN` joined by `OR`, inside one
    /// `[...]` or several joined by `OR`, with no `NOT` and no qualifier —
    /// returns those (path, value) pairs. This is the subset of patterns that
    /// blocklists and sensor intel files can express. The constants are as
    /// written: for `*_hex`/`*_bin` paths the comparison is on decoded bytes.
    pub fn exact_values(&self) -> Option<Vec<(&ObjectPath, &Constant)>> {
        fn observation<'a>(
            o: &'a ObservationExpression,
            out: &mut Vec<(&'a ObjectPath, &'a Constant)>,
        ) -> Option<()> {
            match o {
                ObservationExpression::Simple(c) => comparison(c, out),
                ObservationExpression::Or(v) => v.iter().try_for_each(|o| observation(o, out)),
                _ => None,
            }
        }
        fn comparison<'a>(
            c: &'a ComparisonExpression,
            out: &mut Vec<(&'a ObjectPath, &'a Constant)>,
        ) -> Option<()> {
            match c {
                ComparisonExpression::Comparison(Comparison {
                    path,
                    negated: false,
                    operator: ComparisonOperator::Equal,
                    value,
                }) => {
                    out.push((path, value));
                    Some(())
                }
                ComparisonExpression::Comparison(Comparison {
                    path,
                    negated: false,
                    operator: ComparisonOperator::In,
                    value: Constant::Set(items),
                }) => {
                    out.extend(items.iter().map(|v| (path, v)));
                    Some(())
                }
                ComparisonExpression::Or(v) => v.iter().try_for_each(|c| comparison(c, out)),
                _ => None,
            }
        }
        let mut out = Vec::new();
        observation(&self.observation, &mut out)?;
        Some(out)
    }
}

impl FromStr for Pattern {
    type Err = PatternErrors;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Pattern::parse(s)
    }
}

/// An observation expression (STIX 2.1 §9): what must be observed, in which
/// combination and under which qualifiers.
#[derive(Debug, Clone, PartialEq)]
pub enum ObservationExpression {
    /// `[ comparison ]`: one observation satisfies the comparison expression.
    Simple(ComparisonExpression),
    /// `a AND b AND …`: every operand is matched, by distinct observations.
    And(Vec<ObservationExpression>),
    /// `a OR b OR …`: one of the operands is matched.
    Or(Vec<ObservationExpression>),
    /// `a FOLLOWEDBY b …`: every operand is matched, each after the previous one.
    FollowedBy(Vec<ObservationExpression>),
    /// An expression restricted by a qualifier, e.g. `[…] WITHIN 5 SECONDS`.
    Qualified(Box<ObservationExpression>, Qualifier),
}

impl ObservationExpression {
    /// Calls `f` on every comparison expression node, outermost first.
    pub fn visit_comparisons<'a>(&'a self, f: &mut impl FnMut(&'a ComparisonExpression)) {
        match self {
            ObservationExpression::Simple(c) => c.visit(f),
            ObservationExpression::And(v)
            | ObservationExpression::Or(v)
            | ObservationExpression::FollowedBy(v) => {
                v.iter().for_each(|o| o.visit_comparisons(f));
            }
            ObservationExpression::Qualified(o, _) => o.visit_comparisons(f),
        }
    }

    /// Binding strength when printing: higher binds tighter (§9 grammar:
    /// FOLLOWEDBY < OR < AND < qualified/simple).
    fn precedence(&self) -> u8 {
        match self {
            ObservationExpression::FollowedBy(_) => 1,
            ObservationExpression::Or(_) => 2,
            ObservationExpression::And(_) => 3,
            ObservationExpression::Qualified(..) | ObservationExpression::Simple(_) => 4,
        }
    }
}

/// A qualifier restricting when observations may match (STIX 2.1 §9).
#[derive(Debug, Clone, PartialEq)]
pub enum Qualifier {
    /// `WITHIN n SECONDS`: all matching observations fall within `n` seconds.
    Within {
        /// The window length in seconds; always positive.
        seconds: f64,
    },
    /// `REPEATS n TIMES`: the expression is matched `n` times by distinct observations.
    Repeats {
        /// How many times; at least 1.
        times: u64,
    },
    /// `START t'…' STOP t'…'`: matching observations fall in `[start, stop)`.
    StartStop {
        /// Inclusive start of the window.
        start: jiff::Timestamp,
        /// Exclusive end of the window.
        stop: jiff::Timestamp,
    },
}

/// A comparison expression: the contents of `[...]` (STIX 2.1 §9).
#[derive(Debug, Clone, PartialEq)]
pub enum ComparisonExpression {
    /// `path op constant`.
    Comparison(Comparison),
    /// `EXISTS path`.
    Exists(ObjectPath),
    /// `a AND b AND …`: all hold for the same observed object.
    And(Vec<ComparisonExpression>),
    /// `a OR b OR …`.
    Or(Vec<ComparisonExpression>),
}

impl ComparisonExpression {
    fn visit<'a>(&'a self, f: &mut impl FnMut(&'a ComparisonExpression)) {
        f(self);
        if let ComparisonExpression::And(v) | ComparisonExpression::Or(v) = self {
            v.iter().for_each(|c| c.visit(f));
        }
    }

    fn precedence(&self) -> u8 {
        match self {
            ComparisonExpression::Or(_) => 1,
            ComparisonExpression::And(_) => 2,
            ComparisonExpression::Comparison(_) | ComparisonExpression::Exists(_) => 3,
        }
    }
}

/// One test of an object path against a constant, e.g. `file:size > 10`.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The property tested.
    pub path: ObjectPath,
    /// `NOT` written before the operator: the result is inverted.
    pub negated: bool,
    /// The operator.
    pub operator: ComparisonOperator,
    /// The right-hand side; a [`Constant::Set`] for `IN`.
    pub value: Constant,
}

/// The comparison operators of STIX 2.1 §9.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ComparisonOperator {
    /// `=`
    Equal,
    /// `!=`
    NotEqual,
    /// `>`
    GreaterThan,
    /// `<`
    LessThan,
    /// `>=`
    GreaterThanOrEqual,
    /// `<=`
    LessThanOrEqual,
    /// `IN (…)`
    In,
    /// `LIKE` (SQL-style `%` and `_` wildcards)
    Like,
    /// `MATCHES` (regular expression)
    Matches,
    /// `ISSUBSET` (IP address in CIDR range)
    IsSubset,
    /// `ISSUPERSET` (CIDR range contains the observed address or range)
    IsSuperset,
}

impl ComparisonOperator {
    /// The operator as written in a pattern.
    pub fn as_str(self) -> &'static str {
        match self {
            ComparisonOperator::Equal => "=",
            ComparisonOperator::NotEqual => "!=",
            ComparisonOperator::GreaterThan => ">",
            ComparisonOperator::LessThan => "<",
            ComparisonOperator::GreaterThanOrEqual => ">=",
            ComparisonOperator::LessThanOrEqual => "<=",
            ComparisonOperator::In => "IN",
            ComparisonOperator::Like => "LIKE",
            ComparisonOperator::Matches => "MATCHES",
            ComparisonOperator::IsSubset => "ISSUBSET",
            ComparisonOperator::IsSuperset => "ISSUPERSET",
        }
    }
}

/// An object path (STIX 2.1 §9): `type:property.step[0].step`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ObjectPath {
    /// The SCO type, e.g. `file` or `ipv4-addr`.
    pub object_type: String,
    /// The steps after the colon; the first is always a [`PathStep::Property`].
    pub steps: Vec<PathStep>,
}

/// One step of an object path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathStep {
    /// A property or dictionary key: `.name` or `.'SHA-256'`.
    Property(String),
    /// A list index: `[2]`.
    Index(i64),
    /// Any list element: `[*]`.
    AnyIndex,
}

/// A constant on the right-hand side of a comparison (STIX 2.1 §9).
#[derive(Debug, Clone, PartialEq)]
pub enum Constant {
    /// `'text'`
    String(String),
    /// `42`
    Integer(i64),
    /// `4.2`
    Float(f64),
    /// `true` / `false`
    Boolean(bool),
    /// `t'2020-01-01T00:00:00Z'`
    Timestamp(jiff::Timestamp),
    /// `h'c0ffee'`
    Hex(Vec<u8>),
    /// `b'AAE='`
    Binary(Vec<u8>),
    /// `('a', 'b')`, only after `IN`.
    Set(Vec<Constant>),
}

impl Constant {
    /// The kind of constant, for diagnostics.
    pub fn kind(&self) -> &'static str {
        match self {
            Constant::String(_) => "a string",
            Constant::Integer(_) => "an integer",
            Constant::Float(_) => "a float",
            Constant::Boolean(_) => "a boolean",
            Constant::Timestamp(_) => "a timestamp",
            Constant::Hex(_) => "a hex constant",
            Constant::Binary(_) => "a binary constant",
            Constant::Set(_) => "a set",
        }
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.observation.fmt(f)
    }
}

/// Writes `operands` joined by `op`, parenthesising any operand that does not
/// bind tighter than the parent: that keeps an explicit `(a AND b) AND c`.
fn join_observations(
    f: &mut fmt::Formatter<'_>,
    operands: &[ObservationExpression],
    op: &str,
    parent: u8,
) -> fmt::Result {
    for (i, o) in operands.iter().enumerate() {
        if i > 0 {
            write!(f, " {op} ")?;
        }
        if o.precedence() <= parent {
            write!(f, "({o})")?;
        } else {
            write!(f, "{o}")?;
        }
    }
    Ok(())
}

impl fmt::Display for ObservationExpression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = self.precedence();
        match self {
            ObservationExpression::Simple(c) => write!(f, "[{c}]"),
            ObservationExpression::And(v) => join_observations(f, v, "AND", p),
            ObservationExpression::Or(v) => join_observations(f, v, "OR", p),
            ObservationExpression::FollowedBy(v) => join_observations(f, v, "FOLLOWEDBY", p),
            ObservationExpression::Qualified(inner, q) => {
                if inner.precedence() < p {
                    write!(f, "({inner}) {q}")
                } else {
                    write!(f, "{inner} {q}")
                }
            }
        }
    }
}

impl fmt::Display for Qualifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Qualifier::Within { seconds } => {
                f.write_str("WITHIN ")?;
                write_number(f, *seconds, false)?;
                f.write_str(" SECONDS")
            }
            Qualifier::Repeats { times } => write!(f, "REPEATS {times} TIMES"),
            Qualifier::StartStop { start, stop } => write!(f, "START t'{start}' STOP t'{stop}'"),
        }
    }
}

impl fmt::Display for ComparisonExpression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = self.precedence();
        let (op, v) = match self {
            ComparisonExpression::Comparison(c) => return c.fmt(f),
            ComparisonExpression::Exists(path) => return write!(f, "EXISTS {path}"),
            ComparisonExpression::And(v) => ("AND", v),
            ComparisonExpression::Or(v) => ("OR", v),
        };
        for (i, c) in v.iter().enumerate() {
            if i > 0 {
                write!(f, " {op} ")?;
            }
            if c.precedence() <= p {
                write!(f, "({c})")?;
            } else {
                write!(f, "{c}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let not = if self.negated { "NOT " } else { "" };
        write!(
            f,
            "{} {not}{} {}",
            self.path,
            self.operator.as_str(),
            self.value
        )
    }
}

/// Whether `name` can be written bare in an object path (grammar:
/// IdentifierWithoutHyphen, and not a keyword).
fn is_bare_property(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && lexer::keyword(name).is_none()
}

fn write_quoted(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    f.write_str("'")?;
    for c in s.chars() {
        match c {
            '\'' => f.write_str("\\'")?,
            '\\' => f.write_str("\\\\")?,
            c => write!(f, "{c}")?,
        }
    }
    f.write_str("'")
}

/// Writes a float so that it lexes as a float again (Rust's `Display` never
/// uses an exponent, which the grammar lacks). `force_fraction` keeps a
/// trailing `.0` so that `1.0` does not turn into the integer `1`.
fn write_number(f: &mut fmt::Formatter<'_>, x: f64, force_fraction: bool) -> fmt::Result {
    let s = format!("{x}");
    if force_fraction && !s.contains('.') {
        write!(f, "{s}.0")
    } else {
        f.write_str(&s)
    }
}

impl fmt::Display for ObjectPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", self.object_type)?;
        for (i, step) in self.steps.iter().enumerate() {
            match step {
                PathStep::Property(name) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    if is_bare_property(name) {
                        f.write_str(name)?;
                    } else {
                        write_quoted(f, name)?;
                    }
                }
                PathStep::Index(n) => write!(f, "[{n}]")?,
                PathStep::AnyIndex => f.write_str("[*]")?,
            }
        }
        Ok(())
    }
}

impl fmt::Display for Constant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Constant::String(s) => write_quoted(f, s),
            Constant::Integer(n) => write!(f, "{n}"),
            Constant::Float(x) => write_number(f, *x, true),
            Constant::Boolean(b) => write!(f, "{b}"),
            Constant::Timestamp(t) => write!(f, "t'{t}'"),
            Constant::Hex(bytes) => write!(f, "h'{}'", hex::encode(bytes)),
            Constant::Binary(bytes) => {
                use base64::Engine as _;
                write!(
                    f,
                    "b'{}'",
                    base64::engine::general_purpose::STANDARD.encode(bytes)
                )
            }
            Constant::Set(items) => {
                f.write_str("(")?;
                for (i, c) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{c}")?;
                }
                f.write_str(")")
            }
        }
    }
}

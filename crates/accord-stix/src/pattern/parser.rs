//! A hand-written recursive-descent parser for STIX 2.1 patterns.
//!
//! It follows the precedence of the STIX 2.1 grammar (`STIXPattern.g4`):
//! between observation expressions `FOLLOWEDBY` binds loosest, then `OR`,
//! then `AND`, then qualifiers; inside `[...]` `OR` binds looser than `AND`.
//! All binary operators are left-associative, so a chain is kept as one
//! n-ary node.
//!
//! Error strategy: problems inside a constant (a bad timestamp, escape or
//! regular expression) are recorded and parsing goes on; a syntax error inside
//! `[...]` is recorded and the parser skips to the closing `]` and continues
//! with the rest of the pattern. So one run reports several problems when
//! they are independent.

use std::ops::Range;

use base64::Engine as _;
use logos::Logos;

use crate::literal::{parse_ip_network, parse_timestamp};

use super::error::{Location, PatternError, PatternErrors};
use super::lexer::Token;
use super::regex::{self, RegexProblem};
use super::{
    Comparison, ComparisonExpression, ComparisonOperator, Constant, ObjectPath,
    ObservationExpression, PathStep, Pattern, Qualifier,
};

// Here rather than beside the type, so that the syntax tree's module does not
// import its parser (which imports the tree).
impl Pattern {
    /// Parses pattern text, reporting every problem it can find.
    pub fn parse(source: &str) -> Result<Pattern, PatternErrors> {
        parse(source)
    }
}

/// Parses a whole pattern. See [`Pattern::parse`].
pub fn parse(source: &str) -> Result<Pattern, PatternErrors> {
    let mut parser = Parser::new(source);
    if !parser.errors.is_empty() {
        return Err(PatternErrors {
            errors: parser.errors,
        });
    }
    let result = parser.pattern();
    match result {
        Ok(pattern) if parser.errors.is_empty() => Ok(pattern),
        _ => {
            // Diagnostics are reported in source order.
            parser.errors.sort_by_key(|e| e.location().span.start);
            Err(PatternErrors {
                errors: parser.errors,
            })
        }
    }
}

/// Marker for a syntax error that has already been recorded.
struct Fatal;

type PResult<T> = Result<T, Fatal>;

/// Deepest parenthesis nesting accepted. Real patterns nest a few levels;
/// the bound keeps recursion far from the stack limit.
pub const MAX_NESTING: usize = 64;

struct Parser<'s> {
    source: &'s str,
    tokens: Vec<(Token, Range<usize>)>,
    pos: usize,
    errors: Vec<PatternError>,
    depth: usize,
}

impl<'s> Parser<'s> {
    fn new(source: &'s str) -> Self {
        let mut tokens = Vec::new();
        let mut errors = Vec::new();
        let mut lexer = Token::lexer(source);
        while let Some(item) = lexer.next() {
            let span = lexer.span();
            match item {
                Ok(token) => tokens.push((token, span)),
                Err(()) => {
                    let at = Location::new(source, span.clone());
                    let found = source.get(span.start..).and_then(|s| s.chars().next());
                    match found {
                        Some('\'') => {
                            // Nothing after an unclosed quote can be trusted.
                            errors.push(PatternError::UnterminatedString { at });
                            break;
                        }
                        Some(c) => errors.push(PatternError::InvalidCharacter { found: c, at }),
                        None => break,
                    }
                }
            }
        }
        // `t'…`, `h'…` or `b'…` with no closing quote lexes as an identifier
        // followed by the failing quote; report it once, at the prefix.
        for e in &mut errors {
            if let PatternError::UnterminatedString { at } = e
                && let Some((_, prev)) = tokens.iter().rev().find(|(_, s)| s.end <= at.span.start)
                && prev.end == at.span.start
                && matches!(source.get(prev.clone()), Some("t" | "h" | "b"))
            {
                *at = Location::new(source, prev.start..at.span.end);
            }
        }
        Parser {
            source,
            tokens,
            pos: 0,
            errors,
            depth: 0,
        }
    }

    // ----- token access -------------------------------------------------

    fn peek(&self) -> Option<Token> {
        self.tokens.get(self.pos).map(|(t, _)| *t)
    }

    fn span(&self) -> Range<usize> {
        match self.tokens.get(self.pos) {
            Some((_, s)) => s.clone(),
            None => self.source.len()..self.source.len(),
        }
    }

    fn text(&self, span: &Range<usize>) -> &'s str {
        self.source.get(span.clone()).unwrap_or("")
    }

    fn bump(&mut self) -> Option<(Token, Range<usize>)> {
        let t = self.tokens.get(self.pos).cloned();
        if t.is_some() {
            self.pos += 1;
        }
        t
    }

    fn eat(&mut self, token: Token) -> bool {
        if self.peek() == Some(token) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn describe_current(&self) -> String {
        match self.tokens.get(self.pos) {
            None => "the end of the pattern".into(),
            Some((t, span)) => {
                let text = self.text(span);
                let short: String = text.chars().take(40).collect();
                let ellipsis = if short.len() < text.len() { "…" } else { "" };
                match t {
                    Token::Identifier => format!("the identifier `{short}{ellipsis}`"),
                    Token::Integer
                    | Token::Float
                    | Token::String
                    | Token::Timestamp
                    | Token::Hex
                    | Token::Binary => format!("{} `{short}{ellipsis}`", t.describe()),
                    _ => t.describe().to_string(),
                }
            }
        }
    }

    /// Records "expected X, found <current token>" and returns [`Fatal`].
    fn expected<T>(&mut self, expected: &str) -> PResult<T> {
        let span = self.span();
        let at = Location::new(self.source, span);
        let error = if self.pos >= self.tokens.len() {
            PatternError::UnexpectedEnd {
                expected: expected.into(),
                at,
            }
        } else {
            PatternError::UnexpectedToken {
                found: self.describe_current(),
                expected: expected.into(),
                at,
            }
        };
        self.errors.push(error);
        Err(Fatal)
    }

    fn expect(&mut self, token: Token, expected: &str) -> PResult<Range<usize>> {
        if self.peek() == Some(token) {
            Ok(self.bump().map(|(_, s)| s).unwrap_or_default())
        } else {
            self.expected(expected)
        }
    }

    fn location(&self, span: Range<usize>) -> Location {
        Location::new(self.source, span)
    }

    // ----- observation expressions ------------------------------------

    fn pattern(&mut self) -> PResult<Pattern> {
        let observation = self.followed_by()?;
        if self.pos < self.tokens.len() {
            return self.expected(
                "`AND`, `OR`, `FOLLOWEDBY`, a qualifier (`WITHIN`, `REPEATS`, `START`) \
                 or the end of the pattern",
            );
        }
        Ok(Pattern { observation })
    }

    fn followed_by(&mut self) -> PResult<ObservationExpression> {
        let first = self.observation_or()?;
        let mut operands = vec![first];
        while self.eat(Token::FollowedBy) {
            operands.push(self.observation_or()?);
        }
        Ok(collapse(operands, ObservationExpression::FollowedBy))
    }

    fn observation_or(&mut self) -> PResult<ObservationExpression> {
        let first = self.observation_and()?;
        let mut operands = vec![first];
        while self.eat(Token::Or) {
            operands.push(self.observation_and()?);
        }
        Ok(collapse(operands, ObservationExpression::Or))
    }

    fn observation_and(&mut self) -> PResult<ObservationExpression> {
        let first = self.qualified()?;
        let mut operands = vec![first];
        while self.eat(Token::And) {
            operands.push(self.qualified()?);
        }
        Ok(collapse(operands, ObservationExpression::And))
    }

    fn qualified(&mut self) -> PResult<ObservationExpression> {
        let mut expression = self.observation_primary()?;
        loop {
            let qualifier = match self.peek() {
                Some(Token::Within) => self.within()?,
                Some(Token::Repeats) => self.repeats()?,
                Some(Token::Start) => self.start_stop()?,
                _ => return Ok(expression),
            };
            expression = ObservationExpression::Qualified(Box::new(expression), qualifier);
        }
    }

    fn observation_primary(&mut self) -> PResult<ObservationExpression> {
        match self.peek() {
            Some(Token::LBracket) => {
                self.bump();
                let inner = self.comparison_or();
                let closed = match inner {
                    Ok(_) => self.expect(Token::RBracket, "`AND`, `OR` or `]` after a comparison"),
                    Err(Fatal) => Err(Fatal),
                };
                match (inner, closed) {
                    (Ok(c), Ok(_)) => Ok(ObservationExpression::Simple(c)),
                    _ => {
                        // Recover: skip to the `]` that closes this observation
                        // and go on, so later problems are reported too.
                        self.skip_to_close_bracket()?;
                        Ok(ObservationExpression::Simple(ComparisonExpression::Or(
                            Vec::new(),
                        )))
                    }
                }
            }
            Some(Token::LParen) => {
                self.enter()?;
                self.bump();
                let inner = self.followed_by();
                self.depth -= 1;
                let inner = inner?;
                self.expect(
                    Token::RParen,
                    "`AND`, `OR`, `FOLLOWEDBY`, a qualifier or `)`",
                )?;
                Ok(inner)
            }
            _ => self.expected("`[` or `(` to start an observation expression"),
        }
    }

    /// Counts one more level of parentheses, failing past [`MAX_NESTING`].
    fn enter(&mut self) -> PResult<()> {
        if self.depth >= MAX_NESTING {
            let at = self.location(self.span());
            self.errors.push(PatternError::TooDeep {
                limit: MAX_NESTING,
                at,
            });
            return Err(Fatal);
        }
        self.depth += 1;
        Ok(())
    }

    fn skip_to_close_bracket(&mut self) -> PResult<()> {
        let mut depth = 0usize;
        while let Some((token, _)) = self.bump() {
            match token {
                Token::LBracket => depth += 1,
                Token::RBracket if depth == 0 => return Ok(()),
                Token::RBracket => depth -= 1,
                _ => {}
            }
        }
        Err(Fatal)
    }

    // ----- qualifiers ---------------------------------------------------

    fn within(&mut self) -> PResult<Qualifier> {
        self.bump();
        let span = self.span();
        let seconds = match self.peek() {
            Some(Token::Integer | Token::Float) => {
                self.bump();
                self.text(&span).parse::<f64>().unwrap_or(f64::NAN)
            }
            _ => return self.expected("a number of seconds after `WITHIN`"),
        };
        self.expect(Token::Seconds, "`SECONDS`")?;
        // STIX 2.1 §9 / grammar: WITHIN takes a positive number.
        if !(seconds.is_finite() && seconds > 0.0) {
            self.errors.push(PatternError::InvalidQualifier {
                reason: format!(
                    "WITHIN needs a positive number of seconds, found {}",
                    self.text(&span)
                ),
                at: self.location(span),
            });
        }
        Ok(Qualifier::Within { seconds })
    }

    fn repeats(&mut self) -> PResult<Qualifier> {
        self.bump();
        let span = self.expect(Token::Integer, "a positive integer after `REPEATS`")?;
        self.expect(Token::Times, "`TIMES`")?;
        let text = self.text(&span);
        // STIX 2.1 grammar: REPEATS takes a positive integer.
        let times = match text.trim_start_matches('+').parse::<u64>() {
            Ok(n) if n > 0 => n,
            _ => {
                self.errors.push(PatternError::InvalidQualifier {
                    reason: format!("REPEATS needs a positive integer, found {text}"),
                    at: self.location(span),
                });
                1
            }
        };
        Ok(Qualifier::Repeats { times })
    }

    fn start_stop(&mut self) -> PResult<Qualifier> {
        self.bump();
        let start_span = self.expect(Token::Timestamp, "a timestamp t'…' after `START`")?;
        self.expect(Token::Stop, "`STOP`")?;
        let stop_span = self.expect(Token::Timestamp, "a timestamp t'…' after `STOP`")?;
        let start = self.timestamp(start_span);
        let stop = self.timestamp(stop_span);
        Ok(Qualifier::StartStop { start, stop })
    }

    // ----- comparison expressions --------------------------------------

    fn comparison_or(&mut self) -> PResult<ComparisonExpression> {
        let first = self.comparison_and()?;
        let mut operands = vec![first];
        while self.eat(Token::Or) {
            operands.push(self.comparison_and()?);
        }
        Ok(collapse(operands, ComparisonExpression::Or))
    }

    fn comparison_and(&mut self) -> PResult<ComparisonExpression> {
        let first = self.comparison_primary()?;
        let mut operands = vec![first];
        while self.eat(Token::And) {
            operands.push(self.comparison_primary()?);
        }
        Ok(collapse(operands, ComparisonExpression::And))
    }

    fn comparison_primary(&mut self) -> PResult<ComparisonExpression> {
        match self.peek() {
            Some(Token::LParen) => {
                self.enter()?;
                self.bump();
                let inner = self.comparison_or();
                self.depth -= 1;
                let inner = inner?;
                self.expect(Token::RParen, "`AND`, `OR` or `)`")?;
                Ok(inner)
            }
            Some(Token::Exists) => {
                self.bump();
                Ok(ComparisonExpression::Exists(self.object_path()?))
            }
            Some(Token::Identifier) => self.comparison().map(ComparisonExpression::Comparison),
            _ => self.expected("an object path (such as `file:name`), `EXISTS` or `(`"),
        }
    }

    fn comparison(&mut self) -> PResult<Comparison> {
        let path = self.object_path()?;
        let negated = self.eat(Token::Not);
        let operator = match self.peek() {
            Some(Token::Eq) => ComparisonOperator::Equal,
            Some(Token::Neq) => ComparisonOperator::NotEqual,
            Some(Token::Gt) => ComparisonOperator::GreaterThan,
            Some(Token::Lt) => ComparisonOperator::LessThan,
            Some(Token::Ge) => ComparisonOperator::GreaterThanOrEqual,
            Some(Token::Le) => ComparisonOperator::LessThanOrEqual,
            Some(Token::In) => ComparisonOperator::In,
            Some(Token::Like) => ComparisonOperator::Like,
            Some(Token::Matches) => ComparisonOperator::Matches,
            Some(Token::IsSubset) => ComparisonOperator::IsSubset,
            Some(Token::IsSuperset) => ComparisonOperator::IsSuperset,
            _ => {
                return self.expected(
                    "a comparison operator (`=`, `!=`, `<`, `<=`, `>`, `>=`, `IN`, `LIKE`, \
                     `MATCHES`, `ISSUBSET`, `ISSUPERSET`)",
                );
            }
        };
        self.bump();
        let value_span = self.span();
        let value = if operator == ComparisonOperator::In {
            self.set()?
        } else {
            self.constant()?
        };
        let value_span = value_span.start..self.previous_end();
        self.check_operand(operator, &value, value_span);
        Ok(Comparison {
            path,
            negated,
            operator,
            value,
        })
    }

    fn previous_end(&self) -> usize {
        self.pos
            .checked_sub(1)
            .and_then(|i| self.tokens.get(i))
            .map_or(0, |(_, s)| s.end)
    }

    /// Type rules of the grammar's `propTest` alternatives (STIX 2.1 §9).
    fn check_operand(
        &mut self,
        operator: ComparisonOperator,
        value: &Constant,
        span: Range<usize>,
    ) {
        use ComparisonOperator as Op;
        let expected = match operator {
            Op::Equal | Op::NotEqual | Op::In => return,
            Op::GreaterThan | Op::LessThan | Op::GreaterThanOrEqual | Op::LessThanOrEqual => {
                if matches!(value, Constant::Boolean(_)) {
                    "an orderable constant (number, string, timestamp, hex or binary)"
                } else {
                    return;
                }
            }
            Op::Like | Op::Matches | Op::IsSubset | Op::IsSuperset => {
                if !matches!(value, Constant::String(_)) {
                    "a string"
                } else {
                    return self.check_string_operand(operator, value, span);
                }
            }
        };
        self.errors.push(PatternError::InvalidOperand {
            operator: operator.as_str().into(),
            expected: expected.into(),
            found: value.kind().into(),
            at: self.location(span),
        });
    }

    fn check_string_operand(
        &mut self,
        operator: ComparisonOperator,
        value: &Constant,
        span: Range<usize>,
    ) {
        let Constant::String(s) = value else { return };
        match operator {
            ComparisonOperator::Matches => match regex::compile(s) {
                Ok(_) => {}
                Err(RegexProblem::Unsupported(construct)) => {
                    self.errors.push(PatternError::UnsupportedRegex {
                        construct,
                        at: self.location(span),
                    });
                }
                Err(RegexProblem::Invalid(reason)) => {
                    self.errors.push(PatternError::InvalidRegex {
                        reason,
                        at: self.location(span),
                    });
                }
            },
            ComparisonOperator::IsSubset | ComparisonOperator::IsSuperset
                if parse_ip_network(s).is_none() =>
            {
                self.errors.push(PatternError::InvalidOperand {
                    operator: operator.as_str().into(),
                    expected: "an IP address or CIDR range".into(),
                    found: format!("'{s}'"),
                    at: self.location(span),
                });
            }
            _ => {}
        }
    }

    fn set(&mut self) -> PResult<Constant> {
        self.expect(Token::LParen, "`(` to start the set after `IN`")?;
        let mut items = Vec::new();
        if self.eat(Token::RParen) {
            return Ok(Constant::Set(items));
        }
        loop {
            items.push(self.constant()?);
            if self.eat(Token::RParen) {
                return Ok(Constant::Set(items));
            }
            self.expect(Token::Comma, "`,` or `)` in the set")?;
        }
    }

    fn constant(&mut self) -> PResult<Constant> {
        let span = self.span();
        let text = self.text(&span);
        let constant = match self.peek() {
            Some(Token::String) => Constant::String(self.string(span.clone())),
            Some(Token::Integer) => match text.trim_start_matches('+').parse::<i64>() {
                Ok(n) => Constant::Integer(n),
                Err(_) => {
                    self.errors.push(PatternError::IntegerOutOfRange {
                        text: text.into(),
                        at: self.location(span.clone()),
                    });
                    Constant::Integer(0)
                }
            },
            Some(Token::Float) => Constant::Float(text.parse::<f64>().unwrap_or(0.0)),
            Some(Token::True) => Constant::Boolean(true),
            Some(Token::False) => Constant::Boolean(false),
            Some(Token::Timestamp) => Constant::Timestamp(self.timestamp(span.clone())),
            Some(Token::Hex) => Constant::Hex(self.hex(span.clone())),
            Some(Token::Binary) => Constant::Binary(self.binary(span.clone())),
            _ => {
                return self
                    .expected("a constant (string, number, `true`/`false`, t'…', h'…' or b'…')");
            }
        };
        self.bump();
        Ok(constant)
    }

    // ----- object paths -------------------------------------------------

    fn object_path(&mut self) -> PResult<ObjectPath> {
        let type_span = self.expect(Token::Identifier, "an object type (such as `file`)")?;
        let object_type = self.text(&type_span).to_string();
        self.expect(Token::Colon, "`:` after the object type")?;
        let mut steps = vec![self.property_name("a property name after `:`")?];
        loop {
            match self.peek() {
                Some(Token::Dot) => {
                    self.bump();
                    steps.push(self.property_name("a property name after `.`")?);
                }
                Some(Token::LBracket) => {
                    self.bump();
                    let step = match self.peek() {
                        Some(Token::Star) => PathStep::AnyIndex,
                        Some(Token::Integer) => {
                            let span = self.span();
                            let text = self.text(&span);
                            match text.trim_start_matches('+').parse::<i64>() {
                                Ok(n) => PathStep::Index(n),
                                Err(_) => {
                                    self.errors.push(PatternError::IntegerOutOfRange {
                                        text: text.into(),
                                        at: self.location(span),
                                    });
                                    PathStep::Index(0)
                                }
                            }
                        }
                        _ => return self.expected("a list index or `*`"),
                    };
                    self.bump();
                    self.expect(Token::RBracket, "`]` after the list index")?;
                    steps.push(step);
                }
                _ => return Ok(ObjectPath { object_type, steps }),
            }
        }
    }

    fn property_name(&mut self, expected: &str) -> PResult<PathStep> {
        let span = self.span();
        match self.peek() {
            Some(Token::Identifier) => {
                self.bump();
                let name = self.text(&span);
                if name.contains('-') {
                    self.errors.push(PatternError::HyphenInPropertyName {
                        name: name.into(),
                        at: self.location(span),
                    });
                }
                Ok(PathStep::Property(name.into()))
            }
            Some(Token::String) => {
                self.bump();
                Ok(PathStep::Property(self.string(span)))
            }
            _ => self.expected(expected),
        }
    }

    // ----- constants ----------------------------------------------------

    /// Unescapes a quoted string; STIX 2.1 §9 allows only `\'` and `\\`.
    fn string(&mut self, span: Range<usize>) -> String {
        let raw = self.text(&span);
        let inner = raw.get(1..raw.len().saturating_sub(1)).unwrap_or("");
        let mut out = String::with_capacity(inner.len());
        let mut chars = inner.char_indices();
        while let Some((i, c)) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some((_, e @ ('\'' | '\\'))) => out.push(e),
                Some((j, e)) => {
                    let start = span.start + 1 + i;
                    let end = span.start + 1 + j + e.len_utf8();
                    self.errors.push(PatternError::InvalidEscape {
                        sequence: format!("\\{e}"),
                        at: self.location(start..end),
                    });
                }
                None => {}
            }
        }
        out
    }

    fn literal_body(&self, span: &Range<usize>) -> &'s str {
        // `t'…'`, `h'…'` and `b'…'`: a one-letter prefix, quotes around the body.
        let raw = self.text(span);
        raw.get(2..raw.len().saturating_sub(1)).unwrap_or("")
    }

    fn timestamp(&mut self, span: Range<usize>) -> jiff::Timestamp {
        let body = self.literal_body(&span);
        match parse_timestamp(body) {
            Ok(t) => t,
            Err(reason) => {
                self.errors.push(PatternError::InvalidTimestamp {
                    text: self.text(&span).into(),
                    reason,
                    at: self.location(span),
                });
                jiff::Timestamp::UNIX_EPOCH
            }
        }
    }

    fn hex(&mut self, span: Range<usize>) -> Vec<u8> {
        let body = self.literal_body(&span);
        let reason = if !body.len().is_multiple_of(2) {
            "an odd number of hex digits".to_string()
        } else {
            match hex::decode(body) {
                Ok(bytes) => return bytes,
                Err(e) => e.to_string(),
            }
        };
        self.errors.push(PatternError::InvalidHex {
            text: self.text(&span).into(),
            reason,
            at: self.location(span),
        });
        Vec::new()
    }

    fn binary(&mut self, span: Range<usize>) -> Vec<u8> {
        let body = self.literal_body(&span);
        match base64::engine::general_purpose::STANDARD.decode(body) {
            Ok(bytes) => bytes,
            Err(e) => {
                self.errors.push(PatternError::InvalidBinary {
                    text: self.text(&span).into(),
                    reason: e.to_string(),
                    at: self.location(span),
                });
                Vec::new()
            }
        }
    }
}

/// Builds an n-ary node from a chain, or returns the single operand as is.
fn collapse<T>(mut operands: Vec<T>, make: impl FnOnce(Vec<T>) -> T) -> T {
    if operands.len() == 1
        && let Some(only) = operands.pop()
    {
        return only;
    }
    make(operands)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(src: &str) -> Pattern {
        parse(src).unwrap_or_else(|e| panic!("{src}: {e}"))
    }

    fn err(src: &str) -> Vec<PatternError> {
        parse(src).expect_err(src).errors
    }

    #[test]
    fn precedence_between_observations() {
        let p = ok("[a:b=1] AND [a:b=2] OR [a:b=3] FOLLOWEDBY [a:b=4]");
        let ObservationExpression::FollowedBy(v) = &p.observation else {
            panic!("{p:?}")
        };
        assert_eq!(v.len(), 2);
        let ObservationExpression::Or(or) = &v[0] else {
            panic!("{p:?}")
        };
        assert!(matches!(or[0], ObservationExpression::And(_)));
    }

    #[test]
    fn precedence_inside_brackets() {
        let p = ok("[a:b=1 OR a:b=2 AND a:c=3]");
        let ObservationExpression::Simple(ComparisonExpression::Or(v)) = &p.observation else {
            panic!("{p:?}")
        };
        assert!(matches!(v[1], ComparisonExpression::And(_)));
    }

    #[test]
    fn explicit_grouping_is_kept() {
        let p = ok("([a:b=1] AND [a:b=2]) AND [a:b=3]");
        let ObservationExpression::And(v) = &p.observation else {
            panic!()
        };
        assert_eq!(v.len(), 2);
        assert_eq!(p.to_string(), "([a:b = 1] AND [a:b = 2]) AND [a:b = 3]");
    }

    #[test]
    fn qualifiers_bind_to_the_nearest_expression() {
        let p = ok("[a:b=1] AND [a:b=2] WITHIN 5 SECONDS");
        let ObservationExpression::And(v) = &p.observation else {
            panic!()
        };
        assert!(matches!(v[1], ObservationExpression::Qualified(..)));
    }

    #[test]
    fn string_escapes() {
        let p = ok(r"[a:b = 'it\'s a \\ path']");
        assert!(p.to_string().contains(r"'it\'s a \\ path'"));
        let e = err(r"[a:b = 'bad \n']");
        assert!(matches!(&e[0], PatternError::InvalidEscape { sequence, .. } if sequence == "\\n"));
    }

    #[test]
    fn several_errors_are_reported() {
        let e = err("[a:b = ] AND [c:d LIKE 1] AND [e:f = t'2020']");
        assert_eq!(e.len(), 3, "{e:?}");
    }

    #[test]
    fn error_positions_are_one_based() {
        let e = err("[a:b = 1]\n  AND [c:d = ]");
        let at = e[0].location();
        assert_eq!((at.line, at.column), (2, 14));
    }

    #[test]
    fn exact_values_of_exportable_patterns() {
        let p = ok(
            "[domain-name:value = 'a.example' OR domain-name:value IN ('b', 'c')] \
                    OR [ipv4-addr:value = '198.51.100.1']",
        );
        let values: Vec<String> = p
            .exact_values()
            .expect("exportable")
            .iter()
            .map(|(p, v)| format!("{p} {v}"))
            .collect();
        assert_eq!(
            values,
            [
                "domain-name:value 'a.example'",
                "domain-name:value 'b'",
                "domain-name:value 'c'",
                "ipv4-addr:value '198.51.100.1'"
            ]
        );
        for not_exact in [
            "[a:b = 1 AND a:c = 2]",
            "[a:b NOT = 1]",
            "[a:b LIKE 'x%']",
            "[a:b = 1] AND [a:b = 2]",
            "[a:b = 1] WITHIN 5 SECONDS",
            "[a:b = 1] FOLLOWEDBY [a:b = 2]",
        ] {
            assert!(ok(not_exact).exact_values().is_none(), "{not_exact}");
        }
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = format!("{}[a:b = 1]{}", "(".repeat(100_000), ")".repeat(100_000));
        assert!(matches!(&err(&deep)[0], PatternError::TooDeep { .. }));
        let inner = format!("[{}a:b = 1{}]", "(".repeat(100_000), ")".repeat(100_000));
        assert!(matches!(&err(&inner)[0], PatternError::TooDeep { .. }));
        let ok_depth = format!(
            "{}[a:b = 1]{}",
            "(".repeat(MAX_NESTING),
            ")".repeat(MAX_NESTING)
        );
        assert!(parse(&ok_depth).is_ok());
    }
}

//! Diagnostics for patterns that do not parse.

use std::fmt;
use std::ops::Range;

/// Where a problem is in the pattern text: 1-based line and column (in
/// characters) and the byte span it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// 1-based line number.
    pub line: usize,
    /// 1-based column, counted in Unicode scalar values.
    pub column: usize,
    /// Byte range of the offending text in the pattern.
    pub span: Range<usize>,
}

impl Location {
    /// Computes line and column of `span.start` in `source`.
    pub fn new(source: &str, span: Range<usize>) -> Self {
        let start = span.start.min(source.len());
        let before = source.get(..start).unwrap_or("");
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
        Location { line, column, span }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

/// One problem found while reading a pattern. Every variant says where
/// (`at`), what was found and, for syntax errors, what was expected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PatternError {
    /// A token that the grammar does not allow here.
    #[error("{at}: expected {expected}, found {found}")]
    UnexpectedToken {
        /// What was found, e.g. "`AND`" or "the identifier `foo`".
        found: String,
        /// What the grammar allows here.
        expected: String,
        /// Where.
        at: Location,
    },
    /// The pattern ended while more was required.
    #[error("{at}: expected {expected}, found the end of the pattern")]
    UnexpectedEnd {
        /// What the grammar requires here.
        expected: String,
        /// Where (the end of the input).
        at: Location,
    },
    /// A character that starts no token.
    #[error("{at}: unexpected character {found:?}")]
    InvalidCharacter {
        /// The character.
        found: char,
        /// Where.
        at: Location,
    },
    /// A quote that is never closed.
    #[error("{at}: unterminated string constant (missing closing `'`)")]
    UnterminatedString {
        /// Where the constant starts.
        at: Location,
    },
    /// A backslash escape other than `\'` and `\\` (STIX 2.1 §9).
    #[error("{at}: invalid escape `{sequence}` in string; only \\' and \\\\ are allowed")]
    InvalidEscape {
        /// The escape as written.
        sequence: String,
        /// Where.
        at: Location,
    },
    /// A `t'…'` constant that is not an RFC 3339 UTC timestamp.
    #[error("{at}: invalid timestamp {text}: {reason}")]
    InvalidTimestamp {
        /// The constant as written.
        text: String,
        /// Why it is invalid.
        reason: String,
        /// Where.
        at: Location,
    },
    /// A `h'…'` constant that is not an even number of hex digits.
    #[error("{at}: invalid hex constant {text}: {reason}")]
    InvalidHex {
        /// The constant as written.
        text: String,
        /// Why it is invalid.
        reason: String,
        /// Where.
        at: Location,
    },
    /// A `b'…'` constant that is not valid base64.
    #[error("{at}: invalid binary constant {text}: {reason}")]
    InvalidBinary {
        /// The constant as written.
        text: String,
        /// Why it is invalid.
        reason: String,
        /// Where.
        at: Location,
    },
    /// An integer that does not fit in 64 bits.
    #[error("{at}: integer {text} does not fit in a signed 64-bit integer")]
    IntegerOutOfRange {
        /// The integer as written.
        text: String,
        /// Where.
        at: Location,
    },
    /// A property name written bare with a hyphen; it must be quoted.
    #[error("{at}: property name `{name}` contains a hyphen; quote it as '{name}'")]
    HyphenInPropertyName {
        /// The name as written.
        name: String,
        /// Where.
        at: Location,
    },
    /// An operator used with a constant of a kind it does not accept.
    #[error("{at}: `{operator}` needs {expected}, found {found}")]
    InvalidOperand {
        /// The operator, e.g. `LIKE`.
        operator: String,
        /// What it accepts.
        expected: String,
        /// What was found.
        found: String,
        /// Where the constant is.
        at: Location,
    },
    /// A qualifier with an impossible value (`WITHIN 0 SECONDS`, `REPEATS 0 TIMES`).
    #[error("{at}: invalid qualifier: {reason}")]
    InvalidQualifier {
        /// Why it is invalid.
        reason: String,
        /// Where.
        at: Location,
    },
    /// Parentheses nested deeper than the parser allows; the limit keeps a
    /// hostile pattern from exhausting the stack.
    #[error("{at}: parentheses nested deeper than {limit} levels")]
    TooDeep {
        /// The nesting limit.
        limit: usize,
        /// Where the limit was exceeded.
        at: Location,
    },
    /// A `MATCHES` regular expression that does not compile.
    #[error("{at}: invalid regular expression: {reason}")]
    InvalidRegex {
        /// The compiler's explanation.
        reason: String,
        /// Where the constant is.
        at: Location,
    },
    /// A `MATCHES` construct that a linear-time engine cannot honour
    /// (look-around, backreferences, atomic groups, possessive quantifiers,
    /// conditionals). Rejected rather than silently mis-evaluated.
    #[error("{at}: unsupported regular expression construct: {construct}")]
    UnsupportedRegex {
        /// The construct and, where there is one, the alternative.
        construct: String,
        /// Where the constant is.
        at: Location,
    },
}

impl PatternError {
    /// Where the problem is.
    pub fn location(&self) -> &Location {
        match self {
            PatternError::UnexpectedToken { at, .. }
            | PatternError::UnexpectedEnd { at, .. }
            | PatternError::InvalidCharacter { at, .. }
            | PatternError::UnterminatedString { at }
            | PatternError::InvalidEscape { at, .. }
            | PatternError::InvalidTimestamp { at, .. }
            | PatternError::InvalidHex { at, .. }
            | PatternError::InvalidBinary { at, .. }
            | PatternError::IntegerOutOfRange { at, .. }
            | PatternError::HyphenInPropertyName { at, .. }
            | PatternError::InvalidOperand { at, .. }
            | PatternError::InvalidQualifier { at, .. }
            | PatternError::TooDeep { at, .. }
            | PatternError::InvalidRegex { at, .. }
            | PatternError::UnsupportedRegex { at, .. } => at,
        }
    }
}

/// All problems found in one pattern, in source order (at least one).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct PatternErrors {
    /// The problems, first one first.
    pub errors: Vec<PatternError>,
}

impl PatternErrors {
    /// The first problem, which is usually the one to fix first.
    pub fn first(&self) -> Option<&PatternError> {
        self.errors.first()
    }
}

impl fmt::Display for PatternErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_counts_lines_and_characters() {
        let src = "[a:b = 'é'\n AND x]";
        let at = Location::new(src, 13..16);
        assert_eq!((at.line, at.column), (2, 2));
        let at = Location::new(src, 11..12);
        assert_eq!((at.line, at.column), (1, 11));
    }
}

//! Regular expressions for `MATCHES`, compiled with a linear-time engine.
//!
//! STIX 2.1 §9 defines `MATCHES` with PCRE syntax, and the OASIS reference
//! matcher runs Python's `re.search`. Both are backtracking engines whose
//! worst case is exponential, which a hub that evaluates other people's
//! indicators cannot afford. Accord compiles `MATCHES` with `regex-automata`
//! (finite automata, time linear in the input), and rejects at parse time the
//! constructs such an engine cannot honour, naming each one, so that a
//! pattern is never evaluated with a silently different meaning.
//!
//! Rejected (with [`RegexProblem::Unsupported`]):
//! - look-ahead `(?=…)`, `(?!…)` and look-behind `(?<=…)`, `(?<!…)`;
//! - backreferences `\1`…`\9`, `(?P=name)`, `\k<name>`, `\g<…>`;
//! - atomic groups `(?>…)` and possessive quantifiers `*+`, `++`, `?+`;
//! - conditionals `(?(1)…)` and inline comments `(?#…)`;
//! - Python's `\Z` (end of text): write `\z`.
//!
//! Differences that remain between Python/PCRE and this engine, for
//! expressions that compile in both:
//! - matching is an unanchored search, as in `re.search`: use `^`/`$` to anchor;
//! - `$` matches only at the very end of the text (Python's `$` also matches
//!   before a final `\n`); use `\n?$` to get Python's behaviour;
//! - `\d`, `\w`, `\s` and `\b` are Unicode-aware, as in Python 3 for `str`;
//! - character classes may nest (`[a-z&&[^x]]` is a set operation here, a
//!   literal `&&` in Python); write `\&` for a literal ampersand pair;
//! - `{,n}` is not accepted: write `{0,n}`.

use regex_automata::meta::Regex;

/// Why a `MATCHES` expression cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegexProblem {
    /// A construct the linear-time engine cannot honour (see module docs).
    Unsupported(String),
    /// The expression does not parse or is too large.
    Invalid(String),
}

/// Upper bound on the compiled automaton, so a hostile indicator cannot
/// exhaust memory (bytes, regex-automata's `nfa_size_limit`).
const NFA_SIZE_LIMIT: usize = 8 << 20;

/// Checks `pattern` for unsupported constructs, then compiles it.
pub fn compile(pattern: &str) -> Result<Regex, RegexProblem> {
    if let Some(construct) = find_unsupported(pattern) {
        return Err(RegexProblem::Unsupported(construct));
    }
    Regex::builder()
        .configure(Regex::config().nfa_size_limit(Some(NFA_SIZE_LIMIT)))
        .build(pattern)
        .map_err(|e| RegexProblem::Invalid(describe_build_error(&e)))
}

/// regex-syntax renders errors over several lines with a caret; keep the
/// one-line explanation, since the diagnostic already says where.
fn describe_build_error(e: &regex_automata::meta::BuildError) -> String {
    match e.syntax_error() {
        Some(syntax) => {
            let text = syntax.to_string();
            let last = text.lines().last().unwrap_or_default();
            last.trim().trim_start_matches("error: ").to_string()
        }
        None => e.to_string(),
    }
}

/// Scans the expression (escapes and character classes aware) for the first
/// construct that a finite automaton cannot express.
fn find_unsupported(pattern: &str) -> Option<String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    let mut in_class = false;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            '\\' => {
                if !in_class {
                    match next {
                        Some(d @ '1'..='9') => {
                            return Some(format!("backreference `\\{d}`"));
                        }
                        Some('k') if matches!(chars.get(i + 2), Some('<' | '{' | '\'')) => {
                            return Some("named backreference `\\k<…>`".into());
                        }
                        Some('g') => {
                            return Some("backreference or subroutine call `\\g…`".into());
                        }
                        Some('Z') => {
                            return Some(
                                "`\\Z` (Python's end of text); write `\\z` instead".into(),
                            );
                        }
                        _ => {}
                    }
                }
                i += 2;
                continue;
            }
            '[' if !in_class => {
                in_class = true;
                // A `]` right after `[` or `[^` is a literal, not the end.
                let mut j = i + 1;
                if chars.get(j) == Some(&'^') {
                    j += 1;
                }
                if chars.get(j) == Some(&']') {
                    j += 1;
                }
                i = j;
                continue;
            }
            ']' if in_class => in_class = false,
            '(' if !in_class && next == Some('?') => {
                let rest: String = chars[i + 2..].iter().take(3).collect();
                let found = if rest.starts_with('=') {
                    Some("look-ahead `(?=…)`")
                } else if rest.starts_with('!') {
                    Some("negative look-ahead `(?!…)`")
                } else if rest.starts_with("<=") {
                    Some("look-behind `(?<=…)`")
                } else if rest.starts_with("<!") {
                    Some("negative look-behind `(?<!…)`")
                } else if rest.starts_with("P=") {
                    Some("named backreference `(?P=name)`")
                } else if rest.starts_with('>') {
                    Some("atomic group `(?>…)`")
                } else if rest.starts_with('(') {
                    Some("conditional group `(?(…)…)`")
                } else if rest.starts_with('#') {
                    Some("inline comment `(?#…)`")
                } else {
                    None
                };
                if let Some(found) = found {
                    return Some(found.to_string());
                }
            }
            '*' | '+' | '?' if !in_class && next == Some('+') => {
                // `a++` is possessive in PCRE and Python 3.11; `(?+` is not
                // reachable here because `(?` is handled above.
                return Some(format!("possessive quantifier `{c}+`"));
            }
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unsupported(p: &str) -> String {
        match compile(p) {
            Err(RegexProblem::Unsupported(s)) => s,
            other => panic!("expected unsupported for {p}, got {other:?}"),
        }
    }

    #[test]
    fn look_around_is_rejected_by_name() {
        assert!(unsupported("a(?=b)").contains("look-ahead"));
        assert!(unsupported("a(?!b)").contains("negative look-ahead"));
        assert!(unsupported("(?<=a)b").contains("look-behind"));
        assert!(unsupported("(?<!a)b").contains("negative look-behind"));
    }

    #[test]
    fn backreferences_are_rejected() {
        assert!(unsupported(r"(a)\1").contains("backreference `\\1`"));
        assert!(unsupported(r"(?P<x>a)(?P=x)").contains("(?P=name)"));
        assert!(unsupported(r"(?<x>a)\k<x>").contains("\\k<"));
    }

    #[test]
    fn other_backtracking_constructs_are_rejected() {
        assert!(unsupported("(?>a+)b").contains("atomic"));
        assert!(unsupported("a++").contains("possessive"));
        assert!(unsupported(r"abc\Z").contains("\\z"));
    }

    #[test]
    fn escaped_and_class_contents_are_not_constructs() {
        assert!(compile(r"\(\?=x\)").is_ok());
        assert!(compile(r"[(?=]").is_ok());
        assert!(compile(r"[]a]+").is_ok());
        assert!(compile(r"(?P<name>a+)(?i:b)").is_ok());
    }

    #[test]
    fn invalid_expressions_are_reported() {
        assert!(matches!(compile("a("), Err(RegexProblem::Invalid(m)) if m == "unclosed group"));
    }

    #[test]
    fn search_is_unanchored() {
        let re = compile("b+").expect("compiles");
        assert!(re.is_match("abbbc"));
        assert!(!compile("^b").expect("compiles").is_match("ab"));
    }
}

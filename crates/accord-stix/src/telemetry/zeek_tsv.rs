//! Zeek's default log format, the ASCII writer's tab-separated values, read
//! into the same records as Zeek JSON so [`super::zeek`] maps them unchanged.
//!
//! A Zeek TSV log opens with a header of `#` lines, each naming the log's
//! layout; records follow, one per line:
//!
//! | header line | meaning | default |
//! |---|---|---|
//! | `#separator \x09` | field separator (written with a space after `#separator`, escaped as `\xHH`) | tab |
//! | `#set_separator` | separator of a `set[…]`/`vector[…]` field's elements | `,` |
//! | `#empty_field` | an empty string or container | `(empty)` |
//! | `#unset_field` | a field without a value (absent in the record) | `-` |
//! | `#path` | the log (`conn`, `dns`, …), carried as `_path` | — |
//! | `#open`, `#close` | when the file was opened and closed | — |
//! | `#fields`, `#types` | the column names and their Zeek types | — |
//!
//! Values become what Zeek's JSON writer would write: `time`, `interval`
//! and `double` are numbers (`time` in epoch seconds), `count`, `int` and
//! `port` integers, `bool` (`T`/`F`) booleans, containers arrays of their
//! element type, everything else (`string`, `addr`, `subnet`, `enum`, …)
//! strings with Zeek's escapes (`\xHH`, `\\`) undone. An unset field is
//! left out, as the JSON writer leaves it out.
//!
//! A `#separator` line starts a new header: Zeek writes a whole header
//! again when it reopens a log (after rotation, or a restart appending to
//! the same file), and the layout may differ from the one before.
//!
//! ```
//! use accord_stix::telemetry::zeek_tsv::TsvReader;
//!
//! let log = "#separator \\x09\n#path\tdns\n#fields\tts\tid.orig_h\tquery\tqtype_name\tanswers\n\
//!            #types\ttime\taddr\tstring\tstring\tvector[string]\n\
//!            1795946400.5\t192.0.2.10\tc2.example\tA\t203.0.113.7,203.0.113.8\n";
//! let mut reader = TsvReader::new();
//! let records: Vec<_> = log.lines().filter_map(|l| reader.line(l).unwrap()).collect();
//! assert_eq!(records[0]["query"], "c2.example");
//! assert_eq!(records[0]["answers"][1], "203.0.113.8");
//! assert_eq!(records[0]["_path"], "dns");
//! ```

use serde_json::{Map, Number, Value};

use super::{Record, RecordError};

/// A line of a Zeek TSV log that cannot be read, and why (the caller adds
/// the file and line).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Zeek TSV: {reason}")]
pub struct TsvError {
    /// What is wrong, naming the field or header line.
    pub reason: String,
}

fn error(reason: impl Into<String>) -> TsvError {
    TsvError {
        reason: reason.into(),
    }
}

/// The layout a Zeek TSV header declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    separator: String,
    set_separator: String,
    empty_field: String,
    unset_field: String,
    path: Option<String>,
    fields: Vec<String>,
    types: Vec<String>,
    closed: bool,
}

impl Default for Header {
    fn default() -> Header {
        Header {
            separator: "\t".into(),
            set_separator: ",".into(),
            empty_field: "(empty)".into(),
            unset_field: "-".into(),
            path: None,
            fields: Vec::new(),
            types: Vec::new(),
            closed: false,
        }
    }
}

impl Header {
    /// The log named by `#path`, if any.
    pub fn path(&self) -> Option<&str> {
        self.path.as_deref()
    }

    /// The column names of `#fields`.
    pub fn fields(&self) -> &[String] {
        &self.fields
    }
}

/// Reads a Zeek TSV log line by line, keeping the header in force.
///
/// Lines are given without their line ending. [`TsvReader::header_lines`]
/// returns the header lines in force, so a reader resuming in the middle
/// of a file (after a restart) can be rebuilt by feeding them again.
#[derive(Debug, Clone, Default)]
pub struct TsvReader {
    header: Option<Header>,
    /// The header lines that built `header`, in order.
    lines: Vec<String>,
}

/// Whether `line` is a Zeek TSV header line (it starts with `#`).
pub fn is_header_line(line: &str) -> bool {
    line.starts_with('#')
}

impl TsvReader {
    /// A reader that has seen no header yet.
    pub fn new() -> TsvReader {
        TsvReader::default()
    }

    /// The header in force, if one has been read.
    pub fn header(&self) -> Option<&Header> {
        self.header.as_ref()
    }

    /// The header lines in force (empty before the first header).
    pub fn header_lines(&self) -> &[String] {
        &self.lines
    }

    /// Forgets the header (the file was truncated or replaced).
    pub fn reset(&mut self) {
        self.header = None;
        self.lines.clear();
    }

    /// Reads one line: `Ok(None)` for a header line or a blank line, the
    /// record for a data line.
    pub fn line(&mut self, line: &str) -> Result<Option<Map<String, Value>>, TsvError> {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            return Ok(None);
        }
        if is_header_line(line) {
            self.header_line(line)?;
            return Ok(None);
        }
        let header = self
            .header
            .as_ref()
            .ok_or_else(|| error("a record before any header (`#separator`, `#fields`, …)"))?;
        header.record(line).map(Some)
    }

    fn header_line(&mut self, line: &str) -> Result<(), TsvError> {
        if let Some(rest) = line.strip_prefix("#separator") {
            // The one header line whose value follows a space, since the
            // separator is not known yet.
            let value = rest.strip_prefix(' ').ok_or_else(|| {
                error("`#separator` must be followed by a space and the separator")
            })?;
            let separator = unescape(value);
            if separator.is_empty() {
                return Err(error("`#separator` is empty"));
            }
            self.header = Some(Header {
                separator,
                ..Header::default()
            });
            self.lines = vec![line.to_owned()];
            return Ok(());
        }
        let header = self
            .header
            .as_mut()
            .ok_or_else(|| error("a header line before `#separator`"))?;
        let (directive, value) = line
            .split_once(header.separator.as_str())
            .unwrap_or((line, ""));
        match directive {
            "#set_separator" => {
                let s = unescape(value);
                if s.is_empty() {
                    return Err(error("`#set_separator` is empty"));
                }
                header.set_separator = s;
            }
            "#empty_field" => header.empty_field = unescape(value),
            "#unset_field" => header.unset_field = unescape(value),
            "#path" => header.path = Some(unescape(value)),
            "#fields" => {
                header.fields = value
                    .split(header.separator.as_str())
                    .map(unescape)
                    .collect();
                if header.fields.iter().any(String::is_empty) {
                    return Err(error("`#fields` names an empty field"));
                }
            }
            "#types" => {
                header.types = value
                    .split(header.separator.as_str())
                    .map(str::to_owned)
                    .collect();
            }
            "#close" => header.closed = true,
            // `#open` and directives of later Zeek versions carry nothing a
            // record needs.
            _ => {}
        }
        self.lines.push(line.to_owned());
        Ok(())
    }
}

impl Header {
    fn record(&self, line: &str) -> Result<Map<String, Value>, TsvError> {
        if self.closed {
            return Err(error("a record after `#close` without a new header"));
        }
        if self.fields.is_empty() {
            return Err(error("a record before `#fields`"));
        }
        if self.types.len() != self.fields.len() {
            return Err(error(format!(
                "`#types` has {} column(s) and `#fields` {}",
                self.types.len(),
                self.fields.len()
            )));
        }
        let values: Vec<&str> = line.split(self.separator.as_str()).collect();
        if values.len() != self.fields.len() {
            return Err(error(format!(
                "{} value(s) where `#fields` names {}",
                values.len(),
                self.fields.len()
            )));
        }
        let mut record = Map::new();
        if let Some(path) = &self.path {
            record.insert("_path".into(), Value::String(path.clone()));
        }
        for ((field, ty), raw) in self.fields.iter().zip(&self.types).zip(values) {
            if raw == self.unset_field {
                continue;
            }
            let value = self
                .value(ty, raw)
                .map_err(|reason| error(format!("field `{field}` ({ty}): {reason}")))?;
            record.insert(field.clone(), value);
        }
        Ok(record)
    }

    fn value(&self, ty: &str, raw: &str) -> Result<Value, String> {
        let element = ["set[", "vector[", "table["]
            .iter()
            .find_map(|p| ty.strip_prefix(p).and_then(|t| t.strip_suffix(']')));
        if let Some(element) = element {
            if raw == self.empty_field {
                return Ok(Value::Array(Vec::new()));
            }
            return raw
                .split(self.set_separator.as_str())
                .map(|e| {
                    if e == self.unset_field {
                        Ok(Value::Null)
                    } else {
                        scalar(element, e, &self.empty_field)
                    }
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array);
        }
        scalar(ty, raw, &self.empty_field)
    }
}

fn scalar(ty: &str, raw: &str, empty: &str) -> Result<Value, String> {
    let not = |what: &str| format!("`{raw}` is not {what}");
    match ty {
        "time" | "interval" | "double" => raw
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| not("a finite number")),
        "count" | "port" => raw
            .parse::<u64>()
            .map(Value::from)
            .map_err(|_| not("a non-negative integer")),
        "int" => raw
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| not("an integer")),
        "bool" => match raw {
            "T" => Ok(Value::Bool(true)),
            "F" => Ok(Value::Bool(false)),
            _ => Err(not("`T` or `F`")),
        },
        _ if raw == empty => Ok(Value::String(String::new())),
        _ => Ok(Value::String(unescape(raw))),
    }
}

/// Undoes the ASCII writer's escapes: `\xHH` is the byte HH, `\\` a
/// backslash. Bytes that do not form UTF-8 stay escaped, as Zeek's JSON
/// writer leaves them.
fn unescape(raw: &str) -> String {
    if !raw.contains('\\') {
        return raw.to_owned();
    }
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            if bytes.get(i + 1) == Some(&b'\\') {
                out.push(b'\\');
                i += 2;
                continue;
            }
            if bytes.get(i + 1) == Some(&b'x')
                && let Some(b) = raw
                    .get(i + 2..i + 4)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(b);
                i += 4;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| raw.to_owned())
}

/// Whether a text looks like a Zeek TSV log: its first non-blank line is a
/// `#separator` header.
pub fn looks_like_tsv(text: &str) -> bool {
    text.lines()
        .find(|l| !l.trim().is_empty())
        .is_some_and(|l| l.starts_with("#separator "))
}

/// Iterator over the records of a whole Zeek TSV text, each with its
/// 1-based line, in the shape of [`super::Records`]. After an error,
/// reading goes on with the next line.
#[derive(Debug)]
pub struct TsvRecords<'a> {
    lines: std::iter::Enumerate<std::str::Split<'a, char>>,
    reader: TsvReader,
}

impl<'a> TsvRecords<'a> {
    /// Reads `text`.
    pub fn new(text: &'a str) -> TsvRecords<'a> {
        TsvRecords {
            lines: text.split('\n').enumerate(),
            reader: TsvReader::new(),
        }
    }
}

impl Iterator for TsvRecords<'_> {
    type Item = Result<Record, RecordError>;

    fn next(&mut self) -> Option<Self::Item> {
        for (i, line) in self.lines.by_ref() {
            match self.reader.line(line) {
                Ok(None) => continue,
                Ok(Some(value)) => return Some(Ok(Record { line: i + 1, value })),
                Err(e) => {
                    return Some(Err(RecordError {
                        line: i + 1,
                        reason: e.to_string(),
                    }));
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONN: &str = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n#open\t2026-11-29-10-00-00\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tmissed_bytes\thistory\ttunnel_parents\n#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tcount\tstring\tset[string]\n";

    #[test]
    fn a_conn_record_reads_as_zeek_json_would() {
        let text = format!(
            "{CONN}1795946400.123456\tCHhAvVGS1DHFjwGM9\t192.0.2.10\t49152\t198.51.100.9\t4444\ttcp\tssl,http\t2.5\t1800\t9000\tSF\tT\t0\tShADadFf\t(empty)\n#close\t2026-11-29-11-00-00\n"
        );
        let records: Vec<Record> = TsvRecords::new(&text).map(Result::unwrap).collect();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].line, 9);
        let r = &records[0].value;
        assert_eq!(r["_path"], "conn");
        assert_eq!(r["id.resp_p"], 4444);
        assert_eq!(r["local_orig"], true);
        assert_eq!(r["tunnel_parents"], serde_json::json!([]));
        let o = crate::telemetry::observation(r).unwrap().unwrap();
        assert_eq!(o.first_observed.to_string(), "2026-11-29T10:00:00.123456Z");
        let t = o
            .objects
            .iter()
            .find(|(_, m)| m["type"] == "network-traffic")
            .unwrap();
        assert_eq!(t.1["protocols"], serde_json::json!(["tcp", "ssl", "http"]));
    }

    #[test]
    fn unset_fields_are_absent_and_escapes_undone() {
        let mut reader = TsvReader::new();
        for l in "#separator \\x7c\n#path|http\n#fields|ts|host|uri|user_agent|tags\n#types|time|string|string|string|set[enum]".lines() {
            assert_eq!(reader.line(l), Ok(None));
        }
        let r = reader
            .line("1.0|shop.example|/a\\x7cb\\x20c\\\\d|-|-")
            .unwrap()
            .unwrap();
        assert_eq!(r["uri"], "/a|b c\\d");
        assert!(!r.contains_key("user_agent") && !r.contains_key("tags"));
        assert_eq!(reader.header().unwrap().path(), Some("http"));
    }

    #[test]
    fn a_new_header_mid_file_replaces_the_layout() {
        let text = "#separator \\x09\n#path\tdns\n#fields\tts\tquery\n#types\ttime\tstring\n1.0\ta.example\n#close\tx\n#separator \\x09\n#path\tdns\n#fields\tts\tuid\tquery\n#types\ttime\tstring\tstring\n2.0\tC1\tb.example\n";
        let records: Vec<Record> = TsvRecords::new(text).map(Result::unwrap).collect();
        assert_eq!(records.len(), 2);
        assert_eq!(records[1].line, 11);
        assert_eq!(records[1].value["query"], "b.example");
        assert_eq!(records[1].value["uid"], "C1");
    }

    #[test]
    fn header_lines_rebuild_a_reader() {
        let mut a = TsvReader::new();
        for l in CONN.lines() {
            a.line(l).unwrap();
        }
        let mut b = TsvReader::new();
        for l in a.header_lines() {
            b.line(l).unwrap();
        }
        assert_eq!(a.header(), b.header());
    }

    #[test]
    fn bad_lines_name_what_is_wrong() {
        let errors: Vec<(usize, String)> = TsvRecords::new(
            "1.0\tx\n#separator \\x09\n#fields\tts\tid.orig_p\n#types\ttime\tport\n1.0\n1.0\t70x\nx\t1\n#close\t-\n1.0\t1\n",
        )
        .filter_map(Result::err)
        .map(|e| (e.line, e.reason))
        .collect();
        assert_eq!(
            errors,
            [
                (
                    1,
                    "Zeek TSV: a record before any header (`#separator`, `#fields`, …)".into()
                ),
                (5, "Zeek TSV: 1 value(s) where `#fields` names 2".into()),
                (
                    6,
                    "Zeek TSV: field `id.orig_p` (port): `70x` is not a non-negative integer"
                        .into()
                ),
                (
                    7,
                    "Zeek TSV: field `ts` (time): `x` is not a finite number".into()
                ),
                (
                    9,
                    "Zeek TSV: a record after `#close` without a new header".into()
                ),
            ]
        );
    }
}

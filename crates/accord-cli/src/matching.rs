//! What both modes of `accord match` (a file read whole, and `--follow`)
//! share: reading and checking indicators, the tally of records skipped with
//! `--skip-invalid`, an ordered parallel map, the form of a sighting
//! posted to a hub and the text line of a match. A module of its own so that neither mode imports the
//! other.

use std::io::Write;
use std::path::Path;

use accord_stix::marking::TlpMarking;
use accord_stix::object::{Indicator, StixObject};
use accord_stix::pattern::Pattern;
use accord_stix::telemetry::{self, Format, Records};
use accord_tlp::Tlp;
use anyhow::{Context, Result, bail};

/// An indicator as read, with what keeping a set of them current needs
/// besides the matcher's view.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The matcher's view.
    pub indicator: Indicator,
    /// `revoked: true`: its producer withdrew it.
    pub revoked: bool,
    /// Its version (`modified`, else `created`), if it has one.
    pub version: Option<jiff::Timestamp>,
}

impl Checked {
    /// Checks one object read from a file or a hub (see [`checked_indicator`]).
    pub fn of(object: &StixObject) -> Result<Checked, String> {
        let indicator = checked_indicator(object)?;
        let version = object
            .optional_timestamp("modified")
            .ok()
            .flatten()
            .or_else(|| object.optional_timestamp("created").ok().flatten());
        Ok(Checked {
            indicator,
            revoked: object.get("revoked") == Some(&serde_json::Value::Bool(true)),
            version,
        })
    }
}

/// Reads the indicators of a file, checking each pattern so that a bad one
/// is reported with its line.
/// Revoked ones (`revoked: true`, withdrawn by their producer) are left out and counted on
/// stderr.
pub fn read_indicators(path: &Path, skip_invalid: bool) -> Result<(Vec<Indicator>, Skipped)> {
    let (checked, skipped) = read_indicator_file(path, skip_invalid)?;
    let total = checked.len();
    let indicators: Vec<Indicator> = checked
        .into_iter()
        .filter(|c| !c.revoked)
        .map(|c| c.indicator)
        .collect();
    if indicators.len() < total {
        eprintln!(
            "{}: {} revoked indicator(s) left out",
            path.display(),
            total - indicators.len()
        );
    }
    Ok((indicators, skipped))
}

/// Reads the indicators of a file with their revocation and version; objects
/// of other types are ignored.
pub fn read_indicator_file(path: &Path, skip_invalid: bool) -> Result<(Vec<Checked>, Skipped)> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let file = path.display();
    let mut skipped = Skipped::default();
    let mut indicators = Vec::new();
    for record in Records::new(&text) {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                skipped.record(skip_invalid, format!("{file}:{}: {}", e.line, e.reason))?;
                continue;
            }
        };
        let line = record.line;
        if record.value.get("type").and_then(|t| t.as_str()) != Some("indicator") {
            if telemetry::detect(&record.value) != Some(Format::Stix) {
                skipped.record(skip_invalid, format!("{file}:{line}: not a STIX object"))?;
            }
            continue;
        }
        match StixObject::from_map(record.value)
            .map_err(|e| e.to_string())
            .and_then(|o| Checked::of(&o))
        {
            Ok(i) => indicators.push(i),
            Err(e) => skipped.record(skip_invalid, format!("{file}:{line}: {e}"))?,
        }
    }
    Ok((indicators, skipped))
}

/// Checks one indicator, from a file or a hub: a valid STIX object, an indicator, and (for
/// STIX patterns) a pattern that parses.
pub fn checked_indicator(object: &StixObject) -> Result<Indicator, String> {
    object.validate().map_err(|e| e.to_string())?;
    let indicator = Indicator::from_object(object).map_err(|e| e.to_string())?;
    if indicator.pattern_type == "stix"
        && let Err(e) = Pattern::parse(&indicator.pattern)
    {
        return Err(format!("indicator {}: invalid pattern: {e}", indicator.id));
    }
    Ok(indicator)
}

/// Invalid records skipped with `--skip-invalid`: how many, and the first
/// few messages (each `file:line: …`).
#[derive(Debug, Default)]
pub struct Skipped {
    count: usize,
    first: Vec<String>,
}

impl Skipped {
    /// Records a problem: an error in strict mode, a count otherwise.
    pub(crate) fn record(&mut self, skip: bool, message: String) -> Result<()> {
        if !skip {
            bail!(message);
        }
        self.count += 1;
        if self.first.len() < 5 {
            self.first.push(message);
        }
        Ok(())
    }

    /// Prints the count and first messages to stderr, if any.
    pub fn report(&self, what: &str) {
        if self.count == 0 {
            return;
        }
        eprintln!("skipped {} invalid {what} record(s):", self.count);
        for m in &self.first {
            eprintln!("  {m}");
        }
        if self.count > self.first.len() {
            eprintln!("  … and {} more", self.count - self.first.len());
        }
    }
}

/// Maps `f` over `items` on up to `threads` threads, keeping the order.
pub fn parallel_map<T: Send, U: Send>(
    items: Vec<T>,
    threads: usize,
    f: impl Fn(T) -> U + Sync,
) -> Vec<U> {
    let threads = threads.clamp(1, items.len().max(1));
    if threads == 1 {
        return items.into_iter().map(f).collect();
    }
    let per = items.len().div_ceil(threads);
    let mut parts: Vec<Vec<T>> = Vec::new();
    let mut items = items.into_iter();
    loop {
        let part: Vec<T> = items.by_ref().take(per).collect();
        if part.is_empty() {
            break;
        }
        parts.push(part);
    }
    let f = &f;
    std::thread::scope(|scope| {
        let workers: Vec<_> = parts
            .into_iter()
            .map(|part| scope.spawn(move || part.into_iter().map(f).collect::<Vec<U>>()))
            .collect();
        workers
            .into_iter()
            // A worker only panics on a bug; re-raise it in the caller.
            .flat_map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

/// The sighting as posted to a hub: marked with `level` (TLP 2.0), naming where it was
/// sighted, and without `observed_data_refs`, which point at local telemetry the hub does
/// not hold (and which stays local).
pub fn hub_sighting(
    object: &StixObject,
    level: Tlp,
    where_sighted: &[String],
) -> serde_json::Value {
    let mut map = object.to_value();
    map.remove("observed_data_refs");
    map.insert(
        "object_marking_refs".into(),
        serde_json::json!([TlpMarking::of(level).id()]),
    );
    if !where_sighted.is_empty() {
        map.insert(
            "where_sighted_refs".into(),
            serde_json::json!(where_sighted),
        );
    }
    serde_json::Value::Object(map)
}

/// Writes the text line of a match: the indicator's id, its name in parentheses (control
/// characters blanked, so a name cannot break the one line a sighting takes), and the ids of
/// the observations that matched.
pub fn write_match_line(
    out: &mut impl Write,
    indicator: &Indicator,
    refs: &[String],
) -> Result<()> {
    match &indicator.name {
        Some(name) => {
            let name: String = name
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            write!(out, "{} ({name}):", indicator.id)?
        }
        None => write!(out, "{}:", indicator.id)?,
    }
    writeln!(out, " {}", refs.join(", "))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn indicator(name: Option<&str>) -> Indicator {
        Indicator {
            id: "indicator--1".into(),
            name: name.map(str::to_owned),
            pattern: "[domain-name:value = 'c2.example']".into(),
            pattern_type: "stix".into(),
            valid_from: jiff::Timestamp::UNIX_EPOCH,
            valid_until: None,
        }
    }

    fn line(name: Option<&str>, refs: &[&str]) -> String {
        let refs: Vec<String> = refs.iter().map(|r| (*r).to_owned()).collect();
        let mut out = Vec::new();
        write_match_line(&mut out, &indicator(name), &refs).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_match_is_one_line_whatever_the_indicators_name_holds() {
        assert_eq!(line(None, &["a", "b"]), "indicator--1: a, b\n");
        assert_eq!(
            line(Some("C2\nindicator--2 (forged):\tx"), &["a"]),
            "indicator--1 (C2 indicator--2 (forged): x): a\n"
        );
    }
}

//! What both modes of `accord match` (a file read whole, and `--follow`)
//! share: the tally of records skipped with `--skip-invalid`, an ordered
//! parallel map and the form of a sighting posted to a hub. A module of its
//! own so that neither mode imports the other.

use accord_stix::marking::TlpMarking;
use accord_stix::object::StixObject;
use accord_tlp::Tlp;
use anyhow::{Result, bail};

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

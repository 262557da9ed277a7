//! Sightings summed per indicator over an interval, as a sensor reports
//! them to a hub (`--post-sightings`): one STIX sighting per indicator and
//! interval with the first and last time seen and how many times, instead
//! of one per event.
//!
//! Memory is one entry per indicator sighted since the last seal, however
//! many events match; holding the aggregate longer (the hub is slow) only
//! makes the counts grow.

use std::collections::BTreeMap;

use accord_stix::object::{Indicator, sighting};
use accord_stix::stream::StreamSighting;
use accord_tlp::Tlp;

use crate::matching::hub_sighting;

use super::spool::Batch;

/// The largest `count` STIX 2.1 allows a sighting (§5.7); an aggregate that
/// would pass it is closed and a new one started.
pub const MAX_COUNT: u64 = 999_999_999;

/// One indicator's sightings so far in the interval.
#[derive(Debug, Clone)]
struct Entry {
    first_seen: jiff::Timestamp,
    last_seen: jiff::Timestamp,
    count: u64,
    /// The first observation's id: with the indicator, the times and the
    /// count, what the sighting's id is derived from.
    first_observation: String,
}

/// The sightings of the current interval, per collection and indicator.
#[derive(Debug, Default)]
pub struct Aggregate {
    /// Per collection, per indicator id (looked up without allocating: a
    /// match of an indicator already sighted costs no allocation).
    open: BTreeMap<String, BTreeMap<String, Entry>>,
    /// Entries closed at [`MAX_COUNT`] before the interval ended, with their
    /// collection and indicator.
    closed: Vec<(String, String, Entry)>,
}

impl Aggregate {
    /// Adds one match of `indicator`, whose sightings go to `collection`.
    pub fn add(&mut self, collection: &str, indicator: &Indicator, s: &StreamSighting) {
        let (Some(first), Some(last)) = (
            s.observations.iter().map(|o| o.first_observed).min(),
            s.observations.iter().map(|o| o.last_observed).max(),
        ) else {
            return;
        };
        let count = s
            .observations
            .iter()
            .map(|o| o.number_observed)
            .sum::<u64>()
            .clamp(1, MAX_COUNT);
        let fresh = || Entry {
            first_seen: first,
            last_seen: last,
            count,
            first_observation: s
                .observations
                .first()
                .map(|o| o.id.clone())
                .unwrap_or_default(),
        };
        if !self.open.contains_key(collection) {
            self.open.insert(collection.to_owned(), BTreeMap::new());
        }
        let Some(per) = self.open.get_mut(collection) else {
            return;
        };
        match per.get_mut(indicator.id.as_str()) {
            Some(e) if e.count + count <= MAX_COUNT => {
                e.first_seen = e.first_seen.min(first);
                e.last_seen = e.last_seen.max(last);
                e.count += count;
            }
            Some(e) => {
                let full = std::mem::replace(e, fresh());
                self.closed
                    .push((collection.to_owned(), indicator.id.clone(), full));
            }
            None => {
                per.insert(indicator.id.clone(), fresh());
            }
        }
    }

    /// Whether nothing was added since the last seal.
    pub fn is_empty(&self) -> bool {
        self.open.is_empty() && self.closed.is_empty()
    }

    /// Ends the interval: the sightings as posted (marked `tlp`, naming `where_sighted`,
    /// `created` at `now`), in batches of at most `per_batch` per collection. The
    /// aggregate is empty after.
    pub fn seal(
        &mut self,
        now: jiff::Timestamp,
        tlp: Tlp,
        where_sighted: &[String],
        per_batch: usize,
    ) -> Vec<Batch> {
        let mut by_collection: BTreeMap<String, Vec<serde_json::Value>> = BTreeMap::new();
        let open = std::mem::take(&mut self.open)
            .into_iter()
            .flat_map(|(c, per)| per.into_iter().map(move |(i, e)| (c.clone(), i, e)));
        let entries = std::mem::take(&mut self.closed).into_iter().chain(open);
        for (collection, indicator, e) in entries {
            // The same matches summed the same way are the same sighting.
            let key = format!(
                "accord sighting {indicator} {} {} {} {}",
                e.first_observation, e.first_seen, e.last_seen, e.count
            );
            let id = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, key.as_bytes());
            let object = sighting(id, now, &indicator, &[], e.first_seen, e.last_seen, e.count);
            by_collection
                .entry(collection)
                .or_default()
                .push(hub_sighting(&object, tlp, where_sighted));
        }
        let per_batch = per_batch.max(1);
        by_collection
            .into_iter()
            .flat_map(|(collection, objects)| {
                objects
                    .chunks(per_batch)
                    .map(|c| Batch {
                        collection: collection.clone(),
                        objects: c.to_vec(),
                    })
                    .collect::<Vec<_>>()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::sync::Arc;

    use accord_stix::object::StixObject;
    use accord_stix::stream::Seen;

    use super::*;

    fn indicator(n: u32) -> Indicator {
        let v = serde_json::json!({
            "type": "indicator", "spec_version": "2.1",
            "id": format!("indicator--00000000-0000-4000-8000-{n:012}"),
            "created": "2026-11-01T00:00:00.000Z", "modified": "2026-11-01T00:00:00.000Z",
            "pattern": "[domain-name:value = 'c2.example']", "pattern_type": "stix",
            "valid_from": "2026-01-01T00:00:00Z"
        });
        Indicator::from_object(&StixObject::from_value(v).unwrap()).unwrap()
    }

    fn seen(second: i64, number: u64) -> StreamSighting {
        let at = jiff::Timestamp::from_second(1_790_000_000 + second).unwrap();
        StreamSighting {
            indicator: 0,
            observations: vec![Arc::new(Seen {
                seq: second as u64,
                id: format!("observed-data--00000000-0000-4000-8000-{second:012}"),
                first_observed: at,
                last_observed: at,
                number_observed: number,
            })],
        }
    }

    #[test]
    fn matches_of_one_indicator_become_one_sighting_with_their_count_and_times() {
        let mut a = Aggregate::default();
        let (one, two) = (indicator(1), indicator(2));
        for s in [5, 2, 9] {
            a.add("c", &one, &seen(s, 1));
        }
        a.add("c", &two, &seen(4, 3));
        a.add("d", &one, &seen(7, 1));
        let now = jiff::Timestamp::from_second(1_790_001_000).unwrap();
        let batches = a.seal(now, Tlp::Green, &[], 100);
        assert!(a.is_empty());
        assert_eq!(batches.len(), 2);
        assert_eq!(batches[0].collection, "c");
        let s = &batches[0].objects[0];
        assert_eq!(s["sighting_of_ref"], one.id.as_str());
        assert_eq!(s["count"], 3);
        assert_eq!(s["first_seen"], "2026-09-21T14:13:22.000Z");
        assert_eq!(s["last_seen"], "2026-09-21T14:13:29.000Z");
        assert!(s.get("observed_data_refs").is_none());
        assert_eq!(batches[0].objects[1]["count"], 3);
        assert_eq!(batches[1].objects[0]["count"], 1);
        StixObject::from_value(s.clone())
            .unwrap()
            .validate()
            .unwrap();
    }

    #[test]
    fn a_count_beyond_the_spec_range_starts_a_second_sighting() {
        let mut a = Aggregate::default();
        let one = indicator(1);
        a.add("c", &one, &seen(1, MAX_COUNT - 1));
        a.add("c", &one, &seen(2, 5));
        let batches = a.seal(jiff::Timestamp::now(), Tlp::Clear, &[], 100);
        let counts: Vec<u64> = batches[0]
            .objects
            .iter()
            .map(|s| s["count"].as_u64().unwrap())
            .collect();
        assert_eq!(counts, [MAX_COUNT - 1, 5]);
        assert_ne!(batches[0].objects[0]["id"], batches[0].objects[1]["id"]);
    }
}

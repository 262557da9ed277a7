//! Reading what a hub mirrored from its peers' logs: incidents as each origin's log reads now
//! (their amendments applied), paged and filtered as the local list, and the incidents a
//! scorecard counts by [`Scope`]. Apart from `mirror.rs`, the model the store imports, since
//! this reads through the store.

use std::collections::HashMap;

use accord_core::corrections::RecordKind;
use accord_core::incident::Incident;
use accord_core::record::IncidentRecord;

use crate::error::StoreError;
use crate::kind;
use crate::log::AmendmentBody;
use crate::mirror::MirroredQuery;
use crate::store::{IncidentFilter, Page, PageRequest, Store};

/// An incident mirrored from a peer's log as that log says it reads now: the recording entry's
/// body with the peer's amendments of it applied in log order, and where it comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct MirroredIncident {
    /// The incident, with the principles this hub's rules suggest for it; `log_index` is the
    /// index of the recording entry in the origin log (not in this hub's).
    pub record: IncidentRecord,
    /// The origin log.
    pub origin: String,
    /// The recording entry's index in the origin log.
    pub index: u64,
    /// The indexes, in the origin log, of the amendments applied, oldest first.
    pub amendments: Vec<u64>,
}

impl MirroredIncident {
    /// The key mirrored incidents are listed by, newest first when sorted descending: the
    /// record's own ([`IncidentRecord::sort_key`]), then the origin, so two peers' records of
    /// one id each keep a place.
    pub fn sort_key(&self) -> String {
        format!("{}|{}", self.record.sort_key(), self.origin)
    }
}

/// Mirrored rows read per query while folding a peer's records.
const FOLD_BATCH: u64 = 1000;

/// Every incident mirrored from the log of `origin` (from every peer: `None`), by origin and
/// then recording index, each with its peer's amendments applied in log order. The bodies were
/// verified against their signed entries when mirrored, but what they say is the peer's: one
/// that does not read as an incident (or an amendment that does not read as one of a mirrored
/// incident with the same id) is left out and logged, never guessed at.
pub async fn mirrored_incidents(
    store: &dyn Store,
    origin: Option<&str>,
) -> Result<Vec<MirroredIncident>, StoreError> {
    let mut entries = Vec::new();
    for kind in [kind::INCIDENT, kind::AMENDMENT] {
        let mut offset = 0;
        loop {
            let batch = store
                .mirrored_entries(MirroredQuery {
                    origin: origin.map(str::to_owned),
                    kind: Some(kind.to_owned()),
                    offset,
                    limit: FOLD_BATCH,
                    ..MirroredQuery::default()
                })
                .await?;
            let n = batch.len() as u64;
            entries.extend(batch);
            if n < FOLD_BATCH {
                break;
            }
            offset += n;
        }
    }
    // Log order within each origin: an incident before its amendments, amendments in turn.
    entries.sort_by(|a, b| (&a.origin, a.index).cmp(&(&b.origin, b.index)));
    let rules = store.rules().await?;
    let principles = crate::write::principle_count(&store.accord().await?);
    // A peer's signature says who wrote a record, not that it keeps this hub's rules: a record
    // this hub's own write path would refuse is left out, never counted.
    let refused = |incident: &Incident| {
        incident
            .validate(principles)
            .into_result()
            .err()
            .map(|e| format!("refused by this hub's checks: {e}"))
    };
    let mut out: Vec<MirroredIncident> = Vec::new();
    let mut at: HashMap<(String, String), usize> = HashMap::new();
    for e in entries {
        let skip = |why: String| {
            tracing::warn!(origin = %e.origin, index = e.index, "mirrored record left out: {why}");
        };
        match e.kind.as_str() {
            kind::INCIDENT => {
                let incident: Incident = match serde_json::from_slice(&e.body) {
                    Ok(i) => i,
                    Err(err) => {
                        skip(format!("not an incident: {err}"));
                        continue;
                    }
                };
                if let Some(why) = refused(&incident) {
                    skip(why);
                    continue;
                }
                if incident.id != e.entry_id {
                    skip(format!(
                        "the body is incident {:?}, the entry {:?}",
                        incident.id, e.entry_id
                    ));
                    continue;
                }
                let key = (e.origin.clone(), incident.id.clone());
                if at.contains_key(&key) {
                    skip("a second recording of the same incident".into());
                    continue;
                }
                at.insert(key, out.len());
                out.push(MirroredIncident {
                    record: IncidentRecord {
                        suggested_principles: rules.suggest(&incident),
                        incident,
                        log_index: Some(e.index),
                    },
                    origin: e.origin,
                    index: e.index,
                    amendments: Vec::new(),
                });
            }
            _ => {
                let Ok(amendment) = serde_json::from_slice::<AmendmentBody>(&e.body) else {
                    skip("not an amendment".into());
                    continue;
                };
                // The peer's bundled parties are amended too; only incidents are mirrored.
                if amendment.kind != RecordKind::Incident {
                    continue;
                }
                let Some(&i) = at.get(&(e.origin.clone(), amendment.id.clone())) else {
                    skip(format!("amends incident {:?}, not mirrored", amendment.id));
                    continue;
                };
                let incident: Incident = match serde_json::from_value(amendment.new) {
                    Ok(inc) => inc,
                    Err(err) => {
                        skip(format!("its new text is not an incident: {err}"));
                        continue;
                    }
                };
                if incident.id != amendment.id {
                    skip(format!(
                        "amends incident {:?} into {:?}",
                        amendment.id, incident.id
                    ));
                    continue;
                }
                if let Some(why) = refused(&incident) {
                    skip(why);
                    continue;
                }
                let m = &mut out[i];
                m.record.suggested_principles = rules.suggest(&incident);
                m.record.incident = incident;
                m.amendments.push(e.index);
            }
        }
    }
    Ok(out)
}

/// The mirrored `incidents` that match `filter`, newest first ([`MirroredIncident::sort_key`]),
/// each with its key: the filters of [`Store::incidents`] over the local record.
pub fn filter_mirrored(
    incidents: Vec<MirroredIncident>,
    filter: &IncidentFilter,
) -> Vec<(MirroredIncident, String)> {
    let wanted = filter.facets();
    let mut rows: Vec<(MirroredIncident, String)> = incidents
        .into_iter()
        .filter(|m| {
            let has = m.record.facets();
            wanted.iter().all(|f| has.contains(f))
        })
        .map(|m| {
            let key = m.sort_key();
            (m, key)
        })
        .collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1));
    rows
}

/// A page of the mirrored `incidents` that match `filter` ([`filter_mirrored`]), after
/// `page`'s cursor: the paging of [`Store::incidents`].
pub fn page_mirrored(
    incidents: Vec<MirroredIncident>,
    filter: &IncidentFilter,
    page: &PageRequest,
) -> Result<Page<MirroredIncident>, StoreError> {
    let (after, limit) = page.bounds()?;
    let mut rows: Vec<(MirroredIncident, String)> = filter_mirrored(incidents, filter)
        .into_iter()
        .filter(|(_, key)| after.as_ref().is_none_or(|a| key < a))
        .collect();
    rows.truncate(limit + 1);
    Ok(Page::cut(rows, limit))
}

/// Which incidents a scorecard is computed over.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Scope {
    /// This hub's own record (the default: what it recorded and can answer for).
    #[default]
    Local,
    /// The incidents mirrored from its peers.
    Mirrored,
    /// Both.
    All,
}

impl Scope {
    /// Every scope, as [`Scope::as_str`] names it.
    pub const ALL: [Scope; 3] = [Scope::Local, Scope::Mirrored, Scope::All];

    /// The scope's name in query strings and flags.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Local => "local",
            Scope::Mirrored => "mirrored",
            Scope::All => "all",
        }
    }

    /// The scope named `s` (`local`, `mirrored`, `all`).
    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// The incidents of `scope`, newest first, each id once. Every hub ships the bundled
/// dataset, so its peers' logs repeat its incidents: an id this hub holds is counted as its
/// own record, and an id several peers hold as the first origin's (by name). A scorecard over
/// `All` thus counts each incident once.
pub async fn scoped_incidents(
    store: &dyn Store,
    scope: Scope,
) -> Result<Vec<IncidentRecord>, StoreError> {
    let mut records = match scope {
        Scope::Mirrored => Vec::new(),
        Scope::Local | Scope::All => store.all_incidents().await?,
    };
    if scope == Scope::Local {
        return Ok(records);
    }
    let mut seen: std::collections::HashSet<String> =
        records.iter().map(|r| r.incident.id.clone()).collect();
    for m in mirrored_incidents(store, None).await? {
        if seen.insert(m.record.incident.id.clone()) {
            records.push(m.record);
        }
    }
    records.sort_by_key(|r| std::cmp::Reverse(r.sort_key()));
    Ok(records)
}

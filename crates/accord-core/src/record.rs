//! An incident as the hub keeps it: the reported facts plus what the hub derived from them.

use serde::{Deserialize, Serialize};

use crate::accord::PrincipleId;
use crate::incident::Incident;
use crate::mapping::Suggestion;

/// An incident with the principles the rules suggested when it was recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentRecord {
    /// The facts as reported.
    pub incident: Incident,
    /// Principles suggested by the mapping rules, with reasons; kept apart from the asserted ones.
    pub suggested_principles: Vec<Suggestion>,
}

impl IncidentRecord {
    /// Every principle the incident bears on, suggested or asserted, each once, in order.
    pub fn principles(&self) -> Vec<PrincipleId> {
        let mut v: Vec<PrincipleId> = self
            .suggested_principles
            .iter()
            .map(|s| s.principle)
            .chain(self.incident.asserted_principles.iter().map(|a| a.principle))
            .collect();
        v.sort();
        v.dedup();
        v
    }
}

//! The shape of a shipped dataset (the `data/` directory): the accord, its parties, its
//! incidents and its mapping rules, and the checks run before any of it is loaded.
//!
//! Reading the files is the caller's job; this module takes their text, so the same checks
//! serve the bundled data compiled into the binary and a directory given at run time.

use serde::{Deserialize, Serialize};

use crate::accord::Accord;
use crate::incident::Incident;
use crate::mapping::RuleSet;
use crate::party::Party;
use crate::validate::{Problem, Problems};

/// The parties file: `data/parties.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartiesFile {
    /// What the file holds and its caveats (first-seen dates are upper bounds).
    #[serde(default)]
    pub about: String,
    /// The parties.
    pub parties: Vec<Party>,
}

/// A complete dataset, parsed and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// The accord and its principles.
    pub accord: Accord,
    /// Its parties.
    pub parties: Vec<Party>,
    /// The incident record.
    pub incidents: Vec<Incident>,
    /// The principle-mapping rules.
    pub rules: RuleSet,
}

/// A dataset file could not be parsed or failed its checks.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DatasetError {
    /// A file is not valid JSON for its schema.
    #[error("{file}: {message}")]
    Parse {
        /// The file's name.
        file: String,
        /// What the parser said, with line and column.
        message: String,
    },
    /// Files parsed but their content is invalid.
    #[error("invalid dataset: {}", problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid {
        /// Every problem, with `file: path` in the path.
        problems: Vec<Problem>,
    },
}

fn parse<T: serde::de::DeserializeOwned>(file: &str, text: &str) -> Result<T, DatasetError> {
    serde_json::from_str(text).map_err(|e| DatasetError::Parse {
        file: file.to_owned(),
        message: e.to_string(),
    })
}

impl Dataset {
    /// Parses and checks a dataset from the text of its files. `incidents` holds
    /// `(file name, text)` pairs, one incident per file.
    pub fn from_texts<'a>(
        accord: &str,
        parties: &str,
        rules: &str,
        incidents: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, DatasetError> {
        let accord: Accord = parse("accord.json", accord)?;
        let parties: PartiesFile = parse("parties.json", parties)?;
        let rules: RuleSet = parse("principle-rules.json", rules)?;
        let mut files = Vec::new();
        for (name, text) in incidents {
            files.push((name.to_owned(), parse::<Incident>(name, text)?));
        }
        let mut all = Vec::new();
        let mut add = |file: &str, ps: Problems| {
            all.extend(ps.0.into_iter().map(|p| Problem {
                path: format!("{file}: {}", p.path),
                message: p.message,
            }))
        };
        add("accord.json", accord.validate());
        let n = u8::try_from(accord.principles.len()).unwrap_or(u8::MAX);
        add("principle-rules.json", rules.validate(n));
        let mut ids = std::collections::HashSet::new();
        for (i, party) in parties.parties.iter().enumerate() {
            let mut ps = party.validate();
            ps.0.iter_mut()
                .for_each(|p| p.path = format!("parties[{i}].{}", p.path));
            add("parties.json", ps);
            if !ids.insert(party.id.as_str()) {
                let mut ps = Problems::new();
                ps.push(
                    format!("parties[{i}].id"),
                    format!("duplicate party id {:?}", party.id),
                );
                add("parties.json", ps);
            }
        }
        let mut incident_ids = std::collections::HashSet::new();
        for (name, incident) in &files {
            add(name, incident.validate_new(n));
            if !incident_ids.insert(incident.id.as_str()) {
                let mut ps = Problems::new();
                ps.push("id", format!("duplicate incident id {:?}", incident.id));
                add(name, ps);
            }
        }
        if !all.is_empty() {
            return Err(DatasetError::Invalid { problems: all });
        }
        Ok(Dataset {
            accord,
            parties: parties.parties,
            incidents: files.into_iter().map(|(_, i)| i).collect(),
            rules,
        })
    }
}

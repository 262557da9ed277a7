//! Reading a dataset directory laid out like the repository's `data/`.

use std::path::{Path, PathBuf};

use accord_core::corrections::Corrections;
use accord_core::dataset::{Dataset, DatasetError};

/// Why a dataset directory could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The files were read but are invalid.
    #[error("{dir}: {source}")]
    Invalid {
        /// The dataset directory.
        dir: PathBuf,
        /// What is wrong.
        source: DatasetError,
    },
}

fn read(path: PathBuf) -> Result<String, LoadError> {
    std::fs::read_to_string(&path).map_err(|source| LoadError::Io { path, source })
}

/// Loads `accord.json`, `parties.json`, `principle-rules.json` and `incidents/*.json` from `dir`
/// and checks them.
pub fn load_dataset_dir(dir: &Path) -> Result<Dataset, LoadError> {
    let incidents_dir = dir.join("incidents");
    let entries = std::fs::read_dir(&incidents_dir).map_err(|source| LoadError::Io {
        path: incidents_dir.clone(),
        source,
    })?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|source| LoadError::Io {
                path: incidents_dir.clone(),
                source,
            })?
            .path();
        if path.extension().is_some_and(|e| e == "json") {
            files.push(path);
        }
    }
    files.sort();
    let mut incidents = Vec::new();
    for path in files {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        incidents.push((name, read(path)?));
    }
    Dataset::from_texts(
        &read(dir.join("accord.json"))?,
        &read(dir.join("parties.json"))?,
        &read(dir.join("principle-rules.json"))?,
        incidents.iter().map(|(n, t)| (n.as_str(), t.as_str())),
    )
    .map_err(|source| LoadError::Invalid {
        dir: dir.to_owned(),
        source,
    })
}

/// Loads `corrections.json` (the dataset's version and the reasons for its changes) from
/// `dir` and checks it against `dataset`, the dataset loaded from the same directory.
pub fn load_corrections(dir: &Path, dataset: &Dataset) -> Result<Corrections, LoadError> {
    Corrections::from_text(&read(dir.join("corrections.json"))?, dataset).map_err(|source| {
        LoadError::Invalid {
            dir: dir.to_owned(),
            source,
        }
    })
}

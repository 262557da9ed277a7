//! Reading the dataset from a directory: the one place this crate touches the file system.
//!
//! Kept apart so the engine stays pure: everything else takes text. The CLI and the server
//! call [`load_dir`] with `data/law`.

use std::path::{Path, PathBuf};

use crate::dataset::{Dataset, DatasetError};

/// Why the dataset could not be loaded from disk.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The directory or a file in it could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path that failed.
        path: PathBuf,
        /// The operating-system error.
        source: std::io::Error,
    },
    /// The files were read but do not make a valid dataset.
    #[error(transparent)]
    Dataset(#[from] DatasetError),
}

/// Loads every `*.json` file in `dir` (not recursing), in file-name order.
pub fn load_dir(dir: &Path) -> Result<Dataset, LoadError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| LoadError::Io { path, source }
    };
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io(dir))?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(io(dir))?;
    paths.retain(|p| p.extension().is_some_and(|e| e == "json"));
    paths.sort();
    let mut files = Vec::with_capacity(paths.len());
    for path in &paths {
        let text = std::fs::read_to_string(path).map_err(io(path))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        files.push((name, text));
    }
    Ok(Dataset::from_json_files(
        files.iter().map(|(n, t)| (n.as_str(), t.as_str())),
    )?)
}

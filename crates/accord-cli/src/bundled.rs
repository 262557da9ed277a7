//! The dataset compiled into the binary from the repository's `data/` directory.

use accord_core::dataset::{Dataset, DatasetError};

mod files {
    include!(concat!(env!("OUT_DIR"), "/bundled.rs"));
}

/// Parses and checks the bundled dataset.
pub fn dataset() -> Result<Dataset, DatasetError> {
    Dataset::from_texts(
        files::ACCORD,
        files::PARTIES,
        files::RULES,
        files::INCIDENTS.iter().copied(),
    )
}

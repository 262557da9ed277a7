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

/// Parses and checks the bundled dataset's version and corrections (`data/corrections.json`)
/// against `dataset`, the bundled dataset.
pub fn corrections(
    dataset: &Dataset,
) -> Result<accord_core::corrections::Corrections, DatasetError> {
    accord_core::corrections::Corrections::from_text(files::CORRECTIONS, dataset)
}

/// Parses and checks the bundled legal-instruments dataset (`data/law/*.json`), the one
/// `accord route` answers from and `accord serve` hands to the pathway endpoints.
pub fn law_dataset() -> Result<accord_law::Dataset, accord_law::DatasetError> {
    accord_law::Dataset::from_json_files(files::LAW.iter().copied())
}

/// Parses and checks the bundled UN votes (`data/votes/*.json` against
/// `data/un-member-states.json`), the ones `accord serve` hands to the vote endpoints and
/// `accord votes` and `accord bloc` read.
pub fn votes() -> Result<accord_core::votes::VoteSet, accord_core::votes::VotesError> {
    accord_core::votes::VoteSet::from_texts(files::MEMBERS, files::VOTES.iter().copied())
}

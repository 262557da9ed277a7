//! What every handler can reach: the store, the one writer, the body limit, the legal
//! dataset and the UN votes; and the date scorecards are computed for. Below every other module of the crate.

use std::sync::Arc;

use accord_store::Store;
use accord_store::sequencer::Sequencer;

/// Default limit on request bodies: an incident with many sourced facts fits easily.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The hub's store.
    pub store: Arc<dyn Store>,
    /// The one writer: every write goes through it to the log.
    pub sequencer: Sequencer,
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// The legal-instruments dataset the pathway endpoints answer from. `None` (the default
    /// of [`AppState::new`]) makes those endpoints answer 503 rather than an empty answer,
    /// which would wrongly read as "no lawful pathway"; `accord serve` passes the bundled
    /// dataset with [`AppState::with_law`].
    pub law: Option<Arc<accord_law::Dataset>>,
    /// The UN voting dataset the vote and bloc endpoints answer from. `None` (the default of
    /// [`AppState::new`]) makes them answer 503; `accord serve` passes the bundled votes with
    /// [`AppState::with_votes`].
    pub votes: Option<Arc<accord_core::votes::VoteSet>>,
    /// The logs this hub witnesses and the key it cosigns with (`POST /add-checkpoint`);
    /// `None`: it witnesses none and answers 404.
    pub witness: Option<Arc<accord_store::witnessing::WitnessConfig>>,
}

impl AppState {
    /// State over `store`, writing through `sequencer`, with the default body limit.
    pub fn new(store: Arc<dyn Store>, sequencer: Sequencer) -> Self {
        AppState {
            store,
            sequencer,
            body_limit: DEFAULT_BODY_LIMIT,
            law: None,
            votes: None,
            witness: None,
        }
    }

    /// The same state, witnessing the logs `witness` names (`None`: none).
    pub fn with_witness(
        self,
        witness: Option<Arc<accord_store::witnessing::WitnessConfig>>,
    ) -> Self {
        AppState { witness, ..self }
    }

    /// The same state, answering vote and bloc questions from `votes`.
    pub fn with_votes(self, votes: Arc<accord_core::votes::VoteSet>) -> Self {
        AppState {
            votes: Some(votes),
            ..self
        }
    }

    /// The same state, answering pathway questions from `law`.
    pub fn with_law(self, law: Arc<accord_law::Dataset>) -> Self {
        AppState {
            law: Some(law),
            ..self
        }
    }
}

/// Today's date in UTC, the date scorecards compute support status for.
pub fn today() -> jiff::civil::Date {
    jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date()
}

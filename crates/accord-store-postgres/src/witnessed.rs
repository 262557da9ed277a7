//! The logs this hub witnesses: the latest checkpoint it cosigned for each origin.

use accord_store::StoreError;
use accord_store::log::{WitnessAdvance, Witnessed};
use accord_tlog::merkle::Hash;
use deadpool_postgres::GenericClient;

use crate::latest_checkpoint::{self, Latest, Table};

/// Where the latest checkpoint cosigned for each origin is kept.
const WITNESSED: Table = Table {
    name: "witnessed_logs",
    key: "origin",
    at: "updated_at",
    what: "witnessed checkpoint of",
};

/// The latest checkpoint cosigned for `origin`.
pub(crate) async fn witnessed(
    client: &impl GenericClient,
    origin: &str,
) -> Result<Option<Witnessed>, StoreError> {
    Ok(latest_checkpoint::read(client, &WITNESSED, origin)
        .await?
        .map(|l| Witnessed {
            origin: origin.to_owned(),
            size: l.size,
            root: l.root,
            note: l.note,
            updated_at: l.at,
        }))
}

/// Stores `new` if the latest checkpoint cosigned for its origin is still `expected`
/// ([`latest_checkpoint::advance`]: of two concurrent requests from the same state exactly
/// one writes).
pub(crate) async fn advance(
    client: &mut deadpool_postgres::Object,
    expected: Option<(u64, Hash)>,
    new: &Witnessed,
) -> Result<WitnessAdvance, StoreError> {
    let latest = Latest {
        size: new.size,
        root: new.root,
        note: new.note.clone(),
        at: new.updated_at,
    };
    latest_checkpoint::advance(client, &WITNESSED, &new.origin, expected, &latest).await
}

//! How SQLite's errors become the store's.

use accord_store::StoreError;

pub(crate) fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string())
}

//! The schema: migrations in `migrations/`, applied with refinery.

use accord_store::StoreError;
use rusqlite::{Connection, OptionalExtension};

use crate::db::backend;

mod embedded {
    refinery::embed_migrations!("migrations");
}

pub(crate) fn run_migrations(conn: &mut Connection) -> Result<Vec<String>, StoreError> {
    let runner = embedded::migrations::runner();
    let newest_known = runner
        .get_migrations()
        .iter()
        .map(|m| i64::from(m.version()))
        .max()
        .unwrap_or(0);
    // refinery's history table exists only once a migration ran; a new file has none.
    let has_history: bool = conn
        .query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'refinery_schema_history'",
            [],
            |_| Ok(()),
        )
        .optional()
        .map_err(backend)?
        .is_some();
    let applied = if has_history {
        runner
            .get_last_applied_migration(conn)
            .map_err(backend)?
            .map(|m| i64::from(m.version()))
    } else {
        None
    };
    if let Some(found) = applied
        && found > newest_known
    {
        return Err(StoreError::SchemaTooNew {
            found,
            supported: newest_known,
        });
    }
    let report = runner.run(conn).map_err(backend)?;
    Ok(report
        .applied_migrations()
        .iter()
        .map(|m| format!("V{}__{}", m.version(), m.name()))
        .collect())
}

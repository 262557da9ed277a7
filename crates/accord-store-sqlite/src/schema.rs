//! The schema: migrations in `migrations/`, applied with refinery.

use accord_store::StoreError;
use accord_store::schema::{applied_names, check_runner};
use rusqlite::{Connection, OptionalExtension};

use crate::db::backend;

mod embedded {
    refinery::embed_migrations!("migrations");
}

pub(crate) fn run_migrations(conn: &mut Connection) -> Result<Vec<String>, StoreError> {
    let runner = embedded::migrations::runner();
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
    check_runner(&runner, applied)?;
    let report = runner.run(conn).map_err(backend)?;
    Ok(applied_names(&report))
}

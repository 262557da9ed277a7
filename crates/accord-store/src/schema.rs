//! What both backends check when they migrate their schema with refinery: each reads the
//! newest migration its history records in its own SQL and runs refinery's runner on its own
//! connection; the check before the run and the names reported after it are written here.

use refinery_core::{Report, Runner};

use crate::error::StoreError;

/// Refuses a database whose history records a migration newer than any of `runner`'s (see
/// [`check_schema_version`]); `applied` is the newest the history records, `None` for a new
/// database.
pub fn check_runner(runner: &Runner, applied: Option<i64>) -> Result<(), StoreError> {
    check_schema_version(
        applied,
        runner
            .get_migrations()
            .iter()
            .map(|m| i64::from(m.version())),
    )
}

/// The migrations a run applied, named as `accord migrate` prints them ([`migration_name`]).
pub fn applied_names(report: &Report) -> Vec<String> {
    report
        .applied_migrations()
        .iter()
        .map(|m| migration_name(m.version(), m.name()))
        .collect()
}

/// Refuses a database whose schema history records a migration newer than any this binary
/// knows (`known`: the versions of its own migrations); `applied` is the newest the history
/// records, `None` for a new database.
pub fn check_schema_version(
    applied: Option<i64>,
    known: impl IntoIterator<Item = i64>,
) -> Result<(), StoreError> {
    let supported = known.into_iter().max().unwrap_or(0);
    match applied {
        Some(found) if found > supported => Err(StoreError::SchemaTooNew { found, supported }),
        _ => Ok(()),
    }
}

/// How `accord migrate` names an applied migration: `V{version}__{name}`, its file's stem.
pub fn migration_name(version: impl std::fmt::Display, name: &str) -> String {
    format!("V{version}__{name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_schema_newer_than_the_binary_is_refused() {
        assert!(check_schema_version(None, [1, 2, 3]).is_ok());
        assert!(check_schema_version(Some(3), [1, 2, 3]).is_ok());
        assert!(matches!(
            check_schema_version(Some(4), [1, 2, 3]),
            Err(StoreError::SchemaTooNew {
                found: 4,
                supported: 3
            })
        ));
        assert_eq!(migration_name(7, "owners"), "V7__owners");
    }
}

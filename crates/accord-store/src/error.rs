//! Why a store operation failed: the one error type of every layer of the store, at the bottom
//! so that every file can name it.

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The record asked for does not exist.
    #[error("{what} {id:?} not found")]
    NotFound {
        /// What kind of record ("incident", "party").
        what: &'static str,
        /// The id that was asked for.
        id: String,
    },
    /// A record with that id already exists; nothing was written.
    #[error("{what} {id:?} already exists")]
    Conflict {
        /// What kind of record.
        what: &'static str,
        /// The id that is taken.
        id: String,
    },
    /// Another party owns the object this write would change: only the party that recorded
    /// an id's first version may add versions of it or delete it (STIX 2.1 §3.6). The answer
    /// is the same whether or not the caller may read the object, so it confirms nothing more.
    #[error(
        "{what} {id:?} is not yours to version: only the party that created it may add versions"
    )]
    NotOwner {
        /// What kind of record ("object").
        what: &'static str,
        /// The id.
        id: String,
    },
    /// Only the party that recorded a record amends it (the hub operator, for the bundled
    /// records); nothing was written.
    #[error(
        "{what} {id:?} was recorded by {recorder:?}: only its recorder amends it (the hub operator, for bundled records)"
    )]
    NotRecorder {
        /// What kind of record ("incident").
        what: &'static str,
        /// Its id.
        id: String,
        /// The party that recorded it.
        recorder: String,
    },
    /// An amendment made against another version of the record than the one the store holds
    /// now; nothing was written.
    #[error("{what} {id:?} has changed since the version this amends: {detail}")]
    Outdated {
        /// What kind of record.
        what: &'static str,
        /// Its id.
        id: String,
        /// Which version the amendment names and which the store holds.
        detail: String,
    },
    /// A different record already holds this version: the same id and version name one
    /// content, so a change needs a new version; nothing was written.
    #[error(
        "{what} {id:?} is already recorded with different content: a changed object needs a later `modified`"
    )]
    VersionConflict {
        /// What kind of record ("object version").
        what: &'static str,
        /// The id and version.
        id: String,
    },
    /// A pagination cursor was not one this store issued.
    #[error("invalid cursor {cursor:?}: pass back the `next` value of a previous page")]
    BadCursor {
        /// The cursor that was given.
        cursor: String,
    },
    /// The store has not been seeded with an accord yet.
    #[error("the store holds no accord yet: it has not been seeded")]
    NotSeeded,
    /// Stored data could not be read back (a damaged or foreign database).
    #[error("stored {what} is unreadable: {detail}")]
    Corrupt {
        /// Which record.
        what: String,
        /// What went wrong.
        detail: String,
    },
    /// The database schema is newer than this binary understands.
    #[error(
        "the database schema is version {found}, newer than this binary's {supported}: upgrade accord"
    )]
    SchemaTooNew {
        /// Version found in the database.
        found: i64,
        /// Newest version this binary knows.
        supported: i64,
    },
    /// The log entry asked for does not exist.
    #[error("the log has no entry {index}; its size is {size}")]
    NoSuchEntry {
        /// Index asked for.
        index: u64,
        /// Current size.
        size: u64,
    },
    /// A tile or proof was asked for a tree larger than the log.
    #[error("{what} is beyond the log's current size {size}")]
    BeyondLog {
        /// What was asked for.
        what: String,
        /// Current size.
        size: u64,
    },
    /// The database itself failed (I/O, locking, a bad statement).
    #[error("database error: {0}")]
    Backend(String),
    /// The database cannot be reached now (down, restarting, connection lost); nothing was
    /// written, and the same request may succeed once it is back.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
}

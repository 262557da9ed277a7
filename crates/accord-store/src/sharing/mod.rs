//! Threat-indicator sharing: collections, STIX objects as signed log entries, and the reads
//! that release them under TLP 2.0.
//!
//! Three layers, each importing only those before it:
//! - [`model`]: what is stored (collections, affiliations, object versions, index rows), the
//!   storage a sharing backend provides ([`SharingStore`]) and the ownership rule backends apply
//!   inside the append transaction ([`check_new_version`]);
//! - [`read`]: the read rule, [`visible_objects`] and the collections a reader may see, and
//!   what the public log may publish ([`LogRelease`]);
//! - [`mod@write`]: the write path (objects signed with custodial keys, deletions, collection
//!   definitions, affiliations).
//!
//! Their items are re-exported here for callers.

pub mod model;
pub mod read;
pub mod write;

pub use model::*;
pub use read::*;
pub use write::*;

//! Witness cosignatures: only configured witnesses, one each, never under the log's origin,
//! bounded below the signed-note limit.

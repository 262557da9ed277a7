//! What the public log and conflict answers reveal of records a reader may not read.

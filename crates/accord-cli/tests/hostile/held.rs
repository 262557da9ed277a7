//! The classes that held when the hub was first attacked, kept holding: authentication,
//! the TLP matrix over every read path, refusals that write nothing.

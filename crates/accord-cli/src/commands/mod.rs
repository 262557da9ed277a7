//! One module per `accord` subcommand: its flags and what it does. The argument groups they
//! share are in [`crate::args`]; what several of them print or read, beside it.

pub mod amend;
pub mod bloc;
pub mod collections;
pub mod copy;
pub mod data;
pub mod export;
pub mod import;
pub mod incidents;
pub mod keygen;
pub mod keys;
pub mod log;
pub mod r#match;
pub mod migrate;
pub mod parties;
pub mod peers;
pub mod principles;
pub mod requests;
pub mod route;
pub mod serve;
pub mod submit;
pub mod tokens;
pub mod votes;
pub mod witness;
pub mod witnesses;

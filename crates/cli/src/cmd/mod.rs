//! One module per subcommand; each parses its own arguments and calls into the libraries.

pub mod circuit;
pub mod cluster;
pub mod info;
pub mod inspect;
pub mod keys;
pub mod prove;
pub mod sdr;
pub mod serve;
pub mod setup;
pub mod shards;
pub mod verify;
pub mod worker;

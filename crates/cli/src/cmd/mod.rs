//! One module per subcommand; each parses its own arguments and calls into the libraries.
//! Commands never import each other: what several share lives in `crate::args` (arguments into
//! library objects), `crate::report` (what they print) and `crate::cluster_job` (waiting for a
//! cluster's job).

pub mod cluster;
pub mod info;
pub mod inspect;
pub mod prove;
pub mod sdr;
pub mod serve;
pub mod setup;
pub mod verify;
pub mod worker;

//! One module per subcommand; each parses its own arguments and calls into the libraries.

pub mod info;
pub mod sdr;

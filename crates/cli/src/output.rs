//! Standard output that reports its failures. `println!` panics when stdout is a closed pipe
//! (`origami inspect … | head -1`) or a full disk (`> /dev/full`); every command prints through
//! [`outln!`] instead, which returns the error, and `main` turns a closed pipe into a quiet exit
//! and anything else into an error message.

use std::fmt;
use std::io::Write;

/// Writing to standard output failed.
#[derive(Debug)]
pub struct OutputError(pub std::io::Error);

impl fmt::Display for OutputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "writing to standard output: {}", self.0)
    }
}

impl std::error::Error for OutputError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

impl OutputError {
    /// The reader of the pipe went away: not an error of this command's work.
    pub fn is_closed_pipe(&self) -> bool {
        self.0.kind() == std::io::ErrorKind::BrokenPipe
    }
}

/// Writes one line to standard output.
pub fn line(args: fmt::Arguments<'_>) -> Result<(), OutputError> {
    let mut out = std::io::stdout().lock();
    out.write_fmt(args)
        .and_then(|()| out.write_all(b"\n"))
        .map_err(OutputError)
}

/// `println!` that returns an [`OutputError`] instead of panicking.
macro_rules! outln {
    () => {
        $crate::output::line(format_args!(""))
    };
    ($($arg:tt)*) => {
        $crate::output::line(format_args!($($arg)*))
    };
}

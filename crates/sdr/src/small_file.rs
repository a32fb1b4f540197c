//! Small text files from outside the process (digest and completion records): the file's
//! type and size are checked before a byte is read.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use crate::error::{Result, SdrError};

/// Why a file could not be taken as a small text file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NotSmallText {
    /// A directory, device, FIFO or other non-regular file.
    NotAFile,
    /// Longer than the limit.
    TooLong,
    /// Not UTF-8.
    NotText,
}

impl NotSmallText {
    /// The reason in words, for error messages.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            NotSmallText::NotAFile => "is not a regular file",
            NotSmallText::TooLong => "is longer than a record",
            NotSmallText::NotText => "is not text",
        }
    }
}

/// Reads the text file at `path` if it is a regular file of at most `max` bytes of UTF-8:
/// `Ok(None)` if it does not exist, `Ok(Some(Err(why)))` if it is not such a file, an error
/// only for I/O failures.
pub(crate) fn read_small_text(
    path: &Path,
    max: u64,
) -> Result<Option<std::result::Result<String, NotSmallText>>> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(SdrError::io("opening", path)(e)),
    };
    let metadata = file
        .metadata()
        .map_err(SdrError::io("reading metadata of", path))?;
    if !metadata.is_file() {
        return Ok(Some(Err(NotSmallText::NotAFile)));
    }
    if metadata.len() > max {
        return Ok(Some(Err(NotSmallText::TooLong)));
    }
    let mut text = String::new();
    match file.take(max).read_to_string(&mut text) {
        Ok(_) => Ok(Some(Ok(text))),
        Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
            Ok(Some(Err(NotSmallText::NotText)))
        }
        Err(e) => Err(SdrError::io("reading", path)(e)),
    }
}

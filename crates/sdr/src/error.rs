//! Errors of the SDR crate: each says what was wrong and where.

use std::path::PathBuf;

/// Everything that can go wrong while building a graph, a parent cache or labels.
#[derive(Debug, thiserror::Error)]
pub enum SdrError {
    /// A sector size that is not a power of two in the supported range, or not parseable.
    #[error("unknown sector size {given:?}: {reason}")]
    UnknownSectorSize {
        /// What was given.
        given: String,
        /// Why.
        reason: String,
    },

    /// `--proof` was used with a sector size Filecoin has no registered proof for.
    #[error(
        "no registered Filecoin proof for a {sector_size}-byte sector (registered: 2KiB, 8MiB, 512MiB, 32GiB, 64GiB)"
    )]
    UnregisteredSectorSize {
        /// The sector size in bytes.
        sector_size: u64,
    },

    /// An API version other than v1 / v1.1.
    #[error("unknown proof version {0:?}: expected v1 or v1.1")]
    UnknownApiVersion(String),

    /// Hex input that does not decode to the expected number of bytes.
    #[error("{what}: expected {expected} bytes ({} hex digits), {detail}", expected * 2)]
    BadHex {
        /// What it is.
        what: &'static str,
        /// What was expected.
        expected: usize,
        /// What is wrong.
        detail: String,
    },

    /// A parent cache whose length does not match its graph.
    #[error("parent cache {path} is truncated or oversized: {actual} bytes, expected {expected}")]
    CacheWrongLength {
        /// The file.
        path: PathBuf,
        /// What was expected.
        expected: u64,
        /// What was found.
        actual: u64,
    },

    /// A parent cache whose SHA-256 differs from Filecoin's published digest.
    #[error("parent cache {path} is corrupted: SHA-256 {actual}, Filecoin publishes {expected}")]
    CacheDigestMismatch {
        /// The file.
        path: PathBuf,
        /// What was expected.
        expected: String,
        /// What was found.
        actual: String,
    },

    /// A parent cache whose entry for a node differs from the graph's definition.
    #[error("parent cache {path} is corrupted at node {node}: {detail}")]
    CacheCorrupted {
        /// The file.
        path: PathBuf,
        /// The node.
        node: u64,
        /// What is wrong.
        detail: String,
    },

    /// A parent cache whose SHA-256 differs from the digest recorded beside it when it was
    /// written or first checked.
    #[error(
        "parent cache {path} is corrupted: SHA-256 {actual}, but {record} records {recorded}; delete both files to regenerate the cache"
    )]
    CacheRecordMismatch {
        /// The file.
        path: PathBuf,
        /// The record file.
        record: PathBuf,
        /// The digest the record holds.
        recorded: String,
        /// What was found.
        actual: String,
    },

    /// A parent cache's digest record that cannot be read as one.
    #[error(
        "parent cache digest record {path} is damaged: {detail}; delete it to re-check the cache"
    )]
    BadCacheRecord {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },

    /// A path that should name a regular file names a directory or device.
    #[error("{0} is not a regular file")]
    NotAFile(PathBuf),

    /// A parent cache that should exist (for `--verify`) but does not.
    #[error("parent cache {0} does not exist")]
    CacheMissing(PathBuf),

    /// A layer count of zero.
    #[error("the number of layers must be at least 1")]
    NoLayers,

    /// More layers than any run may label.
    #[error("{given} layers requested; at most {max} are allowed (Filecoin's proofs use 2 or 11)")]
    TooManyLayers {
        /// What was given.
        given: usize,
        /// The most allowed.
        max: usize,
    },

    /// A thread count the pipelined labeler cannot use.
    #[error(
        "the pipelined labeler takes 2 to {max} threads (one hasher, up to {} producers), not {given}; 1 thread runs the reference labeler",
        max - 1
    )]
    ThreadCount {
        /// What was given.
        given: usize,
        /// The most allowed.
        max: usize,
    },

    /// A layer buffer or previous layer of the wrong size for the graph.
    #[error("{what} holds {actual} bytes, the graph needs {expected}")]
    WrongBufferSize {
        /// What it is.
        what: &'static str,
        /// What was expected.
        expected: usize,
        /// What was found.
        actual: usize,
    },

    /// The output directory already holds files: nothing is overwritten.
    #[error(
        "output directory {dir} is not empty (it holds {example}); choose an empty or new directory"
    )]
    OutputNotEmpty {
        /// The directory.
        dir: PathBuf,
        /// One of the files it holds.
        example: String,
    },

    /// Not enough free space for what a run will write (checked before work starts, and when
    /// a file's blocks are reserved).
    #[error(
        "not enough disk space for {what} at {path}: {needed} bytes ({}) needed, {available} bytes ({}) available",
        human_bytes(*needed),
        human_bytes(*available)
    )]
    NoSpace {
        /// The file.
        path: PathBuf,
        /// What it is.
        what: String,
        /// Bytes needed.
        needed: u64,
        /// Bytes available.
        available: u64,
    },

    /// A directory holds layers of another sector: they are never overwritten.
    #[error(
        "{dir} holds layer {layer} of another sector (replica id {replica_id}, graph {graph}); choose an empty or new directory"
    )]
    OtherSector {
        /// The directory.
        dir: PathBuf,
        /// The layer.
        layer: usize,
        /// The other sector's replica id (hex).
        replica_id: String,
        /// The other sector's graph.
        graph: String,
    },

    /// A batch with no sectors.
    #[error("a batch needs at least one sector")]
    EmptyBatch,

    /// Two sectors of a batch were given one output directory.
    #[error("two sectors of the batch write into {0}: give each its own directory")]
    SharedOutputDir(PathBuf),

    /// A batch needs more memory than the limit allows.
    #[error(
        "the batch needs {} of memory ({detail}), more than the limit of {}; label fewer sectors at once or raise --max-memory",
        human_bytes(*needed),
        human_bytes(*limit)
    )]
    NotEnoughMemory {
        /// Bytes needed.
        needed: u64,
        /// The limit in bytes.
        limit: u64,
        /// What is wrong.
        detail: String,
    },

    /// An I/O error with the file it happened on.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },

    /// The worker thread pool could not be started.
    #[error("could not start worker threads: {0}")]
    Threads(String),

    /// A worker thread of the pipelined labeler or cache generator panicked.
    #[error("an SDR worker thread panicked")]
    WorkerPanicked,
}

impl SdrError {
    /// Wraps an I/O error with the action and the path it concerned.
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| SdrError::Io {
            action,
            path,
            source,
        }
    }
}

/// `bytes` in the largest binary unit that keeps it at least 1 (e.g. "1.5 MiB").
pub(crate) fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["bytes", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} bytes")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// Result alias of this crate.
pub type Result<T> = std::result::Result<T, SdrError>;

//! Errors of the SDR crate: each says what was wrong and where.

use std::path::PathBuf;

/// Everything that can go wrong while building a graph, a parent cache or labels.
#[derive(Debug, thiserror::Error)]
pub enum SdrError {
    /// A sector size that is not a power of two in the supported range, or not parseable.
    #[error("unknown sector size {given:?}: {reason}")]
    UnknownSectorSize { given: String, reason: String },

    /// `--proof` was used with a sector size Filecoin has no registered proof for.
    #[error(
        "no registered Filecoin proof for a {sector_size}-byte sector (registered: 2KiB, 8MiB, 512MiB, 32GiB, 64GiB)"
    )]
    UnregisteredSectorSize { sector_size: u64 },

    /// An API version other than v1 / v1.1.
    #[error("unknown proof version {0:?}: expected v1 or v1.1")]
    UnknownApiVersion(String),

    /// Hex input that does not decode to the expected number of bytes.
    #[error("{what}: expected {expected} bytes ({} hex digits), {detail}", expected * 2)]
    BadHex {
        what: &'static str,
        expected: usize,
        detail: String,
    },

    /// A parent cache whose length does not match its graph.
    #[error("parent cache {path} is truncated or oversized: {actual} bytes, expected {expected}")]
    CacheWrongLength {
        path: PathBuf,
        expected: u64,
        actual: u64,
    },

    /// A parent cache whose SHA-256 differs from Filecoin's published digest.
    #[error("parent cache {path} is corrupted: SHA-256 {actual}, Filecoin publishes {expected}")]
    CacheDigestMismatch {
        path: PathBuf,
        expected: String,
        actual: String,
    },

    /// A parent cache whose entry for a node differs from the graph's definition.
    #[error("parent cache {path} is corrupted at node {node}: {detail}")]
    CacheCorrupted {
        path: PathBuf,
        node: u64,
        detail: String,
    },

    /// A parent cache whose SHA-256 differs from the digest recorded beside it when it was
    /// written or first checked.
    #[error(
        "parent cache {path} is corrupted: SHA-256 {actual}, but {record} records {recorded}; delete both files to regenerate the cache"
    )]
    CacheRecordMismatch {
        path: PathBuf,
        record: PathBuf,
        recorded: String,
        actual: String,
    },

    /// A parent cache's digest record that cannot be read as one.
    #[error(
        "parent cache digest record {path} is damaged: {detail}; delete it to re-check the cache"
    )]
    BadCacheRecord { path: PathBuf, detail: String },

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
    TooManyLayers { given: usize, max: usize },

    /// A thread count the pipelined labeler cannot use.
    #[error(
        "the pipelined labeler takes 2 to {max} threads (one hasher, up to {} producers), not {given}; 1 thread runs the reference labeler",
        max - 1
    )]
    ThreadCount { given: usize, max: usize },

    /// A layer buffer or previous layer of the wrong size for the graph.
    #[error("{what} holds {actual} bytes, the graph needs {expected}")]
    WrongBufferSize {
        what: &'static str,
        expected: usize,
        actual: usize,
    },

    /// The output directory already holds files: nothing is overwritten.
    #[error(
        "output directory {dir} is not empty (it holds {example}); choose an empty or new directory"
    )]
    OutputNotEmpty { dir: PathBuf, example: String },

    /// Not enough free space for what a run will write (checked before work starts, and when
    /// a file's blocks are reserved).
    #[error(
        "not enough disk space for {what} at {path}: {needed} bytes ({}) needed, {available} bytes ({}) available",
        human_bytes(*needed),
        human_bytes(*available)
    )]
    NoSpace {
        path: PathBuf,
        what: String,
        needed: u64,
        available: u64,
    },

    /// A directory holds layers of another sector: they are never overwritten.
    #[error(
        "{dir} holds layer {layer} of another sector (replica id {replica_id}, graph {graph}); choose an empty or new directory"
    )]
    OtherSector {
        dir: PathBuf,
        layer: usize,
        replica_id: String,
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
        needed: u64,
        limit: u64,
        detail: String,
    },

    /// An I/O error with the file it happened on.
    #[error("{action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
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

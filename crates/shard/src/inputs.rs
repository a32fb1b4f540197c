//! A run's input: one byte stream, each step reading its own consecutive piece of it.
//!
//! Step `i` reads the bytes `[i·s, (i+1)·s)` of the stream, `s` being the circuit's bytes per
//! step; near the end a piece is shorter, and past it empty. The stream is held in memory or
//! read from a file piece by piece, so a long input proves with the memory of one step.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use origami_arith::Cycle;
use origami_nova::{PrimaryField, ProvableStep, StepCircuit};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A provable step whose input is its piece of a run's byte stream: what shards, checkpoints
/// and tasks are made of. (Every [`ProvableStep`] with `Input = [u8]` is one.)
pub trait StreamedStep<Y: Cycle>:
    ProvableStep<Y> + StepCircuit<PrimaryField<Y>, Input = [u8]>
{
}

impl<Y: Cycle, T> StreamedStep<Y> for T where
    T: ProvableStep<Y> + StepCircuit<PrimaryField<Y>, Input = [u8]>
{
}

/// Why an input could not be read.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The input file could not be opened or its size read.
    #[error("cannot open input file {path}: {source}")]
    Open {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Reading the input file failed.
    #[error("reading input file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The input file is not a regular file (a directory, a pipe).
    #[error("input {path} is not a regular file")]
    NotAFile {
        /// The path given.
        path: PathBuf,
    },
    /// The input file changed size while it was read: the proof would be of no fixed file.
    #[error("input file {path} changed while it was read ({expected} bytes, now {found})")]
    Changed {
        /// The file.
        path: PathBuf,
        /// Its size when opened.
        expected: u64,
        /// Its size after.
        found: u64,
    },
    /// A step was given input bytes but the circuit reads none.
    #[error("{circuit} reads no input, but an input of {len} bytes was given")]
    NotRead {
        /// The circuit.
        circuit: String,
        /// Bytes given.
        len: u64,
    },
    /// The stream is longer than the run's steps read: its tail would not be proven.
    #[error(
        "the input is {len} bytes, but {steps} steps of {bytes_per_step} bytes read only {read}"
    )]
    Unread {
        /// Bytes in the stream.
        len: u64,
        /// Steps of the run.
        steps: u64,
        /// Bytes a step reads.
        bytes_per_step: u64,
        /// Bytes the steps read.
        read: u64,
    },
}

#[derive(Clone, Debug)]
enum Source {
    Memory(Arc<[u8]>),
    File(PathBuf),
}

/// A run's input stream and how many bytes each step reads of it.
#[derive(Clone, Debug)]
pub struct StepInputs {
    source: Source,
    len: u64,
    bytes_per_step: u64,
}

impl StepInputs {
    /// No input: every step reads nothing.
    pub fn none() -> Self {
        Self::from_bytes(Vec::new(), 0)
    }

    /// The stream `bytes`, held in memory.
    pub fn from_bytes(bytes: Vec<u8>, bytes_per_step: usize) -> Self {
        Self {
            len: bytes.len() as u64,
            source: Source::Memory(bytes.into()),
            bytes_per_step: bytes_per_step as u64,
        }
    }

    /// The file at `path`, read piece by piece as steps need it. The file must not change
    /// until the run is proven; a change of size is reported.
    pub fn open(path: &Path, bytes_per_step: usize) -> Result<Self, InputError> {
        let open = |source| InputError::Open {
            path: path.to_path_buf(),
            source,
        };
        let meta = std::fs::metadata(path).map_err(open)?;
        if !meta.is_file() {
            return Err(InputError::NotAFile {
                path: path.to_path_buf(),
            });
        }
        File::open(path).map_err(open)?;
        Ok(Self {
            source: Source::File(path.to_path_buf()),
            len: meta.len(),
            bytes_per_step: bytes_per_step as u64,
        })
    }

    /// Bytes in the stream.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the stream is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes each step reads.
    pub fn bytes_per_step(&self) -> u64 {
        self.bytes_per_step
    }

    /// Checks that `steps` steps read the whole stream (its tail would go unproven otherwise)
    /// and that a circuit reading no input, `circuit`, is given none.
    pub fn check_covered(&self, circuit: &str, steps: u64) -> Result<(), InputError> {
        if self.bytes_per_step == 0 && self.len > 0 {
            return Err(InputError::NotRead {
                circuit: circuit.to_string(),
                len: self.len,
            });
        }
        let read = steps.saturating_mul(self.bytes_per_step);
        if self.len > read {
            return Err(InputError::Unread {
                len: self.len,
                steps,
                bytes_per_step: self.bytes_per_step,
                read,
            });
        }
        Ok(())
    }

    /// The byte range `steps` steps from `first_step` read, clipped to the stream.
    fn range(&self, first_step: u64, steps: u64) -> (u64, u64) {
        byte_range(self.len, self.bytes_per_step, first_step, steps)
    }

    /// A reader of the pieces from step `first_step` on.
    pub fn reader(&self, first_step: u64) -> Result<StepReader, InputError> {
        let (start, _) = self.range(first_step, 0);
        let source = match &self.source {
            Source::Memory(bytes) => Pieces::Memory(bytes.clone()),
            Source::File(path) => {
                let mut file = File::open(path).map_err(|source| InputError::Open {
                    path: path.clone(),
                    source,
                })?;
                file.seek(SeekFrom::Start(start))
                    .map_err(|source| read_error(path, source))?;
                Pieces::File(file, path.clone())
            }
        };
        Ok(StepReader {
            source,
            len: self.len,
            bytes_per_step: self.bytes_per_step,
            pos: start,
            buf: Vec::with_capacity(self.bytes_per_step as usize),
        })
    }

    /// The bytes that `steps` steps from `first_step` read, as one piece (what a shard task
    /// carries).
    pub fn slice(&self, first_step: u64, steps: u64) -> Result<InputSlice, InputError> {
        let (start, end) = self.range(first_step, steps);
        let mut reader = self.reader(first_step)?;
        let mut bytes = Vec::with_capacity((end - start) as usize);
        for _ in 0..steps {
            if reader.pos >= end {
                break;
            }
            bytes.extend_from_slice(reader.next_step()?);
        }
        Ok(InputSlice {
            bytes_per_step: self.bytes_per_step,
            bytes,
        })
    }

    /// [`stream_digest`] of the stream: what a job's id covers.
    pub fn digest(&self) -> Result<[u8; 32], InputError> {
        match &self.source {
            Source::Memory(bytes) => Ok(stream_digest(self.len, self.bytes_per_step, [&bytes[..]])),
            Source::File(path) => {
                let mut file = File::open(path).map_err(|source| InputError::Open {
                    path: path.clone(),
                    source,
                })?;
                let mut buf = vec![0u8; 1 << 16];
                let mut h = StreamHasher::new(self.len, self.bytes_per_step);
                loop {
                    let n = file.read(&mut buf).map_err(|e| read_error(path, e))?;
                    if n == 0 {
                        break;
                    }
                    h.update(&buf[..n]);
                }
                if h.total != self.len {
                    return Err(InputError::Changed {
                        path: path.clone(),
                        expected: self.len,
                        found: h.total,
                    });
                }
                Ok(h.finish())
            }
        }
    }
}

/// The bytes `[start, end)` that `steps` steps from `first_step` read of a stream of `len`
/// bytes, `bytes_per_step` a step.
pub fn byte_range(len: u64, bytes_per_step: u64, first_step: u64, steps: u64) -> (u64, u64) {
    let clip = |s: u64| s.saturating_mul(bytes_per_step).min(len);
    (clip(first_step), clip(first_step.saturating_add(steps)))
}

/// SHA-256 of an input stream of `len` bytes read `bytes_per_step` a step, given as `pieces`
/// in order (the length and step size are hashed first, so pieces cut differently, or
/// read differently, give another digest).
pub fn stream_digest<'a>(
    len: u64,
    bytes_per_step: u64,
    pieces: impl IntoIterator<Item = &'a [u8]>,
) -> [u8; 32] {
    let mut h = StreamHasher::new(len, bytes_per_step);
    for piece in pieces {
        h.update(piece);
    }
    h.finish()
}

struct StreamHasher {
    h: Sha256,
    total: u64,
}

impl StreamHasher {
    fn new(len: u64, bytes_per_step: u64) -> Self {
        let mut h = Sha256::new();
        h.update(b"origami-input/v1");
        h.update(len.to_le_bytes());
        h.update(bytes_per_step.to_le_bytes());
        Self { h, total: 0 }
    }

    fn update(&mut self, bytes: &[u8]) {
        self.total += bytes.len() as u64;
        self.h.update(bytes);
    }

    fn finish(self) -> [u8; 32] {
        self.h.finalize().into()
    }
}

fn read_error(path: &Path, source: std::io::Error) -> InputError {
    InputError::Read {
        path: path.to_path_buf(),
        source,
    }
}

enum Pieces {
    Memory(Arc<[u8]>),
    File(File, PathBuf),
}

/// Reads a stream's pieces in order, one step's at a time, into one reused buffer.
pub struct StepReader {
    source: Pieces,
    len: u64,
    bytes_per_step: u64,
    pos: u64,
    buf: Vec<u8>,
}

impl StepReader {
    /// The next step's piece (empty past the end of the stream).
    pub fn next_step(&mut self) -> Result<&[u8], InputError> {
        let n = self.bytes_per_step.min(self.len.saturating_sub(self.pos));
        self.buf.clear();
        match &mut self.source {
            Pieces::Memory(bytes) => {
                let start = self.pos as usize;
                self.buf
                    .extend_from_slice(&bytes[start..start + n as usize]);
            }
            Pieces::File(file, path) => {
                let got = file
                    .by_ref()
                    .take(n)
                    .read_to_end(&mut self.buf)
                    .map_err(|e| read_error(path, e))? as u64;
                if got != n {
                    return Err(InputError::Changed {
                        path: path.clone(),
                        expected: self.len,
                        found: self.pos + got,
                    });
                }
            }
        }
        self.pos += n;
        Ok(&self.buf)
    }
}

/// The input bytes of consecutive steps, held whole: what a shard task carries.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputSlice {
    /// Bytes each step reads.
    pub bytes_per_step: u64,
    /// The steps' bytes, in order.
    pub bytes: Vec<u8>,
}

impl InputSlice {
    /// Step `j`'s piece (counting from the slice's first step; empty past its end).
    pub fn step(&self, j: u64) -> &[u8] {
        let len = self.bytes.len() as u64;
        let start = j.saturating_mul(self.bytes_per_step).min(len);
        let end = start.saturating_add(self.bytes_per_step).min(len);
        &self.bytes[start as usize..end as usize]
    }
}

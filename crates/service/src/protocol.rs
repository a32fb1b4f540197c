//! What the API process and its child processes say to each other over the children's stdin and
//! stdout: length-prefixed bincode frames, one request then one response.

use std::io::{self, Read, Write};

use std::path::PathBuf;

use bincode::Options;
use origami_arith::encoding::field_vec;
use origami_cluster::{JobId, TaskStage, TaskState};
pub use origami_keys::{Field, ProofKind};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// Frames larger than this are refused: nothing the service sends comes near it, so a larger
/// length prefix means the stream is not ours (or is damaged).
pub const MAX_FRAME: u64 = 1 << 30;

fn options() -> impl Options {
    bincode::DefaultOptions::new()
        .with_fixint_encoding()
        .with_limit(MAX_FRAME)
}

/// Writes `msg` as one frame and flushes.
pub fn write_frame<T: Serialize>(w: &mut impl Write, msg: &T) -> io::Result<()> {
    let body = options()
        .serialize(msg)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    w.write_all(&(body.len() as u64).to_le_bytes())?;
    w.write_all(&body)?;
    w.flush()
}

/// Reads one frame; `None` when the other side closed the stream between frames.
pub fn read_frame<T: DeserializeOwned>(r: &mut impl Read) -> io::Result<Option<T>> {
    let mut len = [0u8; 8];
    match r.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let len = u64::from_le_bytes(len);
    if len > MAX_FRAME {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("a frame of {len} bytes (at most {MAX_FRAME})"),
        ));
    }
    // Grown as bytes arrive, not allocated from the prefix: a damaged prefix costs what the
    // stream actually holds, never a gigabyte up front.
    let mut body = Vec::new();
    r.take(len).read_to_end(&mut body)?;
    if body.len() as u64 != len {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!("a frame of {len} bytes ended after {}", body.len()),
        ));
    }
    options()
        .deserialize(&body)
        .map(Some)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

/// A state of the run: the circuit's field elements.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct State(#[serde(with = "field_vec")] pub Vec<Field>);

/// What the prover process is started with: its first frame on stdin (so nothing about the
/// service's set-up travels as command-line arguments).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProverOptions {
    /// The key directory; its `prover.key` is loaded.
    pub keys: PathBuf,
    /// A PostgreSQL cluster's database; jobs go there instead of to an in-process store.
    pub cluster: Option<String>,
    /// Worker threads proving shards in this process (0: only a cluster's workers prove).
    pub workers: usize,
    /// The prefix of this process's worker names in the store.
    pub worker_name: String,
    /// Where the verifier's commitment generators are cached.
    pub generator_cache: Option<PathBuf>,
    /// A job whose estimated proving time (seconds) is over this is refused.
    pub max_job_seconds: Option<u64>,
    /// A job whose estimated peak memory in this process (bytes) is over this is refused.
    pub max_memory: Option<u64>,
}

/// Why a child process could not start (sent to the API process before it exits).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum StartError {
    /// A key could not be loaded or used.
    #[error("{0}")]
    Key(String),
    /// The task store could not be opened.
    #[error("the task store: {0}")]
    Store(String),
    /// Without a cluster, someone must prove.
    #[error("without a cluster, at least one worker thread must prove")]
    NoWorkers,
}

/// The verifier process's first message from the API process: the verifier key it is to use.
#[derive(Debug, Serialize, Deserialize)]
pub struct VerifierStart {
    /// The verifier key file's bytes (as `origami setup` writes them).
    pub verifier_key: Vec<u8>,
    /// Where the commitment generators are cached.
    pub generator_cache: Option<PathBuf>,
}

/// The verifier process's answer to [`VerifierStart`]: ready, or why not.
pub type VerifierReady = Result<(), StartError>;

/// A proof to check.
#[derive(Debug, Serialize, Deserialize)]
pub struct VerifyRequest {
    /// The proof file's bytes (compressed or sharded).
    pub proof: Vec<u8>,
    /// The state the run must start from.
    pub z0: State,
    /// The steps the proof must cover.
    pub steps: u64,
}

/// A proof that verified.
#[derive(Debug, Serialize, Deserialize)]
pub struct Verified {
    /// The run's final state.
    pub z_final: State,
    /// Compressed or sharded (the verifier process checks no other kind).
    pub kind: ProofKind,
    /// Shards the proof holds (1 for a compressed proof).
    pub shards: usize,
}

/// Why a proof was not accepted.
#[derive(Debug, Serialize, Deserialize, thiserror::Error)]
pub enum VerifyFailure {
    /// The bytes are not a proof for this key (damaged, another kind of file, other parameters).
    #[error("not a proof this service can read: {0}")]
    Malformed(String),
    /// A well-formed proof that does not show the statement asked about.
    #[error("the proof does not verify: {0}")]
    Rejected(String),
}

/// The verifier process's answer to a [`VerifyRequest`].
pub type VerifyResponse = Result<Verified, VerifyFailure>;

/// The prover process's first message: the verifier key of the prover key it loaded, which the
/// API process hands to the verifier process (so that one never reads the prover key).
pub type ProverHello = Result<Vec<u8>, StartError>;

/// A request to the prover process.
#[derive(Debug, Serialize, Deserialize)]
pub enum ProverRequest {
    /// Prove `steps` steps from `z0` in `shards` shards (nothing new if the job is in hand).
    Submit {
        /// Steps of the run.
        steps: u64,
        /// Shards.
        shards: u32,
        /// The initial state.
        z0: State,
        /// The steps' input (empty for a circuit that reads none).
        input: Vec<u8>,
    },
    /// What happened to the jobs since the last time this was asked.
    TakeUpdates,
    /// Cancel a job: its unfinished shards are given up in the store, so workers stop.
    Cancel {
        /// The job.
        job: JobId,
    },
}

/// The prover process's answer.
#[derive(Debug, Serialize, Deserialize)]
pub enum ProverResponse {
    /// The job's id.
    Submitted(JobId),
    /// The jobs' news and the shards proven since the last time.
    Updates(Updates),
    /// The job was not taken.
    Refused(SubmitError),
    /// The job was cancelled: this many unfinished shards were given up.
    Cancelled(usize),
}

/// Why the prover process did not take a job.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum SubmitError {
    /// The steps cannot be split so.
    #[error("{0}")]
    Plan(String),
    /// The task store failed.
    #[error("the task store: {0}")]
    Store(String),
    /// The job would take longer, or more memory, than this service allows.
    #[error("{0}")]
    NotAdmitted(String),
}

/// What the prover process reports since it was last asked: the API process keeps the jobs'
/// records, the prover process only says what changed.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Updates {
    /// Each job that changed, with where it stands now.
    pub jobs: Vec<JobUpdate>,
    /// Seconds each shard proven by this process's workers took.
    pub shard_seconds: Vec<f64>,
}

/// Where a job stands now.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct JobUpdate {
    /// The job.
    pub job: JobId,
    /// Each shard's state, shard 0 first.
    pub shards: Vec<ShardProgress>,
    /// Set when the job is over.
    pub outcome: Option<Outcome>,
}

/// One shard's state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardProgress {
    /// Where the shard's task stands.
    pub state: TaskStage,
    /// The worker proving it or whose proof was accepted.
    pub worker: Option<String>,
    /// Attempts made so far.
    pub attempts: u32,
}

impl ShardProgress {
    /// A shard's progress as its task's state gives it.
    pub fn of(task: &TaskState) -> Self {
        Self {
            state: task.stage(),
            worker: task.worker().map(str::to_string),
            attempts: task.attempts(),
        }
    }
}

/// How a job ended.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Outcome {
    /// Every shard proven and checked, the proof assembled: the sharded proof file's bytes.
    Complete(Vec<u8>),
    /// Given up, with the reason.
    Failed(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_a_closed_stream_reads_as_none() {
        let mut buf = Vec::new();
        write_frame(&mut buf, &ProverRequest::TakeUpdates).unwrap();
        write_frame(&mut buf, &VerifierReady::Err(StartError::NoWorkers)).unwrap();
        let mut r = &buf[..];
        let first: Option<ProverRequest> = read_frame(&mut r).unwrap();
        assert!(matches!(first, Some(ProverRequest::TakeUpdates)));
        let second: Option<VerifierReady> = read_frame(&mut r).unwrap();
        assert_eq!(second, Some(Err(StartError::NoWorkers)));
        assert!(read_frame::<VerifierReady>(&mut r).unwrap().is_none());
    }

    #[test]
    fn an_oversized_or_cut_frame_is_an_error() {
        let mut r = &(MAX_FRAME + 1).to_le_bytes()[..];
        assert!(read_frame::<VerifierReady>(&mut r).is_err());
        let mut buf = Vec::new();
        write_frame(&mut buf, &VerifierReady::Ok(())).unwrap();
        buf.pop();
        assert!(read_frame::<VerifierReady>(&mut &buf[..]).is_err());
        // A prefix that promises far more than the stream holds is a short read, not an
        // allocation of what it promises.
        let mut promised = MAX_FRAME.to_le_bytes().to_vec();
        promised.extend_from_slice(&[0; 10]);
        let err = read_frame::<VerifierReady>(&mut &promised[..]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof, "{err}");
    }
}

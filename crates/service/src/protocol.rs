//! What the API process and its child processes say to each other over the children's stdin and
//! stdout: length-prefixed bincode frames, one request then one response.

use std::io::{self, Read, Write};

use bincode::Options;
use origami_arith::DefaultCycle;
use origami_arith::encoding::field_vec;
use origami_nova::params::PrimaryField;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// A field element of the circuits' state.
pub type Field = PrimaryField<DefaultCycle>;

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

/// The verifier process's first message from the API process: the verifier key it is to use.
#[derive(Debug, Serialize, Deserialize)]
pub struct VerifierStart {
    /// The verifier key file's bytes (as `origami setup` writes them).
    pub verifier_key: Vec<u8>,
}

/// The verifier process's answer to [`VerifierStart`]: ready, or why not.
pub type VerifierReady = Result<(), String>;

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
    /// `compressed` or `sharded`.
    pub kind: String,
    /// Shards the proof holds (1 for a compressed proof).
    pub shards: usize,
}

/// Why a proof was not accepted.
#[derive(Debug, Serialize, Deserialize)]
pub enum VerifyFailure {
    /// The bytes are not a proof for this key (damaged, another kind of file, other parameters).
    Malformed(String),
    /// A well-formed proof that does not show the statement asked about.
    Rejected(String),
}

/// The verifier process's answer to a [`VerifyRequest`].
pub type VerifyResponse = Result<Verified, VerifyFailure>;

/// The prover process's first message: the verifier key of the prover key it loaded, which the
/// API process hands to the verifier process (so that one never reads the prover key).
pub type ProverHello = Result<Vec<u8>, String>;

/// A request to the prover process.
#[derive(Debug, Serialize, Deserialize)]
pub enum ProverRequest {
    /// Prove `steps` steps from `z0` in `shards` shards (nothing new if the job exists).
    Submit {
        /// Steps of the run.
        steps: u64,
        /// Shards.
        shards: u32,
        /// The initial state.
        z0: State,
    },
    /// Where a job stands.
    Status {
        /// The job id.
        job: String,
    },
    /// A complete job's proof; the prover process forgets the job once it is handed over.
    TakeProof {
        /// The job id.
        job: String,
    },
    /// The seconds each shard took to prove since the last time this was asked.
    TakeShardTimes,
}

/// The prover process's answer.
#[derive(Debug, Serialize, Deserialize)]
pub enum ProverResponse {
    /// The job's id.
    Submitted(String),
    /// Where the job stands.
    Status(JobProgress),
    /// The job's sharded proof file.
    Proof(Vec<u8>),
    /// Shard proving times in seconds.
    ShardTimes(Vec<f64>),
    /// The request could not be done.
    Error(String),
}

/// Where a job stands, shard by shard.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct JobProgress {
    /// Each shard's state, shard 0 first: `queued`, `running`, `checking`, `done` or `failed`.
    pub shards: Vec<ShardProgress>,
    /// Set when the job is over.
    pub outcome: Option<Outcome>,
}

/// One shard's state.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ShardProgress {
    /// `queued`, `running`, `checking`, `done` or `failed`.
    pub state: String,
    /// The worker proving it or whose proof was accepted.
    pub worker: Option<String>,
    /// Attempts made so far.
    pub attempts: u32,
}

/// How a job ended.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Outcome {
    /// Every shard proven and checked, the proof assembled and waiting to be taken.
    Complete,
    /// Given up, with the reason.
    Failed(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_a_closed_stream_reads_as_none() {
        let mut buf = Vec::new();
        write_frame(&mut buf, &ProverRequest::Status { job: "ab".into() }).unwrap();
        write_frame(&mut buf, &VerifierReady::Err("no".into())).unwrap();
        let mut r = &buf[..];
        let first: Option<ProverRequest> = read_frame(&mut r).unwrap();
        assert!(matches!(first, Some(ProverRequest::Status { job }) if job == "ab"));
        let second: Option<VerifierReady> = read_frame(&mut r).unwrap();
        assert_eq!(second, Some(Err("no".to_string())));
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

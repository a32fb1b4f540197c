//! Proof files of every kind, read by the kind their header names.

use std::fmt;
use std::path::Path;

use origami_arith::DefaultCycle;
use origami_format::{FileKind, FormatError, Header};
use origami_nova::{CompressedProof, NovaError, RecursiveProof};
use origami_shard::{ShardChain, ShardError};

use crate::{Field, Params, Verifier};

/// The kinds of proof file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ProofKind {
    /// One compressed proof (`origami prove`).
    Compressed,
    /// A chain of compressed shard proofs (`origami prove --shards K`).
    Sharded,
    /// An uncompressed recursive proof (`origami prove --recursive`).
    Recursive,
}

impl ProofKind {
    /// The kind's name: `compressed`, `sharded` or `recursive`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Compressed => "compressed",
            Self::Sharded => "sharded",
            Self::Recursive => "recursive",
        }
    }
}

impl fmt::Display for ProofKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a proof file could not be read or did not verify.
#[derive(Debug, thiserror::Error)]
pub enum ProofError {
    /// The file could not be read, or is not a well-formed Origami file.
    #[error(transparent)]
    Format(#[from] FormatError),
    /// A well-formed Origami file of a kind that is not a proof.
    #[error("{what} is a {kind}, not a proof")]
    NotAProof {
        /// The file, as a message names it.
        what: String,
        /// Its kind.
        kind: FileKind,
    },
    /// The proof's contents could not be decoded.
    #[error(transparent)]
    Decode(NovaError),
    /// The sharded proof's contents could not be decoded.
    #[error(transparent)]
    DecodeShards(ShardError),
    /// A recursive proof is checked against the folding parameters, not a verifier.
    #[error("a recursive proof is checked against the prover key's parameters, not a verifier key")]
    NeedsParams,
    /// A compressed or sharded proof is checked with a verifier, not the folding parameters.
    #[error("a {0} proof is checked with a verifier key, not the folding parameters")]
    NeedsVerifier(ProofKind),
    /// The proof does not show the statement asked about.
    #[error(transparent)]
    Rejected(NovaError),
    /// The sharded proof does not show the statement asked about.
    #[error(transparent)]
    RejectedShards(ShardError),
}

impl ProofError {
    /// True when the bytes were not a readable proof (as opposed to a proof that was read and
    /// refused).
    pub fn is_malformed(&self) -> bool {
        matches!(
            self,
            Self::Format(_) | Self::NotAProof { .. } | Self::Decode(_) | Self::DecodeShards(_)
        )
    }
}

/// A proof file of any kind, decoded.
#[derive(Debug)]
pub enum ProofFile {
    /// A compressed proof (the proofs are boxed: their sizes differ by kilobytes).
    Compressed(Box<CompressedProof<DefaultCycle>>),
    /// A sharded proof.
    Sharded(ShardChain<DefaultCycle>),
    /// A recursive proof.
    Recursive(Box<RecursiveProof<DefaultCycle>>),
}

impl ProofFile {
    /// Reads the proof file at `path`: its header first (kind and length against the file's
    /// size and the kind's largest payload), then exactly its payload.
    pub fn read(path: &Path) -> Result<Self, ProofError> {
        let header = origami_format::read_file_header(path)?;
        // The kind before the payload: a key given as a proof is refused unread.
        let kind = proof_kind(&header, || path.display().to_string())?;
        let bytes = origami_format::read_file_bytes(path, header.kind, None)?;
        Self::decode(kind, &header.digest, &bytes)
    }

    /// Decodes a proof file's bytes as the kind its header names.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ProofError> {
        let header = origami_format::read_header(bytes)?;
        let kind = proof_kind(&header, || "the file".into())?;
        Self::decode(kind, &header.digest, bytes)
    }

    /// Decodes under the digest the header names: which key that must be is checked when the
    /// proof is verified, where the message can say precisely what differs.
    fn decode(kind: ProofKind, digest: &[u8; 32], bytes: &[u8]) -> Result<Self, ProofError> {
        Ok(match kind {
            ProofKind::Compressed => Self::Compressed(Box::new(
                CompressedProof::from_bytes(bytes, digest).map_err(ProofError::Decode)?,
            )),
            ProofKind::Sharded => Self::Sharded(
                ShardChain::from_bytes(bytes, Some(digest)).map_err(ProofError::DecodeShards)?,
            ),
            ProofKind::Recursive => Self::Recursive(Box::new(
                RecursiveProof::from_bytes(bytes, digest).map_err(ProofError::Decode)?,
            )),
        })
    }

    /// The proof's kind.
    pub fn kind(&self) -> ProofKind {
        match self {
            Self::Compressed(_) => ProofKind::Compressed,
            Self::Sharded(_) => ProofKind::Sharded,
            Self::Recursive(_) => ProofKind::Recursive,
        }
    }

    /// Shards the proof holds (1 unless sharded).
    pub fn shards(&self) -> usize {
        match self {
            Self::Sharded(p) => p.shards.len(),
            _ => 1,
        }
    }

    /// The steps the proof claims to cover (`None` for shards whose counts overflow).
    pub fn claimed_steps(&self) -> Option<u64> {
        match self {
            Self::Compressed(p) => Some(p.num_steps),
            Self::Sharded(p) => p.total_steps(),
            Self::Recursive(p) => Some(p.num_steps),
        }
    }

    /// The initial state the proof claims (`None` for a sharded proof without shards).
    pub fn claimed_z0(&self) -> Option<&[Field]> {
        match self {
            Self::Compressed(p) => Some(&p.z0),
            Self::Sharded(p) => p.shards.first().map(|s| s.z_in.as_slice()),
            Self::Recursive(p) => Some(&p.z0),
        }
    }

    /// Checks a compressed or sharded proof with `verifier`: made for its key (the most precise
    /// reason first when not: another circuit, variant or key), `steps` steps from `z0`.
    /// Returns the final state.
    pub fn verify(
        &self,
        verifier: &Verifier,
        steps: u64,
        z0: &[Field],
    ) -> Result<Vec<Field>, ProofError> {
        match self {
            Self::Compressed(p) => p.verify(verifier, steps, z0).map_err(ProofError::Rejected),
            Self::Sharded(p) => p
                .verify(verifier, steps, z0)
                .map_err(ProofError::RejectedShards),
            Self::Recursive(_) => Err(ProofError::NeedsParams),
        }
    }

    /// Checks a recursive proof against the folding parameters: `steps` steps from `z0`.
    /// Returns the final state.
    pub fn verify_recursive(
        &self,
        params: &Params,
        steps: u64,
        z0: &[Field],
    ) -> Result<Vec<Field>, ProofError> {
        match self {
            Self::Recursive(p) => p.verify(params, steps, z0).map_err(ProofError::Rejected),
            _ => Err(ProofError::NeedsVerifier(self.kind())),
        }
    }
}

/// The proof kind a header names; `what` names the file when it is not a proof.
fn proof_kind(header: &Header, what: impl FnOnce() -> String) -> Result<ProofKind, ProofError> {
    match header.kind {
        FileKind::CompressedProof => Ok(ProofKind::Compressed),
        FileKind::ShardedProof => Ok(ProofKind::Sharded),
        FileKind::RecursiveProof => Ok(ProofKind::Recursive),
        kind => Err(ProofError::NotAProof { what: what(), kind }),
    }
}

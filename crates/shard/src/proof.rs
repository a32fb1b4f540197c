//! Shard proofs and their verification as one statement.

use std::ops::ControlFlow;
use std::path::Path;

use origami_arith::{Cycle, encoding::field_vec};
use origami_format::{FileKind, hex};
use origami_nova::PrimaryField;
use origami_nova::{
    CompressedProof, CompressedProverKey, CompressedVerifier, RecursiveSnark, StepCircuit,
};
use serde::{Deserialize, Serialize};

use crate::{InputSlice, Shard, ShardError, StreamedStep};

/// A compressed proof of one shard: `z_final = F^steps(z_in)`, where `z_in` is the run's state
/// after `first_step` steps.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct ShardProof<Y: Cycle> {
    /// Position of the shard in its plan.
    pub index: u32,
    /// The run's step the shard starts at.
    pub first_step: u64,
    /// Steps the shard proves.
    pub steps: u64,
    /// The state the shard starts from.
    #[serde(with = "field_vec")]
    pub z_in: Vec<PrimaryField<Y>>,
    /// The state the shard ends in.
    #[serde(with = "field_vec")]
    pub z_final: Vec<PrimaryField<Y>>,
    /// The compressed proof of the shard's steps from `z_in`.
    pub proof: CompressedProof<Y>,
}

impl<Y: Cycle> ShardProof<Y> {
    /// Proves `shard` from its checkpoint `z_in` over its steps' `input`: folds its steps, then
    /// compresses. `on_step` is called with the number of steps folded so far after each one;
    /// when it breaks, proving stops there with [`ShardError::Cancelled`].
    pub fn prove<SC: StreamedStep<Y>>(
        pk: &CompressedProverKey<Y, SC>,
        shard: &Shard,
        z_in: &[PrimaryField<Y>],
        input: &InputSlice,
        mut on_step: impl FnMut(u64) -> ControlFlow<()>,
    ) -> Result<Self, ShardError> {
        let failed = |source| ShardError::Prove {
            index: shard.index,
            source,
        };
        let mut snark = RecursiveSnark::new(pk.params(), z_in).map_err(failed)?;
        for done in 1..=shard.steps {
            snark
                .prove_step(pk.params(), input.step(done - 1))
                .map_err(failed)?;
            if on_step(done).is_break() {
                return Err(ShardError::Cancelled {
                    index: shard.index,
                    done,
                });
            }
        }
        let proof = CompressedProof::prove(pk, &snark).map_err(failed)?;
        Ok(Self {
            index: shard.index,
            first_step: shard.first_step,
            steps: shard.steps,
            z_in: z_in.to_vec(),
            z_final: snark.zi().to_vec(),
            proof,
        })
    }

    /// Checks the shard's proof against its own statement: `steps` steps from `z_in` ending in
    /// `z_final`. Says nothing about where the shard sits in a run (see [`ShardChain::verify`]).
    pub fn verify<SC: StepCircuit<PrimaryField<Y>>>(
        &self,
        verifier: &CompressedVerifier<Y, SC>,
    ) -> Result<(), ShardError> {
        // The claimed end state against the proof's before any cryptography (the proof's own
        // `z_n` is bound by its instance hashes).
        if self.proof.z_final != self.z_final {
            return Err(ShardError::FinalState { index: self.index });
        }
        self.proof
            .verify(verifier, self.steps, &self.z_in)
            .map_err(|source| ShardError::InvalidShard {
                index: self.index,
                source,
            })?;
        Ok(())
    }

    /// The proof as bytes with a header naming the verifier key it was made for (what a worker
    /// uploads).
    pub fn to_bytes(&self) -> Result<Vec<u8>, ShardError> {
        Ok(origami_format::encode(
            FileKind::ShardProof,
            self.proof.verifier_key,
            self,
        )?)
    }

    /// Decodes [`to_bytes`](Self::to_bytes)' output, refusing a proof made for another verifier
    /// key than `expected_key` or whose bytes are damaged.
    pub fn from_bytes(bytes: &[u8], expected_key: &[u8; 32]) -> Result<Self, ShardError> {
        let (_, proof): (_, Self) =
            origami_format::decode(bytes, FileKind::ShardProof, Some(expected_key))?;
        if proof.proof.verifier_key != *expected_key {
            return Err(ShardError::KeyMismatch {
                expected: hex(expected_key),
                found: hex(&proof.proof.verifier_key),
            });
        }
        Ok(proof)
    }

    /// The shard this proof claims to cover.
    pub fn shard(&self) -> Shard {
        Shard {
            index: self.index,
            first_step: self.first_step,
            steps: self.steps,
        }
    }
}

/// The proofs of every shard of a run, in order, and the identity of the verifier key they were
/// made for. Verifies as the single statement `z_N = F^N(z0)`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct ShardChain<Y: Cycle> {
    /// [`identity`](origami_nova::CompressedVerifierKey::identity) of the verifier key (circuit,
    /// size, variant, keys) every shard was proven for.
    pub verifier_key: [u8; 32],
    /// The shard proofs, shard 0 first.
    pub shards: Vec<ShardProof<Y>>,
}

impl<Y: Cycle> ShardChain<Y> {
    /// Checks that the shards prove `num_steps` steps from `z0` and returns the final state.
    ///
    /// The chain is checked before any proof (cheap first; see [`check_chain`]). Then every
    /// shard's proof is checked against its own statement with the one verifier key.
    ///
    /// [`check_chain`]: Self::check_chain
    pub fn verify<SC: StepCircuit<PrimaryField<Y>>>(
        &self,
        verifier: &CompressedVerifier<Y, SC>,
        num_steps: u64,
        z0: &[PrimaryField<Y>],
    ) -> Result<Vec<PrimaryField<Y>>, ShardError> {
        let z_final = self.check_chain(&verifier.key().identity(), num_steps, z0)?;
        for shard in &self.shards {
            shard.verify(verifier)?;
        }
        Ok(z_final)
    }

    /// The cheap half of [`verify`](Self::verify), for shards whose proofs were each checked
    /// already: the proof is for the verifier key `expected`, shard `i` is at position `i`, starts at
    /// the step where shard `i − 1` ended and from the state it ended in, ends where its own
    /// proof does, shard 0 starts at step 0 from `z0`, and the step counts add up to
    /// `num_steps`. Returns the final state.
    pub fn check_chain(
        &self,
        expected: &[u8; 32],
        num_steps: u64,
        z0: &[PrimaryField<Y>],
    ) -> Result<Vec<PrimaryField<Y>>, ShardError> {
        if self.verifier_key != *expected {
            return Err(ShardError::KeyMismatch {
                expected: hex(expected),
                found: hex(&self.verifier_key),
            });
        }
        let last = self.shards.last().ok_or(ShardError::NoShards)?;
        let mut next_step = 0u64;
        let mut state = z0;
        for (position, shard) in self.shards.iter().enumerate() {
            let index = shard.index;
            if usize::try_from(index).ok() != Some(position) {
                return Err(ShardError::ShardOrder { position, index });
            }
            if shard.first_step != next_step {
                return Err(ShardError::FirstStep {
                    index,
                    expected: next_step,
                    found: shard.first_step,
                });
            }
            if shard.steps == 0 {
                return Err(ShardError::EmptyShard { index });
            }
            if shard.z_in != state {
                return Err(if index == 0 {
                    ShardError::InitialState
                } else {
                    ShardError::Boundary { index }
                });
            }
            // The shard's claims against its proof's statement, so that every shard's fields
            // are checked before any shard's cryptography (the proof checks its own statement).
            if shard.proof.z_final != shard.z_final {
                return Err(ShardError::FinalState { index });
            }
            next_step = next_step
                .checked_add(shard.steps)
                .ok_or(ShardError::StepOverflow { index })?;
            state = &shard.z_final;
        }
        if next_step != num_steps {
            return Err(ShardError::StepTotal {
                expected: num_steps,
                found: next_step,
            });
        }
        Ok(last.z_final.clone())
    }

    /// Steps the shards claim to cover (`None` if the claims add up past `u64::MAX`).
    pub fn total_steps(&self) -> Option<u64> {
        self.shards
            .iter()
            .try_fold(0u64, |n, s| n.checked_add(s.steps))
    }

    /// Writes the proof to `path`. Returns the bytes written.
    pub fn save(&self, path: &Path) -> Result<u64, ShardError> {
        Ok(origami_format::write_file(
            path,
            FileKind::ShardedProof,
            self.verifier_key,
            self,
        )?)
    }

    /// Loads a proof, refusing one made for another verifier key than `expected_key` (when
    /// given) or whose header and contents disagree.
    pub fn load(path: &Path, expected_key: Option<&[u8; 32]>) -> Result<Self, ShardError> {
        let (header, proof): (_, Self) =
            origami_format::read_file(path, FileKind::ShardedProof, expected_key)?;
        proof.check_header(&header)
    }

    /// The proof as the bytes [`save`](Self::save) writes.
    pub fn to_bytes(&self) -> Result<Vec<u8>, ShardError> {
        Ok(origami_format::encode(
            FileKind::ShardedProof,
            self.verifier_key,
            self,
        )?)
    }

    /// Decodes a sharded proof file's contents, with the checks of [`load`](Self::load).
    pub fn from_bytes(bytes: &[u8], expected_key: Option<&[u8; 32]>) -> Result<Self, ShardError> {
        let (header, proof): (_, Self) =
            origami_format::decode(bytes, FileKind::ShardedProof, expected_key)?;
        proof.check_header(&header)
    }

    fn check_header(self, header: &origami_format::Header) -> Result<Self, ShardError> {
        if header.digest != self.verifier_key {
            return Err(ShardError::KeyMismatch {
                expected: hex(&header.digest),
                found: hex(&self.verifier_key),
            });
        }
        Ok(self)
    }
}

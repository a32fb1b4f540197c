//! Shard tasks of an Origami prover key: their inputs, a prover and a checker for them.

use std::ops::ControlFlow;

use ff::{PrimeField, PrimeFieldBits};
use origami_arith::{CurveCycle, encoding::field_vec};
use origami_format::{FileKind, hex};
use origami_nova::params::{PrimaryField, SecondaryField};
use origami_nova::{
    CompressedProverKey, CompressedVerifier, CompressedVerifierKey, ProvableStep, StepCircuit,
};
use origami_shard::{Shard, ShardError, ShardPlan, ShardProof, ShardedProof, checkpoints};
use serde::{Deserialize, Serialize};

use crate::ClusterError;
use crate::collect::ShardChecker;
use crate::store::{Claim, JobSpec};
use crate::worker::ShardProver;

/// A shard task's input: which shard, and the state it starts from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct ShardInput<Y: CurveCycle> {
    /// The shard.
    pub shard: Shard,
    /// The run's state at the shard's first step.
    #[serde(with = "field_vec")]
    pub z_in: Vec<PrimaryField<Y>>,
}

impl<Y: CurveCycle> ShardInput<Y> {
    /// The input as bytes, with a header naming the verifier key (its identity) it is to be
    /// proven for.
    pub fn to_bytes(&self, verifier_key: [u8; 32]) -> Result<Vec<u8>, ShardError> {
        Ok(origami_format::encode(
            FileKind::ShardTask,
            verifier_key,
            self,
        )?)
    }

    /// Decodes [`to_bytes`](Self::to_bytes)' output, refusing one for another verifier key.
    pub fn from_bytes(bytes: &[u8], verifier_key: &[u8; 32]) -> Result<Self, ShardError> {
        let (_, input) = origami_format::decode(bytes, FileKind::ShardTask, Some(verifier_key))?;
        Ok(input)
    }
}

/// A sharded job ready to submit: what it proves and one task input per shard.
#[derive(Clone, Debug)]
pub struct ShardJob {
    /// What the job proves.
    pub spec: JobSpec,
    /// Each shard's encoded [`ShardInput`], shard 0 first.
    pub inputs: Vec<Vec<u8>>,
}

impl ShardJob {
    /// The job of proving `plan`'s shards of the run from `z0` with `pk`'s parameters: the
    /// checkpoints are computed here with the circuit's native step.
    pub fn new<Y, SC>(
        pk: &CompressedProverKey<Y, SC>,
        plan: &ShardPlan,
        z0: &[PrimaryField<Y>],
    ) -> Result<Self, ShardError>
    where
        Y: CurveCycle,
        SC: ProvableStep<Y> + std::fmt::Display,
    {
        let spec = job_spec(pk.verifier_key(), plan, z0);
        let digest = spec.verifier_key;
        let states = checkpoints(pk.params().step(), plan, z0)?;
        let inputs = plan
            .shards()
            .iter()
            .zip(states)
            .map(|(shard, z_in)| {
                ShardInput::<Y> {
                    shard: *shard,
                    z_in,
                }
                .to_bytes(digest)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { spec, inputs })
    }
}

/// What the job of proving `plan`'s shards of the run from `z0` with `vk`'s parameters proves
/// (and so its id): known without the prover key and before any checkpoint is computed.
pub fn job_spec<Y, SC>(
    vk: &CompressedVerifierKey<Y, SC>,
    plan: &ShardPlan,
    z0: &[PrimaryField<Y>],
) -> JobSpec
where
    Y: CurveCycle,
    SC: std::fmt::Display,
{
    JobSpec {
        circuit: vk.step().to_string(),
        verifier_key: vk.identity(),
        steps: plan.total_steps(),
        shards: plan.len() as u32,
        z0: state_bytes(z0),
    }
}

/// Assembles a complete job's accepted proofs (`proofs`, shard 0 first, as
/// [`TaskStore::proofs`](crate::TaskStore::proofs) returns them) into one sharded proof and
/// verifies it as the job's whole statement: `spec.steps` steps from the state the job was
/// submitted with. Returns the proof and the run's final state.
///
/// `checked` lists the shards whose proofs this process's [`KeyChecker`] accepted (in
/// [`collect`](crate::collect)); their proofs are not verified a second time, every other one
/// is (a proof accepted by another process is only as good as the store it was read from). The
/// chain is always checked. The initial state is taken from shard 0's task input and must be
/// the one the job's id was made from (`spec.z0`), so a store whose rows were altered cannot
/// pass off another run.
pub fn assemble<Y, SC>(
    spec: &JobSpec,
    inputs: &[Vec<u8>],
    proofs: &[Vec<u8>],
    verifier: &CompressedVerifier<Y, SC>,
    checked: &[u32],
) -> Result<(ShardedProof<Y>, Vec<PrimaryField<Y>>), ClusterError>
where
    Y: CurveCycle,
    SC: StepCircuit<PrimaryField<Y>>,
    PrimaryField<Y>: PrimeFieldBits + 'static,
    SecondaryField<Y>: PrimeFieldBits + 'static,
{
    let digest = verifier.key().identity();
    if spec.verifier_key != digest {
        return Err(ShardError::KeyMismatch {
            expected: hex(&digest),
            found: hex(&spec.verifier_key),
        }
        .into());
    }
    let first = inputs.first().ok_or(ShardError::NoShards)?;
    let z0 = ShardInput::<Y>::from_bytes(first, &digest)?.z_in;
    if state_bytes(&z0) != spec.z0 {
        return Err(ShardError::InitialState.into());
    }
    let proof = ShardedProof {
        verifier_key: digest,
        shards: proofs
            .iter()
            .map(|bytes| ShardProof::from_bytes(bytes, &digest))
            .collect::<Result<Vec<_>, _>>()?,
    };
    let end = proof.check_chain(&digest, spec.steps, &z0)?;
    for shard in proof.shards.iter().filter(|s| !checked.contains(&s.index)) {
        shard.verify(verifier)?;
    }
    Ok((proof, end))
}

/// A state as bytes: each element's canonical representation in turn (what a job id hashes).
pub fn state_bytes<F: PrimeField>(z: &[F]) -> Vec<u8> {
    z.iter()
        .flat_map(|x| x.to_repr().as_ref().to_vec())
        .collect()
}

/// Proves shard tasks with a prover key.
pub struct KeyProver<'a, Y: CurveCycle, SC> {
    pk: &'a CompressedProverKey<Y, SC>,
    digest: [u8; 32],
}

impl<'a, Y: CurveCycle, SC> KeyProver<'a, Y, SC> {
    /// A prover for tasks made for `pk`'s verifier key.
    pub fn new(pk: &'a CompressedProverKey<Y, SC>) -> Self {
        Self {
            digest: pk.verifier_key().identity(),
            pk,
        }
    }
}

impl<Y: CurveCycle, SC: ProvableStep<Y> + Sync> ShardProver for KeyProver<'_, Y, SC>
where
    PrimaryField<Y>: PrimeFieldBits + 'static,
    SecondaryField<Y>: PrimeFieldBits + 'static,
{
    fn params(&self) -> Vec<[u8; 32]> {
        vec![self.digest]
    }

    fn prove(
        &self,
        claim: &Claim,
        progress: &mut dyn FnMut(u64) -> ControlFlow<()>,
    ) -> Result<Vec<u8>, String> {
        if claim.verifier_key != self.digest {
            return Err(format!(
                "the task is for verifier key {}, this worker's key is {}",
                hex(&claim.verifier_key),
                hex(&self.digest)
            ));
        }
        let input = ShardInput::<Y>::from_bytes(&claim.input, &self.digest)
            .map_err(|e| format!("reading the task: {e}"))?;
        let proof = ShardProof::prove(self.pk, &input.shard, &input.z_in, progress)
            .map_err(|e| e.to_string())?;
        proof.to_bytes().map_err(|e| e.to_string())
    }
}

/// Checks uploaded shard proofs with a verifier: the proof must be for the task's shard, start
/// from the task's state, and verify.
pub struct KeyChecker<'a, Y: CurveCycle, SC> {
    verifier: &'a CompressedVerifier<Y, SC>,
    digest: [u8; 32],
}

impl<'a, Y: CurveCycle, SC> KeyChecker<'a, Y, SC> {
    /// A checker for proofs made for `verifier`'s key.
    pub fn new(verifier: &'a CompressedVerifier<Y, SC>) -> Self {
        Self {
            digest: verifier.key().identity(),
            verifier,
        }
    }
}

impl<Y: CurveCycle, SC: StepCircuit<PrimaryField<Y>> + Sync> ShardChecker for KeyChecker<'_, Y, SC>
where
    PrimaryField<Y>: PrimeFieldBits + 'static,
    SecondaryField<Y>: PrimeFieldBits + 'static,
{
    fn check(&self, input: &[u8], proof: &[u8]) -> Result<(), String> {
        let input = ShardInput::<Y>::from_bytes(input, &self.digest)
            .map_err(|e| format!("reading the task: {e}"))?;
        let proof = ShardProof::<Y>::from_bytes(proof, &self.digest)
            .map_err(|e| format!("reading the proof: {e}"))?;
        if proof.shard() != input.shard {
            return Err(format!(
                "the proof covers {:?}, the task is {:?}",
                proof.shard(),
                input.shard
            ));
        }
        if proof.z_in != input.z_in {
            return Err("the proof starts from another state than the task".into());
        }
        proof.verify(self.verifier).map_err(|e| e.to_string())
    }
}

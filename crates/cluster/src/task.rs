//! Shard tasks bound to a verifier key: their inputs, the job that holds them, the worker's
//! prover and the submitter's check of an upload.

use std::ops::ControlFlow;

use ff::PrimeField;
use origami_arith::{Cycle, encoding::field_vec};
use origami_format::{FileKind, hex};
use origami_nova::PrimaryField;
use origami_nova::{CompressedProverKey, CompressedVerifier, CompressedVerifierKey, StepCircuit};
use origami_shard::{
    InputSlice, Shard, ShardError, ShardPlan, ShardProof, StepInputs, StreamedStep, byte_range,
    checkpoints, stream_digest,
};
use serde::{Deserialize, Serialize};

use crate::error::{CheckError, ClusterError, ProveError};
use crate::store::{Claim, JobId, JobSpec, StoreError, TaskStore};
use crate::worker::ShardProver;

/// A shard task's input: which shard, the state it starts from, and the bytes of the run's
/// input stream its steps read (so a worker needs no access to the submitter's files).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct ShardInput<Y: Cycle> {
    /// The shard.
    pub shard: Shard,
    /// The run's state at the shard's first step.
    #[serde(with = "field_vec")]
    pub z_in: Vec<PrimaryField<Y>>,
    /// The input its steps read.
    pub input: InputSlice,
}

impl<Y: Cycle> ShardInput<Y> {
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

/// A sharded job as its submitter knows it: what it proves, each shard's task input, and —
/// when this process computed the checkpoints — the state the run must end in.
#[derive(Clone, Debug)]
pub struct ShardJob<Y: Cycle> {
    /// What the job proves (and so its id).
    pub spec: JobSpec,
    inputs: Vec<ShardInput<Y>>,
    encoded: Vec<Vec<u8>>,
    z_final: Option<Vec<PrimaryField<Y>>>,
}

impl<Y: Cycle> ShardJob<Y> {
    /// The job of proving `plan`'s shards of the run from `z0` over `inputs` with `pk`'s
    /// parameters. The checkpoints are computed here with the circuit's native step, once: the
    /// last of them is the run's final state, which the proven chain must end in. Each shard's
    /// task carries the input bytes its steps read.
    pub fn new<SC>(
        pk: &CompressedProverKey<Y, SC>,
        plan: &ShardPlan,
        z0: &[PrimaryField<Y>],
        inputs: &StepInputs,
    ) -> Result<Self, ShardError>
    where
        SC: StreamedStep<Y> + std::fmt::Display,
    {
        let step = pk.params().step();
        inputs.check_covered(&step.to_string(), plan.total_steps())?;
        let slices = plan
            .shards()
            .iter()
            .map(|shard| inputs.slice(shard.first_step, shard.steps))
            .collect::<Result<Vec<_>, _>>()?;
        // The id's digest from the bytes the tasks carry: the input is not read again for it.
        let digest = stream_digest(
            inputs.len(),
            inputs.bytes_per_step(),
            slices.iter().map(|s| &s.bytes[..]),
        );
        let spec = spec_of(pk.verifier_key(), plan, z0, inputs.len(), digest);
        let mut states = checkpoints(step, plan, z0, inputs)?;
        let z_final = states.pop();
        let inputs: Vec<ShardInput<Y>> = plan
            .shards()
            .iter()
            .zip(states)
            .zip(slices)
            .map(|((shard, z_in), input)| ShardInput {
                shard: *shard,
                z_in,
                input,
            })
            .collect();
        let encoded = inputs
            .iter()
            .map(|input| input.to_bytes(spec.verifier_key))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            spec,
            inputs,
            encoded,
            z_final,
        })
    }

    /// A job already in `store` (submitted by another process, or before a restart): its spec
    /// and task inputs as the store holds them. Its final state is not known beforehand; the
    /// proven chain is still checked from the initial state the job's id was made from.
    pub fn from_store(store: &dyn TaskStore, id: &JobId) -> Result<Self, ClusterError> {
        let spec = store.status(id)?.spec;
        let encoded = store.inputs(id)?;
        let inputs = encoded
            .iter()
            .map(|bytes| ShardInput::from_bytes(bytes, &spec.verifier_key))
            .collect::<Result<Vec<_>, _>>()?;
        let z0 = &inputs.first().ok_or(ShardError::NoShards)?.z_in;
        // A store whose rows were altered cannot pass off another run under this id: not
        // another initial state, nor other input bytes, nor the same bytes cut otherwise.
        if state_bytes(z0) != spec.z0 {
            return Err(ShardError::InitialState.into());
        }
        let bytes_per_step = inputs[0].input.bytes_per_step;
        let cut_as_planned = inputs.iter().all(|i| {
            let (start, end) = byte_range(
                spec.input_len,
                bytes_per_step,
                i.shard.first_step,
                i.shard.steps,
            );
            i.input.bytes_per_step == bytes_per_step && i.input.bytes.len() as u64 == end - start
        });
        let digest = stream_digest(
            spec.input_len,
            bytes_per_step,
            inputs.iter().map(|i| &i.input.bytes[..]),
        );
        if !cut_as_planned || digest != spec.input_digest {
            return Err(ClusterError::InputMismatch);
        }
        Ok(Self {
            spec,
            inputs,
            encoded,
            z_final: None,
        })
    }

    /// The job's id.
    pub fn id(&self) -> JobId {
        self.spec.id()
    }

    /// Records the job in `store` (nothing new if it is there already) and returns its id.
    pub fn submit(&self, store: &dyn TaskStore) -> Result<JobId, StoreError> {
        store.submit(&self.spec, &self.encoded)
    }

    /// Each shard's task input, shard 0 first.
    pub fn inputs(&self) -> &[ShardInput<Y>] {
        &self.inputs
    }

    /// Each shard's task input as the store holds it, shard 0 first.
    pub fn encoded_inputs(&self) -> &[Vec<u8>] {
        &self.encoded
    }

    /// The run's initial state.
    pub fn z0(&self) -> &[PrimaryField<Y>] {
        self.inputs.first().map_or(&[], |input| &input.z_in)
    }

    /// The state the run ends in, when this process computed the checkpoints.
    pub fn z_final(&self) -> Option<&[PrimaryField<Y>]> {
        self.z_final.as_deref()
    }
}

/// What the job of proving `plan`'s shards of the run from `z0` over `inputs` with `vk`'s
/// parameters proves (and so its id): known without the prover key and before any checkpoint
/// is computed. The input's digest reads it once.
pub fn job_spec<Y, SC>(
    vk: &CompressedVerifierKey<Y, SC>,
    plan: &ShardPlan,
    z0: &[PrimaryField<Y>],
    inputs: &StepInputs,
) -> Result<JobSpec, ShardError>
where
    Y: Cycle,
    SC: std::fmt::Display,
{
    Ok(spec_of(vk, plan, z0, inputs.len(), inputs.digest()?))
}

fn spec_of<Y: Cycle, SC: std::fmt::Display>(
    vk: &CompressedVerifierKey<Y, SC>,
    plan: &ShardPlan,
    z0: &[PrimaryField<Y>],
    input_len: u64,
    input_digest: [u8; 32],
) -> JobSpec {
    JobSpec {
        circuit: vk.step().to_string(),
        verifier_key: vk.identity(),
        steps: plan.total_steps(),
        shards: plan.len() as u32,
        z0: state_bytes(z0),
        input_len,
        input_digest,
    }
}

/// Checks an uploaded shard proof against the task it claims to prove: decoded once (for the
/// job's key), for the task's shard, from the task's state, and verified.
pub(crate) fn check_upload<Y, SC>(
    job: &ShardJob<Y>,
    verifier: &CompressedVerifier<Y, SC>,
    shard: u32,
    bytes: &[u8],
) -> Result<ShardProof<Y>, CheckError>
where
    Y: Cycle,
    SC: StepCircuit<PrimaryField<Y>>,
{
    let input = job
        .inputs
        .get(shard as usize)
        .ok_or(CheckError::NoSuchShard(shard))?;
    let proof =
        ShardProof::<Y>::from_bytes(bytes, &job.spec.verifier_key).map_err(CheckError::Decode)?;
    if proof.shard() != input.shard {
        return Err(CheckError::OtherShard {
            proven: proof.shard(),
            task: input.shard,
        });
    }
    if proof.z_in != input.z_in {
        return Err(CheckError::OtherStart);
    }
    proof.verify(verifier).map_err(CheckError::Invalid)?;
    Ok(proof)
}

/// A state as bytes: each element's canonical representation in turn (what a job id hashes).
pub fn state_bytes<F: PrimeField>(z: &[F]) -> Vec<u8> {
    z.iter()
        .flat_map(|x| x.to_repr().as_ref().to_vec())
        .collect()
}

/// Proves shard tasks with a prover key: the worker side of a task.
pub struct TaskProver<'a, Y: Cycle, SC> {
    pk: &'a CompressedProverKey<Y, SC>,
    digest: [u8; 32],
}

impl<'a, Y: Cycle, SC> TaskProver<'a, Y, SC> {
    /// A prover for tasks made for `pk`'s verifier key.
    pub fn new(pk: &'a CompressedProverKey<Y, SC>) -> Self {
        Self {
            digest: pk.verifier_key().identity(),
            pk,
        }
    }
}

impl<Y: Cycle, SC: StreamedStep<Y> + Sync> ShardProver for TaskProver<'_, Y, SC> {
    fn params(&self) -> Vec<[u8; 32]> {
        vec![self.digest]
    }

    fn prove(
        &self,
        claim: &Claim,
        progress: &mut dyn FnMut(u64) -> ControlFlow<()>,
    ) -> Result<Vec<u8>, ProveError> {
        if claim.verifier_key != self.digest {
            return Err(ProveError::OtherKey {
                task: hex(&claim.verifier_key),
                worker: hex(&self.digest),
            });
        }
        let input =
            ShardInput::<Y>::from_bytes(&claim.input, &self.digest).map_err(ProveError::Task)?;
        let proof = ShardProof::prove(self.pk, &input.shard, &input.z_in, &input.input, progress)
            .map_err(ProveError::Prove)?;
        proof.to_bytes().map_err(ProveError::Prove)
    }
}

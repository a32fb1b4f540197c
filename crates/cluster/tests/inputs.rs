//! Jobs over input: sharded `sha256-file` runs (K = 1, 2, 3, and on PostgreSQL) attest what the
//! unsharded run does, each task carrying only its shard's bytes; the job id covers the input;
//! a store whose task inputs were altered, and a worker that proves other bytes, get no proof.

mod support;

use std::ops::ControlFlow;
use std::sync::{Mutex, OnceLock};

use origami_arith::{Pallas, PastaCycle, ScalarOf};
use origami_circuits::sha256_file::{FileDigest, attested, steps_for};
use origami_circuits::{Builtin, CircuitKind};
use origami_cluster::{
    Claim, ClusterError, MemoryStore, PgStore, ProveError, ShardInput, ShardJob, ShardProver,
    TaskProver, TaskStore, job_spec, prove_local,
};
use origami_nova::{CompressedProverKey, CompressedVerifier, StepCircuit};
use origami_shard::{ShardPlan, StepInputs};
use sha2::{Digest, Sha256};

type F = ScalarOf<Pallas>;
type Pk = CompressedProverKey<PastaCycle, Builtin>;
type Verifier = CompressedVerifier<PastaCycle, Builtin>;

/// 300 bytes: five one-block steps, the last only padding and length.
const LEN: usize = 300;

fn keys() -> &'static (Pk, Verifier) {
    static KEYS: OnceLock<(Pk, Verifier)> = OnceLock::new();
    KEYS.get_or_init(|| support::keys_for(CircuitKind::Sha256File.with_size(1), "input"))
}

fn file(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(seed) ^ 0x5a)
        .collect()
}

fn inputs(data: &[u8]) -> StepInputs {
    StepInputs::from_bytes(data.to_vec(), keys().0.params().step().bytes_per_step())
}

fn job(data: &[u8], shards: u32) -> ShardJob<PastaCycle> {
    let pk = &keys().0;
    let plan = ShardPlan::new(steps_for(data.len() as u64, 1), shards).unwrap();
    ShardJob::new(pk, &plan, &pk.params().step().default_z0(), &inputs(data)).unwrap()
}

fn expected(data: &[u8]) -> FileDigest {
    FileDigest {
        digest: Sha256::digest(data).into(),
        len: data.len() as u64,
    }
}

#[test]
fn sharded_runs_attest_what_the_unsharded_run_does() {
    let (pk, verifier) = keys();
    let data = file(LEN, 7);
    let z0: Vec<F> = pk.params().step().default_z0();
    let mut native = z0.clone();
    for piece in data.chunks(64).chain([&[][..]]) {
        native = pk.params().step().step(&native, piece).unwrap();
    }
    for shards in [1, 2, 3] {
        let job = job(&data, shards);
        // Each task carries exactly its steps' bytes.
        let carried: Vec<u8> = job
            .inputs()
            .iter()
            .flat_map(|t| t.input.bytes.clone())
            .collect();
        assert_eq!(carried, data);
        let proven = prove_local(pk, verifier, &job, 2, &|_| {}).unwrap();
        assert_eq!(proven.z_final, native, "{shards} shards");
        let z = proven.proof.verify(verifier, 5, &z0).unwrap();
        assert_eq!(attested(&z0, &z), Ok(expected(&data)), "{shards} shards");
    }
}

#[test]
fn the_job_id_covers_the_input() {
    let vk = keys().0.verifier_key();
    let z0: Vec<F> = keys().0.params().step().default_z0();
    let plan = ShardPlan::new(5, 2).unwrap();
    let id = |data: &[u8]| job_spec(vk, &plan, &z0, &inputs(data)).unwrap().id();
    let a = file(LEN, 7);
    let mut b = a.clone();
    b[150] ^= 1;
    assert_ne!(id(&a), id(&b), "other data, another job");
    assert_eq!(id(&a), id(&a.clone()), "the same data twice, one job");
    // Read from a file or held in memory, the same bytes are the same job.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a");
    std::fs::write(&path, &a).unwrap();
    let streamed = StepInputs::open(&path, 64).unwrap();
    assert_eq!(job_spec(vk, &plan, &z0, &streamed).unwrap().id(), id(&a));
    // Submitted twice, the second submission creates nothing.
    let store = MemoryStore::default();
    let j = job(&a, 2);
    assert_eq!(j.submit(&store).unwrap(), j.submit(&store).unwrap());
}

#[test]
fn a_store_whose_task_inputs_were_altered_is_refused() {
    let data = file(LEN, 7);
    let honest = job(&data, 2);
    let key = honest.spec.verifier_key;
    let altered = |edit: &dyn Fn(&mut Vec<ShardInput<PastaCycle>>)| {
        let mut tasks = honest.inputs().to_vec();
        edit(&mut tasks);
        let encoded: Vec<Vec<u8>> = tasks.iter().map(|t| t.to_bytes(key).unwrap()).collect();
        let store = MemoryStore::default();
        let id = store.submit(&honest.spec, &encoded).unwrap();
        ShardJob::<PastaCycle>::from_store(&store, &id).map(|_| ())
    };
    altered(&|_| {}).unwrap();
    let err = altered(&|t| t[1].input.bytes[10] ^= 1).unwrap_err();
    assert!(matches!(err, ClusterError::InputMismatch), "{err}");
    // The same bytes, cut elsewhere between the shards.
    let err = altered(&|t| {
        let moved = t[1].input.bytes.remove(0);
        t[0].input.bytes.push(moved);
    })
    .unwrap_err();
    assert!(matches!(err, ClusterError::InputMismatch), "{err}");
}

/// A worker that proves its shard over bytes other than the task's.
struct OtherBytes<'a>(TaskProver<'a, PastaCycle, Builtin>);

impl ShardProver for OtherBytes<'_> {
    fn params(&self) -> Vec<[u8; 32]> {
        self.0.params()
    }

    fn prove(
        &self,
        claim: &Claim,
        progress: &mut dyn FnMut(u64) -> ControlFlow<()>,
    ) -> Result<Vec<u8>, ProveError> {
        let key = claim.verifier_key;
        let mut input = ShardInput::<PastaCycle>::from_bytes(&claim.input, &key).unwrap();
        input.input.bytes[0] ^= 0x40;
        let mut other = claim.clone();
        other.input = input.to_bytes(key).unwrap();
        self.0.prove(&other, progress)
    }
}

#[test]
fn a_shard_proven_over_other_bytes_gets_no_proof() {
    let (pk, verifier) = keys();
    let data = file(LEN, 7);
    for (shards, says) in [
        (1, "final state differs from the native step"),
        (2, "starts from another state than shard 0 ended in"),
    ] {
        let store = MemoryStore::new(1);
        let job = job(&data, shards);
        job.submit(&store).unwrap();
        let cheat = OtherBytes(TaskProver::new(pk));
        let err = support::run_job(&store, &job, &cheat, verifier, 1, &Mutex::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains(says), "{shards} shards: {err}");
    }
}

#[test]
fn on_postgres_the_sharded_run_attests_the_files_digest() {
    let (pk, verifier) = keys();
    let store = PgStore::connect(&support::fresh_database()).unwrap();
    let data = file(LEN, 11);
    let job = job(&data, 3);
    let id = job.submit(&store).unwrap();
    let prover = TaskProver::new(pk);
    let proven = support::run_job(&store, &job, &prover, verifier, 2, &Mutex::default()).unwrap();
    let z0: Vec<F> = pk.params().step().default_z0();
    assert_eq!(attested(&z0, &proven.z_final), Ok(expected(&data)));
    // Read back from the database (as `cluster fetch` does), the inputs check out.
    ShardJob::<PastaCycle>::from_store(&store, &id).unwrap();
}

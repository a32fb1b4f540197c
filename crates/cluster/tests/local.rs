//! Local sharded runs through the in-process store: worker threads prove the shards, the
//! submitting side checks each proof; a worker that uploads garbage or panics costs a retry, and a
//! shard that never succeeds fails the job with the reason. The bad-upload case runs on
//! PostgreSQL too.

mod support;

use std::ops::ControlFlow;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use origami_arith::{Pallas, PastaCycle, ScalarOf};
use origami_circuits::{Builtin, CircuitKind};
use origami_cluster::{
    Claim, ClusterError, JobEvent, LocalEvent, MemoryStore, PgStore, ProveError, ShardInput,
    ShardJob, ShardProver, TaskProver, TaskStore, Watch, await_job, prove_local,
};
use origami_nova::{CompressedProverKey, CompressedVerifier, StepCircuit, Variant};
use origami_shard::{ShardPlan, StepInputs};

type F = ScalarOf<Pallas>;
type Pk = CompressedProverKey<PastaCycle, Builtin>;
type Verifier = CompressedVerifier<PastaCycle, Builtin>;

const STEPS: u64 = 7;

fn keys() -> (Pk, Verifier) {
    support::keys_for(CircuitKind::Synthetic.with_size(8), "cluster")
}

fn native_end(pk: &Pk, z0: &[F]) -> Vec<F> {
    let mut z = z0.to_vec();
    for _ in 0..STEPS {
        z = pk.params().step().step(&z, &[]).unwrap();
    }
    z
}

/// Submits the job of `plan` to `store` and returns it.
fn submit(store: &dyn TaskStore, pk: &Pk, plan: &ShardPlan) -> ShardJob<PastaCycle> {
    let z0 = pk.params().step().default_z0();
    let job = ShardJob::new(pk, plan, &z0, &StepInputs::none()).unwrap();
    job.submit(store).unwrap();
    job
}

/// A prover that misbehaves on its first `bad` calls (uploads garbage, or panics), then proves.
struct Flaky<'a> {
    honest: TaskProver<'a, PastaCycle, Builtin>,
    bad: usize,
    calls: AtomicUsize,
    panic: bool,
}

impl ShardProver for Flaky<'_> {
    fn params(&self) -> Vec<[u8; 32]> {
        self.honest.params()
    }

    fn prove(
        &self,
        claim: &Claim,
        progress: &mut dyn FnMut(u64) -> ControlFlow<()>,
    ) -> Result<Vec<u8>, ProveError> {
        if self.calls.fetch_add(1, Ordering::SeqCst) < self.bad {
            if self.panic {
                panic!("simulated prover crash");
            }
            // A well-formed proof of the wrong shard is the hardest garbage to spot.
            let mut other = claim.clone();
            other.input = self.honest_input_of_other_shard(claim);
            return self.honest.prove(&other, progress);
        }
        self.honest.prove(claim, progress)
    }
}

impl Flaky<'_> {
    fn honest_input_of_other_shard(&self, claim: &Claim) -> Vec<u8> {
        let digest = claim.verifier_key;
        let mut input = ShardInput::<PastaCycle>::from_bytes(&claim.input, &digest).unwrap();
        input.shard.first_step += 1;
        input.to_bytes(digest).unwrap()
    }
}

#[test]
fn local_sharded_runs_verify_and_survive_bad_workers() {
    let (pk, verifier) = keys();
    let z0 = pk.params().step().default_z0();
    let end = native_end(&pk, &z0);

    // Three shards on two worker threads: the proof verifies as one statement.
    let plan = ShardPlan::new(STEPS, 3).unwrap();
    let accepted = AtomicUsize::new(0);
    let job = ShardJob::new(&pk, &plan, &z0, &StepInputs::none()).unwrap();
    let proof = prove_local(&pk, &verifier, &job, 2, &|e| {
        if let LocalEvent::Job(JobEvent::Accepted { .. }) = e {
            accepted.fetch_add(1, Ordering::SeqCst);
        }
    })
    .unwrap();
    assert_eq!(accepted.load(Ordering::SeqCst), 3);
    assert_eq!(proof.proof.shards.len(), 3);
    assert_eq!(proof.proof.verify(&verifier, STEPS, &z0).unwrap(), end);
    assert_eq!(proof.z_final, end);

    // A worker that uploads a valid proof of the wrong shard: rejected, retried, and the job's
    // proof is right.
    a_bad_upload_is_retried(&MemoryStore::default(), &pk, &verifier);

    // A prover that panics counts as a failed attempt; after three the shard is given up.
    let store = MemoryStore::new(3);
    let job = submit(&store, &pk, &ShardPlan::new(STEPS, 1).unwrap());
    let crashing = Flaky {
        honest: TaskProver::new(&pk),
        bad: usize::MAX,
        calls: AtomicUsize::new(0),
        panic: true,
    };
    let err =
        support::run_job(&store, &job, &crashing, &verifier, 2, &Mutex::default()).unwrap_err();
    assert!(
        matches!(&err, ClusterError::ShardGivenUp { shard: 0, reason } if reason.contains("3 attempts") && reason.contains("simulated prover crash")),
        "{err}"
    );

    // A worker whose key is for other parameters is given none of the job's tasks, and its
    // prover refuses one that reaches it anyway instead of proving garbage.
    let other_pk = Pk::setup(CircuitKind::Synthetic.with_size(16), Variant::Direct).unwrap();
    let other = TaskProver::new(&other_pk);
    let store = MemoryStore::new(1);
    submit(&store, &pk, &ShardPlan::new(STEPS, 1).unwrap());
    assert!(
        store
            .claim("other", Duration::from_secs(60), &other.params())
            .unwrap()
            .is_none()
    );
    let claim = store
        .claim("w", Duration::from_secs(60), &TaskProver::new(&pk).params())
        .unwrap()
        .unwrap();
    let err = other
        .prove(&claim, &mut |_| ControlFlow::Continue(()))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("the task is for verifier key") && err.contains("this worker's key is "),
        "{err}"
    );
}

/// A worker uploads a well-formed proof of the wrong shard first: the submitting side refuses
/// it, the shard is proven again, and the assembled proof verifies.
fn a_bad_upload_is_retried(store: &dyn TaskStore, pk: &Pk, verifier: &Verifier) {
    let plan = ShardPlan::new(STEPS, 2).unwrap();
    let job = submit(store, pk, &plan);
    let flaky = Flaky {
        honest: TaskProver::new(pk),
        bad: 1,
        calls: AtomicUsize::new(0),
        panic: false,
    };
    let rejected = Mutex::new(Vec::new());
    let proven = support::run_job(store, &job, &flaky, verifier, 1, &rejected).unwrap();
    let rejected = rejected.into_inner().unwrap();
    assert_eq!(rejected.len(), 1);
    assert!(rejected[0].contains("the proof covers"), "{rejected:?}");
    assert!(store.status(&job.id()).unwrap().is_complete());
    let z0 = pk.params().step().default_z0();
    assert_eq!(proven.z_final, native_end(pk, &z0));
    assert_eq!(
        proven.proof.verify(verifier, STEPS, &z0).unwrap(),
        proven.z_final
    );
    // Read back from the store (as `cluster fetch` does), the job's proofs are all checked
    // again, and the same proof comes out.
    let fetched = ShardJob::<PastaCycle>::from_store(store, &job.id()).unwrap();
    let again = await_job(
        store,
        &fetched,
        verifier,
        &Watch::patient(Duration::from_millis(10)),
        &|_| {},
    )
    .unwrap();
    assert_eq!(again.z_final, proven.z_final);
    // A job whose recorded initial state is not shard 0's (a store whose rows were altered)
    // is refused.
    let mut altered = job.spec.clone();
    altered.z0[0] ^= 1;
    store.submit(&altered, job.encoded_inputs()).unwrap();
    let err = ShardJob::<PastaCycle>::from_store(store, &altered.id()).unwrap_err();
    assert!(err.to_string().contains("z0"), "{err}");
}

#[test]
fn on_postgres_a_workers_invalid_upload_is_retried_and_the_proof_is_valid() {
    let (pk, verifier) = keys();
    let store = PgStore::connect(&support::fresh_database()).unwrap();
    a_bad_upload_is_retried(&store, &pk, &verifier);
}

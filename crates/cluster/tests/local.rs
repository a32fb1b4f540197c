//! Local sharded runs through the in-process store: worker threads prove the shards, the
//! submitting side checks each proof; a worker that uploads garbage or panics costs a retry, and a
//! shard that never succeeds fails the job with the reason.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use origami_arith::{Pallas, PastaCycle, ScalarOf};
use origami_circuits::{Builtin, CircuitKind};
use origami_cluster::{
    Claim, ClusterError, JobEvent, JobSpec, KeyChecker, KeyProver, LocalEvent, MemoryStore,
    ShardInput, ShardProver, TaskStore, WorkerConfig, collect, prove_local, run_worker,
    state_bytes,
};
use origami_nova::{CompressedProverKey, CompressedVerifier, StepCircuit, Variant};
use origami_shard::{ShardPlan, checkpoints};

type F = ScalarOf<Pallas>;
type Pk = CompressedProverKey<PastaCycle, Builtin>;
type Verifier = CompressedVerifier<PastaCycle, Builtin>;

const STEPS: u64 = 7;

fn keys() -> (Pk, Verifier) {
    let pk = Pk::setup(CircuitKind::Synthetic.with_size(8), Variant::Direct).unwrap();
    let cache = std::env::temp_dir().join(format!("origami-cluster-tests-{}", std::process::id()));
    let verifier = pk
        .verifier_key()
        .clone()
        .prepare()
        .unwrap()
        .with_generator_cache(&cache);
    (pk, verifier)
}

fn native_end(pk: &Pk, z0: &[F]) -> Vec<F> {
    let mut z = z0.to_vec();
    for _ in 0..STEPS {
        z = pk.params().step().step(&z).unwrap();
    }
    z
}

/// Submits the job of `plan` to `store` and returns its id and task inputs.
fn submit(
    store: &MemoryStore,
    pk: &Pk,
    plan: &ShardPlan,
) -> (origami_cluster::JobId, Vec<Vec<u8>>) {
    let digest = pk.verifier_key().digest();
    let z0 = pk.params().step().default_z0();
    let states = checkpoints(pk.params().step(), plan, &z0).unwrap();
    let inputs: Vec<Vec<u8>> = plan
        .shards()
        .iter()
        .zip(&states)
        .map(|(shard, z)| {
            ShardInput::<PastaCycle> {
                shard: *shard,
                z_in: z.clone(),
            }
            .to_bytes(digest)
            .unwrap()
        })
        .collect();
    let spec = JobSpec {
        circuit: "synthetic".into(),
        params_digest: digest,
        steps: plan.total_steps(),
        shards: plan.len() as u32,
        z0: state_bytes(&z0),
    };
    (store.submit(&spec, &inputs).unwrap(), inputs)
}

/// A prover that misbehaves on its first `bad` calls (uploads garbage, or panics), then proves.
struct Flaky<'a> {
    honest: KeyProver<'a, PastaCycle, Builtin>,
    bad: usize,
    calls: AtomicUsize,
    panic: bool,
}

impl ShardProver for Flaky<'_> {
    fn prove(&self, claim: &Claim, progress: &mut dyn FnMut(u64)) -> Result<Vec<u8>, String> {
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
        let digest = claim.params_digest;
        let mut input = ShardInput::<PastaCycle>::from_bytes(&claim.input, &digest).unwrap();
        input.shard.first_step += 1;
        input.to_bytes(digest).unwrap()
    }
}

/// Runs `workers` threads of `prover` on `store` until `job` completes or fails.
fn run_job(
    store: &MemoryStore,
    job: &origami_cluster::JobId,
    inputs: &[Vec<u8>],
    prover: &dyn ShardProver,
    verifier: &Verifier,
    workers: usize,
    rejected: &Mutex<Vec<String>>,
) -> Result<Vec<Vec<u8>>, ClusterError> {
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        for w in 0..workers {
            let stop = &stop;
            s.spawn(move || {
                let mut config = WorkerConfig::new(format!("w{w}"));
                config.poll = Duration::from_millis(10);
                run_worker(store, prover, &config, stop, &|_| {}).unwrap();
            });
        }
        let out = collect(
            store,
            job,
            inputs,
            &KeyChecker::new(verifier),
            Duration::from_millis(10),
            &|| None,
            &|e| {
                if let JobEvent::Rejected { reason, .. } = e {
                    rejected.lock().unwrap().push(reason.to_string());
                }
            },
        );
        stop.store(true, Ordering::SeqCst);
        out
    })
}

#[test]
fn local_sharded_runs_verify_and_survive_bad_workers() {
    let (pk, verifier) = keys();
    let z0 = pk.params().step().default_z0();
    let end = native_end(&pk, &z0);

    // Three shards on two worker threads: the proof verifies as one statement.
    let plan = ShardPlan::new(STEPS, 3).unwrap();
    let accepted = AtomicUsize::new(0);
    let proof = prove_local(&pk, &verifier, &plan, &z0, 2, &|e| {
        if let LocalEvent::Job(JobEvent::Accepted { .. }) = e {
            accepted.fetch_add(1, Ordering::SeqCst);
        }
    })
    .unwrap();
    assert_eq!(accepted.load(Ordering::SeqCst), 3);
    assert_eq!(proof.shards.len(), 3);
    assert_eq!(proof.verify(&verifier, STEPS, &z0).unwrap(), end);

    // A worker that uploads a valid proof of the wrong shard: rejected, retried, and the job's
    // proofs are right.
    let store = MemoryStore::default();
    let plan = ShardPlan::new(STEPS, 2).unwrap();
    let (job, inputs) = submit(&store, &pk, &plan);
    let flaky = Flaky {
        honest: KeyProver::new(&pk),
        bad: 1,
        calls: AtomicUsize::new(0),
        panic: false,
    };
    let rejected = Mutex::new(Vec::new());
    let proofs = run_job(&store, &job, &inputs, &flaky, &verifier, 1, &rejected).unwrap();
    assert_eq!(proofs.len(), 2);
    let rejected = rejected.into_inner().unwrap();
    assert_eq!(rejected.len(), 1);
    assert!(rejected[0].contains("the proof covers"), "{rejected:?}");
    let status = store.status(&job).unwrap();
    assert!(status.is_complete());

    // A prover that panics counts as a failed attempt; after three the shard is given up.
    let store = MemoryStore::new(3);
    let (job, inputs) = submit(&store, &pk, &ShardPlan::new(STEPS, 1).unwrap());
    let crashing = Flaky {
        honest: KeyProver::new(&pk),
        bad: usize::MAX,
        calls: AtomicUsize::new(0),
        panic: true,
    };
    let err = run_job(
        &store,
        &job,
        &inputs,
        &crashing,
        &verifier,
        2,
        &Mutex::default(),
    )
    .unwrap_err();
    assert!(
        matches!(&err, ClusterError::ShardGivenUp { shard: 0, reason } if reason.contains("3 attempts") && reason.contains("simulated prover crash")),
        "{err}"
    );

    // A worker whose key is for other parameters refuses the task instead of proving garbage.
    let (other_pk, _) = (
        Pk::setup(CircuitKind::Synthetic.with_size(16), Variant::Direct).unwrap(),
        (),
    );
    let store = MemoryStore::new(1);
    let (job, inputs) = submit(&store, &pk, &ShardPlan::new(STEPS, 1).unwrap());
    let err = run_job(
        &store,
        &job,
        &inputs,
        &KeyProver::new(&other_pk),
        &verifier,
        1,
        &Mutex::default(),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("this worker's key is for"),
        "{err}"
    );
}

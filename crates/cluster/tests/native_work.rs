//! The submitting side's native work: the step runs natively once over the whole run (the
//! checkpoints, whose last state is the final one), and a proven chain that ends elsewhere than
//! that final state is refused.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use bellpepper_core::{ConstraintSystem, SynthesisError, num::AllocatedNum};
use ff::Field;
use origami_arith::{Pallas, PastaCycle, ScalarOf};
use origami_cluster::{ClusterError, ShardJob, prove_local};
use origami_nova::{CompressedProverKey, StepCircuit, StepError, Variant};
use origami_shard::{ShardPlan, StepInputs};
use serde::{Deserialize, Serialize};

type F = ScalarOf<Pallas>;

/// Native steps run so far by every `Increment` in this test binary.
static NATIVE_STEPS: AtomicU64 = AtomicU64::new(0);

/// `z' = z + 1` in the circuit; natively `z + 1 + skew` (a native step that disagrees with its
/// circuit when `skew` is not 0). Counts its native steps.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Increment {
    skew: u64,
}

impl fmt::Display for Increment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "increment (skew {})", self.skew)
    }
}

impl StepCircuit<F> for Increment {
    // The cluster carries every step's input as bytes of one stream; this step reads none.
    type Input = [u8];

    fn arity(&self) -> usize {
        1
    }

    fn synthesize<CS: ConstraintSystem<F>>(
        &self,
        cs: &mut CS,
        z: &[AllocatedNum<F>],
        _input: Option<&[u8]>,
    ) -> Result<Vec<AllocatedNum<F>>, SynthesisError> {
        let out = AllocatedNum::alloc(cs.namespace(|| "z + 1"), || {
            z[0].get_value()
                .map(|v| v + F::ONE)
                .ok_or(SynthesisError::AssignmentMissing)
        })?;
        cs.enforce(
            || "out = z + 1",
            |lc| lc + z[0].get_variable() + CS::one(),
            |lc| lc + CS::one(),
            |lc| lc + out.get_variable(),
        );
        Ok(vec![out])
    }

    fn step(&self, z: &[F], _input: &[u8]) -> Result<Vec<F>, StepError> {
        self.check_arity(z)?;
        NATIVE_STEPS.fetch_add(1, Ordering::SeqCst);
        Ok(vec![z[0] + F::ONE + F::from(self.skew)])
    }
}

fn prove(skew: u64, steps: u64, shards: u32) -> Result<Vec<F>, ClusterError> {
    let pk =
        CompressedProverKey::<PastaCycle, Increment>::setup(Increment { skew }, Variant::Direct)
            .unwrap();
    let verifier = pk.verifier_key().clone().prepare().unwrap();
    let plan = ShardPlan::new(steps, shards).unwrap();
    let job = ShardJob::new(&pk, &plan, &[F::from(5)], &StepInputs::none())?;
    prove_local(&pk, &verifier, &job, 2, &|_| {}).map(|p| p.z_final)
}

#[test]
fn the_submitter_runs_the_native_step_once_and_a_chain_ending_elsewhere_is_refused() {
    // Honest: 7 steps in 3 shards cost 7 native steps in all (workers prove, they never run the
    // step natively), and the run ends where the native step says.
    let before = NATIVE_STEPS.load(Ordering::SeqCst);
    assert_eq!(prove(0, 7, 3).unwrap(), vec![F::from(12)]);
    assert_eq!(NATIVE_STEPS.load(Ordering::SeqCst) - before, 7);

    // A native step that disagrees with its circuit: with one shard every proof checks out on
    // its own, and only the comparison with the checkpoints' final state catches it.
    let err = prove(1, 3, 1).unwrap_err();
    assert!(matches!(err, ClusterError::FinalStateMismatch), "{err}");
    // With more shards, a shard's checkpoint is not where the proven shard before it ended.
    let err = prove(1, 3, 3).unwrap_err();
    assert!(
        err.to_string()
            .contains("starts from another state than shard 0 ended in"),
        "{err}"
    );
}

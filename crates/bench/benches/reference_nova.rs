//! The reference prover, nova-snark 0.76 on Pallas/Vesta, behind [`FoldingBench`].
//!
//! Shared by the side-by-side bench and the test that checks both provers prove the same thing.

use nova_snark::{
    nova::{PublicParams, RecursiveSNARK},
    provider::{PallasEngine, VestaEngine},
    traits::{Engine, circuit::NonTrivialCircuit, snark::default_ck_hint},
};
use origami_bench::{BenchError, FoldingBench, Z0, state_bytes};

type E1 = PallasEngine;
type E2 = VestaEngine;
type Scalar = <E1 as Engine>::Scalar;
type Step = NonTrivialCircuit<Scalar>;

/// Nova's public parameters and its copy of the step circuit.
pub struct ReferenceNova {
    pp: PublicParams<E1, E2, Step>,
    circuit: Step,
}

fn nova_error(e: impl std::fmt::Display) -> BenchError {
    BenchError::Prover {
        prover: ReferenceNova::NAME,
        message: e.to_string(),
    }
}

impl FoldingBench for ReferenceNova {
    const NAME: &'static str = "nova-snark 0.76";
    // `None` until the first step: Nova's constructor already synthesizes and commits step 1, so
    // it is timed as part of that step.
    type Run = Option<RecursiveSNARK<E1, E2, Step>>;

    fn setup(num_cons: usize) -> Result<Self, BenchError> {
        let circuit = Step::new(num_cons);
        let pp = PublicParams::setup(&circuit, &*default_ck_hint(), &*default_ck_hint())
            .map_err(nova_error)?;
        Ok(Self { pp, circuit })
    }

    fn primary_constraints(&self) -> usize {
        self.pp.num_constraints().0
    }

    fn start(&self) -> Result<Self::Run, BenchError> {
        Ok(None)
    }

    fn prove_step(&self, run: &mut Self::Run) -> Result<(), BenchError> {
        let snark = match run {
            Some(snark) => snark,
            None => run.insert(
                RecursiveSNARK::new(&self.pp, &self.circuit, &[Scalar::from(Z0)])
                    .map_err(nova_error)?,
            ),
        };
        snark
            .prove_step(&self.pp, &self.circuit)
            .map_err(nova_error)
    }

    fn verify(&self, run: &Self::Run, num_steps: usize) -> Result<Vec<u8>, BenchError> {
        let snark = run.as_ref().ok_or_else(|| nova_error("no step proven"))?;
        let zn = snark
            .verify(&self.pp, num_steps, &[Scalar::from(Z0)])
            .map_err(nova_error)?;
        Ok(state_bytes(&zn))
    }
}

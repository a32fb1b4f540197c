//! `poseidon-chain`: `(a, b) ← (b, Poseidon(a, b))`, `size` hashes per step.

use bellpepper_core::{ConstraintSystem, SynthesisError, num::AllocatedNum};
use ff::PrimeFieldBits;
use origami_arith::poseidon;
use origami_nova::{StepCircuit, StepError};

/// Domain of the chain's hashes, so they never collide with the prover's own Poseidon uses.
const DOMAIN: &[u8] = b"origami/poseidon-chain";

/// `hashes` chained 2-to-1 Poseidon hashes per step (241 constraints each).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PoseidonChain {
    hashes: usize,
}

impl PoseidonChain {
    /// A step of `hashes` hashes.
    pub fn new(hashes: usize) -> Self {
        Self { hashes }
    }

    /// The step size.
    pub fn hashes(&self) -> usize {
        self.hashes
    }
}

impl<F: PrimeFieldBits + 'static> StepCircuit<F> for PoseidonChain {
    type Input = ();

    fn arity(&self) -> usize {
        2
    }

    fn synthesize<CS: ConstraintSystem<F>>(
        &self,
        cs: &mut CS,
        z: &[AllocatedNum<F>],
        _input: Option<&()>,
    ) -> Result<Vec<AllocatedNum<F>>, SynthesisError> {
        let (mut a, mut b) = (z[0].clone(), z[1].clone());
        for i in 0..self.hashes {
            let h = poseidon::gadget::hash(
                cs.namespace(|| format!("hash {i}")),
                DOMAIN,
                &[a, b.clone()],
            )?;
            (a, b) = (b, h);
        }
        Ok(vec![a, b])
    }

    fn step(&self, z: &[F], _input: &()) -> Result<Vec<F>, StepError> {
        <Self as StepCircuit<F>>::check_arity(self, z)?;
        let (mut a, mut b) = (z[0], z[1]);
        for _ in 0..self.hashes {
            (a, b) = (b, poseidon::hash(DOMAIN, &[a, b]));
        }
        Ok(vec![a, b])
    }
}

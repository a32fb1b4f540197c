//! `minroot`: the MinRoot VDF from Nova's examples.
//!
//! One iteration maps `(x, y)` to `((x + y)^(1/5), x)`. Fifth roots are slow natively (a full
//! exponentiation) but cheap to check in a circuit: `x'^5 = x + y` costs three constraints.

use bellpepper_core::{ConstraintSystem, SynthesisError, num::AllocatedNum};
use ff::PrimeField;
use origami_nova::{StepCircuit, StepError};

/// `iterations` MinRoot iterations per step on the state `(x, y)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MinRoot {
    iterations: usize,
}

impl MinRoot {
    /// A step of `iterations` iterations (3 constraints each).
    pub fn new(iterations: usize) -> Self {
        Self { iterations }
    }

    /// The step size.
    pub fn iterations(&self) -> usize {
        self.iterations
    }
}

/// The exponent `e` with `x^e = x^(1/5)`: the inverse of 5 modulo `p − 1`, little-endian limbs.
///
/// Exists exactly when 5 does not divide `p − 1`; `None` otherwise.
pub fn fifth_root_exponent<F: PrimeField>() -> Option<[u64; 4]> {
    // p − 1 from the canonical little-endian encoding of −1.
    let repr = (-F::ONE).to_repr();
    let bytes = repr.as_ref();
    if bytes.len() > 32 {
        return None;
    }
    let mut p_minus_1 = [0u64; 4];
    for (i, b) in bytes.iter().enumerate() {
        p_minus_1[i / 8] |= (*b as u64) << (8 * (i % 8));
    }
    let rem = (0..4)
        .rev()
        .fold(0u128, |r, i| ((r << 64) | p_minus_1[i] as u128) % 5) as u64;
    if rem == 0 {
        return None;
    }
    // e = (j·(p − 1) + 1) / 5 for the j in 1..5 that makes the numerator divisible by 5.
    let j = (1..5u64).find(|j| (j * rem + 1).is_multiple_of(5))?;
    let mut num = [0u64; 5];
    let mut carry = 1u128; // the "+ 1"
    for i in 0..4 {
        let v = p_minus_1[i] as u128 * j as u128 + carry;
        num[i] = v as u64;
        carry = v >> 64;
    }
    num[4] = carry as u64;
    let mut out = [0u64; 5];
    let mut rem = 0u128;
    for i in (0..5).rev() {
        let cur = (rem << 64) | num[i] as u128;
        out[i] = (cur / 5) as u64;
        rem = cur % 5;
    }
    debug_assert_eq!(rem, 0);
    (out[4] == 0).then(|| [out[0], out[1], out[2], out[3]])
}

fn fifth_root<F: PrimeField>(x: F, exponent: &[u64; 4]) -> F {
    x.pow_vartime(exponent)
}

impl<F: PrimeField> StepCircuit<F> for MinRoot {
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
        let exponent = fifth_root_exponent::<F>().ok_or(SynthesisError::Unsatisfiable)?;
        let (mut x, mut y) = (z[0].clone(), z[1].clone());
        for i in 0..self.iterations {
            let mut cs = cs.namespace(|| format!("iteration {i}"));
            let next = AllocatedNum::alloc(cs.namespace(|| "x'"), || {
                let sum = x.get_value().zip(y.get_value()).map(|(a, b)| a + b);
                sum.map(|s| fifth_root(s, &exponent))
                    .ok_or(SynthesisError::AssignmentMissing)
            })?;
            let sq = next.square(cs.namespace(|| "x'^2"))?;
            let quad = sq.square(cs.namespace(|| "x'^4"))?;
            cs.enforce(
                || "x'^4 * x' = x + y",
                |lc| lc + quad.get_variable(),
                |lc| lc + next.get_variable(),
                |lc| lc + x.get_variable() + y.get_variable(),
            );
            // y' = x: no constraint, the variable is reused.
            (x, y) = (next, x);
        }
        Ok(vec![x, y])
    }

    fn step(&self, z: &[F], _input: &()) -> Result<Vec<F>, StepError> {
        <Self as StepCircuit<F>>::check_arity(self, z)?;
        let exponent = fifth_root_exponent::<F>()
            .ok_or_else(|| StepError::InvalidState("the field has no unique fifth roots".into()))?;
        let (mut x, mut y) = (z[0], z[1]);
        for _ in 0..self.iterations {
            (x, y) = (fifth_root(x + y, &exponent), x);
        }
        Ok(vec![x, y])
    }
}

//! `and`: the step of nova-snark 0.76's `examples/and.rs`, a batch of 64-bit ANDs of private
//! operands, fresh every step; the state (one element) passes through unchanged, as in the
//! example.
//!
//! It is here so that Origami and nova-snark can be measured on a circuit someone else wrote:
//! the constraints are laid out as the example lays them out (each operand allocated, split
//! into 64 bits, recomposed and compared; 64 AND gates; the result recomposed and compared), so
//! both provers fold the same shape. A step's input is `16·ops` bytes: each AND's `a` and `b`,
//! little-endian.

use bellpepper_core::{
    ConstraintSystem, LinearCombination, SynthesisError, boolean::AllocatedBit, num::AllocatedNum,
};
use ff::PrimeField;
use origami_nova::{StepCircuit, StepError};

/// Bytes of input per AND: the two 64-bit operands.
pub const BYTES_PER_AND: usize = 16;

/// `ops` 64-bit ANDs a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AndBatch {
    ops: usize,
}

impl AndBatch {
    /// A step of `ops` ANDs (198 constraints each).
    pub fn new(ops: usize) -> Self {
        Self { ops }
    }

    /// ANDs a step.
    pub fn ops(&self) -> usize {
        self.ops
    }

    /// Input bytes a step reads.
    pub fn bytes_per_step(&self) -> usize {
        self.ops * BYTES_PER_AND
    }

    /// Steps an input of `len` bytes makes: it must be a whole number of steps.
    pub fn steps_for(&self, len: u64) -> Result<u64, StepError> {
        let per_step = self.bytes_per_step().max(1) as u64;
        if !len.is_multiple_of(per_step) {
            return Err(StepError::InvalidInput(format!(
                "an and step of {} ANDs reads {per_step} bytes, and {len} bytes are not a whole \
                 number of steps",
                self.ops
            )));
        }
        Ok(len / per_step)
    }

    fn operands(&self, input: &[u8]) -> Result<Vec<(u64, u64)>, StepError> {
        if input.len() != self.bytes_per_step() {
            return Err(StepError::InvalidInput(format!(
                "an and step reads {} bytes ({BYTES_PER_AND} per AND), but was given {}",
                self.bytes_per_step(),
                input.len()
            )));
        }
        Ok(input
            .chunks_exact(BYTES_PER_AND)
            .map(|c| {
                let word = |b: &[u8]| b.iter().rev().fold(0u64, |acc, x| acc << 8 | *x as u64);
                (word(&c[..8]), word(&c[8..]))
            })
            .collect())
    }
}

/// `value`'s 64 bits, little-endian, each allocated and constrained boolean.
fn alloc_bits<F: PrimeField, CS: ConstraintSystem<F>>(
    mut cs: CS,
    value: Option<u64>,
) -> Result<Vec<AllocatedBit>, SynthesisError> {
    (0..64)
        .map(|i| {
            AllocatedBit::alloc(
                cs.namespace(|| format!("bit {i}")),
                value.map(|v| (v >> i) & 1 == 1),
            )
        })
        .collect()
}

/// The number little-endian `bits` make, allocated and constrained to be their sum.
fn recompose<F: PrimeField, CS: ConstraintSystem<F>>(
    mut cs: CS,
    bits: &[AllocatedBit],
) -> Result<AllocatedNum<F>, SynthesisError> {
    let mut lc = LinearCombination::zero();
    let mut coeff = F::ONE;
    let mut value = Some(F::ZERO);
    for bit in bits {
        lc = lc + (coeff, bit.get_variable());
        value = value
            .zip(bit.get_value())
            .map(|(v, b)| if b { v + coeff } else { v });
        coeff = coeff.double();
    }
    let num = AllocatedNum::alloc(cs.namespace(|| "num"), || {
        value.ok_or(SynthesisError::AssignmentMissing)
    })?;
    cs.enforce(|| "num = Σ bits", |l| l, |l| l, |_| lc - num.get_variable());
    Ok(num)
}

/// Allocates `value` and constrains it to equal `other`.
fn alloc_equal<F: PrimeField, CS: ConstraintSystem<F>>(
    mut cs: CS,
    value: Option<u64>,
    other: &AllocatedNum<F>,
) -> Result<(), SynthesisError> {
    let num = AllocatedNum::alloc(cs.namespace(|| "value"), || {
        value.map(F::from).ok_or(SynthesisError::AssignmentMissing)
    })?;
    cs.enforce(
        || "value = recomposed",
        |l| l + num.get_variable(),
        |l| l + CS::one(),
        |l| l + other.get_variable(),
    );
    Ok(())
}

impl<F: PrimeField> StepCircuit<F> for AndBatch {
    type Input = [u8];

    fn arity(&self) -> usize {
        1
    }

    fn synthesize<CS: ConstraintSystem<F>>(
        &self,
        cs: &mut CS,
        z: &[AllocatedNum<F>],
        input: Option<&[u8]>,
    ) -> Result<Vec<AllocatedNum<F>>, SynthesisError> {
        let operands = match input {
            None => None,
            Some(bytes) => Some(
                self.operands(bytes)
                    .map_err(|_| SynthesisError::Unsatisfiable)?,
            ),
        };
        for i in 0..self.ops {
            let mut cs = cs.namespace(|| format!("and {i}"));
            let (a, b) = match &operands {
                Some(ops) => (Some(ops[i].0), Some(ops[i].1)),
                None => (None, None),
            };
            let a_bits = alloc_bits(cs.namespace(|| "a bits"), a)?;
            let b_bits = alloc_bits(cs.namespace(|| "b bits"), b)?;
            let a_num = recompose(cs.namespace(|| "a"), &a_bits)?;
            let b_num = recompose(cs.namespace(|| "b"), &b_bits)?;
            alloc_equal(cs.namespace(|| "a value"), a, &a_num)?;
            alloc_equal(cs.namespace(|| "b value"), b, &b_num)?;
            let c_bits = a_bits
                .iter()
                .zip(&b_bits)
                .enumerate()
                .map(|(k, (x, y))| AllocatedBit::and(cs.namespace(|| format!("c bit {k}")), x, y))
                .collect::<Result<Vec<_>, _>>()?;
            let c_num = recompose(cs.namespace(|| "c"), &c_bits)?;
            alloc_equal(
                cs.namespace(|| "c value"),
                a.zip(b).map(|(a, b)| a & b),
                &c_num,
            )?;
        }
        Ok(z.to_vec())
    }

    fn step(&self, z: &[F], input: &[u8]) -> Result<Vec<F>, StepError> {
        self.check_arity(z)?;
        self.operands(input)?;
        Ok(z.to_vec())
    }
}

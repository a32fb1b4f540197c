//! Circuits shared by the r1cs integration tests.
#![allow(dead_code)]

use bellpepper::gadgets::{multipack, sha256::sha256_block_no_padding};
use bellpepper_core::{
    Circuit, ConstraintSystem, SynthesisError,
    boolean::{AllocatedBit, Boolean},
    num::AllocatedNum,
};
use ff::PrimeField;

/// `x³ + x + 5 = y` with `x` private and `y` public.
pub struct Cubic<F> {
    pub x: Option<F>,
}

impl<F: PrimeField> Circuit<F> for Cubic<F> {
    fn synthesize<CS: ConstraintSystem<F>>(self, cs: &mut CS) -> Result<(), SynthesisError> {
        let x = AllocatedNum::alloc(cs.namespace(|| "x"), || x_value(self.x))?;
        let x2 = x.square(cs.namespace(|| "x^2"))?;
        let x3 = x2.mul(cs.namespace(|| "x^3"), &x)?;
        let y = cs.alloc_input(
            || "y",
            || {
                let v = x_value(self.x)?;
                Ok(v * v * v + v + F::from(5))
            },
        )?;
        cs.enforce(
            || "y = x^3 + x + 5",
            |lc| lc + x3.get_variable() + x.get_variable() + (F::from(5), CS::one()),
            |lc| lc + CS::one(),
            |lc| lc + y,
        );
        Ok(())
    }
}

fn x_value<F: Copy>(x: Option<F>) -> Result<F, SynthesisError> {
    x.ok_or(SynthesisError::AssignmentMissing)
}

/// One SHA-256 compression of a 64-byte block from the standard IV; the digest is packed into
/// public inputs.
pub struct Sha256Block {
    pub block: Option<[u8; 64]>,
}

impl<F: PrimeField> Circuit<F> for Sha256Block {
    fn synthesize<CS: ConstraintSystem<F>>(self, cs: &mut CS) -> Result<(), SynthesisError> {
        let bits: Vec<Option<bool>> = match self.block {
            Some(b) => multipack::bytes_to_bits(&b).into_iter().map(Some).collect(),
            None => vec![None; 512],
        };
        let input = bits
            .into_iter()
            .enumerate()
            .map(|(i, b)| {
                AllocatedBit::alloc(cs.namespace(|| format!("bit {i}")), b).map(Boolean::from)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let digest = sha256_block_no_padding(cs.namespace(|| "sha256"), &input)?;
        multipack::pack_into_inputs(cs.namespace(|| "digest"), &digest)
    }
}

/// `n` constraints of repeated squaring: `x_{i+1} = x_i²`, the output public.
pub struct Squarings<F> {
    pub n: usize,
    pub x: Option<F>,
}

impl<F: PrimeField> Circuit<F> for Squarings<F> {
    fn synthesize<CS: ConstraintSystem<F>>(self, cs: &mut CS) -> Result<(), SynthesisError> {
        let mut x = AllocatedNum::alloc(cs.namespace(|| "x0"), || x_value(self.x))?;
        for i in 0..self.n {
            x = x.square(cs.namespace(|| format!("x{}", i + 1)))?;
        }
        x.inputize(cs.namespace(|| "out"))
    }
}

/// A 2-to-1 Poseidon hash of private inputs, the digest public.
pub struct PoseidonHash<F> {
    pub inputs: Option<[F; 2]>,
}

impl<F: ff::PrimeFieldBits + 'static> Circuit<F> for PoseidonHash<F> {
    fn synthesize<CS: ConstraintSystem<F>>(self, cs: &mut CS) -> Result<(), SynthesisError> {
        let a = AllocatedNum::alloc(cs.namespace(|| "a"), || {
            Ok(self.inputs.ok_or(SynthesisError::AssignmentMissing)?[0])
        })?;
        let b = AllocatedNum::alloc(cs.namespace(|| "b"), || {
            Ok(self.inputs.ok_or(SynthesisError::AssignmentMissing)?[1])
        })?;
        let h =
            origami_arith::poseidon::gadget::hash(cs.namespace(|| "hash"), b"r1cs-test", &[a, b])?;
        h.inputize(cs.namespace(|| "digest"))
    }
}

//! `sha256-chain`: `h ← SHA-256(h)` on a 32-byte digest, one 64-byte block per hash.
//!
//! A 32-byte message pads to exactly one SHA-256 block (the data, `0x80`, zeros, the bit length
//! 256), so each hash is one compression. The state is the digest as two field elements, its
//! first and last 16 bytes read as big-endian integers (128 bits fit any 255-bit field).

use bellpepper::gadgets::sha256::sha256_block_no_padding;
use bellpepper_core::{
    ConstraintSystem, LinearCombination, SynthesisError, boolean::Boolean, num::AllocatedNum,
};
use ff::{PrimeField, PrimeFieldBits};
use origami_nova::{StepCircuit, StepError};
use sha2::{Digest, Sha256};

/// Bits per state element.
const LIMB_BITS: usize = 128;

/// `hashes` chained SHA-256 hashes per step on a digest held in two 128-bit limbs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Sha256Chain {
    hashes: usize,
}

impl Sha256Chain {
    /// A step of `hashes` SHA-256 compressions (about 27,000 constraints each).
    pub fn new(hashes: usize) -> Self {
        Self { hashes }
    }

    /// The step size.
    pub fn hashes(&self) -> usize {
        self.hashes
    }
}

/// SHA-256 of the empty string.
pub fn empty_digest() -> [u8; 32] {
    Sha256::digest([]).into()
}

/// The state `(hi, lo)` of a 32-byte digest.
pub fn digest_to_state<F: PrimeField>(digest: &[u8; 32]) -> [F; 2] {
    let limb = |bytes: &[u8]| {
        bytes
            .iter()
            .fold(F::ZERO, |acc, b| acc * F::from(256) + F::from(*b as u64))
    };
    [limb(&digest[..16]), limb(&digest[16..])]
}

/// The 32-byte digest of a state, or `None` if a limb is 2^128 or more.
pub fn state_to_digest<F: PrimeFieldBits>(z: &[F]) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    for (limb, chunk) in z.iter().zip(out.chunks_mut(16)) {
        let bits = limb.to_le_bits();
        if bits.iter().skip(LIMB_BITS).any(|b| *b) {
            return None;
        }
        for (i, byte) in chunk.iter_mut().enumerate() {
            // Byte i of a big-endian limb holds bits 127 − 8i down to 120 − 8i.
            let low = LIMB_BITS - 8 * (i + 1);
            *byte = (0..8).fold(0u8, |acc, k| acc | ((bits[low + k] as u8) << k));
        }
    }
    Some(out)
}

/// Decomposes `num` into 128 big-endian bits, constraining that it is exactly their sum.
fn limb_to_bits<F: PrimeFieldBits, CS: ConstraintSystem<F>>(
    cs: CS,
    num: &AllocatedNum<F>,
) -> Result<Vec<Boolean>, SynthesisError> {
    let sum = LinearCombination::zero() + num.get_variable();
    let bits = crate::bits::alloc_le_bits(cs, num.get_value(), sum, LIMB_BITS)?;
    Ok(bits.into_iter().rev().map(Boolean::from).collect())
}

/// Packs 128 big-endian bits into one allocated number.
fn bits_to_limb<F: PrimeField, CS: ConstraintSystem<F>>(
    mut cs: CS,
    bits: &[Boolean],
) -> Result<AllocatedNum<F>, SynthesisError> {
    let value = bits.iter().try_fold(F::ZERO, |acc, b| {
        b.get_value().map(|v| acc.double() + F::from(v as u64))
    });
    let num = AllocatedNum::alloc(cs.namespace(|| "limb"), || {
        value.ok_or(SynthesisError::AssignmentMissing)
    })?;
    let mut lc = LinearCombination::zero();
    let mut coeff = F::ONE;
    for bit in bits.iter().rev() {
        lc = lc + &bit.lc(CS::one(), coeff);
        coeff = coeff.double();
    }
    cs.enforce(
        || "limb = Σ bits",
        |_| lc,
        |lc| lc + CS::one(),
        |lc| lc + num.get_variable(),
    );
    Ok(num)
}

/// The constant padding of a 32-byte message: `0x80`, zeros, then 256 as a 64-bit length.
fn padding_bits() -> Vec<Boolean> {
    let mut pad = [0u8; 32];
    pad[0] = 0x80;
    pad[30] = 0x01; // 256 = 0x0100, big-endian in the last 8 bytes
    pad.iter()
        .flat_map(|byte| {
            (0..8)
                .rev()
                .map(move |k| Boolean::constant((byte >> k) & 1 == 1))
        })
        .collect()
}

impl<F: PrimeFieldBits> StepCircuit<F> for Sha256Chain {
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
        let mut digest = Vec::with_capacity(256);
        digest.extend(limb_to_bits(cs.namespace(|| "hi bits"), &z[0])?);
        digest.extend(limb_to_bits(cs.namespace(|| "lo bits"), &z[1])?);
        let padding = padding_bits();
        for i in 0..self.hashes {
            let mut block = digest;
            block.extend_from_slice(&padding);
            digest = sha256_block_no_padding(cs.namespace(|| format!("hash {i}")), &block)?;
        }
        Ok(vec![
            bits_to_limb(cs.namespace(|| "hi"), &digest[..LIMB_BITS])?,
            bits_to_limb(cs.namespace(|| "lo"), &digest[LIMB_BITS..])?,
        ])
    }

    fn step(&self, z: &[F], _input: &()) -> Result<Vec<F>, StepError> {
        <Self as StepCircuit<F>>::check_arity(self, z)?;
        let mut digest = state_to_digest(z).ok_or_else(|| {
            StepError::InvalidState("a sha256-chain limb is 2^128 or more".into())
        })?;
        for _ in 0..self.hashes {
            digest = Sha256::digest(digest).into();
        }
        Ok(digest_to_state::<F>(&digest).to_vec())
    }
}

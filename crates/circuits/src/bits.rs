//! Bit decompositions shared by the hash circuits.

use bellpepper_core::{ConstraintSystem, LinearCombination, SynthesisError, boolean::AllocatedBit};
use ff::PrimeFieldBits;

/// Allocates the low `bits` bits of `value`, little-endian, and constrains that they sum to
/// `sum` (so `sum` is below `2^bits`).
pub(crate) fn alloc_le_bits<F: PrimeFieldBits, CS: ConstraintSystem<F>>(
    mut cs: CS,
    value: Option<F>,
    sum: LinearCombination<F>,
    bits: usize,
) -> Result<Vec<AllocatedBit>, SynthesisError> {
    let le = value.map(|v| v.to_le_bits());
    let mut out = Vec::with_capacity(bits);
    let mut lc = LinearCombination::zero();
    let mut coeff = F::ONE;
    for i in 0..bits {
        let bit = AllocatedBit::alloc(
            cs.namespace(|| format!("bit {i}")),
            le.as_ref().map(|b| b[i]),
        )?;
        lc = lc + (coeff, bit.get_variable());
        coeff = coeff.double();
        out.push(bit);
    }
    cs.enforce(|| "Σ bits", |_| lc, |l| l + CS::one(), |_| sum);
    Ok(out)
}

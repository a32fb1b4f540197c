//! Moving values between the two fields of a cycle, and hashing into both.

use ff::PrimeField;

/// Bits kept from a hash so that it is a canonical element of both fields of the cycle.
pub const NUM_HASH_BITS: usize = 250;

/// Bits of a folding challenge.
pub const NUM_CHALLENGE_BITS: usize = 128;

/// The element of `G` with the same canonical integer as `x`, or `None` if it is too large.
///
/// The Pasta moduli differ only far below the top bit, so any integer below `2^250` (hashes,
/// challenges, `u`) crosses over unchanged.
pub fn cross_field<F: PrimeField, G: PrimeField>(x: &F) -> Option<G> {
    let mut repr = G::Repr::default();
    let src = x.to_repr();
    let (src, dst) = (src.as_ref(), repr.as_mut());
    if src.len() != dst.len() {
        return None;
    }
    dst.copy_from_slice(src);
    Option::from(G::from_repr(repr))
}

/// `x` with every bit at position `bits` and above cleared (a field element whose canonical
/// integer is `x mod 2^bits`).
pub fn truncate<F: PrimeField>(x: &F, bits: usize) -> F {
    from_le_bytes_truncated(x.to_repr().as_ref(), bits)
}

/// The field element whose integer is the low `bits` bits of the little-endian `bytes` (bytes
/// beyond the field's encoding are ignored). With `bits` below the modulus' bit length the result
/// is always canonical; hashes and digests enter both fields of the cycle this way.
pub fn from_le_bytes_truncated<F: PrimeField>(bytes: &[u8], bits: usize) -> F {
    let mut repr = F::Repr::default();
    let out = repr.as_mut();
    let n = out.len().min(bytes.len());
    out[..n].copy_from_slice(&bytes[..n]);
    for (i, byte) in out.iter_mut().enumerate() {
        let low = 8 * i;
        if low >= bits {
            *byte = 0;
        } else if low + 8 > bits {
            *byte &= (1u8 << (bits - low)) - 1;
        }
    }
    Option::from(F::from_repr(repr)).unwrap_or(F::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ff::Field;
    use halo2curves::pasta::{Fp, Fq};

    #[test]
    fn small_values_cross_and_large_ones_may_not() {
        let x = Fq::from(123_456_789);
        assert_eq!(cross_field::<Fq, Fp>(&x), Some(Fp::from(123_456_789)));
        // q − 1 is above p: it does not fit in Fp.
        assert_eq!(cross_field::<Fq, Fp>(&(-Fq::ONE)), None);
        // Fp's largest value is below q: it fits in Fq.
        assert!(cross_field::<Fp, Fq>(&(-Fp::ONE)).is_some());
    }

    #[test]
    fn truncation_keeps_low_bits() {
        let x = -Fq::ONE;
        let t = truncate(&x, NUM_HASH_BITS);
        assert!(cross_field::<Fq, Fp>(&t).is_some());
        assert_eq!(truncate(&Fq::from(0x1ff), 8), Fq::from(0xff));
        assert_eq!(truncate(&Fq::from(0x1ff), 3), Fq::from(0x7));
        assert_eq!(truncate(&Fq::from(5), 256), Fq::from(5));
    }
}

//! The Grain LFSR that the Poseidon paper uses to derive round constants and the MDS matrix.
//!
//! This follows the reference script `generate_parameters_grain.sage` (Poseidon authors,
//! also used for the Pasta parameters in `daira/pasta-hadeshash`) bit for bit:
//!
//! * an 80-bit register seeded with the instance description: field type (2 bits, `1` = prime
//!   field), S-box type (4 bits, `0` = x^α), field size n (12 bits), width t (12 bits), R_F
//!   (10 bits), R_P (10 bits) and thirty `1` bits, each field written most significant bit first;
//! * the feedback bit `b[62] ⊕ b[51] ⊕ b[38] ⊕ b[23] ⊕ b[13] ⊕ b[0]`, shifted in at the end;
//! * 160 warm-up clocks whose output is discarded;
//! * output bits taken in pairs (the self-shrinking rule): if the first bit of a pair is 1 the
//!   second bit is emitted, otherwise the pair is dropped;
//! * field elements read as n-bit integers, most significant bit first.

use ff::PrimeFieldBits;

/// Number of bits in the Grain state.
const STATE_BITS: usize = 80;
/// Clocks run and discarded after seeding, before any output is used.
const WARM_UP_CLOCKS: usize = 160;

/// The Poseidon instance that seeds the generator: different instances get unrelated streams.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) struct GrainSeed {
    /// Bit length n of the field modulus.
    pub field_bits: u16,
    /// State width t.
    pub width: u16,
    /// Number of full rounds R_F.
    pub full_rounds: u16,
    /// Number of partial rounds R_P.
    pub partial_rounds: u16,
}

/// A Grain LFSR in the self-shrinking mode of the Poseidon reference script.
pub(crate) struct Grain {
    /// The register, `state[0]` being the oldest bit (the one shifted out next).
    state: [bool; STATE_BITS],
    /// Bit length n of the field elements sampled from the stream.
    field_bits: usize,
}

impl Grain {
    /// Seeds the register for a prime-field instance with the x^α S-box and runs the warm-up.
    pub(crate) fn new(seed: GrainSeed) -> Self {
        let mut grain = Self::seeded(seed);
        for _ in 0..WARM_UP_CLOCKS {
            grain.clock();
        }
        grain
    }

    /// The register right after seeding, before the warm-up.
    fn seeded(seed: GrainSeed) -> Self {
        // (value, width) pairs, each written most significant bit first.
        const PRIME_FIELD: u16 = 1;
        const SBOX_POWER: u16 = 0;
        let fields: [(u16, usize); 6] = [
            (PRIME_FIELD, 2),
            (SBOX_POWER, 4),
            (seed.field_bits, 12),
            (seed.width, 12),
            (seed.full_rounds, 10),
            (seed.partial_rounds, 10),
        ];
        let mut state = [true; STATE_BITS];
        let mut position = 0;
        for (value, width) in fields {
            assert!(
                u32::from(value) < 1 << width,
                "Grain seed field {value} does not fit in {width} bits"
            );
            for bit in (0..width).rev() {
                state[position] = (value >> bit) & 1 == 1;
                position += 1;
            }
        }
        // The remaining 30 bits stay 1.
        Self {
            state,
            field_bits: usize::from(seed.field_bits),
        }
    }

    /// Shifts the register by one and returns the new bit.
    fn clock(&mut self) -> bool {
        let s = &self.state;
        let new_bit = s[62] ^ s[51] ^ s[38] ^ s[23] ^ s[13] ^ s[0];
        self.state.copy_within(1.., 0);
        self.state[STATE_BITS - 1] = new_bit;
        new_bit
    }

    /// The next output bit: clocks pairs until one starts with 1 and returns that pair's second bit.
    fn next_bit(&mut self) -> bool {
        loop {
            let keep = self.clock();
            let bit = self.clock();
            if keep {
                return bit;
            }
        }
    }

    /// The next n output bits, most significant first.
    fn next_bits(&mut self) -> Vec<bool> {
        (0..self.field_bits).map(|_| self.next_bit()).collect()
    }

    /// The next field element by rejection sampling: n-bit integers not below the modulus are
    /// discarded. This is how the reference script draws round constants.
    pub(crate) fn next_field_element<F: PrimeFieldBits>(&mut self) -> F {
        loop {
            let bits = self.next_bits();
            if is_below_modulus::<F>(&bits) {
                return field_from_bits_be(&bits);
            }
        }
    }

    /// The next field element without rejection: the n-bit integer reduced modulo p. This is how
    /// the reference script draws the points of the Cauchy MDS matrix (`F(grain_random_bits(n))`).
    pub(crate) fn next_field_element_reduced<F: PrimeFieldBits>(&mut self) -> F {
        field_from_bits_be(&self.next_bits())
    }
}

/// Whether the integer with big-endian bits `bits` is below the modulus of `F`.
fn is_below_modulus<F: PrimeFieldBits>(bits: &[bool]) -> bool {
    let modulus_le = F::char_le_bits();
    // The modulus's bits at positions `bits.len()` and above must be zero, or every sample is
    // below it; equal-length big-endian bit strings then compare as their integers do.
    if modulus_le.iter().skip(bits.len()).any(|bit| *bit) {
        return true;
    }
    let modulus_be = (0..bits.len())
        .rev()
        .map(|i| modulus_le.get(i).is_some_and(|bit| *bit));
    bits.iter().copied().lt(modulus_be)
}

/// The field element `Σ bits[i] · 2^(len-1-i)`, reduced modulo p.
fn field_from_bits_be<F: PrimeFieldBits>(bits: &[bool]) -> F {
    bits.iter().fold(F::ZERO, |acc, &bit| {
        acc.double() + if bit { F::ONE } else { F::ZERO }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ff::{Field, PrimeField};
    use halo2curves::pasta::Fp;

    /// Big-endian bits of `x`'s canonical integer, `n` of them.
    fn bits_be(x: Fp, n: usize) -> Vec<bool> {
        let le = x.to_le_bits();
        (0..n).rev().map(|i| le[i]).collect()
    }

    #[test]
    fn rejection_bound_is_the_modulus() {
        let n = Fp::NUM_BITS as usize;
        let p_minus_one = bits_be(-Fp::ONE, n);
        assert!(is_below_modulus::<Fp>(&p_minus_one));
        // p itself: p - 1 is even, so p is p - 1 with its lowest bit set.
        let mut p = p_minus_one.clone();
        *p.last_mut().unwrap() = true;
        assert!(!is_below_modulus::<Fp>(&p));
        assert!(!is_below_modulus::<Fp>(&vec![true; n]));
        assert!(is_below_modulus::<Fp>(&vec![false; n]));
        assert!(is_below_modulus::<Fp>(&bits_be(Fp::from(5), n)));
        // Reduction without rejection wraps: the integer p reads as zero.
        assert_eq!(field_from_bits_be::<Fp>(&p), Fp::ZERO);
    }

    /// The seed of the Pasta instance, written out from the reference script's layout
    /// (`bin(x)[2:].zfill(width)` per field, then thirty ones).
    #[test]
    fn seed_layout_matches_reference_packing() {
        let expected = "01".to_owned() // prime field
            + "0000" // x^alpha S-box
            + "000011111111" // n = 255
            + "000000000011" // t = 3
            + "0000001000" // R_F = 8
            + "0000111000" // R_P = 56
            + &"1".repeat(30);
        let seeded = Grain::seeded(GrainSeed {
            field_bits: 255,
            width: 3,
            full_rounds: 8,
            partial_rounds: 56,
        });
        let actual: String = seeded
            .state
            .iter()
            .map(|&b| if b { '1' } else { '0' })
            .collect();
        assert_eq!(actual, expected);
    }
}

//! The Poseidon permutation and sponge over field elements.

use ff::PrimeFieldBits;

use super::constants::PoseidonConstants;
use super::pattern::{IoPattern, PatternCursor, SpongeError};
use super::{CAPACITY, FULL_ROUNDS, PARTIAL_ROUNDS, RATE, WIDTH};

/// x^5, the S-box.
fn sbox<F: PrimeFieldBits>(x: F) -> F {
    let x2 = x.square();
    x2.square() * x
}

/// Applies the Poseidon permutation to `state` in place, with the field's cached constants.
pub fn permute<F: PrimeFieldBits + 'static>(state: &mut [F; WIDTH]) {
    permute_with(PoseidonConstants::get(), state);
}

/// The permutation with constants at hand (the sponge keeps them, saving the cache lookup).
///
/// Each round adds its constants, applies the S-box (to every element in the R_F/2 full rounds
/// at each end, to element 0 only in the R_P partial rounds in between) and multiplies by the
/// MDS matrix, as in the Poseidon paper and its reference implementation.
fn permute_with<F: PrimeFieldBits>(constants: &PoseidonConstants<F>, state: &mut [F; WIDTH]) {
    let half_full = FULL_ROUNDS / 2;
    for (round, round_constants) in constants.round_constants.iter().enumerate() {
        for (element, constant) in state.iter_mut().zip(round_constants) {
            *element += constant;
        }
        let is_full_round = round < half_full || round >= half_full + PARTIAL_ROUNDS;
        if is_full_round {
            for element in state.iter_mut() {
                *element = sbox(*element);
            }
        } else {
            state[0] = sbox(state[0]);
        }
        *state = core::array::from_fn(|i| {
            constants.mds[i]
                .iter()
                .zip(state.iter())
                .fold(F::ZERO, |acc, (m, x)| acc + *m * x)
        });
    }
}

/// A Poseidon sponge (width 3, rate 2) that follows a declared [`IoPattern`], SAFE style.
///
/// * The capacity element starts as the pattern's tag (see [`IoPattern::tag`]), the rate
///   elements as zero; so sponges with different patterns or domains are independent and
///   no padding is needed: the pattern fixes every length in advance.
/// * `absorb` adds each input to the next rate element, permuting first when the rate is full.
///   After a squeeze it starts again at the first rate element (SAFE's rule): the next squeeze
///   permutes before it outputs, so every input is mixed in before anything depends on it.
/// * `squeeze` permutes first when nothing has been permuted since the last absorb (or since
///   the start), or when the rate has been read out; then it returns the next rate element.
/// * Calls must follow the pattern exactly; any other call, and `finish` before the pattern is
///   complete, is an error.
#[derive(Clone, Debug)]
pub struct PoseidonSponge<F: PrimeFieldBits + 'static> {
    constants: &'static PoseidonConstants<F>,
    state: [F; WIDTH],
    /// Next rate slot to absorb into; `RATE` means the rate is full.
    absorb_position: usize,
    /// Next rate slot to squeeze from; `RATE` means a permutation is due first.
    squeeze_position: usize,
    cursor: PatternCursor,
}

impl<F: PrimeFieldBits + 'static> PoseidonSponge<F> {
    /// Starts a sponge that will follow `pattern`.
    pub fn new(pattern: &IoPattern) -> Self {
        let mut state = [F::ZERO; WIDTH];
        state[0] = pattern.tag();
        Self {
            constants: PoseidonConstants::get(),
            state,
            absorb_position: 0,
            squeeze_position: RATE,
            cursor: PatternCursor::new(pattern),
        }
    }

    /// Absorbs `inputs`, which must fit in the pattern's current absorb step.
    pub fn absorb(&mut self, inputs: &[F]) -> Result<(), SpongeError> {
        self.cursor.absorb(inputs.len())?;
        for input in inputs {
            if self.absorb_position == RATE {
                permute_with(self.constants, &mut self.state);
                self.absorb_position = 0;
            }
            self.state[CAPACITY + self.absorb_position] += input;
            self.absorb_position += 1;
        }
        self.squeeze_position = RATE;
        Ok(())
    }

    /// Squeezes one element, which must be allowed by the pattern's current squeeze step.
    pub fn squeeze(&mut self) -> Result<F, SpongeError> {
        self.cursor.squeeze(1)?;
        if self.squeeze_position == RATE {
            permute_with(self.constants, &mut self.state);
            self.squeeze_position = 0;
            self.absorb_position = 0;
        }
        let output = self.state[CAPACITY + self.squeeze_position];
        self.squeeze_position += 1;
        Ok(output)
    }

    /// Ends the sponge; an error if the pattern has steps left.
    pub fn finish(self) -> Result<(), SpongeError> {
        self.cursor.finish()
    }
}

/// Hashes a fixed number of field elements to one, under `domain`: the sponge with pattern
/// [`IoPattern::hash`]`(inputs.len(), domain)`.
pub fn hash<F: PrimeFieldBits + 'static>(domain: &[u8], inputs: &[F]) -> F {
    let pattern = IoPattern::hash(inputs.len(), domain);
    let mut sponge = PoseidonSponge::new(&pattern);
    sponge
        .absorb(inputs)
        .and_then(|()| sponge.squeeze())
        .expect("the hash pattern admits exactly one absorb of the inputs and one squeeze")
}

/// The `num_bits` least significant bits of `x`'s canonical integer, least significant first.
///
/// # Panics
/// If `num_bits` exceeds the field's bit length.
pub fn low_bits_le<F: PrimeFieldBits>(x: &F, num_bits: usize) -> Vec<bool> {
    assert!(
        num_bits <= F::NUM_BITS as usize,
        "cannot take {num_bits} bits of a {}-bit field element",
        F::NUM_BITS
    );
    x.to_le_bits()
        .iter()
        .take(num_bits)
        .map(|bit| *bit)
        .collect()
}

/// `x` reduced to its `num_bits` least significant bits, as a field element: the challenge the
/// folding verifier derives from a squeezed element. Agrees with the gadget's
/// [`low_bits_le`](super::gadget::low_bits_le) recombined.
///
/// # Panics
/// If `num_bits` exceeds the field's bit length.
pub fn truncate_to_bits<F: PrimeFieldBits>(x: &F, num_bits: usize) -> F {
    low_bits_le(x, num_bits)
        .iter()
        .rev()
        .fold(F::ZERO, |acc, &bit| {
            acc.double() + if bit { F::ONE } else { F::ZERO }
        })
}

//! The Poseidon permutation and sponge as a bellpepper-core gadget.
//!
//! The state is carried between S-boxes as linear combinations: adding round constants and the
//! MDS layer only rewrite coefficients and cost no constraints. Each x^5 S-box costs 3
//! constraints (`x·x = x2`, `x2·x2 = x4`, `x4·x = x5`), so one permutation costs
//! (R_F · t + R_P) · 3 = (8 · 3 + 56) · 3 = [`PERMUTATION_CONSTRAINTS`] = 240 constraints.
//! Turning a state element into an [`AllocatedNum`] (a squeeze, or the outputs of [`permute`])
//! costs one more constraint each.
//!
//! The price of free linear layers is density: during the partial rounds the two elements that
//! skip the S-box accumulate every earlier S-box output, and each S-box input enters three
//! constraints. A 2-to-1 hash (one permutation, one squeeze) has about 2,200 nonzero entries in
//! A, 4,100 in B and 240 in C.

use bellpepper_core::boolean::Boolean;
use bellpepper_core::num::AllocatedNum;
use bellpepper_core::{ConstraintSystem, LinearCombination, SynthesisError};
use ff::PrimeFieldBits;

use super::constants::PoseidonConstants;
use super::pattern::{IoPattern, PatternCursor, SpongeError};
use super::{CAPACITY, FULL_ROUNDS, PARTIAL_ROUNDS, RATE, WIDTH};

/// Constraints of one permutation, from its S-boxes alone (inputs and outputs left as linear
/// combinations): three per S-box, t S-boxes per full round, one per partial round.
pub const PERMUTATION_CONSTRAINTS: usize = (FULL_ROUNDS * WIDTH + PARTIAL_ROUNDS) * 3;

/// A sponge misuse surfaces in a circuit as a synthesis error naming the mismatch.
impl From<SpongeError> for SynthesisError {
    fn from(error: SpongeError) -> Self {
        SynthesisError::IncompatibleLengthVector(format!("poseidon sponge: {error}"))
    }
}

/// A state element: a linear combination of circuit variables plus a constant, with its value
/// when the witness is known. The constant is kept apart so that building a state needs no
/// constraint system; it joins the combination, on `CS::one()`, only inside a constraint.
#[derive(Clone, Debug)]
struct StateElement<F: PrimeFieldBits> {
    variables: LinearCombination<F>,
    constant: F,
    value: Option<F>,
}

impl<F: PrimeFieldBits> StateElement<F> {
    fn constant(value: F) -> Self {
        Self {
            variables: LinearCombination::zero(),
            constant: value,
            value: Some(value),
        }
    }

    fn from_num(num: &AllocatedNum<F>) -> Self {
        Self {
            variables: LinearCombination::from_variable(num.get_variable()),
            constant: F::ZERO,
            value: num.get_value(),
        }
    }

    fn add_constant(&mut self, constant: F) {
        self.constant += constant;
        self.value = self.value.map(|v| v + constant);
    }

    fn add(&mut self, other: &AllocatedNum<F>) {
        self.variables = core::mem::take(&mut self.variables) + other.get_variable();
        self.value = self.value.zip(other.get_value()).map(|(a, b)| a + b);
    }

    /// `Σ coefficient · element`, with no constraints.
    fn combine(coefficients: &[F; WIDTH], elements: &[Self; WIDTH]) -> Self {
        let mut combined = Self::constant(F::ZERO);
        for (m, element) in coefficients.iter().zip(elements) {
            combined.variables = combined.variables + (*m, &element.variables);
            combined.constant += *m * element.constant;
            combined.value = combined
                .value
                .zip(element.value)
                .map(|(acc, x)| acc + *m * x);
        }
        combined
    }

    /// The whole element as one linear combination in `CS`.
    fn to_lc<CS: ConstraintSystem<F>>(&self) -> LinearCombination<F> {
        if bool::from(self.constant.is_zero()) {
            // No explicit zero entry for the shape to store.
            self.variables.clone()
        } else {
            self.variables.clone() + (self.constant, CS::one())
        }
    }

    /// A new variable equal to this element: one constraint.
    fn allocate<CS: ConstraintSystem<F>>(
        &self,
        mut cs: CS,
    ) -> Result<AllocatedNum<F>, SynthesisError> {
        let num = AllocatedNum::alloc(cs.namespace(|| "value"), || {
            self.value.ok_or(SynthesisError::AssignmentMissing)
        })?;
        cs.enforce(
            || "value equals combination",
            |lc| lc + &self.to_lc::<CS>(),
            |lc| lc + CS::one(),
            |lc| lc + num.get_variable(),
        );
        Ok(num)
    }
}

/// `a · b = product` for a new variable `product`.
fn multiply<F, CS>(
    mut cs: CS,
    a: &LinearCombination<F>,
    a_value: Option<F>,
    b: &LinearCombination<F>,
    b_value: Option<F>,
) -> Result<(LinearCombination<F>, Option<F>), SynthesisError>
where
    F: PrimeFieldBits,
    CS: ConstraintSystem<F>,
{
    let value = a_value.zip(b_value).map(|(a, b)| a * b);
    let product = AllocatedNum::alloc(cs.namespace(|| "product"), || {
        value.ok_or(SynthesisError::AssignmentMissing)
    })?;
    cs.enforce(
        || "a * b = product",
        |lc| lc + a,
        |lc| lc + b,
        |lc| lc + product.get_variable(),
    );
    Ok((
        LinearCombination::from_variable(product.get_variable()),
        value,
    ))
}

/// x^5 in three constraints.
fn sbox<F, CS>(mut cs: CS, x: &StateElement<F>) -> Result<StateElement<F>, SynthesisError>
where
    F: PrimeFieldBits,
    CS: ConstraintSystem<F>,
{
    let x1 = x.to_lc::<CS>();
    let (x2, x2_value) = multiply(cs.namespace(|| "x^2"), &x1, x.value, &x1, x.value)?;
    let (x4, x4_value) = multiply(cs.namespace(|| "x^4"), &x2, x2_value, &x2, x2_value)?;
    let (x5, x5_value) = multiply(cs.namespace(|| "x^5"), &x4, x4_value, &x1, x.value)?;
    Ok(StateElement {
        variables: x5,
        constant: F::ZERO,
        value: x5_value,
    })
}

/// The permutation on linear-combination state: exactly [`PERMUTATION_CONSTRAINTS`] constraints.
fn permute_elements<F, CS>(
    mut cs: CS,
    constants: &PoseidonConstants<F>,
    state: &mut [StateElement<F>; WIDTH],
) -> Result<(), SynthesisError>
where
    F: PrimeFieldBits,
    CS: ConstraintSystem<F>,
{
    let half_full = FULL_ROUNDS / 2;
    for (round, round_constants) in constants.round_constants.iter().enumerate() {
        let mut cs = cs.namespace(|| format!("round {round}"));
        for (element, constant) in state.iter_mut().zip(round_constants) {
            element.add_constant(*constant);
        }
        let is_full_round = round < half_full || round >= half_full + PARTIAL_ROUNDS;
        let sboxed = if is_full_round { WIDTH } else { 1 };
        for (i, element) in state.iter_mut().enumerate().take(sboxed) {
            *element = sbox(cs.namespace(|| format!("sbox {i}")), element)?;
        }
        *state = core::array::from_fn(|i| StateElement::combine(&constants.mds[i], state));
    }
    Ok(())
}

/// The Poseidon permutation of three allocated numbers, matching
/// [`native::permute`](super::native::permute): [`PERMUTATION_CONSTRAINTS`] + 3 constraints
/// (the 3 allocate the outputs).
pub fn permute<F, CS>(
    mut cs: CS,
    state: &[AllocatedNum<F>; WIDTH],
) -> Result<[AllocatedNum<F>; WIDTH], SynthesisError>
where
    F: PrimeFieldBits + 'static,
    CS: ConstraintSystem<F>,
{
    let mut elements = state.each_ref().map(StateElement::from_num);
    permute_elements(
        cs.namespace(|| "permutation"),
        PoseidonConstants::get(),
        &mut elements,
    )?;
    let [a, b, c] = &elements;
    Ok([
        a.allocate(cs.namespace(|| "output 0"))?,
        b.allocate(cs.namespace(|| "output 1"))?,
        c.allocate(cs.namespace(|| "output 2"))?,
    ])
}

/// The in-circuit twin of [`PoseidonSponge`](super::native::PoseidonSponge): same pattern rules,
/// same outputs. Costs [`PERMUTATION_CONSTRAINTS`] per permutation plus one constraint per
/// squeezed element; absorbing is free.
#[derive(Clone, Debug)]
pub struct PoseidonSpongeGadget<F: PrimeFieldBits + 'static> {
    constants: &'static PoseidonConstants<F>,
    state: [StateElement<F>; WIDTH],
    /// Next rate slot to absorb into; `RATE` means the rate is full.
    absorb_position: usize,
    /// Next rate slot to squeeze from; `RATE` means a permutation is due first.
    squeeze_position: usize,
    cursor: PatternCursor,
    /// Permutations and squeezes so far, to give each its own constraint namespace.
    permutations: usize,
    squeezes: usize,
}

impl<F: PrimeFieldBits + 'static> PoseidonSpongeGadget<F> {
    /// Starts a sponge that will follow `pattern`. Its initial state is constant: no constraints.
    pub fn new(pattern: &IoPattern) -> Self {
        Self {
            constants: PoseidonConstants::get(),
            state: [
                StateElement::constant(pattern.tag()),
                StateElement::constant(F::ZERO),
                StateElement::constant(F::ZERO),
            ],
            absorb_position: 0,
            squeeze_position: RATE,
            cursor: PatternCursor::new(pattern),
            permutations: 0,
            squeezes: 0,
        }
    }

    fn permute<CS: ConstraintSystem<F>>(&mut self, cs: &mut CS) -> Result<(), SynthesisError> {
        let index = self.permutations;
        self.permutations += 1;
        permute_elements(
            cs.namespace(|| format!("permutation {index}")),
            self.constants,
            &mut self.state,
        )
    }

    /// Absorbs `inputs`, which must fit in the pattern's current absorb step.
    pub fn absorb<CS: ConstraintSystem<F>>(
        &mut self,
        cs: &mut CS,
        inputs: &[AllocatedNum<F>],
    ) -> Result<(), SynthesisError> {
        self.cursor.absorb(inputs.len())?;
        for input in inputs {
            if self.absorb_position == RATE {
                self.permute(cs)?;
                self.absorb_position = 0;
            }
            self.state[CAPACITY + self.absorb_position].add(input);
            self.absorb_position += 1;
        }
        self.squeeze_position = RATE;
        Ok(())
    }

    /// Squeezes one element, which must be allowed by the pattern's current squeeze step.
    pub fn squeeze<CS: ConstraintSystem<F>>(
        &mut self,
        cs: &mut CS,
    ) -> Result<AllocatedNum<F>, SynthesisError> {
        self.cursor.squeeze(1)?;
        if self.squeeze_position == RATE {
            self.permute(cs)?;
            self.squeeze_position = 0;
            self.absorb_position = 0;
        }
        let index = self.squeezes;
        self.squeezes += 1;
        let output = self.state[CAPACITY + self.squeeze_position]
            .allocate(cs.namespace(|| format!("squeeze {index}")))?;
        self.squeeze_position += 1;
        Ok(output)
    }

    /// Ends the sponge; an error if the pattern has steps left.
    pub fn finish(self) -> Result<(), SynthesisError> {
        Ok(self.cursor.finish()?)
    }
}

/// In-circuit [`native::hash`](super::native::hash): absorbs `inputs` under `domain` and squeezes
/// one element. Costs [`PERMUTATION_CONSTRAINTS`] per started pair of inputs (at least one
/// permutation) plus one.
pub fn hash<F, CS>(
    mut cs: CS,
    domain: &[u8],
    inputs: &[AllocatedNum<F>],
) -> Result<AllocatedNum<F>, SynthesisError>
where
    F: PrimeFieldBits + 'static,
    CS: ConstraintSystem<F>,
{
    let pattern = IoPattern::hash(inputs.len(), domain);
    let mut sponge = PoseidonSpongeGadget::new(&pattern);
    sponge.absorb(&mut cs, inputs)?;
    let output = sponge.squeeze(&mut cs)?;
    sponge.finish()?;
    Ok(output)
}

/// The `num_bits` least significant bits of `x`, least significant first, matching
/// [`native::low_bits_le`](super::native::low_bits_le).
///
/// `x` is decomposed in full with a range check against the modulus (bellpepper's strict
/// decomposition), so the bits are the unique canonical ones and a prover cannot choose between
/// `x` and `x + p`; the bits above `num_bits` are then dropped. The cost does not depend on
/// `num_bits`: 301 constraints over Pallas' Fp, 298 over Vesta's Fq.
///
/// # Panics
/// If `num_bits` exceeds the field's bit length.
pub fn low_bits_le<F, CS>(
    mut cs: CS,
    x: &AllocatedNum<F>,
    num_bits: usize,
) -> Result<Vec<Boolean>, SynthesisError>
where
    F: PrimeFieldBits,
    CS: ConstraintSystem<F>,
{
    assert!(
        num_bits <= F::NUM_BITS as usize,
        "cannot take {num_bits} bits of a {}-bit field element",
        F::NUM_BITS
    );
    let mut bits = x.to_bits_le_strict(cs.namespace(|| "canonical bits"))?;
    bits.truncate(num_bits);
    Ok(bits)
}

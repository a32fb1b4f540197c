//! Witness generation into a buffer that lives across calls.
//!
//! A folding prover synthesizes the same circuit once per step. [`WitnessBuffer`] keeps its
//! storage between calls: it is cleared and refilled, and once it has held a circuit's witness it
//! never reallocates for that circuit again.

use bellpepper_core::{
    Circuit, ConstraintSystem, Index, LinearCombination, SynthesisError, Variable,
};
use ff::PrimeField;

/// A circuit's assignment `z = (W, 1, X)`, rebuilt in place on every synthesis.
#[derive(Clone, Debug, Default)]
pub struct WitnessBuffer<F> {
    /// `W` while synthesizing; `(W, 1, X)` afterwards.
    z: Vec<F>,
    /// `(1, X)` while synthesizing; kept for its capacity.
    inputs: Vec<F>,
    num_aux: usize,
}

impl<F: PrimeField> WitnessBuffer<F> {
    /// An empty buffer.
    pub fn new() -> Self {
        Self {
            z: Vec::new(),
            inputs: Vec::new(),
            num_aux: 0,
        }
    }

    /// A buffer with room for a circuit of `num_vars` witness and `num_io` public variables.
    pub fn with_capacity(num_vars: usize, num_io: usize) -> Self {
        Self {
            z: Vec::with_capacity(num_vars + 1 + num_io),
            inputs: Vec::with_capacity(num_io + 1),
            num_aux: 0,
        }
    }

    /// Synthesizes `circuit`, replacing the buffer's contents with its assignment.
    pub fn synthesize<C: Circuit<F>>(&mut self, circuit: C) -> Result<(), SynthesisError> {
        self.synthesize_with(|cs| circuit.synthesize(cs))
    }

    /// Runs `synthesize` against a witness-generating constraint system over this buffer.
    pub fn synthesize_with<R>(
        &mut self,
        synthesize: impl FnOnce(&mut WitnessCs<'_, F>) -> Result<R, SynthesisError>,
    ) -> Result<R, SynthesisError> {
        self.z.clear();
        self.inputs.clear();
        self.inputs.push(F::ONE);
        let mut cs = WitnessCs {
            aux: &mut self.z,
            inputs: &mut self.inputs,
        };
        let result = synthesize(&mut cs);
        self.num_aux = self.z.len();
        // Appending (1, X) after W gives the (W, u, X) layout without a second buffer.
        self.z.extend_from_slice(&self.inputs);
        result
    }

    /// The whole assignment `z = (W, 1, X)`.
    pub fn z(&self) -> &[F] {
        &self.z
    }

    /// The witness `W`.
    pub fn w(&self) -> &[F] {
        &self.z[..self.num_aux]
    }

    /// The public inputs `X` (without the constant one).
    pub fn x(&self) -> &[F] {
        &self.z[(self.num_aux + 1).min(self.z.len())..]
    }

    /// Capacity of the underlying storage, in field elements (for reuse checks).
    pub fn capacity(&self) -> usize {
        self.z.capacity()
    }
}

/// A constraint system that computes values and records no constraints.
#[derive(Debug)]
pub struct WitnessCs<'a, F: PrimeField> {
    aux: &'a mut Vec<F>,
    inputs: &'a mut Vec<F>,
}

impl<F: PrimeField> ConstraintSystem<F> for WitnessCs<'_, F> {
    type Root = Self;

    fn alloc<Fn, A, AR>(&mut self, _: A, f: Fn) -> Result<Variable, SynthesisError>
    where
        Fn: FnOnce() -> Result<F, SynthesisError>,
        A: FnOnce() -> AR,
        AR: Into<String>,
    {
        self.aux.push(f()?);
        Ok(Variable::new_unchecked(Index::Aux(self.aux.len() - 1)))
    }

    fn alloc_input<Fn, A, AR>(&mut self, _: A, f: Fn) -> Result<Variable, SynthesisError>
    where
        Fn: FnOnce() -> Result<F, SynthesisError>,
        A: FnOnce() -> AR,
        AR: Into<String>,
    {
        self.inputs.push(f()?);
        Ok(Variable::new_unchecked(Index::Input(self.inputs.len() - 1)))
    }

    fn enforce<A, AR, LA, LB, LC>(&mut self, _: A, _: LA, _: LB, _: LC)
    where
        A: FnOnce() -> AR,
        AR: Into<String>,
        LA: FnOnce(LinearCombination<F>) -> LinearCombination<F>,
        LB: FnOnce(LinearCombination<F>) -> LinearCombination<F>,
        LC: FnOnce(LinearCombination<F>) -> LinearCombination<F>,
    {
    }

    fn push_namespace<NR, N>(&mut self, _: N)
    where
        NR: Into<String>,
        N: FnOnce() -> NR,
    {
    }

    fn pop_namespace(&mut self) {}

    fn get_root(&mut self) -> &mut Self::Root {
        self
    }

    // Gadgets that know they run in a witness generator may bulk-write values through these.
    fn is_witness_generator(&self) -> bool {
        true
    }

    fn extend_inputs(&mut self, new_inputs: &[F]) {
        self.inputs.extend_from_slice(new_inputs);
    }

    fn extend_aux(&mut self, new_aux: &[F]) {
        self.aux.extend_from_slice(new_aux);
    }

    fn allocate_empty(&mut self, aux_n: usize, inputs_n: usize) -> (&mut [F], &mut [F]) {
        let aux_start = self.aux.len();
        self.aux.resize(aux_start + aux_n, F::ZERO);
        let inputs_start = self.inputs.len();
        self.inputs.resize(inputs_start + inputs_n, F::ZERO);
        (&mut self.aux[aux_start..], &mut self.inputs[inputs_start..])
    }

    fn allocate_empty_inputs(&mut self, n: usize) -> &mut [F] {
        let start = self.inputs.len();
        self.inputs.resize(start + n, F::ZERO);
        &mut self.inputs[start..]
    }

    fn allocate_empty_aux(&mut self, n: usize) -> &mut [F] {
        let start = self.aux.len();
        self.aux.resize(start + n, F::ZERO);
        &mut self.aux[start..]
    }

    fn inputs_slice(&self) -> &[F] {
        self.inputs
    }

    fn aux_slice(&self) -> &[F] {
        self.aux
    }
}

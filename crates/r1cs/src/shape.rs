//! R1CS shapes extracted from bellpepper circuits.
//!
//! Variables are laid out as Nova lays them out, `z = (W, u, X)`: the `num_vars` witness values,
//! then the constant column (1 for plain R1CS, `u` for relaxed), then the `num_io` public inputs.
//! The witness is then a prefix of `z`, and folding only touches the `u` column in the middle.

use bellpepper_core::{
    Circuit, ConstraintSystem, Index, LinearCombination, SynthesisError, Variable,
};
use ff::PrimeField;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::R1csError;
use crate::sparse::SparseMatrix;

/// Rows per rayon job in matrix–vector products: large enough to amortise scheduling.
const ROWS_PER_JOB: usize = 1 << 10;

/// `(Az, Bz, Cz)` for an assignment `z`.
pub type Products<F> = (Vec<F>, Vec<F>, Vec<F>);

/// The constraint matrices of a circuit and its dimensions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    try_from = "ShapeRepr<F>",
    into = "ShapeRepr<F>",
    bound = "F: PrimeField"
)]
pub struct R1csShape<F> {
    num_cons: usize,
    num_vars: usize,
    num_io: usize,
    a: SparseMatrix<F>,
    b: SparseMatrix<F>,
    c: SparseMatrix<F>,
}

impl<F: PrimeField> R1csShape<F> {
    /// Extracts the shape of a circuit. Witness closures are never called.
    pub fn from_circuit<C: Circuit<F>>(circuit: C) -> Result<Self, SynthesisError> {
        Self::from_fn(|cs| circuit.synthesize(cs))
    }

    /// Extracts the shape of whatever `synthesize` allocates and enforces.
    pub fn from_fn(
        synthesize: impl FnOnce(&mut ShapeCs<F>) -> Result<(), SynthesisError>,
    ) -> Result<Self, SynthesisError> {
        let mut cs = ShapeCs::new();
        synthesize(&mut cs)?;
        Ok(cs.into_shape())
    }

    /// Number of constraints (rows).
    pub fn num_cons(&self) -> usize {
        self.num_cons
    }

    /// Number of witness variables `|W|`.
    pub fn num_vars(&self) -> usize {
        self.num_vars
    }

    /// Number of public inputs `|X|`, not counting the constant column.
    pub fn num_io(&self) -> usize {
        self.num_io
    }

    /// Length of the full assignment `z = (W, u, X)`.
    pub fn z_len(&self) -> usize {
        self.num_vars + 1 + self.num_io
    }

    /// The matrices `(A, B, C)`.
    pub fn matrices(&self) -> (&SparseMatrix<F>, &SparseMatrix<F>, &SparseMatrix<F>) {
        (&self.a, &self.b, &self.c)
    }

    /// A 32-byte digest of the shape: SHA-256 of its dimensions and matrices in a canonical
    /// layout. Keys and proofs carry it, so loading one made for another circuit is an error.
    pub fn digest(&self) -> [u8; 32] {
        let mut hasher = Sha256::new();
        hasher.update(b"origami/r1cs-shape/v1");
        for n in [self.num_cons, self.num_vars, self.num_io] {
            hasher.update((n as u64).to_le_bytes());
        }
        for m in [&self.a, &self.b, &self.c] {
            m.hash_into(&mut hasher);
        }
        hasher.finalize().into()
    }

    /// Computes `Az`, `Bz` and `Cz` in one parallel pass over the rows, into caller-owned buffers
    /// (so a prover can reuse them across steps).
    pub fn multiply_into(
        &self,
        z: &[F],
        az: &mut [F],
        bz: &mut [F],
        cz: &mut [F],
    ) -> Result<(), R1csError> {
        if z.len() != self.z_len() {
            return Err(R1csError::AssignmentLength {
                expected: self.z_len(),
                got: z.len(),
            });
        }
        for out in [&*az, &*bz, &*cz] {
            if out.len() != self.num_cons {
                return Err(R1csError::OutputLength {
                    expected: self.num_cons,
                    got: out.len(),
                });
            }
        }
        az.par_chunks_mut(ROWS_PER_JOB)
            .zip(bz.par_chunks_mut(ROWS_PER_JOB))
            .zip(cz.par_chunks_mut(ROWS_PER_JOB))
            .enumerate()
            .for_each(|(job, ((az, bz), cz))| {
                let first = job * ROWS_PER_JOB;
                for (i, ((a, b), c)) in az.iter_mut().zip(bz).zip(cz).enumerate() {
                    *a = self.a.row_dot(first + i, z);
                    *b = self.b.row_dot(first + i, z);
                    *c = self.c.row_dot(first + i, z);
                }
            });
        Ok(())
    }

    /// `(Az, Bz, Cz)` in freshly allocated vectors.
    pub fn multiply(&self, z: &[F]) -> Result<Products<F>, R1csError> {
        let mut out = (
            vec![F::ZERO; self.num_cons],
            vec![F::ZERO; self.num_cons],
            vec![F::ZERO; self.num_cons],
        );
        self.multiply_into(z, &mut out.0, &mut out.1, &mut out.2)?;
        Ok(out)
    }

    /// Checks `Az ∘ Bz = u·Cz + E` for `z = (W, u, X)`; `e = None` means `E = 0`. Reports the
    /// first unsatisfied row.
    pub fn check_relaxed_assignment(&self, z: &[F], e: Option<&[F]>) -> Result<(), R1csError> {
        if let Some(e) = e
            && e.len() != self.num_cons
        {
            return Err(R1csError::ErrorVectorLength {
                expected: self.num_cons,
                got: e.len(),
            });
        }
        let (az, bz, cz) = self.multiply(z)?;
        let u = z[self.num_vars];
        let bad = (0..self.num_cons).into_par_iter().find_first(|&i| {
            let e_i = e.map_or(F::ZERO, |e| e[i]);
            az[i] * bz[i] != u * cz[i] + e_i
        });
        match bad {
            Some(row) => Err(R1csError::Unsatisfied { row }),
            None => Ok(()),
        }
    }

    /// Checks plain R1CS, `Az ∘ Bz = Cz`, for `z = (W, 1, X)`.
    pub fn check_assignment(&self, z: &[F]) -> Result<(), R1csError> {
        if z.len() == self.z_len() && z[self.num_vars] != F::ONE {
            return Err(R1csError::ConstantNotOne);
        }
        self.check_relaxed_assignment(z, None)
    }

    /// The shape padded to what Spartan needs: `num_cons` and `num_vars` rounded up to powers of
    /// two (with `num_vars ≥ num_io + 1`, so `(u, X)` fits in the second half of a padded `z`).
    /// Padding rows are empty and padding witness variables are unused; the `(u, X)` columns move
    /// up to start at the padded `num_vars`.
    pub fn pad(&self) -> Self {
        let num_cons = self.num_cons.next_power_of_two();
        let num_vars = self.num_vars.max(self.num_io + 1).next_power_of_two();
        if num_cons == self.num_cons && num_vars == self.num_vars {
            return self.clone();
        }
        let from = self.num_vars as u32;
        let shift = (num_vars - self.num_vars) as u32;
        let cols = num_vars + 1 + self.num_io;
        let pad_matrix = |m: &SparseMatrix<F>| {
            let mut m = m.clone();
            m.relabel_columns(cols, |c| if c >= from { c + shift } else { c });
            for _ in self.num_cons..num_cons {
                m.push_row(core::iter::empty());
            }
            m
        };
        Self {
            num_cons,
            num_vars,
            num_io: self.num_io,
            a: pad_matrix(&self.a),
            b: pad_matrix(&self.b),
            c: pad_matrix(&self.c),
        }
    }

    /// True when both `num_cons` and `num_vars` are powers of two.
    pub fn is_padded(&self) -> bool {
        self.num_cons.is_power_of_two() && self.num_vars.is_power_of_two()
    }
}

/// The serialized form of a shape, validated on load.
#[derive(Serialize, Deserialize)]
#[serde(bound = "F: PrimeField")]
struct ShapeRepr<F> {
    num_cons: u64,
    num_vars: u64,
    num_io: u64,
    a: SparseMatrix<F>,
    b: SparseMatrix<F>,
    c: SparseMatrix<F>,
}

impl<F: PrimeField> From<R1csShape<F>> for ShapeRepr<F> {
    fn from(s: R1csShape<F>) -> Self {
        Self {
            num_cons: s.num_cons as u64,
            num_vars: s.num_vars as u64,
            num_io: s.num_io as u64,
            a: s.a,
            b: s.b,
            c: s.c,
        }
    }
}

impl<F: PrimeField> TryFrom<ShapeRepr<F>> for R1csShape<F> {
    type Error = String;
    fn try_from(r: ShapeRepr<F>) -> Result<Self, String> {
        let too_big = |_| "a dimension overflows".to_string();
        let num_cons = usize::try_from(r.num_cons).map_err(too_big)?;
        let num_vars = usize::try_from(r.num_vars).map_err(too_big)?;
        let num_io = usize::try_from(r.num_io).map_err(too_big)?;
        let cols = num_vars
            .checked_add(1 + num_io)
            .ok_or("a dimension overflows")?;
        for (name, m) in [("A", &r.a), ("B", &r.b), ("C", &r.c)] {
            if m.num_rows() != num_cons || m.num_cols() != cols {
                return Err(format!(
                    "matrix {name} is {}×{}, expected {num_cons}×{cols}",
                    m.num_rows(),
                    m.num_cols()
                ));
            }
        }
        Ok(Self {
            num_cons,
            num_vars,
            num_io,
            a: r.a,
            b: r.b,
            c: r.c,
        })
    }
}

/// Column of a variable before the witness size is known: inputs are tagged with the top bit.
const INPUT_TAG: u32 = 1 << 31;

/// A constraint system that records constraints, never witness values.
#[derive(Debug)]
pub struct ShapeCs<F: PrimeField> {
    num_aux: usize,
    num_inputs: usize,
    // Column count unknown until synthesis ends: input columns carry INPUT_TAG until then.
    a: SparseMatrix<F>,
    b: SparseMatrix<F>,
    c: SparseMatrix<F>,
}

impl<F: PrimeField> ShapeCs<F> {
    fn new_empty() -> Self {
        Self {
            num_aux: 0,
            num_inputs: 1,
            a: SparseMatrix::new(0),
            b: SparseMatrix::new(0),
            c: SparseMatrix::new(0),
        }
    }

    /// Number of constraints enforced so far.
    pub fn num_constraints(&self) -> usize {
        self.a.num_rows()
    }

    /// Number of witness variables allocated so far.
    pub fn num_aux(&self) -> usize {
        self.num_aux
    }

    fn column(var: &Variable) -> u32 {
        match var.get_unchecked() {
            Index::Aux(i) => i as u32,
            Index::Input(i) => INPUT_TAG | i as u32,
        }
    }

    fn into_shape(self) -> R1csShape<F> {
        let num_vars = self.num_aux;
        let num_io = self.num_inputs - 1;
        let cols = num_vars + 1 + num_io;
        // Input j (0 being the constant one) becomes column num_vars + j.
        let place = |c: u32| {
            if c & INPUT_TAG != 0 {
                num_vars as u32 + (c & !INPUT_TAG)
            } else {
                c
            }
        };
        let (mut a, mut b, mut c) = (self.a, self.b, self.c);
        for m in [&mut a, &mut b, &mut c] {
            m.relabel_columns(cols, place);
        }
        R1csShape {
            num_cons: a.num_rows(),
            num_vars,
            num_io,
            a,
            b,
            c,
        }
    }
}

impl<F: PrimeField> ConstraintSystem<F> for ShapeCs<F> {
    type Root = Self;

    fn new() -> Self {
        Self::new_empty()
    }

    fn alloc<Fn, A, AR>(&mut self, _: A, _: Fn) -> Result<Variable, SynthesisError>
    where
        Fn: FnOnce() -> Result<F, SynthesisError>,
        A: FnOnce() -> AR,
        AR: Into<String>,
    {
        self.num_aux += 1;
        Ok(Variable::new_unchecked(Index::Aux(self.num_aux - 1)))
    }

    fn alloc_input<Fn, A, AR>(&mut self, _: A, _: Fn) -> Result<Variable, SynthesisError>
    where
        Fn: FnOnce() -> Result<F, SynthesisError>,
        A: FnOnce() -> AR,
        AR: Into<String>,
    {
        self.num_inputs += 1;
        Ok(Variable::new_unchecked(Index::Input(self.num_inputs - 1)))
    }

    fn enforce<A, AR, LA, LB, LC>(&mut self, _: A, a: LA, b: LB, c: LC)
    where
        A: FnOnce() -> AR,
        AR: Into<String>,
        LA: FnOnce(LinearCombination<F>) -> LinearCombination<F>,
        LB: FnOnce(LinearCombination<F>) -> LinearCombination<F>,
        LC: FnOnce(LinearCombination<F>) -> LinearCombination<F>,
    {
        let record = |m: &mut SparseMatrix<F>, lc: LinearCombination<F>| {
            m.push_row(lc.iter().map(|(v, k)| (Self::column(&v), *k)));
        };
        record(&mut self.a, a(LinearCombination::zero()));
        record(&mut self.b, b(LinearCombination::zero()));
        record(&mut self.c, c(LinearCombination::zero()));
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
}

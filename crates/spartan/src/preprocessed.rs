//! Spartan's preprocessing variant: the matrices are committed once at setup, so the verifier key
//! is a few commitments and the verifier never touches the matrices.
//!
//! After the shared reduction the prover claims `v_M = M(r_x, r_y)` for `M ∈ {A, B, C}` and proves
//! the claims against the committed sparse form of the matrices. The nonzero positions of
//! `A`, `B` and `C` together are listed once as `(row(k), col(k))` with values
//! `val_A(k), val_B(k), val_C(k)`, padded to `N = 2^ℓ` entries, so that
//! `M(r_x, r_y) = Σ_k val_M(k)·eq(r_x, row(k))·eq(r_y, col(k))`.
//!
//! The prover commits to `E_row(k) = eq(r_x, row(k))` and `E_col(k) = eq(r_y, col(k))` and shows
//! they are reads of the tables `T_row(i) = eq(r_x, i)` and `T_col(j) = eq(r_y, j)` with a
//! logarithmic-derivative lookup: for random `β, γ`,
//! `Σ_k 1/(β + row(k) + γ·E_row(k)) = Σ_i m_row(i)/(β + i + γ·T_row(i))`, where the multiplicity
//! `m_row(i)` (how often address `i` is read) is fixed by the matrices and committed at setup.
//! It commits to the four inverse vectors, and one batched sum-check of degree 3 over `ℓ`
//! variables proves: the matrix sum, that each inverse is an inverse (zero-checks against a
//! random `eq(τ, ·)`), and that both sides of each lookup sum agree. The verifier evaluates
//! `eq(τ, ·)`, `T_row`, `T_col` and the identity `i ↦ i` itself at the final point; the thirteen
//! committed polynomials are opened there with one IPA on a random combination.

use ff::{BatchInvert, Field, PrimeField};
use origami_arith::{
    AffineOf, Commitment, CommitmentKey, CycleCurve, EqPolynomial, GeneratorSource,
    MultilinearPolynomial, ScalarOf, Transcript,
};
use origami_r1cs::{R1csShape, RelaxedR1csInstance, RelaxedR1csWitness};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::SpartanError;
use crate::ipa::{self, IpaClaim, IpaProof, Opening};
use crate::snark::{
    Dimensions, Reduced, Reduction, WitnessOpenings, challenges, evaluate_matrix, log2,
    prove_reduction, transcript_for, verify_reduction,
};
use crate::sumcheck::SumcheckProof;

/// Number of polynomials committed at setup: `row, col, val_A, val_B, val_C, m_row, m_col`.
const SETUP_POLYS: usize = 7;
/// Number of polynomials the prover commits to: `E_row, E_col` and four inverse vectors.
const PROOF_POLYS: usize = 6;

/// The sparse form of the three matrices (prover side).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound = "")]
struct SparseForm<C: CycleCurve> {
    row: Vec<u32>,
    col: Vec<u32>,
    #[serde(with = "origami_arith::encoding::field_vec")]
    val_a: Vec<ScalarOf<C>>,
    #[serde(with = "origami_arith::encoding::field_vec")]
    val_b: Vec<ScalarOf<C>>,
    #[serde(with = "origami_arith::encoding::field_vec")]
    val_c: Vec<ScalarOf<C>>,
    m_row: Vec<u32>,
    m_col: Vec<u32>,
}

impl<C: CycleCurve> SparseForm<C> {
    /// Lists the union of the nonzero positions of `A, B, C` (row by row) and counts how often
    /// each row and column address is read, over `n_entries` entries (padding reads `(0, 0)`).
    fn new(shape: &R1csShape<ScalarOf<C>>, n_entries: usize) -> Self {
        let (a, b, c) = shape.matrices();
        let mut entries: Vec<(u32, u32, usize, ScalarOf<C>)> = Vec::new();
        for (which, m) in [a, b, c].into_iter().enumerate() {
            entries.extend(m.iter().map(|(i, j, v)| (i as u32, j as u32, which, v)));
        }
        entries.sort_unstable_by_key(|&(i, j, which, _)| (i, j, which));
        let zero = ScalarOf::<C>::ZERO;
        let mut form = Self {
            row: Vec::with_capacity(n_entries),
            col: Vec::with_capacity(n_entries),
            val_a: Vec::with_capacity(n_entries),
            val_b: Vec::with_capacity(n_entries),
            val_c: Vec::with_capacity(n_entries),
            m_row: vec![0; n_entries],
            m_col: vec![0; n_entries],
        };
        for (i, j, which, v) in entries {
            if form.row.last() != Some(&i) || form.col.last() != Some(&j) {
                form.row.push(i);
                form.col.push(j);
                form.val_a.push(zero);
                form.val_b.push(zero);
                form.val_c.push(zero);
            }
            let slot = match which {
                0 => &mut form.val_a,
                1 => &mut form.val_b,
                _ => &mut form.val_c,
            };
            if let Some(last) = slot.last_mut() {
                *last += v;
            }
        }
        form.row.resize(n_entries, 0);
        form.col.resize(n_entries, 0);
        form.val_a.resize(n_entries, zero);
        form.val_b.resize(n_entries, zero);
        form.val_c.resize(n_entries, zero);
        for (&i, &j) in form.row.iter().zip(&form.col) {
            form.m_row[i as usize] += 1;
            form.m_col[j as usize] += 1;
        }
        form
    }

    fn commit(&self, ck: &CommitmentKey<C>) -> Result<[Commitment<C>; SETUP_POLYS], SpartanError> {
        Ok([
            ck.commit_small(&self.row)?,
            ck.commit_small(&self.col)?,
            ck.commit(&self.val_a)?,
            ck.commit(&self.val_b)?,
            ck.commit(&self.val_c)?,
            ck.commit_small(&self.m_row)?,
            ck.commit_small(&self.m_col)?,
        ])
    }
}

/// Number of entries the sparse form is padded to for a padded shape: a power of two that holds
/// every nonzero position, every row address and every column address.
///
/// Positions are counted once however many of `A, B, C` use them: in the augmented circuits
/// over a quarter of the nonzeros share a position (a squaring's `A` and `B` rows coincide), which
/// keeps `N` at 2^17 for a 2^12-constraint step where the sum of the three counts needs 2^18.
fn entries_len<F: PrimeField>(shape: &R1csShape<F>) -> usize {
    let (a, b, c) = shape.matrices();
    let mut positions: Vec<u64> = [a, b, c]
        .into_iter()
        .flat_map(|m| m.iter().map(|(i, j, _)| ((i as u64) << 32) | j as u64))
        .collect();
    positions.sort_unstable();
    positions.dedup();
    positions
        .len()
        .max(shape.num_cons())
        .max(2 * shape.num_vars())
        .next_power_of_two()
}

/// The verifier key: the shape's dimensions and digest, and the commitments to its sparse form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct PreprocessedVerifierKey<C: CycleCurve> {
    dims: Dimensions,
    num_entries: usize,
    digest: [u8; 32],
    comms: Vec<Commitment<C>>,
}

impl<C: CycleCurve> PreprocessedVerifierKey<C> {
    /// Generators the verifier needs: one per sparse entry.
    pub fn commitment_key_len(&self) -> usize {
        self.num_entries
    }

    /// The padded shape's dimensions.
    pub fn dimensions(&self) -> Dimensions {
        self.dims
    }

    /// The commitments to the sparse form (`row, col, val_A, val_B, val_C, m_row, m_col`).
    pub fn matrix_commitments(&self) -> &[Commitment<C>] {
        &self.comms
    }

    /// The digest of everything this key holds: the dimensions, the entry count, the padded
    /// shape's digest and the sparse form's commitments. A proof's transcript starts with it.
    pub fn digest(&self) -> [u8; 32] {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(b"origami/spartan-vk/preprocessing/v1");
        let Dimensions {
            num_cons,
            num_vars,
            num_io,
        } = self.dims;
        for n in [num_cons, num_vars, num_io, self.num_entries] {
            h.update((n as u64).to_le_bytes());
        }
        h.update(self.digest);
        h.update((self.comms.len() as u64).to_le_bytes());
        for c in &self.comms {
            h.update(point_bytes(c));
        }
        h.finalize().into()
    }

    /// Refuses a key whose parts cannot belong together: the wrong number of commitments, or
    /// fewer entries than the tables the lookups read (`num_cons` rows, `2·num_vars` columns).
    fn check(&self) -> Result<(), SpartanError> {
        self.dims.check()?;
        let tables = self
            .dims
            .num_vars
            .checked_mul(2)
            .map(|cols| cols.max(self.dims.num_cons));
        let fits = tables.is_some_and(|t| t <= self.num_entries);
        if self.comms.len() != SETUP_POLYS
            || !self.num_entries.is_power_of_two()
            || !fits
            || self.num_entries > u32::MAX as usize
        {
            return Err(SpartanError::MalformedKey);
        }
        Ok(())
    }

    /// A proof's transcript: the key's digest, then the instance.
    fn transcript(&self, instance: &RelaxedR1csInstance<C>) -> Transcript {
        transcript_for(&self.digest(), instance)
    }
}

/// A commitment's canonical encoding (`0 ‖ x ‖ y`, or `1` for the identity), for digests.
fn point_bytes<C: CycleCurve>(c: &Commitment<C>) -> Vec<u8> {
    use ff::PrimeField;
    match c.coordinates() {
        (_, _, true) => vec![1],
        (x, y, false) => {
            let mut out = vec![0];
            out.extend_from_slice(x.to_repr().as_ref());
            out.extend_from_slice(y.to_repr().as_ref());
            out
        }
    }
}

/// The prover key: the padded shape, its sparse form, and the verifier key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct PreprocessedProverKey<C: CycleCurve> {
    shape: R1csShape<ScalarOf<C>>,
    form: SparseForm<C>,
    vk: PreprocessedVerifierKey<C>,
}

impl<C: CycleCurve> PreprocessedProverKey<C> {
    /// Generators setup needs for `shape` (unpadded or padded).
    pub fn commitment_key_len(shape: &R1csShape<ScalarOf<C>>) -> usize {
        entries_len(&shape.pad())
    }

    /// Pads `shape`, lists its sparse form and commits to it with `ck` (which must have
    /// [`commitment_key_len`](Self::commitment_key_len) generators).
    pub fn setup(
        ck: &CommitmentKey<C>,
        shape: &R1csShape<ScalarOf<C>>,
    ) -> Result<Self, SpartanError> {
        let shape = shape.pad();
        let num_entries = entries_len(&shape);
        if num_entries > u32::MAX as usize {
            return Err(SpartanError::KeyTooShort {
                len: num_entries,
                key: u32::MAX as usize,
            });
        }
        let form = SparseForm::<C>::new(&shape, num_entries);
        let comms = form.commit(ck)?.to_vec();
        let vk = PreprocessedVerifierKey {
            dims: Dimensions::of(&shape),
            num_entries,
            digest: shape.digest(),
            comms,
        };
        Ok(Self { shape, form, vk })
    }

    /// The verifier key.
    pub fn verifier_key(&self) -> &PreprocessedVerifierKey<C> {
        &self.vk
    }
}

/// The part of a proof that shows the claimed matrix evaluations.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct MatrixEvalProof<C: CycleCurve> {
    /// `Com(E_row), Com(E_col)` and the commitments to the four inverse vectors.
    pub comms: Vec<Commitment<C>>,
    /// The batched sum-check.
    pub sumcheck: SumcheckProof<ScalarOf<C>>,
    /// The thirteen committed polynomials at the sum-check's point (setup's seven, then the
    /// proof's six).
    #[serde(with = "origami_arith::encoding::field_vec")]
    pub evals: Vec<ScalarOf<C>>,
    /// One opening of their random combination.
    pub opening: IpaProof<C>,
}

/// A proof that a relaxed R1CS instance is satisfiable, preprocessing variant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct PreprocessedProof<C: CycleCurve> {
    /// The sum-check reduction.
    pub reduction: Reduction<C>,
    /// `A(r_x, r_y), B(r_x, r_y), C(r_x, r_y)`.
    #[serde(with = "origami_arith::encoding::field_vec")]
    pub matrix_evals: Vec<ScalarOf<C>>,
    /// The proof of the matrix evaluations.
    pub matrix_proof: MatrixEvalProof<C>,
    /// The openings of `W̄` and `Ē`.
    pub openings: WitnessOpenings<C>,
}

/// Table positions in the batched sum-check.
mod t {
    pub const VAL: usize = 0;
    pub const E_ROW: usize = 1;
    pub const E_COL: usize = 2;
    pub const ROW: usize = 3;
    pub const COL: usize = 4;
    pub const INV_READ_ROW: usize = 5;
    pub const INV_READ_COL: usize = 6;
    pub const INV_TABLE_ROW: usize = 7;
    pub const INV_TABLE_COL: usize = 8;
    pub const M_ROW: usize = 9;
    pub const M_COL: usize = 10;
    pub const EQ_TAU: usize = 11;
    pub const T_ROW: usize = 12;
    pub const T_COL: usize = 13;
    pub const ID: usize = 14;
    pub const COUNT: usize = 15;
}

/// The challenges of the matrix-evaluation argument.
#[derive(Clone, Copy)]
struct Challenges<F> {
    beta: F,
    gamma: F,
    /// Combines the seven sums.
    rho: F,
}

/// The batched sum-check's summand at one point, from the tables' values there.
fn summand<F: Field>(v: &[F], ch: &Challenges<F>) -> F {
    let Challenges { beta, gamma, rho } = *ch;
    let inverse = |inv: F, addr: F, value: F| inv * (beta + addr + gamma * value) - F::ONE;
    let terms = [
        v[t::VAL] * v[t::E_ROW] * v[t::E_COL],
        v[t::EQ_TAU] * inverse(v[t::INV_READ_ROW], v[t::ROW], v[t::E_ROW]),
        v[t::EQ_TAU] * inverse(v[t::INV_READ_COL], v[t::COL], v[t::E_COL]),
        v[t::EQ_TAU] * inverse(v[t::INV_TABLE_ROW], v[t::ID], v[t::T_ROW]),
        v[t::EQ_TAU] * inverse(v[t::INV_TABLE_COL], v[t::ID], v[t::T_COL]),
        v[t::INV_READ_ROW] - v[t::M_ROW] * v[t::INV_TABLE_ROW],
        v[t::INV_READ_COL] - v[t::M_COL] * v[t::INV_TABLE_COL],
    ];
    terms
        .iter()
        .rev()
        .fold(F::ZERO, |acc, term| acc * rho + term)
}

/// `eq(r, ·)` over `ℓ ≥ r.len()` variables, zero outside the first `2^r.len()` indices.
fn table_evals<F: PrimeField>(r: &[F], ell: usize) -> Vec<F> {
    let mut evals = EqPolynomial::new(r.to_vec()).evals();
    evals.resize(1 << ell, F::ZERO);
    evals
}

/// The multilinear extension of [`table_evals`] at `p`: the high variables must be zero.
fn table_at<F: PrimeField>(r: &[F], p: &[F]) -> Result<F, SpartanError> {
    let high = p
        .len()
        .checked_sub(r.len())
        .ok_or(SpartanError::MalformedKey)?;
    let zero_high: F = p[..high].iter().map(|x| F::ONE - x).product();
    Ok(zero_high * EqPolynomial::new(r.to_vec()).evaluate(&p[high..])?)
}

/// The multilinear extension of `i ↦ i` at `p` (variable 0 is the top bit).
fn identity_at<F: PrimeField>(p: &[F]) -> F {
    p.iter().fold(F::ZERO, |acc, x| acc.double() + x)
}

/// `1 / (β + addr + γ·value)` for every entry; an error if one is not invertible (probability
/// about `N / |F|` over the challenges).
fn inverses<F: PrimeField>(
    addr: impl IndexedParallelIterator<Item = F>,
    values: &[F],
    beta: F,
    gamma: F,
) -> Result<Vec<F>, SpartanError> {
    let mut out: Vec<F> = addr
        .zip(values.par_iter())
        .map(|(a, v)| beta + a + gamma * v)
        .collect();
    if out.par_iter().any(|x| x.is_zero_vartime()) {
        return Err(SpartanError::DegenerateChallenge);
    }
    out.par_chunks_mut(1 << 12).for_each(|chunk| {
        chunk.iter_mut().batch_invert();
    });
    Ok(out)
}

fn as_field<F: PrimeField>(v: &[u32]) -> Vec<F> {
    v.par_iter().map(|&x| F::from(u64::from(x))).collect()
}

/// Squeezes `β, γ` after the lookup reads are committed.
fn absorb_reads<C: CycleCurve>(
    transcript: &mut Transcript,
    comms: &[Commitment<C>],
) -> (ScalarOf<C>, ScalarOf<C>) {
    for c in comms {
        transcript.absorb_point(b"lookup commitment", &c.to_affine());
    }
    (
        transcript.squeeze_challenge(b"beta"),
        transcript.squeeze_challenge(b"gamma"),
    )
}

impl<C: CycleCurve> PreprocessedProof<C> {
    /// Proves that `witness` satisfies `instance` for the key's shape.
    pub fn prove(
        ck: &CommitmentKey<C>,
        pk: &PreprocessedProverKey<C>,
        instance: &RelaxedR1csInstance<C>,
        witness: &RelaxedR1csWitness<ScalarOf<C>>,
    ) -> Result<Self, SpartanError> {
        let witness = witness.pad(&pk.shape);
        let mut transcript = pk.vk.transcript(instance);
        let (reduction, reduced) = prove_reduction(&pk.shape, instance, &witness, &mut transcript)?;
        let (a, b, c) = pk.shape.matrices();
        let eq_x = EqPolynomial::new(reduced.r_x.clone()).evals();
        let eq_y = EqPolynomial::new(reduced.r_y.clone()).evals();
        let matrix_evals = [a, b, c].map(|m| evaluate_matrix(m, &eq_x, &eq_y)).to_vec();
        transcript.absorb_scalars(b"matrix evals", &matrix_evals);
        let matrix_proof =
            MatrixEvalProof::prove(ck, pk, &reduced, &matrix_evals, &mut transcript)?;
        let openings = WitnessOpenings::prove(
            ck,
            instance,
            &witness,
            &reduction.eval_w,
            &reduced,
            &mut transcript,
        )?;
        Ok(Self {
            reduction,
            matrix_evals,
            matrix_proof,
            openings,
        })
    }

    /// Verifies the proof for `instance`.
    pub fn verify(
        &self,
        gens: &dyn GeneratorSource<C>,
        vk: &PreprocessedVerifierKey<C>,
        instance: &RelaxedR1csInstance<C>,
    ) -> Result<(), SpartanError> {
        vk.check()?;
        let mut transcript = vk.transcript(instance);
        let reduced = verify_reduction(&self.reduction, &vk.dims, instance, &mut transcript)?;
        let [v_a, v_b, v_c] = self.matrix_evals[..] else {
            return Err(SpartanError::Length {
                what: "matrix evaluations",
                expected: 3,
                got: self.matrix_evals.len(),
            });
        };
        let rho = reduced.rho;
        if reduced.inner_final != (v_a + rho * v_b + rho * rho * v_c) * reduced.eval_z {
            return Err(SpartanError::SumcheckFinal("inner"));
        }
        transcript.absorb_scalars(b"matrix evals", &self.matrix_evals);
        let blinding = gens.blinding_generator();
        let matrix = self.matrix_proof.reduce(
            &blinding,
            vk,
            &reduced,
            &self.matrix_evals,
            &mut transcript,
        )?;
        let [w, e] = self.openings.reduce(
            &blinding,
            instance,
            &self.reduction.eval_w,
            &reduced,
            &mut transcript,
        )?;
        ipa::check_claims(gens, &[matrix, w, e], &mut transcript)
    }
}

impl<C: CycleCurve> MatrixEvalProof<C> {
    fn prove(
        ck: &CommitmentKey<C>,
        pk: &PreprocessedProverKey<C>,
        reduced: &Reduced<ScalarOf<C>>,
        matrix_evals: &[ScalarOf<C>],
        transcript: &mut Transcript,
    ) -> Result<Self, SpartanError> {
        let form = &pk.form;
        let n = pk.vk.num_entries;
        let ell = log2(n);
        let t_row = table_evals(&reduced.r_x, ell);
        let t_col = table_evals(&reduced.r_y, ell);
        let e_row: Vec<_> = form.row.par_iter().map(|&i| t_row[i as usize]).collect();
        let e_col: Vec<_> = form.col.par_iter().map(|&j| t_col[j as usize]).collect();
        let (comm_e_row, comm_e_col) = rayon::join(|| ck.commit(&e_row), || ck.commit(&e_col));
        let mut comms = vec![comm_e_row?, comm_e_col?];
        let (beta, gamma) = absorb_reads(transcript, &comms);

        let row = as_field::<ScalarOf<C>>(&form.row);
        let col = as_field::<ScalarOf<C>>(&form.col);
        let id: Vec<ScalarOf<C>> = (0..n as u64)
            .into_par_iter()
            .map(ScalarOf::<C>::from)
            .collect();
        let inv_read_row = inverses(row.par_iter().copied(), &e_row, beta, gamma)?;
        let inv_read_col = inverses(col.par_iter().copied(), &e_col, beta, gamma)?;
        let inv_table_row = inverses(id.par_iter().copied(), &t_row, beta, gamma)?;
        let inv_table_col = inverses(id.par_iter().copied(), &t_col, beta, gamma)?;
        for v in [&inv_read_row, &inv_read_col, &inv_table_row, &inv_table_col] {
            comms.push(ck.commit(v)?);
        }
        for c in &comms[2..] {
            transcript.absorb_point(b"inverse commitment", &c.to_affine());
        }
        let tau = challenges(transcript, b"spark tau", ell);
        let rho: ScalarOf<C> = transcript.squeeze_challenge(b"spark rho");
        let mix: ScalarOf<C> = transcript.squeeze_challenge(b"spark matrix mix");
        let ch = Challenges { beta, gamma, rho };

        let val: Vec<_> = (
            form.val_a.par_iter(),
            form.val_b.par_iter(),
            form.val_c.par_iter(),
        )
            .into_par_iter()
            .map(|(a, b, c)| *a + mix * (*b + mix * c))
            .collect();
        let m_row = as_field::<ScalarOf<C>>(&form.m_row);
        let m_col = as_field::<ScalarOf<C>>(&form.m_col);
        let eq_tau = EqPolynomial::new(tau).evals();
        let mut tables = Vec::with_capacity(t::COUNT);
        for v in [
            val,
            e_row.clone(),
            e_col.clone(),
            row,
            col,
            inv_read_row.clone(),
            inv_read_col.clone(),
            inv_table_row.clone(),
            inv_table_col.clone(),
            m_row,
            m_col,
            eq_tau,
            t_row,
            t_col,
            id,
        ] {
            tables.push(MultilinearPolynomial::new(v)?);
        }
        let claim = matrix_claim(matrix_evals, mix);
        let (sumcheck, point) =
            SumcheckProof::prove(&claim, &mut tables, 3, |v| summand(v, &ch), transcript)?;
        let at = |k: usize| tables[k].evals()[0];
        let eq_point = EqPolynomial::new(point.clone()).evals();
        let at_point = |v: &[ScalarOf<C>]| origami_arith::multilinear::inner_product(&eq_point, v);
        let (va, vb, vc) = (
            at_point(&form.val_a),
            at_point(&form.val_b),
            at_point(&form.val_c),
        );
        drop(eq_point);
        let evals = vec![
            at(t::ROW),
            at(t::COL),
            va,
            vb,
            vc,
            at(t::M_ROW),
            at(t::M_COL),
            at(t::E_ROW),
            at(t::E_COL),
            at(t::INV_READ_ROW),
            at(t::INV_READ_COL),
            at(t::INV_TABLE_ROW),
            at(t::INV_TABLE_COL),
        ];
        drop(tables);
        transcript.absorb_scalars(b"spark evals", &evals);
        let eta: ScalarOf<C> = transcript.squeeze_challenge(b"spark eta");

        // The combined vector Σ η^k·p_k, in the order of `evals`.
        let polys: [&(dyn Fn(usize) -> ScalarOf<C> + Sync); SETUP_POLYS + PROOF_POLYS] = [
            &|i| ScalarOf::<C>::from(u64::from(form.row[i])),
            &|i| ScalarOf::<C>::from(u64::from(form.col[i])),
            &|i| form.val_a[i],
            &|i| form.val_b[i],
            &|i| form.val_c[i],
            &|i| ScalarOf::<C>::from(u64::from(form.m_row[i])),
            &|i| ScalarOf::<C>::from(u64::from(form.m_col[i])),
            &|i| e_row[i],
            &|i| e_col[i],
            &|i| inv_read_row[i],
            &|i| inv_read_col[i],
            &|i| inv_table_row[i],
            &|i| inv_table_col[i],
        ];
        let powers = powers(eta, polys.len());
        let combined: Vec<ScalarOf<C>> = (0..n)
            .into_par_iter()
            .map(|i| polys.iter().zip(&powers).map(|(p, w)| p(i) * w).sum())
            .collect();
        let all_comms: Vec<Commitment<C>> = pk.vk.comms.iter().chain(&comms).copied().collect();
        let comm = combine_commitments(&all_comms, &powers);
        let eval = origami_arith::multilinear::inner_product(&evals, &powers);
        let opening = ipa::prove(
            ck,
            Opening {
                commitment: &comm,
                point: &point,
                eval: &eval,
            },
            &combined,
            transcript,
        )?;
        Ok(Self {
            comms,
            sumcheck,
            evals,
            opening,
        })
    }

    /// Replays the sum-check and returns the combined opening's claim on the generators.
    fn reduce(
        &self,
        blinding: &AffineOf<C>,
        vk: &PreprocessedVerifierKey<C>,
        reduced: &Reduced<ScalarOf<C>>,
        matrix_evals: &[ScalarOf<C>],
        transcript: &mut Transcript,
    ) -> Result<IpaClaim<C>, SpartanError> {
        if self.comms.len() != PROOF_POLYS {
            return Err(SpartanError::Length {
                what: "lookup commitments",
                expected: PROOF_POLYS,
                got: self.comms.len(),
            });
        }
        if self.evals.len() != SETUP_POLYS + PROOF_POLYS {
            return Err(SpartanError::Length {
                what: "sparse-form evaluations",
                expected: SETUP_POLYS + PROOF_POLYS,
                got: self.evals.len(),
            });
        }
        let ell = log2(vk.num_entries);
        let (beta, gamma) = absorb_reads(transcript, &self.comms[..2]);
        for c in &self.comms[2..] {
            transcript.absorb_point(b"inverse commitment", &c.to_affine());
        }
        let tau = challenges(transcript, b"spark tau", ell);
        let rho: ScalarOf<C> = transcript.squeeze_challenge(b"spark rho");
        let mix: ScalarOf<C> = transcript.squeeze_challenge(b"spark matrix mix");
        let ch = Challenges { beta, gamma, rho };
        let claim = matrix_claim(matrix_evals, mix);
        let (final_claim, point) = self.sumcheck.verify(&claim, ell, 3, transcript)?;

        let e = &self.evals;
        let mut v = [ScalarOf::<C>::ZERO; t::COUNT];
        v[t::ROW] = e[0];
        v[t::COL] = e[1];
        v[t::VAL] = e[2] + mix * (e[3] + mix * e[4]);
        v[t::M_ROW] = e[5];
        v[t::M_COL] = e[6];
        v[t::E_ROW] = e[7];
        v[t::E_COL] = e[8];
        v[t::INV_READ_ROW] = e[9];
        v[t::INV_READ_COL] = e[10];
        v[t::INV_TABLE_ROW] = e[11];
        v[t::INV_TABLE_COL] = e[12];
        v[t::EQ_TAU] = EqPolynomial::new(tau).evaluate(&point)?;
        v[t::T_ROW] = table_at(&reduced.r_x, &point)?;
        v[t::T_COL] = table_at(&reduced.r_y, &point)?;
        v[t::ID] = identity_at(&point);
        if final_claim != summand(&v, &ch) {
            return Err(SpartanError::SumcheckFinal("matrix evaluation"));
        }
        transcript.absorb_scalars(b"spark evals", &self.evals);
        let eta: ScalarOf<C> = transcript.squeeze_challenge(b"spark eta");
        let powers = powers(eta, SETUP_POLYS + PROOF_POLYS);
        let all_comms: Vec<Commitment<C>> = vk.comms.iter().chain(&self.comms).copied().collect();
        let comm = combine_commitments(&all_comms, &powers);
        let eval = origami_arith::multilinear::inner_product(&self.evals, &powers);
        ipa::reduce(
            blinding,
            Opening {
                commitment: &comm,
                point: &point,
                eval: &eval,
            },
            &self.opening,
            transcript,
        )
    }
}

/// `v_A + μ·v_B + μ²·v_C`, the matrix sum's claim.
fn matrix_claim<F: Field>(matrix_evals: &[F], mix: F) -> F {
    matrix_evals
        .iter()
        .rev()
        .fold(F::ZERO, |acc, v| acc * mix + v)
}

fn powers<F: Field>(x: F, n: usize) -> Vec<F> {
    core::iter::successors(Some(F::ONE), |p| Some(*p * x))
        .take(n)
        .collect()
}

fn combine_commitments<C: CycleCurve>(
    comms: &[Commitment<C>],
    weights: &[ScalarOf<C>],
) -> Commitment<C> {
    comms
        .iter()
        .zip(weights)
        .fold(Commitment::identity(), |acc, (c, w)| acc + c.scale(w))
}

#[cfg(test)]
mod tests {
    use super::*;
    use origami_arith::Pallas;

    type F = ScalarOf<Pallas>;

    #[test]
    fn the_table_and_identity_extensions_match_their_tables() {
        let r: Vec<F> = (0..3).map(|k| F::from(k * 7 + 2)).collect();
        let p: Vec<F> = (0..5).map(|k| F::from(k * 13 + 5)).collect();
        let table = MultilinearPolynomial::new(table_evals(&r, 5)).unwrap();
        assert_eq!(table.evaluate(&p).unwrap(), table_at(&r, &p).unwrap());
        let id = MultilinearPolynomial::new((0..32u64).map(F::from).collect()).unwrap();
        assert_eq!(id.evaluate(&p).unwrap(), identity_at(&p));
    }
}

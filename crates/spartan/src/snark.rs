//! Spartan for relaxed R1CS, direct variant: the verifier evaluates the constraint matrices
//! itself, so its key holds the (padded) shape.
//!
//! For a relaxed instance `(W̄, Ē, u, X)` of a padded shape with `m` constraints and `n` witness
//! variables, and `z = (W, u, X)` zero-padded to `2n`:
//!
//! 1. outer sum-check: `0 = Σ_x eq(τ, x)·(Az(x)·Bz(x) − u·Cz(x) − E(x))` for a random `τ`, ending at
//!    `r_x` with the claimed `Az(r_x), Bz(r_x), Cz(r_x), E(r_x)`;
//! 2. inner sum-check: `Az(r_x) + ρ·Bz(r_x) + ρ²·Cz(r_x) = Σ_y M_ρ(r_x, y)·Z(y)` with
//!    `M_ρ = A + ρB + ρ²C`, ending at `r_y`, where `Z(r_y) = (1 − r_y[0])·W(r_y[1..]) +
//!    r_y[0]·(u, X)(r_y[1..])` and the verifier evaluates `M_ρ(r_x, r_y)` from the matrices;
//! 3. two IPA openings: `W̄` at `r_y[1..]` and `Ē` at `r_x`.

use ff::Field;
use origami_arith::{
    AffineOf, CommitmentKey, CycleCurve, EqPolynomial, GeneratorSource, MultilinearPolynomial,
    ScalarOf, Transcript,
};
use origami_r1cs::{R1csShape, RelaxedR1csInstance, RelaxedR1csWitness, SparseMatrix};
use serde::{Deserialize, Serialize};

use crate::error::SpartanError;
use crate::ipa::{self, IpaClaim, IpaProof, Opening};
use crate::sumcheck::SumcheckProof;

/// What both sides of the direct variant need: the padded shape and its digest.
///
/// Only the shape is stored: decoding a key recomputes the digest and refuses a shape that is not
/// padded, so a key file cannot declare a digest its shape does not have.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound = "", try_from = "DirectKeyRepr<C>", into = "DirectKeyRepr<C>")]
pub struct DirectKey<C: CycleCurve> {
    shape: R1csShape<ScalarOf<C>>,
    digest: [u8; 32],
}

/// A [`DirectKey`] as stored: the padded shape alone.
#[derive(Serialize, Deserialize)]
#[serde(bound = "")]
struct DirectKeyRepr<C: CycleCurve> {
    shape: R1csShape<ScalarOf<C>>,
}

impl<C: CycleCurve> From<DirectKey<C>> for DirectKeyRepr<C> {
    fn from(key: DirectKey<C>) -> Self {
        Self { shape: key.shape }
    }
}

impl<C: CycleCurve> TryFrom<DirectKeyRepr<C>> for DirectKey<C> {
    type Error = SpartanError;

    fn try_from(repr: DirectKeyRepr<C>) -> Result<Self, SpartanError> {
        Dimensions::of(&repr.shape).check()?;
        let digest = repr.shape.digest();
        Ok(Self {
            shape: repr.shape,
            digest,
        })
    }
}

impl<C: CycleCurve> DirectKey<C> {
    /// The key for `shape` (padded here to powers of two).
    pub fn new(shape: &R1csShape<ScalarOf<C>>) -> Self {
        let shape = shape.pad();
        let digest = shape.digest();
        Self { shape, digest }
    }

    /// The padded shape.
    pub fn shape(&self) -> &R1csShape<ScalarOf<C>> {
        &self.shape
    }

    /// The padded shape's digest (bound into every proof's transcript).
    pub fn digest(&self) -> [u8; 32] {
        self.digest
    }
}

/// The sum-check reduction both variants share: a relaxed R1CS instance to the evaluation of the
/// matrices at `(r_x, r_y)`, of `W` at `r_y[1..]` and of `E` at `r_x`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct Reduction<C: CycleCurve> {
    /// The outer sum-check.
    pub outer: SumcheckProof<ScalarOf<C>>,
    /// `Az(r_x), Bz(r_x), Cz(r_x), E(r_x)`.
    #[serde(with = "origami_arith::encoding::field_vec")]
    pub outer_claims: Vec<ScalarOf<C>>,
    /// The inner sum-check.
    pub inner: SumcheckProof<ScalarOf<C>>,
    /// `W(r_y[1..])`.
    #[serde(with = "origami_arith::encoding::field")]
    pub eval_w: ScalarOf<C>,
}

/// The IPA openings that end both variants: `W̄` at `r_y[1..]` and `Ē` at `r_x`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct WitnessOpenings<C: CycleCurve> {
    /// Opening of `W̄` at `r_y[1..]`.
    pub open_w: IpaProof<C>,
    /// Opening of `Ē` at `r_x`.
    pub open_e: IpaProof<C>,
}

/// A proof that a relaxed R1CS instance is satisfiable, direct variant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct SpartanProof<C: CycleCurve> {
    /// The sum-check reduction.
    pub reduction: Reduction<C>,
    /// The openings of `W̄` and `Ē`.
    pub openings: WitnessOpenings<C>,
}

/// Where the reduction leaves both sides: the points, the combination challenge `ρ`, and (for the
/// verifier) the inner sum-check's final claim and `Z(r_y)`.
pub(crate) struct Reduced<F> {
    pub r_x: Vec<F>,
    pub r_y: Vec<F>,
    pub rho: F,
    pub eval_e: F,
    pub inner_final: F,
    pub eval_z: F,
}

/// The shape's dimensions as the verifier knows them (no matrices).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dimensions {
    /// Padded number of constraints.
    pub num_cons: usize,
    /// Padded number of witness variables.
    pub num_vars: usize,
    /// Number of public inputs.
    pub num_io: usize,
}

impl Dimensions {
    /// The dimensions of a padded shape.
    pub fn of<F: ff::PrimeField>(shape: &R1csShape<F>) -> Self {
        Self {
            num_cons: shape.num_cons(),
            num_vars: shape.num_vars(),
            num_io: shape.num_io(),
        }
    }

    pub(crate) fn check(&self) -> Result<(), SpartanError> {
        if !self.num_cons.is_power_of_two()
            || !self.num_vars.is_power_of_two()
            || self.num_vars < self.num_io + 1
        {
            return Err(SpartanError::NotPadded);
        }
        Ok(())
    }
}

fn absorb_instance<C: CycleCurve>(
    transcript: &mut Transcript,
    digest: &[u8; 32],
    instance: &RelaxedR1csInstance<C>,
) {
    transcript.absorb_bytes(b"key digest", digest);
    transcript.absorb_point(b"comm W", &instance.comm_w.to_affine());
    transcript.absorb_point(b"comm E", &instance.comm_e.to_affine());
    transcript.absorb_scalar(b"u", &instance.u);
    transcript.absorb_scalars(b"X", &instance.x);
}

pub(crate) fn challenges<F: Field + ff::FromUniformBytes<64>>(
    transcript: &mut Transcript,
    label: &[u8],
    n: usize,
) -> Vec<F> {
    (0..n)
        .map(|_| transcript.squeeze_challenge(label))
        .collect()
}

pub(crate) fn log2(n: usize) -> usize {
    n.trailing_zeros() as usize
}

/// `Σ_{(i, j, v) ∈ M} eq_x[i]·v` into `out[j]`, scaled by `scale`.
fn add_row_combination<F: ff::PrimeField>(
    m: &SparseMatrix<F>,
    eq_x: &[F],
    scale: F,
    out: &mut [F],
) {
    for (i, j, v) in m.iter() {
        out[j] += eq_x[i] * v * scale;
    }
}

/// `Σ_{(i, j, v) ∈ M} eq_x[i]·eq_y[j]·v`.
pub(crate) fn evaluate_matrix<F: ff::PrimeField>(m: &SparseMatrix<F>, eq_x: &[F], eq_y: &[F]) -> F {
    m.iter().map(|(i, j, v)| eq_x[i] * eq_y[j] * v).sum()
}

/// The multilinear extension of `values` (placed at indices `0, 1, …`, zero elsewhere) over
/// `point.len()` variables, at `point`, in `O(values.len() · point.len())`.
fn sparse_evaluate<F: Field>(values: &[F], point: &[F]) -> F {
    let m = point.len();
    values
        .iter()
        .enumerate()
        .map(|(k, v)| {
            let weight: F = (0..m)
                .map(|j| {
                    if (k >> (m - 1 - j)) & 1 == 1 {
                        point[j]
                    } else {
                        F::ONE - point[j]
                    }
                })
                .product();
            *v * weight
        })
        .sum()
}

/// Runs the outer and inner sum-checks for a padded `shape` and a padded `witness`.
pub(crate) fn prove_reduction<C: CycleCurve>(
    shape: &R1csShape<ScalarOf<C>>,
    instance: &RelaxedR1csInstance<C>,
    witness: &RelaxedR1csWitness<ScalarOf<C>>,
    transcript: &mut Transcript,
) -> Result<(Reduction<C>, Reduced<ScalarOf<C>>), SpartanError> {
    let m = shape.num_cons();
    let z = shape.assemble_z(&witness.w, instance.u, &instance.x)?;
    let (az, bz, cz) = shape.multiply(&z)?;
    let tau = challenges(transcript, b"tau", log2(m));
    let u = instance.u;
    let uc_e: Vec<_> = cz.iter().zip(&witness.e).map(|(c, e)| u * c + e).collect();
    let mut tables = [
        MultilinearPolynomial::new(EqPolynomial::new(tau).evals())?,
        MultilinearPolynomial::new(az)?,
        MultilinearPolynomial::new(bz)?,
        MultilinearPolynomial::new(uc_e)?,
    ];
    let zero = ScalarOf::<C>::ZERO;
    let (outer, r_x) = SumcheckProof::prove(
        &zero,
        &mut tables,
        3,
        |v| v[0] * (v[1] * v[2] - v[3]),
        transcript,
    )?;
    let eq_x = EqPolynomial::new(r_x.clone()).evals();
    let inner_product = |v: &[ScalarOf<C>]| origami_arith::multilinear::inner_product(&eq_x, v);
    let (claim_az, claim_bz) = (tables[1].evals()[0], tables[2].evals()[0]);
    let claim_cz = inner_product(&cz);
    let eval_e = inner_product(&witness.e);
    let outer_claims = vec![claim_az, claim_bz, claim_cz, eval_e];
    transcript.absorb_scalars(b"outer claims", &outer_claims);

    let (inner_proof, inner) = prove_inner(
        shape,
        z,
        &witness.w,
        &eq_x,
        [claim_az, claim_bz, claim_cz],
        transcript,
    )?;
    let reduced = Reduced {
        r_x,
        r_y: inner.r_y,
        rho: inner.rho,
        eval_e,
        inner_final: inner.inner_final,
        eval_z: inner.eval_z,
    };
    let reduction = Reduction {
        outer,
        outer_claims,
        inner: inner_proof,
        eval_w: inner.eval_w,
    };
    Ok((reduction, reduced))
}

/// Checks the two sum-checks of `reduction` for an instance of a shape with dimensions `dims`.
/// The caller checks `inner_final = M_ρ(r_x, r_y)·eval_z`, its way.
pub(crate) fn verify_reduction<C: CycleCurve>(
    reduction: &Reduction<C>,
    dims: &Dimensions,
    instance: &RelaxedR1csInstance<C>,
    transcript: &mut Transcript,
) -> Result<Reduced<ScalarOf<C>>, SpartanError> {
    dims.check()?;
    let m = dims.num_cons;
    if instance.x.len() != dims.num_io {
        return Err(SpartanError::Length {
            what: "public input X",
            expected: dims.num_io,
            got: instance.x.len(),
        });
    }
    let [claim_az, claim_bz, claim_cz, eval_e] = reduction.outer_claims[..] else {
        return Err(SpartanError::Length {
            what: "outer claims",
            expected: 4,
            got: reduction.outer_claims.len(),
        });
    };
    let tau = challenges(transcript, b"tau", log2(m));
    let zero = ScalarOf::<C>::ZERO;
    let (outer_final, r_x) = reduction.outer.verify(&zero, log2(m), 3, transcript)?;
    let eq_tau = EqPolynomial::new(tau).evaluate(&r_x)?;
    if outer_final != eq_tau * (claim_az * claim_bz - instance.u * claim_cz - eval_e) {
        return Err(SpartanError::SumcheckFinal("outer"));
    }
    transcript.absorb_scalars(b"outer claims", &reduction.outer_claims);

    let inner = verify_inner(
        &reduction.inner,
        &reduction.eval_w,
        dims,
        (&instance.u, &instance.x),
        [claim_az, claim_bz, claim_cz],
        transcript,
    )?;
    Ok(Reduced {
        r_x,
        r_y: inner.r_y,
        rho: inner.rho,
        eval_e,
        inner_final: inner.inner_final,
        eval_z: inner.eval_z,
    })
}

/// The direct variant's last check: `inner_final = M_ρ(r_x, r_y)·Z(r_y)`, with `M_ρ` evaluated
/// from the shape's matrices.
pub(crate) fn check_inner_final<F: ff::PrimeField>(
    shape: &R1csShape<F>,
    r_x: &[F],
    r_y: &[F],
    rho: &F,
    (inner_final, eval_z): (&F, &F),
) -> Result<(), SpartanError> {
    let eq_x = EqPolynomial::new(r_x.to_vec()).evals();
    let eq_y = EqPolynomial::new(r_y.to_vec()).evals();
    let (a, b, c) = shape.matrices();
    let m_rho = evaluate_matrix(a, &eq_x, &eq_y)
        + *rho * evaluate_matrix(b, &eq_x, &eq_y)
        + *rho * rho * evaluate_matrix(c, &eq_x, &eq_y);
    if *inner_final != m_rho * eval_z {
        return Err(SpartanError::SumcheckFinal("inner"));
    }
    Ok(())
}

/// Where the inner sum-check leaves both sides.
pub(crate) struct Inner<F> {
    pub r_y: Vec<F>,
    pub rho: F,
    pub eval_w: F,
    pub inner_final: F,
    pub eval_z: F,
}

/// The inner sum-check's prover, after the outer claims `Az, Bz, Cz` at `r_x` are absorbed:
/// `ρ`, then `Az + ρ·Bz + ρ²·Cz = Σ_y M_ρ(r_x, y)·Z(y)`, then `W(r_y[1..])` absorbed.
pub(crate) fn prove_inner<F: ff::PrimeField + ff::FromUniformBytes<64>>(
    shape: &R1csShape<F>,
    mut z: Vec<F>,
    w: &[F],
    eq_x: &[F],
    [claim_az, claim_bz, claim_cz]: [F; 3],
    transcript: &mut Transcript,
) -> Result<(SumcheckProof<F>, Inner<F>), SpartanError> {
    let n = shape.num_vars();
    let rho: F = transcript.squeeze_challenge(b"rho");
    let claim = claim_az + rho * claim_bz + rho * rho * claim_cz;
    let (a, b, c) = shape.matrices();
    let mut m_rho = vec![F::ZERO; 2 * n];
    add_row_combination(a, eq_x, F::ONE, &mut m_rho);
    add_row_combination(b, eq_x, rho, &mut m_rho);
    add_row_combination(c, eq_x, rho * rho, &mut m_rho);
    z.resize(2 * n, F::ZERO);
    let mut tables = [
        MultilinearPolynomial::new(m_rho)?,
        MultilinearPolynomial::new(z)?,
    ];
    let (proof, r_y) = SumcheckProof::prove(&claim, &mut tables, 2, |v| v[0] * v[1], transcript)?;
    let eval_w = MultilinearPolynomial::new(w.to_vec())?.evaluate(&r_y[1..])?;
    transcript.absorb_scalar(b"eval W", &eval_w);
    let inner = Inner {
        r_y,
        rho,
        eval_w,
        inner_final: tables[0].evals()[0] * tables[1].evals()[0],
        eval_z: tables[1].evals()[0],
    };
    Ok((proof, inner))
}

/// The inner sum-check's verifier; the caller checks `inner_final = M_ρ(r_x, r_y)·eval_z`.
pub(crate) fn verify_inner<F: ff::PrimeField + ff::FromUniformBytes<64>>(
    proof: &SumcheckProof<F>,
    eval_w: &F,
    dims: &Dimensions,
    (u, x): (&F, &[F]),
    [claim_az, claim_bz, claim_cz]: [F; 3],
    transcript: &mut Transcript,
) -> Result<Inner<F>, SpartanError> {
    let rho: F = transcript.squeeze_challenge(b"rho");
    let claim = claim_az + rho * claim_bz + rho * rho * claim_cz;
    let (inner_final, r_y) = proof.verify(&claim, log2(2 * dims.num_vars), 2, transcript)?;
    let mut io = Vec::with_capacity(1 + x.len());
    io.push(*u);
    io.extend_from_slice(x);
    let eval_z = (F::ONE - r_y[0]) * eval_w + r_y[0] * sparse_evaluate(&io, &r_y[1..]);
    transcript.absorb_scalar(b"eval W", eval_w);
    Ok(Inner {
        r_y,
        rho,
        eval_w: *eval_w,
        inner_final,
        eval_z,
    })
}

impl<C: CycleCurve> WitnessOpenings<C> {
    /// Opens `W̄` and `Ē` at the reduction's points.
    pub(crate) fn prove(
        ck: &CommitmentKey<C>,
        instance: &RelaxedR1csInstance<C>,
        witness: &RelaxedR1csWitness<ScalarOf<C>>,
        eval_w: &ScalarOf<C>,
        reduced: &Reduced<ScalarOf<C>>,
        transcript: &mut Transcript,
    ) -> Result<Self, SpartanError> {
        let open_w = ipa::prove(
            ck,
            Opening {
                commitment: &instance.comm_w,
                point: &reduced.r_y[1..],
                eval: eval_w,
            },
            &witness.w,
            transcript,
        )?;
        let open_e = ipa::prove(
            ck,
            Opening {
                commitment: &instance.comm_e,
                point: &reduced.r_x,
                eval: &reduced.eval_e,
            },
            &witness.e,
            transcript,
        )?;
        Ok(Self { open_w, open_e })
    }

    /// Replays both openings and returns their claims on the generators.
    pub(crate) fn reduce(
        &self,
        blinding: &AffineOf<C>,
        instance: &RelaxedR1csInstance<C>,
        eval_w: &ScalarOf<C>,
        reduced: &Reduced<ScalarOf<C>>,
        transcript: &mut Transcript,
    ) -> Result<[IpaClaim<C>; 2], SpartanError> {
        let w = ipa::reduce(
            blinding,
            Opening {
                commitment: &instance.comm_w,
                point: &reduced.r_y[1..],
                eval: eval_w,
            },
            &self.open_w,
            transcript,
        )?;
        let e = ipa::reduce(
            blinding,
            Opening {
                commitment: &instance.comm_e,
                point: &reduced.r_x,
                eval: &reduced.eval_e,
            },
            &self.open_e,
            transcript,
        )?;
        Ok([w, e])
    }
}

/// A transcript bound to a key digest (the padded shape's, or a preprocessed key's) and an instance.
pub(crate) fn transcript_for<C: CycleCurve>(
    digest: &[u8; 32],
    instance: &RelaxedR1csInstance<C>,
) -> Transcript {
    let mut transcript = Transcript::new(b"origami/spartan");
    absorb_instance(&mut transcript, digest, instance);
    transcript
}

impl<C: CycleCurve> SpartanProof<C> {
    /// Proves that `witness` satisfies `instance` for the key's shape (the witness may be for the
    /// unpadded shape; it is padded here).
    pub fn prove(
        ck: &CommitmentKey<C>,
        key: &DirectKey<C>,
        instance: &RelaxedR1csInstance<C>,
        witness: &RelaxedR1csWitness<ScalarOf<C>>,
    ) -> Result<Self, SpartanError> {
        let witness = witness.pad(&key.shape);
        let mut transcript = transcript_for(&key.digest, instance);
        let (reduction, reduced) =
            prove_reduction(&key.shape, instance, &witness, &mut transcript)?;
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
            openings,
        })
    }

    /// Verifies the proof for `instance`.
    pub fn verify(
        &self,
        gens: &dyn GeneratorSource<C>,
        key: &DirectKey<C>,
        instance: &RelaxedR1csInstance<C>,
    ) -> Result<(), SpartanError> {
        let shape = &key.shape;
        let mut transcript = transcript_for(&key.digest, instance);
        let reduced = verify_reduction(
            &self.reduction,
            &Dimensions::of(shape),
            instance,
            &mut transcript,
        )?;
        check_inner_final(
            shape,
            &reduced.r_x,
            &reduced.r_y,
            &reduced.rho,
            (&reduced.inner_final, &reduced.eval_z),
        )?;
        let claims = self.openings.reduce(
            &gens.blinding_generator(),
            instance,
            &self.reduction.eval_w,
            &reduced,
            &mut transcript,
        )?;
        ipa::check_claims(gens, &claims, &mut transcript)
    }
}

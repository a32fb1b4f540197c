//! Spartan for an evaluated instance (Mova's decider), direct variant: proves that a witness
//! opens `W̄` and that its error vector evaluates to the claimed value, with nothing to open for
//! `E`.
//!
//! For `(W̄, u, X, r, v)` of a padded shape with `m` constraints and `z = (W, u, X)`:
//!
//! 1. outer sum-check: `v = Σ_x eq(r, x)·(Az(x)·Bz(x) − u·Cz(x))`, which is `Ẽ(r) = v` for
//!    `E = Az∘Bz − u·Cz`: the same sum-check as for relaxed R1CS (`snark.rs`) with `eq` anchored
//!    at the instance's point instead of a random `τ`, the claimed sum `v` instead of `0`, and no
//!    `E` term; it ends at `r_x` with the claimed `Az(r_x), Bz(r_x), Cz(r_x)`;
//! 2. the inner sum-check of `snark.rs`, unchanged;
//! 3. one IPA opening: `W̄` at `r_y[1..]`.
//!
//! Why `r` needs no fresh randomness here: the claim is a statement about one point, fixed
//! before the proof; the sum-check proves `Σ_x eq(r, x)·g(x) = v` for any fixed `r` with error
//! `3·log m/|F|`, and the folding scheme that produced `(r, v)` already drew `r` at random.

use ff::Field;
use origami_arith::{
    CommitmentKey, CycleCurve, EqPolynomial, GeneratorSource, MultilinearPolynomial, ScalarOf,
    Transcript,
};
use origami_r1cs::EvaluatedInstance;
use serde::{Deserialize, Serialize};

use crate::error::SpartanError;
use crate::ipa::{self, IpaProof, Opening};
use crate::snark::{Dimensions, DirectKey, check_inner_final, log2, prove_inner, verify_inner};
use crate::sumcheck::SumcheckProof;

/// A proof that an evaluated instance is satisfiable, direct variant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct ClaimProof<C: CycleCurve> {
    /// The outer sum-check, from the claimed `v`.
    pub outer: SumcheckProof<ScalarOf<C>>,
    /// `Az(r_x), Bz(r_x), Cz(r_x)`.
    #[serde(with = "origami_arith::encoding::field_vec")]
    pub outer_claims: Vec<ScalarOf<C>>,
    /// The inner sum-check.
    pub inner: SumcheckProof<ScalarOf<C>>,
    /// `W(r_y[1..])`.
    #[serde(with = "origami_arith::encoding::field")]
    pub eval_w: ScalarOf<C>,
    /// Opening of `W̄` at `r_y[1..]`.
    pub open_w: IpaProof<C>,
}

/// The transcript, bound to the key and to every field of the instance.
fn transcript_for<C: CycleCurve>(digest: &[u8; 32], instance: &EvaluatedInstance<C>) -> Transcript {
    let mut t = Transcript::new(b"origami/spartan-claim");
    t.absorb_bytes(b"key digest", digest);
    instance.absorb_into(&mut t);
    t
}

/// Checks the instance's dimensions against the key's.
fn check_dimensions<C: CycleCurve>(
    dims: &Dimensions,
    instance: &EvaluatedInstance<C>,
) -> Result<(), SpartanError> {
    dims.check()?;
    for (what, expected, got) in [
        ("public input X", dims.num_io, instance.x.len()),
        ("claim point", log2(dims.num_cons), instance.point.len()),
    ] {
        if expected != got {
            return Err(SpartanError::Length {
                what,
                expected,
                got,
            });
        }
    }
    Ok(())
}

impl<C: CycleCurve> ClaimProof<C> {
    /// Proves that `w` satisfies `instance` for the key's shape (`w` may be for the unpadded
    /// shape; it is padded here).
    pub fn prove(
        ck: &CommitmentKey<C>,
        key: &DirectKey<C>,
        instance: &EvaluatedInstance<C>,
        w: &[ScalarOf<C>],
    ) -> Result<Self, SpartanError> {
        let shape = key.shape();
        check_dimensions(&Dimensions::of(shape), instance)?;
        let mut w = w.to_vec();
        w.resize(shape.num_vars().max(w.len()), ScalarOf::<C>::ZERO);
        let mut transcript = transcript_for(&key.digest(), instance);
        let z = shape.assemble_z(&w, instance.u, &instance.x)?;
        let (az, bz, cz) = shape.multiply(&z)?;
        let u = instance.u;
        let ucz: Vec<_> = cz.iter().map(|c| u * c).collect();
        let mut tables = [
            MultilinearPolynomial::new(EqPolynomial::new(instance.point.clone()).evals())?,
            MultilinearPolynomial::new(az)?,
            MultilinearPolynomial::new(bz)?,
            MultilinearPolynomial::new(ucz)?,
        ];
        let (outer, r_x) = SumcheckProof::prove(
            &instance.value,
            &mut tables,
            3,
            |v| v[0] * (v[1] * v[2] - v[3]),
            &mut transcript,
        )?;
        let eq_x = EqPolynomial::new(r_x).evals();
        let claims = [
            tables[1].evals()[0],
            tables[2].evals()[0],
            origami_arith::multilinear::inner_product(&eq_x, &cz),
        ];
        transcript.absorb_scalars(b"outer claims", &claims);
        let (inner, reduced) = prove_inner(shape, z, &w, &eq_x, claims, &mut transcript)?;
        let open_w = ipa::prove(
            ck,
            Opening {
                commitment: &instance.comm_w,
                point: &reduced.r_y[1..],
                eval: &reduced.eval_w,
            },
            &w,
            &mut transcript,
        )?;
        Ok(Self {
            outer,
            outer_claims: claims.to_vec(),
            inner,
            eval_w: reduced.eval_w,
            open_w,
        })
    }

    /// Verifies the proof for `instance`.
    pub fn verify(
        &self,
        gens: &dyn GeneratorSource<C>,
        key: &DirectKey<C>,
        instance: &EvaluatedInstance<C>,
    ) -> Result<(), SpartanError> {
        let shape = key.shape();
        let dims = Dimensions::of(shape);
        check_dimensions(&dims, instance)?;
        let [claim_az, claim_bz, claim_cz] = self.outer_claims[..] else {
            return Err(SpartanError::Length {
                what: "outer claims",
                expected: 3,
                got: self.outer_claims.len(),
            });
        };
        let mut transcript = transcript_for(&key.digest(), instance);
        let (outer_final, r_x) =
            self.outer
                .verify(&instance.value, log2(dims.num_cons), 3, &mut transcript)?;
        let eq_r = EqPolynomial::new(instance.point.clone()).evaluate(&r_x)?;
        if outer_final != eq_r * (claim_az * claim_bz - instance.u * claim_cz) {
            return Err(SpartanError::SumcheckFinal("outer"));
        }
        transcript.absorb_scalars(b"outer claims", &self.outer_claims);
        let reduced = verify_inner(
            &self.inner,
            &self.eval_w,
            &dims,
            (&instance.u, &instance.x),
            [claim_az, claim_bz, claim_cz],
            &mut transcript,
        )?;
        check_inner_final(
            shape,
            &r_x,
            &reduced.r_y,
            &reduced.rho,
            (&reduced.inner_final, &reduced.eval_z),
        )?;
        ipa::verify(
            gens,
            Opening {
                commitment: &instance.comm_w,
                point: &reduced.r_y[1..],
                eval: &self.eval_w,
            },
            &self.open_w,
            &mut transcript,
        )
    }
}

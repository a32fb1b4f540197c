//! Relaxed R1CS instances whose error vector is an evaluation claim (Mova, ePrint 2024/1220).
//!
//! An [`EvaluatedInstance`] `(W̄, u, X, r, v)` with witness `W` is satisfied when `W̄ = Com(W)` and
//! `Ẽ(r) = v`, where `E = AZ∘BZ − u·CZ` for `Z = (W, u, X)`, padded with zeros to `2^ν` entries
//! (`ν = ⌈log₂ m⌉`), and `Ẽ` is its multilinear extension. `E` is a function of `W`, so it has no
//! commitment of its own.

use ff::{Field, PrimeField};
use origami_arith::encoding::{field, field_vec};
use origami_arith::multilinear::evaluate_padded;
use origami_arith::{Commitment, CommitmentKey, CycleCurve, ScalarOf, Transcript};
use serde::{Deserialize, Serialize};

use crate::error::R1csError;
use crate::shape::R1csShape;

/// A relaxed R1CS instance with its error vector given by the claim `Ẽ(point) = value`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct EvaluatedInstance<C: CycleCurve> {
    /// `Com(W)`.
    pub comm_w: Commitment<C>,
    /// The scalar `u`.
    #[serde(with = "field")]
    pub u: ScalarOf<C>,
    /// The public inputs `X`.
    #[serde(with = "field_vec")]
    pub x: Vec<ScalarOf<C>>,
    /// The point `r ∈ F^ν` of the claim.
    #[serde(with = "field_vec")]
    pub point: Vec<ScalarOf<C>>,
    /// The claimed `Ẽ(r)`.
    #[serde(with = "field")]
    pub value: ScalarOf<C>,
}

impl<C: CycleCurve> EvaluatedInstance<C> {
    /// The trivially satisfied instance of `num_io` public inputs and `error_vars` variables:
    /// `W = 0`, `u = 0`, `X = 0`, so `E = 0`, and the claim `Ẽ(0) = 0`.
    pub fn zero(num_io: usize, error_vars: usize) -> Self {
        Self {
            comm_w: Commitment::identity(),
            u: ScalarOf::<C>::ZERO,
            x: vec![ScalarOf::<C>::ZERO; num_io],
            point: vec![ScalarOf::<C>::ZERO; error_vars],
            value: ScalarOf::<C>::ZERO,
        }
    }

    /// Absorbs every field into a Fiat–Shamir transcript: `comm W`, `u`, `X`, `point`, `value`.
    pub fn absorb_into(&self, transcript: &mut Transcript) {
        transcript.absorb_point(b"comm W", &self.comm_w.to_affine());
        transcript.absorb_scalar(b"u", &self.u);
        transcript.absorb_scalars(b"X", &self.x);
        transcript.absorb_scalars(b"point", &self.point);
        transcript.absorb_scalar(b"value", &self.value);
    }
}

impl<F: PrimeField> R1csShape<F> {
    /// `ν = ⌈log₂ m⌉`: the variables of the error vector padded to a power of two.
    pub fn error_vars(&self) -> usize {
        self.num_cons().next_power_of_two().trailing_zeros() as usize
    }

    /// `Ẽ(r)` for `E = AZ∘BZ − u·CZ`, `Z = (W, u, X)`, padded to `2^ν` entries.
    pub fn error_evaluation(&self, w: &[F], u: F, x: &[F], r: &[F]) -> Result<F, R1csError> {
        if r.len() != self.error_vars() {
            return Err(R1csError::PointLength {
                expected: self.error_vars(),
                got: r.len(),
            });
        }
        let (az, bz, cz) = self.multiply(&self.assemble_z(w, u, x)?)?;
        Ok(evaluate_padded(r, az.len(), |i| az[i] * bz[i] - u * cz[i]))
    }

    /// A uniformly random satisfied evaluated instance at `point`: random `W`, `u` and `X`, and
    /// `v = Ẽ(point)`. Returns the instance and `W`.
    pub fn random_evaluated<C: CycleCurve<Scalar = F>>(
        &self,
        ck: &CommitmentKey<C>,
        point: Vec<F>,
        mut rng: impl rand_core::RngCore,
    ) -> Result<(EvaluatedInstance<C>, Vec<F>), R1csError> {
        let w: Vec<F> = (0..self.num_vars()).map(|_| F::random(&mut rng)).collect();
        let u = F::random(&mut rng);
        let x: Vec<F> = (0..self.num_io()).map(|_| F::random(&mut rng)).collect();
        let value = self.error_evaluation(&w, u, &x, &point)?;
        let instance = EvaluatedInstance {
            comm_w: ck.commit(&w)?,
            u,
            x,
            point,
            value,
        };
        Ok((instance, w))
    }

    /// Checks an evaluated instance: lengths, `Ẽ(r) = v` and `comm_w = Com(W)`.
    pub fn is_sat_evaluated<C: CycleCurve<Scalar = F>>(
        &self,
        ck: &CommitmentKey<C>,
        instance: &EvaluatedInstance<C>,
        w: &[F],
    ) -> Result<(), R1csError> {
        let value = self.error_evaluation(w, instance.u, &instance.x, &instance.point)?;
        if value != instance.value {
            return Err(R1csError::ClaimMismatch);
        }
        if ck.commit(w)? != instance.comm_w {
            return Err(R1csError::CommitmentMismatch("W"));
        }
        Ok(())
    }
}

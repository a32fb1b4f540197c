//! R1CS and relaxed R1CS instances and witnesses (Nova, §4.1).
//!
//! A relaxed instance `(W̄, Ē, u, X)` satisfies `AZ ∘ BZ = u·CZ + E` with `Z = (W, u, X)`, where
//! `W̄ = Com(W)` and `Ē = Com(E)`. A plain instance is the case `u = 1`, `E = 0`.

use ff::{Field, PrimeField};
use origami_arith::encoding::{field, field_vec};
use origami_arith::{Commitment, CommitmentKey, CycleCurve, ScalarOf};
use serde::{Deserialize, Serialize};

use crate::error::R1csError;
use crate::shape::R1csShape;

/// A plain R1CS instance: the commitment to the witness and the public inputs.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct R1csInstance<C: CycleCurve> {
    /// `Com(W)`.
    pub comm_w: Commitment<C>,
    /// The public inputs `X`.
    #[serde(with = "field_vec")]
    pub x: Vec<ScalarOf<C>>,
}

/// A plain R1CS witness.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound = "F: PrimeField")]
pub struct R1csWitness<F> {
    /// The witness `W`.
    #[serde(with = "field_vec")]
    pub w: Vec<F>,
}

/// A relaxed R1CS instance.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct RelaxedR1csInstance<C: CycleCurve> {
    /// `Com(W)`.
    pub comm_w: Commitment<C>,
    /// `Com(E)`.
    pub comm_e: Commitment<C>,
    /// The scalar `u`.
    #[serde(with = "field")]
    pub u: ScalarOf<C>,
    /// The public inputs `X`.
    #[serde(with = "field_vec")]
    pub x: Vec<ScalarOf<C>>,
}

/// A relaxed R1CS witness.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound = "F: PrimeField")]
pub struct RelaxedR1csWitness<F> {
    /// The witness `W`.
    #[serde(with = "field_vec")]
    pub w: Vec<F>,
    /// The error vector `E`.
    #[serde(with = "field_vec")]
    pub e: Vec<F>,
}

impl<C: CycleCurve> PartialEq for R1csInstance<C> {
    fn eq(&self, other: &Self) -> bool {
        self.comm_w == other.comm_w && self.x == other.x
    }
}

impl<C: CycleCurve> PartialEq for RelaxedR1csInstance<C> {
    fn eq(&self, other: &Self) -> bool {
        self.comm_w == other.comm_w
            && self.comm_e == other.comm_e
            && self.u == other.u
            && self.x == other.x
    }
}

impl<C: CycleCurve> RelaxedR1csInstance<C> {
    /// The trivially satisfied instance: zero commitments, `u = 0`, `X = 0`. Folding starts here.
    pub fn zero(shape: &R1csShape<ScalarOf<C>>) -> Self {
        Self {
            comm_w: Commitment::identity(),
            comm_e: Commitment::identity(),
            u: ScalarOf::<C>::ZERO,
            x: vec![ScalarOf::<C>::ZERO; shape.num_io()],
        }
    }

    /// A plain instance seen as relaxed: `u = 1`, `Ē = Com(0)`.
    pub fn from_r1cs(instance: &R1csInstance<C>) -> Self {
        Self {
            comm_w: instance.comm_w,
            comm_e: Commitment::identity(),
            u: ScalarOf::<C>::ONE,
            x: instance.x.clone(),
        }
    }
}

impl<F: PrimeField> RelaxedR1csWitness<F> {
    /// The witness of [`RelaxedR1csInstance::zero`].
    pub fn zero(shape: &R1csShape<F>) -> Self {
        Self {
            w: vec![F::ZERO; shape.num_vars()],
            e: vec![F::ZERO; shape.num_cons()],
        }
    }

    /// A plain witness seen as relaxed: `E = 0`.
    pub fn from_r1cs(shape: &R1csShape<F>, witness: &R1csWitness<F>) -> Self {
        Self {
            w: witness.w.clone(),
            e: vec![F::ZERO; shape.num_cons()],
        }
    }

    /// The witness for [`R1csShape::pad`]ded shape: `W` and `E` extended with zeros.
    pub fn pad(&self, padded: &R1csShape<F>) -> Self {
        let mut w = self.w.clone();
        w.resize(padded.num_vars().max(w.len()), F::ZERO);
        let mut e = self.e.clone();
        e.resize(padded.num_cons().max(e.len()), F::ZERO);
        Self { w, e }
    }
}

impl<F: PrimeField> R1csShape<F> {
    /// Checks a plain instance: lengths, `Az ∘ Bz = Cz`, and `comm_w = Com(W)`.
    pub fn is_sat<C: CycleCurve<Scalar = F>>(
        &self,
        ck: &CommitmentKey<C>,
        instance: &R1csInstance<C>,
        witness: &R1csWitness<F>,
    ) -> Result<(), R1csError> {
        let z = self.assemble_z(&witness.w, F::ONE, &instance.x)?;
        self.check_assignment(&z)?;
        if ck.commit(&witness.w)? != instance.comm_w {
            return Err(R1csError::CommitmentMismatch("W"));
        }
        Ok(())
    }

    /// Checks a relaxed instance: lengths, `Az ∘ Bz = u·Cz + E`, `comm_w = Com(W)` and
    /// `comm_e = Com(E)`.
    pub fn is_sat_relaxed<C: CycleCurve<Scalar = F>>(
        &self,
        ck: &CommitmentKey<C>,
        instance: &RelaxedR1csInstance<C>,
        witness: &RelaxedR1csWitness<F>,
    ) -> Result<(), R1csError> {
        let z = self.assemble_z(&witness.w, instance.u, &instance.x)?;
        self.check_relaxed_assignment(&z, Some(&witness.e))?;
        if ck.commit(&witness.w)? != instance.comm_w {
            return Err(R1csError::CommitmentMismatch("W"));
        }
        if ck.commit(&witness.e)? != instance.comm_e {
            return Err(R1csError::CommitmentMismatch("E"));
        }
        Ok(())
    }

    /// A uniformly random satisfying relaxed instance: random `W`, `u` and `X`, and
    /// `E = Az∘Bz − u·Cz`. Folding a real instance with one hides the real witness, which is how
    /// compression is made zero-knowledge.
    pub fn random_relaxed<C: CycleCurve<Scalar = F>>(
        &self,
        ck: &CommitmentKey<C>,
        mut rng: impl rand_core::RngCore,
    ) -> Result<(RelaxedR1csInstance<C>, RelaxedR1csWitness<F>), R1csError> {
        let w: Vec<F> = (0..self.num_vars()).map(|_| F::random(&mut rng)).collect();
        let u = F::random(&mut rng);
        let x: Vec<F> = (0..self.num_io()).map(|_| F::random(&mut rng)).collect();
        let (az, bz, cz) = self.multiply(&self.assemble_z(&w, u, &x)?)?;
        let e: Vec<F> = az
            .iter()
            .zip(&bz)
            .zip(&cz)
            .map(|((a, b), c)| *a * b - u * c)
            .collect();
        let instance = RelaxedR1csInstance {
            comm_w: ck.commit(&w)?,
            comm_e: ck.commit(&e)?,
            u,
            x,
        };
        Ok((instance, RelaxedR1csWitness { w, e }))
    }

    /// Commits to a plain witness, giving its instance.
    pub fn commit_instance<C: CycleCurve<Scalar = F>>(
        &self,
        ck: &CommitmentKey<C>,
        witness: &R1csWitness<F>,
        x: Vec<F>,
    ) -> Result<R1csInstance<C>, R1csError> {
        if witness.w.len() != self.num_vars() {
            return Err(R1csError::WitnessLength {
                expected: self.num_vars(),
                got: witness.w.len(),
            });
        }
        Ok(R1csInstance {
            comm_w: ck.commit(&witness.w)?,
            x,
        })
    }

    /// The assignment `z = (W, u, X)`, after checking the lengths of `W` and `X`.
    pub fn assemble_z(&self, w: &[F], u: F, x: &[F]) -> Result<Vec<F>, R1csError> {
        if w.len() != self.num_vars() {
            return Err(R1csError::WitnessLength {
                expected: self.num_vars(),
                got: w.len(),
            });
        }
        if x.len() != self.num_io() {
            return Err(R1csError::PublicInputLength {
                expected: self.num_io(),
                got: x.len(),
            });
        }
        let mut z = Vec::with_capacity(self.z_len());
        z.extend_from_slice(w);
        z.push(u);
        z.extend_from_slice(x);
        Ok(z)
    }
}

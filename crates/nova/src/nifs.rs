//! The non-interactive folding scheme (Nova, §4): fold a fresh R1CS instance into a running
//! relaxed one.
//!
//! With `z₁ = (W₁, u₁, X₁)` running and `z₂ = (W₂, 1, X₂)` fresh, the prover commits to the cross
//! term `T = Az₁∘Bz₂ + Az₂∘Bz₁ − u₁·Cz₂ − Cz₁`, derives `r` from the transcript, and both sides
//! set `W̄ ← W̄₁ + r·W̄₂`, `Ē ← Ē₁ + r·T̄`, `u ← u₁ + r`, `X ← X₁ + r·X₂`.
//!
//! [`FoldingProver`] owns every buffer a fold needs and allocates them once. It also keeps the
//! running instance's `Az₁, Bz₁, Cz₁` and folds them along with `z₁` (the products are linear in
//! `z`), so each fold multiplies the matrices by the fresh `z₂` only: one pass instead of two.

use std::time::{Duration, Instant};

use ff::Field;
use origami_arith::encoding::field;
use origami_arith::{
    AffineOf, Commitment, CommitmentKey, CycleCurve, PointOf, ScalarOf, Transcript, poseidon,
};
use origami_r1cs::{R1csError, R1csInstance, R1csShape, RelaxedR1csInstance, RelaxedR1csWitness};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::convert::{NUM_CHALLENGE_BITS, cross_field, truncate};
use crate::error::NovaError;

/// Domain of the folding challenge's Poseidon hash.
pub(crate) const CHALLENGE_DOMAIN: &[u8] = b"origami/nifs-challenge";

/// Elements per job in the element-wise passes.
const CHUNK: usize = 1 << 12;

/// What the folding prover sends: the commitment to the cross term.
#[derive(Clone, Copy, Debug)]
pub struct NifsProof<C: CycleCurve> {
    /// `Com(T)`.
    pub comm_t: Commitment<C>,
}

impl<C: CycleCurve> PartialEq for NifsProof<C> {
    fn eq(&self, other: &Self) -> bool {
        self.comm_t == other.comm_t
    }
}

/// A commitment as the two base-field elements the circuits absorb: `x, y`, with the identity as
/// `(0, 0)`. No point of `y² = x³ + b` (b ≠ 0) has those coordinates, so `(x, y)` names the point;
/// the circuits' points keep the same form (see `AllocatedPoint`), so the flag need not be hashed.
pub fn point_elements<C: CycleCurve>(c: &Commitment<C>) -> [C::Base; 2] {
    let (x, y, _) = c.coordinates();
    [x, y]
}

/// The public inputs of a fresh augmented-circuit instance as base-field elements.
fn io_as_base<C: CycleCurve>(x: &[ScalarOf<C>]) -> Result<[C::Base; 2], NovaError> {
    match x {
        [x0, x1] => Ok([
            cross_field(x0).ok_or(NovaError::ScalarOutOfRange("public input X[0]"))?,
            cross_field(x1).ok_or(NovaError::ScalarOutOfRange("public input X[1]"))?,
        ]),
        _ => Err(NovaError::PublicInputCount(x.len())),
    }
}

/// The folding challenge `r`: Poseidon over the base field of `(pp, Com(W₂), X₂, Com(T))`, its low
/// 128 bits taken as a scalar. The running instance is not absorbed: the fresh instance's `X₂[0]`
/// is already a hash of it, checked by the augmented circuit.
pub fn fold_challenge<C: CycleCurve>(
    pp_digest: &C::Base,
    fresh: &R1csInstance<C>,
    comm_t: &Commitment<C>,
) -> Result<ScalarOf<C>, NovaError> {
    let [x0, x1] = io_as_base::<C>(&fresh.x)?;
    let [wx, wy] = point_elements(&fresh.comm_w);
    let [tx, ty] = point_elements(comm_t);
    let digest = poseidon::hash(CHALLENGE_DOMAIN, &[*pp_digest, wx, wy, x0, x1, tx, ty]);
    let r = truncate(&digest, NUM_CHALLENGE_BITS);
    cross_field(&r).ok_or(NovaError::ScalarOutOfRange("folding challenge"))
}

/// The verifier's fold of the instances: `(W̄₁ + r·W̄₂, Ē₁ + r·T̄, u₁ + r, X₁ + r·X₂)`.
pub fn fold_instances<C: CycleCurve>(
    running: &RelaxedR1csInstance<C>,
    fresh: &R1csInstance<C>,
    comm_t: &Commitment<C>,
    r: &ScalarOf<C>,
) -> RelaxedR1csInstance<C> {
    RelaxedR1csInstance {
        comm_w: running.comm_w + fresh.comm_w.scale(r),
        comm_e: running.comm_e + comm_t.scale(r),
        u: running.u + r,
        x: running
            .x
            .iter()
            .zip(&fresh.x)
            .map(|(a, b)| *a + *r * b)
            .collect(),
    }
}

impl<C: CycleCurve> NifsProof<C> {
    /// Folds the instances as the verifier does, re-deriving the challenge.
    pub fn verify(
        &self,
        pp_digest: &C::Base,
        running: &RelaxedR1csInstance<C>,
        fresh: &R1csInstance<C>,
    ) -> Result<RelaxedR1csInstance<C>, NovaError> {
        let r = fold_challenge(pp_digest, fresh, &self.comm_t)?;
        Ok(fold_instances(running, fresh, &self.comm_t, &r))
    }
}

/// What the prover sends when it folds a random relaxed instance into the running one before
/// compressing, which makes the compressed proof zero-knowledge: the folded witness is uniformly
/// random, and the only commitment to anything else, `Com(T)`, is hiding.
///
/// The random instance's commitments and `Com(T)` carry blinding factors; the folded instance's
/// blinding factors (`blind_w = r·r_W`, `blind_e = r·r_T + r²·r_E`) are revealed so that both
/// sides can remove them and hand Spartan plain commitments.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct BlindingFold<C: CycleCurve> {
    /// The random relaxed instance (hiding commitments).
    pub random: RelaxedR1csInstance<C>,
    /// `Com(T; r_T)`, hiding.
    pub comm_t: Commitment<C>,
    /// Blinding factor of the folded `Com(W)`.
    #[serde(with = "field")]
    pub blind_w: ScalarOf<C>,
    /// Blinding factor of the folded `Com(E)`.
    #[serde(with = "field")]
    pub blind_e: ScalarOf<C>,
}

/// The challenge of a blinding fold: a transcript over the parameters, both instances and `Com(T)`.
fn blinding_challenge<C: CycleCurve>(
    pp_digest: &[u8; 32],
    running: &RelaxedR1csInstance<C>,
    random: &RelaxedR1csInstance<C>,
    comm_t: &Commitment<C>,
) -> ScalarOf<C> {
    let mut t = Transcript::new(b"origami/blinding-fold");
    t.absorb_bytes(b"params", pp_digest);
    for u in [running, random] {
        t.absorb_point(b"comm W", &u.comm_w.to_affine());
        t.absorb_point(b"comm E", &u.comm_e.to_affine());
        t.absorb_scalar(b"u", &u.u);
        t.absorb_scalars(b"X", &u.x);
    }
    t.absorb_point(b"comm T", &comm_t.to_affine());
    t.squeeze_challenge(b"r")
}

/// `(W̄₁ + r·W̄₂ − b_W·H, Ē₁ + r·T̄ + r²·Ē₂ − b_E·H, u₁ + r·u₂, X₁ + r·X₂)`.
fn fold_relaxed<C: CycleCurve>(
    running: &RelaxedR1csInstance<C>,
    fold: &BlindingFold<C>,
    r: &ScalarOf<C>,
    h: &AffineOf<C>,
) -> RelaxedR1csInstance<C> {
    let random = &fold.random;
    let h = PointOf::<C>::from(*h);
    RelaxedR1csInstance {
        comm_w: running.comm_w + random.comm_w.scale(r) - Commitment::from_point(h * fold.blind_w),
        comm_e: running.comm_e + (fold.comm_t + random.comm_e.scale(r)).scale(r)
            - Commitment::from_point(h * fold.blind_e),
        u: running.u + *r * random.u,
        x: running
            .x
            .iter()
            .zip(&random.x)
            .map(|(a, b)| *a + *r * b)
            .collect(),
    }
}

impl<C: CycleCurve> BlindingFold<C> {
    /// The verifier's side: the folded instance with its blinding removed, ready for Spartan.
    pub fn verify(
        &self,
        blinding: &AffineOf<C>,
        pp_digest: &[u8; 32],
        running: &RelaxedR1csInstance<C>,
    ) -> Result<RelaxedR1csInstance<C>, NovaError> {
        if self.random.x.len() != running.x.len() {
            return Err(NovaError::PublicInputCount(self.random.x.len()));
        }
        let r = blinding_challenge(pp_digest, running, &self.random, &self.comm_t);
        Ok(fold_relaxed(running, self, &r, blinding))
    }
}

/// Time one prover's folds spent in each part, summed over its folds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FoldTimes {
    /// The fresh instance's `Az₂, Bz₂, Cz₂`: one pass over the matrices.
    pub multiply: Duration,
    /// The cross term `T`, element by element.
    pub cross_term: Duration,
    /// `Com(T)`: a multi-scalar multiplication of full-width scalars, one per constraint.
    pub commit_t: Duration,
    /// The challenge and the in-place folds of `z, E, Az, Bz, Cz` and of the instance.
    pub fold: Duration,
}

/// The prover's running relaxed instance and witness for one curve, with the buffers a fold
/// needs. Created once; every fold after that works in place.
#[derive(Clone, Debug)]
pub struct FoldingProver<C: CycleCurve> {
    instance: RelaxedR1csInstance<C>,
    /// Running `z₁ = (W₁, u₁, X₁)`.
    z: Vec<ScalarOf<C>>,
    /// Running `E₁`.
    e: Vec<ScalarOf<C>>,
    /// Running `Az₁, Bz₁, Cz₁`, folded along with `z₁`.
    az: Vec<ScalarOf<C>>,
    bz: Vec<ScalarOf<C>>,
    cz: Vec<ScalarOf<C>>,
    /// Fresh `Az₂, Bz₂, Cz₂`, recomputed each fold.
    fresh_az: Vec<ScalarOf<C>>,
    fresh_bz: Vec<ScalarOf<C>>,
    fresh_cz: Vec<ScalarOf<C>>,
    /// The cross term `T`.
    t: Vec<ScalarOf<C>>,
    /// Where the folds' time went.
    times: FoldTimes,
}

impl<C: CycleCurve> FoldingProver<C> {
    /// Starts from the trivially satisfied instance (`u = 0`, everything zero).
    pub fn zero(shape: &R1csShape<ScalarOf<C>>) -> Self {
        let zeros = |n| vec![ScalarOf::<C>::ZERO; n];
        let m = shape.num_cons();
        Self {
            instance: RelaxedR1csInstance::zero(shape),
            z: zeros(shape.z_len()),
            e: zeros(m),
            az: zeros(m),
            bz: zeros(m),
            cz: zeros(m),
            fresh_az: zeros(m),
            fresh_bz: zeros(m),
            fresh_cz: zeros(m),
            t: zeros(m),
            times: FoldTimes::default(),
        }
    }

    /// Starts from a satisfied plain instance with assignment `z = (W, 1, X)`.
    pub fn from_instance(
        shape: &R1csShape<ScalarOf<C>>,
        z: &[ScalarOf<C>],
        instance: &R1csInstance<C>,
    ) -> Result<Self, NovaError> {
        let mut prover = Self::zero(shape);
        if z.len() != shape.z_len() {
            return Err(R1csError::AssignmentLength {
                expected: shape.z_len(),
                got: z.len(),
            }
            .into());
        }
        prover.z.copy_from_slice(z);
        shape.multiply_into(z, &mut prover.az, &mut prover.bz, &mut prover.cz)?;
        prover.instance = RelaxedR1csInstance::from_r1cs(instance);
        Ok(prover)
    }

    /// The running instance.
    pub fn instance(&self) -> &RelaxedR1csInstance<C> {
        &self.instance
    }

    /// The running witness `W₁`.
    pub fn w(&self) -> &[ScalarOf<C>] {
        &self.z[..self.z.len() - 1 - self.instance.x.len()]
    }

    /// The running error vector `E₁`.
    pub fn e(&self) -> &[ScalarOf<C>] {
        &self.e
    }

    /// Where this prover's folds spent their time so far.
    pub fn times(&self) -> FoldTimes {
        self.times
    }

    /// A copy of the running witness (for a proof object).
    pub fn witness(&self) -> RelaxedR1csWitness<ScalarOf<C>> {
        RelaxedR1csWitness {
            w: self.w().to_vec(),
            e: self.e.clone(),
        }
    }

    /// Folds the fresh instance with assignment `fresh_z = (W₂, 1, X₂)` into the running one.
    pub fn fold(
        &mut self,
        ck: &CommitmentKey<C>,
        shape: &R1csShape<ScalarOf<C>>,
        pp_digest: &C::Base,
        fresh_z: &[ScalarOf<C>],
        fresh: &R1csInstance<C>,
    ) -> Result<NifsProof<C>, NovaError> {
        if fresh_z.len() != self.z.len() {
            return Err(R1csError::AssignmentLength {
                expected: self.z.len(),
                got: fresh_z.len(),
            }
            .into());
        }
        let start = Instant::now();
        shape.multiply_into(
            fresh_z,
            &mut self.fresh_az,
            &mut self.fresh_bz,
            &mut self.fresh_cz,
        )?;
        let multiplied = Instant::now();
        let u1 = self.instance.u;
        let (az1, bz1, cz1) = (&self.az, &self.bz, &self.cz);
        let (az2, bz2, cz2) = (&self.fresh_az, &self.fresh_bz, &self.fresh_cz);
        self.t
            .par_chunks_mut(CHUNK)
            .enumerate()
            .for_each(|(job, t)| {
                let off = job * CHUNK;
                for (k, t) in t.iter_mut().enumerate() {
                    let i = off + k;
                    *t = az1[i] * bz2[i] + az2[i] * bz1[i] - u1 * cz2[i] - cz1[i];
                }
            });
        let crossed = Instant::now();
        let comm_t = ck.commit(&self.t)?;
        let committed = Instant::now();
        let proof = NifsProof { comm_t };
        let r = fold_challenge(pp_digest, fresh, &comm_t)?;

        axpy(&mut self.z, &r, fresh_z);
        axpy(&mut self.e, &r, &self.t);
        axpy(&mut self.az, &r, &self.fresh_az);
        axpy(&mut self.bz, &r, &self.fresh_bz);
        axpy(&mut self.cz, &r, &self.fresh_cz);
        self.instance = fold_instances(&self.instance, fresh, &comm_t, &r);
        self.times.multiply += multiplied - start;
        self.times.cross_term += crossed - multiplied;
        self.times.commit_t += committed - crossed;
        self.times.fold += committed.elapsed();
        Ok(proof)
    }
}

/// A blinding fold's message, and the folded instance (blinding removed) with its witness.
pub type Blinded<C> = (
    BlindingFold<C>,
    RelaxedR1csInstance<C>,
    RelaxedR1csWitness<ScalarOf<C>>,
);

impl<C: CycleCurve> FoldingProver<C> {
    /// Folds a fresh random relaxed instance into (a copy of) the running one; returns what the
    /// verifier needs, and the folded instance (blinding removed) with its witness. The running
    /// prover is left as it was.
    pub fn blind(
        &self,
        ck: &CommitmentKey<C>,
        shape: &R1csShape<ScalarOf<C>>,
        pp_digest: &[u8; 32],
        mut rng: impl rand::RngCore,
    ) -> Result<Blinded<C>, NovaError> {
        let (mut random, random_witness) = shape.random_relaxed(ck, &mut rng)?;
        let [r_w, r_e, r_t] = [(); 3].map(|_| ScalarOf::<C>::random(&mut rng));
        let h = PointOf::<C>::from(ck.blinding_generator());
        random.comm_w += Commitment::from_point(h * r_w);
        random.comm_e += Commitment::from_point(h * r_e);
        let z2 = shape.assemble_z(&random_witness.w, random.u, &random.x)?;
        let (az2, bz2, cz2) = shape.multiply(&z2)?;
        let (u1, u2) = (self.instance.u, random.u);
        let t: Vec<ScalarOf<C>> = (&self.az, &self.bz, &self.cz, &az2, &bz2, &cz2)
            .into_par_iter()
            .map(|(a1, b1, c1, a2, b2, c2)| *a1 * b2 + *a2 * b1 - u1 * c2 - u2 * c1)
            .collect();
        let comm_t = ck.commit_hiding(&t, &r_t)?;
        let r = blinding_challenge(pp_digest, &self.instance, &random, &comm_t);
        let fold = BlindingFold {
            random,
            comm_t,
            blind_w: r * r_w,
            blind_e: r * (r_t + r * r_e),
        };
        let instance = fold_relaxed(&self.instance, &fold, &r, &ck.blinding_generator());
        let w: Vec<_> = self
            .w()
            .par_iter()
            .zip(random_witness.w.par_iter())
            .map(|(a, b)| *a + r * b)
            .collect();
        let e: Vec<_> = (&self.e, &t, &random_witness.e)
            .into_par_iter()
            .map(|(e1, t, e2)| *e1 + r * (*t + r * e2))
            .collect();
        Ok((fold, instance, RelaxedR1csWitness { w, e }))
    }
}

/// `y ← y + a·x`, in parallel.
fn axpy<F: Field>(y: &mut [F], a: &F, x: &[F]) {
    y.par_chunks_mut(CHUNK)
        .zip(x.par_chunks(CHUNK))
        .for_each(|(y, x)| {
            for (y, x) in y.iter_mut().zip(x) {
                *y += *a * x;
            }
        });
}

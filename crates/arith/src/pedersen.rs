//! Pedersen vector commitments with keys derived by hash-to-curve (no trusted setup).
//!
//! `Commit(v) = Σ v[i]·G[i]`, and `Commit(v; r) = Σ v[i]·G[i] + r·H` when hiding. The generators are
//! `hash_to_curve(label ‖ i)`, so anyone can re-derive a key from its label and nobody knows a
//! discrete-log relation between its points. Commitments are additively homomorphic, which is what
//! folding needs: `Commit(a) + r·Commit(b) = Commit(a + r·b)`.

use core::ops::{Add, AddAssign, Mul, Sub};

use ff::Field;
use group::{Curve, Group, prime::PrimeCurveAffine};
use halo2curves::CurveExt;
use rayon::prelude::*;

use crate::curve::{AffineOf, CycleCurve, PointOf, ScalarOf, affine_xy};
use crate::msm::{msm, msm_small};

/// Hash-to-curve domain for commitment-key generators.
const GENERATOR_DOMAIN: &str = "origami-pedersen-generators";

/// Errors from committing.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CommitError {
    /// The vector is longer than the key.
    #[error("vector of length {len} exceeds the commitment key's {capacity} generators")]
    TooLong {
        /// Length of the vector to commit to.
        len: usize,
        /// Number of generators in the key.
        capacity: usize,
    },
}

/// A Pedersen commitment key: `n` generators `G[i]` and a blinding generator `H`.
#[derive(Clone, Debug)]
pub struct CommitmentKey<C: CycleCurve> {
    label: Vec<u8>,
    generators: Vec<AffineOf<C>>,
    blinding: AffineOf<C>,
}

impl<C: CycleCurve> CommitmentKey<C> {
    /// Derives a key of `n` generators from `label`. Deterministic: the same label and size give the
    /// same key, and a key of size `m < n` from the same label is a prefix of it.
    pub fn setup(label: &[u8], n: usize) -> Self {
        let message = |index: u64| {
            let mut m = Vec::with_capacity(label.len() + 9);
            m.extend_from_slice(label);
            m.push(0); // separates the label from the index so labels cannot collide by suffix
            m.extend_from_slice(&index.to_le_bytes());
            m
        };
        let points: Vec<PointOf<C>> = (0..n as u64)
            .into_par_iter()
            // The hasher is a boxed closure that is not `Sync`: one per rayon job.
            .map_init(
                || PointOf::<C>::hash_to_curve(GENERATOR_DOMAIN),
                |hash, i| hash(&message(i)),
            )
            .collect();
        let mut generators = vec![AffineOf::<C>::identity(); n];
        PointOf::<C>::batch_normalize(&points, &mut generators);
        let mut blinding_label = label.to_vec();
        blinding_label.extend_from_slice(b"/blinding");
        let blinding = PointOf::<C>::hash_to_curve(GENERATOR_DOMAIN)(&blinding_label).to_affine();
        Self {
            label: label.to_vec(),
            generators,
            blinding,
        }
    }

    /// Rebuilds a key from stored parts, e.g. when loading a key file.
    pub fn from_parts(label: Vec<u8>, generators: Vec<AffineOf<C>>, blinding: AffineOf<C>) -> Self {
        Self {
            label,
            generators,
            blinding,
        }
    }

    /// The label the key was derived from.
    pub fn label(&self) -> &[u8] {
        &self.label
    }

    /// Number of generators: the longest vector this key commits to.
    pub fn len(&self) -> usize {
        self.generators.len()
    }

    /// True when the key has no generators.
    pub fn is_empty(&self) -> bool {
        self.generators.is_empty()
    }

    /// The generators `G[0..n]`.
    pub fn generators(&self) -> &[AffineOf<C>] {
        &self.generators
    }

    /// The blinding generator `H`.
    pub fn blinding_generator(&self) -> AffineOf<C> {
        self.blinding
    }

    fn prefix(&self, len: usize) -> Result<&[AffineOf<C>], CommitError> {
        self.generators.get(..len).ok_or(CommitError::TooLong {
            len,
            capacity: self.generators.len(),
        })
    }

    /// Commits to a vector of field elements (not hiding).
    pub fn commit(&self, v: &[ScalarOf<C>]) -> Result<Commitment<C>, CommitError> {
        Ok(Commitment(msm(v, self.prefix(v.len())?)))
    }

    /// Commits to a vector with blinding factor `r` (hiding).
    pub fn commit_hiding(
        &self,
        v: &[ScalarOf<C>],
        r: &ScalarOf<C>,
    ) -> Result<Commitment<C>, CommitError> {
        Ok(Commitment(
            msm(v, self.prefix(v.len())?) + self.blinding * r,
        ))
    }

    /// Commits to a vector of small unsigned integers without converting them to field elements.
    pub fn commit_small<T: Copy + Into<u64> + Sync>(
        &self,
        v: &[T],
    ) -> Result<Commitment<C>, CommitError> {
        Ok(Commitment(msm_small(v, self.prefix(v.len())?)))
    }
}

/// A Pedersen commitment: a curve point, with the group operations folding needs.
#[derive(Clone, Copy, Debug)]
pub struct Commitment<C: CycleCurve>(PointOf<C>);

// Manual impls: a derive would demand `C: PartialEq` of the curve marker type.
impl<C: CycleCurve> PartialEq for Commitment<C> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl<C: CycleCurve> Eq for Commitment<C> {}

impl<C: CycleCurve> PartialEq for CommitmentKey<C> {
    fn eq(&self, other: &Self) -> bool {
        self.label == other.label
            && self.generators == other.generators
            && self.blinding == other.blinding
    }
}
impl<C: CycleCurve> Eq for CommitmentKey<C> {}

impl<C: CycleCurve> Commitment<C> {
    /// The commitment to the empty (or all-zero) vector.
    pub fn identity() -> Self {
        Self(PointOf::<C>::identity())
    }

    /// Wraps a point.
    pub fn from_point(p: PointOf<C>) -> Self {
        Self(p)
    }

    /// The point.
    pub fn point(&self) -> PointOf<C> {
        self.0
    }

    /// The point in affine form.
    pub fn to_affine(&self) -> AffineOf<C> {
        self.0.to_affine()
    }

    /// Affine coordinates `(x, y, is_infinity)`, with `(0, 0, true)` for the identity: the form
    /// in-circuit verifiers take.
    pub fn coordinates(&self) -> (C::Base, C::Base, bool) {
        match affine_xy(&self.to_affine()) {
            Some((x, y)) => (x, y, false),
            None => (C::Base::ZERO, C::Base::ZERO, true),
        }
    }

    /// `self · s`.
    pub fn scale(&self, s: &ScalarOf<C>) -> Self {
        Self(self.0 * s)
    }
}

impl<C: CycleCurve> Default for Commitment<C> {
    fn default() -> Self {
        Self::identity()
    }
}

impl<C: CycleCurve> Add for Commitment<C> {
    type Output = Self;
    fn add(self, rhs: Self) -> Self {
        Self(self.0 + rhs.0)
    }
}

impl<C: CycleCurve> AddAssign for Commitment<C> {
    fn add_assign(&mut self, rhs: Self) {
        self.0 += rhs.0;
    }
}

impl<C: CycleCurve> Sub for Commitment<C> {
    type Output = Self;
    fn sub(self, rhs: Self) -> Self {
        Self(self.0 - rhs.0)
    }
}

impl<C: CycleCurve> Mul<ScalarOf<C>> for Commitment<C> {
    type Output = Self;
    fn mul(self, rhs: ScalarOf<C>) -> Self {
        self.scale(&rhs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::curve::{Pallas, Vesta};
    use rand::{SeedableRng, rngs::StdRng};

    fn random_vec<F: Field>(n: usize, rng: &mut StdRng) -> Vec<F> {
        (0..n).map(|_| F::random(&mut *rng)).collect()
    }

    fn homomorphic<C: CycleCurve>() {
        let mut rng = StdRng::seed_from_u64(7);
        let ck = CommitmentKey::<C>::setup(b"test", 64);
        let a: Vec<ScalarOf<C>> = random_vec(50, &mut rng);
        let b: Vec<ScalarOf<C>> = random_vec(50, &mut rng);
        let r = ScalarOf::<C>::random(&mut rng);
        let folded: Vec<_> = a.iter().zip(&b).map(|(x, y)| *x + r * y).collect();
        let lhs = ck.commit(&a).unwrap() + ck.commit(&b).unwrap().scale(&r);
        assert_eq!(lhs, ck.commit(&folded).unwrap());
        // Hiding commitments fold their blinds the same way.
        let (ra, rb) = (
            ScalarOf::<C>::random(&mut rng),
            ScalarOf::<C>::random(&mut rng),
        );
        let lhs = ck.commit_hiding(&a, &ra).unwrap() + ck.commit_hiding(&b, &rb).unwrap() * r;
        assert_eq!(lhs, ck.commit_hiding(&folded, &(ra + r * rb)).unwrap());
        assert_ne!(ck.commit_hiding(&a, &ra).unwrap(), ck.commit(&a).unwrap());
        // Subtraction undoes addition.
        let (ca, cb) = (ck.commit(&a).unwrap(), ck.commit(&b).unwrap());
        assert_eq!(ca + cb - cb, ca);
    }

    #[test]
    fn commitments_are_additively_homomorphic() {
        homomorphic::<Pallas>();
        homomorphic::<Vesta>();
    }

    #[test]
    fn small_commitments_equal_field_commitments() {
        let ck = CommitmentKey::<Pallas>::setup(b"small", 40);
        let v: Vec<u32> = (0..40u32).map(|i| i.wrapping_mul(2_654_435_761)).collect();
        let f: Vec<ScalarOf<Pallas>> = v
            .iter()
            .map(|&x| ScalarOf::<Pallas>::from(x as u64))
            .collect();
        assert_eq!(ck.commit_small(&v).unwrap(), ck.commit(&f).unwrap());
    }

    #[test]
    fn keys_are_deterministic_prefix_closed_and_label_bound() {
        let a = CommitmentKey::<Vesta>::setup(b"label", 8);
        let b = CommitmentKey::<Vesta>::setup(b"label", 5);
        let c = CommitmentKey::<Vesta>::setup(b"other", 8);
        assert_eq!(a, CommitmentKey::<Vesta>::setup(b"label", 8));
        assert_eq!(&a.generators()[..5], b.generators());
        assert_ne!(a.generators()[0], c.generators()[0]);
        assert_ne!(a.generators()[0], a.generators()[1]);
        assert!(!bool::from(a.blinding_generator().is_identity()));
        assert!(a.generators().iter().all(|g| !bool::from(g.is_identity())));
    }

    #[test]
    fn too_long_vector_is_an_error() {
        let ck = CommitmentKey::<Pallas>::setup(b"short", 4);
        let v = vec![ScalarOf::<Pallas>::ONE; 5];
        assert_eq!(
            ck.commit(&v),
            Err(CommitError::TooLong {
                len: 5,
                capacity: 4
            })
        );
        assert!(ck.commit_small(&[1u8; 5]).is_err());
        assert_eq!(ck.commit(&[]).unwrap(), Commitment::identity());
    }

    #[test]
    fn identity_has_infinity_coordinates() {
        let (x, y, inf) = Commitment::<Pallas>::identity().coordinates();
        assert!(inf && x.is_zero_vartime() && y.is_zero_vartime());
        let ck = CommitmentKey::<Pallas>::setup(b"coords", 1);
        let (_, _, inf) = ck.commit(&[ScalarOf::<Pallas>::ONE]).unwrap().coordinates();
        assert!(!inf);
    }
}

//! Pedersen vector commitments with keys derived by hash-to-curve (no trusted setup).
//!
//! `Commit(v) = Σ v[i]·G[i]`, and `Commit(v; r) = Σ v[i]·G[i] + r·H` when hiding. The generators are
//! hashed to the curve from `(label, i)`, so anyone can re-derive a key from its label and nobody
//! knows a discrete-log relation between its points. Commitments are additively homomorphic, which is what
//! folding needs: `Commit(a) + r·Commit(b) = Commit(a + r·b)`.

use core::ops::{Add, AddAssign, Mul, Sub};

use ff::Field;
use group::{Curve, Group};
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

/// Generators `range` of the key labelled `label` ([`derive_point`] of each index), in parallel.
pub(crate) fn derive_generators<C: CycleCurve>(
    label: &[u8],
    range: core::ops::Range<u64>,
) -> Vec<AffineOf<C>> {
    let sqrt = VartimeSqrt::<C::Base>::new();
    range
        .into_par_iter()
        .map(|i| derive_point::<C>(&sqrt, label, Some(i)))
        .collect()
}

/// Square roots by variable-time Tonelli–Shanks: `a^((t−1)/2)` for `p − 1 = 2^S·t`, then at most
/// `S` short rounds. The generic constant-time square root costs several times more, and the
/// inputs here (public hash outputs) need no protection.
struct VartimeSqrt<F> {
    /// `(t − 1)/2` as little-endian limbs.
    exponent: Vec<u64>,
    _field: core::marker::PhantomData<F>,
}

impl<F: ff::PrimeFieldBits> VartimeSqrt<F> {
    fn new() -> Self {
        let bits = (-F::ONE).to_le_bits();
        let shift = F::S as usize + 1;
        let mut exponent = vec![0u64; bits.len().div_ceil(64)];
        for (k, bit) in bits.iter().skip(shift).enumerate() {
            if *bit {
                exponent[k / 64] |= 1 << (k % 64);
            }
        }
        Self {
            exponent,
            _field: core::marker::PhantomData,
        }
    }

    /// A square root of `a`, or `None` if `a` is not a square.
    fn sqrt(&self, a: F) -> Option<F> {
        if a.is_zero_vartime() {
            return Some(F::ZERO);
        }
        let w = a.pow_vartime(&self.exponent);
        let mut x = a * w; // a^((t+1)/2)
        let mut b = x * w; // a^t, of order dividing 2^S
        let mut z = F::ROOT_OF_UNITY;
        let mut m = F::S;
        while b != F::ONE {
            let mut i = 0;
            let mut b2 = b;
            while b2 != F::ONE {
                b2 = b2.square();
                i += 1;
                if i == m {
                    return None;
                }
            }
            let mut c = z;
            for _ in 0..m - i - 1 {
                c = c.square();
            }
            x *= c;
            z = c.square();
            b *= z;
            m = i;
        }
        Some(x)
    }
}

/// A point nobody knows the discrete logarithm of, by try-and-increment: the first
/// `x = H(domain ‖ label ‖ index ‖ k)`, `k = 0, 1, …`, for which `x³ + a·x + b` is a square, with
/// `y`'s parity taken from the hash. About two square-root attempts per point, several times
/// cheaper than a constant-time hash-to-curve (which public generators do not need).
/// `index = None` names the blinding generator.
fn derive_point<C: CycleCurve>(
    sqrt: &VartimeSqrt<C::Base>,
    label: &[u8],
    index: Option<u64>,
) -> AffineOf<C> {
    use ff::{FromUniformBytes, PrimeField};
    use halo2curves::CurveAffine;
    use sha3::{Digest, Keccak512};
    let mut prefix = Keccak512::new();
    prefix.update(GENERATOR_DOMAIN.as_bytes());
    prefix.update((label.len() as u64).to_le_bytes());
    prefix.update(label);
    match index {
        Some(i) => {
            prefix.update([0]);
            prefix.update(i.to_le_bytes());
        }
        None => prefix.update([1]),
    }
    for attempt in 0u32.. {
        let mut h = prefix.clone();
        h.update(attempt.to_le_bytes());
        let wide: [u8; 64] = h.finalize().into();
        let x = C::Base::from_uniform_bytes(&wide);
        let y2 = x.square() * x + AffineOf::<C>::a() * x + AffineOf::<C>::b();
        if let Some(y) = sqrt.sqrt(y2) {
            // The hash's top byte (unused by the reduction's bias) picks the root.
            let odd = (y.to_repr().as_ref()[0] & 1) == 1;
            let y = if odd == ((wide[63] & 1) == 1) { y } else { -y };
            if let Some(p) = Option::<AffineOf<C>>::from(AffineOf::<C>::from_xy(x, y)) {
                return p;
            }
        }
    }
    unreachable!("half of all x are on the curve")
}

/// The blinding generator `H` of the key labelled `label`.
pub(crate) fn blinding_generator<C: CycleCurve>(label: &[u8]) -> AffineOf<C> {
    derive_point::<C>(&VartimeSqrt::new(), label, None)
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
        Self {
            label: label.to_vec(),
            generators: derive_generators::<C>(label, 0..n as u64),
            blinding: blinding_generator::<C>(label),
        }
    }

    /// Grows the key to `n` generators (deriving only the new ones); a no-op if it has as many.
    pub fn extend(&mut self, n: usize) {
        if n > self.generators.len() {
            let more = derive_generators::<C>(&self.label, self.generators.len() as u64..n as u64);
            self.generators.extend(more);
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

    /// True when every generator, and the blinding generator, is the one [`setup`](Self::setup)
    /// derives from the key's label: what a key read from a file must be checked for, since
    /// generators with a known discrete-log relation make commitments non-binding.
    pub fn is_derived_from_label(&self) -> bool {
        let sqrt = VartimeSqrt::<C::Base>::new();
        self.blinding == derive_point::<C>(&sqrt, &self.label, None)
            && self
                .generators
                .par_iter()
                .enumerate()
                .all(|(i, g)| *g == derive_point::<C>(&sqrt, &self.label, Some(i as u64)))
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
    use group::prime::PrimeCurveAffine;
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
    fn the_vartime_square_root_agrees_with_squaring() {
        type F = <Pallas as CycleCurve>::Base;
        let sqrt = VartimeSqrt::<F>::new();
        let mut rng = StdRng::seed_from_u64(5);
        let (mut squares, mut non_squares) = (0, 0);
        for _ in 0..200 {
            let a = F::random(&mut rng);
            match sqrt.sqrt(a) {
                Some(r) => {
                    assert_eq!(r.square(), a);
                    squares += 1;
                }
                None => {
                    assert!(bool::from(a.sqrt().is_none()));
                    non_squares += 1;
                }
            }
            assert_eq!(sqrt.sqrt(a.square()).map(|r| r.square()), Some(a.square()));
        }
        assert!(squares > 50 && non_squares > 50);
        assert_eq!(sqrt.sqrt(F::ZERO), Some(F::ZERO));
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
        let mut grown = b.clone();
        grown.extend(8);
        assert_eq!(grown, a);
        grown.extend(3);
        assert_eq!(grown, a);
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

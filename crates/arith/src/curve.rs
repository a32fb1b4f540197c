//! Curves and curve cycles.
//!
//! A folding prover works over a *cycle* of curves: the scalar field of one is the base field of the
//! other, so each curve's circuit can do the other's group arithmetic natively. [`CycleCurve`] pairs
//! a curve with its two fields; [`Cycle`] pairs two curves whose fields swap. Callers are
//! generic over one `Cycle` type parameter, so adding another cycle (BN254/Grumpkin) touches
//! only this module.

use core::fmt::Debug;

use ff::{FromUniformBytes, PrimeField, PrimeFieldBits, WithSmallOrderMulGroup};
use halo2curves::{CurveAffine, CurveExt};

/// A prime-order curve with its scalar field, base field and point representations.
pub trait CycleCurve: Copy + Clone + Debug + PartialEq + Eq + Send + Sync + 'static {
    /// The field the curve's group order defines: witnesses and scalars live here. Both
    /// fields are `'static`, so code generic over a cycle needs no bounds on them of its own.
    type Scalar: PrimeField
        + PrimeFieldBits
        + FromUniformBytes<64>
        + WithSmallOrderMulGroup<3>
        + 'static;
    /// The field the curve's coordinates live in.
    type Base: PrimeField
        + PrimeFieldBits
        + FromUniformBytes<64>
        + WithSmallOrderMulGroup<3>
        + 'static;
    /// Points in projective (Jacobian) form, for arithmetic.
    type Point: CurveExt<ScalarExt = Self::Scalar, Base = Self::Base, AffineExt = Self::Affine>;
    /// Points in affine form, for storage and MSM bases.
    type Affine: CurveAffine<ScalarExt = Self::Scalar, Base = Self::Base, CurveExt = Self::Point>;
    /// Human-readable name, e.g. `"pallas"`.
    const NAME: &'static str;
}

/// Two curves whose scalar and base fields are swapped.
pub trait Cycle: Copy + Clone + Debug + Send + Sync + 'static {
    /// The curve the user's step circuit is proven on.
    type Primary: CycleCurve;
    /// The curve that verifies the primary's folds.
    type Secondary: CycleCurve<
            Scalar = <Self::Primary as CycleCurve>::Base,
            Base = <Self::Primary as CycleCurve>::Scalar,
        >;
    /// Human-readable name, e.g. `"pallas/vesta"`.
    const NAME: &'static str;
}

/// The Pallas curve: scalar field Fq, base field Fp.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Pallas;

/// The Vesta curve: scalar field Fp, base field Fq.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Vesta;

impl CycleCurve for Pallas {
    type Scalar = halo2curves::pasta::Fq;
    type Base = halo2curves::pasta::Fp;
    type Point = halo2curves::pasta::Pallas;
    type Affine = halo2curves::pasta::PallasAffine;
    const NAME: &'static str = "pallas";
}

impl CycleCurve for Vesta {
    type Scalar = halo2curves::pasta::Fp;
    type Base = halo2curves::pasta::Fq;
    type Point = halo2curves::pasta::Vesta;
    type Affine = halo2curves::pasta::VestaAffine;
    const NAME: &'static str = "vesta";
}

/// The Pasta cycle: Pallas as primary, Vesta as secondary.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct PastaCycle;

impl Cycle for PastaCycle {
    type Primary = Pallas;
    type Secondary = Vesta;
    const NAME: &'static str = "pallas/vesta";
}

/// The affine coordinates `(x, y)` of a point, or `None` for the identity.
///
/// halo2curves stores the identity as `(0, 0)` and its `coordinates()` reports that as a valid
/// pair, so every caller that must tell the identity apart goes through here.
pub fn affine_xy<A: CurveAffine>(p: &A) -> Option<(A::Base, A::Base)> {
    if bool::from(p.is_identity()) {
        return None;
    }
    let c: halo2curves::Coordinates<A> = p
        .coordinates()
        .expect("a point of the curve type other than the identity has coordinates");
    Some((*c.x(), *c.y()))
}

/// The point `(x, y)`, or `None` if it is not on the curve.
pub fn affine_from_xy<A: CurveAffine>(x: A::Base, y: A::Base) -> Option<A> {
    A::from_xy(x, y).into()
}

/// Scalar field of a curve.
pub type ScalarOf<C> = <C as CycleCurve>::Scalar;
/// Base field of a curve.
pub type BaseOf<C> = <C as CycleCurve>::Base;
/// Affine point of a curve.
pub type AffineOf<C> = <C as CycleCurve>::Affine;
/// Projective point of a curve.
pub type PointOf<C> = <C as CycleCurve>::Point;

#[cfg(test)]
mod tests {
    use super::*;
    use ff::Field;
    use group::{Curve, Group, prime::PrimeCurveAffine};

    fn fields_swap<Y: Cycle>() {
        // The cycle property the type system enforces, checked on values: the secondary's scalar
        // modulus is the primary's base modulus.
        assert_eq!(
            <ScalarOf<Y::Secondary> as PrimeField>::MODULUS,
            <BaseOf<Y::Primary> as PrimeField>::MODULUS
        );
        assert_eq!(
            <BaseOf<Y::Secondary> as PrimeField>::MODULUS,
            <ScalarOf<Y::Primary> as PrimeField>::MODULUS
        );
    }

    #[test]
    fn pasta_is_a_cycle() {
        fields_swap::<PastaCycle>();
    }

    #[test]
    fn generator_has_the_scalar_field_order() {
        let g = PointOf::<Pallas>::generator();
        let minus_one = -ScalarOf::<Pallas>::ONE;
        // (q - 1)·G + G is the identity exactly when the group order is q.
        assert!(bool::from((g * minus_one + g).is_identity()));
        assert!(!bool::from(g.to_affine().is_identity()));
    }
}

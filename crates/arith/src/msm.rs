//! Multi-scalar multiplication.

use halo2curves::CurveAffine;

/// Computes `Σ scalars[i] · bases[i]`.
///
/// # Panics
/// If `scalars` and `bases` differ in length.
pub fn msm<C: CurveAffine>(scalars: &[C::Scalar], bases: &[C]) -> C::Curve {
    assert_eq!(
        scalars.len(),
        bases.len(),
        "msm: scalars and bases differ in length"
    );
    halo2curves::msm::msm_best(scalars, bases)
}

/// Computes `Σ scalars[i] · bases[i]` for small unsigned integer scalars.
///
/// # Panics
/// If `scalars` and `bases` differ in length.
pub fn msm_small<C: CurveAffine, T: Copy + Into<u64> + Sync>(
    scalars: &[T],
    bases: &[C],
) -> C::Curve {
    assert_eq!(
        scalars.len(),
        bases.len(),
        "msm_small: scalars and bases differ in length"
    );
    let scalars: Vec<C::Scalar> = scalars.iter().map(|&s| C::Scalar::from(s.into())).collect();
    halo2curves::msm::msm_best(&scalars, bases)
}

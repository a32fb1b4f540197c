//! MSM against a naive double-and-add, class by class and mixed, on Pallas and Vesta.

use super::*;
use crate::curve::{AffineOf, CycleCurve, Pallas, ScalarOf, Vesta};
use group::Curve;
use rand::{Rng, SeedableRng, rngs::StdRng};

const SIZES: [usize; 8] = [0, 1, 2, 15, 16, 17, 1000, (1 << 12) + 3];

/// `Σ s_i · P_i` by double-and-add over the bits of the canonical scalars, most significant
/// first, with one doubling chain shared by all terms: `acc = 2·acc + Σ_{bit j of s_i set} P_i`.
fn naive<C: CurveAffine>(scalars: &[C::Scalar], bases: &[C]) -> C::Curve {
    let reprs: Vec<_> = scalars.iter().map(|s| s.to_repr()).collect();
    let bytes = C::Scalar::ONE.to_repr().as_ref().len();
    let mut acc = C::Curve::identity();
    for j in (0..8 * bytes).rev() {
        acc = acc.double();
        for (r, b) in reprs.iter().zip(bases) {
            if (r.as_ref()[j / 8] >> (j % 8)) & 1 == 1 {
                acc += b;
            }
        }
    }
    acc
}

/// Which scalars a test draws.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Zero,
    PlusMinusOne,
    /// Magnitude in `[2, 2^10)`, random sign.
    Bits10,
    /// Magnitude in `[2^10, 2^32)`, random sign.
    Bits32,
    /// Magnitude in `[2^32, 2^64)`, random sign.
    Bits64,
    Full,
    /// Any of the above, per scalar.
    Mixed,
}

const KINDS: [Kind; 7] = [
    Kind::Zero,
    Kind::PlusMinusOne,
    Kind::Bits10,
    Kind::Bits32,
    Kind::Bits64,
    Kind::Full,
    Kind::Mixed,
];

fn signed<F: PrimeField>(rng: &mut StdRng, mag: u64) -> F {
    let s = F::from(mag);
    if rng.r#gen() { -s } else { s }
}

fn scalar<F: PrimeField>(rng: &mut StdRng, kind: Kind) -> F {
    match kind {
        Kind::Zero => F::ZERO,
        Kind::PlusMinusOne => signed(rng, 1),
        Kind::Bits10 => {
            let m = rng.gen_range(2..1 << 10);
            signed(rng, m)
        }
        Kind::Bits32 => {
            let m = rng.gen_range(1 << 10..1 << 32);
            signed(rng, m)
        }
        Kind::Bits64 => {
            let m = rng.gen_range(1 << 32..=u64::MAX);
            signed(rng, m)
        }
        Kind::Full => F::random(&mut *rng),
        Kind::Mixed => {
            let k = KINDS[rng.gen_range(0..KINDS.len() - 1)];
            scalar(rng, k)
        }
    }
}

/// Random bases with the identity at the first position and every 97th.
///
/// A walk `P_i = P_{i-1} + R_k` with random steps among a few random points: as good as
/// independent points for checking an MSM, and far cheaper to draw than `random` per point.
fn bases<C: CurveAffine>(rng: &mut StdRng, n: usize) -> Vec<C> {
    let steps: Vec<C::Curve> = (0..8).map(|_| C::Curve::random(&mut *rng)).collect();
    let mut walk = C::Curve::random(&mut *rng);
    let points: Vec<C::Curve> = (0..n)
        .map(|i| {
            walk += steps[rng.gen_range(0..steps.len())];
            if i % 97 == 0 {
                C::Curve::identity()
            } else {
                walk
            }
        })
        .collect();
    let mut affine = vec![C::identity(); n];
    C::Curve::batch_normalize(&points, &mut affine);
    affine
}

fn check_kinds<Y: CycleCurve>(seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let all_bases = bases::<AffineOf<Y>>(&mut rng, SIZES[SIZES.len() - 1]);
    for n in SIZES {
        for kind in KINDS {
            let scalars: Vec<ScalarOf<Y>> = (0..n).map(|_| scalar(&mut rng, kind)).collect();
            // Start at a random offset so the identity bases are not always at the same places.
            let off = rng.gen_range(0..=all_bases.len() - n);
            let b = &all_bases[off..off + n];
            assert_eq!(
                msm(&scalars, b),
                naive(&scalars, b),
                "{} n {n} {kind:?}",
                Y::NAME
            );
        }
    }
}

#[test]
fn msm_equals_naive_pallas() {
    check_kinds::<Pallas>(1);
}

#[test]
fn msm_equals_naive_vesta() {
    check_kinds::<Vesta>(2);
}

/// Few distinct bases, each also negated, so that buckets see `P + P` and `P + (−P)`.
fn check_collisions<Y: CycleCurve>(seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let distinct = bases::<AffineOf<Y>>(&mut rng, 4);
    for n in [2, 17, 1000, (1 << 12) + 3] {
        let b: Vec<AffineOf<Y>> = (0..n)
            .map(|_| {
                let p = distinct[rng.gen_range(0..distinct.len())];
                if rng.r#gen() { p } else { -p }
            })
            .collect();
        for kind in [Kind::PlusMinusOne, Kind::Bits10, Kind::Full, Kind::Mixed] {
            let scalars: Vec<ScalarOf<Y>> = (0..n).map(|_| scalar(&mut rng, kind)).collect();
            assert_eq!(
                msm(&scalars, &b),
                naive(&scalars, &b),
                "{} n {n} {kind:?}",
                Y::NAME
            );
        }
        // Exact cancellation: P·1 + P·(−1) for every base.
        let twice: Vec<AffineOf<Y>> = b.iter().chain(b.iter()).copied().collect();
        let ones: Vec<ScalarOf<Y>> = (0..2 * n)
            .map(|i| {
                if i < n {
                    ScalarOf::<Y>::ONE
                } else {
                    -ScalarOf::<Y>::ONE
                }
            })
            .collect();
        assert!(bool::from(msm(&ones, &twice).is_identity()), "n {n}");
    }
}

#[test]
fn msm_handles_doubling_and_cancellation() {
    check_collisions::<Pallas>(3);
    check_collisions::<Vesta>(4);
}

fn check_small<Y: CycleCurve>(seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let all_bases = bases::<AffineOf<Y>>(&mut rng, SIZES[SIZES.len() - 1]);
    for n in SIZES {
        let b = &all_bases[..n];
        let field = |v: &[u64]| -> Vec<ScalarOf<Y>> { v.iter().map(|&x| x.into()).collect() };
        // u8 covering 0, 1 and up to 8 bits.
        let v8: Vec<u8> = (0..n).map(|_| rng.r#gen()).collect();
        let w: Vec<u64> = v8.iter().map(|&x| x.into()).collect();
        assert_eq!(msm_small(&v8, b), naive(&field(&w), b), "u8 n {n}");
        // u32 of every size class, zeros included.
        let v32: Vec<u32> = (0..n)
            .map(|_| rng.r#gen::<u32>() >> rng.gen_range(0..32))
            .collect();
        let w: Vec<u64> = v32.iter().map(|&x| x.into()).collect();
        assert_eq!(msm_small(&v32, b), naive(&field(&w), b), "u32 n {n}");
        // u64 of every size class: binary, ≤ 10, ≤ 32, ≤ 64 bits.
        let v64: Vec<u64> = (0..n)
            .map(|_| rng.r#gen::<u64>() >> rng.gen_range(0..64))
            .collect();
        assert_eq!(msm_small(&v64, b), naive(&field(&v64), b), "u64 n {n}");
        // bool, the binary class.
        let vb: Vec<bool> = (0..n).map(|_| rng.r#gen()).collect();
        let w: Vec<u64> = vb.iter().map(|&x| x.into()).collect();
        assert_eq!(msm_small(&vb, b), naive(&field(&w), b), "bool n {n}");
    }
}

fn check_small_signed<Y: CycleCurve>(seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let all_bases = bases::<AffineOf<Y>>(&mut rng, SIZES[SIZES.len() - 1]);
    let field = |v: i64| -> ScalarOf<Y> {
        let m = ScalarOf::<Y>::from(v.unsigned_abs());
        if v < 0 { -m } else { m }
    };
    for n in SIZES {
        let b = &all_bases[..n];
        // Every size class and both signs, zeros and i64::MIN included.
        let v: Vec<i64> = (0..n)
            .map(|i| match i % 50 {
                0 => 0,
                1 => i64::MIN,
                _ => rng.r#gen::<i64>() >> rng.gen_range(0..64),
            })
            .collect();
        let f: Vec<ScalarOf<Y>> = v.iter().map(|&x| field(x)).collect();
        assert_eq!(msm_small_signed(&v, b), naive(&f, b), "i64 n {n}");
        assert_eq!(msm_small_signed(&v, b), msm(&f, b), "i64 vs msm n {n}");
        let v8: Vec<i8> = (0..n).map(|_| rng.r#gen()).collect();
        let f: Vec<ScalarOf<Y>> = v8.iter().map(|&x| field(x.into())).collect();
        assert_eq!(msm_small_signed(&v8, b), naive(&f, b), "i8 n {n}");
    }
}

#[test]
fn msm_small_signed_equals_naive() {
    check_small_signed::<Pallas>(7);
    check_small_signed::<Vesta>(8);
}

#[test]
fn msm_small_equals_naive() {
    check_small::<Pallas>(5);
    check_small::<Vesta>(6);
}

#[test]
#[should_panic(expected = "differ in length")]
fn msm_rejects_length_mismatch() {
    let b = [AffineOf::<Pallas>::generator()];
    let _ = msm::<AffineOf<Pallas>>(&[], &b);
}

#[test]
fn plan_windows_cover_the_scalars() {
    for bits in [1, 10, 32, 64, 255] {
        for n in [1, 16, 1000, 1 << 12, 1 << 16, 1 << 20] {
            for threads in [1, 2, 16] {
                let (windows, ranges) = plan(bits, n, threads);
                assert!(ranges >= 1 && ranges <= n.max(1));
                match windows {
                    Windows::Single { bits: b } => assert_eq!(b, bits),
                    // Booth digits need the scalar below 2^(c·count − 1).
                    Windows::Booth { c, count } => assert!(c * count > bits),
                }
            }
        }
    }
}

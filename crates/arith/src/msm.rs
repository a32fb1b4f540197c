//! Multi-scalar multiplication: `Σ scalars[i] · bases[i]`.
//!
//! Witness vectors are dominated by small values (bits, bytes, limbs, counters) and their
//! negations, so each scalar is classified by its *signed* size: `s` or `p − s`, whichever is
//! shorter, negating the base for `p − s`. The classes are
//!
//! | class | scalars | method |
//! |---|---|---|
//! | zero | 0 | skipped |
//! | binary | ±1 | a plain sum of the (signed) points |
//! | ≤ 10 bits | ±s, s < 2^10 | one window, one bucket per magnitude |
//! | ≤ 32 bits | ±s, s < 2^32 | Pippenger over only the windows 32 bits need |
//! | ≤ 64 bits | ±s, s < 2^64 | Pippenger over only the windows 64 bits need |
//! | full width | anything else | Pippenger with signed (Booth) digits |
//!
//! and the sums of the classes are added. Every class uses the same engine (module `bucket`):
//! points are sorted into buckets per window and summed with batch-affine additions, which cost
//! about half a projective addition. The binary class is the one-bucket case of it.
//!
//! Below [`PARALLEL_THRESHOLD`] terms everything runs on the calling thread, so that many small
//! MSMs issued in parallel by a caller do not fight over the rayon pool. Above it, the
//! (window, range of terms) tasks of a class run on the pool.
//!
//! Window sizes come from a cost model (see `plan`) whose two constants were measured.

mod bucket;
#[cfg(test)]
mod tests;

use ff::{Field, PrimeField};
use group::Group;
use halo2curves::CurveAffine;
use rayon::prelude::*;

use bucket::{Pt, Term, Windows, Workspace, booth_digit};

/// Number of terms below which an MSM runs sequentially on the calling thread.
pub const PARALLEL_THRESHOLD: usize = 1 << 12;

/// Terms classified per rayon task when classifying in parallel.
const CLASSIFY_CHUNK: usize = 1 << 13;

/// Fewest terms worth a task of their own (below this the per-task bucket reduction dominates).
const MIN_RANGE: usize = 1 << 10;

/// Cost model, in units of one batch-affine bucket addition: reducing one bucket (a mixed and a
/// full projective addition and a conversion) costs this many.
const BUCKET_COST: f64 = 4.0;

/// A point whose scalar fits 64 bits after the signed classification (sign folded into the point).
#[derive(Clone, Copy, Debug)]
struct Small<F> {
    pt: Pt<F>,
    mag: u64,
}

impl<F: Field> Term<F> for Small<F> {
    #[inline]
    fn point(&self) -> &Pt<F> {
        &self.pt
    }

    #[inline]
    fn digit(&self, windows: Windows, w: u32) -> i32 {
        match windows {
            Windows::Single { .. } => self.mag as i32,
            Windows::Booth { c, .. } => booth_digit(core::slice::from_ref(&self.mag), w, c),
        }
    }
}

/// A point with a full-width scalar, as little-endian 64-bit limbs.
#[derive(Clone, Copy, Debug)]
struct Full<F> {
    pt: Pt<F>,
    limbs: [u64; 4],
}

impl<F: Field> Term<F> for Full<F> {
    #[inline]
    fn point(&self) -> &Pt<F> {
        &self.pt
    }

    #[inline]
    fn digit(&self, windows: Windows, w: u32) -> i32 {
        match windows {
            Windows::Booth { c, .. } => booth_digit(&self.limbs, w, c),
            // `plan` never gives one window to full-width scalars (see `candidates`).
            Windows::Single { bits } => {
                debug_assert!(bits <= 16);
                (self.limbs[0] & ((1 << bits) - 1)) as i32
            }
        }
    }
}

/// Magnitude classes of small scalars, by the number of bits of the magnitude.
const SMALL_CLASSES: [u32; 4] = [1, 10, 32, 64];

/// Terms sorted by class.
struct Classes<F> {
    small: [Vec<Small<F>>; 4],
    full: Vec<Full<F>>,
}

impl<F> Classes<F> {
    fn new() -> Self {
        Classes {
            small: [Vec::new(), Vec::new(), Vec::new(), Vec::new()],
            full: Vec::new(),
        }
    }

    fn push_small(&mut self, pt: Pt<F>, mag: u64) {
        debug_assert!(mag != 0);
        let bits = 64 - mag.leading_zeros();
        let class = SMALL_CLASSES
            .iter()
            .position(|&b| bits <= b)
            .unwrap_or(SMALL_CLASSES.len() - 1);
        self.small[class].push(Small { pt, mag });
    }

    /// Concatenates per-chunk classifications.
    fn concat(parts: Vec<Self>) -> Self {
        let mut all = Classes::new();
        for (i, v) in all.small.iter_mut().enumerate() {
            v.reserve_exact(parts.iter().map(|p| p.small[i].len()).sum());
        }
        all.full
            .reserve_exact(parts.iter().map(|p| p.full.len()).sum());
        for p in parts {
            for (dst, src) in all.small.iter_mut().zip(p.small) {
                dst.extend(src);
            }
            all.full.extend(p.full);
        }
        all
    }
}

/// Classifies the terms `0..n` in chunks, in parallel when `parallel`.
fn classify_all<F: Send>(
    n: usize,
    parallel: bool,
    classify: impl Fn(core::ops::Range<usize>, &mut Classes<F>) + Sync,
) -> Classes<F> {
    if parallel {
        let parts: Vec<_> = (0..n.div_ceil(CLASSIFY_CHUNK))
            .into_par_iter()
            .map(|i| {
                let mut c = Classes::new();
                classify(i * CLASSIFY_CHUNK..n.min((i + 1) * CLASSIFY_CHUNK), &mut c);
                c
            })
            .collect();
        Classes::concat(parts)
    } else {
        let mut c = Classes::new();
        classify(0..n, &mut c);
        c
    }
}

fn bit_len(limbs: &[u64; 4]) -> u32 {
    limbs
        .iter()
        .rposition(|&l| l != 0)
        .map_or(0, |i| 64 * i as u32 + 64 - limbs[i].leading_zeros())
}

/// Little-endian limbs of a canonical scalar representation of at most 32 bytes.
fn limbs_of(repr: &[u8]) -> [u64; 4] {
    let mut limbs = [0u64; 4];
    for (i, chunk) in repr.chunks(8).enumerate() {
        let mut b = [0u8; 8];
        b[..chunk.len()].copy_from_slice(chunk);
        limbs[i] = u64::from_le_bytes(b);
    }
    limbs
}

/// `a - b` for `a >= b`.
fn sub_limbs(a: &[u64; 4], b: &[u64; 4]) -> [u64; 4] {
    let mut out = [0u64; 4];
    let mut borrow = false;
    for i in 0..4 {
        let (d, b1) = a[i].overflowing_sub(b[i]);
        let (d, b2) = d.overflowing_sub(borrow as u64);
        out[i] = d;
        borrow = b1 | b2;
    }
    debug_assert!(!borrow);
    out
}

/// Computes `Σ scalars[i] · bases[i]`.
///
/// Identity bases and zero scalars are allowed. Scalars are classified by signed size (see the
/// module documentation); fields whose representation exceeds 256 bits are handed to
/// `halo2curves::msm::msm_best`. Runs on the calling thread below [`PARALLEL_THRESHOLD`] terms.
///
/// # Panics
/// If `scalars` and `bases` differ in length.
pub fn msm<C: CurveAffine>(scalars: &[C::Scalar], bases: &[C]) -> C::Curve {
    assert_eq!(
        scalars.len(),
        bases.len(),
        "msm: scalars and bases differ in length"
    );
    if <C::Scalar as PrimeField>::Repr::default().as_ref().len() > 32 {
        return halo2curves::msm::msm_best(scalars, bases);
    }
    // The classification reads canonical representations as little-endian integers, as
    // halo2curves' own MSM does; check that assumption once.
    debug_assert_eq!(C::Scalar::ONE.to_repr().as_ref()[0], 1);
    // p - 1, from which p - s = (p - 1) - (s - 1) for s ≠ 0.
    let p_minus_one = limbs_of((-C::Scalar::ONE).to_repr().as_ref());
    let parallel = scalars.len() >= PARALLEL_THRESHOLD;
    let classes = classify_all(scalars.len(), parallel, |range, out| {
        for (s, base) in scalars[range.clone()].iter().zip(&bases[range]) {
            let limbs = limbs_of(s.to_repr().as_ref());
            let len = bit_len(&limbs);
            if len == 0 {
                continue;
            }
            let Some(pt) = Pt::of(base) else { continue };
            if len <= 64 {
                out.push_small(pt, limbs[0]);
                continue;
            }
            let mut s_minus_one = limbs;
            // s ≠ 0, so subtracting one borrows at most up to a non-zero limb.
            for l in s_minus_one.iter_mut() {
                let (d, borrow) = l.overflowing_sub(1);
                *l = d;
                if !borrow {
                    break;
                }
            }
            let neg = sub_limbs(&p_minus_one, &s_minus_one);
            if bit_len(&neg) <= 64 {
                out.push_small(pt.neg(), neg[0]);
            } else {
                out.full.push(Full { pt, limbs });
            }
        }
    });
    sum_classes::<C>(&classes, C::Scalar::NUM_BITS, parallel)
}

/// Computes `Σ scalars[i] · bases[i]` for small unsigned integer scalars.
///
/// Uses the small-scalar paths of [`msm`] directly, without converting to field elements.
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
    let parallel = scalars.len() >= PARALLEL_THRESHOLD;
    let classes = classify_all(scalars.len(), parallel, |range, out| {
        for (&s, base) in scalars[range.clone()].iter().zip(&bases[range]) {
            let mag: u64 = s.into();
            if mag == 0 {
                continue;
            }
            if let Some(pt) = Pt::of(base) {
                out.push_small(pt, mag);
            }
        }
    });
    sum_classes::<C>(&classes, 64, parallel)
}

fn sum_classes<C: CurveAffine>(
    classes: &Classes<C::Base>,
    full_bits: u32,
    parallel: bool,
) -> C::Curve {
    let mut acc = C::Curve::identity();
    for (terms, &bits) in classes.small.iter().zip(SMALL_CLASSES.iter()) {
        acc += class_sum::<C, _>(terms, bits, parallel);
    }
    acc + class_sum::<C, _>(&classes.full, full_bits, parallel)
}

/// Σ over `terms` (all of magnitude below `2^bits`) with windows chosen by `plan`.
fn class_sum<C: CurveAffine, T: Term<C::Base>>(terms: &[T], bits: u32, parallel: bool) -> C::Curve {
    if terms.is_empty() {
        return C::Curve::identity();
    }
    let threads = if parallel {
        rayon::current_num_threads()
    } else {
        1
    };
    let (windows, ranges) = plan(bits, terms.len(), threads);
    let ranges: Vec<&[T]> = terms.chunks(terms.len().div_ceil(ranges)).collect();
    let count = windows.count() as usize;
    let task = |ws: &mut Workspace<C::Base>, t: usize| {
        ws.window_sum::<C, T>(ranges[t % ranges.len()], windows, (t / ranges.len()) as u32)
    };
    let tasks = count * ranges.len();
    let sums: Vec<C::Curve> = if threads > 1 && tasks > 1 {
        (0..tasks)
            .into_par_iter()
            .map_init(Workspace::default, task)
            .collect()
    } else {
        let mut ws = Workspace::default();
        (0..tasks).map(|t| task(&mut ws, t)).collect()
    };
    // Horner over the windows, from the most significant.
    let mut acc = C::Curve::identity();
    for window in sums.chunks(ranges.len()).rev() {
        for _ in 0..windows.shift() {
            acc = acc.double();
        }
        for s in window {
            acc += s;
        }
    }
    acc
}

/// The window layouts worth considering for magnitudes below `2^bits`.
fn candidates(bits: u32) -> impl Iterator<Item = Windows> {
    let single = (bits <= 12).then_some(Windows::Single { bits });
    // Booth digits reconstruct scalars below 2^(c·count − 1).
    let booth = (2..=18u32).map(move |c| Windows::Booth {
        c,
        count: (bits + 1).div_ceil(c),
    });
    single.into_iter().chain(booth)
}

/// Chooses the windows and the number of ranges the terms are split into (one task per window
/// and range) minimising the modelled time on `threads` threads: every task adds each of its
/// terms once and reduces all buckets once.
fn plan(bits: u32, n: usize, threads: usize) -> (Windows, usize) {
    let mut best = (Windows::Single { bits: 1 }, 1, f64::INFINITY);
    let max_ranges = if threads > 1 {
        (n / MIN_RANGE).clamp(1, 4 * threads)
    } else {
        1
    };
    for windows in candidates(bits) {
        let count = windows.count() as usize;
        for ranges in 1..=max_ranges {
            let tasks = count * ranges;
            let per_task = n.div_ceil(ranges) as f64 + BUCKET_COST * windows.buckets() as f64;
            let cost = tasks.div_ceil(threads) as f64 * per_task;
            if cost < best.2 {
                best = (windows, ranges, cost);
            }
        }
    }
    (best.0, best.1)
}

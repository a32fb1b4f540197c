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
//! Classes of fewer than 32 terms skip the buckets: Horner over 4-bit digits in projective
//! coordinates (a batch-affine round of a few additions would pay a whole inversion each).
//!
//! Window sizes come from a cost model (see `plan`): every task adds each of its terms once and
//! reduces each bucket once. `BUCKET_COST` (the price of reducing a bucket, in affine additions)
//! is an operation count (a mixed and a full projective addition, 11 + 12 multiplications, and
//! an on-curve check of 4, against about 6.5 for an affine addition in a batch); profiles of
//! the 10- and 32-bit cases agreed with it within the noise of a shared 2-core machine.

mod bucket;
mod stream;
#[cfg(test)]
mod tests;

pub use stream::{MsmStream, STREAM_BUCKET_MEMORY};

use ff::{Field, PrimeField};
use group::Group;
use halo2curves::CurveAffine;
use rayon::prelude::*;

use bucket::{Pt, Term, Windows, Workspace, booth_digit};

/// Number of terms below which an MSM runs sequentially on the calling thread.
///
/// At 2^12 terms a task holds about a millisecond of work (full width) down to a tenth of one
/// (binary), far above rayon's per-task cost; on the loaded 2-core development machine the
/// parallel and sequential times between 2^9 and 2^14 terms could not be told apart from noise,
/// so this is a judgement to re-measure on a quiet many-core machine.
pub const PARALLEL_THRESHOLD: usize = 1 << 12;

/// Classes with fewer terms than this skip the bucket engine (see `tiny_sum`); measured: at 4
/// and 16 terms the projective path beats `msm_best` (which the bucket engine did not), at 32
/// the bucket engine is level with it and pulls ahead above.
const TINY_THRESHOLD: usize = 32;

/// Terms classified per rayon task when classifying in parallel.
const CLASSIFY_CHUNK: usize = 1 << 10;

/// Fewest terms worth a task of their own (below this the per-task bucket reduction dominates).
const MIN_RANGE: usize = 1 << 10;

/// Cost model, in units of one batch-affine bucket addition: reducing one bucket (a mixed and a
/// full projective addition and a conversion) costs this many.
const BUCKET_COST: f64 = 4.0;

/// A term of a one-window class (±1, ≤ 10 bits): the base is read where it is sorted into its
/// bucket, once, so it is not copied at classification.
#[derive(Clone, Copy, Debug)]
struct Narrow<'a, C> {
    base: &'a C,
    mag: u32,
    neg: bool,
}

impl<C: CurveAffine> Term<C::Base> for Narrow<'_, C> {
    #[inline]
    fn point(&self) -> Pt<C::Base> {
        // Identity bases are dropped at classification.
        Pt::of(self.base)
            .expect("msm: identity base reached a bucket")
            .signed(self.neg)
    }

    #[inline]
    fn digit(&self, windows: Windows, w: u32) -> i32 {
        match windows {
            Windows::Single { .. } => self.mag as i32,
            Windows::Booth { c, .. } => booth_digit(&[u64::from(self.mag)], w, c),
        }
    }
}

/// A term of a multi-window class (≤ 32, ≤ 64 bits): read once per window, so the coordinates
/// are extracted once at classification (sign folded in).
#[derive(Clone, Copy, Debug)]
struct Small<F> {
    pt: Pt<F>,
    mag: u64,
}

impl<F: Field> Term<F> for Small<F> {
    #[inline]
    fn point(&self) -> Pt<F> {
        self.pt
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
    fn point(&self) -> Pt<F> {
        self.pt
    }

    #[inline]
    fn digit(&self, windows: Windows, w: u32) -> i32 {
        match windows {
            Windows::Booth { c, .. } => booth_digit(&self.limbs, w, c),
            // `plan` gives one window only to classes of at most 12 bits, never to this one.
            Windows::Single { bits } => {
                debug_assert!(bits <= 16);
                (self.limbs[0] & ((1 << bits) - 1)) as i32
            }
        }
    }
}

/// Magnitude bounds (in bits) of the small classes: ±1 and ≤ 10 bits use [`Narrow`] terms,
/// ≤ 32 and ≤ 64 bits use [`Small`] terms.
const BINARY_BITS: u32 = 1;
const NARROW_BITS: u32 = 10;
const SMALL_BITS: [u32; 2] = [32, 64];

/// The terms of one chunk of the input, by class.
struct Classes<'a, C: CurveAffine> {
    binary: Vec<Narrow<'a, C>>,
    narrow: Vec<Narrow<'a, C>>,
    small: [Vec<Small<C::Base>>; 2],
    full: Vec<Full<C::Base>>,
}

impl<'a, C: CurveAffine> Classes<'a, C> {
    fn new() -> Self {
        Classes {
            binary: Vec::new(),
            narrow: Vec::new(),
            small: [Vec::new(), Vec::new()],
            full: Vec::new(),
        }
    }

    /// Files `±mag · base` (`mag ≠ 0`, `base` not the identity) by the size of `mag`.
    fn push(&mut self, base: &'a C, mag: u64, neg: bool) {
        debug_assert!(mag != 0);
        let bits = 64 - mag.leading_zeros();
        if bits <= NARROW_BITS {
            let t = Narrow {
                base,
                mag: mag as u32,
                neg,
            };
            if bits <= BINARY_BITS {
                self.binary.push(t);
            } else {
                self.narrow.push(t);
            }
        } else if let Some(pt) = Pt::of(base) {
            let class = usize::from(bits > SMALL_BITS[0]);
            self.small[class].push(Small {
                pt: pt.signed(neg),
                mag,
            });
        }
    }
}

/// Classifies the terms `0..n` in chunks (in parallel when `parallel`); one `Classes` per chunk,
/// kept apart: the class sums read them in place rather than after a concatenating copy.
fn classify_all<'a, C: CurveAffine>(
    n: usize,
    parallel: bool,
    classify: impl Fn(core::ops::Range<usize>, &mut Classes<'a, C>) + Sync,
) -> Vec<Classes<'a, C>> {
    let run = |range| {
        let mut c = Classes::new();
        classify(range, &mut c);
        c
    };
    // Chunked on both paths, so no class vector grows with the MSM: a prover calling this every
    // step allocates chunk-sized pieces, never one of the circuit's size.
    let chunk = |i: usize| i * CLASSIFY_CHUNK..n.min((i + 1) * CLASSIFY_CHUNK);
    if parallel {
        (0..n.div_ceil(CLASSIFY_CHUNK))
            .into_par_iter()
            .map(|i| run(chunk(i)))
            .collect()
    } else {
        (0..n.div_ceil(CLASSIFY_CHUNK))
            .map(|i| run(chunk(i)))
            .collect()
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
            if len == 0 || bool::from(base.is_identity()) {
                continue;
            }
            if len <= 64 {
                out.push(base, limbs[0], false);
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
                out.push(base, neg[0], true);
            } else if let Some(pt) = Pt::of(base) {
                out.full.push(Full { pt, limbs });
            }
        }
    });
    sum_classes::<C>(&classes, scalars.len(), C::Scalar::NUM_BITS, parallel)
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
    small_integer_msm(scalars, bases, |s| (s.into(), false))
}

/// Computes `Σ scalars[i] · bases[i]` for small signed integer scalars (a negative `s` stands
/// for the field element `p − |s|`).
///
/// Witnesses of differences and signed limbs are small negative numbers; this takes them without
/// converting to field elements, negating the base for negative scalars.
///
/// # Panics
/// If `scalars` and `bases` differ in length.
pub fn msm_small_signed<C: CurveAffine, T: Copy + Into<i64> + Sync>(
    scalars: &[T],
    bases: &[C],
) -> C::Curve {
    assert_eq!(
        scalars.len(),
        bases.len(),
        "msm_small_signed: scalars and bases differ in length"
    );
    small_integer_msm(scalars, bases, |s| {
        let s: i64 = s.into();
        (s.unsigned_abs(), s < 0)
    })
}

/// The body of [`msm_small`] and [`msm_small_signed`]: `split` turns a scalar into its magnitude
/// and whether the base is negated.
fn small_integer_msm<C: CurveAffine, T: Copy + Sync>(
    scalars: &[T],
    bases: &[C],
    split: impl Fn(T) -> (u64, bool) + Sync,
) -> C::Curve {
    let parallel = scalars.len() >= PARALLEL_THRESHOLD;
    let classes = classify_all(scalars.len(), parallel, |range, out| {
        for (&s, base) in scalars[range.clone()].iter().zip(&bases[range]) {
            let (mag, negate) = split(s);
            if mag != 0 && !bool::from(base.is_identity()) {
                out.push(base, mag, negate);
            }
        }
    });
    sum_classes::<C>(&classes, scalars.len(), 64, parallel)
}

/// The sum of every class of an MSM of `len` terms (zeros included) as `classify_all` split it.
fn sum_classes<C: CurveAffine>(
    chunks: &[Classes<'_, C>],
    len: usize,
    full_bits: u32,
    parallel: bool,
) -> C::Curve {
    let binary: Vec<_> = chunks.iter().map(|c| &c.binary[..]).collect();
    let narrow: Vec<_> = chunks.iter().map(|c| &c.narrow[..]).collect();
    let small: Vec<Vec<_>> = (0..SMALL_BITS.len())
        .map(|i| chunks.iter().map(|c| &c.small[i][..]).collect())
        .collect();
    let full: Vec<_> = chunks.iter().map(|c| &c.full[..]).collect();
    let threads = if parallel {
        rayon::current_num_threads()
    } else {
        1
    };
    // The widest window any class of an MSM of `len` terms could be given: the same call next
    // time may split its terms differently between the classes (a prover's witness changes from
    // step to step), and the kept workspaces should not have to grow then.
    let reserve_buckets = [BINARY_BITS, NARROW_BITS, full_bits]
        .into_iter()
        .chain(SMALL_BITS)
        .map(|bits| plan(bits, len, threads).0.buckets())
        .max()
        .unwrap_or(0);
    let mut acc = class_sum::<C, _>(&binary, BINARY_BITS, threads, reserve_buckets);
    acc += class_sum::<C, _>(&narrow, NARROW_BITS, threads, reserve_buckets);
    for (parts, &bits) in small.iter().zip(&SMALL_BITS) {
        acc += class_sum::<C, _>(parts, bits, threads, reserve_buckets);
    }
    acc + class_sum::<C, _>(&full, full_bits, threads, reserve_buckets)
}

fn total_len<T>(parts: &[&[T]]) -> usize {
    parts.iter().map(|p| p.len()).sum()
}

thread_local! {
    /// Bucket-engine workspaces kept between calls, at most one per field type per thread.
    static WORKSPACES: core::cell::RefCell<Vec<Box<dyn core::any::Any>>> =
        const { core::cell::RefCell::new(Vec::new()) };
}

/// Runs `f` with this thread's workspace for field `F`, created on first use and kept after it:
/// the buckets of a large MSM are allocated once per thread, not once per call, so a prover that
/// commits every step does not allocate circuit-sized buffers every step.
fn with_workspace<F: Field, R>(f: impl FnOnce(&mut Workspace<F>) -> R) -> R {
    let taken = WORKSPACES.with(|pool| {
        let mut pool = pool.borrow_mut();
        let i = pool.iter().position(|w| w.is::<Workspace<F>>())?;
        pool.swap_remove(i).downcast::<Workspace<F>>().ok()
    });
    let mut ws = taken.unwrap_or_default();
    let out = f(&mut ws);
    WORKSPACES.with(|pool| pool.borrow_mut().push(ws));
    out
}

/// Σ over the terms in `parts` (all of magnitude below `2^bits`) with windows chosen by `plan`
/// for `threads` threads; workspaces are sized for `reserve_buckets` buckets.
fn class_sum<C: CurveAffine, T: Term<C::Base>>(
    parts: &[&[T]],
    bits: u32,
    threads: usize,
    reserve_buckets: usize,
) -> C::Curve {
    let n = total_len(parts);
    if n == 0 {
        return C::Curve::identity();
    }
    if n < TINY_THRESHOLD {
        return tiny_sum::<C, T>(parts, bits);
    }
    let (windows, ranges) = plan(bits, n, threads);
    // Group the parts into `ranges` runs of about equal length.
    let target = n.div_ceil(ranges);
    let mut groups: Vec<Vec<&[T]>> = Vec::with_capacity(ranges);
    let mut current = Vec::new();
    let mut len = 0;
    for &p in parts.iter().filter(|p| !p.is_empty()) {
        current.push(p);
        len += p.len();
        if len >= target {
            groups.push(core::mem::take(&mut current));
            len = 0;
        }
    }
    if !current.is_empty() {
        groups.push(current);
    }
    let count = windows.count() as usize;
    let task = |ws: &mut Workspace<C::Base>, t: usize| {
        ws.window_sum::<C, T>(
            &groups[t % groups.len()],
            windows,
            (t / groups.len()) as u32,
            reserve_buckets,
        )
    };
    let tasks = count * groups.len();
    let sums: Vec<C::Curve> = if threads > 1 && tasks > 1 {
        (0..tasks)
            .into_par_iter()
            .map(|t| with_workspace(|ws| task(ws, t)))
            .collect()
    } else {
        with_workspace(|ws| (0..tasks).map(|t| task(ws, t)).collect())
    };
    // Horner over the windows, from the most significant.
    let mut acc = C::Curve::identity();
    for window in sums.chunks(groups.len()).rev() {
        for _ in 0..windows.shift() {
            acc = acc.double();
        }
        for s in window {
            acc += s;
        }
    }
    acc
}

/// `Σ` for a class of fewer than [`TINY_THRESHOLD`] terms, in projective coordinates.
///
/// Batch-affine rounds of a handful of additions would each pay a whole field inversion, so
/// tiny classes use Horner's rule over 4-bit Booth digits instead, with a table of the
/// multiples `1·P ..= 8·P` of every point.
fn tiny_sum<C: CurveAffine, T: Term<C::Base>>(parts: &[&[T]], bits: u32) -> C::Curve {
    const C_TINY: u32 = 4;
    let windows = Windows::Booth {
        c: C_TINY,
        count: (bits + 1).div_ceil(C_TINY),
    };
    // Digits never exceed the magnitude bound, so binary terms need only `P` and `2P`.
    let table_len = (1usize << (C_TINY - 1)).min(1 << bits.min(8));
    let terms: Vec<(&T, Vec<C::Curve>)> = parts
        .iter()
        .flat_map(|p| p.iter())
        .map(|t| {
            let p = t.point().to_affine::<C>().to_curve();
            let mut table = Vec::with_capacity(table_len);
            table.push(p);
            for i in 1..table_len {
                table.push(table[i - 1] + p);
            }
            (t, table)
        })
        .collect();
    let mut acc = C::Curve::identity();
    for w in (0..windows.count()).rev() {
        for _ in 0..C_TINY {
            acc = acc.double();
        }
        for (t, table) in &terms {
            let d = t.digit(windows, w);
            let m = d.unsigned_abs() as usize;
            if d > 0 {
                acc += table[m - 1];
            } else if d < 0 {
                acc -= table[m - 1];
            }
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

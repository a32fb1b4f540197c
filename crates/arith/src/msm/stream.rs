//! An MSM whose terms arrive in pieces.

use ff::PrimeField;
use group::Group;
use halo2curves::CurveAffine;
use rayon::prelude::*;

use super::bucket::{Buckets, Pt, Windows};
use super::{BUCKET_COST, Full, candidates, limbs_of, with_workspace};

/// Most memory the buckets of one [`MsmStream`] may take (all windows together).
///
/// At 2^18 terms the cheapest windows (13 bits, 20 windows of 4,096 buckets) take 5.2 MiB. Wider
/// windows only look cheaper: `origami verify` at 2^18 (2^20 + 2^17 generators) took the same
/// time (3.1–3.4 s, interleaved runs) with caps of 8, 20 and 36 MiB (13-, 15- and 16-bit windows,
/// 27 / 42 / 57 MiB peak) — the larger bucket arrays fall out of cache.
pub const STREAM_BUCKET_MEMORY: usize = 8 << 20;

/// `Σ sᵢ·Pᵢ` over terms that arrive in pieces — generators a verifier reads from disk a chunk at a
/// time, say — at the cost of one MSM over all of them.
///
/// Every window keeps its buckets from one piece to the next, so the buckets are reduced once, in
/// [`finish`](Self::finish), instead of once per piece, and the window width is chosen for the
/// whole length rather than for a piece. Memory: the buckets (at most [`STREAM_BUCKET_MEMORY`])
/// plus one piece's terms. Windows are spread over the rayon pool.
///
/// Scalars are taken as full-width (Booth digits over every bit); small ones are correct but get
/// no special treatment, unlike in [`msm`](super::msm).
pub struct MsmStream<C: CurveAffine> {
    windows: Windows,
    buckets: Vec<Buckets<C::Base>>,
    terms: Vec<Full<C::Base>>,
}

impl<C: CurveAffine> MsmStream<C> {
    /// A stream expecting about `len` terms in all (more or fewer are correct, only slower).
    ///
    /// # Panics
    /// If the scalar field's representation exceeds 256 bits.
    pub fn new(len: usize) -> Self {
        assert!(
            <C::Scalar as PrimeField>::Repr::default().as_ref().len() <= 32,
            "MsmStream: scalars wider than 256 bits"
        );
        let windows = stream_plan(
            C::Scalar::NUM_BITS,
            len,
            rayon::current_num_threads(),
            core::mem::size_of::<Pt<C::Base>>() + 1,
        );
        let buckets = (0..windows.count())
            .map(|_| Buckets::new(windows.buckets()))
            .collect();
        Self {
            windows,
            buckets,
            terms: Vec::new(),
        }
    }

    /// Adds `Σ scalars[i]·bases[i]`. Identity bases and zero scalars are allowed.
    ///
    /// # Panics
    /// If `scalars` and `bases` differ in length.
    pub fn add(&mut self, scalars: &[C::Scalar], bases: &[C]) {
        self.add_points(scalars, bases, Pt::of);
    }

    /// Adds `Σ scalars[i]·(x_i, y_i)` for coordinates of points the caller has already checked to
    /// be on the curve (the check costs as much as decoding them, so it is not repeated).
    pub(crate) fn add_coordinates(
        &mut self,
        scalars: &[C::Scalar],
        coordinates: &[(C::Base, C::Base)],
    ) {
        self.add_points(scalars, coordinates, |&(x, y)| Some(Pt { x, y }));
    }

    /// Adds `Σ scalars[i]·point(points[i])`, skipping points that `point` maps to `None`.
    fn add_points<P: Sync>(
        &mut self,
        scalars: &[C::Scalar],
        points: &[P],
        point: impl Fn(&P) -> Option<Pt<C::Base>> + Sync + Send,
    ) {
        assert_eq!(
            scalars.len(),
            points.len(),
            "MsmStream: scalars and points differ in length"
        );
        self.terms.clear();
        self.terms.par_extend(
            scalars
                .par_iter()
                .zip(points.par_iter())
                .filter_map(|(s, p)| full_term(s, point(p)?)),
        );
        self.add_terms();
    }

    fn add_terms(&mut self) {
        let (windows, terms) = (self.windows, &self.terms[..]);
        self.buckets
            .par_iter_mut()
            .enumerate()
            .for_each(|(w, state)| {
                with_workspace(|ws| ws.add_terms(state, &[terms], windows, w as u32))
            });
    }

    /// The sum of every term added.
    pub fn finish(self) -> C::Curve {
        let windows = self.windows;
        let sums: Vec<C::Curve> = self.buckets.par_iter().map(|b| b.reduce::<C>()).collect();
        // Horner over the windows, from the most significant.
        let mut acc = C::Curve::identity();
        for s in sums.iter().rev() {
            for _ in 0..windows.shift() {
                acc = acc.double();
            }
            acc += s;
        }
        acc
    }
}

/// The term `s·p`, or `None` when `s` is zero.
fn full_term<S: PrimeField, F: ff::Field>(s: &S, pt: Pt<F>) -> Option<Full<F>> {
    let limbs = limbs_of(s.to_repr().as_ref());
    (limbs != [0; 4]).then_some(Full { pt, limbs })
}

/// The Booth windows for a stream of `len` terms of `bits`-bit scalars on `threads` threads whose
/// buckets (`bucket_bytes` each) fit [`STREAM_BUCKET_MEMORY`]: every window is a task that adds
/// each term once and reduces its buckets once, at the end.
fn stream_plan(bits: u32, len: usize, threads: usize, bucket_bytes: usize) -> Windows {
    candidates(bits)
        .filter(|w| matches!(w, Windows::Booth { .. }))
        .filter(|w| w.count() as usize * w.buckets() * bucket_bytes <= STREAM_BUCKET_MEMORY)
        .map(|w| {
            let per_window = len as f64 + BUCKET_COST * w.buckets() as f64;
            (
                w,
                (w.count() as usize).div_ceil(threads) as f64 * per_window,
            )
        })
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(w, _)| w)
        // The narrowest Booth windows (2 bits, 2 buckets each) fit any sensible cap.
        .expect("some Booth windows fit STREAM_BUCKET_MEMORY")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::curve::{AffineOf, CycleCurve, Pallas, ScalarOf, Vesta};
    use crate::msm::msm;
    use ff::Field;
    use group::{Curve, prime::PrimeCurveAffine};
    use rand::{SeedableRng, rngs::StdRng};

    fn pieces_agree<C: CycleCurve>() {
        let mut rng = StdRng::seed_from_u64(9);
        let n = 3000;
        let points: Vec<AffineOf<C>> = (0..n)
            .map(|i| {
                if i % 97 == 5 {
                    AffineOf::<C>::identity()
                } else {
                    C::Point::random(&mut rng).to_affine()
                }
            })
            .collect();
        let scalars: Vec<ScalarOf<C>> = (0..n)
            .map(|i| match i % 11 {
                0 => ScalarOf::<C>::ZERO,
                1 => -ScalarOf::<C>::ONE,
                2 => ScalarOf::<C>::from(i as u64),
                _ => ScalarOf::<C>::random(&mut rng),
            })
            .collect();
        // Repeated points make buckets meet equal and opposite points.
        let mut points = points;
        points[10] = points[20];
        points[30] = -points[40];
        let expected = msm(&scalars, &points);
        for (expected_len, piece) in [(n, 1000), (n, 7), (10, 512), (1 << 20, 3000)] {
            let mut stream = MsmStream::<AffineOf<C>>::new(expected_len);
            for (s, p) in scalars.chunks(piece).zip(points.chunks(piece)) {
                stream.add(s, p);
            }
            assert_eq!(stream.finish(), expected, "piece {piece}");
        }
        assert_eq!(
            MsmStream::<AffineOf<C>>::new(100).finish(),
            C::Point::identity()
        );
    }

    #[test]
    fn a_stream_in_pieces_equals_one_msm() {
        pieces_agree::<Pallas>();
        pieces_agree::<Vesta>();
    }

    #[test]
    fn windows_fit_the_memory_cap_and_widen_with_length() {
        let bytes = 65;
        let mut last_c = 0;
        for log in [4, 10, 14, 16, 18, 20, 24] {
            let w = stream_plan(255, 1 << log, 2, bytes);
            let Windows::Booth { c, count } = w else {
                panic!("stream windows are Booth windows");
            };
            assert!(c * count > 255, "2^{log}: windows cover the scalar");
            assert!(count as usize * w.buckets() * bytes <= STREAM_BUCKET_MEMORY);
            assert!(c >= last_c, "2^{log}: c {c} after {last_c}");
            last_c = c;
        }
        let Windows::Booth { c, .. } = stream_plan(255, 1 << 18, 2, bytes) else {
            unreachable!()
        };
        assert_eq!(c, 13);
    }
}

//! Bucket accumulation with batch-affine additions.
//!
//! One *task* sums, for one window, the points of a run of terms into buckets by their window
//! digit, then reduces the buckets to `Σ b · bucket[b]`. Points are added in affine coordinates:
//! an affine addition needs one field inversion, and Montgomery's trick shares one inversion
//! among all additions of a round, so an addition costs about 6 multiplications against the
//! 11–12 of a projective (complete-formula) addition.
//!
//! Instead of scheduling additions into buckets one by one (which must stall when a bucket
//! already has an addition pending), the points of a sub-chunk are sorted by bucket (counting
//! sort) so that every bucket owns a contiguous segment; each round adds adjacent pairs inside
//! every segment, halving it, until each segment holds at most one point. Rounds are large (half
//! the points of the sub-chunk), so the one inversion per round is negligible, and the memory
//! access is sequential.

use ff::Field;
use group::Group;
use halo2curves::CurveAffine;

/// An affine point as bare coordinates.
///
/// Bases are converted once: `CurveAffine::coordinates` checks that the point is on the curve
/// (three multiplications), which would cost half an addition if paid in the inner loops.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Pt<F> {
    pub(super) x: F,
    pub(super) y: F,
}

impl<F: Field> Pt<F> {
    /// The coordinates of a base, or `None` for the identity (which contributes nothing).
    pub(super) fn of<C: CurveAffine<Base = F>>(p: &C) -> Option<Self> {
        crate::curve::affine_xy(p).map(|(x, y)| Pt { x, y })
    }

    pub(super) fn neg(self) -> Self {
        Pt {
            x: self.x,
            y: -self.y,
        }
    }

    /// `Some(-self)` if `negate`, else `Some(self)`.
    pub(super) fn signed(self, negate: bool) -> Self {
        if negate { self.neg() } else { self }
    }

    pub(super) fn to_affine<C: CurveAffine<Base = F>>(self) -> C {
        // Every point we hold is a sum of on-curve points computed with the group law, so the
        // check cannot fail unless the addition code is wrong.
        Option::from(C::from_xy(self.x, self.y))
            .expect("msm: a bucket sum left the curve (bug in the affine addition)")
    }
}

/// How the scalars of a class are cut into windows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Windows {
    /// One window holding the whole magnitude: digits are the magnitudes themselves, in
    /// `1 ..= 2^bits - 1`, with `2^bits - 1` buckets. The sign was already folded into the point.
    Single { bits: u32 },
    /// Signed (Booth) digits of `c` bits: `count` windows, digits in `-2^(c-1) ..= 2^(c-1)`,
    /// `2^(c-1)` buckets; the point is negated for negative digits.
    Booth { c: u32, count: u32 },
}

impl Windows {
    pub(super) fn count(self) -> u32 {
        match self {
            Windows::Single { .. } => 1,
            Windows::Booth { count, .. } => count,
        }
    }

    pub(super) fn buckets(self) -> usize {
        match self {
            Windows::Single { bits } => (1usize << bits) - 1,
            Windows::Booth { c, .. } => 1usize << (c - 1),
        }
    }

    /// Bits between consecutive windows (the doublings applied when combining them).
    pub(super) fn shift(self) -> u32 {
        match self {
            Windows::Single { bits } => bits,
            Windows::Booth { c, .. } => c,
        }
    }
}

/// `width ≤ 32` bits of the little-endian limbs starting at bit `pos`; bits past the end are 0.
#[inline]
fn bits_at(limbs: &[u64], pos: u32, width: u32) -> u64 {
    let i = (pos / 64) as usize;
    let off = pos % 64;
    let Some(&lo) = limbs.get(i) else { return 0 };
    let mut v = lo >> off;
    if off + width > 64
        && let Some(&hi) = limbs.get(i + 1)
    {
        v |= hi << (64 - off);
    }
    v & ((1u64 << width) - 1)
}

/// Booth digit `w` of a scalar with window `c`: bits `[cw, cw+c)` plus the bit below the
/// window, minus `2^c` when the window's top bit is set (that bit is lent to the next window).
/// The digits reconstruct the scalar exactly when its bit `c·count - 1` is zero.
#[inline]
pub(super) fn booth_digit(limbs: &[u64], w: u32, c: u32) -> i32 {
    let u = if w == 0 {
        bits_at(limbs, 0, c) << 1
    } else {
        bits_at(limbs, w * c - 1, c + 1)
    } as i32;
    let top = (u >> c) & 1;
    (u >> 1) + (u & 1) - (top << c)
}

/// A term of a class: a point (sign already applied) and a scalar the windows read digits from.
pub(super) trait Term<F>: Sync {
    fn point(&self) -> Pt<F>;
    fn digit(&self, windows: Windows, w: u32) -> i32;
}

/// A run of sorted points belonging to one bucket, still to be summed.
#[derive(Clone, Copy, Debug)]
struct Segment {
    start: u32,
    len: u32,
    bucket: u32,
}

/// The buckets of one window: bucket `b` holds the sum of the points whose digit has magnitude
/// `b + 1` so far (`full[b]` false while it holds none).
pub(super) struct Buckets<F> {
    bucket: Vec<Pt<F>>,
    full: Vec<bool>,
}

impl<F: Field> Default for Buckets<F> {
    fn default() -> Self {
        Buckets {
            bucket: Vec::new(),
            full: Vec::new(),
        }
    }
}

impl<F: Field> Buckets<F> {
    /// `count` empty buckets.
    pub(super) fn new(count: usize) -> Self {
        let mut b = Self::default();
        b.reset(count);
        b
    }

    /// Capacity for `count` buckets, reserved exactly.
    fn reserve(&mut self, count: usize) {
        at_least(&mut self.bucket, count);
        at_least(&mut self.full, count);
    }

    /// Empties the buckets and sets their number to `count`.
    fn reset(&mut self, count: usize) {
        self.bucket.clear();
        self.bucket.resize(count, Pt::default());
        self.full.clear();
        self.full.resize(count, false);
    }

    /// `Σ_b (b+1) · bucket_b` by the running-sum trick: after visiting bucket b from the top,
    /// `running = Σ_{b' ≥ b} bucket_b'`, and adding `running` once per bucket weights each
    /// bucket by its index.
    pub(super) fn reduce<C: CurveAffine<Base = F>>(&self) -> C::Curve {
        let mut running = C::Curve::identity();
        let mut sum = C::Curve::identity();
        for (p, &full) in self.bucket.iter().zip(self.full.iter()).rev() {
            if full {
                running += p.to_affine::<C>();
            }
            sum += running;
        }
        sum
    }
}

/// Reserves exactly enough for `n` elements in all (not `n` more).
fn at_least<V>(v: &mut Vec<V>, n: usize) {
    v.reserve_exact(n.saturating_sub(v.len()));
}

/// Scratch of one task, reused across sub-chunks and across the tasks a thread runs.
pub(super) struct Workspace<F> {
    /// The buckets of [`Workspace::window_sum`], kept with the scratch so that they too are
    /// allocated once per thread.
    buckets: Buckets<F>,
    start: Vec<u32>,
    digit: Vec<i32>,
    pts: Vec<Pt<F>>,
    segments: Vec<Segment>,
    den: Vec<F>,
    prefix: Vec<F>,
}

impl<F: Field> Default for Workspace<F> {
    fn default() -> Self {
        Workspace {
            buckets: Buckets::default(),
            start: Vec::new(),
            digit: Vec::new(),
            pts: Vec::new(),
            segments: Vec::new(),
            den: Vec::new(),
            prefix: Vec::new(),
        }
    }
}

/// Terms sorted and reduced at once: bounds the scratch memory of a task while keeping rounds
/// large enough that the shared inversion is cheap.
fn sub_chunk_len(buckets: usize) -> usize {
    (1usize << 15).max(2 * buckets)
}

/// Replaces every element by its inverse with one field inversion (Montgomery's trick).
/// All elements must be non-zero.
fn batch_invert<F: Field>(values: &mut [F], prefix: &mut Vec<F>) {
    prefix.clear();
    let mut acc = F::ONE;
    for v in values.iter() {
        prefix.push(acc);
        acc *= v;
    }
    // The callers only put differences of distinct x-coordinates and doubled non-zero
    // y-coordinates here (odd prime-order curves have no point with y = 0).
    let mut inv = Option::<F>::from(acc.invert())
        .expect("msm: zero denominator in batch inversion (bug in the affine addition)");
    for (v, p) in values.iter_mut().zip(prefix.iter()).rev() {
        let next = inv * *v;
        *v = inv * p;
        inv = next;
    }
}

impl<F: Field> Workspace<F> {
    /// `Σ_b (b+1) · bucket_b` for window `w` of `terms`, where bucket `b` collects the points
    /// whose digit has magnitude `b+1`. `reserve_buckets` is the largest bucket count any class
    /// of the same MSM may use: the scratch is sized for it on first use, so a workspace kept
    /// across calls never grows (and reallocates) in a later call that picks a wider window.
    pub(super) fn window_sum<C, T>(
        &mut self,
        parts: &[&[T]],
        windows: Windows,
        w: u32,
        reserve_buckets: usize,
    ) -> C::Curve
    where
        C: CurveAffine<Base = F>,
        T: Term<F>,
    {
        let buckets = windows.buckets();
        let widest = buckets.max(reserve_buckets);
        self.reserve(widest, sub_chunk_len(widest));
        let mut state = core::mem::take(&mut self.buckets);
        state.reserve(buckets.max(reserve_buckets));
        state.reset(buckets);
        self.add_terms(&mut state, parts, windows, w);
        let sum = state.reduce::<C>();
        self.buckets = state;
        sum
    }

    /// Adds window `w` of the terms in `parts` into `state` (which has `windows.buckets()`
    /// buckets), a sub-chunk of about `sub_chunk_len` terms at a time.
    pub(super) fn add_terms<T: Term<F>>(
        &mut self,
        state: &mut Buckets<F>,
        parts: &[&[T]],
        windows: Windows,
        w: u32,
    ) {
        debug_assert_eq!(state.bucket.len(), windows.buckets());
        let sub = sub_chunk_len(windows.buckets());
        // Scratch for the sub-chunks these terms fill, not more: a stream's pieces may be smaller.
        let terms: usize = parts.iter().map(|p| p.len()).sum();
        self.reserve(windows.buckets(), sub.min(terms));
        let mut batch: Vec<&[T]> = Vec::new();
        let mut len = 0;
        for part in parts {
            for piece in part.chunks(sub) {
                if len + piece.len() > sub {
                    self.accumulate(state, &batch, windows, w);
                    batch.clear();
                    len = 0;
                }
                batch.push(piece);
                len += piece.len();
            }
        }
        self.accumulate(state, &batch, windows, w);
    }

    /// Scratch for windows of up to `buckets` buckets and sub-chunks of up to `sub` terms,
    /// reserved exactly.
    fn reserve(&mut self, buckets: usize, sub: usize) {
        let points = sub + buckets;
        at_least(&mut self.start, buckets + 1);
        at_least(&mut self.segments, buckets);
        at_least(&mut self.digit, sub);
        at_least(&mut self.pts, points);
        at_least(&mut self.den, points / 2);
        at_least(&mut self.prefix, points / 2);
    }

    /// Adds the points of the terms in `parts` into the buckets `state` for window `w`.
    fn accumulate<T: Term<F>>(
        &mut self,
        state: &mut Buckets<F>,
        parts: &[&[T]],
        windows: Windows,
        w: u32,
    ) {
        let buckets = state.bucket.len();
        // Count the points of every bucket: the bucket's current sum plus the new points.
        self.start.clear();
        self.start.resize(buckets + 1, 0);
        for (b, &full) in state.full.iter().enumerate() {
            self.start[b + 1] = full as u32;
        }
        self.digit.clear();
        for t in parts.iter().flat_map(|p| p.iter()) {
            let d = t.digit(windows, w);
            debug_assert!(d.unsigned_abs() as usize <= buckets);
            self.digit.push(d);
            if d != 0 {
                self.start[d.unsigned_abs() as usize] += 1;
            }
        }
        for b in 0..buckets {
            self.start[b + 1] += self.start[b];
        }
        let total = self.start[buckets] as usize;
        self.pts.clear();
        self.pts.resize(total, Pt::default());
        // Scatter: `start[b]` serves as the write cursor of bucket `b` and ends at the start of
        // bucket `b + 1`; the segments are rebuilt from those ends below.
        for b in 0..buckets {
            if state.full[b] {
                self.pts[self.start[b] as usize] = state.bucket[b];
                self.start[b] += 1;
                state.full[b] = false;
            }
        }
        for (t, &d) in parts.iter().flat_map(|p| p.iter()).zip(self.digit.iter()) {
            if d != 0 {
                let b = d.unsigned_abs() as usize - 1;
                self.pts[self.start[b] as usize] = t.point().signed(d < 0);
                self.start[b] += 1;
            }
        }
        // Now `start[b]` is the end of bucket b, which is the start of bucket b + 1.
        self.segments.clear();
        let mut begin = 0u32;
        for b in 0..buckets {
            let end = self.start[b];
            let len = end - begin;
            if len == 1 {
                state.bucket[b] = self.pts[begin as usize];
                state.full[b] = true;
            } else if len > 1 {
                self.segments.push(Segment {
                    start: begin,
                    len,
                    bucket: b as u32,
                });
            }
            begin = end;
        }
        while !self.segments.is_empty() {
            self.add_pairs(state);
        }
    }

    /// One round: in every segment, replaces each adjacent pair by its sum, in place.
    fn add_pairs(&mut self, state: &mut Buckets<F>) {
        self.den.clear();
        for s in &self.segments {
            let seg = &self.pts[s.start as usize..(s.start + s.len) as usize];
            for pair in seg.chunks_exact(2) {
                let (p, q) = (&pair[0], &pair[1]);
                self.den.push(if p.x != q.x {
                    q.x - p.x
                } else if p.y == q.y {
                    p.y.double()
                } else {
                    // p = -q: the sum is the identity; a placeholder keeps the indices aligned.
                    F::ONE
                });
            }
        }
        batch_invert(&mut self.den, &mut self.prefix);

        let mut k = 0;
        let pts = &mut self.pts;
        let (bucket, full) = (&mut state.bucket, &mut state.full);
        let den = &self.den;
        self.segments.retain_mut(|s| {
            let base = s.start as usize;
            let mut out = base;
            for j in 0..(s.len / 2) as usize {
                let (p, q) = (pts[base + 2 * j], pts[base + 2 * j + 1]);
                let inv = den[k];
                k += 1;
                let lambda = if p.x != q.x {
                    (q.y - p.y) * inv
                } else if p.y == q.y {
                    let xx = p.x.square();
                    (xx.double() + xx) * inv
                } else {
                    continue;
                };
                let x = lambda.square() - p.x - q.x;
                let y = lambda * (p.x - x) - p.y;
                // `out <= base + 2j`: the write never clobbers a point not yet read.
                pts[out] = Pt { x, y };
                out += 1;
            }
            if s.len % 2 == 1 {
                pts[out] = pts[base + s.len as usize - 1];
                out += 1;
            }
            s.len = (out - base) as u32;
            match s.len {
                0 => false,
                1 => {
                    bucket[s.bucket as usize] = pts[base];
                    full[s.bucket as usize] = true;
                    false
                }
                _ => true,
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booth_digits_reconstruct_the_scalar() {
        // Two limbs below 2^126 so the reconstruction fits an i128; windows cross limb borders.
        let values: [u128; 4] = [
            0,
            1,
            0x2123_4567_89ab_cdef_fedc_ba98_7654_3210,
            (1u128 << 126) - 1,
        ];
        for v in values {
            let limbs = [v as u64, (v >> 64) as u64];
            for c in 2..=17u32 {
                let count = 127u32.div_ceil(c);
                let mut acc: i128 = 0;
                for w in (0..count).rev() {
                    let d = booth_digit(&limbs, w, c);
                    assert!(d.unsigned_abs() <= 1 << (c - 1), "c {c} w {w} d {d}");
                    acc = (acc << c) + i128::from(d);
                }
                assert_eq!(acc, v as i128, "c {c}");
            }
        }
    }
}

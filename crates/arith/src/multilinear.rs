//! Multilinear polynomials in evaluation form, as Spartan's sum-check uses them.
//!
//! A polynomial in `m` variables is stored as its `2^m` values on the Boolean hypercube. Index `i`
//! holds the value at the point whose bits are those of `i`, with the first variable `x_0` as the
//! most significant bit: binding `x_0` then pairs the two halves of the table.

use ff::PrimeField;
use rayon::prelude::*;

/// Tables at least this long are processed in parallel; below it the rayon overhead dominates.
pub const PARALLEL_THRESHOLD: usize = 1 << 12;

/// Errors from multilinear polynomial operations.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PolyError {
    /// The table length is not a power of two.
    #[error("evaluation table of length {0} is not a power of two")]
    NotPowerOfTwo(usize),
    /// A point has the wrong number of coordinates.
    #[error("point has {got} coordinates but the polynomial has {expected} variables")]
    WrongArity {
        /// Number of variables of the polynomial.
        expected: usize,
        /// Number of coordinates given.
        got: usize,
    },
    /// Binding a variable of a constant polynomial.
    #[error("the polynomial has no variable left to bind")]
    NoVariables,
}

/// A multilinear polynomial given by its evaluations on `{0,1}^m`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MultilinearPolynomial<F> {
    num_vars: usize,
    evals: Vec<F>,
}

impl<F: PrimeField> MultilinearPolynomial<F> {
    /// Wraps an evaluation table whose length is a power of two.
    pub fn new(evals: Vec<F>) -> Result<Self, PolyError> {
        if !evals.len().is_power_of_two() {
            return Err(PolyError::NotPowerOfTwo(evals.len()));
        }
        Ok(Self {
            num_vars: evals.len().trailing_zeros() as usize,
            evals,
        })
    }

    /// Number of variables.
    pub fn num_vars(&self) -> usize {
        self.num_vars
    }

    /// The evaluation table.
    pub fn evals(&self) -> &[F] {
        &self.evals
    }

    /// Evaluates at `r ∈ F^m` as `Σ_x eq(r, x)·p(x)`.
    pub fn evaluate(&self, r: &[F]) -> Result<F, PolyError> {
        if r.len() != self.num_vars {
            return Err(PolyError::WrongArity {
                expected: self.num_vars,
                got: r.len(),
            });
        }
        let eq = EqPolynomial::new(r.to_vec()).evals();
        Ok(inner_product(&eq, &self.evals))
    }

    /// Fixes the first variable to `r`, halving the table in place:
    /// `p'(x_1..) = p(0, x_1..) + r·(p(1, x_1..) − p(0, x_1..))`.
    pub fn bind_first(&mut self, r: &F) -> Result<(), PolyError> {
        if self.num_vars == 0 {
            return Err(PolyError::NoVariables);
        }
        let half = self.evals.len() / 2;
        let (low, high) = self.evals.split_at_mut(half);
        let bind = |(l, h): (&mut F, &F)| *l += *r * (*h - *l);
        if half >= PARALLEL_THRESHOLD {
            low.par_iter_mut().zip(high.par_iter()).for_each(bind);
        } else {
            low.iter_mut().zip(high.iter()).for_each(bind);
        }
        self.evals.truncate(half);
        self.num_vars -= 1;
        Ok(())
    }
}

/// `eq(r, x) = Π_i (r_i·x_i + (1 − r_i)(1 − x_i))`: 1 where `x = r` on the hypercube, 0 elsewhere.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EqPolynomial<F> {
    r: Vec<F>,
}

impl<F: PrimeField> EqPolynomial<F> {
    /// The eq polynomial anchored at `r`.
    pub fn new(r: Vec<F>) -> Self {
        Self { r }
    }

    /// `eq(r, x)` at an arbitrary point `x`.
    pub fn evaluate(&self, x: &[F]) -> Result<F, PolyError> {
        if x.len() != self.r.len() {
            return Err(PolyError::WrongArity {
                expected: self.r.len(),
                got: x.len(),
            });
        }
        Ok(self
            .r
            .iter()
            .zip(x)
            .map(|(r, x)| *r * x + (F::ONE - r) * (F::ONE - x))
            .product())
    }

    /// The table `eq(r, x)` for all `x ∈ {0,1}^m`, in `2^m` multiplications.
    ///
    /// Built one variable at a time: each entry `e` for a prefix splits into `e·(1 − r_j)` and
    /// `e·r_j`, and the second is computed as `e·r_j` and the first as `e − e·r_j`, one multiply
    /// per output pair.
    pub fn evals(&self) -> Vec<F> {
        let n = 1usize << self.r.len();
        let mut table = vec![F::ZERO; n];
        table[0] = F::ONE;
        let mut size = 1;
        for r in &self.r {
            // Entry k (for the current prefix) moves to 2k and 2k+1: x_j becomes the new lowest bit.
            let (src, _) = table.split_at_mut(2 * size);
            let split = |(pair, e): (&mut [F], F)| {
                let hi = e * r;
                pair[1] = hi;
                pair[0] = e - hi;
            };
            let prefix: Vec<F> = src[..size].to_vec();
            if size >= PARALLEL_THRESHOLD {
                src.par_chunks_mut(2)
                    .zip(prefix.into_par_iter())
                    .for_each(split);
            } else {
                src.chunks_mut(2).zip(prefix).for_each(split);
            }
            size *= 2;
        }
        table
    }
}

/// `Σ a[i]·b[i]` over the common length.
pub fn inner_product<F: PrimeField>(a: &[F], b: &[F]) -> F {
    if a.len().min(b.len()) >= PARALLEL_THRESHOLD {
        a.par_iter().zip(b.par_iter()).map(|(x, y)| *x * y).sum()
    } else {
        a.iter().zip(b).map(|(x, y)| *x * y).sum()
    }
}

/// `Σ_{i < len} eq(r, i)·f(i)`: the multilinear extension at `r` of the table `f(0), …, f(len − 1)`
/// padded with zeros to `2^|r|` entries, without the `2^|r|` table of `eq(r, ·)`. `eq(r, i)`
/// splits into `eq(r_hi, i_hi)·eq(r_lo, i_lo)` over two halves of the variables, whose tables have
/// about `√(2^|r|)` entries each; `f` is called once per index.
///
/// # Panics
/// If `len > 2^|r|`.
pub fn evaluate_padded<F: PrimeField>(r: &[F], len: usize, f: impl Fn(usize) -> F + Sync) -> F {
    assert!(
        r.len() >= usize::BITS as usize || len <= 1usize << r.len(),
        "a table of {len} entries has more than 2^{} of a point's variables",
        r.len()
    );
    let lo_vars = r.len() / 2;
    let (r_hi, r_lo) = r.split_at(r.len() - lo_vars);
    let eq_hi = EqPolynomial::new(r_hi.to_vec()).evals();
    let eq_lo = EqPolynomial::new(r_lo.to_vec()).evals();
    let block = eq_lo.len();
    let sum_block = |b: usize| {
        let start = b * block;
        let inner: F = (start..len.min(start + block))
            .zip(&eq_lo)
            .map(|(i, e)| f(i) * e)
            .sum();
        eq_hi[b] * inner
    };
    let blocks = len.div_ceil(block);
    if len >= PARALLEL_THRESHOLD {
        (0..blocks).into_par_iter().map(sum_block).sum()
    } else {
        (0..blocks).map(sum_block).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ff::Field;
    use halo2curves::pasta::Fp;
    use rand::{SeedableRng, rngs::StdRng};

    fn random(n: usize, rng: &mut StdRng) -> Vec<Fp> {
        (0..n).map(|_| Fp::random(&mut *rng)).collect()
    }

    /// Evaluates by the definition: Σ_x p(x) Π_i (x_i r_i + (1-x_i)(1-r_i)), x_0 the top bit.
    fn naive_evaluate(evals: &[Fp], r: &[Fp]) -> Fp {
        let m = r.len();
        (0..evals.len())
            .map(|i| {
                let w: Fp = (0..m)
                    .map(|j| {
                        let bit = (i >> (m - 1 - j)) & 1 == 1;
                        if bit { r[j] } else { Fp::ONE - r[j] }
                    })
                    .product();
                w * evals[i]
            })
            .sum()
    }

    #[test]
    fn evaluate_matches_definition_and_hypercube() {
        let mut rng = StdRng::seed_from_u64(1);
        for m in [0usize, 1, 3, 6, 13] {
            let evals = random(1 << m, &mut rng);
            let p = MultilinearPolynomial::new(evals.clone()).unwrap();
            let r = random(m, &mut rng);
            if m <= 6 {
                assert_eq!(p.evaluate(&r).unwrap(), naive_evaluate(&evals, &r));
            }
            // On a hypercube point the evaluation is the table entry.
            let i = evals.len() / 3;
            let x: Vec<Fp> = (0..m)
                .map(|j| Fp::from(((i >> (m - 1 - j)) & 1) as u64))
                .collect();
            assert_eq!(p.evaluate(&x).unwrap(), evals[i]);
        }
    }

    #[test]
    fn binding_all_variables_evaluates() {
        let mut rng = StdRng::seed_from_u64(2);
        for m in [1usize, 4, 14] {
            let mut p = MultilinearPolynomial::new(random(1 << m, &mut rng)).unwrap();
            let r = random(m, &mut rng);
            let expected = p.evaluate(&r).unwrap();
            for (k, rk) in r.iter().enumerate() {
                p.bind_first(rk).unwrap();
                assert_eq!(p.num_vars(), m - k - 1);
                // A partially bound polynomial evaluates the remaining coordinates consistently.
                assert_eq!(p.evaluate(&r[k + 1..]).unwrap(), expected);
            }
            assert_eq!(p.evals(), &[expected]);
            assert_eq!(p.bind_first(&Fp::ONE), Err(PolyError::NoVariables));
        }
    }

    #[test]
    fn eq_table_matches_pointwise_evaluation() {
        let mut rng = StdRng::seed_from_u64(3);
        for m in [0usize, 1, 5, 13] {
            let r = random(m, &mut rng);
            let eq = EqPolynomial::new(r.clone());
            let table = eq.evals();
            assert_eq!(table.len(), 1 << m);
            for i in [0, table.len() / 2, table.len() - 1] {
                let x: Vec<Fp> = (0..m)
                    .map(|j| Fp::from(((i >> (m - 1 - j)) & 1) as u64))
                    .collect();
                assert_eq!(table[i], eq.evaluate(&x).unwrap());
            }
            assert_eq!(
                table.iter().copied().sum::<Fp>(),
                Fp::ONE,
                "eq sums to 1 over the cube"
            );
        }
    }

    #[test]
    fn bad_shapes_are_errors() {
        assert_eq!(
            MultilinearPolynomial::new(vec![Fp::ONE; 3]),
            Err(PolyError::NotPowerOfTwo(3))
        );
        let p = MultilinearPolynomial::new(vec![Fp::ONE; 4]).unwrap();
        assert_eq!(
            p.evaluate(&[Fp::ONE]),
            Err(PolyError::WrongArity {
                expected: 2,
                got: 1
            })
        );
    }

    #[test]
    fn a_padded_table_evaluates_as_its_zero_extension() {
        let mut rng = StdRng::seed_from_u64(9);
        for vars in 0..=9 {
            let n = 1usize << vars;
            for len in [0, n / 3, n - n / 4, n] {
                let mut table = random(n, &mut rng);
                table[len..].iter_mut().for_each(|x| *x = Fp::ZERO);
                let r = random(vars, &mut rng);
                let full = MultilinearPolynomial::new(table.clone()).unwrap();
                assert_eq!(
                    evaluate_padded(&r, len, |i| table[i]),
                    full.evaluate(&r).unwrap(),
                    "{vars} variables, {len} entries"
                );
            }
        }
    }
}

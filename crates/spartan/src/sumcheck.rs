//! The sum-check protocol over multilinear tables: the prover for sums of a low-degree product of
//! tables, and the verifier.
//!
//! Round `j` binds the first remaining variable (the top bit of the table index, as
//! [`MultilinearPolynomial::bind_first`] does). Each round message is the round polynomial's values
//! at `0, 2, 3, …, d`; the value at 1 follows from the running claim (`p(0) + p(1) = claim`), so it
//! is never sent.

use ff::{FromUniformBytes, PrimeField};
use origami_arith::{MultilinearPolynomial, Transcript};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::SpartanError;

/// Tables below this many entries per half are summed on one thread.
const PARALLEL_THRESHOLD: usize = 1 << 11;

/// The most tables one sum-check combines (the preprocessing variant's batched sum-check uses 15).
pub const MAX_TABLES: usize = 16;

/// One round's message: the round polynomial at `0, 2, 3, …, degree`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound = "F: PrimeField")]
pub struct RoundPoly<F> {
    #[serde(with = "origami_arith::encoding::field_vec")]
    evals: Vec<F>,
}

impl<F: PrimeField> RoundPoly<F> {
    /// The polynomial's values, the value at 1 omitted.
    pub fn evals(&self) -> &[F] {
        &self.evals
    }

    /// Replaces the values (for tests that tamper with a proof).
    pub fn evals_mut(&mut self) -> &mut Vec<F> {
        &mut self.evals
    }

    /// The value at `r` of the degree-`d` polynomial through `(0, e0), (1, claim − e0), (2, e2), …`.
    fn evaluate(&self, claim: &F, r: &F) -> F {
        let mut ys = Vec::with_capacity(self.evals.len() + 1);
        ys.push(self.evals[0]);
        ys.push(*claim - self.evals[0]);
        ys.extend_from_slice(&self.evals[1..]);
        interpolate(&ys, r)
    }
}

/// The value at `r` of the polynomial of degree `< ys.len()` with `p(k) = ys[k]` (Lagrange).
fn interpolate<F: PrimeField>(ys: &[F], r: &F) -> F {
    let n = ys.len();
    let point = |k: usize| F::from(k as u64);
    let mut total = F::ZERO;
    for (j, y) in ys.iter().enumerate() {
        let mut num = F::ONE;
        let mut den = F::ONE;
        for k in (0..n).filter(|&k| k != j) {
            num *= *r - point(k);
            den *= point(j) - point(k);
        }
        // Denominators are products of small non-zero integers, invertible in any large field.
        total += *y * num * den.invert().unwrap_or(F::ZERO);
    }
    total
}

/// A sum-check proof: one [`RoundPoly`] per variable.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound = "F: PrimeField")]
pub struct SumcheckProof<F> {
    rounds: Vec<RoundPoly<F>>,
}

impl<F: PrimeField + FromUniformBytes<64>> SumcheckProof<F> {
    /// The round messages.
    pub fn rounds(&self) -> &[RoundPoly<F>] {
        &self.rounds
    }

    /// The round messages, mutable (for tests that tamper with a proof).
    pub fn rounds_mut(&mut self) -> &mut [RoundPoly<F>] {
        &mut self.rounds
    }

    /// Proves `claim = Σ_{x ∈ {0,1}^m} g(t_1(x), …, t_k(x))` where `g` (`combine`) has degree at
    /// most `degree` and the `t_i` are the `tables`, which are bound in place as the rounds go
    /// (each ends as its value at the returned point). Returns the proof and the point `r`.
    pub fn prove(
        claim: &F,
        tables: &mut [MultilinearPolynomial<F>],
        degree: usize,
        combine: impl Fn(&[F]) -> F + Sync,
        transcript: &mut Transcript,
    ) -> Result<(Self, Vec<F>), SpartanError> {
        let num_vars = tables.first().map_or(0, |t| t.num_vars());
        if tables.is_empty()
            || tables.len() > MAX_TABLES
            || tables.iter().any(|t| t.num_vars() != num_vars)
            || degree < 1
        {
            return Err(SpartanError::SumcheckShape);
        }
        let mut claim = *claim;
        let mut rounds = Vec::with_capacity(num_vars);
        let mut point = Vec::with_capacity(num_vars);
        for _ in 0..num_vars {
            let evals = round_evals(tables, degree, &combine);
            let message = RoundPoly { evals };
            transcript.absorb_scalars(b"sumcheck round", &message.evals);
            let r: F = transcript.squeeze_challenge(b"sumcheck challenge");
            claim = message.evaluate(&claim, &r);
            for t in tables.iter_mut() {
                t.bind_first(&r)?;
            }
            rounds.push(message);
            point.push(r);
        }
        Ok((Self { rounds }, point))
    }

    /// Checks the rounds against `claim` for a sum over `num_vars` variables of a degree-`degree`
    /// combination. Returns the claim the final point must satisfy, and that point; the caller
    /// checks the claim against its own evaluation of the combination there.
    pub fn verify(
        &self,
        claim: &F,
        num_vars: usize,
        degree: usize,
        transcript: &mut Transcript,
    ) -> Result<(F, Vec<F>), SpartanError> {
        if self.rounds.len() != num_vars {
            return Err(SpartanError::SumcheckRounds {
                expected: num_vars,
                got: self.rounds.len(),
            });
        }
        let mut claim = *claim;
        let mut point = Vec::with_capacity(num_vars);
        for (round, message) in self.rounds.iter().enumerate() {
            if message.evals.len() != degree {
                return Err(SpartanError::SumcheckDegree {
                    round,
                    expected: degree,
                    got: message.evals.len(),
                });
            }
            transcript.absorb_scalars(b"sumcheck round", &message.evals);
            let r: F = transcript.squeeze_challenge(b"sumcheck challenge");
            claim = message.evaluate(&claim, &r);
            point.push(r);
        }
        Ok((claim, point))
    }
}

/// The round polynomial's values at `0, 2, 3, …, degree` for the current tables.
fn round_evals<F: PrimeField>(
    tables: &[MultilinearPolynomial<F>],
    degree: usize,
    combine: &(impl Fn(&[F]) -> F + Sync),
) -> Vec<F> {
    let half = tables[0].evals().len() / 2;
    let k = tables.len();
    // Sum over the pairs (low, high) of every table of g at t = 0, 2, 3, …: each table's value at
    // t is low + t·(high − low), stepped by adding the difference.
    let sum_range = |range: core::ops::Range<usize>| {
        let mut acc = vec![F::ZERO; degree];
        let mut at = [F::ZERO; MAX_TABLES];
        let mut diff = [F::ZERO; MAX_TABLES];
        for i in range {
            for (j, t) in tables.iter().enumerate() {
                let e = t.evals();
                at[j] = e[i];
                diff[j] = e[i + half] - e[i];
            }
            acc[0] += combine(&at[..k]);
            // From t = 0 to t = 2: add the difference twice.
            for j in 0..k {
                at[j] += diff[j].double();
            }
            acc[1] += combine(&at[..k]);
            for slot in acc.iter_mut().skip(2) {
                for j in 0..k {
                    at[j] += diff[j];
                }
                *slot += combine(&at[..k]);
            }
        }
        acc
    };
    if half >= PARALLEL_THRESHOLD {
        let chunk = half.div_ceil(rayon::current_num_threads() * 4).max(1024);
        (0..half.div_ceil(chunk))
            .into_par_iter()
            .map(|c| sum_range(c * chunk..((c + 1) * chunk).min(half)))
            .reduce(
                || vec![F::ZERO; degree],
                |mut a, b| {
                    a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
                    a
                },
            )
    } else {
        sum_range(0..half)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ff::Field;
    use halo2curves::pasta::Fq;
    use rand::{SeedableRng, rngs::StdRng};

    fn table(n: usize, rng: &mut StdRng) -> MultilinearPolynomial<Fq> {
        MultilinearPolynomial::new((0..1 << n).map(|_| Fq::random(&mut *rng)).collect()).unwrap()
    }

    fn cubic(v: &[Fq]) -> Fq {
        v[0] * (v[1] * v[2] - v[3])
    }

    /// Four random tables over `n` variables and the sum of `cubic` over the hypercube.
    fn tables_and_claim(n: usize, rng: &mut StdRng) -> (Vec<MultilinearPolynomial<Fq>>, Fq) {
        let tables: Vec<_> = (0..4).map(|_| table(n, rng)).collect();
        let claim = (0..1 << n)
            .map(|i| {
                let v: Vec<Fq> = tables.iter().map(|t| t.evals()[i]).collect();
                cubic(&v)
            })
            .sum();
        (tables, claim)
    }

    #[test]
    fn interpolation_recovers_a_cubic() {
        let p = |x: Fq| x * x * x * Fq::from(3) + x * Fq::from(5) + Fq::from(7);
        let ys: Vec<Fq> = (0..4).map(|k| p(Fq::from(k))).collect();
        let r = Fq::from(1234);
        assert_eq!(interpolate(&ys, &r), p(r));
    }

    #[test]
    fn honest_proofs_verify_and_end_at_the_tables_values() {
        let mut rng = StdRng::seed_from_u64(3);
        for n in [1usize, 2, 5, 13] {
            let (tables, claim) = tables_and_claim(n, &mut rng);
            let originals = tables.clone();
            let mut bound = tables;
            let (proof, r) =
                SumcheckProof::prove(&claim, &mut bound, 3, cubic, &mut Transcript::new(b"t"))
                    .unwrap();
            let (final_claim, r_v) = proof
                .verify(&claim, n, 3, &mut Transcript::new(b"t"))
                .unwrap();
            assert_eq!(r, r_v);
            let at_r: Vec<Fq> = originals.iter().map(|t| t.evaluate(&r).unwrap()).collect();
            assert_eq!(final_claim, cubic(&at_r));
            let bound_values: Vec<Fq> = bound.iter().map(|t| t.evals()[0]).collect();
            assert_eq!(bound_values, at_r);
        }
    }

    #[test]
    fn a_wrong_claim_or_message_fails_the_final_check() {
        let mut rng = StdRng::seed_from_u64(4);
        let n = 6;
        let (tables, claim) = tables_and_claim(n, &mut rng);
        let final_ok = |proof: &SumcheckProof<Fq>, claim: &Fq| match proof.verify(
            claim,
            n,
            3,
            &mut Transcript::new(b"t"),
        ) {
            Ok((c, r)) => {
                let at_r: Vec<Fq> = tables.iter().map(|t| t.evaluate(&r).unwrap()).collect();
                c == cubic(&at_r)
            }
            Err(_) => false,
        };
        let (proof, _) = SumcheckProof::prove(
            &claim,
            &mut tables.clone(),
            3,
            cubic,
            &mut Transcript::new(b"t"),
        )
        .unwrap();
        assert!(final_ok(&proof, &claim));
        assert!(!final_ok(&proof, &(claim + Fq::ONE)));
        for round in 0..n {
            for k in 0..3 {
                let mut bad = proof.clone();
                bad.rounds_mut()[round].evals_mut()[k] += Fq::ONE;
                assert!(!final_ok(&bad, &claim), "round {round} value {k}");
            }
        }
        let mut short = proof.clone();
        short.rounds_mut()[0].evals_mut().pop();
        assert!(matches!(
            short.verify(&claim, n, 3, &mut Transcript::new(b"t")),
            Err(SpartanError::SumcheckDegree { .. })
        ));
        assert!(matches!(
            proof.verify(&claim, n + 1, 3, &mut Transcript::new(b"t")),
            Err(SpartanError::SumcheckRounds { .. })
        ));
    }
}

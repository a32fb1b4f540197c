//! An inner-product argument (Bulletproofs-style, not hiding) that opens a Pedersen commitment
//! `C = ⟨a, G⟩` to a multilinear evaluation `e = a(r) = ⟨a, eq(r)⟩`.
//!
//! Each round halves the vectors: with a challenge `x`, `a' = a_lo + x⁻¹·a_hi`,
//! `b' = b_lo + x·b_hi`, `G' = G_lo + x·G_hi`, and the statement `P = ⟨a, G⟩ + ⟨a, b⟩·U` becomes
//! `P' = P + x·L + x⁻¹·R` with the cross terms `L = ⟨a_lo, G_hi⟩ + ⟨a_lo, b_hi⟩·U` and
//! `R = ⟨a_hi, G_lo⟩ + ⟨a_hi, b_lo⟩·U`. After `log n` rounds one scalar `a₀` is left; the verifier
//! rebuilds `G₀` and `b₀` from the challenges (one `n`-term MSM, and `b₀` in `O(log n)` because
//! `eq(r)` is a tensor product) and checks `P_final = a₀·G₀ + a₀·b₀·U`. [`reduce`] does everything
//! but the MSM and returns an [`IpaClaim`]; [`check_claims`] settles several claims with one pass
//! over the generators, which a [`GeneratorSource`] may stream instead of holding.
//!
//! `U` is the key's blinding generator scaled by a transcript challenge, so the prover cannot
//! choose the relation between `U` and the `G`. Round challenges come from a 2^128 space and are
//! shaped `k₁ + k₂·ζ` so that the prover folds each generator pair with 64 doublings, using the
//! curve's cube-root endomorphism (see [`RoundChallenge`]).

use ff::{Field, PrimeField, WithSmallOrderMulGroup};
use group::{Curve, Group, prime::PrimeCurveAffine};
use origami_arith::curve::{affine_from_xy, affine_xy};
use origami_arith::{
    AffineOf, Commitment, CommitmentKey, CycleCurve, EqPolynomial, GeneratorSource, PointOf,
    ScalarOf, Transcript, msm::msm, multilinear::inner_product,
};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::SpartanError;

/// An opening proof: the cross terms of every round and the last scalar.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct IpaProof<C: CycleCurve> {
    /// `L_j` of every round.
    pub l: Vec<Commitment<C>>,
    /// `R_j` of every round.
    pub r: Vec<Commitment<C>>,
    /// The folded vector's single entry.
    #[serde(with = "origami_arith::encoding::field")]
    pub a: ScalarOf<C>,
}

/// The statement: `commitment` opens to a vector whose multilinear extension is `eval` at `point`.
#[derive(Clone, Copy, Debug)]
pub struct Opening<'a, C: CycleCurve> {
    /// Commitment to the vector (its length is `2^point.len()`).
    pub commitment: &'a Commitment<C>,
    /// The evaluation point.
    pub point: &'a [ScalarOf<C>],
    /// The claimed value.
    pub eval: &'a ScalarOf<C>,
}

impl<C: CycleCurve> Opening<'_, C> {
    /// Binds the statement into the transcript and derives `U` from the blinding generator.
    fn absorb(&self, blinding: &AffineOf<C>, transcript: &mut Transcript) -> PointOf<C> {
        transcript.absorb_point(b"ipa commitment", &self.commitment.to_affine());
        transcript.absorb_scalars(b"ipa point", self.point);
        transcript.absorb_scalar(b"ipa eval", self.eval);
        let xi: ScalarOf<C> = transcript.squeeze_challenge(b"ipa u");
        PointOf::<C>::from(*blinding) * xi
    }
}

/// A round challenge `x = k₁ + k₂·ζ`, with `k₁, k₂` 64-bit integers from the transcript and `ζ`
/// the scalar field's cube root of unity. Distinct `(k₁, k₂)` give distinct `x` (a collision
/// would make `ζ` a ratio of two 64-bit integers), so the challenge space is 2^128, as with a
/// 128-bit integer — but on a curve whose endomorphism `(x, y) ↦ (β·x, y)` acts as `ζ`, `x·P` costs
/// 64 doublings instead of 128.
#[derive(Clone, Copy, Debug)]
struct RoundChallenge<F> {
    k1: u64,
    k2: u64,
    x: F,
}

fn round_challenge<F: ff::FromUniformBytes<64> + PrimeField + WithSmallOrderMulGroup<3>>(
    transcript: &mut Transcript,
    l: &[u8],
) -> RoundChallenge<F> {
    loop {
        let c: F = transcript.squeeze_challenge(l);
        let repr = c.to_repr();
        let limb = |i: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&repr.as_ref()[8 * i..8 * i + 8]);
            u64::from_le_bytes(b)
        };
        let (k1, k2) = (limb(0), limb(1));
        let x = F::from(k1) + F::ZETA * F::from(k2);
        if !bool::from(x.is_zero()) {
            return RoundChallenge { k1, k2, x };
        }
    }
}

/// The base-field `β` with `(β·x, y) = ζ·(x, y)` on curve `C`, if `C` has that endomorphism
/// (curves `y² = x³ + b`, such as Pallas and Vesta).
fn endomorphism<C: CycleCurve>() -> Option<C::Base> {
    let g = AffineOf::<C>::generator();
    let (x, y) = affine_xy(&g)?;
    let target = (g * ScalarOf::<C>::ZETA).to_affine();
    [C::Base::ZETA, C::Base::ZETA.square()]
        .into_iter()
        .find(|beta| affine_from_xy::<AffineOf<C>>(*beta * x, y) == Some(target))
}

/// `x·p` for a round challenge: `k₁·p + k₂·φ(p)` by joint double-and-add over 64 bits when the
/// curve has the endomorphism `φ`, a plain multiplication otherwise.
fn mul_challenge<C: CycleCurve>(
    p: &AffineOf<C>,
    c: &RoundChallenge<ScalarOf<C>>,
    beta: Option<C::Base>,
) -> PointOf<C> {
    let phi_p = beta.and_then(|beta| {
        let (x, y) = affine_xy(p)?;
        affine_from_xy::<AffineOf<C>>(beta * x, y)
    });
    let Some(phi_p) = phi_p else {
        return *p * c.x;
    };
    let mut acc = PointOf::<C>::identity();
    for bit in (0..64 - (c.k1 | c.k2).leading_zeros()).rev() {
        acc = acc.double();
        if (c.k1 >> bit) & 1 == 1 {
            acc += p;
        }
        if (c.k2 >> bit) & 1 == 1 {
            acc += phi_p;
        }
    }
    acc
}

fn check_sizes<C: CycleCurve>(
    ck: &CommitmentKey<C>,
    len: usize,
    rounds: usize,
) -> Result<(), SpartanError> {
    if rounds >= usize::BITS as usize || len != 1usize << rounds {
        return Err(SpartanError::Length {
            what: "IPA vector",
            expected: 1usize.checked_shl(rounds as u32).unwrap_or(0),
            got: len,
        });
    }
    if len > ck.len() {
        return Err(SpartanError::KeyTooShort { len, key: ck.len() });
    }
    Ok(())
}

/// Proves that `opening.commitment = ⟨a, G⟩` evaluates to `opening.eval` at `opening.point`;
/// `a` is the committed vector.
pub fn prove<C: CycleCurve>(
    ck: &CommitmentKey<C>,
    opening: Opening<'_, C>,
    a: &[ScalarOf<C>],
    transcript: &mut Transcript,
) -> Result<IpaProof<C>, SpartanError> {
    check_sizes(ck, a.len(), opening.point.len())?;
    let u = opening
        .absorb(&ck.blinding_generator(), transcript)
        .to_affine();
    let mut a = a.to_vec();
    let mut b = EqPolynomial::new(opening.point.to_vec()).evals();
    let mut g: Vec<AffineOf<C>> = ck.generators()[..a.len()].to_vec();
    let beta = endomorphism::<C>();
    let rounds = opening.point.len();
    let (mut ls, mut rs) = (Vec::with_capacity(rounds), Vec::with_capacity(rounds));
    while a.len() > 1 {
        let half = a.len() / 2;
        let (a_lo, a_hi) = a.split_at(half);
        let (b_lo, b_hi) = b.split_at(half);
        let (g_lo, g_hi) = g.split_at(half);
        let cross = |a: &[ScalarOf<C>], g: &[AffineOf<C>], b: &[ScalarOf<C>]| {
            Commitment::<C>::from_point(msm(a, g) + u * inner_product(a, b))
        };
        let (l, r) = rayon::join(|| cross(a_lo, g_hi, b_hi), || cross(a_hi, g_lo, b_lo));
        transcript.absorb_point(b"ipa L", &l.to_affine());
        transcript.absorb_point(b"ipa R", &r.to_affine());
        let c = round_challenge::<ScalarOf<C>>(transcript, b"ipa x");
        let (xf, x_inv) = (c.x, c.x.invert().unwrap_or(ScalarOf::<C>::ZERO));
        let folded_g: Vec<PointOf<C>> = g_lo
            .par_iter()
            .zip(g_hi.par_iter())
            .map(|(lo, hi)| mul_challenge::<C>(hi, &c, beta) + lo)
            .collect();
        let mut next_g = vec![AffineOf::<C>::identity(); half];
        PointOf::<C>::batch_normalize(&folded_g, &mut next_g);
        let next_a: Vec<_> = a_lo
            .iter()
            .zip(a_hi)
            .map(|(lo, hi)| *lo + x_inv * hi)
            .collect();
        let next_b: Vec<_> = b_lo
            .iter()
            .zip(b_hi)
            .map(|(lo, hi)| *lo + xf * hi)
            .collect();
        (a, b, g) = (next_a, next_b, next_g);
        ls.push(l);
        rs.push(r);
    }
    // The last message: absorbed before any later challenge (the batching `ρ` of
    // `check_claims` above all), so it cannot be chosen after that challenge is known.
    transcript.absorb_scalar(b"ipa a", &a[0]);
    Ok(IpaProof {
        l: ls,
        r: rs,
        a: a[0],
    })
}

/// What an opening proof leaves to check once the generators are at hand:
/// `a·⟨s, G[..2^k]⟩ = target`, with `s` the tensor of the `k` round challenges.
#[derive(Clone, Debug)]
pub struct IpaClaim<C: CycleCurve> {
    challenges: Vec<ScalarOf<C>>,
    a: ScalarOf<C>,
    target: PointOf<C>,
}

/// Low challenges expanded into a table; the high ones are multiplied in per block, so a claim's
/// scalars for any range cost one multiplication each and a table of at most `2^TABLE_LOG`.
const TABLE_LOG: usize = 12;

impl<C: CycleCurve> IpaClaim<C> {
    /// Generators the claim ranges over.
    pub fn len(&self) -> usize {
        1 << self.challenges.len()
    }

    /// The round challenges `x_j` the claim was reduced with, first round first.
    pub fn round_challenges(&self) -> &[ScalarOf<C>] {
        &self.challenges
    }

    /// True for the claim of an empty vector (never: a claim covers at least one generator).
    pub fn is_empty(&self) -> bool {
        false
    }

    /// `s_i = Π_j x_j^(bit j of i, counted from the top)` over `TABLE_LOG` low challenges.
    fn low_table(&self) -> (usize, Vec<ScalarOf<C>>) {
        let b = self.challenges.len().min(TABLE_LOG);
        let mut t = vec![ScalarOf::<C>::ONE];
        for x in &self.challenges[self.challenges.len() - b..] {
            t = t.iter().flat_map(|v| [*v, *v * x]).collect();
        }
        (b, t)
    }

    /// The product of the high challenges selected by `hi` (the index's bits above the table).
    fn high_factor(&self, hi: usize, b: usize) -> ScalarOf<C> {
        let high = &self.challenges[..self.challenges.len() - b];
        high.iter()
            .enumerate()
            .filter(|(j, _)| (hi >> (high.len() - 1 - j)) & 1 == 1)
            .map(|(_, x)| *x)
            .product()
    }
}

/// Checks opening claims with one pass over the generators: a random combination (powers of a
/// transcript challenge drawn after every claim is fixed) holds only if each claim does, except
/// with probability `(claims − 1)/|F|`.
///
/// Sound only because [`reduce`] absorbed every message a claim depends on, the final scalar `a`
/// included, into `transcript` before this challenge is drawn: a claim still open to the prover
/// when `ρ` is known can be made to cancel another (see `docs/soundness.md`).
pub fn check_claims<C: CycleCurve>(
    gens: &dyn GeneratorSource<C>,
    claims: &[IpaClaim<C>],
    transcript: &mut Transcript,
) -> Result<(), SpartanError> {
    let rho: ScalarOf<C> = transcript.squeeze_challenge(b"ipa batch");
    let mut weight = ScalarOf::<C>::ONE;
    let mut target = PointOf::<C>::identity();
    let mut parts = Vec::with_capacity(claims.len());
    for claim in claims {
        target += claim.target * weight;
        let (b, table) = claim.low_table();
        parts.push((claim, weight * claim.a, b, table));
        weight *= rho;
    }
    let n = claims.iter().map(IpaClaim::len).max().unwrap_or(0);
    if n > gens.len() {
        return Err(SpartanError::KeyTooShort {
            len: n,
            key: gens.len(),
        });
    }
    let fill = |start: usize, out: &mut [ScalarOf<C>]| {
        out.fill(ScalarOf::<C>::ZERO);
        for (claim, coef, b, table) in &parts {
            let end = (start + out.len()).min(claim.len());
            let mut i = start;
            while i < end {
                let block_end = end.min(((i >> b) + 1) << b);
                let factor = *coef * claim.high_factor(i >> b, *b);
                let lo = i & ((1 << b) - 1);
                for (o, t) in out[i - start..block_end - start]
                    .iter_mut()
                    .zip(&table[lo..])
                {
                    *o += factor * t;
                }
                i = block_end;
            }
        }
    };
    // The source's own error says what went wrong (a digest mismatch is not a short key).
    let combined = gens.msm_prefix(n, &fill)?;
    if combined == target {
        Ok(())
    } else {
        Err(SpartanError::Ipa)
    }
}

/// Checks an opening proof up to the generators: replays the rounds and returns the claim
/// [`check_claims`] settles.
pub fn reduce<C: CycleCurve>(
    blinding: &AffineOf<C>,
    opening: Opening<'_, C>,
    proof: &IpaProof<C>,
    transcript: &mut Transcript,
) -> Result<IpaClaim<C>, SpartanError> {
    let rounds = opening.point.len();
    if proof.l.len() != rounds || proof.r.len() != rounds {
        return Err(SpartanError::IpaRounds {
            expected: rounds,
            got: proof.l.len().min(proof.r.len()),
        });
    }
    if rounds >= usize::BITS as usize {
        return Err(SpartanError::IpaRounds {
            expected: usize::BITS as usize - 1,
            got: rounds,
        });
    }
    let u = opening.absorb(blinding, transcript);
    let mut xs = Vec::with_capacity(rounds);
    for (l, r) in proof.l.iter().zip(&proof.r) {
        transcript.absorb_point(b"ipa L", &l.to_affine());
        transcript.absorb_point(b"ipa R", &r.to_affine());
        xs.push(round_challenge::<ScalarOf<C>>(transcript, b"ipa x").x);
    }
    transcript.absorb_scalar(b"ipa a", &proof.a);
    let x_invs: Vec<ScalarOf<C>> = xs
        .iter()
        .map(|x| x.invert().unwrap_or(ScalarOf::<C>::ZERO))
        .collect();

    // P_final = C + e·U + Σ x_j·L_j + x_j⁻¹·R_j.
    let mut p = opening.commitment.point() + u * opening.eval;
    for ((l, r), (x, x_inv)) in proof.l.iter().zip(&proof.r).zip(xs.iter().zip(&x_invs)) {
        p += l.point() * x + r.point() * x_inv;
    }
    // b₀ = Π_j ((1 − r_j) + x_j·r_j), since eq(r) = ⊗_j (1 − r_j, r_j); P_final must equal
    // a·G₀ + a·b₀·U with G₀ = Σ s_i·G_i.
    let b0: ScalarOf<C> = opening
        .point
        .iter()
        .zip(&xs)
        .map(|(r, x)| ScalarOf::<C>::ONE - r + *x * r)
        .product();
    Ok(IpaClaim {
        challenges: xs,
        a: proof.a,
        target: p - u * (proof.a * b0),
    })
}

/// Verifies one opening proof.
pub fn verify<C: CycleCurve>(
    gens: &dyn GeneratorSource<C>,
    opening: Opening<'_, C>,
    proof: &IpaProof<C>,
    transcript: &mut Transcript,
) -> Result<(), SpartanError> {
    let claim = reduce(&gens.blinding_generator(), opening, proof, transcript)?;
    check_claims(gens, &[claim], transcript)
}

#[cfg(test)]
mod tests {
    use super::*;
    use origami_arith::{MultilinearPolynomial, Pallas};
    use rand::{SeedableRng, rngs::StdRng};

    type F = ScalarOf<Pallas>;

    /// A random vector of length `2^m`, a random point, the commitment and the evaluation.
    fn random_statement(
        ck: &CommitmentKey<Pallas>,
        m: usize,
        seed: u64,
    ) -> (Vec<F>, Vec<F>, Commitment<Pallas>, F) {
        let mut rng = StdRng::seed_from_u64(seed);
        let a: Vec<F> = (0..1 << m).map(|_| F::random(&mut rng)).collect();
        let point: Vec<F> = (0..m).map(|_| F::random(&mut rng)).collect();
        let comm = ck.commit(&a).unwrap();
        let eval = MultilinearPolynomial::new(a.clone())
            .unwrap()
            .evaluate(&point)
            .unwrap();
        (a, point, comm, eval)
    }

    fn setup(
        m: usize,
        seed: u64,
    ) -> (CommitmentKey<Pallas>, Vec<F>, Vec<F>, Commitment<Pallas>, F) {
        let ck = CommitmentKey::<Pallas>::setup(b"ipa-test", 1 << m);
        let (a, point, comm, eval) = random_statement(&ck, m, seed);
        (ck, a, point, comm, eval)
    }

    fn check(
        ck: &CommitmentKey<Pallas>,
        comm: &Commitment<Pallas>,
        point: &[F],
        eval: &F,
        proof: &IpaProof<Pallas>,
    ) -> Result<(), SpartanError> {
        let opening = Opening {
            commitment: comm,
            point,
            eval,
        };
        verify(ck, opening, proof, &mut Transcript::new(b"ipa"))
    }

    #[test]
    fn challenges_multiply_points_as_their_field_element() {
        fn check<C: CycleCurve>() {
            let beta = endomorphism::<C>();
            assert!(beta.is_some(), "{} has the cube-root endomorphism", C::NAME);
            let mut transcript = Transcript::new(b"endo");
            let p = (AffineOf::<C>::generator() * ScalarOf::<C>::from(7u64)).to_affine();
            for _ in 0..20 {
                let c = round_challenge::<ScalarOf<C>>(&mut transcript, b"x");
                let expected = p * c.x;
                assert_eq!(mul_challenge::<C>(&p, &c, beta), expected);
                assert_eq!(mul_challenge::<C>(&p, &c, None), expected);
            }
            let edge = RoundChallenge {
                k1: u64::MAX,
                k2: 1,
                x: ScalarOf::<C>::from(u64::MAX) + ScalarOf::<C>::ZETA,
            };
            assert_eq!(mul_challenge::<C>(&p, &edge, beta), p * edge.x);
        }
        check::<Pallas>();
        check::<origami_arith::Vesta>();
    }

    #[test]
    fn honest_openings_verify() {
        for m in [0usize, 1, 2, 7] {
            let (ck, a, point, comm, eval) = setup(m, m as u64);
            let opening = Opening {
                commitment: &comm,
                point: &point,
                eval: &eval,
            };
            let proof = prove(&ck, opening, &a, &mut Transcript::new(b"ipa")).unwrap();
            assert_eq!(proof.l.len(), m);
            check(&ck, &comm, &point, &eval, &proof).unwrap();
        }
    }

    #[test]
    fn tampered_statements_and_proofs_are_rejected() {
        let m = 5;
        let (ck, a, point, comm, eval) = setup(m, 9);
        let opening = Opening {
            commitment: &comm,
            point: &point,
            eval: &eval,
        };
        let proof = prove(&ck, opening, &a, &mut Transcript::new(b"ipa")).unwrap();
        let one = F::ONE;
        assert!(check(&ck, &comm, &point, &(eval + one), &proof).is_err());
        let mut other_point = point.clone();
        other_point[2] += one;
        assert!(check(&ck, &comm, &other_point, &eval, &proof).is_err());
        let other_comm = comm + ck.commit(&[one]).unwrap();
        assert!(check(&ck, &other_comm, &point, &eval, &proof).is_err());
        let g = Commitment::<Pallas>::from_point(PointOf::<Pallas>::from(ck.generators()[0]));
        for j in 0..m {
            let mut bad = proof.clone();
            bad.l[j] += g;
            assert!(check(&ck, &comm, &point, &eval, &bad).is_err(), "L {j}");
            let mut bad = proof.clone();
            bad.r[j] += g;
            assert!(check(&ck, &comm, &point, &eval, &bad).is_err(), "R {j}");
        }
        let mut bad = proof.clone();
        bad.a += one;
        assert!(check(&ck, &comm, &point, &eval, &bad).is_err());
        let mut short = proof.clone();
        short.l.pop();
        short.r.pop();
        assert!(matches!(
            check(&ck, &comm, &point, &eval, &short),
            Err(SpartanError::IpaRounds { .. })
        ));
        // A proof for a vector longer than the key.
        let long_point: Vec<F> = (0..m + 1).map(|_| one).collect();
        assert!(matches!(
            check(&ck, &comm, &long_point, &eval, &proof),
            Err(SpartanError::IpaRounds { .. } | SpartanError::KeyTooShort { .. })
        ));
    }

    #[test]
    fn claims_of_different_sizes_are_checked_in_one_pass_held_or_streamed() {
        use origami_arith::{
            StreamedGenerators,
            generators::{GeneratorError, generator_digest},
        };
        // Sizes around the low table's width, so both the table and the high factors are used.
        let sizes = [3usize, TABLE_LOG, TABLE_LOG + 2];
        let ck = CommitmentKey::<Pallas>::setup(b"ipa-test", 1 << (TABLE_LOG + 2));
        let n = 1 << (TABLE_LOG + 2);
        let streamed =
            StreamedGenerators::<Pallas>::new(b"ipa-test", n, generator_digest(&ck, n).unwrap())
                .with_chunk(1000);
        let mut statements = Vec::new();
        let mut transcript = Transcript::new(b"batch");
        for (k, m) in sizes.into_iter().enumerate() {
            let (a, point, comm, eval) = random_statement(&ck, m, k as u64);
            let opening = Opening {
                commitment: &comm,
                point: &point,
                eval: &eval,
            };
            let proof = prove(&ck, opening, &a, &mut transcript).unwrap();
            statements.push((comm, point, eval, proof));
        }
        type Statement = (Commitment<Pallas>, Vec<F>, F, IpaProof<Pallas>);
        let replay = |statements: &[Statement], gens: &dyn GeneratorSource<Pallas>| {
            let mut transcript = Transcript::new(b"batch");
            let claims = statements
                .iter()
                .map(|(comm, point, eval, proof)| {
                    let opening = Opening {
                        commitment: comm,
                        point,
                        eval,
                    };
                    reduce(&gens.blinding_generator(), opening, proof, &mut transcript)
                })
                .collect::<Result<Vec<_>, _>>()?;
            check_claims(gens, &claims, &mut transcript)
        };
        replay(&statements, &ck).unwrap();
        replay(&statements, &streamed).unwrap();
        // A wrong final scalar in any one claim breaks the combined check.
        for k in 0..statements.len() {
            let mut bad = statements.clone();
            bad[k].3.a += F::ONE;
            assert!(
                matches!(replay(&bad, &ck), Err(SpartanError::Ipa)),
                "claim {k}"
            );
            assert!(
                matches!(replay(&bad, &streamed), Err(SpartanError::Ipa)),
                "claim {k}"
            );
        }
        // A key shorter than the largest claim is refused, not read past.
        let short = StreamedGenerators::<Pallas>::new(
            b"ipa-test",
            n / 2,
            generator_digest(&ck, n / 2).unwrap(),
        );
        assert!(matches!(
            replay(&statements, &short),
            Err(SpartanError::KeyTooShort { .. })
        ));
        // Generators that are not the verifier key's are named as such, not as a short key.
        let foreign = StreamedGenerators::<Pallas>::new(b"ipa-test", n, [0x5a; 32]);
        let err = replay(&statements, &foreign).unwrap_err();
        assert!(
            matches!(
                err,
                SpartanError::Generators(GeneratorError::DigestMismatch)
            ),
            "{err}"
        );
        assert!(err.to_string().contains("generator digest"), "{err}");
    }
}

//! An inner-product argument (Bulletproofs-style, not hiding) that opens a Pedersen commitment
//! `C = ⟨a, G⟩` to a multilinear evaluation `e = a(r) = ⟨a, eq(r)⟩`.
//!
//! Each round halves the vectors: with a challenge `x`, `a' = a_lo + x⁻¹·a_hi`,
//! `b' = b_lo + x·b_hi`, `G' = G_lo + x·G_hi`, and the statement `P = ⟨a, G⟩ + ⟨a, b⟩·U` becomes
//! `P' = P + x·L + x⁻¹·R` with the cross terms `L = ⟨a_lo, G_hi⟩ + ⟨a_lo, b_hi⟩·U` and
//! `R = ⟨a_hi, G_lo⟩ + ⟨a_hi, b_lo⟩·U`. After `log n` rounds one scalar `a₀` is left; the verifier
//! rebuilds `G₀` and `b₀` from the challenges (one `n`-term MSM, and `b₀` in `O(log n)` because
//! `eq(r)` is a tensor product) and checks `P_final = a₀·G₀ + a₀·b₀·U`.
//!
//! `U` is the key's blinding generator scaled by a transcript challenge, so the prover cannot
//! choose the relation between `U` and the `G`. Round challenges are 128 bits: the prover folds the
//! generators with a 128-bit scalar multiplication per pair, half the cost of a full-width one.

use ff::{Field, PrimeField};
use group::{Curve, Group, prime::PrimeCurveAffine};
use origami_arith::{
    AffineOf, Commitment, CommitmentKey, CycleCurve, EqPolynomial, PointOf, ScalarOf, Transcript,
    msm::msm, multilinear::inner_product,
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
    /// Binds the statement into the transcript and derives `U`.
    fn absorb(&self, ck: &CommitmentKey<C>, transcript: &mut Transcript) -> PointOf<C> {
        transcript.absorb_point(b"ipa commitment", &self.commitment.to_affine());
        transcript.absorb_scalars(b"ipa point", self.point);
        transcript.absorb_scalar(b"ipa eval", self.eval);
        let xi: ScalarOf<C> = transcript.squeeze_challenge(b"ipa u");
        PointOf::<C>::from(ck.blinding_generator()) * xi
    }
}

/// A non-zero 128-bit round challenge, as an integer and as a field element.
fn round_challenge<F: ff::FromUniformBytes<64> + PrimeField>(
    transcript: &mut Transcript,
    l: &[u8],
) -> (u128, F) {
    loop {
        let c: F = transcript.squeeze_challenge(l);
        let repr = c.to_repr();
        let mut low = [0u8; 16];
        low.copy_from_slice(&repr.as_ref()[..16]);
        let x = u128::from_le_bytes(low);
        if x != 0 {
            return (x, F::from_u128(x));
        }
    }
}

/// `k·p` for a 128-bit `k`, by double-and-add with mixed additions.
fn mul_u128<C: CycleCurve>(p: &AffineOf<C>, k: u128) -> PointOf<C> {
    let mut acc = PointOf::<C>::identity();
    for bit in (0..128 - k.leading_zeros()).rev() {
        acc = acc.double();
        if (k >> bit) & 1 == 1 {
            acc += p;
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
    let u = opening.absorb(ck, transcript).to_affine();
    let mut a = a.to_vec();
    let mut b = EqPolynomial::new(opening.point.to_vec()).evals();
    let mut g: Vec<AffineOf<C>> = ck.generators()[..a.len()].to_vec();
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
        let (x, xf) = round_challenge::<ScalarOf<C>>(transcript, b"ipa x");
        let x_inv = xf.invert().unwrap_or(ScalarOf::<C>::ZERO);
        let folded_g: Vec<PointOf<C>> = g_lo
            .par_iter()
            .zip(g_hi.par_iter())
            .map(|(lo, hi)| mul_u128::<C>(hi, x) + lo)
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
    Ok(IpaProof {
        l: ls,
        r: rs,
        a: a[0],
    })
}

/// Verifies an opening proof.
pub fn verify<C: CycleCurve>(
    ck: &CommitmentKey<C>,
    opening: Opening<'_, C>,
    proof: &IpaProof<C>,
    transcript: &mut Transcript,
) -> Result<(), SpartanError> {
    let rounds = opening.point.len();
    if proof.l.len() != rounds || proof.r.len() != rounds {
        return Err(SpartanError::IpaRounds {
            expected: rounds,
            got: proof.l.len().min(proof.r.len()),
        });
    }
    check_sizes(ck, 1usize.checked_shl(rounds as u32).unwrap_or(0), rounds)?;
    let u = opening.absorb(ck, transcript);
    let mut xs = Vec::with_capacity(rounds);
    for (l, r) in proof.l.iter().zip(&proof.r) {
        transcript.absorb_point(b"ipa L", &l.to_affine());
        transcript.absorb_point(b"ipa R", &r.to_affine());
        xs.push(round_challenge::<ScalarOf<C>>(transcript, b"ipa x").1);
    }
    let x_invs: Vec<ScalarOf<C>> = xs
        .iter()
        .map(|x| x.invert().unwrap_or(ScalarOf::<C>::ZERO))
        .collect();

    // P_final = C + e·U + Σ x_j·L_j + x_j⁻¹·R_j.
    let mut p = opening.commitment.point() + u * opening.eval;
    for ((l, r), (x, x_inv)) in proof.l.iter().zip(&proof.r).zip(xs.iter().zip(&x_invs)) {
        p += l.point() * x + r.point() * x_inv;
    }
    // s_i = Π_j (x_j if bit j of i, counted from the top, is set): G₀ = Σ s_i·G_i.
    let mut s = vec![ScalarOf::<C>::ONE];
    for x in &xs {
        s = s.iter().flat_map(|v| [*v, *v * x]).collect();
    }
    // b₀ = Π_j ((1 − r_j) + x_j·r_j), since eq(r) = ⊗_j (1 − r_j, r_j).
    let b0: ScalarOf<C> = opening
        .point
        .iter()
        .zip(&xs)
        .map(|(r, x)| ScalarOf::<C>::ONE - r + *x * r)
        .product();
    let scaled: Vec<ScalarOf<C>> = s.par_iter().map(|s| *s * proof.a).collect();
    let expected = msm(&scaled, &ck.generators()[..s.len()]) + u * (proof.a * b0);
    if expected == p {
        Ok(())
    } else {
        Err(SpartanError::Ipa)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use origami_arith::{MultilinearPolynomial, Pallas};
    use rand::{SeedableRng, rngs::StdRng};

    type F = ScalarOf<Pallas>;

    fn setup(
        m: usize,
        seed: u64,
    ) -> (CommitmentKey<Pallas>, Vec<F>, Vec<F>, Commitment<Pallas>, F) {
        let mut rng = StdRng::seed_from_u64(seed);
        let ck = CommitmentKey::<Pallas>::setup(b"ipa-test", 1 << m);
        let a: Vec<F> = (0..1 << m).map(|_| F::random(&mut rng)).collect();
        let point: Vec<F> = (0..m).map(|_| F::random(&mut rng)).collect();
        let comm = ck.commit(&a).unwrap();
        let eval = MultilinearPolynomial::new(a.clone())
            .unwrap()
            .evaluate(&point)
            .unwrap();
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
}

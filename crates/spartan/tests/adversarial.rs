//! A cheating prover gets no accepted proof: the adaptive forgery of the batched IPA check (a
//! false evaluation of `Ē` hidden by choosing the `W̄` opening's final scalar after the batching
//! challenge), run against both Spartan variants on an unsatisfiable relaxed instance.
//!
//! The attack: the prover knows `W̄`'s folded generator `Q₁ = ⟨s₁, G⟩ + b₀·ξ₁·H` once the `W̄`
//! opening's rounds are done. It opens `Ē` at a false value `e₂` on the vector shifted by `c·s₁`,
//! `c = (⟨E', b₂⟩ − e₂) / (⟨s₁, b₂⟩ − b₀ξ₁/ξ₂)`, which leaves the `Ē` claim off by `c·Q₁`; then it
//! sends `a₁ + ρ·c` for the `W̄` opening, with `ρ` the batching challenge. The combined check holds
//! as an identity when `ρ` can be computed before `a₁` is fixed — and fails once `a₁` is absorbed.

use ff::Field;
use origami_arith::transcript_log::{Event, Op, record};
use origami_arith::{EqPolynomial, Pallas, ScalarOf, Transcript};
use origami_r1cs::{R1csShape, RelaxedR1csWitness};
use origami_spartan::ipa::{self, Opening};
use origami_spartan::snark::WitnessOpenings;
use origami_spartan::{SnarkProof, SpartanError, Variant};

mod support;
use support::{F, VARIANTS, circuit, fixture};

fn ip(a: &[F], b: &[F]) -> F {
    a.iter().zip(b).map(|(x, y)| *x * y).sum()
}

/// `s_i = Π_j x_j^(bit j of i, from the top)`: the verifier's folded-generator weights.
fn tensor(xs: &[F]) -> Vec<F> {
    xs.iter().fold(vec![F::ONE], |s, x| {
        s.iter().flat_map(|v| [*v, *v * x]).collect()
    })
}

/// Replays transcript 0 of a recorded verification up to (not including) operation `upto`;
/// returns it and the sum-check challenges drawn on the way.
fn replay(events: &[Event], upto: usize) -> (Transcript, Vec<F>) {
    let mut t = Transcript::new(b"unused");
    let mut sumcheck = Vec::new();
    for e in events[..upto].iter().filter(|e| e.transcript == 0) {
        match &e.op {
            Op::Start(label) => t = Transcript::new(label),
            Op::Absorb { label, data } => t.absorb_bytes(label, data),
            Op::Challenge(label) => {
                let c: F = t.squeeze_challenge(label);
                if label.as_slice() == b"sumcheck challenge" {
                    sumcheck.push(c);
                }
            }
        }
    }
    (t, sumcheck)
}

/// `ξ` of an opening statement, as the verifier derives it (the `ipa u` challenge).
fn statement_challenge(t: &Transcript, opening: &Opening<'_, Pallas>) -> F {
    let mut t = t.clone();
    t.absorb_point(b"ipa commitment", &opening.commitment.to_affine());
    t.absorb_scalars(b"ipa point", opening.point);
    t.absorb_scalar(b"ipa eval", opening.eval);
    t.squeeze_challenge(b"ipa u")
}

fn openings(p: &mut SnarkProof<Pallas>) -> &mut WitnessOpenings<Pallas> {
    match p {
        SnarkProof::Direct(s) => &mut s.openings,
        SnarkProof::Preprocessing(s) => &mut s.openings,
    }
}

/// Runs the attack for `variant`; returns what verifying the forged proof gave.
fn forge(variant: Variant) -> Result<(), SpartanError> {
    let f = fixture(variant, 11);
    let shape = R1csShape::from_fn(circuit).unwrap().pad();
    let (m, n) = (shape.num_cons(), shape.num_vars());
    assert!(n <= m, "the shift needs |W| <= |E|");
    let (x_rounds, y_rounds) = (
        m.trailing_zeros() as usize,
        (2 * n).trailing_zeros() as usize,
    );

    // The instance: Ē commits to E' = E + e₀, which no witness satisfies with W̄, u, X.
    let padded = f.witness.pad(&shape);
    let mut e_bad = padded.e.clone();
    e_bad[0] += F::ONE;
    let mut instance = f.instance.clone();
    instance.comm_e = f.ck.commit(&e_bad).unwrap();
    let bad_witness = RelaxedR1csWitness {
        w: f.witness.w.clone(),
        e: e_bad[..f.witness.e.len()].to_vec(),
    };
    let unpadded = R1csShape::from_fn(circuit).unwrap();
    assert!(
        unpadded
            .is_sat_relaxed(&f.ck, &instance, &bad_witness)
            .is_err()
    );

    // The honest prover's sum-checks (run on the satisfying E) are fine for this instance; only
    // the Ē opening is of a false value. The verifier's transcript, recorded, fixes every
    // challenge up to the openings.
    let mut proof = SnarkProof::prove(&f.ck, &f.pk, &instance, &f.witness).unwrap();
    let (honest, log) = record(|| proof.verify(&f.ck, &f.vk, &instance));
    assert!(honest.is_err(), "the false evaluation alone is rejected");
    let starts: Vec<usize> = log
        .iter()
        .enumerate()
        .filter(|(_, e)| matches!(&e.op, Op::Absorb { label, .. } if label.as_slice() == b"ipa commitment"))
        .map(|(i, _)| i)
        .collect();
    let w_start = starts[starts.len() - 2];
    let (mut t, sc) = replay(&log, w_start);
    let (r_x, r_y) = (&sc[..x_rounds], &sc[x_rounds..x_rounds + y_rounds]);
    let eval_w = match &proof {
        SnarkProof::Direct(s) => s.reduction.eval_w,
        SnarkProof::Preprocessing(s) => s.reduction.eval_w,
    };
    let e2 = match &proof {
        SnarkProof::Direct(s) => s.reduction.outer_claims[3],
        SnarkProof::Preprocessing(s) => s.reduction.outer_claims[3],
    };
    let h = f.ck.blinding_generator();

    // The W̄ opening, as the verifier replays it: its round challenges give s₁ and b₀.
    let open_w = Opening {
        commitment: &instance.comm_w,
        point: &r_y[1..],
        eval: &eval_w,
    };
    let xi1 = statement_challenge(&t, &open_w);
    let claim = ipa::reduce(&h, open_w, &openings(&mut proof).open_w, &mut t).unwrap();
    let xs1 = claim.round_challenges().to_vec();
    let b0: F = r_y[1..]
        .iter()
        .zip(&xs1)
        .map(|(r, x)| F::ONE - r + *x * r)
        .product();
    let mut s1 = tensor(&xs1);
    s1.resize(m, F::ZERO);

    // The Ē opening of the false value e₂ on the shifted vector.
    let open_e = Opening {
        commitment: &instance.comm_e,
        point: r_x,
        eval: &e2,
    };
    let b2 = EqPolynomial::new(r_x.to_vec()).evals();
    assert_ne!(ip(&e_bad, &b2), e2, "the claimed E(r_x) is false");
    let xi2 = statement_challenge(&t, &open_e);
    let c = (ip(&e_bad, &b2) - e2)
        * (ip(&s1, &b2) - b0 * xi1 * xi2.invert().unwrap())
            .invert()
            .unwrap();
    let shifted: Vec<F> = e_bad.iter().zip(&s1).map(|(e, s)| *e - c * s).collect();
    let forged_e = ipa::prove(&f.ck, open_e, &shifted, &mut t).unwrap();
    // ρ as the prover can compute it before sending a₁.
    let rho: ScalarOf<Pallas> = t.squeeze_challenge(b"ipa batch");
    let o = openings(&mut proof);
    o.open_e = forged_e;
    o.open_w.a += rho * c;
    proof.verify(&f.ck, &f.vk, &instance)
}

#[test]
fn the_batched_ipa_forgery_is_rejected_in_both_variants() {
    for variant in VARIANTS {
        let result = forge(variant);
        assert!(
            matches!(result, Err(SpartanError::Ipa)),
            "{variant}: the forged proof of an unsatisfiable instance was not rejected: {result:?}"
        );
    }
}

//! Transcript binding: every message a Spartan or IPA prover sends is absorbed before the
//! challenge that follows it in the protocol (docs/soundness.md lists the order). A message the
//! verifier reads but absorbs late, or never, is one a prover may choose after seeing that
//! challenge — the batched-IPA forgery was exactly that, for the openings' final scalar `a`.
//!
//! Each test records the honest verification's transcript operations, changes one message,
//! records again, and checks (`check_bound`) that the first difference is that message's
//! absorption, before the named challenge, or that the verifier stopped before that challenge.

use ff::Field;
use origami_arith::transcript_log::{Before, Event, check_bound, record};
use origami_arith::{Commitment, CommitmentKey, MultilinearPolynomial, Pallas, Transcript};
use origami_spartan::ipa::{self, IpaProof, Opening};
use origami_spartan::{SnarkProof, SumcheckProof, Variant};
use rand::{SeedableRng, rngs::StdRng};

mod support;
use origami_r1cs::R1csShape;
use support::binding::{Edit, assert_bound, edit, g, ipa_edits, sumcheck_edits};
use support::{F, circuit, fixture};

#[test]
fn two_openings_in_one_transcript_bind_every_message() {
    let mut rng = StdRng::seed_from_u64(3);
    let ck = CommitmentKey::<Pallas>::setup(b"binding", 16);
    let statement = |m: usize, rng: &mut StdRng| {
        let v: Vec<F> = (0..1 << m).map(|_| F::random(&mut *rng)).collect();
        let point: Vec<F> = (0..m).map(|_| F::random(&mut *rng)).collect();
        let eval = MultilinearPolynomial::new(v.clone())
            .unwrap()
            .evaluate(&point)
            .unwrap();
        (ck.commit(&v).unwrap(), point, eval, v)
    };
    let (s1, s2) = (statement(3, &mut rng), statement(4, &mut rng));
    let mut t = Transcript::new(b"binding");
    let open = |s: &(Commitment<Pallas>, Vec<F>, F, Vec<F>), t: &mut Transcript| {
        let opening = Opening {
            commitment: &s.0,
            point: &s.1,
            eval: &s.2,
        };
        ipa::prove(&ck, opening, &s.3, t).unwrap()
    };
    let proofs = (open(&s1, &mut t), open(&s2, &mut t));
    let verify = |p: &(IpaProof<Pallas>, IpaProof<Pallas>)| {
        let mut t = Transcript::new(b"binding");
        let h = ck.blinding_generator();
        let claims = [(&s1, &p.0), (&s2, &p.1)].map(|(s, proof)| {
            let opening = Opening {
                commitment: &s.0,
                point: &s.1,
                eval: &s.2,
            };
            ipa::reduce(&h, opening, proof, &mut t)
        });
        let [c1, c2] = claims;
        ipa::check_claims(&ck, &[c1?, c2?], &mut t)
    };
    type Pair = (IpaProof<Pallas>, IpaProof<Pallas>);
    let mut edits = ipa_edits::<Pair>("first", 3, 0, (b"ipa u", 1), |p| &mut p.0);
    edits.extend(ipa_edits::<Pair>("second", 4, 3, (b"ipa batch", 0), |p| {
        &mut p.1
    }));
    assert_bound(&proofs, verify, edits);
}

/// Rounds of the outer sum-check (log of the padded constraint count) and of the inner one (log
/// of twice the padded witness length).
fn rounds() -> (usize, usize) {
    let shape = R1csShape::from_fn(circuit).unwrap().pad();
    (
        shape.num_cons().trailing_zeros() as usize,
        (2 * shape.num_vars()).trailing_zeros() as usize,
    )
}

fn outer(p: &mut SnarkProof<Pallas>) -> &mut SumcheckProof<F> {
    match p {
        SnarkProof::Direct(s) => &mut s.reduction.outer,
        SnarkProof::Preprocessing(s) => &mut s.reduction.outer,
    }
}

fn inner(p: &mut SnarkProof<Pallas>) -> &mut SumcheckProof<F> {
    match p {
        SnarkProof::Direct(s) => &mut s.reduction.inner,
        SnarkProof::Preprocessing(s) => &mut s.reduction.inner,
    }
}

fn reduction(p: &mut SnarkProof<Pallas>) -> &mut origami_spartan::snark::Reduction<Pallas> {
    match p {
        SnarkProof::Direct(s) => &mut s.reduction,
        SnarkProof::Preprocessing(s) => &mut s.reduction,
    }
}

fn openings(p: &mut SnarkProof<Pallas>) -> &mut origami_spartan::snark::WitnessOpenings<Pallas> {
    match p {
        SnarkProof::Direct(s) => &mut s.openings,
        SnarkProof::Preprocessing(s) => &mut s.openings,
    }
}

fn matrix(
    p: &mut SnarkProof<Pallas>,
) -> &mut origami_spartan::preprocessed::MatrixEvalProof<Pallas> {
    match p {
        SnarkProof::Preprocessing(s) => &mut s.matrix_proof,
        SnarkProof::Direct(_) => unreachable!("a preprocessing proof"),
    }
}

/// The messages both variants share: the statement, both sum-checks and the outer claims.
fn reduction_edits(
    x: usize,
    y: usize,
    eval_w_before: (&'static [u8], usize),
) -> Vec<Edit<SnarkProof<Pallas>>> {
    let mut edits = sumcheck_edits("outer", x, 0, outer);
    edits.extend((0..4).map(|k| {
        edit(
            format!("outer claim {k}"),
            (b"rho", 0),
            move |p: &mut SnarkProof<Pallas>| reduction(p).outer_claims[k] += F::ONE,
        )
    }));
    edits.extend(sumcheck_edits("inner", y, x, inner));
    edits.push(edit(
        "eval W".into(),
        eval_w_before,
        |p: &mut SnarkProof<Pallas>| reduction(p).eval_w += F::ONE,
    ));
    edits
}

#[test]
fn direct_spartan_binds_every_message() {
    let f = fixture(Variant::Direct, 1);
    let (x, y) = rounds();
    let mut edits = reduction_edits(x, y, (b"ipa u", 0));
    edits.extend(ipa_edits("open W", y - 1, 0, (b"ipa u", 1), |p| {
        &mut openings(p).open_w
    }));
    edits.extend(ipa_edits("open E", x, y - 1, (b"ipa batch", 0), |p| {
        &mut openings(p).open_e
    }));
    assert_bound(&f.prove(), |p| f.verify(p), edits);
}

#[test]
fn preprocessing_spartan_binds_every_message() {
    let f = fixture(Variant::Preprocessing, 2);
    let (x, y) = rounds();
    let proof = f.prove();
    let ell = match &proof {
        SnarkProof::Preprocessing(p) => p.matrix_proof.sumcheck.rounds().len(),
        SnarkProof::Direct(_) => unreachable!(),
    };
    let mut edits = reduction_edits(x, y, (b"beta", 0));
    edits.extend((0..3).map(|k| {
        edit(
            format!("matrix eval {k}"),
            (b"beta", 0),
            move |p: &mut SnarkProof<Pallas>| match p {
                SnarkProof::Preprocessing(s) => s.matrix_evals[k] += F::ONE,
                SnarkProof::Direct(_) => unreachable!(),
            },
        )
    }));
    edits.extend((0..6).map(|k| {
        let before: (&'static [u8], usize) = if k < 2 {
            (b"beta", 0)
        } else {
            (b"spark tau", 0)
        };
        edit(
            format!("lookup commitment {k}"),
            before,
            move |p: &mut SnarkProof<Pallas>| matrix(p).comms[k] += g(),
        )
    }));
    edits.extend(sumcheck_edits("matrix", ell, x + y, |p| {
        &mut matrix(p).sumcheck
    }));
    edits.extend((0..13).map(|k| {
        edit(
            format!("sparse eval {k}"),
            (b"spark eta", 0),
            move |p: &mut SnarkProof<Pallas>| matrix(p).evals[k] += F::ONE,
        )
    }));
    edits.extend(ipa_edits("matrix opening", ell, 0, (b"ipa u", 1), |p| {
        &mut matrix(p).opening
    }));
    edits.extend(ipa_edits("open W", y - 1, ell, (b"ipa u", 2), |p| {
        &mut openings(p).open_w
    }));
    edits.extend(ipa_edits(
        "open E",
        x,
        ell + y - 1,
        (b"ipa batch", 0),
        |p| &mut openings(p).open_e,
    ));
    assert_bound(&proof, |p| f.verify(p), edits);
}

#[test]
fn the_statement_is_absorbed_before_the_first_challenge() {
    for variant in support::VARIANTS {
        let f = fixture(variant, 4);
        let proof = f.prove();
        let (ok, honest) = record(|| f.verify(&proof));
        ok.unwrap();
        let mut instances = vec![f.instance.clone(); 4];
        instances[0].comm_w += g();
        instances[1].comm_e += g();
        instances[2].u += F::ONE;
        instances[3].x[1] += F::ONE;
        for (k, instance) in instances.iter().enumerate() {
            let (result, tampered): (_, Vec<Event>) =
                record(|| proof.verify(&f.ck, &f.vk, instance));
            assert!(result.is_err(), "{variant}: instance edit {k} verifies");
            let before = Before {
                transcript: 0,
                label: b"tau",
                ordinal: 0,
            };
            check_bound(&honest, &tampered, before)
                .unwrap_or_else(|why| panic!("{variant}: instance edit {k}: {why}"));
        }
    }
}

//! Mova folds: honest folds stay satisfied and the verifier agrees; a cheating prover (a changed
//! witness entry, a message off by one) gets no satisfied instance; every field of an instance
//! or a fold proof tampered is caught; every prover message is bound before the challenges that
//! follow it.

use bellpepper_core::{ConstraintSystem, SynthesisError, num::AllocatedNum};
use ff::Field;
use halo2curves::pasta::Fq;
use origami_arith::{AffineOf, Commitment, CommitmentKey, Pallas};
use origami_nova::NovaError;
use origami_nova::mova::{
    ClaimBlindingFold, EvaluatedInstance, FoldDims, FreshFold, MovaProver, RelaxedFold,
};
use origami_r1cs::{R1csError, R1csInstance, R1csShape, R1csWitness, WitnessBuffer};
use origami_spartan::{ClaimProof, DirectKey};
use rand::SeedableRng;

type F = Fq;

/// Two public inputs and 37 constraints (not a power of two: the error vector is padded).
fn circuit<CS: ConstraintSystem<F>>(
    cs: &mut CS,
    ab: Option<(u64, u64)>,
) -> Result<(), SynthesisError> {
    let value = |pick: fn((u64, u64)) -> u64| -> Result<F, SynthesisError> {
        Ok(F::from(pick(ab.ok_or(SynthesisError::AssignmentMissing)?)))
    };
    let a = AllocatedNum::alloc_input(cs.namespace(|| "a"), || value(|(a, _)| a))?;
    let b = AllocatedNum::alloc_input(cs.namespace(|| "b"), || value(|(_, b)| b))?;
    let mut x = a.mul(cs.namespace(|| "ab"), &b)?;
    for i in 0..36 {
        x = if i % 3 == 0 {
            x.mul(cs.namespace(|| format!("times b {i}")), &b)?
        } else {
            x.square(cs.namespace(|| format!("square {i}")))?
        };
    }
    Ok(())
}

struct Setup {
    shape: R1csShape<F>,
    ck: CommitmentKey<Pallas>,
    blinding: AffineOf<Pallas>,
    dims: FoldDims,
    pp: F,
    buf: WitnessBuffer<F>,
}

impl Setup {
    fn new() -> Self {
        let shape = R1csShape::from_fn(|cs| circuit(cs, None)).unwrap();
        assert_eq!(shape.num_cons(), 37);
        // Long enough for the decider's padded witness.
        let ck = CommitmentKey::<Pallas>::setup(b"mova-test", shape.pad().num_vars());
        let blinding = ck.blinding_generator();
        let dims = FoldDims::of(&shape);
        assert_eq!(dims.error_vars, 6);
        Self {
            shape,
            ck,
            blinding,
            dims,
            pp: F::from(1234),
            buf: WitnessBuffer::new(),
        }
    }

    /// Synthesizes a step and commits to its witness: `(z, instance)`.
    fn fresh(&mut self, a: u64, b: u64) -> (Vec<F>, R1csInstance<Pallas>) {
        self.buf
            .synthesize_with(|cs| circuit(cs, Some((a, b))))
            .unwrap();
        self.commit(self.buf.z().to_vec())
    }

    /// The instance of an assignment `z = (W, 1, X)`, satisfying or not.
    fn commit(&self, z: Vec<F>) -> (Vec<F>, R1csInstance<Pallas>) {
        let n = self.shape.num_vars();
        let witness = R1csWitness { w: z[..n].to_vec() };
        let instance = self
            .shape
            .commit_instance(&self.ck, &witness, z[n + 1..].to_vec())
            .unwrap();
        (z, instance)
    }

    /// A prover that has folded the steps `(a, b)` in, checked at each fold.
    fn prover(&mut self, steps: &[(u64, u64)]) -> MovaProver<Pallas> {
        let mut prover = MovaProver::zero(&self.shape);
        for &(a, b) in steps {
            let (z, fresh) = self.fresh(a, b);
            let before = prover.instance().clone();
            let proof = prover.fold(&self.shape, &self.pp, &z, &fresh).unwrap();
            let view = proof.verify(self.dims, &self.pp, &before, &fresh).unwrap();
            assert_eq!(&view, prover.instance(), "the verifier's fold differs");
            self.sat(prover.instance(), prover.w()).unwrap();
        }
        prover
    }

    fn sat(&self, instance: &EvaluatedInstance<Pallas>, w: &[F]) -> Result<(), NovaError> {
        Ok(self.shape.is_sat_evaluated(&self.ck, instance, w)?)
    }

    /// The witness a prover holding `w1` (for `first`) and `w2` (for an instance with scalar
    /// `u2`) has for a folded instance `view`: `W₁ + α·W₂`, with `α` read back from
    /// `u = u₁ + α·u₂`. It opens `view`'s commitment, so a failed check is the claim's.
    fn folded_witness(
        &self,
        view: &EvaluatedInstance<Pallas>,
        first: (&EvaluatedInstance<Pallas>, &[F]),
        second: (F, &[F]),
    ) -> Vec<F> {
        let alpha = (view.u - first.0.u) * second.0.invert().unwrap();
        first
            .1
            .iter()
            .zip(second.1)
            .map(|(a, b)| *a + alpha * b)
            .collect()
    }

    /// Checks that `view` is not satisfied by the witness its folder holds.
    fn claim_is_false(
        &self,
        view: &EvaluatedInstance<Pallas>,
        first: (&EvaluatedInstance<Pallas>, &[F]),
        second: (F, &[F]),
    ) -> bool {
        let w = self.folded_witness(view, first, second);
        matches!(
            self.sat(view, &w),
            Err(NovaError::R1cs(R1csError::ClaimMismatch))
        )
    }
}

#[test]
fn folds_stay_satisfied_and_the_verifier_agrees() {
    let mut s = Setup::new();
    let prover = s.prover(&[(2, 3), (5, 7), (0, 9), (1, 1), (11, 13)]);
    assert_ne!(prover.instance().u, F::ONE, "u moves away from 1");
    assert_ne!(
        prover.instance().value,
        F::ZERO,
        "a folded claim is not trivial"
    );
    // The claim is about the error vector: tampering with the witness breaks it.
    let mut w = prover.w().to_vec();
    w[5] += F::ONE;
    assert!(s.sat(prover.instance(), &w).is_err());
}

#[test]
fn two_running_instances_fold_into_a_satisfied_one() {
    let mut s = Setup::new();
    let mut left = s.prover(&[(2, 3), (4, 5)]);
    let right = s.prover(&[(6, 7), (8, 9), (10, 11)]);
    let (first, second) = (left.instance().clone(), right.instance().clone());
    let proof = left.fold_running(&s.pp, &right).unwrap();
    let view = proof.verify(s.dims, &s.pp, &first, &second).unwrap();
    assert_eq!(&view, left.instance());
    s.sat(left.instance(), left.w()).unwrap();
    // The folded prover folds on: fresh, then running again (with the trivial instance).
    let (z, fresh) = s.fresh(12, 13);
    left.fold(&s.shape, &s.pp, &z, &fresh).unwrap();
    s.sat(left.instance(), left.w()).unwrap();
    left.fold_running(&s.pp, &MovaProver::zero(&s.shape))
        .unwrap();
    s.sat(left.instance(), left.w()).unwrap();
}

#[test]
fn a_step_with_a_changed_witness_entry_never_yields_a_satisfied_instance() {
    let mut s = Setup::new();
    let mut prover = s.prover(&[(2, 3), (4, 5)]);
    s.buf
        .synthesize_with(|cs| circuit(cs, Some((6, 7))))
        .unwrap();
    let mut z = s.buf.z().to_vec();
    z[10] += F::ONE;
    let (z, fresh) = s.commit(z);
    assert!(s.shape.check_assignment(&z).is_err());
    let before = prover.instance().clone();
    let proof = prover.fold(&s.shape, &s.pp, &z, &fresh).unwrap();
    // The verifier cannot tell at the fold; the folded claim is false.
    let view = proof.verify(s.dims, &s.pp, &before, &fresh).unwrap();
    assert_eq!(&view, prover.instance());
    let (false_prover, false_w) = (prover.clone(), prover.w().to_vec());
    assert!(matches!(
        s.sat(&view, &false_w),
        Err(NovaError::R1cs(R1csError::ClaimMismatch))
    ));

    // Folding on, a prover that sends the true line h₁ is refused (h₁(0) is not the claim);
    // one that moves h₁(0) onto the claim to pass gets a false claim again.
    let (z, fresh) = s.fresh(1, 2);
    let w2 = z[..s.shape.num_vars()].to_vec();
    let mut proof = prover.fold(&s.shape, &s.pp, &z, &fresh).unwrap();
    assert!(matches!(
        proof.verify(s.dims, &s.pp, &view, &fresh),
        Err(NovaError::LineOffClaim("running"))
    ));
    proof.line[0] = view.value;
    let next = proof.verify(s.dims, &s.pp, &view, &fresh).unwrap();
    assert!(s.claim_is_false(&next, (&view, &false_w), (F::ONE, &w2)));

    // The same for a fold of two running instances, the false one first...
    let honest = s.prover(&[(7, 8)]);
    let mut cheat = false_prover.clone();
    let mut proof = cheat.fold_running(&s.pp, &honest).unwrap();
    let verify = |p: &RelaxedFold<Pallas>| p.verify(s.dims, &s.pp, &view, honest.instance());
    assert!(matches!(
        verify(&proof),
        Err(NovaError::LineOffClaim("first"))
    ));
    proof.line_1[0] = view.value;
    let folded = verify(&proof).unwrap();
    let second = (honest.instance().u, honest.w());
    assert!(s.claim_is_false(&folded, (&view, &false_w), second));

    // ... or second.
    let mut other = s.prover(&[(9, 10)]);
    let (first, first_w) = (other.instance().clone(), other.w().to_vec());
    let mut proof = other.fold_running(&s.pp, &false_prover).unwrap();
    let verify = |p: &RelaxedFold<Pallas>| p.verify(s.dims, &s.pp, &first, &view);
    assert!(matches!(
        verify(&proof),
        Err(NovaError::LineOffClaim("second"))
    ));
    let sum: F = proof.line_2.iter().sum();
    proof.line_2[0] += view.value - sum;
    let folded = verify(&proof).unwrap();
    assert!(s.claim_is_false(&folded, (&first, &first_w), (view.u, &false_w)));
}

/// One honest fold and what its prover held: the first instance and its witness, the second's
/// `u` and witness, the proof.
struct Fold<P> {
    first: EvaluatedInstance<Pallas>,
    first_w: Vec<F>,
    second_u: F,
    second_w: Vec<F>,
    proof: P,
}

impl<P> Fold<P> {
    /// Whether `result` is an error or an instance the folder's witness does not satisfy.
    fn rejected(
        &self,
        s: &Setup,
        first: &EvaluatedInstance<Pallas>,
        result: Result<EvaluatedInstance<Pallas>, NovaError>,
    ) -> bool {
        match result {
            Err(_) => true,
            Ok(view) => {
                let w = s.folded_witness(&view, (first, &self.first_w), self.second());
                s.sat(&view, &w).is_err()
            }
        }
    }

    fn second(&self) -> (F, &[F]) {
        (self.second_u, &self.second_w)
    }

    /// Whether the folder's witness opens `view` but misses its claim.
    fn claim_is_false(&self, s: &Setup, view: &EvaluatedInstance<Pallas>) -> bool {
        s.claim_is_false(view, (&self.first, &self.first_w), self.second())
    }
}

/// One honest fresh fold after two steps, and the fresh instance.
fn fresh_fold(s: &mut Setup) -> (Fold<FreshFold<Pallas>>, R1csInstance<Pallas>) {
    let mut prover = s.prover(&[(2, 3), (4, 5)]);
    let (first, first_w) = (prover.instance().clone(), prover.w().to_vec());
    let (z, fresh) = s.fresh(6, 7);
    let proof = prover.fold(&s.shape, &s.pp, &z, &fresh).unwrap();
    let second_w = z[..s.shape.num_vars()].to_vec();
    let fold = Fold {
        first,
        first_w,
        second_u: F::ONE,
        second_w,
        proof,
    };
    (fold, fresh)
}

/// One honest fold of two running instances, and the second instance.
fn relaxed_fold(s: &mut Setup) -> (Fold<RelaxedFold<Pallas>>, EvaluatedInstance<Pallas>) {
    let mut prover = s.prover(&[(2, 3), (4, 5)]);
    let other = s.prover(&[(6, 7)]);
    let (first, first_w) = (prover.instance().clone(), prover.w().to_vec());
    let proof = prover.fold_running(&s.pp, &other).unwrap();
    let fold = Fold {
        first,
        first_w,
        second_u: other.instance().u,
        second_w: other.w().to_vec(),
        proof,
    };
    (fold, other.instance().clone())
}

#[test]
fn fresh_fold_messages_off_by_one_are_caught() {
    let mut s = Setup::new();
    let (f, fresh) = fresh_fold(&mut s);
    let verify = |p: &FreshFold<Pallas>| p.verify(s.dims, &s.pp, &f.first, &fresh);
    // h₁(0) must be the running claim.
    let mut p = f.proof.clone();
    p.line[0] += F::ONE;
    assert!(matches!(verify(&p), Err(NovaError::LineOffClaim(_))));
    // Any other coefficient, or t, off by one: the fold goes through, its claim is false.
    for k in 1..f.proof.line.len() {
        let mut p = f.proof.clone();
        p.line[k] += F::ONE;
        assert!(
            f.claim_is_false(&s, &verify(&p).unwrap()),
            "h₁ coefficient {k}"
        );
    }
    let mut p = f.proof.clone();
    p.cross += F::ONE;
    assert!(f.claim_is_false(&s, &verify(&p).unwrap()), "t");
    // The honest fold's claim is true for the same witness.
    assert!(!f.claim_is_false(&s, &verify(&f.proof).unwrap()));
    // Wrong lengths are refused with the reason.
    let mut p = f.proof.clone();
    p.line.push(F::ZERO);
    assert!(matches!(verify(&p), Err(NovaError::LineLength { .. })));
    p.line.truncate(3);
    assert!(matches!(verify(&p), Err(NovaError::LineLength { .. })));
}

#[test]
fn relaxed_fold_messages_off_by_one_are_caught() {
    let mut s = Setup::new();
    let (f, second) = relaxed_fold(&mut s);
    let verify = |p: &RelaxedFold<Pallas>| p.verify(s.dims, &s.pp, &f.first, &second);
    let mut p = f.proof.clone();
    p.line_1[0] += F::ONE;
    assert!(matches!(verify(&p), Err(NovaError::LineOffClaim("first"))));
    // h₂(1) is the sum of its coefficients: any one off by one misses the second claim.
    for k in 0..f.proof.line_2.len() {
        let mut p = f.proof.clone();
        p.line_2[k] += F::ONE;
        assert!(matches!(verify(&p), Err(NovaError::LineOffClaim("second"))));
    }
    // Changes that keep both checks: the claim comes out false.
    for k in 1..f.proof.line_1.len() {
        let mut p = f.proof.clone();
        p.line_1[k] += F::ONE;
        assert!(f.claim_is_false(&s, &verify(&p).unwrap()), "h₁ {k}");
        let mut p = f.proof.clone();
        p.line_2[k] += F::ONE;
        p.line_2[0] -= F::ONE;
        assert!(f.claim_is_false(&s, &verify(&p).unwrap()), "h₂ {k}");
    }
    let mut p = f.proof.clone();
    p.cross += F::ONE;
    assert!(f.claim_is_false(&s, &verify(&p).unwrap()), "t");
    assert!(!f.claim_is_false(&s, &verify(&f.proof).unwrap()));
}

/// A named change to one field of a running instance.
type Tampering = (String, Box<dyn Fn(&mut EvaluatedInstance<Pallas>)>);

/// Every way to change one field of a running instance by one.
fn instance_tamperings() -> Vec<Tampering> {
    let g = || {
        Commitment::<Pallas>::from_point(<halo2curves::pasta::Pallas as group::Group>::generator())
    };
    let mut out: Vec<Tampering> = vec![
        ("comm W".into(), Box::new(move |u| u.comm_w += g())),
        ("u".into(), Box::new(|u| u.u += F::ONE)),
        ("value".into(), Box::new(|u| u.value += F::ONE)),
    ];
    for i in 0..2 {
        out.push((format!("X[{i}]"), Box::new(move |u| u.x[i] += F::ONE)));
    }
    for i in 0..6 {
        out.push((
            format!("point[{i}]"),
            Box::new(move |u| u.point[i] += F::ONE),
        ));
    }
    out
}

#[test]
fn every_field_of_a_running_instance_tampered_is_caught() {
    let mut s = Setup::new();
    let prover = s.prover(&[(2, 3), (4, 5), (6, 7)]);
    for (name, tamper) in instance_tamperings() {
        let mut bad = prover.instance().clone();
        tamper(&mut bad);
        assert!(s.sat(&bad, prover.w()).is_err(), "{name}");
    }
    // A wrong point length is named, not a panic.
    let mut bad = prover.instance().clone();
    bad.point.pop();
    assert!(matches!(
        s.sat(&bad, prover.w()),
        Err(NovaError::R1cs(R1csError::PointLength { .. }))
    ));
}

#[test]
fn every_field_of_a_fold_tampered_gives_no_satisfied_instance() {
    let mut s = Setup::new();
    let (f, fresh) = fresh_fold(&mut s);
    let verify = |first: &EvaluatedInstance<Pallas>, fresh: &R1csInstance<Pallas>| {
        f.proof.verify(s.dims, &s.pp, first, fresh)
    };
    assert!(!f.rejected(&s, &f.first, verify(&f.first, &fresh)));
    for (name, tamper) in instance_tamperings() {
        let mut bad = f.first.clone();
        tamper(&mut bad);
        assert!(f.rejected(&s, &bad, verify(&bad, &fresh)), "running {name}");
    }
    let g = <halo2curves::pasta::Pallas as group::Group>::generator();
    let mut bad = fresh.clone();
    bad.comm_w += Commitment::from_point(g);
    assert!(
        f.rejected(&s, &f.first, verify(&f.first, &bad)),
        "fresh comm W"
    );
    for i in 0..2 {
        let mut bad = fresh.clone();
        bad.x[i] += F::ONE;
        assert!(
            f.rejected(&s, &f.first, verify(&f.first, &bad)),
            "fresh X[{i}]"
        );
    }
    let other_pp = f.proof.verify(s.dims, &(s.pp + F::ONE), &f.first, &fresh);
    assert!(f.rejected(&s, &f.first, other_pp), "parameters");

    let (f, second) = relaxed_fold(&mut s);
    let verify = |a: &EvaluatedInstance<Pallas>, b: &EvaluatedInstance<Pallas>| {
        f.proof.verify(s.dims, &s.pp, a, b)
    };
    assert!(!f.rejected(&s, &f.first, verify(&f.first, &second)));
    for (name, tamper) in instance_tamperings() {
        let (mut a, mut b) = (f.first.clone(), second.clone());
        tamper(&mut a);
        tamper(&mut b);
        assert!(f.rejected(&s, &a, verify(&a, &second)), "first {name}");
        // (A tampered second u changes how α is read back; the witness for it is the same.)
        let view = verify(&f.first, &b);
        let rejected = match view {
            Err(_) => true,
            Ok(view) => {
                let w = s.folded_witness(&view, (&f.first, &f.first_w), (b.u, &f.second_w));
                s.sat(&view, &w).is_err()
            }
        };
        assert!(rejected, "second {name}");
    }
}

/// The challenges a verified fresh fold used, read back from the folded instance: `α` from
/// `u = u₁ + α`, and the point `ρ = r₁ + β·(r₂ − r₁)` standing for `(r₂, β)`.
fn fresh_challenges(
    s: &Setup,
    before: &EvaluatedInstance<Pallas>,
    fresh: &R1csInstance<Pallas>,
    proof: &FreshFold<Pallas>,
) -> (Vec<F>, F) {
    let view = proof.verify(s.dims, &s.pp, before, fresh).unwrap();
    (view.point, view.u - before.u)
}

#[test]
fn every_fresh_fold_message_is_bound_before_the_challenges_after_it() {
    let mut s = Setup::new();
    let (f, fresh) = fresh_fold(&mut s);
    let (before, proof) = (f.first, f.proof);
    let (point, alpha) = fresh_challenges(&s, &before, &fresh, &proof);
    // The instances come before r₂: changing one moves the point and α. (A running instance's
    // value is checked against h₁(0), so the line's constant moves with it.)
    let mut moved_value = (before.clone(), proof.clone());
    moved_value.0.value += F::ONE;
    moved_value.1.line[0] += F::ONE;
    let (p, a) = fresh_challenges(&s, &moved_value.0, &fresh, &moved_value.1);
    assert!(p != point && a != alpha, "running value");
    for (name, tamper) in instance_tamperings() {
        if name == "value" {
            continue;
        }
        let mut bad = before.clone();
        tamper(&mut bad);
        let (p, a) = fresh_challenges(&s, &bad, &fresh, &proof);
        // A moved point coordinate moves ρ by itself; α must move too.
        assert!(p != point && a != alpha, "running {name}");
    }
    let mut bad = fresh.clone();
    bad.x[1] += F::ONE;
    let (p, a) = fresh_challenges(&s, &before, &bad, &proof);
    assert!(p != point && a != alpha, "fresh X");
    // h₁ comes before β: a coefficient changed moves ρ and α.
    for k in 1..proof.line.len() {
        let mut p = proof.clone();
        p.line[k] += F::ONE;
        let (q, a) = fresh_challenges(&s, &before, &fresh, &p);
        assert!(q != point && a != alpha, "h₁ coefficient {k}");
    }
    // t comes after β and before α: it moves α alone.
    let mut p = proof.clone();
    p.cross += F::ONE;
    let (q, a) = fresh_challenges(&s, &before, &fresh, &p);
    assert!(q == point && a != alpha, "t");
}

#[test]
fn every_relaxed_fold_message_is_bound_before_the_challenges_after_it() {
    let mut s = Setup::new();
    let (f, second) = relaxed_fold(&mut s);
    let (first, proof) = (f.first, f.proof);
    // α from u = u₁ + α·u₂; β from ρ = r₁ + β·(r₂ − r₁) (r₁ ≠ r₂ here).
    let challenges = |a: &EvaluatedInstance<Pallas>, p: &RelaxedFold<Pallas>| {
        let view = p.verify(s.dims, &s.pp, a, &second).unwrap();
        let alpha = (view.u - a.u) * second.u.invert().unwrap();
        let beta = (view.point[0] - a.point[0]) * (second.point[0] - a.point[0]).invert().unwrap();
        (beta, alpha)
    };
    let (beta, alpha) = challenges(&first, &proof);
    // Instances and both lines come before β.
    let mut bad = first.clone();
    bad.x[0] += F::ONE;
    let (b, a) = challenges(&bad, &proof);
    assert!(b != beta && a != alpha, "first X");
    for k in 1..proof.line_1.len() {
        let mut p = proof.clone();
        p.line_1[k] += F::ONE;
        let (b, a) = challenges(&first, &p);
        assert!(b != beta && a != alpha, "h₁ {k}");
        let mut p = proof.clone();
        p.line_2[k] += F::ONE;
        p.line_2[0] -= F::ONE;
        let (b, a) = challenges(&first, &p);
        assert!(b != beta && a != alpha, "h₂ {k}");
    }
    // t moves α alone.
    let mut p = proof.clone();
    p.cross += F::ONE;
    let (b, a) = challenges(&first, &p);
    assert!(b == beta && a != alpha, "t");
}

#[test]
fn instances_of_another_shape_are_refused_with_the_reason() {
    let mut s = Setup::new();
    let (f, fresh) = fresh_fold(&mut s);
    let (before, proof) = (f.first, f.proof);
    let mut short = fresh.clone();
    short.x.pop();
    assert!(matches!(
        proof.verify(s.dims, &s.pp, &before, &short),
        Err(NovaError::InputCount { which: "fresh", .. })
    ));
    let mut other = before.clone();
    other.point.push(F::ZERO);
    let err = proof.verify(s.dims, &s.pp, &other, &fresh).unwrap_err();
    assert!(err.to_string().contains("7 coordinates"), "{err}");
    // A prover refuses an assignment of the wrong length.
    let mut prover = MovaProver::zero(&s.shape);
    let (z, fresh) = s.fresh(1, 2);
    assert!(prover.fold(&s.shape, &s.pp, &z[1..], &fresh).is_err());
}

/// The blinding fold and decider of a prover's running instance: `(message, the verifier's
/// instance, Spartan's proof)`, with the prover's checks on the way.
fn blinded_decider(
    s: &Setup,
    prover: &MovaProver<Pallas>,
    seed: u64,
) -> (ClaimBlindingFold<Pallas>, EvaluatedInstance<Pallas>, Vec<F>) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let (fold, instance, w) = prover.blind(&s.ck, &s.shape, &PP_BYTES, &mut rng).unwrap();
    let view = fold.verify(s.gens(), &PP_BYTES, prover.instance()).unwrap();
    assert_eq!(view, instance, "the verifier's blinded instance differs");
    (fold, view, w)
}

/// The parameters' digest as the blinding fold's transcript takes it.
const PP_BYTES: [u8; 32] = [7; 32];

impl Setup {
    /// `G₀` and `H` of the commitment key.
    fn gens(&self) -> (&AffineOf<Pallas>, &AffineOf<Pallas>) {
        (&self.ck.generators()[0], &self.blinding)
    }
}

#[test]
fn a_blinded_honest_instance_passes_the_decider() {
    let mut s = Setup::new();
    let prover = s.prover(&[(2, 3), (4, 5), (6, 7)]);
    let (_, view, w) = blinded_decider(&s, &prover, 1);
    s.shape.is_sat_evaluated(&s.ck, &view, &w).unwrap();
    assert_eq!(
        view.point,
        prover.instance().point,
        "the blinding fold keeps the point"
    );
    let key = DirectKey::new(&s.shape);
    let proof = ClaimProof::prove(&s.ck, &key, &view, &w).unwrap();
    proof.verify(&s.ck, &key, &view).unwrap();
    // The blinded witness is not the running one.
    assert_ne!(w.as_slice(), prover.w());
}

#[test]
fn a_false_claim_stays_false_through_the_blinding_fold_and_the_decider() {
    let mut s = Setup::new();
    let mut prover = s.prover(&[(2, 3)]);
    s.buf
        .synthesize_with(|cs| circuit(cs, Some((6, 7))))
        .unwrap();
    let mut z = s.buf.z().to_vec();
    z[10] += F::ONE;
    let (z, fresh) = s.commit(z);
    prover.fold(&s.shape, &s.pp, &z, &fresh).unwrap();
    let (_, view, w) = blinded_decider(&s, &prover, 2);
    assert!(matches!(
        s.shape.is_sat_evaluated(&s.ck, &view, &w),
        Err(R1csError::ClaimMismatch)
    ));
    let key = DirectKey::new(&s.shape);
    match ClaimProof::prove(&s.ck, &key, &view, &w) {
        Err(_) => {}
        Ok(proof) => assert!(proof.verify(&s.ck, &key, &view).is_err()),
    }
}

#[test]
fn every_field_of_a_blinding_fold_tampered_is_rejected() {
    let mut s = Setup::new();
    let prover = s.prover(&[(2, 3), (4, 5)]);
    let (fold, view, w) = blinded_decider(&s, &prover, 3);
    let g = <halo2curves::pasta::Pallas as group::Group>::generator();
    let running = prover.instance();
    type Edit = Box<dyn Fn(&mut ClaimBlindingFold<Pallas>)>;
    let mut edits: Vec<(String, Edit)> = vec![
        (
            "comm W".into(),
            Box::new(move |f| f.comm_w += Commitment::from_point(g)),
        ),
        ("u".into(), Box::new(|f| f.u += F::ONE)),
        (
            "comm t".into(),
            Box::new(move |f| f.comm_cross += Commitment::from_point(g)),
        ),
        (
            "comm v2".into(),
            Box::new(move |f| f.comm_value += Commitment::from_point(g)),
        ),
        ("value".into(), Box::new(|f| f.value += F::ONE)),
        ("blind value".into(), Box::new(|f| f.blind_value += F::ONE)),
        ("blind W".into(), Box::new(|f| f.blind_w += F::ONE)),
    ];
    for i in 0..2 {
        edits.push((format!("X[{i}]"), Box::new(move |f| f.x[i] += F::ONE)));
    }
    // Rejected: the fold refused, or an instance the prover's witness (W₁ + α·W₂ for the α the
    // tampered transcript gives) does not satisfy.
    let w2: Vec<F> = {
        let alpha = (view.u - running.u) * fold.u.invert().unwrap();
        let inverse = alpha.invert().unwrap();
        w.iter()
            .zip(prover.w())
            .map(|(folded, w1)| (*folded - w1) * inverse)
            .collect()
    };
    for (name, edit) in edits {
        let mut bad = fold.clone();
        edit(&mut bad);
        match bad.verify(s.gens(), &PP_BYTES, running) {
            Err(_) => {}
            Ok(other) => {
                let w = s.folded_witness(&other, (running, prover.w()), (bad.u, &w2));
                assert!(
                    s.shape.is_sat_evaluated(&s.ck, &other, &w).is_err(),
                    "{name} accepted"
                );
            }
        }
    }
    // Another running instance or parameters: refused.
    let mut other = running.clone();
    other.value += F::ONE;
    assert!(fold.verify(s.gens(), &PP_BYTES, &other).is_err());
    assert!(fold.verify(s.gens(), &[8; 32], running).is_err());
}

#[test]
fn every_blinding_fold_message_is_bound_before_alpha() {
    use origami_arith::transcript_log::{Before, check_bound, record};
    let mut s = Setup::new();
    let prover = s.prover(&[(2, 3), (4, 5)]);
    let (fold, _, _) = blinded_decider(&s, &prover, 4);
    let running = prover.instance();
    let (ok, honest) = record(|| fold.verify(s.gens(), &PP_BYTES, running));
    ok.unwrap();
    let g =
        Commitment::<Pallas>::from_point(<halo2curves::pasta::Pallas as group::Group>::generator());
    let mut variants = vec![fold.clone(); 5];
    variants[0].comm_w += g;
    variants[1].u += F::ONE;
    variants[2].x[0] += F::ONE;
    variants[3].comm_cross += g;
    variants[4].comm_value += g;
    for (k, bad) in variants.iter().enumerate() {
        let (_, tampered) = record(|| bad.verify(s.gens(), &PP_BYTES, running));
        let before = Before {
            transcript: 0,
            label: b"alpha",
            ordinal: 0,
        };
        check_bound(&honest, &tampered, before)
            .unwrap_or_else(|why| panic!("message {k} is not bound before alpha: {why}"));
    }
    // And the running instance, every field.
    for (name, tamper) in instance_tamperings() {
        let mut other = running.clone();
        tamper(&mut other);
        let (_, tampered) = record(|| fold.verify(s.gens(), &PP_BYTES, &other));
        let before = Before {
            transcript: 0,
            label: b"alpha",
            ordinal: 0,
        };
        check_bound(&honest, &tampered, before)
            .unwrap_or_else(|why| panic!("running {name} is not bound before alpha: {why}"));
    }
}

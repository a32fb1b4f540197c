//! Folding keeps the running pair satisfied, and the verifier's fold matches the prover's.

use bellpepper_core::{ConstraintSystem, SynthesisError, num::AllocatedNum};
use ff::Field;
use halo2curves::pasta::Fp;
use origami_arith::{CommitmentKey, Pallas, ScalarOf};
use origami_nova::{FoldingProver, nifs};
use origami_r1cs::{
    R1csError, R1csInstance, R1csShape, R1csWitness, RelaxedR1csWitness, WitnessBuffer,
};

type F = ScalarOf<Pallas>;

/// Two small public inputs (like an augmented circuit's two hashes) and a squaring chain.
fn circuit<CS: ConstraintSystem<F>>(
    cs: &mut CS,
    ab: Option<(u64, u64)>,
) -> Result<(), SynthesisError> {
    let a = AllocatedNum::alloc_input(cs.namespace(|| "a"), || {
        Ok(F::from(ab.ok_or(SynthesisError::AssignmentMissing)?.0))
    })?;
    let b = AllocatedNum::alloc_input(cs.namespace(|| "b"), || {
        Ok(F::from(ab.ok_or(SynthesisError::AssignmentMissing)?.1))
    })?;
    let mut x = a.mul(cs.namespace(|| "ab"), &b)?;
    for i in 0..40 {
        x = x.square(cs.namespace(|| format!("sq {i}")))?;
    }
    Ok(())
}

/// A circuit with a single public input, which an augmented circuit never has.
fn one_input_circuit<CS: ConstraintSystem<F>>(cs: &mut CS) -> Result<(), SynthesisError> {
    let a = AllocatedNum::alloc_input(cs.namespace(|| "a"), || Ok(F::ONE))?;
    a.square(cs.namespace(|| "sq")).map(|_| ())
}

/// The instance of the assignment in `buf`: its witness committed, its public inputs.
fn commit_buffer(
    shape: &R1csShape<F>,
    ck: &CommitmentKey<Pallas>,
    buf: &WitnessBuffer<F>,
) -> R1csInstance<Pallas> {
    let witness = R1csWitness {
        w: buf.w().to_vec(),
    };
    shape
        .commit_instance(ck, &witness, buf.x().to_vec())
        .unwrap()
}

#[test]
fn folds_stay_satisfied_and_verifier_agrees() {
    let shape = R1csShape::from_fn(|cs| circuit(cs, None)).unwrap();
    assert_eq!(shape.num_io(), 2);
    let ck = CommitmentKey::<Pallas>::setup(b"nifs-test", shape.num_vars().max(shape.num_cons()));
    let pp = Fp::from(99);
    let mut buf = WitnessBuffer::new();
    let fresh = |buf: &mut WitnessBuffer<F>, a: u64, b: u64| {
        buf.synthesize_with(|cs| circuit(cs, Some((a, b)))).unwrap();
        commit_buffer(&shape, &ck, buf)
    };

    let first = fresh(&mut buf, 2, 3);
    let mut prover = FoldingProver::from_instance(&shape, buf.z(), &first).unwrap();
    let mut verifier_view = prover.instance().clone();
    for (k, (a, b)) in [(5u64, 7u64), (11, 13), (1, 1), (0, 9)]
        .into_iter()
        .enumerate()
    {
        let inst = fresh(&mut buf, a, b);
        let proof = prover.fold(&ck, &shape, &pp, buf.z(), &inst).unwrap();
        verifier_view = proof.verify(&pp, &verifier_view, &inst).unwrap();
        assert_eq!(
            &verifier_view,
            prover.instance(),
            "fold {k}: instances diverge"
        );
        shape
            .is_sat_relaxed(&ck, prover.instance(), &prover.witness())
            .unwrap();
        assert_ne!(
            prover.instance().u,
            F::ONE,
            "u moves away from 1 once folded"
        );
    }

    // A cross-term commitment that is not Com(T) yields an unsatisfied instance.
    let inst = fresh(&mut buf, 4, 4);
    let before = prover.instance().clone();
    let proof = prover.fold(&ck, &shape, &pp, buf.z(), &inst).unwrap();
    let forged = nifs::NifsProof {
        comm_t: proof.comm_t + ck.commit(&[F::ONE]).unwrap(),
    };
    let bad = forged.verify(&pp, &before, &inst).unwrap();
    assert!(shape.is_sat_relaxed(&ck, &bad, &prover.witness()).is_err());
    // Another digest gives another challenge, so another instance.
    assert_ne!(
        &proof.verify(&Fp::from(100), &before, &inst).unwrap(),
        prover.instance()
    );
}

#[test]
fn folding_into_zero_matches_the_fresh_instance_scaled() {
    let shape = R1csShape::from_fn(|cs| circuit(cs, None)).unwrap();
    let ck = CommitmentKey::<Pallas>::setup(b"nifs-zero", shape.num_vars().max(shape.num_cons()));
    let mut buf = WitnessBuffer::new();
    buf.synthesize_with(|cs| circuit(cs, Some((3, 4)))).unwrap();
    let inst = commit_buffer(&shape, &ck, &buf);
    let mut prover = FoldingProver::<Pallas>::zero(&shape);
    prover.fold(&ck, &shape, &Fp::ONE, buf.z(), &inst).unwrap();
    shape
        .is_sat_relaxed(&ck, prover.instance(), &prover.witness())
        .unwrap();
    // Tampering with the folded witness is caught.
    let mut w: RelaxedR1csWitness<F> = prover.witness();
    w.w[3] += F::ONE;
    assert!(matches!(
        shape.is_sat_relaxed(&ck, prover.instance(), &w),
        Err(R1csError::Unsatisfied { .. })
    ));
}

#[test]
fn instances_without_two_public_inputs_are_refused() {
    let shape = R1csShape::<F>::from_fn(one_input_circuit).unwrap();
    let ck = CommitmentKey::<Pallas>::setup(b"nifs-io", 4);
    let mut buf = WitnessBuffer::new();
    buf.synthesize_with(|cs| one_input_circuit(cs)).unwrap();
    let inst = commit_buffer(&shape, &ck, &buf);
    let mut prover = FoldingProver::<Pallas>::zero(&shape);
    let err = prover
        .fold(&ck, &shape, &Fp::ONE, buf.z(), &inst)
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("1 public inputs where 2 are expected"),
        "{err}"
    );
}

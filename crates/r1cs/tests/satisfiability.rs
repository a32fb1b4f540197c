//! `is_sat` on real circuits: true for honest witnesses, false after corrupting any entry, and in
//! agreement with bellpepper's own test constraint system.

mod common;

use bellpepper_core::{Circuit, test_cs::TestConstraintSystem};
use common::{Cubic, PoseidonHash, Sha256Block, Squarings};
use ff::Field;
use halo2curves::pasta::Fq;
use origami_arith::{CommitmentKey, Pallas};
use origami_r1cs::{
    R1csError, R1csShape, R1csWitness, RelaxedR1csInstance, RelaxedR1csWitness, WitnessBuffer,
};
use rand::{Rng, SeedableRng, rngs::StdRng};

type F = Fq; // Pallas' scalar field: the primary circuit's field.

struct Case {
    shape: R1csShape<F>,
    w: Vec<F>,
    x: Vec<F>,
}

fn build<C: Circuit<F>>(shape_of: C, witness_of: C, reference: C) -> Case {
    let shape = R1csShape::from_circuit(shape_of).unwrap();
    let mut buf = WitnessBuffer::new();
    buf.synthesize(witness_of).unwrap();
    // bellpepper's TestConstraintSystem is an independent oracle for both shape and witness.
    let mut tcs = TestConstraintSystem::<F>::new();
    reference.synthesize(&mut tcs).unwrap();
    assert!(
        tcs.is_satisfied(),
        "reference CS unsatisfied: {:?}",
        tcs.which_is_unsatisfied()
    );
    assert_eq!(tcs.num_constraints(), shape.num_cons());
    assert_eq!(tcs.num_inputs(), shape.num_io() + 1);
    assert_eq!(buf.w().len(), shape.num_vars());
    assert_eq!(buf.x().len(), shape.num_io());
    Case {
        shape,
        w: buf.w().to_vec(),
        x: buf.x().to_vec(),
    }
}

fn cubic() -> Case {
    let x = F::from(3);
    build(
        Cubic { x: None },
        Cubic { x: Some(x) },
        Cubic { x: Some(x) },
    )
}

fn sha() -> Case {
    let mut block = [0u8; 64];
    block
        .iter_mut()
        .enumerate()
        .for_each(|(i, b)| *b = (i * 7 + 1) as u8);
    build(
        Sha256Block { block: None },
        Sha256Block { block: Some(block) },
        Sha256Block { block: Some(block) },
    )
}

fn poseidon() -> Case {
    let inputs = Some([F::from(17), F::from(42)]);
    build(
        PoseidonHash { inputs: None },
        PoseidonHash { inputs },
        PoseidonHash { inputs },
    )
}

fn z_of(case: &Case, w: &[F]) -> Vec<F> {
    let mut z = w.to_vec();
    z.push(F::ONE);
    z.extend_from_slice(&case.x);
    z
}

/// Honest witness satisfies; each listed corruption of one entry does not.
fn check_case(case: &Case, corrupt: impl IntoIterator<Item = usize>) {
    let ck = CommitmentKey::<Pallas>::setup(
        b"r1cs-test",
        case.shape.num_vars().max(case.shape.num_cons()),
    );
    let witness = R1csWitness { w: case.w.clone() };
    let instance = case
        .shape
        .commit_instance(&ck, &witness, case.x.clone())
        .unwrap();
    case.shape.is_sat(&ck, &instance, &witness).unwrap();
    // The same, relaxed (u = 1, E = 0).
    let relaxed_w = RelaxedR1csWitness::from_r1cs(&case.shape, &witness);
    let relaxed_i = RelaxedR1csInstance::from_r1cs(&instance);
    case.shape
        .is_sat_relaxed(&ck, &relaxed_i, &relaxed_w)
        .unwrap();

    let mut checked = 0;
    for j in corrupt {
        let mut w = case.w.clone();
        w[j] += F::ONE;
        let err = case.shape.check_assignment(&z_of(case, &w));
        assert!(
            matches!(err, Err(R1csError::Unsatisfied { .. })),
            "corrupting W[{j}] went unnoticed"
        );
        checked += 1;
    }
    assert!(checked > 0);
    // A corrupted public input is caught too.
    if !case.x.is_empty() {
        let mut bad = instance.clone();
        bad.x[0] += F::ONE;
        assert!(case.shape.is_sat(&ck, &bad, &witness).is_err());
    }
    // A commitment that does not open to the witness is caught.
    let mut bad = instance.clone();
    bad.comm_w = ck.commit(&[F::ONE]).unwrap();
    assert!(matches!(
        case.shape.is_sat(&ck, &bad, &witness),
        Err(R1csError::CommitmentMismatch("W"))
    ));
}

#[test]
fn cubic_is_sat_and_every_corruption_fails() {
    let case = cubic();
    check_case(&case, 0..case.w.len());
}

#[test]
fn poseidon_is_sat_and_every_corruption_fails() {
    let case = poseidon();
    // The digest is the published public input, computed natively.
    assert_eq!(
        case.x,
        vec![origami_arith::poseidon::hash(
            b"r1cs-test",
            &[F::from(17), F::from(42)]
        )]
    );
    check_case(&case, 0..case.w.len());
}

#[test]
fn sha256_block_is_sat_and_corruptions_fail() {
    let case = sha();
    assert!(
        case.shape.num_cons() > 20_000,
        "one compression is ~25k constraints"
    );
    // Every witness column is used by some constraint, so no entry is free...
    let (a, b, c) = case.shape.matrices();
    let mut used = vec![false; case.shape.z_len()];
    for (_, col, _) in a.iter().chain(b.iter()).chain(c.iter()) {
        used[col] = true;
    }
    assert!(
        used[..case.shape.num_vars()].iter().all(|&u| u),
        "an unconstrained witness column"
    );
    // ...and corrupting sampled entries (all would take minutes at test opt-level) breaks it.
    let mut rng = StdRng::seed_from_u64(11);
    let n = case.w.len();
    let picks: Vec<usize> = [0, 1, n / 2, n - 1]
        .into_iter()
        .chain((0..60).map(|_| rng.gen_range(0..n)))
        .collect();
    check_case(&case, picks);
}

#[test]
fn many_ones_are_separated() {
    let case = sha();
    let (a, b, c) = case.shape.matrices();
    let (units, all) = [a, b, c]
        .iter()
        .fold((0, 0), |(u, n), m| (u + m.unit_nnz(), n + m.nnz()));
    // Boolean and XOR constraints are mostly ±1: the split must catch them.
    assert!(
        units * 2 > all,
        "only {units} of {all} entries recognised as ±1"
    );
}

#[test]
fn wrong_lengths_are_errors() {
    let case = cubic();
    let ck = CommitmentKey::<Pallas>::setup(b"len", 8);
    let witness = R1csWitness {
        w: case.w[1..].to_vec(),
    };
    assert!(matches!(
        case.shape.commit_instance(&ck, &witness, case.x.clone()),
        Err(R1csError::WitnessLength { .. })
    ));
    let good = R1csWitness { w: case.w.clone() };
    let inst = case.shape.commit_instance(&ck, &good, vec![]).unwrap();
    assert!(matches!(
        case.shape.is_sat(&ck, &inst, &good),
        Err(R1csError::PublicInputLength {
            expected: 1,
            got: 0
        })
    ));
    let mut z = z_of(&case, &case.w);
    z.pop();
    assert!(matches!(
        case.shape.check_assignment(&z),
        Err(R1csError::AssignmentLength { .. })
    ));
    let mut z = z_of(&case, &case.w);
    let u_col = case.shape.num_vars();
    z[u_col] = F::from(2);
    assert!(matches!(
        case.shape.check_assignment(&z),
        Err(R1csError::ConstantNotOne)
    ));
}

/// Folds two satisfying instances by hand (Nova's NIFS arithmetic) and checks the relaxed result,
/// so `is_sat_relaxed` is exercised with `u ≠ 1` and `E ≠ 0`.
#[test]
fn relaxed_is_sat_for_a_folded_pair_and_fails_on_tampering() {
    let shape = R1csShape::from_circuit(Squarings::<F> { n: 64, x: None }).unwrap();
    let ck = CommitmentKey::<Pallas>::setup(b"fold", 128);
    let witness_for = |x: u64| {
        let mut buf = WitnessBuffer::new();
        buf.synthesize(Squarings {
            n: 64,
            x: Some(F::from(x)),
        })
        .unwrap();
        (buf.w().to_vec(), buf.x().to_vec(), buf.z().to_vec())
    };
    let (w1, x1, z1) = witness_for(3);
    let (w2, x2, z2) = witness_for(5);
    let (a1, b1, c1) = shape.multiply(&z1).unwrap();
    let (a2, b2, c2) = shape.multiply(&z2).unwrap();
    // T = Az1∘Bz2 + Az2∘Bz1 − u1·Cz2 − u2·Cz1 with u1 = u2 = 1.
    let t: Vec<F> = (0..shape.num_cons())
        .map(|i| a1[i] * b2[i] + a2[i] * b1[i] - c2[i] - c1[i])
        .collect();
    let r = F::from(1_000_003);
    let w: Vec<F> = w1.iter().zip(&w2).map(|(a, b)| *a + r * b).collect();
    let x: Vec<F> = x1.iter().zip(&x2).map(|(a, b)| *a + r * b).collect();
    let e: Vec<F> = t.iter().map(|t| r * t).collect();
    let inst = RelaxedR1csInstance::<Pallas> {
        comm_w: ck.commit(&w).unwrap(),
        comm_e: ck.commit(&e).unwrap(),
        u: F::ONE + r,
        x,
    };
    let wit = RelaxedR1csWitness { w, e };
    shape.is_sat_relaxed(&ck, &inst, &wit).unwrap();

    let mut bad = wit.clone();
    bad.e[7] += F::ONE;
    assert!(matches!(
        shape.is_sat_relaxed(&ck, &inst, &bad),
        Err(R1csError::Unsatisfied { row: 7 })
    ));
    let mut bad_inst = inst.clone();
    bad_inst.u += F::ONE;
    assert!(shape.is_sat_relaxed(&ck, &bad_inst, &wit).is_err());
    let mut bad_inst = inst.clone();
    bad_inst.comm_e = ck.commit(&wit.w).unwrap();
    assert!(matches!(
        shape.is_sat_relaxed(&ck, &bad_inst, &wit),
        Err(R1csError::CommitmentMismatch("E"))
    ));
    // The zero instance is trivially satisfied.
    shape
        .is_sat_relaxed(
            &ck,
            &RelaxedR1csInstance::zero(&shape),
            &RelaxedR1csWitness::zero(&shape),
        )
        .unwrap();
}

#[test]
fn padded_shape_is_satisfied_by_padded_witness() {
    for case in [cubic(), poseidon(), sha()] {
        let padded = case.shape.pad();
        assert!(padded.is_padded());
        assert!(
            padded.num_vars() >= case.shape.num_vars()
                && padded.num_cons() >= case.shape.num_cons()
        );
        assert!(padded.num_vars() > padded.num_io());
        let ck = CommitmentKey::<Pallas>::setup(b"pad", padded.num_vars().max(padded.num_cons()));
        let witness =
            RelaxedR1csWitness::from_r1cs(&case.shape, &R1csWitness { w: case.w.clone() })
                .pad(&padded);
        assert_eq!(witness.w.len(), padded.num_vars());
        let inst = RelaxedR1csInstance::<Pallas> {
            comm_w: ck.commit(&witness.w).unwrap(),
            comm_e: ck.commit(&witness.e).unwrap(),
            u: F::ONE,
            x: case.x.clone(),
        };
        padded.is_sat_relaxed(&ck, &inst, &witness).unwrap();
        // Padding an already padded shape changes nothing.
        assert_eq!(padded.pad(), padded);
    }
}

#[test]
fn products_match_row_by_row_evaluation() {
    let case = sha();
    let z = z_of(&case, &case.w);
    let mut az = vec![F::ZERO; case.shape.num_cons()];
    let mut bz = az.clone();
    let mut cz = az.clone();
    case.shape
        .multiply_into(&z, &mut az, &mut bz, &mut cz)
        .unwrap();
    let (a, b, c) = case.shape.matrices();
    for (m, out) in [(a, &az), (b, &bz), (c, &cz)] {
        let mut expect = vec![F::ZERO; case.shape.num_cons()];
        for (row, col, k) in m.iter() {
            expect[row] += k * z[col];
        }
        assert_eq!(&expect, out);
    }
    let mut short = vec![F::ZERO; 3];
    assert!(matches!(
        case.shape.multiply_into(&z, &mut short, &mut bz, &mut cz),
        Err(R1csError::OutputLength { .. })
    ));
}

#[test]
fn shapes_round_trip_and_digests_tell_circuits_apart() {
    let (c, s) = (cubic(), sha());
    let back: R1csShape<F> = bincode::deserialize(&bincode::serialize(&s.shape).unwrap()).unwrap();
    assert_eq!(back, s.shape);
    assert_eq!(back.digest(), s.shape.digest());
    assert_ne!(c.shape.digest(), s.shape.digest());
    // A shape whose declared dimensions disagree with its matrices is refused.
    let mut bytes = bincode::serialize(&c.shape).unwrap();
    bytes[0] += 1; // num_cons
    let err = bincode::deserialize::<R1csShape<F>>(&bytes).unwrap_err();
    assert!(err.to_string().contains("matrix A"), "{err}");
}

/// Random relaxed instances satisfy the shape, differ from each other, and stop satisfying it when
/// any part changes.
#[test]
fn random_relaxed_instances_are_satisfied_and_distinct() {
    let shape = R1csShape::from_circuit(Squarings::<F> { n: 64, x: None }).unwrap();
    let ck = CommitmentKey::<Pallas>::setup(b"random", 128);
    let mut rng = StdRng::seed_from_u64(11);
    let (inst, wit) = shape.random_relaxed(&ck, &mut rng).unwrap();
    shape.is_sat_relaxed(&ck, &inst, &wit).unwrap();
    let (other, other_wit) = shape.random_relaxed(&ck, &mut rng).unwrap();
    shape.is_sat_relaxed(&ck, &other, &other_wit).unwrap();
    assert_ne!(inst, other);
    assert!(wit.w.iter().any(|v| !bool::from(v.is_zero())));
    let mut bad = wit.clone();
    bad.e[3] += F::ONE;
    assert!(shape.is_sat_relaxed(&ck, &inst, &bad).is_err());
    let mut bad_inst = inst.clone();
    bad_inst.u += F::ONE;
    assert!(shape.is_sat_relaxed(&ck, &bad_inst, &wit).is_err());
}

//! Every built-in circuit agrees with its native step, is satisfied, and costs what it claims.

use bellpepper_core::{ConstraintSystem, num::AllocatedNum, test_cs::TestConstraintSystem};
use ff::{Field, PrimeFieldBits};
use halo2curves::pasta::{Fp, Fq};

use origami_circuits::{
    Builtin, CircuitKind, MinRoot, PoseidonChain, Sha256Chain, Synthetic,
    minroot::fifth_root_exponent,
    sha256_chain::{digest_to_state, state_to_digest},
};
use origami_nova::{StepCircuit, StepError};
use origami_r1cs::{R1csError, R1csShape, WitnessBuffer};
use rand::{SeedableRng, rngs::StdRng};
use sha2::{Digest, Sha256};

/// Allocates `z`, runs the circuit, and returns the output values.
fn run_circuit<F: PrimeFieldBits, C: StepCircuit<F>, CS: ConstraintSystem<F>>(
    cs: &mut CS,
    circuit: &C,
    z: &[F],
    input: Option<&C::Input>,
) -> Vec<Option<F>> {
    let z: Vec<AllocatedNum<F>> = z
        .iter()
        .enumerate()
        .map(|(i, v)| AllocatedNum::alloc(cs.namespace(|| format!("z{i}")), || Ok(*v)).unwrap())
        .collect();
    let out = circuit
        .synthesize(&mut cs.namespace(|| "step"), &z, input)
        .unwrap();
    assert_eq!(out.len(), circuit.arity());
    out.iter().map(|n| n.get_value()).collect()
}

/// Circuit output == native step, the constraints hold, and our R1CS layer agrees.
fn agrees<F: PrimeFieldBits, C: StepCircuit<F, Input = ()>>(circuit: &C, z: &[F]) -> usize {
    agrees_on(circuit, z, &())
}

/// [`agrees`] for a step that reads `input`.
fn agrees_on<F: PrimeFieldBits, C: StepCircuit<F>>(
    circuit: &C,
    z: &[F],
    input: &C::Input,
) -> usize {
    let expected = circuit.step(z, input).unwrap();
    let mut tcs = TestConstraintSystem::<F>::new();
    let got = run_circuit(&mut tcs, circuit, z, Some(input));
    assert!(
        tcs.is_satisfied(),
        "unsatisfied at {:?}",
        tcs.which_is_unsatisfied()
    );
    assert_eq!(got, expected.iter().map(|v| Some(*v)).collect::<Vec<_>>());

    let shape = R1csShape::from_fn(|cs| {
        run_circuit(cs, circuit, &vec![F::ZERO; z.len()], None);
        Ok(())
    })
    .unwrap();
    let mut buf = WitnessBuffer::new();
    buf.synthesize_with(|cs| {
        run_circuit(cs, circuit, z, Some(input));
        Ok(())
    })
    .unwrap();
    shape.check_assignment(buf.z()).unwrap();
    // A wrong output value breaks it: the last witness entry is an output limb or square.
    let mut z_bad = buf.z().to_vec();
    z_bad[shape.num_vars() - 1] += F::ONE;
    assert!(matches!(
        shape.check_assignment(&z_bad),
        Err(R1csError::Unsatisfied { .. })
    ));
    tcs.num_constraints()
}

fn both_fields(test: impl Fn(&mut StdRng, bool)) {
    let mut rng = StdRng::seed_from_u64(42);
    test(&mut rng, true);
    test(&mut rng, false);
}

#[test]
fn synthetic_costs_one_constraint_per_squaring() {
    both_fields(|rng, pallas| {
        for n in [1usize, 7, 100] {
            let c = Synthetic::new(n);
            let count = if pallas {
                agrees(&c, &[Fq::random(&mut *rng)])
            } else {
                agrees(&c, &[Fp::random(&mut *rng)])
            };
            assert_eq!(count, n);
        }
    });
    assert_eq!(
        Synthetic::new(3).step(&[Fq::from(2)], &()).unwrap(),
        vec![Fq::from(256)]
    );
}

#[test]
fn minroot_costs_three_constraints_per_iteration_and_inverts_fifth_powers() {
    assert!(fifth_root_exponent::<Fq>().is_some() && fifth_root_exponent::<Fp>().is_some());
    both_fields(|rng, pallas| {
        for n in [1usize, 10] {
            let c = MinRoot::new(n);
            let count = if pallas {
                agrees(&c, &[Fq::random(&mut *rng), Fq::random(&mut *rng)])
            } else {
                agrees(&c, &[Fp::random(&mut *rng), Fp::random(&mut *rng)])
            };
            assert_eq!(count, 3 * n);
        }
    });
    let (x, y) = (Fq::from(11), Fq::from(31));
    let out = MinRoot::new(1).step(&[x, y], &()).unwrap();
    assert_eq!(out[0].pow_vartime([5u64]), x + y);
    assert_eq!(out[1], x);
}

#[test]
fn poseidon_chain_costs_241_constraints_per_hash() {
    both_fields(|rng, pallas| {
        for n in [1usize, 3] {
            let c = PoseidonChain::new(n);
            let count = if pallas {
                agrees(&c, &[Fq::random(&mut *rng), Fq::random(&mut *rng)])
            } else {
                agrees(&c, &[Fp::random(&mut *rng), Fp::random(&mut *rng)])
            };
            assert_eq!(count, 241 * n);
        }
    });
    let z = [Fq::from(1), Fq::from(2)];
    let out = PoseidonChain::new(2).step(&z, &()).unwrap();
    let h1 = origami_arith::poseidon::hash(b"origami/poseidon-chain", &z);
    assert_eq!(
        out,
        vec![
            h1,
            origami_arith::poseidon::hash(b"origami/poseidon-chain", &[z[1], h1])
        ]
    );
}

#[test]
fn sha256_chain_is_sha256_of_the_digest() {
    let start: [u8; 32] = Sha256::digest(b"origami").into();
    let z = digest_to_state::<Fq>(&start);
    assert_eq!(state_to_digest(&z), Some(start));
    let once: [u8; 32] = Sha256::digest(start).into();
    let twice: [u8; 32] = Sha256::digest(once).into();
    assert_eq!(
        state_to_digest(&Sha256Chain::new(1).step(&z, &()).unwrap()),
        Some(once)
    );
    assert_eq!(
        state_to_digest(&Sha256Chain::new(2).step(&z, &()).unwrap()),
        Some(twice)
    );

    let count = agrees(&Sha256Chain::new(1), &z);
    assert!(
        (25_000..30_000).contains(&count),
        "one compression plus limbs: {count}"
    );
    agrees(&Sha256Chain::new(1), &digest_to_state::<Fp>(&[0xff; 32]));
}

#[test]
fn invalid_states_are_errors() {
    let big = -Fq::ONE; // far above 2^128
    assert!(matches!(
        Sha256Chain::new(1).step(&[big, Fq::ZERO], &()),
        Err(StepError::InvalidState(_))
    ));
    assert_eq!(
        Synthetic::new(1).step(&[Fq::ONE, Fq::ONE], &()),
        Err(StepError::Arity {
            expected: 1,
            got: 2
        })
    );
    assert_eq!(
        MinRoot::new(1).step(&[Fq::ONE], &()),
        Err(StepError::Arity {
            expected: 2,
            got: 1
        })
    );
}

#[test]
fn and_costs_198_constraints_per_and_and_checks_its_input() {
    let c = origami_circuits::AndBatch::new(3);
    let input: Vec<u8> = (0..48).collect();
    assert_eq!(agrees_on(&c, &[Fq::from(9)], &input), 3 * 198);
    assert_eq!(c.steps_for(96).unwrap(), 2);
    let err = c.steps_for(100).unwrap_err();
    assert!(
        err.to_string().contains("not a whole number of steps"),
        "{err}"
    );
    let err = c.step(&[Fq::from(9)], &input[..47]).unwrap_err();
    assert!(err.to_string().contains("reads 48 bytes"), "{err}");
}

#[test]
fn builtins_by_name() {
    for name in origami_circuits::CIRCUIT_NAMES {
        let kind: CircuitKind = name.parse().unwrap();
        assert_eq!(kind.to_string(), *name);
        let c: Builtin = kind.with_size(1);
        let z: Vec<Fq> = c.default_z0();
        agrees_on(&c, &z, &vec![7; c.bytes_per_step()]);
    }
    let err = "sha3-chain".parse::<CircuitKind>().unwrap_err();
    assert!(err.to_string().contains("sha3-chain") && err.to_string().contains("synthetic"));
}

use super::*;
use bellpepper_core::test_cs::TestConstraintSystem;
use ff::Field;
use halo2curves::pasta::{Fp, Fq};
use rand::{Rng, SeedableRng, rngs::StdRng};

/// Everything one fold test looks at.
struct Fold<F: PrimeField> {
    cs: TestConstraintSystem<F>,
    result: BigNat<F>,
    from_num_constraints: usize,
    fold_constraints: usize,
}

/// Folds `x_running + r · x_fresh mod p_G` in an `F`-circuit, the way the augmented circuit
/// does: `x_running` is an allocated `G` element, `x_fresh` a native number of `F`, `r` bits.
fn fold<F: PrimeFieldBits, G: PrimeFieldBits>(x_running: G, x_fresh: F, r: u128) -> Fold<F> {
    let mut cs = TestConstraintSystem::<F>::new();
    let x_running =
        BigNat::alloc_field_element(cs.namespace(|| "x_running"), Some(x_running)).unwrap();
    let num = AllocatedNum::alloc(cs.namespace(|| "x_fresh num"), || Ok(x_fresh)).unwrap();
    let before = cs.num_constraints();
    let x_fresh = BigNat::from_num(cs.namespace(|| "x_fresh"), &num).unwrap();
    let from_num_constraints = cs.num_constraints() - before;
    let r_bits: Vec<Boolean> = (0..128)
        .map(|i| {
            AllocatedBit::alloc(
                cs.namespace(|| format!("r bit {i}")),
                Some((r >> i) & 1 == 1),
            )
            .unwrap()
            .into()
        })
        .collect();
    let r = BigNat::from_bits(cs.namespace(|| "r"), &r_bits);
    let before = cs.num_constraints();
    let result = fold_mod(
        cs.namespace(|| "fold"),
        &x_running,
        &x_fresh,
        &r,
        &modulus_of::<G>(),
    )
    .unwrap();
    let fold_constraints = cs.num_constraints() - before;
    Fold {
        cs,
        result,
        from_num_constraints,
        fold_constraints,
    }
}

/// The fold computed natively in `G`, with `x_fresh` read as an integer.
fn fold_natively<F: PrimeFieldBits, G: PrimeField>(x_running: G, x_fresh: F, r: u128) -> G {
    x_running + G::from_u128(r) * biguint_to_field::<G>(&field_to_biguint(&x_fresh))
}

/// Cases: edges (0, 1, p − 1 on both sides, r = 0 and 2^128 − 1) and random values.
fn cases<F: PrimeField, G: PrimeField>(seed: u64) -> Vec<(G, F, u128)> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut cases = vec![
        (G::ZERO, F::ZERO, 0),
        (G::ONE, F::ONE, 1),
        (G::ZERO, F::ONE, u128::MAX),
        (-G::ONE, -F::ONE, u128::MAX),
        (-G::ONE, F::ZERO, u128::MAX),
        (-G::ONE, -F::ONE, 0),
        (G::ZERO, -F::ONE, 1),
    ];
    for _ in 0..6 {
        cases.push((G::random(&mut rng), F::random(&mut rng), rng.r#gen()));
    }
    cases
}

fn check_folds<F: PrimeFieldBits, G: PrimeFieldBits>(
    seed: u64,
    from_num_constraints: usize,
    fold_constraints: usize,
) {
    let p_g = modulus_of::<G>();
    for (x_running, x_fresh, r) in cases::<F, G>(seed) {
        let fold = fold::<F, G>(x_running, x_fresh, r);
        assert!(fold.cs.is_satisfied(), "{x_running:?} + {r} · {x_fresh:?}");
        assert_eq!(
            fold.result.to_field::<G>(),
            Some(fold_natively(x_running, x_fresh, r))
        );
        assert!(
            fold.result.value().unwrap() < p_g,
            "the result is canonical"
        );
        assert_eq!(fold.from_num_constraints, from_num_constraints);
        assert_eq!(fold.fold_constraints, fold_constraints);
    }
}

#[test]
fn fold_of_fp_in_an_fq_circuit_matches_native_arithmetic() {
    check_folds::<Fq, Fp>(1, 298, 568);
}

#[test]
fn fold_of_fq_in_an_fp_circuit_matches_native_arithmetic() {
    check_folds::<Fp, Fq>(2, 301, 565);
}

/// A fold with a witness that changes one variable: every such change must be caught.
fn assert_tampering_caught<F: PrimeFieldBits, G: PrimeFieldBits>(path: &str) {
    let mut rng = StdRng::seed_from_u64(3);
    let mut fold = fold::<F, G>(G::random(&mut rng), F::random(&mut rng), rng.r#gen());
    assert!(fold.cs.is_satisfied());
    let old = fold.cs.get(path);
    // Booleans flip; other variables move by one.
    let new = if old == F::ZERO {
        F::ONE
    } else if old == F::ONE {
        F::ZERO
    } else {
        old + F::ONE
    };
    fold.cs.set(path, new);
    assert!(!fold.cs.is_satisfied(), "tampering {path} went unnoticed");
}

const TAMPERED: [&str; 6] = [
    "fold/reduce/remainder/bit 0/boolean",
    "fold/reduce/remainder/bit 200/boolean",
    "fold/reduce/quotient/bit 5/boolean",
    "fold/r * x_fresh/product limb 2",
    "fold/reduce/value = q·m + r/carry 0/bit 3/boolean",
    "x_fresh/bits/bit 100/boolean",
];

#[test]
fn tampering_is_caught_in_an_fq_circuit() {
    for path in TAMPERED {
        assert_tampering_caught::<Fq, Fp>(path);
    }
}

#[test]
fn tampering_is_caught_in_an_fp_circuit() {
    for path in TAMPERED {
        assert_tampering_caught::<Fp, Fq>(path);
    }
}

#[test]
fn packed_nums_carry_the_folded_limbs() {
    let mut rng = StdRng::seed_from_u64(7);
    let (x_running, x_fresh, r) = (Fp::random(&mut rng), Fq::random(&mut rng), rng.r#gen());
    let mut fold = fold::<Fq, Fp>(x_running, x_fresh, r);
    let nums = fold
        .result
        .to_packed_nums(fold.cs.namespace(|| "nums"), 2)
        .unwrap();
    assert!(fold.cs.is_satisfied());
    let expected = field_to_biguint(&fold_natively(x_running, x_fresh, r));
    let mut digits = expected.to_u64_digits();
    digits.resize(4, 0);
    let halves: Vec<Fq> = digits
        .chunks(2)
        .map(|d| Fq::from_u128(u128::from(d[0]) | u128::from(d[1]) << 64))
        .collect();
    let values: Vec<Fq> = nums.iter().map(|n| n.get_value().unwrap()).collect();
    assert_eq!(values, halves);
    fold.cs.set("nums/num 1/num", values[1] + Fq::ONE);
    assert!(!fold.cs.is_satisfied());
}

/// The comparator accepts exactly the values up to its bound: all values of up to 6 bits against
/// every bound of up to 6 bits. The witness is derived from the value, so an unsatisfied system
/// means no witness exists for that value.
#[test]
fn bits_at_most_accepts_exactly_the_values_up_to_the_bound() {
    for max in 1u32..64 {
        let max = BigUint::from(max);
        for value in 0u32..(1 << max.bits()) {
            let mut cs = TestConstraintSystem::<Fp>::new();
            let value = BigUint::from(value);
            let bits = alloc_bits_at_most(&mut cs, Some(&value), &max).unwrap();
            assert_eq!(bits.len() as u64, max.bits());
            assert_eq!(cs.is_satisfied(), value <= max, "{value} <= {max}");
        }
    }
}

#[test]
fn bits_at_most_rejects_the_modulus_and_above() {
    let p = modulus_of::<Fq>();
    let all_ones = (BigUint::from(1u32) << p.bits()) - 1u32;
    for (value, accepted) in [
        (BigUint::ZERO, true),
        (&p - 1u32, true),
        (&p >> 1, true),
        (p.clone(), false),
        (&p + 1u32, false),
        (all_ones, false),
    ] {
        let mut cs = TestConstraintSystem::<Fp>::new();
        alloc_bits_at_most(&mut cs, Some(&value), &(&p - 1u32)).unwrap();
        assert_eq!(cs.is_satisfied(), accepted, "{value}");
    }
}

/// The only other quotient/remainder pair with the same product and a remainder that fits the
/// remainder's bits is `(q − 1, rem + m)`; it satisfies the carry equations, and the canonical
/// range check alone rejects it.
#[test]
fn non_canonical_remainder_is_rejected() {
    let m = modulus_of::<Fp>();
    let mut cs = TestConstraintSystem::<Fq>::new();
    // value = 3·m + 5, so (2, m + 5) also multiplies out right and m + 5 < 2^255.
    let value = &m * 3u32 + 5u32;
    let x = BigNat::alloc(cs.namespace(|| "x"), Some(&value), &(&m * 4u32)).unwrap();
    let (q, r) = reduce(
        cs.namespace(|| "reduce"),
        &x,
        &m,
        Some((BigUint::from(2u32), &m + 5u32)),
    )
    .unwrap();
    assert_eq!(q.value(), Some(BigUint::from(2u32)));
    assert_eq!(r.value(), Some(&m + 5u32));
    let failing = cs.which_is_unsatisfied().expect("rejected");
    assert!(failing.starts_with("reduce/remainder/"), "{failing}");

    // The honest pair passes the same circuit.
    let mut cs = TestConstraintSystem::<Fq>::new();
    let x = BigNat::alloc(cs.namespace(|| "x"), Some(&value), &(&m * 4u32)).unwrap();
    let (q, r) = reduce(cs.namespace(|| "reduce"), &x, &m, None).unwrap();
    assert!(cs.is_satisfied());
    assert_eq!(
        (q.value(), r.value()),
        (Some(BigUint::from(3u32)), Some(5u32.into()))
    );
}

/// A wrong remainder with the honest quotient breaks the carry equations (or has no carry at
/// all within its range, which synthesis reports).
#[test]
fn wrong_remainder_is_rejected() {
    let m = modulus_of::<Fp>();
    let value = &m * 3u32 + 5u32;
    for (q, r) in [(3u32, 6u32), (3, 4), (4, 5)] {
        let mut cs = TestConstraintSystem::<Fq>::new();
        let x = BigNat::alloc(cs.namespace(|| "x"), Some(&value), &(&m * 4u32)).unwrap();
        let outcome = reduce(
            cs.namespace(|| "reduce"),
            &x,
            &m,
            Some((q.into(), r.into())),
        );
        assert!(
            outcome.is_err() || !cs.is_satisfied(),
            "({q}, {r}) accepted"
        );
    }
}

#[test]
fn mult_mod_and_red_mod_match_native_arithmetic() {
    let mut rng = StdRng::seed_from_u64(4);
    let p = modulus_of::<Fp>();
    for _ in 0..4 {
        let (a, b) = (Fp::random(&mut rng), Fp::random(&mut rng));
        let mut cs = TestConstraintSystem::<Fq>::new();
        let a_nat = BigNat::alloc_field_element(cs.namespace(|| "a"), Some(a)).unwrap();
        let b_nat = BigNat::alloc_field_element(cs.namespace(|| "b"), Some(b)).unwrap();
        let (q, r) = a_nat.mult_mod(cs.namespace(|| "a·b"), &b_nat, &p).unwrap();
        assert_eq!(r.to_field::<Fp>(), Some(a * b));
        let product = field_to_biguint(&a) * field_to_biguint(&b);
        assert_eq!(q.value(), Some(&product / &p));
        assert_eq!(r.value(), Some(&product % &p));

        let sum = a_nat.add(&b_nat).unwrap();
        let reduced = sum.red_mod(cs.namespace(|| "a+b"), &p).unwrap();
        assert_eq!(reduced.to_field::<Fp>(), Some(a + b));
        assert!(reduced.value().unwrap() < p);
        assert!(cs.is_satisfied());
    }
}

#[test]
fn enforce_equal_holds_across_limb_layouts_and_only_for_equal_values() {
    let mut rng = StdRng::seed_from_u64(5);
    let (a, b) = (Fq::random(&mut rng), Fq::random(&mut rng));
    let (a_int, b_int) = (field_to_biguint(&a), field_to_biguint(&b));
    let max = modulus_of::<Fq>() * 2u32;
    for (claimed, equal) in [
        (&a_int + &b_int, true),
        (&a_int + &b_int + 1u32, false),
        (&a_int + &b_int - 1u32, false),
        (&a_int + &b_int + (BigUint::from(1u32) << 64), false),
    ] {
        let mut cs = TestConstraintSystem::<Fp>::new();
        let a_nat = BigNat::alloc_field_element(cs.namespace(|| "a"), Some(a)).unwrap();
        let b_nat = BigNat::alloc_field_element(cs.namespace(|| "b"), Some(b)).unwrap();
        // Uncarried limbs on one side, 64-bit limbs on the other.
        let sum = a_nat.add(&b_nat).unwrap();
        let claimed_nat = BigNat::alloc(cs.namespace(|| "claimed"), Some(&claimed), &max).unwrap();
        let outcome = sum.enforce_equal(cs.namespace(|| "equal"), &claimed_nat);
        let accepted = outcome.is_ok() && cs.is_satisfied();
        assert_eq!(accepted, equal, "{claimed}");
    }
}

#[test]
fn alloc_rejects_a_value_above_its_bound() {
    let mut cs = TestConstraintSystem::<Fp>::new();
    let outcome = BigNat::alloc(&mut cs, Some(&BigUint::from(8u32)), &BigUint::from(7u32));
    assert!(matches!(outcome, Err(SynthesisError::Unsatisfiable)));
}

#[test]
fn from_num_reads_the_canonical_integer() {
    for x in [Fq::ZERO, Fq::ONE, -Fq::ONE, Fq::from_u128(u128::MAX)] {
        let mut cs = TestConstraintSystem::<Fq>::new();
        let num = AllocatedNum::alloc(cs.namespace(|| "num"), || Ok(x)).unwrap();
        let nat = BigNat::from_num(cs.namespace(|| "nat"), &num).unwrap();
        assert!(cs.is_satisfied());
        assert_eq!(nat.value(), Some(field_to_biguint(&x)));
        assert_eq!(nat.limbs().len(), 4);
        // The top limb holds bits 192..255 of a value below p_Fq.
        assert_eq!(nat.limbs()[3].max(), &(modulus_of::<Fq>() >> 192));
    }
}

#[test]
fn field_conversions_round_trip() {
    let p = modulus_of::<Fp>();
    assert_eq!(field_to_biguint(&-Fp::ONE), &p - 1u32);
    assert_eq!(biguint_to_field::<Fp>(&p), Fp::ZERO);
    assert_eq!(biguint_to_field::<Fp>(&(&p + 7u32)), Fp::from(7));
    assert_eq!(bigint_to_field::<Fp>(&BigInt::from(-3)), -Fp::from(3));
    let mut rng = StdRng::seed_from_u64(6);
    for _ in 0..8 {
        let x = Fp::random(&mut rng);
        assert_eq!(biguint_to_field::<Fp>(&field_to_biguint(&x)), x);
    }
    assert_ne!(modulus_of::<Fp>(), modulus_of::<Fq>());
    assert_eq!(
        floor_div(&BigInt::from(-7), &BigInt::from(2)),
        BigInt::from(-4)
    );
    assert_eq!(
        floor_div(&BigInt::from(7), &BigInt::from(2)),
        BigInt::from(3)
    );
    assert_eq!(
        floor_div(&BigInt::from(-8), &BigInt::from(2)),
        BigInt::from(-4)
    );
}

/// The shape (what setup sees) has no witness: every gadget must synthesize without values, with
/// the same constraints as with them.
#[test]
fn fold_synthesizes_without_a_witness() {
    // Shapes with and without the fold, extracted by the R1CS layer's ShapeCs, which never
    // evaluates a value closure; their difference is the fold's cost.
    let build = |with_fold: bool| {
        origami_r1cs::R1csShape::<Fq>::from_fn(|cs| {
            let x_running =
                BigNat::<Fq>::alloc_field_element::<Fp, _>(cs.namespace(|| "x_running"), None)?;
            let num = AllocatedNum::<Fq>::alloc(cs.namespace(|| "num"), || {
                Err(SynthesisError::AssignmentMissing)
            })?;
            let x_fresh = BigNat::from_num(cs.namespace(|| "x_fresh"), &num)?;
            let r_bits = (0..128)
                .map(|i| {
                    AllocatedBit::alloc::<Fq, _>(cs.namespace(|| format!("r bit {i}")), None)
                        .map(Boolean::from)
                })
                .collect::<Result<Vec<_>, _>>()?;
            let r = BigNat::<Fq>::from_bits(cs.namespace(|| "r"), &r_bits);
            if with_fold {
                let modulus = modulus_of::<Fp>();
                let folded = fold_mod(cs.namespace(|| "fold"), &x_running, &x_fresh, &r, &modulus)?;
                assert_eq!(folded.value(), None);
            }
            Ok(())
        })
        .unwrap()
    };
    let (before, after) = (build(false), build(true));
    assert_eq!(after.num_cons() - before.num_cons(), 568);
    let nnz = |s: &origami_r1cs::R1csShape<Fq>| {
        let (a, b, c) = s.matrices();
        [a.nnz(), b.nnz(), c.nnz()]
    };
    let (n0, n1) = (nnz(&before), nnz(&after));
    // The density of one fold (A, B, C): limbs are sums of their bits, so the product and carry
    // rows are wide; a change here is a change of cost.
    assert_eq!(
        [n1[0] - n0[0], n1[1] - n0[1], n1[2] - n0[2]],
        [1860, 1644, 1168]
    );
}

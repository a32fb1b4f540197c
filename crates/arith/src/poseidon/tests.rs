//! Poseidon against the published reference vectors, and the gadget against the native code.
//!
//! Reference data: `zcash/halo2`, `halo2_gadgets/src/poseidon/primitives/{fp,fq}.rs` (constants
//! produced by `generate_parameters_grain.sage 1 0 255 3 8 56 <p>` from `daira/pasta-hadeshash`)
//! and `halo2_gadgets/src/poseidon/primitives/p128pow5t3.rs` (permutation of [0, 1, 2] produced by
//! `poseidonperm_x5_pallas_3.sage` / `poseidonperm_x5_vesta_3.sage`). Values are written as there:
//! canonical integers in little-endian 64-bit limbs.

use bellpepper_core::num::AllocatedNum;
use bellpepper_core::test_cs::TestConstraintSystem;
use bellpepper_core::{ConstraintSystem, Index, LinearCombination, SynthesisError, Variable};
use ff::{Field, PrimeField, PrimeFieldBits};
use halo2curves::pasta::{Fp, Fq};
use rand::SeedableRng;
use rand::rngs::StdRng;

use super::*;

/// The canonical integer `Σ limbs[i] · 2^(64 i)` as a field element.
fn from_le_limbs<F: PrimeField>(limbs: [u64; 4]) -> F {
    let two_to_64 = F::from_u128(1 << 64);
    limbs
        .iter()
        .rev()
        .fold(F::ZERO, |acc, &limb| acc * two_to_64 + F::from(limb))
}

/// Round constants 0 and 191 (round 0 element 0, round 63 element 2). The Grain stream does not
/// depend on the modulus and no sample falls between p and q, so they are the same integers for
/// Fp and Fq.
const FIRST_ROUND_CONSTANT: [u64; 4] = [
    0x5753_8c25_9642_6303,
    0x4e71_162f_3100_3b70,
    0x353f_628f_76d1_10f3,
    0x360d_7470_611e_473d,
];
const LAST_ROUND_CONSTANT: [u64; 4] = [
    0x1211_b9e2_190d_6852,
    0xa004_abe8_e015_28c4,
    0x5c1e_3e9e_27a5_71c3,
    0x3a8a_6282_9512_1d5c,
];
/// Round 1, element 0: checks that constants are consumed in (round, element) order.
const SECOND_ROUND_FIRST_CONSTANT: [u64; 4] = [
    0x1425_9dce_5377_82b2,
    0x03cc_0a60_141e_894e,
    0x955d_55db_56dc_57c1,
    0x3270_661e_6892_8b3a,
];

const FP_MDS: [[[u64; 4]; 3]; 3] = [
    [
        [
            0x323f_2486_d7e1_1b63,
            0x97d7_a0ab_2385_0b56,
            0xb3d5_9fbd_c8c9_ead4,
            0x0ab5_e5b8_74a6_8de7,
        ],
        [
            0x8eca_5596_e996_ab5e,
            0x240d_4a7c_bf73_5736,
            0x293f_0f0d_886c_7954,
            0x3191_6628_e58a_5abb,
        ],
        [
            0x19d1_cf25_d8e8_345d,
            0xa0a3_b71a_5fb1_5735,
            0xd803_952b_bb36_4fdf,
            0x07c0_45d5_f5e9_e5a6,
        ],
    ],
    [
        [
            0xd049_cdc8_d085_167c,
            0x3a0a_4640_48bd_770a,
            0xf8e2_4f66_822c_2d9f,
            0x2331_6263_0ebf_9ed7,
        ],
        [
            0x4022_7011_3e04_7a2e,
            0x78f8_365c_85bb_ab07,
            0xb366_6454_8d60_957d,
            0x25ca_e259_9892_a8b0,
        ],
        [
            0xf84d_806f_685f_747a,
            0x9aad_3d82_62ef_d83f,
            0x7493_8717_989a_1957,
            0x22f5_b5e1_e608_1c97,
        ],
    ],
    [
        [
            0xfee7_a994_4f84_dbe4,
            0x2168_0eab_c56b_c15d,
            0xf333_aa91_c383_3464,
            0x2e29_dd59_c64b_1037,
        ],
        [
            0xc771_effa_4326_3664,
            0xcbea_f48b_3a06_24c3,
            0x92d1_5e7d_ceef_1665,
            0x1d1a_ab4e_c1cd_6788,
        ],
        [
            0x1563_9415_f6e8_5ef1,
            0x7587_2c39_b59a_31f6,
            0x51e0_cbea_d655_16b9,
            0x3bf7_6308_6a18_9364,
        ],
    ],
];

const FQ_MDS: [[[u64; 4]; 3]; 3] = [
    [
        [
            0xeb4f_1f74_2963_421f,
            0x5f71_0afc_43dd_c5f6,
            0x9191_3f56_cf21_af2b,
            0x1853_b497_7c6f_a227,
        ],
        [
            0x45e5_1db6_ac6f_e4a7,
            0x5a0f_a4df_a500_bcad,
            0x63f4_84c1_0fcf_0586,
            0x3d83_1189_cfbb_c452,
        ],
        [
            0xd188_37f9_8347_f137,
            0x3f89_65c7_8083_8a94,
            0x4ba8_8b9e_4017_19c0,
            0x3a0e_3f84_d3c1_77d8,
        ],
    ],
    [
        [
            0x84fd_7923_337c_f77e,
            0x2896_f8d0_fd5c_9a75,
            0x8e9d_c529_f471_8f83,
            0x35e2_6e39_8450_6279,
        ],
        [
            0x3eb9_24f5_6fff_7908,
            0x3641_cecf_3a2a_5a8a,
            0x00cd_7dbe_a799_70ab,
            0x10a8_1663_02cb_753c,
        ],
        [
            0xb672_27c1_a141_ae94,
            0x198e_1aee_777e_2521,
            0xf434_92ce_5121_4b00,
            0x314f_762a_506d_321b,
        ],
    ],
    [
        [
            0xabcb_d614_eaf5_eba1,
            0xa90f_28b0_cb31_76fb,
            0xcb2e_ab86_ef31_d915,
            0x07b8_5627_c832_782a,
        ],
        [
            0xc255_efd0_06b5_db1c,
            0xb5d9_85dc_1630_a4b2,
            0x9756_4e1b_5d1a_c72f,
            0x2a2d_e13e_70f2_7e16,
        ],
        [
            0xcffd_f529_3334_29fc,
            0x21e3_af7e_f123_32cd,
            0xfff5_40a8_7327_c7ce,
            0x2c60_94d1_c6e1_caba,
        ],
    ],
];

/// Permutation of [0, 1, 2] over the Pallas base field Fp.
const FP_PERMUTATION_OF_0_1_2: [[u64; 4]; 3] = [
    [
        0xaeb1_bc02_4aec_a456,
        0xf7e6_9a71_d0b6_42a0,
        0x94ef_b364_f966_240f,
        0x2a52_6acd_0b64_b453,
    ],
    [
        0x012a_3e96_28e5_b82a,
        0xdcd4_2e7f_bed9_dafe,
        0x76ff_7dae_343d_5512,
        0x13c5_d156_8b4a_a430,
    ],
    [
        0x3590_29a1_d34e_9ddd,
        0xf7cf_dfe1_bda4_2c7b,
        0x256f_cd59_7984_561a,
        0x0a49_c868_c697_6544,
    ],
];

/// Permutation of [0, 1, 2] over the Vesta base field Fq.
const FQ_PERMUTATION_OF_0_1_2: [[u64; 4]; 3] = [
    [
        0x0eb0_8ea8_13be_be59,
        0x4d43_d197_3dd3_36c6,
        0xeddd_74f2_2f8f_2ff7,
        0x315a_1f4c_db94_2f7c,
    ],
    [
        0xf9f1_26e6_1ea1_65f1,
        0x413e_e0eb_7bbd_2198,
        0x642a_dee0_dd13_aa48,
        0x3be4_75f2_d764_2bde,
    ],
    [
        0x14d5_4237_2a7b_a0d9,
        0x5019_bfd4_e042_3fa0,
        0x117f_db24_20d8_ea60,
        0x25ab_8aec_e953_7168,
    ],
];

fn check_constants<F: PrimeFieldBits + 'static>(expected_mds: &[[[u64; 4]; 3]; 3]) {
    let constants = PoseidonConstants::<F>::get();
    assert_eq!(
        constants.round_constants.len(),
        FULL_ROUNDS + PARTIAL_ROUNDS
    );
    assert_eq!(
        constants.round_constants[0][0],
        from_le_limbs::<F>(FIRST_ROUND_CONSTANT)
    );
    assert_eq!(
        constants.round_constants[1][0],
        from_le_limbs::<F>(SECOND_ROUND_FIRST_CONSTANT)
    );
    assert_eq!(
        constants.round_constants[63][2],
        from_le_limbs::<F>(LAST_ROUND_CONSTANT)
    );
    for (row, expected_row) in constants.mds.iter().zip(expected_mds) {
        for (entry, expected) in row.iter().zip(expected_row) {
            assert_eq!(*entry, from_le_limbs::<F>(*expected));
        }
    }
    // The cache hands out the same instance as a fresh generation.
    assert_eq!(*constants, PoseidonConstants::<F>::generate());
}

#[test]
fn constants_match_reference_for_pallas_base_field() {
    check_constants::<Fp>(&FP_MDS);
}

#[test]
fn constants_match_reference_for_vesta_base_field() {
    check_constants::<Fq>(&FQ_MDS);
}

fn check_permutation_vector<F: PrimeFieldBits + 'static>(expected: &[[u64; 4]; 3]) {
    let mut state = [F::ZERO, F::ONE, F::from(2)];
    native::permute(&mut state);
    assert_eq!(state, expected.map(from_le_limbs::<F>));
}

#[test]
fn permutation_matches_reference_for_pallas_base_field() {
    check_permutation_vector::<Fp>(&FP_PERMUTATION_OF_0_1_2);
}

#[test]
fn permutation_matches_reference_for_vesta_base_field() {
    check_permutation_vector::<Fq>(&FQ_PERMUTATION_OF_0_1_2);
}

fn alloc_all<F: PrimeFieldBits, CS: ConstraintSystem<F>>(
    cs: &mut CS,
    values: &[F],
) -> Vec<AllocatedNum<F>> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            AllocatedNum::alloc(cs.namespace(|| format!("input {i}")), || Ok(*v)).unwrap()
        })
        .collect()
}

/// Permutations the hash of `n` inputs runs: one per started pair, at least one.
fn hash_permutations(n: usize) -> usize {
    n.div_ceil(RATE).max(1)
}

fn check_hash_gadget_matches_native<F: PrimeFieldBits + 'static>(seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    for len in [0, 1, 2, 3, 4, 7] {
        let inputs: Vec<F> = (0..len).map(|_| F::random(&mut rng)).collect();
        let expected = hash(b"origami/test", &inputs);

        let mut cs = TestConstraintSystem::<F>::new();
        let allocated = alloc_all(&mut cs, &inputs);
        let output = gadget::hash(cs.namespace(|| "hash"), b"origami/test", &allocated).unwrap();
        assert_eq!(output.get_value(), Some(expected), "length {len}");
        assert!(
            cs.is_satisfied(),
            "length {len}: {:?}",
            cs.which_is_unsatisfied()
        );
        assert_eq!(
            cs.num_constraints(),
            hash_permutations(len) * PERMUTATION_CONSTRAINTS + 1,
            "length {len}"
        );
    }
}

#[test]
fn hash_gadget_matches_native_over_pallas_base_field() {
    check_hash_gadget_matches_native::<Fp>(1);
}

#[test]
fn hash_gadget_matches_native_over_vesta_base_field() {
    check_hash_gadget_matches_native::<Fq>(2);
}

/// A pattern that interleaves absorbs and squeezes and crosses the rate in both directions.
fn interleaved_pattern() -> IoPattern {
    IoPattern::new(
        &[
            SpongeOp::Absorb(3),
            SpongeOp::Squeeze(3),
            SpongeOp::Absorb(1),
            SpongeOp::Squeeze(1),
        ],
        b"origami/interleaved",
    )
    .unwrap()
}

fn check_interleaved_sponge<F: PrimeFieldBits + 'static>(seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let inputs: Vec<F> = (0..4).map(|_| F::random(&mut rng)).collect();
    let pattern = interleaved_pattern();

    let mut sponge = PoseidonSponge::<F>::new(&pattern);
    sponge.absorb(&inputs[..1]).unwrap();
    sponge.absorb(&inputs[1..3]).unwrap();
    let mut expected: Vec<F> = (0..3).map(|_| sponge.squeeze().unwrap()).collect();
    sponge.absorb(&inputs[3..]).unwrap();
    expected.push(sponge.squeeze().unwrap());
    sponge.finish().unwrap();
    // Squeezing more than one rate's worth must not repeat an output.
    assert_ne!(expected[0], expected[2]);
    assert_ne!(expected[1], expected[2]);

    let mut cs = TestConstraintSystem::<F>::new();
    let allocated = alloc_all(&mut cs, &inputs);
    let mut gadget = PoseidonSpongeGadget::<F>::new(&pattern);
    gadget.absorb(&mut cs, &allocated[..3]).unwrap();
    let mut outputs: Vec<_> = (0..3).map(|_| gadget.squeeze(&mut cs).unwrap()).collect();
    gadget.absorb(&mut cs, &allocated[3..]).unwrap();
    outputs.push(gadget.squeeze(&mut cs).unwrap());
    gadget.finish().unwrap();

    let values: Vec<F> = outputs.iter().map(|o| o.get_value().unwrap()).collect();
    assert_eq!(values, expected);
    assert!(cs.is_satisfied(), "{:?}", cs.which_is_unsatisfied());
    // absorb 2 | permute, absorb 1 | permute, squeeze 2 | permute, squeeze 1 | absorb 1 |
    // permute, squeeze 1: four permutations and four allocated outputs.
    assert_eq!(cs.num_constraints(), 4 * PERMUTATION_CONSTRAINTS + 4);
}

#[test]
fn interleaved_sponge_gadget_matches_native_over_pallas_base_field() {
    check_interleaved_sponge::<Fp>(3);
}

#[test]
fn interleaved_sponge_gadget_matches_native_over_vesta_base_field() {
    check_interleaved_sponge::<Fq>(4);
}

#[test]
fn permutation_gadget_matches_native_and_costs_243_constraints() {
    let mut rng = StdRng::seed_from_u64(5);
    let state: [Fp; WIDTH] = core::array::from_fn(|_| Fp::random(&mut rng));
    let mut expected = state;
    native::permute(&mut expected);

    let mut cs = TestConstraintSystem::<Fp>::new();
    let allocated: [AllocatedNum<Fp>; WIDTH] = alloc_all(&mut cs, &state).try_into().unwrap();
    let output = gadget::permute(cs.namespace(|| "permute"), &allocated).unwrap();
    assert_eq!(output.map(|o| o.get_value().unwrap()), expected);
    assert!(cs.is_satisfied());
    // 80 S-boxes of 3 constraints, plus 3 to allocate the outputs.
    assert_eq!(PERMUTATION_CONSTRAINTS, 240);
    assert_eq!(cs.num_constraints(), 243);
}

#[test]
fn two_to_one_hash_gadget_costs_241_constraints() {
    let mut cs = TestConstraintSystem::<Fq>::new();
    let allocated = alloc_all(&mut cs, &[Fq::from(7), Fq::from(8)]);
    gadget::hash(cs.namespace(|| "hash"), b"d", &allocated).unwrap();
    assert_eq!(cs.num_constraints(), 241);
}

#[test]
fn corrupted_witness_is_unsatisfied() {
    let inputs = [Fp::from(11), Fp::from(12), Fp::from(13)];
    let build = || {
        let mut cs = TestConstraintSystem::<Fp>::new();
        let allocated = alloc_all(&mut cs, &inputs);
        gadget::hash(cs.namespace(|| "hash"), b"d", &allocated).unwrap();
        assert!(cs.is_satisfied());
        cs
    };
    for path in [
        "input 1/num",
        "hash/permutation 0/round 0/sbox 2/x^2/product/num",
        "hash/permutation 0/round 30/sbox 0/x^4/product/num",
        "hash/permutation 1/round 63/sbox 1/x^5/product/num",
        "hash/squeeze 0/value/num",
    ] {
        let mut cs = build();
        let honest = cs.get(path);
        cs.set(path, honest + Fp::ONE);
        assert!(!cs.is_satisfied(), "corrupting {path} went unnoticed");
    }
}

#[test]
fn sponges_refuse_calls_outside_their_pattern() {
    let pattern = IoPattern::hash(2, b"d");
    let mut sponge = PoseidonSponge::<Fp>::new(&pattern);
    assert!(sponge.squeeze().is_err());
    assert!(sponge.absorb(&[Fp::ONE; 3]).is_err());
    sponge.absorb(&[Fp::ONE; 2]).unwrap();
    let unfinished = sponge.clone();
    sponge.squeeze().unwrap();
    assert!(sponge.squeeze().is_err());
    assert!(unfinished.finish().is_err());

    let mut cs = TestConstraintSystem::<Fp>::new();
    let allocated = alloc_all(&mut cs, &[Fp::ONE; 3]);
    let mut gadget = PoseidonSpongeGadget::<Fp>::new(&pattern);
    assert!(gadget.absorb(&mut cs, &allocated).is_err());
    assert!(gadget.squeeze(&mut cs).is_err());
}

#[test]
fn domain_and_length_separate_hashes() {
    let inputs = [Fp::from(1), Fp::from(2)];
    let base = hash(b"a", &inputs);
    assert_ne!(base, hash(b"b", &inputs));
    // Appending a zero must not collide, as it would with zero padding.
    assert_ne!(base, hash(b"a", &[Fp::from(1), Fp::from(2), Fp::ZERO]));
}

/// `decomposition_constraints`: the cost of the strict bit decomposition, which depends on the
/// runs of ones in the modulus.
fn check_challenge_bits<F: PrimeFieldBits + 'static>(seed: u64, decomposition_constraints: usize) {
    let mut rng = StdRng::seed_from_u64(seed);
    let inputs: Vec<F> = (0..4).map(|_| F::random(&mut rng)).collect();
    let squeezed = hash(b"origami/challenge", &inputs);

    let mut cs = TestConstraintSystem::<F>::new();
    let allocated = alloc_all(&mut cs, &inputs);
    let output = gadget::hash(cs.namespace(|| "hash"), b"origami/challenge", &allocated).unwrap();
    let hash_constraints = cs.num_constraints();
    let bits = gadget::low_bits_le(cs.namespace(|| "challenge"), &output, 128).unwrap();
    assert!(cs.is_satisfied());
    assert_eq!(bits.len(), 128);
    assert_eq!(
        cs.num_constraints() - hash_constraints,
        decomposition_constraints
    );

    let gadget_bits: Vec<bool> = bits.iter().map(|b| b.get_value().unwrap()).collect();
    assert_eq!(gadget_bits, low_bits_le(&squeezed, 128));
    let recombined = gadget_bits
        .iter()
        .rev()
        .fold(F::ZERO, |acc, &bit| acc.double() + F::from(u64::from(bit)));
    assert_eq!(recombined, truncate_to_bits(&squeezed, 128));
}

#[test]
fn challenge_bits_agree_over_pallas_base_field() {
    check_challenge_bits::<Fp>(6, 301);
}

#[test]
fn challenge_bits_agree_over_vesta_base_field() {
    check_challenge_bits::<Fq>(7, 298);
}

#[test]
fn truncation_keeps_exactly_the_low_bits() {
    // 2^130 + 2^127 + 5 truncated to 128 bits is 2^127 + 5.
    let x = Fq::from_u128(1 << 127) + Fq::from(5) + Fq::from_u128(1 << 65).square();
    assert_eq!(truncate_to_bits(&x, 128), Fq::from_u128((1 << 127) + 5));
    let bits = low_bits_le(&x, 128);
    assert_eq!(bits.len(), 128);
    assert_eq!(bits.iter().filter(|b| **b).count(), 3);
    // -1 = p - 1 is even: its low bit is 0, unlike the all-ones a non-canonical reading gives.
    assert_eq!(low_bits_le(&-Fp::ONE, 1), vec![false]);
}

/// A constraint system that, like a shape extractor, never asks for values: it counts
/// constraints and the nonzero coefficients of A, B and C.
#[derive(Default)]
struct ShapeOnly {
    aux: usize,
    constraints: usize,
    nonzeros: [usize; 3],
}

impl ConstraintSystem<Fp> for ShapeOnly {
    type Root = Self;

    fn alloc<F, A, AR>(&mut self, _: A, _: F) -> Result<Variable, SynthesisError>
    where
        F: FnOnce() -> Result<Fp, SynthesisError>,
        A: FnOnce() -> AR,
        AR: Into<String>,
    {
        self.aux += 1;
        Ok(Variable::new_unchecked(Index::Aux(self.aux - 1)))
    }

    fn alloc_input<F, A, AR>(&mut self, _: A, _: F) -> Result<Variable, SynthesisError>
    where
        F: FnOnce() -> Result<Fp, SynthesisError>,
        A: FnOnce() -> AR,
        AR: Into<String>,
    {
        unreachable!("the Poseidon gadget allocates no public inputs")
    }

    fn enforce<A, AR, LA, LB, LC>(&mut self, _: A, a: LA, b: LB, c: LC)
    where
        A: FnOnce() -> AR,
        AR: Into<String>,
        LA: FnOnce(LinearCombination<Fp>) -> LinearCombination<Fp>,
        LB: FnOnce(LinearCombination<Fp>) -> LinearCombination<Fp>,
        LC: FnOnce(LinearCombination<Fp>) -> LinearCombination<Fp>,
    {
        let rows = [
            a(LinearCombination::zero()),
            b(LinearCombination::zero()),
            c(LinearCombination::zero()),
        ];
        for (count, row) in self.nonzeros.iter_mut().zip(&rows) {
            *count += row
                .iter()
                .filter(|(_, coeff)| !bool::from(coeff.is_zero()))
                .count();
        }
        self.constraints += 1;
    }

    fn push_namespace<NR, N>(&mut self, _: N)
    where
        NR: Into<String>,
        N: FnOnce() -> NR,
    {
    }

    fn pop_namespace(&mut self) {}

    fn get_root(&mut self) -> &mut Self::Root {
        self
    }
}

#[test]
fn gadget_synthesizes_without_a_witness() {
    let mut cs = ShapeOnly::default();
    let inputs: Vec<AllocatedNum<Fp>> = (0..2)
        .map(|i| {
            AllocatedNum::alloc(cs.namespace(|| format!("input {i}")), || {
                Err(SynthesisError::AssignmentMissing)
            })
            .unwrap()
        })
        .collect();
    let output = gadget::hash(cs.namespace(|| "hash"), b"d", &inputs).unwrap();
    assert_eq!(output.get_value(), None);
    assert_eq!(cs.constraints, 241);
    // 2 inputs + 80 S-boxes of 3 variables + the output.
    assert_eq!(cs.aux, 243);
    // The density the module documentation states; a change here is a change of cost.
    assert_eq!(cs.nonzeros, [2184, 4123, 241]);
}

//! Compressed proofs end to end on a small step circuit, in both Spartan variants: they verify
//! from a verifier key alone, are randomized, and every part of them is bound.

use ff::Field;
use origami_arith::{Commitment, PastaCycle, PointOf, ScalarOf};
use origami_nova::{
    CompressedProof, CompressedProverKey, CompressedVerifier, CompressedVerifierKey, NovaError,
    RecursiveSnark, Variant,
};
use origami_spartan::SnarkProof;

#[path = "support/fib.rs"]
mod fib;
use fib::Fib;

type F = ScalarOf<origami_arith::Pallas>;
type Proof = CompressedProof<PastaCycle>;

struct Run {
    _cache: tempfile::TempDir,
    verifier: CompressedVerifier<PastaCycle, Fib>,
    proof: Proof,
    other: Proof,
    z0: Vec<F>,
    zn: Vec<F>,
}

/// Sets up, proves 3 steps, compresses twice, and loads the verifier from a directory that holds
/// only `verifier.key`.
fn run(variant: Variant) -> Run {
    let pk = CompressedProverKey::<PastaCycle, Fib>::setup(Fib { n: 3 }, variant).unwrap();
    assert_eq!(pk.variant(), variant);
    let z0 = vec![F::from(1), F::from(2)];
    let mut snark = RecursiveSnark::new(pk.params(), &z0).unwrap();
    for _ in 0..3 {
        snark.prove_step(pk.params(), &()).unwrap();
    }
    let proof = CompressedProof::prove(&pk, &snark).unwrap();
    let other = CompressedProof::prove(&pk, &snark).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let vk_path = dir.path().join("verifier.key");
    pk.verifier_key().save(&vk_path).unwrap();
    let proof_path = dir.path().join("proof");
    proof.save(&proof_path).unwrap();
    drop(pk);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    let vk = CompressedVerifierKey::<PastaCycle, Fib>::load(&vk_path).unwrap();
    assert_eq!(vk.variant(), variant);
    let loaded = CompressedProof::load(&proof_path, &vk.identity()).unwrap();
    // The first verification derives the generators and caches them; the many tampered proofs
    // after it read the cache.
    let cache = tempfile::tempdir().unwrap();
    let verifier = vk.prepare().unwrap().with_generator_cache(cache.path());
    assert!(!verifier.generators_cached());
    let zn = loaded.verify(&verifier, 3, &z0).unwrap();
    assert!(verifier.generators_cached());
    assert_eq!(loaded.verify(&verifier, 3, &z0).unwrap(), zn);
    Run {
        _cache: cache,
        verifier,
        proof: loaded,
        other,
        z0,
        zn,
    }
}

/// One change to each part of a compressed proof outside Spartan (Spartan's own fields are
/// tampered one by one in `origami-spartan`'s tests), plus one inside each Spartan proof.
fn tampered(p: &Proof) -> Vec<(&'static str, Proof)> {
    let one = F::ONE;
    let two = ScalarOf::<origami_arith::Vesta>::ONE;
    let g1 = Commitment::from_point(PointOf::<origami_arith::Pallas>::generator());
    let g2 = Commitment::from_point(PointOf::<origami_arith::Vesta>::generator());
    type Edit = fn(
        &mut Proof,
        F,
        ScalarOf<origami_arith::Vesta>,
        Commitment<origami_arith::Pallas>,
        Commitment<origami_arith::Vesta>,
    );
    let edits: Vec<(&'static str, Edit)> = vec![
        ("verifier key", |p, _, _, _, _| p.verifier_key[0] ^= 1),
        ("params digest", |p, _, _, _, _| p.params_digest[0] ^= 1),
        ("z_n", |p, one, _, _, _| p.z_final[0] += one),
        ("secondary z_n", |p, _, two, _, _| p.zi_secondary[0] += two),
        ("running primary W", |p, _, _, g1, _| {
            p.running_primary.comm_w += g1
        }),
        ("running primary E", |p, _, _, g1, _| {
            p.running_primary.comm_e += g1
        }),
        ("running primary u", |p, one, _, _, _| {
            p.running_primary.u += one
        }),
        ("running primary X", |p, one, _, _, _| {
            p.running_primary.x[0] += one
        }),
        ("running secondary W", |p, _, _, _, g2| {
            p.running_secondary.comm_w += g2
        }),
        ("running secondary u", |p, _, two, _, _| {
            p.running_secondary.u += two
        }),
        ("last secondary W", |p, _, _, _, g2| {
            p.last_secondary.comm_w += g2
        }),
        ("last secondary X", |p, _, two, _, _| {
            p.last_secondary.x[1] += two
        }),
        ("secondary fold T", |p, _, _, _, g2| p.fold_secondary += g2),
        ("primary random W", |p, _, _, g1, _| {
            p.blind_primary.random.comm_w += g1
        }),
        ("primary random E", |p, _, _, g1, _| {
            p.blind_primary.random.comm_e += g1
        }),
        ("primary random u", |p, one, _, _, _| {
            p.blind_primary.random.u += one
        }),
        ("primary random X", |p, one, _, _, _| {
            p.blind_primary.random.x[1] += one
        }),
        ("primary blinding T", |p, _, _, g1, _| {
            p.blind_primary.comm_t += g1
        }),
        ("primary blind W", |p, one, _, _, _| {
            p.blind_primary.blind_w += one
        }),
        ("primary blind E", |p, one, _, _, _| {
            p.blind_primary.blind_e += one
        }),
        ("secondary random W", |p, _, _, _, g2| {
            p.blind_secondary.random.comm_w += g2
        }),
        ("secondary random u", |p, _, two, _, _| {
            p.blind_secondary.random.u += two
        }),
        ("secondary blinding T", |p, _, _, _, g2| {
            p.blind_secondary.comm_t += g2
        }),
        ("secondary blind W", |p, _, two, _, _| {
            p.blind_secondary.blind_w += two
        }),
        ("secondary blind E", |p, _, two, _, _| {
            p.blind_secondary.blind_e += two
        }),
        ("primary Spartan eval W", |p, one, _, _, _| {
            match &mut p.snark_primary {
                SnarkProof::Direct(s) => s.reduction.eval_w += one,
                SnarkProof::Preprocessing(s) => s.reduction.eval_w += one,
            }
        }),
        (
            "secondary Spartan opening",
            |p, _, two, _, _| match &mut p.snark_secondary {
                SnarkProof::Direct(s) => s.openings.open_e.a += two,
                SnarkProof::Preprocessing(s) => s.matrix_proof.opening.a += two,
            },
        ),
    ];
    edits
        .into_iter()
        .map(|(name, edit)| {
            let mut q = p.clone();
            edit(&mut q, one, two, g1, g2);
            (name, q)
        })
        .collect()
}

/// Everything the issue asks of a compressed proof, for one variant (one setup and two
/// compressions: each costs seconds even optimized).
fn check_variant(variant: Variant) {
    let r = run(variant);
    let mut expected = r.z0.clone();
    for _ in 0..3 {
        expected = origami_nova::StepCircuit::<F>::step(&Fib { n: 3 }, &expected, &()).unwrap();
    }
    assert_eq!(r.zn, expected);
    assert_eq!(r.other.verify(&r.verifier, 3, &r.z0).unwrap(), expected);
    let (a, b) = (
        bincode::serialize(&r.proof).unwrap(),
        bincode::serialize(&r.other).unwrap(),
    );
    assert_ne!(a, b, "{variant}: two proofs of one statement are identical");
    assert!(matches!(
        r.proof.verify(&r.verifier, 4, &r.z0),
        Err(NovaError::StepCount { .. })
    ));
    assert!(matches!(
        r.proof.verify(&r.verifier, 3, &[F::from(1), F::from(3)]),
        Err(NovaError::InitialState)
    ));
    for (name, bad) in tampered(&r.proof) {
        assert!(
            bad.verify(&r.verifier, 3, &r.z0).is_err(),
            "{variant}: changing {name} was accepted"
        );
    }
    let other = CompressedProverKey::<PastaCycle, Fib>::setup(Fib { n: 4 }, variant).unwrap();
    let verifier = other.verifier_key().clone().prepare().unwrap();
    assert!(matches!(
        r.proof.verify(&verifier, 3, &r.z0),
        Err(NovaError::ParamsMismatch { .. })
    ));
}

#[test]
fn direct_compressed_proofs_verify_differ_and_bind_everything() {
    check_variant(Variant::Direct);
}

#[test]
fn preprocessing_compressed_proofs_verify_differ_and_bind_everything() {
    check_variant(Variant::Preprocessing);
}

//! Spartan (both variants) on relaxed R1CS: honest proofs verify; every field of a proof, every
//! part of the instance, and an unsatisfied instance are rejected.

use ff::Field;
use origami_arith::{Commitment, Pallas, PointOf};
use origami_r1cs::RelaxedR1csInstance;
use origami_spartan::snark::{Reduction, WitnessOpenings};
use origami_spartan::{IpaProof, PreprocessedProof, SnarkProof, SpartanError, Variant};

mod support;
use support::{F, VARIANTS, fixture};

#[test]
fn honest_proofs_verify_and_survive_serialization() {
    for variant in VARIANTS {
        for seed in 0..2 {
            let f = fixture(variant, seed);
            let proof = f.prove();
            assert_eq!(proof.variant(), variant);
            f.verify(&proof).unwrap();
            let bytes = bincode::serialize(&proof).unwrap();
            let back: SnarkProof<Pallas> = bincode::deserialize(&bytes).unwrap();
            assert_eq!(back, proof);
            f.verify(&back).unwrap();
        }
    }
}

#[test]
fn a_proof_of_one_variant_is_refused_by_the_other_key() {
    let direct = fixture(Variant::Direct, 1);
    let pre = fixture(Variant::Preprocessing, 1);
    let proof = direct.prove();
    assert!(matches!(
        proof.verify(&pre.ck, &pre.vk, &direct.instance),
        Err(SpartanError::VariantMismatch { .. })
    ));
}

fn red(p: &mut SnarkProof<Pallas>) -> &mut Reduction<Pallas> {
    match p {
        SnarkProof::Direct(d) => &mut d.reduction,
        SnarkProof::Preprocessing(d) => &mut d.reduction,
    }
}

fn opn(p: &mut SnarkProof<Pallas>) -> &mut WitnessOpenings<Pallas> {
    match p {
        SnarkProof::Direct(d) => &mut d.openings,
        SnarkProof::Preprocessing(d) => &mut d.openings,
    }
}

fn ipa<'a>(p: &'a mut SnarkProof<Pallas>, name: &str) -> &'a mut IpaProof<Pallas> {
    match name {
        "W" => &mut opn(p).open_w,
        "E" => &mut opn(p).open_e,
        _ => match p {
            SnarkProof::Preprocessing(d) => &mut d.matrix_proof.opening,
            SnarkProof::Direct(_) => unreachable!("the direct variant has no sparse opening"),
        },
    }
}

fn pre(p: &mut SnarkProof<Pallas>) -> &mut PreprocessedProof<Pallas> {
    match p {
        SnarkProof::Preprocessing(d) => d,
        SnarkProof::Direct(_) => unreachable!("not a preprocessing proof"),
    }
}

/// Every single-field change to a proof: `(name, tampered proof)`.
fn tampered(
    proof: &SnarkProof<Pallas>,
    g: Commitment<Pallas>,
) -> Vec<(String, SnarkProof<Pallas>)> {
    let one = F::ONE;
    let mut out = Vec::new();
    let mut push = |name: String, edit: &dyn Fn(&mut SnarkProof<Pallas>)| {
        let mut p = proof.clone();
        edit(&mut p);
        out.push((name, p));
    };
    let mut probe = proof.clone();
    let (outer_rounds, inner_rounds) = (
        red(&mut probe).outer.rounds().len(),
        red(&mut probe).inner.rounds().len(),
    );
    for r in 0..outer_rounds {
        for k in 0..3 {
            push(format!("outer round {r} value {k}"), &|p| {
                red(p).outer.rounds_mut()[r].evals_mut()[k] += one
            });
        }
    }
    for k in 0..4 {
        push(format!("outer claim {k}"), &|p| {
            red(p).outer_claims[k] += one
        });
    }
    for r in 0..inner_rounds {
        for k in 0..2 {
            push(format!("inner round {r} value {k}"), &|p| {
                red(p).inner.rounds_mut()[r].evals_mut()[k] += one
            });
        }
    }
    push("eval W".into(), &|p| red(p).eval_w += one);
    let mut openings = vec!["W", "E"];
    if let SnarkProof::Preprocessing(pp) = proof {
        openings.push("sparse");
        for k in 0..pp.matrix_evals.len() {
            push(format!("matrix eval {k}"), &|p| {
                pre(p).matrix_evals[k] += one
            });
        }
        let mp = &pp.matrix_proof;
        for k in 0..mp.comms.len() {
            push(format!("lookup commitment {k}"), &|p| {
                pre(p).matrix_proof.comms[k] += g
            });
        }
        for r in 0..mp.sumcheck.rounds().len() {
            for k in 0..3 {
                push(format!("matrix sum-check round {r} value {k}"), &|p| {
                    pre(p).matrix_proof.sumcheck.rounds_mut()[r].evals_mut()[k] += one
                });
            }
        }
        for k in 0..mp.evals.len() {
            push(format!("sparse-form eval {k}"), &|p| {
                pre(p).matrix_proof.evals[k] += one
            });
        }
    }
    for name in openings {
        let rounds = ipa(&mut probe, name).l.len();
        for j in 0..rounds {
            push(format!("open {name} L {j}"), &|p| ipa(p, name).l[j] += g);
            push(format!("open {name} R {j}"), &|p| ipa(p, name).r[j] += g);
        }
        push(format!("open {name} a"), &|p| ipa(p, name).a += one);
    }
    out
}

#[test]
fn every_tampered_field_is_rejected() {
    for variant in VARIANTS {
        let f = fixture(variant, 7);
        let proof = f.prove();
        let g = Commitment::<Pallas>::from_point(PointOf::<Pallas>::from(f.ck.generators()[1]));
        let cases = tampered(&proof, g);
        assert!(cases.len() > 40, "{variant}: only {} cases", cases.len());
        for (name, p) in cases {
            assert!(f.verify(&p).is_err(), "{variant}: {name} accepted");
        }
    }
}

#[test]
fn the_proof_is_bound_to_its_instance() {
    for variant in VARIANTS {
        let f = fixture(variant, 8);
        let proof = f.prove();
        let g = Commitment::<Pallas>::from_point(PointOf::<Pallas>::from(f.ck.generators()[0]));
        let check = |edit: &dyn Fn(&mut RelaxedR1csInstance<Pallas>)| {
            let mut other = f.instance.clone();
            edit(&mut other);
            proof.verify(&f.ck, &f.vk, &other)
        };
        assert!(check(&|i| i.u += F::ONE).is_err());
        assert!(check(&|i| i.x[1] += F::ONE).is_err());
        assert!(check(&|i| i.comm_w += g).is_err());
        assert!(check(&|i| i.comm_e += g).is_err());
        assert!(matches!(
            check(&|i| {
                i.x.pop();
            }),
            Err(SpartanError::Length { .. })
        ));
    }
}

#[test]
fn an_unsatisfied_instance_has_no_verifying_proof() {
    for variant in VARIANTS {
        let mut f = fixture(variant, 9);
        // Break one row of Az∘Bz = u·Cz + E, keeping the commitment consistent with the witness.
        f.witness.e[5] += F::ONE;
        f.instance.comm_e = f.ck.commit(&f.witness.e).unwrap();
        let proof = f.prove();
        assert!(matches!(
            f.verify(&proof),
            Err(SpartanError::SumcheckFinal("outer"))
        ));
    }
}

//! Helpers of the transcript-binding tests: edits of a proof's messages, each with the challenge
//! it must be absorbed before, checked against the honest run's transcript.

use ff::Field;
use origami_arith::transcript_log::{Before, check_bound, record};
use origami_arith::{Commitment, Pallas, PointOf};
use origami_spartan::{IpaProof, SpartanError, SumcheckProof};

use super::F;

/// One change to a proof and the challenge (on transcript 0) it must be absorbed before.
pub struct Edit<P> {
    name: String,
    edit: Box<dyn Fn(&mut P)>,
    before: (&'static [u8], usize),
}

pub fn edit<P>(
    name: String,
    before: (&'static [u8], usize),
    f: impl Fn(&mut P) + 'static,
) -> Edit<P> {
    Edit {
        name,
        edit: Box::new(f),
        before,
    }
}

/// Checks every edit against the honest run of `verify` on `proof`: each tampered proof is
/// rejected and its change is seen in time.
pub fn assert_bound<P: Clone>(
    proof: &P,
    verify: impl Fn(&P) -> Result<(), SpartanError>,
    edits: Vec<Edit<P>>,
) {
    let (honest_result, honest) = record(|| verify(proof));
    honest_result.expect("the honest proof verifies");
    assert!(!edits.is_empty());
    for e in edits {
        let mut bad = proof.clone();
        (e.edit)(&mut bad);
        let (result, tampered) = record(|| verify(&bad));
        assert!(result.is_err(), "{}: the tampered proof verifies", e.name);
        let (label, ordinal) = e.before;
        let before = Before {
            transcript: 0,
            label,
            ordinal,
        };
        if let Err(why) = check_bound(&honest, &tampered, before) {
            panic!(
                "{} is not bound before {:?} #{ordinal}: {why}",
                e.name,
                String::from_utf8_lossy(label)
            );
        }
    }
}

pub fn g() -> Commitment<Pallas> {
    Commitment::from_point(PointOf::<Pallas>::generator())
}

/// Edits of every round message of a sum-check reached through `get`, whose round `j` must be
/// absorbed before the `(first + j)`-th "sumcheck challenge".
pub fn sumcheck_edits<P: 'static>(
    what: &str,
    rounds: usize,
    first: usize,
    get: fn(&mut P) -> &mut SumcheckProof<F>,
) -> Vec<Edit<P>> {
    (0..rounds)
        .flat_map(|j| {
            [0usize, 1].map(|k| {
                edit(
                    format!("{what} round {j} value {k}"),
                    (b"sumcheck challenge", first + j),
                    move |p: &mut P| get(p).rounds_mut()[j].evals_mut()[k] += F::ONE,
                )
            })
        })
        .collect()
}

/// Edits of an opening's cross terms (round `j` before the `(first + j)`-th "ipa x") and of its
/// final scalar (before `after_a`).
pub fn ipa_edits<P: 'static>(
    what: &str,
    rounds: usize,
    first: usize,
    after_a: (&'static [u8], usize),
    get: fn(&mut P) -> &mut IpaProof<Pallas>,
) -> Vec<Edit<P>> {
    let mut edits: Vec<Edit<P>> = (0..rounds)
        .flat_map(|j| {
            [
                edit(
                    format!("{what} L {j}"),
                    (b"ipa x", first + j),
                    move |p: &mut P| get(p).l[j] += g(),
                ),
                edit(
                    format!("{what} R {j}"),
                    (b"ipa x", first + j),
                    move |p: &mut P| get(p).r[j] += g(),
                ),
            ]
        })
        .collect();
    edits.push(edit(format!("{what} a"), after_a, move |p: &mut P| {
        get(p).a += F::ONE
    }));
    edits
}

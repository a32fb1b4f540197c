//! `sha256-file` proofs of files at every padding boundary verify and attest the digest the
//! `sha2` crate computes; a proof attests no other file, and a run that is not a whole file's
//! hash attests nothing.

use std::sync::OnceLock;

use origami_arith::{Pallas, PastaCycle, ScalarOf};
use origami_circuits::sha256_file::{FileDigest, NotAttested, attested, initial_state, steps_for};
use origami_circuits::{Builtin, CircuitKind};
use origami_nova::{PublicParams, RecursiveSnark, StepCircuit};
use sha2::{Digest, Sha256};

type F = ScalarOf<Pallas>;
type Params = PublicParams<PastaCycle, Builtin>;

fn params(blocks: usize) -> &'static Params {
    static ONE: OnceLock<Params> = OnceLock::new();
    static TWO: OnceLock<Params> = OnceLock::new();
    let cell = if blocks == 1 { &ONE } else { &TWO };
    cell.get_or_init(|| Params::setup(CircuitKind::Sha256File.with_size(blocks)).unwrap())
}

fn file(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 13 + i / 64) as u8).collect()
}

/// Proves `steps` steps over `data` and returns the verified final state.
fn prove(pk: &Params, data: &[u8], steps: u64) -> Vec<F> {
    let per_step = pk.step().bytes_per_step();
    let z0 = initial_state::<F>();
    let mut snark = RecursiveSnark::new(pk, &z0).unwrap();
    for i in 0..steps as usize {
        let piece = data.chunks(per_step).nth(i).unwrap_or_default();
        snark.prove_step(pk, piece).unwrap();
    }
    snark.verify(pk, steps, &z0).unwrap()
}

fn expected(data: &[u8]) -> FileDigest {
    FileDigest {
        digest: Sha256::digest(data).into(),
        len: data.len() as u64,
    }
}

#[test]
fn proofs_at_every_padding_boundary_attest_the_files_digest() {
    let pk = params(1);
    let z0 = initial_state::<F>();
    for len in [0, 1, 55, 56, 63, 64, 65, 119, 128] {
        let data = file(len);
        let z = prove(pk, &data, steps_for(len as u64, 1));
        assert_eq!(attested(&z0, &z), Ok(expected(&data)), "{len} bytes");
        // The final state is what `sha256sum` would print, and nothing else's.
        let other = file(len + 1);
        assert_ne!(attested(&z0, &z), Ok(expected(&other)), "{len} bytes");
    }
}

#[test]
fn a_few_thousand_bytes_two_blocks_a_step() {
    let pk = params(2);
    let data = file(2500);
    let steps = steps_for(2500, 2);
    assert_eq!(steps, 20);
    let z = prove(pk, &data, steps);
    assert_eq!(attested(&initial_state::<F>(), &z), Ok(expected(&data)));
    // The circuit agrees with its native step over the whole run.
    let mut native = initial_state::<F>();
    for piece in data.chunks(128) {
        native = pk.step().step(&native, piece).unwrap();
    }
    assert_eq!(z, native);
}

#[test]
fn a_run_that_is_not_a_whole_files_hash_attests_nothing() {
    let pk = params(1);
    let z0 = initial_state::<F>();
    // One step short of a 100-byte file's two blocks: the length is not absorbed yet.
    let data = file(100);
    let z = prove(pk, &data, 1);
    assert_eq!(attested(&z0, &z), Err(NotAttested::Unfinished));
    // From another start, no digest is attested even though the proof verifies.
    let mut start = z0.clone();
    start[0] += F::from(1);
    let mut snark = RecursiveSnark::new(pk, &start).unwrap();
    snark.prove_step(pk, &[]).unwrap();
    let z = snark.verify(pk, 1, &start).unwrap();
    assert_eq!(attested(&start, &z), Err(NotAttested::Start));
    // A step given more bytes than it reads is refused before synthesis succeeds.
    let mut snark = RecursiveSnark::new(pk, &z0).unwrap();
    assert!(snark.prove_step(pk, &file(65)).is_err());
}

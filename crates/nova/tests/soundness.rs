//! Soundness of compressed proofs beyond Spartan's own: every message a compressing prover sends
//! is bound before the challenge that follows it, and keys cannot be swapped for ones that
//! verify other statements under a genuine-looking digest.

use std::sync::OnceLock;

use ff::Field;
use origami_arith::transcript_log::{Before, check_bound, record};
use origami_arith::{Commitment, CommitmentKey, Pallas, PastaCycle, PointOf, ScalarOf, Vesta};
use origami_format::FileKind;
use origami_nova::{
    CompressedProof, CompressedProverKey, CompressedVerifier, CompressedVerifierKey, NovaError,
    PublicParams, RecursiveSnark, Variant,
};
use origami_spartan::SnarkVerifierKey;

#[path = "support/fib.rs"]
mod fib;
use fib::Fib;

type F = ScalarOf<Pallas>;
type Pk = CompressedProverKey<PastaCycle, Fib>;
type Vk = CompressedVerifierKey<PastaCycle, Fib>;
type Proof = CompressedProof<PastaCycle>;

struct Fixture {
    pk: Pk,
    verifier: CompressedVerifier<PastaCycle, Fib>,
    proof: Proof,
    z0: Vec<F>,
}

fn fixture(variant: Variant) -> &'static Fixture {
    static DIRECT: OnceLock<Fixture> = OnceLock::new();
    static PREPROCESSING: OnceLock<Fixture> = OnceLock::new();
    let cell = match variant {
        Variant::Direct => &DIRECT,
        Variant::Preprocessing => &PREPROCESSING,
    };
    cell.get_or_init(|| {
        let pk = Pk::setup(Fib { n: 3 }, variant).unwrap();
        let z0 = vec![F::from(1), F::from(2)];
        let mut snark = RecursiveSnark::new(pk.params(), &z0).unwrap();
        for _ in 0..2 {
            snark.prove_step(pk.params(), &()).unwrap();
        }
        let proof = CompressedProof::prove(&pk, &snark).unwrap();
        let verifier = pk.verifier_key().clone().prepare().unwrap();
        Fixture {
            pk,
            verifier,
            proof,
            z0,
        }
    })
}

fn g1() -> Commitment<Pallas> {
    Commitment::from_point(PointOf::<Pallas>::generator())
}

fn g2() -> Commitment<Vesta> {
    Commitment::from_point(PointOf::<Vesta>::generator())
}

/// Transcripts of a compressed verification, in the order they are started (on one thread):
/// the secondary and primary blinding folds, then the primary and secondary Spartan proofs.
const BLIND_SECONDARY: usize = 0;
const BLIND_PRIMARY: usize = 1;
const SPARTAN_PRIMARY: usize = 2;
const SPARTAN_SECONDARY: usize = 3;

type Edit = (&'static str, fn(&mut Proof), usize, &'static [u8]);

/// Each message outside Spartan, with the transcript and the first challenge on it that it must
/// be absorbed before (Spartan's messages are checked in `origami-spartan`'s binding tests).
/// The statement's parts are checked against the instance hashes before any challenge.
const EDITS: &[Edit] = &[
    (
        "verifier key",
        |p| p.verifier_key[0] ^= 1,
        BLIND_SECONDARY,
        b"r",
    ),
    (
        "params digest",
        |p| p.params_digest[0] ^= 1,
        BLIND_SECONDARY,
        b"r",
    ),
    ("steps", |p| p.num_steps += 1, BLIND_SECONDARY, b"r"),
    ("z0", |p| p.z0[0] += F::ONE, BLIND_SECONDARY, b"r"),
    ("z_n", |p| p.z_final[1] += F::ONE, BLIND_SECONDARY, b"r"),
    (
        "secondary z_n",
        |p| p.zi_secondary[0] += ScalarOf::<Vesta>::ONE,
        BLIND_SECONDARY,
        b"r",
    ),
    (
        "running primary W",
        |p| p.running_primary.comm_w += g1(),
        BLIND_SECONDARY,
        b"r",
    ),
    (
        "running primary u",
        |p| p.running_primary.u += F::ONE,
        BLIND_SECONDARY,
        b"r",
    ),
    (
        "running secondary E",
        |p| p.running_secondary.comm_e += g2(),
        BLIND_SECONDARY,
        b"r",
    ),
    (
        "last secondary W",
        |p| p.last_secondary.comm_w += g2(),
        BLIND_SECONDARY,
        b"r",
    ),
    (
        "last secondary X",
        |p| p.last_secondary.x[0] += ScalarOf::<Vesta>::ONE,
        BLIND_SECONDARY,
        b"r",
    ),
    // The NIFS challenge (a Poseidon hash) covers Com(T); the folded instance it changes is
    // absorbed by the secondary blinding fold.
    (
        "secondary fold T",
        |p| p.fold_secondary += g2(),
        BLIND_SECONDARY,
        b"r",
    ),
    (
        "secondary random W",
        |p| p.blind_secondary.random.comm_w += g2(),
        BLIND_SECONDARY,
        b"r",
    ),
    (
        "secondary random E",
        |p| p.blind_secondary.random.comm_e += g2(),
        BLIND_SECONDARY,
        b"r",
    ),
    (
        "secondary random u",
        |p| p.blind_secondary.random.u += ScalarOf::<Vesta>::ONE,
        BLIND_SECONDARY,
        b"r",
    ),
    (
        "secondary random X",
        |p| p.blind_secondary.random.x[1] += ScalarOf::<Vesta>::ONE,
        BLIND_SECONDARY,
        b"r",
    ),
    (
        "secondary blinding T",
        |p| p.blind_secondary.comm_t += g2(),
        BLIND_SECONDARY,
        b"r",
    ),
    (
        "primary random W",
        |p| p.blind_primary.random.comm_w += g1(),
        BLIND_PRIMARY,
        b"r",
    ),
    (
        "primary random E",
        |p| p.blind_primary.random.comm_e += g1(),
        BLIND_PRIMARY,
        b"r",
    ),
    (
        "primary random u",
        |p| p.blind_primary.random.u += F::ONE,
        BLIND_PRIMARY,
        b"r",
    ),
    (
        "primary random X",
        |p| p.blind_primary.random.x[0] += F::ONE,
        BLIND_PRIMARY,
        b"r",
    ),
    (
        "primary blinding T",
        |p| p.blind_primary.comm_t += g1(),
        BLIND_PRIMARY,
        b"r",
    ),
    // The revealed blinding factors come after the fold's challenge; they fix the instance
    // Spartan proves, which its transcript absorbs before its first challenge.
    (
        "primary blind W",
        |p| p.blind_primary.blind_w += F::ONE,
        SPARTAN_PRIMARY,
        b"tau",
    ),
    (
        "primary blind E",
        |p| p.blind_primary.blind_e += F::ONE,
        SPARTAN_PRIMARY,
        b"tau",
    ),
    (
        "secondary blind W",
        |p| p.blind_secondary.blind_w += ScalarOf::<Vesta>::ONE,
        SPARTAN_SECONDARY,
        b"tau",
    ),
    (
        "secondary blind E",
        |p| p.blind_secondary.blind_e += ScalarOf::<Vesta>::ONE,
        SPARTAN_SECONDARY,
        b"tau",
    ),
];

fn binds_every_message(variant: Variant) {
    let f = fixture(variant);
    // One thread, so that both Spartan verifications' transcripts are recorded, in order.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let verify = |p: &Proof| record(|| p.verify(&f.verifier, 2, &f.z0));
    let (ok, honest) = pool.install(|| verify(&f.proof));
    ok.unwrap();
    for (name, edit, transcript, label) in EDITS {
        let mut bad = f.proof.clone();
        edit(&mut bad);
        let (result, tampered) = pool.install(|| verify(&bad));
        assert!(result.is_err(), "{variant}: changing {name} was accepted");
        let before = Before {
            transcript: *transcript,
            label,
            ordinal: 0,
        };
        check_bound(&honest, &tampered, before)
            .unwrap_or_else(|why| panic!("{variant}: {name} is not bound: {why}"));
    }
}

#[test]
fn compressed_proofs_bind_every_message_direct() {
    binds_every_message(Variant::Direct);
}

#[test]
fn compressed_proofs_bind_every_message_preprocessing() {
    binds_every_message(Variant::Preprocessing);
}

/// `vk` as a file whose header still names the genuine key's identity.
fn with_genuine_header(vk: &Vk, genuine: &Vk) -> Vec<u8> {
    origami_format::encode(FileKind::VerifierKey, genuine.identity(), vk).unwrap()
}

/// The key's payload with every occurrence of `from` replaced by `to` (equal lengths).
fn patch(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let mut out = bytes.to_vec();
    let mut found = 0;
    let mut i = 0;
    while i + from.len() <= out.len() {
        if &out[i..i + from.len()] == from {
            out[i..i + from.len()].copy_from_slice(to);
            found += 1;
            i += from.len();
        } else {
            i += 1;
        }
    }
    assert!(found > 0, "pattern not found");
    out
}

#[test]
fn a_verifier_key_with_zeroed_matrix_commitments_is_refused() {
    let f = fixture(Variant::Preprocessing);
    let vk = f.pk.verifier_key();
    let SnarkVerifierKey::Preprocessing(spartan) = vk.snark_keys().0 else {
        panic!("a preprocessing key");
    };
    let mut payload = bincode::serialize(vk).unwrap();
    for c in spartan.matrix_commitments() {
        let bytes = bincode::serialize(c).unwrap();
        payload = patch(&payload, &bytes, &vec![0; bytes.len()]);
    }
    // Decoding computes the edited key's own identity.
    let zeroed: Vk = bincode::deserialize(&payload).unwrap();
    assert_ne!(zeroed.identity(), vk.identity());
    assert_eq!(
        zeroed.params_digest(),
        vk.params_digest(),
        "the genuine params digest"
    );
    let err = Vk::from_bytes(&with_genuine_header(&zeroed, vk)).unwrap_err();
    assert!(matches!(err, NovaError::KeyIdentity { .. }), "{err}");
    // Saved with its own identity it loads, but is another key: the genuine proof names the
    // genuine key and is refused.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("verifier.key");
    zeroed.save(&path).unwrap();
    let loaded = Vk::load(&path).unwrap();
    assert_ne!(loaded.identity(), vk.identity());
    let err = f
        .proof
        .verify(&loaded.prepare().unwrap(), 2, &f.z0)
        .unwrap_err();
    assert!(matches!(err, NovaError::KeyMismatch { .. }), "{err}");
}

#[test]
fn a_verifier_key_with_an_edited_step_is_refused() {
    let f = fixture(Variant::Preprocessing);
    let vk = f.pk.verifier_key();
    let payload = bincode::serialize(vk).unwrap();
    let step = bincode::serialize(&Fib { n: 3 }).unwrap();
    assert!(payload.starts_with(&step), "the step comes first");
    let mut edited = payload.clone();
    edited[..step.len()].copy_from_slice(&bincode::serialize(&Fib { n: 4 }).unwrap());
    let edited: Vk = bincode::deserialize(&edited).unwrap();
    assert_eq!(*edited.step(), Fib { n: 4 });
    let err = Vk::from_bytes(&with_genuine_header(&edited, vk)).unwrap_err();
    assert!(matches!(err, NovaError::KeyIdentity { .. }), "{err}");
    assert_ne!(edited.identity(), vk.identity());
}

/// A prover key file holding `pk` with one 64-byte point replaced, under its genuine header.
fn substituted(pk: &Pk, from: PointOf<Pallas>, to: PointOf<Pallas>) -> std::path::PathBuf {
    let enc =
        |p: PointOf<Pallas>| bincode::serialize(&Commitment::<Pallas>::from_point(p)).unwrap();
    let payload = patch(&bincode::serialize(pk).unwrap(), &enc(from), &enc(to));
    let key: Pk = bincode::deserialize(&payload).unwrap();
    let dir = tempfile::tempdir().unwrap().keep();
    let path = dir.join("prover.key");
    origami_format::write_file(
        &path,
        FileKind::ProverKey,
        pk.verifier_key().identity(),
        &key,
    )
    .unwrap();
    path
}

#[test]
fn a_prover_key_with_substituted_generators_is_refused() {
    let f = fixture(Variant::Preprocessing);
    let dir = tempfile::tempdir().unwrap();
    let genuine = dir.path().join("prover.key");
    f.pk.save(&genuine).unwrap();
    Pk::load(&genuine).unwrap();
    let (label, _) = PublicParams::<PastaCycle, Fib>::commitment_key_labels();
    let ck = CommitmentKey::<Pallas>::setup(label, 2);
    let [g0, g1] = [0, 1].map(|i| PointOf::<Pallas>::from(ck.generators()[i]));
    let h = PointOf::<Pallas>::from(ck.blinding_generator());
    // G₀ = 7·G₁ and H = 5·G₁: discrete logs the key's maker knows.
    for (what, from, to) in [("G0", g0, g1 * F::from(7)), ("H", h, g1 * F::from(5))] {
        let path = substituted(&f.pk, from, to);
        let err = Pk::load(&path).unwrap_err();
        assert!(
            matches!(err, NovaError::Generators("primary")),
            "{what}: {err}"
        );
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }
}

/// The NIFS challenge hashes the parameters, the fresh instance's commitment and public inputs,
/// and `Com(T)` (the running instance is bound through the fresh instance's `X[0]`, its hash):
/// changing any of them changes `r`.
#[test]
fn the_folding_challenge_covers_every_input() {
    use origami_arith::CycleCurve;
    use origami_nova::nifs::fold_challenge;
    let f = fixture(Variant::Preprocessing);
    let fresh = f.proof.last_secondary.clone();
    let comm_t = f.proof.fold_secondary;
    let pp = <Vesta as CycleCurve>::Base::from(7);
    let r = fold_challenge::<Vesta>(&pp, &fresh, &comm_t).unwrap();
    let one = ScalarOf::<Vesta>::ONE;
    let mut changed = Vec::new();
    changed.push(fold_challenge::<Vesta>(
        &(pp + <Vesta as CycleCurve>::Base::ONE),
        &fresh,
        &comm_t,
    ));
    for k in 0..3 {
        let mut u = fresh.clone();
        match k {
            0 => u.comm_w += g2(),
            1 => u.x[0] += one,
            _ => u.x[1] += one,
        }
        changed.push(fold_challenge::<Vesta>(&pp, &u, &comm_t));
    }
    changed.push(fold_challenge::<Vesta>(&pp, &fresh, &(comm_t + g2())));
    for (k, c) in changed.into_iter().enumerate() {
        assert_ne!(
            c.unwrap(),
            r,
            "input {k} does not reach the folding challenge"
        );
    }
}

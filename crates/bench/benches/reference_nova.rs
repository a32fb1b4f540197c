//! The reference prover, nova-snark 0.76 on Pallas/Vesta, behind [`FoldingBench`].
//!
//! Shared by the side-by-side bench and the test that checks both provers prove the same thing.

use std::path::Path;

use nova_snark::{
    nova::{CompressedSNARK, PublicParams, RecursiveSNARK, VerifierKey},
    provider::{PallasEngine, VestaEngine},
    traits::{
        Engine,
        circuit::NonTrivialCircuit,
        snark::{RelaxedR1CSSNARKTrait, default_ck_hint},
    },
};
use origami_bench::{
    BenchError, CompressionBench, FoldingBench, ProveReport, VerifyReport, Z0,
    compression::{PROOF_FILE, VERIFIER_KEY_FILE, timed},
    hex_lower, peak_rss_bytes, state_bytes,
};
use origami_spartan::Variant;

type E1 = PallasEngine;
type E2 = VestaEngine;
type Scalar = <E1 as Engine>::Scalar;
type Step = NonTrivialCircuit<Scalar>;

/// Nova's public parameters and its copy of the step circuit.
pub struct ReferenceNova {
    pp: PublicParams<E1, E2, Step>,
    circuit: Step,
}

fn nova_error(e: impl std::fmt::Display) -> BenchError {
    BenchError::Prover {
        prover: ReferenceNova::NAME,
        message: e.to_string(),
    }
}

impl FoldingBench for ReferenceNova {
    const NAME: &'static str = "nova-snark 0.76";
    // `None` until the first step: Nova's constructor already synthesizes and commits step 1, so
    // it is timed as part of that step.
    type Run = Option<RecursiveSNARK<E1, E2, Step>>;

    fn setup(num_cons: usize) -> Result<Self, BenchError> {
        let circuit = Step::new(num_cons);
        let pp = PublicParams::setup(&circuit, &*default_ck_hint(), &*default_ck_hint())
            .map_err(nova_error)?;
        Ok(Self { pp, circuit })
    }

    fn primary_constraints(&self) -> usize {
        self.pp.num_constraints().0
    }

    fn start(&self) -> Result<Self::Run, BenchError> {
        Ok(None)
    }

    fn prove_step(&self, run: &mut Self::Run) -> Result<(), BenchError> {
        let snark = match run {
            Some(snark) => snark,
            None => run.insert(
                RecursiveSNARK::new(&self.pp, &self.circuit, &[Scalar::from(Z0)])
                    .map_err(nova_error)?,
            ),
        };
        snark
            .prove_step(&self.pp, &self.circuit)
            .map_err(nova_error)
    }

    fn verify(&self, run: &Self::Run, num_steps: usize) -> Result<Vec<u8>, BenchError> {
        let snark = run.as_ref().ok_or_else(|| nova_error("no step proven"))?;
        let zn = snark
            .verify(&self.pp, num_steps, &[Scalar::from(Z0)])
            .map_err(nova_error)?;
        Ok(state_bytes(&zn))
    }
}

/// Nova's `CompressedSNARK` with the IPA evaluation engine: `direct` is its Spartan
/// (`spartan::snark`), `preprocessing` its `spartan::ppsnark`.
pub struct ReferenceNovaCompression;

type Ipa<E> = nova_snark::provider::ipa_pc::EvaluationEngine<E>;
type DirectSnark<E> = nova_snark::spartan::snark::RelaxedR1CSSNARK<E, Ipa<E>>;
type PreprocessedSnark<E> = nova_snark::spartan::ppsnark::RelaxedR1CSSNARK<E, Ipa<E>>;
type Compressed<S1, S2> = CompressedSNARK<E1, E2, Step, S1, S2>;
type NovaVerifierKey<S1, S2> = VerifierKey<E1, E2, Step, S1, S2>;

fn encode(value: &impl serde::Serialize, path: &Path) -> Result<u64, BenchError> {
    let bytes =
        bincode2::serde::encode_to_vec(value, bincode2::config::legacy()).map_err(nova_error)?;
    std::fs::write(path, &bytes).map_err(nova_error)?;
    Ok(bytes.len() as u64)
}

fn decode<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, BenchError> {
    let bytes = std::fs::read(path).map_err(nova_error)?;
    let (value, _) = bincode2::serde::decode_from_slice(&bytes, bincode2::config::legacy())
        .map_err(nova_error)?;
    Ok(value)
}

fn prove_compressed<S1, S2>(
    num_cons: usize,
    steps: usize,
    variant: Variant,
    dir: &Path,
) -> Result<ProveReport, BenchError>
where
    S1: RelaxedR1CSSNARKTrait<E1>,
    S2: RelaxedR1CSSNARKTrait<E2>,
{
    let circuit = Step::new(num_cons);
    let (setup, setup_s) = timed(|| -> Result<_, BenchError> {
        let pp = PublicParams::<E1, E2, Step>::setup(&circuit, &*S1::ck_floor(), &*S2::ck_floor())
            .map_err(nova_error)?;
        let (pk, vk) = Compressed::<S1, S2>::setup(&pp).map_err(nova_error)?;
        Ok((pp, pk, vk))
    });
    let (pp, pk, vk) = setup?;
    let z0 = [Scalar::from(Z0)];
    let mut snark = RecursiveSNARK::new(&pp, &circuit, &z0).map_err(nova_error)?;
    for _ in 0..steps {
        snark.prove_step(&pp, &circuit).map_err(nova_error)?;
    }
    let (proof, compress_s) = timed(|| Compressed::<S1, S2>::prove(&pp, &pk, &snark));
    let proof = proof.map_err(nova_error)?;
    let peak_rss_bytes = peak_rss_bytes();
    Ok(ProveReport {
        prover: format!("{} {variant}", ReferenceNovaCompression::NAME),
        step_constraints: num_cons,
        setup_s,
        compress_s,
        proof_bytes: encode(&proof, &dir.join(PROOF_FILE))?,
        verifier_key_bytes: encode(&vk, &dir.join(VERIFIER_KEY_FILE))?,
        peak_rss_bytes,
    })
}

fn verify_compressed<S1, S2>(steps: usize, dir: &Path) -> Result<VerifyReport, BenchError>
where
    S1: RelaxedR1CSSNARKTrait<E1>,
    S2: RelaxedR1CSSNARKTrait<E2>,
{
    let (loaded, load_s) = timed(|| -> Result<_, BenchError> {
        let vk: NovaVerifierKey<S1, S2> = decode(&dir.join(VERIFIER_KEY_FILE))?;
        let proof: Compressed<S1, S2> = decode(&dir.join(PROOF_FILE))?;
        Ok((vk, proof))
    });
    let (vk, proof) = loaded?;
    let (zn, verify_s) = timed(|| proof.verify(&vk, steps, &[Scalar::from(Z0)]));
    let zn = zn.map_err(nova_error)?;
    Ok(VerifyReport {
        load_s,
        prepare_s: 0.0,
        verify_s,
        peak_rss_bytes: peak_rss_bytes(),
        final_state: hex_lower(&state_bytes(&zn)),
    })
}

impl CompressionBench for ReferenceNovaCompression {
    const NAME: &'static str = "nova-snark 0.76";

    fn prove(
        num_cons: usize,
        steps: usize,
        variant: Variant,
        dir: &Path,
    ) -> Result<ProveReport, BenchError> {
        match variant {
            Variant::Direct => {
                prove_compressed::<DirectSnark<E1>, DirectSnark<E2>>(num_cons, steps, variant, dir)
            }
            Variant::Preprocessing => prove_compressed::<
                PreprocessedSnark<E1>,
                PreprocessedSnark<E2>,
            >(num_cons, steps, variant, dir),
        }
    }

    fn verify(steps: usize, variant: Variant, dir: &Path) -> Result<VerifyReport, BenchError> {
        match variant {
            Variant::Direct => verify_compressed::<DirectSnark<E1>, DirectSnark<E2>>(steps, dir),
            Variant::Preprocessing => {
                verify_compressed::<PreprocessedSnark<E1>, PreprocessedSnark<E2>>(steps, dir)
            }
        }
    }
}

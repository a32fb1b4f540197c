//! `origami verify`: checks a proof file against a key directory.
//!
//! A compressed proof needs only `verifier.key`. A recursive proof is checked against the full
//! parameters: `prover.key` when it is at hand, else re-derived from `verifier.key` (slower: it
//! repeats setup).

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::Args;
use origami_arith::DefaultCycle;
use origami_format::FileKind;
use origami_nova::{CompressedProof, RecursiveProof};

use super::keys::{
    GeneratorCacheArgs, load_prover_key, load_verifier_key, prover_key_path, verifier_key_path,
};
use crate::report;

#[derive(Args)]
pub struct VerifyArgs {
    /// The proof file.
    proof: PathBuf,
    /// Key directory from `origami setup` (a compressed proof needs only its verifier.key).
    #[arg(long)]
    keys: PathBuf,
    /// Require the proof to cover exactly this many steps.
    #[arg(long)]
    steps: Option<u64>,
    #[command(flatten)]
    generator_cache: GeneratorCacheArgs,
}

pub fn run(args: VerifyArgs) -> anyhow::Result<()> {
    let start = Instant::now();
    let proof_bytes = std::fs::metadata(&args.proof)
        .with_context(|| format!("opening {}", args.proof.display()))?
        .len();
    let header = origami_format::read_file_header(&args.proof)
        .with_context(|| format!("reading {}", args.proof.display()))?;
    let (steps, z0, zn, circuit) = match header.kind {
        FileKind::CompressedProof => {
            let vk = load_verifier_key(&args.keys)?;
            let loaded = start.elapsed();
            let proof = CompressedProof::<DefaultCycle>::load(&args.proof, &vk.digest())
                .with_context(|| format!("loading {}", args.proof.display()))?;
            let circuit = vk.step().to_string();
            println!("proof:         compressed ({} variant)", vk.variant());
            let mut verifier = vk.prepare()?;
            let cache = args.generator_cache.dir();
            if let Some(dir) = &cache {
                verifier = verifier.with_generator_cache(dir);
            }
            let cached = verifier.generators_cached();
            let steps = args.steps.unwrap_or(proof.num_steps);
            let verifying = Instant::now();
            let zn = proof
                .verify(&verifier, steps, &proof.z0)
                .context("the proof does not verify")?;
            println!("key:           loaded in {}", report::duration(loaded));
            let generators = match (&cache, cached) {
                (Some(dir), true) => format!("read from the cache in {}", dir.display()),
                (Some(dir), false) if verifier.generators_cached() => {
                    format!("derived and cached in {}", dir.display())
                }
                _ => "derived (no cache)".to_string(),
            };
            println!("generators:    {generators}");
            println!("verify time:   {}", report::duration(verifying.elapsed()));
            (steps, proof.z0.clone(), zn, circuit)
        }
        FileKind::RecursiveProof => {
            let params = if prover_key_path(&args.keys).exists() {
                load_prover_key(&args.keys, None)?.params().clone()
            } else {
                let vk = load_verifier_key(&args.keys)?;
                eprintln!("no prover.key beside verifier.key: re-deriving the parameters");
                vk.expand()?
            };
            let proof = RecursiveProof::<DefaultCycle>::load(&args.proof, &params.digest())
                .with_context(|| format!("loading {}", args.proof.display()))?;
            println!("proof:         recursive");
            let steps = args.steps.unwrap_or(proof.num_steps);
            let zn = proof
                .verify(&params, steps, &proof.z0)
                .context("the proof does not verify")?;
            (steps, proof.z0.clone(), zn, params.step().to_string())
        }
        other => bail!("{} is a {other}, not a proof", args.proof.display()),
    };
    let show = |z: &[_]| {
        z.iter()
            .map(|x| format!("{x:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    println!("verified:      {steps} steps of {circuit}");
    println!("z0:            [{}]", show(&z0));
    println!("{:<15}[{}]", format!("z{steps}:"), show(&zn));
    println!(
        "proof size:    {} B ({})",
        proof_bytes,
        report::bytes(proof_bytes)
    );
    if let Ok(meta) = std::fs::metadata(verifier_key_path(&args.keys)) {
        println!(
            "verifier key:  {} B ({})",
            meta.len(),
            report::bytes(meta.len())
        );
    }
    println!("wall time:     {}", report::duration(start.elapsed()));
    println!("{}", report::peak_memory_line());
    Ok(())
}

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
use origami_arith::generators::GeneratorOrigin;
use origami_circuits::Builtin;
use origami_format::{FileKind, hex};
use origami_nova::{CompressedProof, CompressedVerifier, RecursiveProof};
use origami_shard::ShardedProof;

use super::keys::{
    GeneratorCacheArgs, Vk, load_prover_key, load_verifier_key, prover_key_path, verifier_key_path,
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
            // Read under the key it names; `verify` then says precisely why another key's proof
            // (another circuit, another variant) is refused.
            let proof = CompressedProof::<DefaultCycle>::load(&args.proof, &header.digest)
                .with_context(|| format!("loading {}", args.proof.display()))?;
            let circuit = vk.step().to_string();
            outln!("proof:         compressed ({} variant)", vk.variant())?;
            outln!("key identity:  {}", hex(&vk.identity()))?;
            let steps = args.steps.unwrap_or(proof.num_steps);
            let zn = with_verifier(vk, &args.generator_cache, loaded, |verifier| {
                proof
                    .verify(verifier, steps, &proof.z0)
                    .context("the proof does not verify")
            })?;
            (steps, proof.z0.clone(), zn, circuit)
        }
        FileKind::ShardedProof => {
            let vk = load_verifier_key(&args.keys)?;
            let loaded = start.elapsed();
            let proof = ShardedProof::<DefaultCycle>::load(&args.proof, Some(&vk.identity()))
                .with_context(|| format!("loading {}", args.proof.display()))?;
            let circuit = vk.step().to_string();
            outln!(
                "proof:         sharded ({} shards, {} variant)",
                proof.shards.len(),
                vk.variant()
            )?;
            outln!("key identity:  {}", hex(&vk.identity()))?;
            let z0 = proof
                .shards
                .first()
                .map(|s| s.z_in.clone())
                .context("the sharded proof holds no shard")?;
            let steps = match args.steps {
                Some(steps) => steps,
                None => proof
                    .total_steps()
                    .context("the shards' step counts add up past 2^64")?,
            };
            let zn = with_verifier(vk, &args.generator_cache, loaded, |verifier| {
                proof
                    .verify(verifier, steps, &z0)
                    .context("the proof does not verify")
            })?;
            (steps, z0, zn, circuit)
        }
        FileKind::RecursiveProof => {
            // A prover.key's generators are checked against their labels when it is loaded; when
            // verifier.key is there too, the two must be one key pair.
            let vk = verifier_key_path(&args.keys)
                .exists()
                .then(|| load_verifier_key(&args.keys))
                .transpose()?;
            let (params, identity) = if prover_key_path(&args.keys).exists() {
                let pk = load_prover_key(&args.keys, None)?;
                let identity = pk.verifier_key().identity();
                if let Some(vk) = &vk {
                    anyhow::ensure!(
                        vk.identity() == identity,
                        "prover.key belongs to verifier key {}, but verifier.key is {}",
                        hex(&identity),
                        hex(&vk.identity())
                    );
                }
                (pk.params().clone(), identity)
            } else {
                let vk = vk.context("the key directory has neither prover.key nor verifier.key")?;
                eprintln!("no prover.key beside verifier.key: re-deriving the parameters");
                (vk.expand()?, vk.identity())
            };
            outln!("key identity:  {}", hex(&identity))?;
            let proof = RecursiveProof::<DefaultCycle>::load(&args.proof, &params.digest())
                .with_context(|| format!("loading {}", args.proof.display()))?;
            outln!("proof:         recursive")?;
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
    outln!("verified:      {steps} steps of {circuit}")?;
    outln!("z0:            [{}]", show(&z0))?;
    outln!("{:<15}[{}]", format!("z{steps}:"), show(&zn))?;
    outln!(
        "proof size:    {} B ({})",
        proof_bytes,
        report::bytes(proof_bytes)
    )?;
    if let Ok(meta) = std::fs::metadata(verifier_key_path(&args.keys)) {
        outln!(
            "verifier key:  {} B ({})",
            meta.len(),
            report::bytes(meta.len())
        )?;
    }
    outln!("wall time:     {}", report::duration(start.elapsed()))?;
    outln!("{}", report::peak_memory_line())?;
    Ok(())
}

/// Prepares the verifier for `vk` (reading its generators from the cache when there is one),
/// runs `check` with it and reports the key, generator and verification times.
fn with_verifier<T>(
    vk: Vk,
    cache: &GeneratorCacheArgs,
    key_load: std::time::Duration,
    check: impl FnOnce(&CompressedVerifier<DefaultCycle, Builtin>) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let mut verifier = vk.prepare()?;
    let cache = cache.dir();
    if let Some(dir) = &cache {
        verifier = verifier.with_generator_cache(dir);
    }
    let verifying = Instant::now();
    let result = check(&verifier)?;
    outln!("key:           loaded in {}", report::duration(key_load))?;
    let generators = match (&cache, verifier.generators_origin()) {
        (Some(dir), Some(GeneratorOrigin::Cache)) => {
            format!("read from the cache in {}", dir.display())
        }
        (
            Some(dir),
            Some(GeneratorOrigin::Derived {
                cache_was_bad,
                cache_written,
            }),
        ) => match (cache_was_bad, cache_written) {
            (false, true) => format!("derived and cached in {}", dir.display()),
            (true, true) => format!(
                "derived; the cache in {} did not hold them and was rewritten",
                dir.display()
            ),
            (_, false) => format!("derived; could not write the cache in {}", dir.display()),
        },
        _ => "derived (no cache)".to_string(),
    };
    outln!("generators:    {generators}")?;
    outln!("verify time:   {}", report::duration(verifying.elapsed()))?;
    Ok(result)
}

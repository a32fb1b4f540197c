//! `origami verify`: checks a proof file against a key directory.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use origami_arith::DefaultCycle;
use origami_nova::RecursiveProof;

use super::keys::{load_prover_key, load_verifier_key, prover_key_path};
use crate::report;

#[derive(Args)]
pub struct VerifyArgs {
    /// The proof file.
    proof: PathBuf,
    /// Key directory from `origami setup`.
    #[arg(long)]
    keys: PathBuf,
    /// Require the proof to cover exactly this many steps.
    #[arg(long)]
    steps: Option<u64>,
}

pub fn run(args: VerifyArgs) -> anyhow::Result<()> {
    let start = Instant::now();
    // A recursive proof is checked against the full parameters: the prover key when it is at
    // hand, else re-derived from the verifier key (slower: it repeats setup).
    let pk = if prover_key_path(&args.keys).exists() {
        load_prover_key(&args.keys, None)?
    } else {
        let vk = load_verifier_key(&args.keys)?;
        eprintln!("no prover.key beside verifier.key: re-deriving the parameters");
        vk.expand()?
    };
    let proof = RecursiveProof::<DefaultCycle>::load(&args.proof, &pk.digest())
        .with_context(|| format!("loading {}", args.proof.display()))?;
    let steps = args.steps.unwrap_or(proof.num_steps);
    let z0 = proof.z0.clone();
    let zn = proof
        .verify(&pk, steps, &z0)
        .context("the proof does not verify")?;
    let show = |z: &[_]| {
        z.iter()
            .map(|x| format!("{x:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    println!("verified:      {} steps of {}", steps, pk.step());
    println!("z0:            [{}]", show(&z0));
    println!("{:<15}[{}]", format!("z{steps}:"), show(&zn));
    println!("wall time:     {}", report::duration(start.elapsed()));
    println!("{}", report::peak_memory_line());
    Ok(())
}

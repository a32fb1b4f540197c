//! `origami setup`: public parameters for a circuit, written as a prover and a verifier key.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use origami_nova::Variant;

use origami_keys::{KeyDir, ProverKey};

use crate::args::{CircuitArgs, GeneratorCacheArgs};
use crate::report;

#[derive(Args)]
pub struct SetupArgs {
    #[command(flatten)]
    circuit: CircuitArgs,
    /// Directory for prover.key and verifier.key (created if missing).
    #[arg(long)]
    out_dir: PathBuf,
    /// Spartan variant for compressed proofs: preprocessing (a few-KB verifier key) or direct
    /// (the verifier key holds the circuit's matrices).
    #[arg(long, default_value = "preprocessing")]
    variant: Variant,
    #[command(flatten)]
    generator_cache: GeneratorCacheArgs,
}

pub fn run(args: SetupArgs) -> anyhow::Result<()> {
    let circuit = args.circuit.require()?;
    std::fs::create_dir_all(&args.out_dir)
        .with_context(|| format!("creating {}", args.out_dir.display()))?;
    let dir = KeyDir::new(&args.out_dir);
    let (pk_path, vk_path) = (dir.prover_key_path(), dir.verifier_key_path());
    origami_format::check_writable(&pk_path).with_context(|| {
        format!(
            "the keys could not be written to {}",
            args.out_dir.display()
        )
    })?;
    let start = Instant::now();
    eprintln!("setting up {circuit} ({} compression) ...", args.variant);
    let pk = ProverKey::setup(circuit, args.variant)?;
    let setup_time = start.elapsed();
    report::print_shapes(&pk)?;
    let (pk_bytes, vk_bytes) = dir.save(&pk)?;
    outln!(
        "key identity:  {}",
        origami_format::hex(&pk.verifier_key().identity())
    )?;
    outln!(
        "params digest: {}",
        origami_format::hex(&pk.params().digest())
    )?;
    outln!("compression:   Spartan, {} variant", pk.variant())?;
    outln!(
        "prover key:    {} ({})",
        pk_path.display(),
        report::bytes(pk_bytes)
    )?;
    outln!(
        "verifier key:  {} ({})",
        vk_path.display(),
        report::bytes(vk_bytes)
    )?;
    if let Some(dir) = args.generator_cache.dir() {
        // Verifiers on this machine then read the generators instead of deriving them; failing
        // to write the cache only makes them slower.
        match pk.store_generators(&dir) {
            Ok(()) => outln!("generators:    cached in {}", dir.display())?,
            Err(e) => eprintln!(
                "warning: generator cache not written to {}: {e}",
                dir.display()
            ),
        }
    }
    outln!("setup time:    {}", report::duration(setup_time))?;
    outln!("wall time:     {}", report::duration(start.elapsed()))?;
    outln!("{}", report::peak_memory_line())?;
    Ok(())
}

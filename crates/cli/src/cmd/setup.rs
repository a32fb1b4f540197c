//! `origami setup`: public parameters for a circuit, written as a prover and a verifier key.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use origami_nova::Variant;

use super::circuit::CircuitArgs;
use super::keys::{GeneratorCacheArgs, Pk, prover_key_path, verifier_key_path};
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
    let pk_path = prover_key_path(&args.out_dir);
    let vk_path = verifier_key_path(&args.out_dir);
    origami_format::check_writable(&pk_path).with_context(|| {
        format!(
            "the keys could not be written to {}",
            args.out_dir.display()
        )
    })?;
    let start = Instant::now();
    eprintln!("setting up {circuit} ({} compression) ...", args.variant);
    let pk = Pk::setup(circuit, args.variant)?;
    let setup_time = start.elapsed();
    print_shapes(&pk)?;
    let pk_bytes = pk
        .save(&pk_path)
        .with_context(|| format!("writing {}", pk_path.display()))?;
    let vk_bytes = match pk.verifier_key().save(&vk_path) {
        Ok(bytes) => bytes,
        Err(e) => {
            // A prover key without its verifier key is half a key directory: take it back.
            let _ = std::fs::remove_file(&pk_path);
            return Err(e).with_context(|| {
                format!(
                    "writing {} ({} was removed again)",
                    vk_path.display(),
                    pk_path.display()
                )
            });
        }
    };
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

/// Constraint counts of both augmented circuits, and the verifier part of the primary.
pub fn print_shapes(pk: &Pk) -> anyhow::Result<()> {
    let pk = pk.params();
    let (p, s) = (pk.shape_primary(), pk.shape_secondary());
    let step_cons = step_constraints(pk)?;
    outln!(
        "primary:       {} constraints, {} variables ({} in the step, {} verifying the fold)",
        p.num_cons(),
        p.num_vars(),
        step_cons,
        p.num_cons() - step_cons
    )?;
    outln!(
        "secondary:     {} constraints, {} variables",
        s.num_cons(),
        s.num_vars()
    )?;
    Ok(())
}

/// Constraints of the user's step alone.
fn step_constraints(
    pk: &origami_nova::ProverKey<origami_arith::DefaultCycle, origami_circuits::Builtin>,
) -> anyhow::Result<usize> {
    use bellpepper_core::{ConstraintSystem, num::AllocatedNum};
    use origami_nova::StepCircuit;
    type F = origami_arith::ScalarOf<
        <origami_arith::DefaultCycle as origami_arith::CurveCycle>::Primary,
    >;
    let step = pk.step();
    let shape = origami_r1cs::R1csShape::<F>::from_fn(|cs| {
        let z = (0..StepCircuit::<F>::arity(step))
            .map(|k| AllocatedNum::alloc(cs.namespace(|| format!("z{k}")), || Ok(F::from(0))))
            .collect::<Result<Vec<_>, _>>()?;
        step.synthesize(cs, &z).map(|_| ())
    })
    .context("synthesizing the step circuit alone")?;
    Ok(shape.num_cons())
}

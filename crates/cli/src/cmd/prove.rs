//! `origami prove`: a recursive proof of `steps` applications of a built-in circuit.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use origami_nova::{RecursiveSnark, StepCircuit};

use super::circuit::CircuitArgs;
use super::keys::{Pk, load_prover_key};
use crate::report;

#[derive(Args)]
pub struct ProveArgs {
    #[command(flatten)]
    circuit: CircuitArgs,
    /// Number of steps to prove.
    #[arg(long)]
    steps: u64,
    /// Key directory from `origami setup`; without it, setup runs first (and is timed apart).
    #[arg(long)]
    keys: Option<PathBuf>,
    /// Where to write the proof.
    #[arg(long)]
    out: PathBuf,
}

pub fn run(args: ProveArgs) -> anyhow::Result<()> {
    #[cfg(feature = "heap-profile")]
    let _profiler = dhat::Profiler::builder()
        .file_name("dhat-heap.json")
        .build();

    if args.steps == 0 {
        anyhow::bail!("--steps must be at least 1");
    }
    let start = Instant::now();
    let asked = args.circuit.circuit()?;
    let pk: Pk = match &args.keys {
        Some(dir) => load_prover_key(dir, asked.as_ref())?,
        None => {
            let circuit = args.circuit.require()?;
            eprintln!("no --keys: running setup for {circuit} first");
            Pk::setup(circuit)?
        }
    };
    let key_time = start.elapsed();
    super::setup::print_shapes(&pk)?;
    let z0 = pk.step().default_z0();
    let mut snark = RecursiveSnark::new(&pk, &z0)?;

    let bar = ProgressBar::new(args.steps);
    bar.set_style(
        ProgressStyle::with_template("{prefix} [{bar:40}] {pos}/{len} steps, {per_sec}, eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_prefix("proving");
    let proving = Instant::now();
    for _ in 0..args.steps {
        snark.prove_step(&pk)?;
        bar.inc(1);
    }
    bar.finish_and_clear();
    let prove_time = proving.elapsed();

    // The native step, iterated, must land where the proof does: a cheap end-to-end check.
    let mut expected = z0.clone();
    for _ in 0..args.steps {
        expected = pk.step().step(&expected)?;
    }
    anyhow::ensure!(
        snark.zi() == expected.as_slice(),
        "the circuit's final state differs from the native step's"
    );

    let proof = snark.proof(&pk)?;
    let proof_bytes = proof
        .save(&args.out)
        .with_context(|| format!("writing {}", args.out.display()))?;
    let times = snark.phase_times();
    println!("circuit:       {}", pk.step());
    println!(
        "steps:         {} in {} ({:.2} steps/s)",
        args.steps,
        report::duration(prove_time),
        args.steps as f64 / prove_time.as_secs_f64()
    );
    println!("  synthesis:   {}", report::duration(times.synthesis));
    println!("  commitments: {}", report::duration(times.commit));
    println!("  folding:     {}", report::duration(times.fold));
    println!(
        "keys:          {} ({})",
        report::duration(key_time),
        if args.keys.is_some() {
            "loaded"
        } else {
            "setup"
        }
    );
    println!(
        "proof:         {} ({}, recursive)",
        args.out.display(),
        report::bytes(proof_bytes)
    );
    println!("wall time:     {}", report::duration(start.elapsed()));
    println!("{}", report::peak_memory_line());
    Ok(())
}

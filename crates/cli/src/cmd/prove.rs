//! `origami prove`: a recursive proof of `steps` applications of a built-in circuit, each step
//! reading its piece of `--input` when the circuit reads one.

mod sharded;

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use origami_keys::{KeyDir, ProverKey};
use origami_nova::{CompressedProof, RecursiveSnark, Variant};

use crate::args::{CircuitArgs, GeneratorCacheArgs, RunArgs, ShardArgs};
use crate::report;

#[derive(Args)]
pub struct ProveArgs {
    #[command(flatten)]
    circuit: CircuitArgs,
    #[command(flatten)]
    run: RunArgs,
    /// Key directory from `origami setup`; without it, setup runs first (and is timed apart).
    #[arg(long)]
    keys: Option<PathBuf>,
    /// Where to write the proof.
    #[arg(long)]
    out: PathBuf,
    /// Write the uncompressed recursive proof (as large as the circuit) instead of a compressed one.
    #[arg(long)]
    recursive: bool,
    /// Spartan variant when setup runs here (no --keys); a key directory fixes its own.
    #[arg(long, default_value = "preprocessing")]
    variant: Variant,
    #[command(flatten)]
    sharding: ShardArgs,
    #[command(flatten)]
    generator_cache: GeneratorCacheArgs,
}

pub fn run(args: ProveArgs) -> anyhow::Result<()> {
    #[cfg(feature = "heap-profile")]
    let _profiler = dhat::Profiler::builder()
        .file_name("dhat-heap.json")
        .build();

    // A proof that cannot be written is lost: find out before proving, not after.
    origami_format::check_writable(&args.out)
        .with_context(|| format!("the proof could not be written to {}", args.out.display()))?;
    let start = Instant::now();
    let asked = args.circuit.circuit()?;
    // The input is checked before keys are loaded or made when the circuit is named here.
    let checked = asked.as_ref().map(|c| args.run.inputs(c)).transpose()?;
    let keys = args.keys.as_ref().map(KeyDir::new);
    let pk = match &keys {
        Some(dir) => dir.load_prover_key(asked.as_ref())?,
        None => {
            let circuit = args.circuit.require()?;
            eprintln!("no --keys: running setup for {circuit} first");
            ProverKey::setup(circuit, args.variant)?
        }
    };
    let key_time = start.elapsed();
    let (inputs, steps) = match checked {
        Some(checked) => checked,
        None => args.run.inputs(pk.params().step())?,
    };
    report::print_shapes(&pk)?;
    if args.sharding.is_sharded() || args.sharding.is_clustered() {
        anyhow::ensure!(
            !args.recursive,
            "--recursive writes one uncompressed proof; sharded proofs are compressed"
        );
        return sharded::prove(
            &pk,
            keys.as_ref(),
            &inputs,
            steps,
            &args.sharding,
            &args.generator_cache,
            &args.out,
            start,
        );
    }
    let params = pk.params();
    let z0 = params.step().default_z0();
    let mut snark = RecursiveSnark::new(params, &z0)?;

    let bar = report::progress_bar(steps, "steps", "proving");
    let proving = Instant::now();
    let mut reader = inputs.reader(0)?;
    for _ in 0..steps {
        snark.prove_step(params, reader.next_step()?)?;
        bar.inc(1);
    }
    bar.finish_and_clear();
    let prove_time = proving.elapsed();

    // The native step, iterated, must land where the proof does: a cheap end-to-end check
    // (it reads the input again, so a file changed meanwhile is caught too).
    let expected = origami_shard::run_native(params.step(), &z0, steps, &inputs)?;
    anyhow::ensure!(
        snark.zi() == expected.as_slice(),
        "the circuit's final state differs from the native step's"
    );

    let compressing = Instant::now();
    let (proof_bytes, kind) = if args.recursive {
        let proof = snark.proof(params)?;
        (proof.save(&args.out), "recursive".to_string())
    } else {
        let proof = CompressedProof::prove(&pk, &snark)?;
        (
            proof.save(&args.out),
            format!("compressed, {} variant", pk.variant()),
        )
    };
    let proof_bytes = proof_bytes.with_context(|| format!("writing {}", args.out.display()))?;
    let compress_time = compressing.elapsed();
    let times = snark.phase_times();
    outln!("circuit:       {}", params.step())?;
    outln!(
        "steps:         {} in {} ({:.2} steps/s)",
        steps,
        report::duration(prove_time),
        steps as f64 / prove_time.as_secs_f64()
    )?;
    report::print_input(&inputs, prove_time)?;
    report::print_attested(params.step(), &z0, snark.zi())?;
    let d = report::duration;
    let (p, q) = (&times.primary, &times.secondary);
    outln!(
        "  synthesis:   {} (primary {}, secondary {})",
        d(times.synthesis()),
        d(p.synthesis),
        d(q.synthesis)
    )?;
    outln!(
        "  commitments: {}: Com(W) {} + {}, Com(T) {} + {} (primary + secondary)",
        d(times.commitments()),
        d(p.commit_w),
        d(q.commit_w),
        d(p.fold.commit_t),
        d(q.fold.commit_t)
    )?;
    outln!(
        "  folding:     {}: matrix products {}, cross terms {}, in-place folds {}",
        d(times.folding()),
        d(p.fold.multiply + q.fold.multiply),
        d(p.fold.cross_term + q.fold.cross_term),
        d(p.fold.fold + q.fold.fold)
    )?;
    outln!(
        "keys:          {} ({})",
        report::duration(key_time),
        if args.keys.is_some() {
            "loaded"
        } else {
            "setup"
        }
    )?;
    if !args.recursive {
        outln!("compression:   {}", report::duration(compress_time))?;
    }
    outln!(
        "proof:         {} ({} B, {}; {})",
        args.out.display(),
        proof_bytes,
        report::bytes(proof_bytes),
        kind
    )?;
    print_closing(&pk, start)
}

/// The last lines of every `prove` report: verifier-key size, wall time, peak memory.
fn print_closing(pk: &ProverKey, start: Instant) -> anyhow::Result<()> {
    let vk_bytes =
        origami_format::encoded_len(origami_format::FileKind::VerifierKey, pk.verifier_key())?;
    outln!(
        "verifier key:  {} B ({})",
        vk_bytes,
        report::bytes(vk_bytes)
    )?;
    outln!("wall time:     {}", report::duration(start.elapsed()))?;
    outln!("{}", report::peak_memory_line())?;
    Ok(())
}

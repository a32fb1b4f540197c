//! Origami against nova-snark 0.76 on the same synthetic step circuit.
//!
//! `cargo bench -p origami-bench --bench side_by_side [-- --sizes 12,14,16,18 --steps 20 --warmup 5]`
//!
//! For every step size (log2 of the step circuit's constraints) each prover runs in a fresh child
//! process — setup, `--steps` proven steps, one verification — so each peak resident memory is that
//! prover's alone. The table (Markdown, for BENCHMARKS.md) gives Origami / Nova ratios; the median
//! `prove_step` time excludes the first `--warmup` steps.

// Shared by both benches and a test; each uses its half (folding or compression).
#[allow(dead_code)]
mod reference_nova;

use anyhow::{Context, bail, ensure};
use origami_bench::{
    Comparison, FoldingBench, Origami, RunReport, measure, parse_sizes, run_child,
};
use reference_nova::ReferenceNova;

struct Options {
    sizes: Vec<u32>,
    steps: usize,
    warmup: usize,
}

fn parse_options(args: &[String]) -> anyhow::Result<Options> {
    let mut opts = Options {
        sizes: vec![12, 14, 16, 18],
        steps: 20,
        warmup: 5,
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = || it.next().with_context(|| format!("{arg} needs a value"));
        match arg.as_str() {
            // cargo bench passes `--bench` to every bench binary.
            "--bench" => {}
            "--sizes" => opts.sizes = parse_sizes(value()?).map_err(anyhow::Error::msg)?,
            "--steps" => opts.steps = value()?.parse().context("--steps")?,
            "--warmup" => opts.warmup = value()?.parse().context("--warmup")?,
            other => bail!(
                "unknown argument {other:?} (expected --sizes 12,14,16,18 --steps 20 --warmup 5)"
            ),
        }
    }
    ensure!(opts.steps > opts.warmup, "--steps must exceed --warmup");
    Ok(opts)
}

/// `--child PROVER LOG2 STEPS`: one measured run, its report as JSON on stdout.
fn child(args: &[String]) -> anyhow::Result<()> {
    let [prover, log2, steps] = args else {
        bail!("--child PROVER LOG2 STEPS");
    };
    let num_cons = 1usize << log2.parse::<u32>()?;
    let steps = steps.parse()?;
    let report = match prover.as_str() {
        "origami" => measure::<Origami>(num_cons, steps)?,
        "nova" => measure::<ReferenceNova>(num_cons, steps)?,
        other => bail!("unknown prover {other}"),
    };
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}

/// One prover's run at one size, in a child process of its own.
fn run(prover: &str, log2: u32, steps: usize) -> anyhow::Result<RunReport> {
    Ok(run_child(&[prover, &log2.to_string(), &steps.to_string()])?)
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--child") {
        return child(&args[1..]);
    }
    let opts = parse_options(&args)?;
    eprintln!(
        "{} vs {}: {} steps per run, median of the last {}",
        Origami::NAME,
        ReferenceNova::NAME,
        opts.steps,
        opts.steps - opts.warmup
    );
    let mut rows = Vec::new();
    for &log2 in &opts.sizes {
        let ours = run("origami", log2, opts.steps)?;
        eprintln!("2^{log2} origami: {}", serde_json::to_string(&ours)?);
        let theirs = run("nova", log2, opts.steps)?;
        eprintln!("2^{log2} nova:    {}", serde_json::to_string(&theirs)?);
        let cmp = Comparison::new(&ours, &theirs, opts.warmup)?;
        eprintln!(
            "2^{log2} setup: origami {:.2} s, nova {:.2} s",
            ours.setup_s, theirs.setup_s
        );
        rows.push(cmp.markdown_row());
        eprintln!("{}", rows.last().map(String::as_str).unwrap_or_default());
    }
    println!("{}", Comparison::MARKDOWN_HEADER);
    for row in rows {
        println!("{row}");
    }
    Ok(())
}

//! Origami's compressed proofs against nova-snark 0.76's `CompressedSNARK`, both Spartan variants.
//!
//! `cargo bench -p origami-bench --bench compression [-- --sizes 12,14,16,18 --steps 3 --variants direct,preprocessing] [--origami-only]`
//!
//! For every step size and variant each prover runs twice, each time in a fresh child process: the
//! prover child sets up, folds `--steps` steps, compresses (timed) and writes the verifier key and
//! the proof into a temporary directory; the verifier child reads only those two files and
//! verifies, so its peak resident memory is the verifier's alone. The table (Markdown, for
//! BENCHMARKS.md) gives Origami / Nova ratios.

// Shared by both benches and a test; each uses its half (folding or compression).
#[allow(dead_code)]
mod reference_nova;

use std::path::Path;

use anyhow::{Context, bail, ensure};
use origami_bench::{
    CompressionBench, CompressionComparison, Origami, ProveReport, VerifyReport, parse_sizes,
    run_child,
};
use origami_spartan::Variant;
use reference_nova::ReferenceNovaCompression;

struct Options {
    sizes: Vec<u32>,
    steps: usize,
    variants: Vec<Variant>,
    /// Run only Origami (no table: its reports go to stderr).
    origami_only: bool,
}

fn parse_options(args: &[String]) -> anyhow::Result<Options> {
    let mut opts = Options {
        sizes: vec![12, 14, 16, 18],
        steps: 3,
        variants: vec![Variant::Direct, Variant::Preprocessing],
        origami_only: false,
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = || it.next().with_context(|| format!("{arg} needs a value"));
        match arg.as_str() {
            // cargo bench passes `--bench` to every bench binary.
            "--bench" => {}
            "--sizes" => opts.sizes = parse_sizes(value()?).map_err(anyhow::Error::msg)?,
            "--steps" => opts.steps = value()?.parse().context("--steps")?,
            "--origami-only" => opts.origami_only = true,
            "--variants" => {
                opts.variants = value()?
                    .split(',')
                    .map(|s| s.trim().parse().map_err(anyhow::Error::msg))
                    .collect::<anyhow::Result<_>>()?
            }
            other => bail!(
                "unknown argument {other:?} (expected --sizes 12,14,16,18 --steps 3 --variants direct,preprocessing [--origami-only])"
            ),
        }
    }
    ensure!(opts.steps > 0, "--steps must be at least 1");
    Ok(opts)
}

/// `--child prove|verify PROVER VARIANT LOG2 STEPS DIR`: one measured half, its report as JSON.
fn child(args: &[String]) -> anyhow::Result<()> {
    let [half, prover, variant, log2, steps, dir] = args else {
        bail!("--child prove|verify PROVER VARIANT LOG2 STEPS DIR");
    };
    let variant: Variant = variant.parse().map_err(anyhow::Error::msg)?;
    let num_cons = 1usize << log2.parse::<u32>()?;
    let steps: usize = steps.parse()?;
    let dir = Path::new(dir);
    let json = match (half.as_str(), prover.as_str()) {
        ("prove", "origami") => {
            serde_json::to_string(&Origami::prove(num_cons, steps, variant, dir)?)?
        }
        ("prove", "nova") => serde_json::to_string(&ReferenceNovaCompression::prove(
            num_cons, steps, variant, dir,
        )?)?,
        ("verify", "origami") => {
            serde_json::to_string(&<Origami as CompressionBench>::verify(steps, variant, dir)?)?
        }
        ("verify", "nova") => {
            serde_json::to_string(&ReferenceNovaCompression::verify(steps, variant, dir)?)?
        }
        other => bail!("unknown child {other:?}"),
    };
    println!("{json}");
    Ok(())
}

/// Both halves of one prover's run; the files live only as long as this call.
fn measure(
    prover: &str,
    variant: Variant,
    log2: u32,
    steps: usize,
) -> anyhow::Result<(ProveReport, VerifyReport)> {
    let dir = tempfile::tempdir()?;
    let dir_arg = dir
        .path()
        .to_str()
        .context("temporary directory is not UTF-8")?;
    let (variant, log2, steps) = (variant.to_string(), log2.to_string(), steps.to_string());
    let args = [
        prover,
        variant.as_str(),
        log2.as_str(),
        steps.as_str(),
        dir_arg,
    ];
    let prove: ProveReport = run_child(&[&["prove"][..], &args].concat())?;
    let verify: VerifyReport = run_child(&[&["verify"][..], &args].concat())?;
    Ok((prove, verify))
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--child") {
        return child(&args[1..]);
    }
    let opts = parse_options(&args)?;
    eprintln!(
        "{} vs {}: compression after {} folded steps",
        <Origami as CompressionBench>::NAME,
        ReferenceNovaCompression::NAME,
        opts.steps
    );
    let mut rows = Vec::new();
    for &log2 in &opts.sizes {
        for &variant in &opts.variants {
            let ours = measure("origami", variant, log2, opts.steps)?;
            eprintln!("2^{log2} {variant} origami: {ours:?}");
            if opts.origami_only {
                continue;
            }
            let theirs = measure("nova", variant, log2, opts.steps)?;
            eprintln!("2^{log2} {variant} nova:    {theirs:?}");
            let cmp = CompressionComparison::new(variant, (ours.0, theirs.0), (ours.1, theirs.1))?;
            rows.push(cmp.markdown_row());
            eprintln!("{}", rows.last().map(String::as_str).unwrap_or_default());
        }
    }
    println!("{}", CompressionComparison::MARKDOWN_HEADER);
    for row in rows {
        println!("{row}");
    }
    Ok(())
}

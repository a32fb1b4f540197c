//! Origami against nova-snark 0.76 on the step of nova-snark's own `examples/and.rs`: a batch
//! of 64-bit ANDs of private operands, fresh every step, on the same operands.
//!
//! `cargo bench -p origami-bench --bench and_side_by_side [-- --ops 1024 --steps 32 --warmup 4]`
//!
//! Origami runs its built-in `and` circuit (`origami_circuits::AndBatch`), which lays out the
//! example's constraints; nova-snark runs the example's circuit as written against its own
//! frontend here. Both fold the same operands on Pallas/Vesta, each prover in a child process of
//! its own (so each peak resident memory is its alone), and must end in the same state. The
//! example's step passes its state through, so that state is `z₀`; what the comparison checks is
//! that both prove the same number of steps of the same shape over the same operands.

use anyhow::{Context, bail, ensure};
use nova_snark::{
    frontend::{
        AllocatedBit, ConstraintSystem, LinearCombination, SynthesisError, num::AllocatedNum,
    },
    nova::{PublicParams as NovaParams, RecursiveSNARK},
    provider::{PallasEngine, VestaEngine},
    traits::{Engine, circuit::StepCircuit as NovaStep, snark::default_ck_hint},
};
use origami_arith::DefaultCycle;
use origami_bench::{Comparison, RunReport, hex_lower, peak_rss_bytes, run_child, state_bytes};
use origami_circuits::{AndBatch, Builtin};
use origami_nova::{PrimaryField, PublicParams, RecursiveSnark, StepCircuit};
use std::time::Instant;

type E1 = PallasEngine;
type E2 = VestaEngine;
type NovaScalar = <E1 as Engine>::Scalar;

/// The operands of every step, the same for both provers: a fixed pseudo-random sequence.
fn operands(steps: usize, ops: usize) -> Vec<Vec<(u64, u64)>> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        // splitmix64
        x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    (0..steps)
        .map(|_| (0..ops).map(|_| (next(), next())).collect())
        .collect()
}

/// The example's step for nova-snark's frontend: per AND, `a` and `b` allocated, split into 64
/// bits each, recomposed and compared; 64 AND gates; `c` recomposed, allocated and compared.
#[derive(Clone, Debug)]
struct NovaAnd {
    batch: Vec<(u64, u64)>,
}

fn nova_bits<CS: ConstraintSystem<NovaScalar>>(
    mut cs: CS,
    v: u64,
) -> Result<Vec<AllocatedBit>, SynthesisError> {
    (0..64)
        .map(|i| AllocatedBit::alloc(cs.namespace(|| format!("bit {i}")), Some((v >> i) & 1 == 1)))
        .collect()
}

fn nova_recompose<CS: ConstraintSystem<NovaScalar>>(
    mut cs: CS,
    bits: &[AllocatedBit],
) -> Result<AllocatedNum<NovaScalar>, SynthesisError> {
    let mut lc = LinearCombination::zero();
    let mut coeff = NovaScalar::from(1);
    let mut value = NovaScalar::from(0);
    for bit in bits {
        lc = lc + (coeff, bit.get_variable());
        if bit.get_value() == Some(true) {
            value += coeff;
        }
        coeff = coeff + coeff;
    }
    let num = AllocatedNum::alloc(cs.namespace(|| "num"), || Ok(value))?;
    cs.enforce(|| "num = Σ bits", |l| l, |l| l, |_| lc - num.get_variable());
    Ok(num)
}

fn nova_equal<CS: ConstraintSystem<NovaScalar>>(
    mut cs: CS,
    v: u64,
    other: &AllocatedNum<NovaScalar>,
) -> Result<(), SynthesisError> {
    let num = AllocatedNum::alloc(cs.namespace(|| "value"), || Ok(NovaScalar::from(v)))?;
    cs.enforce(
        || "value = recomposed",
        |l| l + num.get_variable(),
        |l| l + CS::one(),
        |l| l + other.get_variable(),
    );
    Ok(())
}

impl NovaStep<NovaScalar> for NovaAnd {
    fn arity(&self) -> usize {
        1
    }

    fn synthesize<CS: ConstraintSystem<NovaScalar>>(
        &self,
        cs: &mut CS,
        z: &[AllocatedNum<NovaScalar>],
    ) -> Result<Vec<AllocatedNum<NovaScalar>>, SynthesisError> {
        for (i, (a, b)) in self.batch.iter().enumerate() {
            let mut cs = cs.namespace(|| format!("and {i}"));
            let a_bits = nova_bits(cs.namespace(|| "a bits"), *a)?;
            let b_bits = nova_bits(cs.namespace(|| "b bits"), *b)?;
            let a_num = nova_recompose(cs.namespace(|| "a"), &a_bits)?;
            let b_num = nova_recompose(cs.namespace(|| "b"), &b_bits)?;
            nova_equal(cs.namespace(|| "a value"), *a, &a_num)?;
            nova_equal(cs.namespace(|| "b value"), *b, &b_num)?;
            let c_bits = a_bits
                .iter()
                .zip(&b_bits)
                .enumerate()
                .map(|(k, (x, y))| AllocatedBit::and(cs.namespace(|| format!("c bit {k}")), x, y))
                .collect::<Result<Vec<_>, _>>()?;
            let c_num = nova_recompose(cs.namespace(|| "c"), &c_bits)?;
            nova_equal(cs.namespace(|| "c value"), a & b, &c_num)?;
        }
        Ok(z.to_vec())
    }
}

fn report(
    prover: &str,
    ops: usize,
    primary: usize,
    setup_s: f64,
    step_s: Vec<f64>,
    verify: impl FnOnce() -> anyhow::Result<Vec<u8>>,
) -> anyhow::Result<RunReport> {
    let peak = peak_rss_bytes();
    let t = Instant::now();
    let final_state = verify()?;
    Ok(RunReport {
        prover: prover.to_string(),
        step_constraints: 198 * ops,
        primary_constraints: primary,
        setup_s,
        step_s,
        verify_s: t.elapsed().as_secs_f64(),
        peak_rss_bytes: peak,
        final_state: hex_lower(&final_state),
    })
}

fn run_origami(ops: usize, steps: usize) -> anyhow::Result<RunReport> {
    let inputs: Vec<Vec<u8>> = operands(steps, ops)
        .iter()
        .map(|batch| {
            batch
                .iter()
                .flat_map(|(a, b)| [a.to_le_bytes(), b.to_le_bytes()].concat())
                .collect()
        })
        .collect();
    let t = Instant::now();
    let pp = PublicParams::<DefaultCycle, Builtin>::setup(Builtin::And(AndBatch::new(ops)))?;
    let setup_s = t.elapsed().as_secs_f64();
    let z0 = vec![PrimaryField::<DefaultCycle>::from(0)];
    let mut snark = RecursiveSnark::new(&pp, &z0)?;
    let mut step_s = Vec::with_capacity(steps);
    for input in &inputs {
        let t = Instant::now();
        snark.prove_step(&pp, input)?;
        step_s.push(t.elapsed().as_secs_f64());
    }
    let primary = pp.shape_primary().num_cons();
    // The native step agrees, and the proof verifies to the same state.
    let mut native = z0.clone();
    for input in &inputs {
        native = pp.step().step(&native, input)?;
    }
    report("origami", ops, primary, setup_s, step_s, || {
        let z = snark.verify(&pp, steps as u64, &z0)?;
        ensure!(
            z == native,
            "the proof's final state is not the native step's"
        );
        Ok(state_bytes(&z))
    })
}

fn run_nova(ops: usize, steps: usize) -> anyhow::Result<RunReport> {
    let circuits: Vec<NovaAnd> = operands(steps, ops)
        .into_iter()
        .map(|batch| NovaAnd { batch })
        .collect();
    let t = Instant::now();
    let pp = NovaParams::<E1, E2, NovaAnd>::setup(
        &circuits[0],
        &*default_ck_hint(),
        &*default_ck_hint(),
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let setup_s = t.elapsed().as_secs_f64();
    let z0 = [NovaScalar::from(0)];
    let mut step_s = Vec::with_capacity(steps);
    // `new` synthesizes and commits the first step; the first `prove_step` after it only
    // records it, so the two are timed together as step 1.
    let t = Instant::now();
    let mut snark =
        RecursiveSNARK::new(&pp, &circuits[0], &z0).map_err(|e| anyhow::anyhow!("{e}"))?;
    for circuit in &circuits {
        snark
            .prove_step(&pp, circuit)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        step_s.push(t.elapsed().as_secs_f64() - step_s.iter().sum::<f64>());
    }
    let primary = pp.num_constraints().0;
    report("nova-snark 0.76", ops, primary, setup_s, step_s, || {
        let z = snark
            .verify(&pp, steps, &z0)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(state_bytes(&z))
    })
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--child") {
        let [_, prover, ops, steps] = &args[..] else {
            bail!("--child PROVER OPS STEPS");
        };
        let (ops, steps) = (ops.parse()?, steps.parse()?);
        let report = match prover.as_str() {
            "origami" => run_origami(ops, steps)?,
            "nova" => run_nova(ops, steps)?,
            other => bail!("unknown prover {other}"),
        };
        println!("{}", serde_json::to_string(&report)?);
        return Ok(());
    }
    let (mut ops, mut steps, mut warmup) = (vec![1024usize], 32usize, 4usize);
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = || it.next().with_context(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--bench" => {}
            "--ops" => {
                ops = value()?
                    .split(',')
                    .map(str::parse)
                    .collect::<Result<_, _>>()
                    .context("--ops")?
            }
            "--steps" => steps = value()?.parse().context("--steps")?,
            "--warmup" => warmup = value()?.parse().context("--warmup")?,
            other => {
                bail!("unknown argument {other:?} (expected --ops 1024 --steps 32 --warmup 4)")
            }
        }
    }
    ensure!(steps > warmup, "--steps must exceed --warmup");
    println!(
        "| ANDs a step | steps | primary constraints (O / N) | prove_step O | prove_step N | ratio | all steps O | all steps N | verify O | verify N | peak RSS O | peak RSS N | same final state |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for n in ops {
        let (n_s, steps_s) = (n.to_string(), steps.to_string());
        let ours: RunReport = run_child(&["origami", &n_s, &steps_s])?;
        let theirs: RunReport = run_child(&["nova", &n_s, &steps_s])?;
        let c = Comparison::new(&ours, &theirs, warmup).map_err(|e| anyhow::anyhow!("{e}"))?;
        let mib =
            |b: Option<u64>| b.map_or("n/a".into(), |b| format!("{:.0} MiB", b as f64 / 1048576.0));
        let total = |r: &RunReport| r.step_s.iter().sum::<f64>();
        println!(
            "| {n} | {steps} | {} / {} | {:.3} s | {:.3} s | {:.2} | {:.2} s | {:.2} s | {:.3} s | {:.3} s | {} | {} | yes |",
            c.primary_constraints.0,
            c.primary_constraints.1,
            c.step_s.0,
            c.step_s.1,
            c.step_s.0 / c.step_s.1,
            total(&ours),
            total(&theirs),
            c.verify_s.0,
            c.verify_s.1,
            mib(c.peak_rss_bytes.0),
            mib(c.peak_rss_bytes.1),
        );
    }
    Ok(())
}

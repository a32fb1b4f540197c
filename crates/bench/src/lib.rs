#![doc = include_str!("../README.md")]

use std::time::Instant;

pub mod compression;

pub use compression::{CompressionBench, CompressionComparison, ProveReport, VerifyReport};

use ff::PrimeField;
use origami_arith::DefaultCycle;
use origami_circuits::Synthetic;
use origami_nova::{NovaError, PublicParams, RecursiveSnark};
use serde::{Deserialize, Serialize};

/// Why a measured run failed.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// The prover under test returned an error.
    #[error("{prover}: {message}")]
    Prover {
        /// Which prover.
        prover: &'static str,
        /// Its error, as it printed it.
        message: String,
    },
    /// A run needs at least one step and at least one step after the warm-up.
    #[error("{steps} steps leave nothing to time after {warmup} warm-up steps")]
    TooFewSteps {
        /// Steps asked for.
        steps: usize,
        /// Warm-up steps excluded from the per-step figure.
        warmup: usize,
    },
    /// A measured child process could not be run, failed, or printed no report.
    #[error("child run {args}: {reason}")]
    Child {
        /// Its arguments after `--child`.
        args: String,
        /// What went wrong, with the child's stderr when it failed.
        reason: String,
    },
}

/// The initial state both provers start from (Nova's benchmarks use 2 as well).
pub const Z0: u64 = 2;

/// A folding prover as the side-by-side benchmark drives it.
pub trait FoldingBench: Sized {
    /// The name that appears in the report.
    const NAME: &'static str;
    /// A proof in progress.
    type Run;

    /// Public parameters for the synthetic step of `num_cons` constraints.
    fn setup(num_cons: usize) -> Result<Self, BenchError>;
    /// Constraints of the primary augmented circuit (step plus in-circuit verifier).
    fn primary_constraints(&self) -> usize;
    /// Starts a run at `z0 = [Z0]`; no step is proven yet.
    fn start(&self) -> Result<Self::Run, BenchError>;
    /// Proves one more step.
    fn prove_step(&self, run: &mut Self::Run) -> Result<(), BenchError>;
    /// Verifies `num_steps` steps and returns the final state's canonical little-endian bytes.
    fn verify(&self, run: &Self::Run, num_steps: usize) -> Result<Vec<u8>, BenchError>;
}

/// What one run measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    /// Which prover ran.
    pub prover: String,
    /// Constraints of the step circuit.
    pub step_constraints: usize,
    /// Constraints of the primary augmented circuit.
    pub primary_constraints: usize,
    /// Seconds spent in setup.
    pub setup_s: f64,
    /// Seconds of each `prove_step`, in order (for Nova the first includes `RecursiveSNARK::new`,
    /// which synthesizes the first step).
    pub step_s: Vec<f64>,
    /// Seconds to verify the final proof.
    pub verify_s: f64,
    /// Peak resident memory after setup and every step, before verification, in bytes.
    pub peak_rss_bytes: Option<u64>,
    /// The final state, hex of its canonical little-endian bytes.
    pub final_state: String,
}

impl RunReport {
    /// Median `prove_step` time once the first `warmup` steps are excluded: the first steps are
    /// cheaper (their running instance is mostly zeros), so they would flatter both provers.
    pub fn step_time(&self, warmup: usize) -> Result<f64, BenchError> {
        let timed =
            self.step_s
                .get(warmup..)
                .filter(|s| !s.is_empty())
                .ok_or(BenchError::TooFewSteps {
                    steps: self.step_s.len(),
                    warmup,
                })?;
        Ok(median(timed))
    }
}

fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    }
}

/// Set-up, `steps` proven steps and a verification of prover `P`, timed, in this process.
pub fn measure<P: FoldingBench>(num_cons: usize, steps: usize) -> Result<RunReport, BenchError> {
    if steps == 0 {
        return Err(BenchError::TooFewSteps { steps, warmup: 0 });
    }
    let t = Instant::now();
    let prover = P::setup(num_cons)?;
    let setup_s = t.elapsed().as_secs_f64();
    let mut run = prover.start()?;
    let mut step_s = Vec::with_capacity(steps);
    for _ in 0..steps {
        let t = Instant::now();
        prover.prove_step(&mut run)?;
        step_s.push(t.elapsed().as_secs_f64());
    }
    let peak_rss_bytes = peak_rss_bytes();
    let t = Instant::now();
    let final_state = prover.verify(&run, steps)?;
    let verify_s = t.elapsed().as_secs_f64();
    Ok(RunReport {
        prover: P::NAME.to_string(),
        step_constraints: num_cons,
        primary_constraints: prover.primary_constraints(),
        setup_s,
        step_s,
        verify_s,
        peak_rss_bytes,
        final_state: hex_lower(&final_state),
    })
}

/// Runs this executable again as `--child ARGS…` and reads the JSON report the child prints as
/// its last line: both bench binaries measure each run in a process of its own, so its peak
/// memory is its own.
pub fn run_child<T: serde::de::DeserializeOwned>(args: &[&str]) -> Result<T, BenchError> {
    let failed = |reason: String| BenchError::Child {
        args: format!("{args:?}"),
        reason,
    };
    let exe = std::env::current_exe().map_err(|e| failed(e.to_string()))?;
    let out = std::process::Command::new(exe)
        .arg("--child")
        .args(args)
        .output()
        .map_err(|e| failed(format!("starting it: {e}")))?;
    if !out.status.success() {
        return Err(failed(format!(
            "{}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .last()
        .ok_or_else(|| failed("it printed nothing".to_string()))?;
    serde_json::from_str(line).map_err(|e| failed(format!("reading its report {line:?}: {e}")))
}

/// The `--sizes` list of both bench binaries: comma-separated log2 step sizes, each 1 to 24.
pub fn parse_sizes(list: &str) -> Result<Vec<u32>, String> {
    list.split(',')
        .map(|s| {
            let size: u32 = s.trim().parse().map_err(|_| format!("bad size {s:?}"))?;
            if (1..=24).contains(&size) {
                Ok(size)
            } else {
                Err(format!(
                    "size {size}: sizes are log2 of the step constraints, 1 to 24"
                ))
            }
        })
        .collect()
}

/// Lower-case hex of `bytes`.
pub fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Peak resident memory of this process (Linux `VmHWM`), if the platform reports it.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib = status.lines().find_map(|l| l.strip_prefix("VmHWM:"))?;
    let kib: u64 = kib.trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kib * 1024)
}

/// The canonical little-endian bytes of a state, for comparing states across field crates.
pub fn state_bytes<F: PrimeField>(z: &[F]) -> Vec<u8> {
    z.iter()
        .flat_map(|x| x.to_repr().as_ref().to_vec())
        .collect()
}

type Field = origami_nova::PrimaryField<DefaultCycle>;

/// Origami on its default cycle (Pallas/Vesta) with the built-in `synthetic` step.
pub struct Origami {
    pk: PublicParams<DefaultCycle, Synthetic>,
}

fn origami_error(e: NovaError) -> BenchError {
    BenchError::Prover {
        prover: <Origami as FoldingBench>::NAME,
        message: e.to_string(),
    }
}

impl FoldingBench for Origami {
    const NAME: &'static str = "origami";
    type Run = RecursiveSnark<DefaultCycle, Synthetic>;

    fn setup(num_cons: usize) -> Result<Self, BenchError> {
        let pk = PublicParams::setup(Synthetic::new(num_cons)).map_err(origami_error)?;
        Ok(Self { pk })
    }

    fn primary_constraints(&self) -> usize {
        self.pk.shape_primary().num_cons()
    }

    fn start(&self) -> Result<Self::Run, BenchError> {
        RecursiveSnark::new(&self.pk, &[Field::from(Z0)]).map_err(origami_error)
    }

    fn prove_step(&self, run: &mut Self::Run) -> Result<(), BenchError> {
        run.prove_step(&self.pk, &()).map_err(origami_error)
    }

    fn verify(&self, run: &Self::Run, num_steps: usize) -> Result<Vec<u8>, BenchError> {
        let zn = run
            .verify(&self.pk, num_steps as u64, &[Field::from(Z0)])
            .map_err(origami_error)?;
        Ok(state_bytes(&zn))
    }
}

/// Origami's figures over the reference prover's, at one step size.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    /// Constraints of the step circuit.
    pub step_constraints: usize,
    /// Primary augmented-circuit constraints: Origami's, the reference's.
    pub primary_constraints: (usize, usize),
    /// Median `prove_step` seconds after warm-up: Origami's, the reference's.
    pub step_s: (f64, f64),
    /// Verify seconds.
    pub verify_s: (f64, f64),
    /// Peak resident bytes of the whole run, if reported.
    pub peak_rss_bytes: (Option<u64>, Option<u64>),
}

/// Two runs disagree about what they proved, so comparing their speed would be meaningless.
#[derive(Debug, thiserror::Error)]
#[error("the runs differ: {0}")]
pub struct Mismatch(pub String);

impl Comparison {
    /// Compares two runs of the same step circuit; they must have proven the same final state.
    pub fn new(ours: &RunReport, theirs: &RunReport, warmup: usize) -> Result<Self, Mismatch> {
        if ours.step_constraints != theirs.step_constraints {
            return Err(Mismatch(format!(
                "step sizes {} and {}",
                ours.step_constraints, theirs.step_constraints
            )));
        }
        if ours.step_s.len() != theirs.step_s.len() {
            return Err(Mismatch(format!(
                "{} and {} steps",
                ours.step_s.len(),
                theirs.step_s.len()
            )));
        }
        if ours.final_state != theirs.final_state {
            return Err(Mismatch(format!(
                "final states {} and {}",
                ours.final_state, theirs.final_state
            )));
        }
        let step = |r: &RunReport| r.step_time(warmup).map_err(|e| Mismatch(e.to_string()));
        Ok(Self {
            step_constraints: ours.step_constraints,
            primary_constraints: (ours.primary_constraints, theirs.primary_constraints),
            step_s: (step(ours)?, step(theirs)?),
            verify_s: (ours.verify_s, theirs.verify_s),
            peak_rss_bytes: (ours.peak_rss_bytes, theirs.peak_rss_bytes),
        })
    }

    /// Header of the Markdown table [`Comparison::markdown_row`] fills.
    pub const MARKDOWN_HEADER: &'static str = "| step size | augmented (O / N) | prove_step O | prove_step N | ratio | verify O | verify N | ratio | peak RSS O | peak RSS N | ratio |\n|---|---|---|---|---|---|---|---|---|---|---|";

    /// One Markdown row: Origami (O), Nova (N), and O/N ratios.
    pub fn markdown_row(&self) -> String {
        let (po, pn) = self.peak_rss_bytes;
        let peak_ratio = match (po, pn) {
            (Some(o), Some(n)) if n > 0 => format!("{:.2}", o as f64 / n as f64),
            _ => "n/a".to_string(),
        };
        let mib = |b: Option<u64>| {
            b.map_or("n/a".to_string(), |b| {
                format!("{:.0} MiB", b as f64 / 1048576.0)
            })
        };
        format!(
            "| 2^{} | {} / {} | {} | {} | {:.2} | {} | {} | {:.2} | {} | {} | {} |",
            self.step_constraints.trailing_zeros(),
            self.primary_constraints.0,
            self.primary_constraints.1,
            seconds(self.step_s.0),
            seconds(self.step_s.1),
            self.step_s.0 / self.step_s.1,
            seconds(self.verify_s.0),
            seconds(self.verify_s.1),
            self.verify_s.0 / self.verify_s.1,
            mib(po),
            mib(pn),
            peak_ratio,
        )
    }
}

/// `"1.23 s"` or `"45.6 ms"`.
fn seconds(s: f64) -> String {
    if s >= 1.0 {
        format!("{s:.2} s")
    } else {
        format!("{:.1} ms", s * 1e3)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(prover: &str, step_s: Vec<f64>, state: &str) -> RunReport {
        RunReport {
            prover: prover.into(),
            step_constraints: 1 << 12,
            primary_constraints: 15_000,
            setup_s: 1.0,
            step_s,
            verify_s: 0.5,
            peak_rss_bytes: Some(64 << 20),
            final_state: state.into(),
        }
    }

    #[test]
    fn sizes_parse_and_stay_in_range() {
        assert_eq!(parse_sizes("12, 14,16").unwrap(), vec![12, 14, 16]);
        assert!(parse_sizes("12,x").unwrap_err().contains("bad size"));
        assert!(parse_sizes("0").is_err());
        assert!(parse_sizes("25").is_err());
    }

    #[test]
    fn step_time_is_the_median_after_warm_up() {
        let r = report("o", vec![0.1, 0.1, 3.0, 1.0, 2.0], "00");
        assert_eq!(r.step_time(2).unwrap(), 2.0);
        assert_eq!(r.step_time(1).unwrap(), 1.5);
        assert!(matches!(
            r.step_time(5),
            Err(BenchError::TooFewSteps { .. })
        ));
        assert!(matches!(
            r.step_time(6),
            Err(BenchError::TooFewSteps { .. })
        ));
    }

    #[test]
    fn comparison_refuses_runs_that_proved_different_things() {
        let a = report("o", vec![1.0, 1.0], "aa");
        assert!(Comparison::new(&a, &report("n", vec![1.0, 1.0], "bb"), 1).is_err());
        assert!(Comparison::new(&a, &report("n", vec![1.0], "aa"), 0).is_err());
        let mut other_size = report("n", vec![1.0, 1.0], "aa");
        other_size.step_constraints = 1 << 14;
        assert!(Comparison::new(&a, &other_size, 1).is_err());
    }

    #[test]
    fn ratios_are_origami_over_nova() {
        let mut o = report("o", vec![9.0, 1.0, 1.0], "aa");
        o.verify_s = 0.25;
        o.peak_rss_bytes = Some(32 << 20);
        let n = report("n", vec![9.0, 2.0, 2.0], "aa");
        let c = Comparison::new(&o, &n, 1).unwrap();
        let row = c.markdown_row();
        assert_eq!(
            row,
            "| 2^12 | 15000 / 15000 | 1.00 s | 2.00 s | 0.50 | 250.0 ms | 500.0 ms | 0.50 | 32 MiB | 64 MiB | 0.50 |"
        );
        assert_eq!(
            Comparison::MARKDOWN_HEADER
                .lines()
                .next()
                .unwrap()
                .matches('|')
                .count(),
            row.matches('|').count()
        );
    }

    #[test]
    fn origami_run_verifies_and_reaches_the_native_state() {
        let r = measure::<Origami>(8, 3).unwrap();
        assert_eq!(r.step_s.len(), 3);
        // z = 2^(2^(8*3)) computed natively.
        let mut x = Field::from(Z0);
        for _ in 0..24 {
            x = x.square();
        }
        assert_eq!(r.final_state, hex_lower(&state_bytes(&[x])));
        assert!(r.primary_constraints > 8);
    }
}

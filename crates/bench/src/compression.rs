//! Side-by-side measurement of proof compression.
//!
//! A compression run is split over two processes so that the verifier's peak memory is its own:
//! the prover process folds a few steps, sets compression up, compresses (timed) and writes the
//! verifier key and the proof to files; the verifier process reads only those two files, prepares
//! the key and verifies. [`CompressionComparison`] turns the four reports of one step size into
//! Origami / reference ratios.

use std::path::Path;

use origami_nova::{CompressedProof, CompressedProverKey, CompressedVerifierKey, RecursiveSnark};
use origami_spartan::Variant;
use serde::{Deserialize, Serialize};

use crate::{BenchError, Field, Mismatch, Origami, Z0, hex_lower, peak_rss_bytes, seconds};
use origami_arith::DefaultCycle;
use origami_circuits::Synthetic;

/// File names inside the directory the two processes share.
pub const PROOF_FILE: &str = "proof.bin";
/// See [`PROOF_FILE`].
pub const VERIFIER_KEY_FILE: &str = "verifier.key";
/// Origami's generator cache directory (written at setup, as `origami setup` does).
pub const GENERATOR_CACHE_DIR: &str = "generators";

/// A prover with a compressing SNARK, as the compression benchmark drives it.
pub trait CompressionBench {
    /// The name that appears in the report.
    const NAME: &'static str;

    /// Sets up for the synthetic step of `num_cons` constraints, proves `steps` steps, compresses
    /// them, and writes [`VERIFIER_KEY_FILE`] and [`PROOF_FILE`] into `dir`.
    fn prove(
        num_cons: usize,
        steps: usize,
        variant: Variant,
        dir: &Path,
    ) -> Result<ProveReport, BenchError>;

    /// Reads the two files `prove` wrote with `variant` into `dir` and verifies `steps` steps from
    /// `z0 = [Z0]`.
    fn verify(steps: usize, variant: Variant, dir: &Path) -> Result<VerifyReport, BenchError>;
}

/// What the prover process measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProveReport {
    /// Which prover ran.
    pub prover: String,
    /// Constraints of the step circuit.
    pub step_constraints: usize,
    /// Seconds of setup: folding parameters and compression keys.
    pub setup_s: f64,
    /// Seconds to compress the folded steps.
    pub compress_s: f64,
    /// Bytes of the proof file.
    pub proof_bytes: u64,
    /// Bytes of the verifier key file.
    pub verifier_key_bytes: u64,
    /// Peak resident memory of the prover process.
    pub peak_rss_bytes: Option<u64>,
}

/// What the verifier process measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VerifyReport {
    /// Seconds to read and decode the verifier key and the proof.
    pub load_s: f64,
    /// Seconds to turn the key into a verifier (Origami derives its generators here).
    pub prepare_s: f64,
    /// Seconds of the verification itself.
    pub verify_s: f64,
    /// Peak resident memory of the verifier process.
    pub peak_rss_bytes: Option<u64>,
    /// The verified final state, hex of its canonical little-endian bytes.
    pub final_state: String,
}

impl VerifyReport {
    /// Everything the verifier process spent, from files to verdict.
    pub fn total_s(&self) -> f64 {
        self.load_s + self.prepare_s + self.verify_s
    }
}

fn origami_error(e: impl std::fmt::Display) -> BenchError {
    BenchError::Prover {
        prover: <Origami as CompressionBench>::NAME,
        message: e.to_string(),
    }
}

fn file_len(path: &Path) -> Result<u64, BenchError> {
    std::fs::metadata(path)
        .map(|m| m.len())
        .map_err(|e| BenchError::Prover {
            prover: "bench",
            message: format!("{}: {e}", path.display()),
        })
}

/// Runs `f` and returns its result with the seconds it took.
pub fn timed<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let t = std::time::Instant::now();
    let out = f();
    (out, t.elapsed().as_secs_f64())
}

impl CompressionBench for Origami {
    const NAME: &'static str = "origami";

    fn prove(
        num_cons: usize,
        steps: usize,
        variant: Variant,
        dir: &Path,
    ) -> Result<ProveReport, BenchError> {
        let (pk, setup_s) = timed(|| {
            CompressedProverKey::<DefaultCycle, Synthetic>::setup(Synthetic::new(num_cons), variant)
        });
        let pk = pk.map_err(origami_error)?;
        let mut snark =
            RecursiveSnark::new(pk.params(), &[Field::from(Z0)]).map_err(origami_error)?;
        for _ in 0..steps {
            snark.prove_step(pk.params(), &()).map_err(origami_error)?;
        }
        let (proof, compress_s) = timed(|| CompressedProof::prove(&pk, &snark));
        let proof = proof.map_err(origami_error)?;
        let peak_rss_bytes = peak_rss_bytes();
        let vk_path = dir.join(VERIFIER_KEY_FILE);
        let proof_path = dir.join(PROOF_FILE);
        pk.verifier_key().save(&vk_path).map_err(origami_error)?;
        // As `origami setup` does: verifiers on this machine read the generators from the cache.
        pk.store_generators(&dir.join(GENERATOR_CACHE_DIR))
            .map_err(origami_error)?;
        proof.save(&proof_path).map_err(origami_error)?;
        Ok(ProveReport {
            prover: format!("{} {variant}", Self::NAME),
            step_constraints: num_cons,
            setup_s,
            compress_s,
            proof_bytes: file_len(&proof_path)?,
            verifier_key_bytes: file_len(&vk_path)?,
            peak_rss_bytes,
        })
    }

    fn verify(steps: usize, variant: Variant, dir: &Path) -> Result<VerifyReport, BenchError> {
        let (loaded, load_s) = timed(|| -> Result<_, BenchError> {
            let vk = CompressedVerifierKey::<DefaultCycle, Synthetic>::load(
                &dir.join(VERIFIER_KEY_FILE),
            )
            .map_err(origami_error)?;
            let proof =
                CompressedProof::<DefaultCycle>::load(&dir.join(PROOF_FILE), &vk.identity())
                    .map_err(origami_error)?;
            Ok((vk, proof))
        });
        let (vk, proof) = loaded?;
        if vk.variant() != variant {
            return Err(origami_error(format!("the key is for {}", vk.variant())));
        }
        let (verifier, prepare_s) = timed(|| vk.prepare());
        let verifier = verifier
            .map_err(origami_error)?
            .with_generator_cache(&dir.join(GENERATOR_CACHE_DIR));
        if !verifier.generators_cached() {
            return Err(origami_error("the generator cache is missing"));
        }
        let (zn, verify_s) = timed(|| proof.verify(&verifier, steps as u64, &[Field::from(Z0)]));
        let zn = zn.map_err(origami_error)?;
        Ok(VerifyReport {
            load_s,
            prepare_s,
            verify_s,
            peak_rss_bytes: peak_rss_bytes(),
            final_state: hex_lower(&crate::state_bytes(&zn)),
        })
    }
}

/// Origami's compression figures over the reference's, for one variant at one step size.
#[derive(Clone, Debug, PartialEq)]
pub struct CompressionComparison {
    /// Constraints of the step circuit.
    pub step_constraints: usize,
    /// The Spartan variant both used.
    pub variant: Variant,
    /// Prover reports: Origami's, the reference's.
    pub prove: (ProveReport, ProveReport),
    /// Verifier reports: Origami's, the reference's.
    pub verify: (VerifyReport, VerifyReport),
}

impl CompressionComparison {
    /// Pairs the runs of one variant and step size; both must have verified the same final state.
    pub fn new(
        variant: Variant,
        prove: (ProveReport, ProveReport),
        verify: (VerifyReport, VerifyReport),
    ) -> Result<Self, Mismatch> {
        if prove.0.step_constraints != prove.1.step_constraints {
            return Err(Mismatch(format!(
                "step sizes {} and {}",
                prove.0.step_constraints, prove.1.step_constraints
            )));
        }
        if verify.0.final_state != verify.1.final_state {
            return Err(Mismatch(format!(
                "final states {} and {}",
                verify.0.final_state, verify.1.final_state
            )));
        }
        Ok(Self {
            step_constraints: prove.0.step_constraints,
            variant,
            prove,
            verify,
        })
    }

    /// Header of the Markdown table [`markdown_row`](Self::markdown_row) fills.
    pub const MARKDOWN_HEADER: &'static str = "| step size | variant | compress O / N | ratio | verify O / N | ratio | verifier total O / N | ratio | proof O / N | verifier key O / N | verifier peak O / N | ratio |\n|---|---|---|---|---|---|---|---|---|---|---|---|";

    /// One Markdown row: Origami (O), the reference (N), and O/N ratios. "verify" is the check
    /// alone; "verifier total" adds reading the files and preparing the key.
    pub fn markdown_row(&self) -> String {
        let (po, pn) = &self.prove;
        let (vo, vn) = &self.verify;
        let ratio = |o: f64, n: f64| {
            if n > 0.0 {
                format!("{:.2}", o / n)
            } else {
                "n/a".into()
            }
        };
        let mem = |b: Option<u64>| b.map_or("n/a".into(), |b| format!("{:.1} MiB", mib(b)));
        let mem_ratio = match (vo.peak_rss_bytes, vn.peak_rss_bytes) {
            (Some(o), Some(n)) => ratio(o as f64, n as f64),
            _ => "n/a".into(),
        };
        format!(
            "| 2^{} | {} | {} / {} | {} | {} / {} | {} | {} / {} | {} | {} / {} | {} / {} | {} / {} | {} |",
            self.step_constraints.trailing_zeros(),
            self.variant,
            seconds(po.compress_s),
            seconds(pn.compress_s),
            ratio(po.compress_s, pn.compress_s),
            seconds(vo.verify_s),
            seconds(vn.verify_s),
            ratio(vo.verify_s, vn.verify_s),
            seconds(vo.total_s()),
            seconds(vn.total_s()),
            ratio(vo.total_s(), vn.total_s()),
            bytes(po.proof_bytes),
            bytes(pn.proof_bytes),
            bytes(po.verifier_key_bytes),
            bytes(pn.verifier_key_bytes),
            mem(vo.peak_rss_bytes),
            mem(vn.peak_rss_bytes),
            mem_ratio,
        )
    }
}

fn mib(b: u64) -> f64 {
    b as f64 / 1048576.0
}

/// `"1,234 B"`, `"12.3 KiB"` or `"4.5 MiB"`.
fn bytes(b: u64) -> String {
    if b >= 1 << 20 {
        format!("{:.1} MiB", mib(b))
    } else if b >= 10 << 10 {
        format!("{:.1} KiB", b as f64 / 1024.0)
    } else {
        format!("{b} B")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origami_compresses_and_a_fresh_verifier_reads_only_the_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = <Origami as CompressionBench>::prove(8, 2, Variant::Direct, dir.path()).unwrap();
        assert!(p.proof_bytes > 0 && p.verifier_key_bytes > 0);
        let v = <Origami as CompressionBench>::verify(2, Variant::Direct, dir.path()).unwrap();
        let mut x = Field::from(Z0);
        for _ in 0..16 {
            x = x.square();
        }
        assert_eq!(v.final_state, hex_lower(&crate::state_bytes(&[x])));
        // The wrong step count is refused, not measured.
        assert!(<Origami as CompressionBench>::verify(3, Variant::Direct, dir.path()).is_err());
        assert!(
            <Origami as CompressionBench>::verify(2, Variant::Preprocessing, dir.path()).is_err()
        );
    }

    #[test]
    fn comparison_refuses_different_final_states_and_formats_ratios() {
        let p = ProveReport {
            prover: "o".into(),
            step_constraints: 1 << 12,
            setup_s: 1.0,
            compress_s: 2.0,
            proof_bytes: 20_000,
            verifier_key_bytes: 1_000,
            peak_rss_bytes: Some(1 << 27),
        };
        let v = VerifyReport {
            load_s: 0.0,
            prepare_s: 0.5,
            verify_s: 0.5,
            peak_rss_bytes: Some(16 << 20),
            final_state: "aa".into(),
        };
        let mut n = v.clone();
        n.verify_s = 2.0;
        n.peak_rss_bytes = Some(64 << 20);
        let c = CompressionComparison::new(
            Variant::Preprocessing,
            (p.clone(), p.clone()),
            (v.clone(), n.clone()),
        )
        .unwrap();
        assert_eq!(
            c.markdown_row(),
            "| 2^12 | preprocessing | 2.00 s / 2.00 s | 1.00 | 500.0 ms / 2.00 s | 0.25 | 1.00 s / 2.50 s | 0.40 | 19.5 KiB / 19.5 KiB | 1000 B / 1000 B | 16.0 MiB / 64.0 MiB | 0.25 |"
        );
        n.final_state = "bb".into();
        assert!(CompressionComparison::new(Variant::Direct, (p.clone(), p), (v, n)).is_err());
    }
}

//! What several commands print: sizes, durations, progress bars, circuit shapes, peak memory.

use std::time::Duration;

use origami_circuits::Builtin;
use origami_keys::{Field, ProverKey};
use origami_shard::StepInputs;

/// Peak resident memory of this process in bytes (Linux `VmHWM`), if the platform reports it.
pub fn peak_memory_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line
        .trim_start_matches("VmHWM:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}

/// `"123.4 MiB"`-style size.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

/// `"1.234 s"` or `"56.7 ms"`.
pub fn duration(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 1.0 {
        format!("{s:.3} s")
    } else {
        format!("{:.1} ms", s * 1e3)
    }
}

/// A progress bar counting `len` `unit`s (`"steps"`, `"shards"`), labelled `prefix`.
pub fn progress_bar(len: u64, unit: &str, prefix: &'static str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(len);
    bar.set_style(
        indicatif::ProgressStyle::with_template(&format!(
            "{{prefix}} [{{bar:40}}] {{pos}}/{{len}} {unit}, {{per_sec}}, eta {{eta}}"
        ))
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.set_prefix(prefix);
    bar
}

/// The peak-memory line every long command ends with.
pub fn peak_memory_line() -> String {
    match peak_memory_bytes() {
        Some(b) => format!("peak memory:   {} (VmHWM)", bytes(b)),
        None => "peak memory:   not reported on this platform".to_string(),
    }
}

/// Constraint counts of both augmented circuits, and the verifier part of the primary.
pub fn print_shapes(pk: &ProverKey) -> anyhow::Result<()> {
    let params = pk.params();
    let (p, s) = (params.shape_primary(), params.shape_secondary());
    let step_cons = params.step_constraints()?;
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

/// How many shards to prove at once within the memory budget (see
/// `ShardMemory::shards_at_once`), after printing the estimate it was made from.
pub fn shards_at_once(
    memory: &origami_cluster::ShardMemory,
    wanted: Option<usize>,
    budget: Option<u64>,
    shards: usize,
) -> anyhow::Result<usize> {
    let (at_once, budget) = memory.shards_at_once(wanted, budget, shards)?;
    outln!(
        "memory:        estimated {} per shard{}",
        bytes(memory.per_shard),
        budget.map_or(String::new(), |b| format!(", budget {}", bytes(b)))
    )?;
    Ok(at_once)
}

/// The input line of a `prove` report: bytes read, and how fast they were proven.
pub fn print_input(inputs: &StepInputs, prove_time: Duration) -> anyhow::Result<()> {
    if inputs.bytes_per_step() > 0 {
        outln!(
            "input:         {} B ({}), {} B/s proven",
            inputs.len(),
            bytes(inputs.len()),
            (inputs.len() as f64 / prove_time.as_secs_f64()).round()
        )?;
    }
    Ok(())
}

/// What a run attests beyond its states, for the circuits whose states mean more (sha256-file:
/// the file's digest and length, as `sha256sum` prints them). An error when the states attest
/// nothing the circuit can state.
pub fn print_attested(circuit: &Builtin, z0: &[Field], z_final: &[Field]) -> anyhow::Result<()> {
    if let Some(attested) = circuit.attested(z0, z_final)? {
        outln!("sha256:        {attested}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(3 * 1024 * 1024), "3.0 MiB");
        assert_eq!(duration(Duration::from_millis(1500)), "1.500 s");
        assert_eq!(duration(Duration::from_micros(2500)), "2.5 ms");
        if cfg!(target_os = "linux") {
            assert!(peak_memory_bytes().is_some_and(|b| b > 0));
        }
    }
}

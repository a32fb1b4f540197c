//! The service's metrics in the Prometheus text format.

use std::fmt::Write;

/// Upper bounds (seconds) of the latency histograms' buckets: verifications take around a second,
/// shards from seconds to many minutes.
const BUCKETS: [f64; 14] = [
    0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0, 3600.0,
];

/// A latency histogram.
#[derive(Clone, Debug, Default)]
pub struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Histogram {
    /// Records one observation of `seconds`.
    pub fn observe(&mut self, seconds: f64) {
        for (count, bound) in self.counts.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *count += 1;
            }
        }
        self.count += 1;
        self.sum += seconds;
    }

    /// Writes the histogram as `name` with extra `labels` (`key="value"` pairs, comma-separated,
    /// or empty).
    fn write(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        for (count, bound) in self.counts.iter().zip(BUCKETS) {
            let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{bound}\"}} {count}");
        }
        let _ = writeln!(
            out,
            "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {}",
            self.count
        );
        let braces = if labels.is_empty() {
            String::new()
        } else {
            format!("{{{labels}}}")
        };
        let _ = writeln!(out, "{name}_sum{braces} {}", self.sum);
        let _ = writeln!(out, "{name}_count{braces} {}", self.count);
    }
}

/// Resident and peak resident memory of a process, in bytes (`VmRSS`, `VmHWM` from
/// `/proc/PID/status`); `None` where the system does not say.
pub fn process_memory(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| -> Option<u64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib * 1024)
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// One process of the service, as the metrics show it.
#[derive(Debug)]
pub struct ProcessSample {
    /// `api`, `prover` or `verifier`.
    pub name: &'static str,
    /// Its pid, when it runs.
    pub pid: Option<u32>,
    /// Times it was started again after dying (0 for the API process).
    pub restarts: u64,
}

/// Everything `/metrics` shows.
#[derive(Debug, Default)]
pub struct Snapshot<'a> {
    /// Jobs by state.
    pub jobs: Vec<(&'static str, usize)>,
    /// Seconds each shard took to prove in this service's prover process.
    pub shard_seconds: Option<&'a Histogram>,
    /// Seconds each verify request took, by outcome.
    pub verify_seconds: Vec<(&'static str, &'a Histogram)>,
    /// The service's processes.
    pub processes: Vec<ProcessSample>,
}

impl Snapshot<'_> {
    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let head = |out: &mut String, name: &str, kind: &str, help: &str| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        };
        if !self.jobs.is_empty() {
            head(
                &mut out,
                "origami_jobs",
                "gauge",
                "Jobs submitted to this service, by state.",
            );
            for (state, n) in &self.jobs {
                let _ = writeln!(out, "origami_jobs{{state=\"{state}\"}} {n}");
            }
        }
        if let Some(h) = self.shard_seconds {
            head(
                &mut out,
                "origami_shard_prove_seconds",
                "histogram",
                "Seconds from claiming a shard to uploading its proof, in this service's prover process.",
            );
            h.write(&mut out, "origami_shard_prove_seconds", "");
        }
        head(
            &mut out,
            "origami_verify_seconds",
            "histogram",
            "Seconds each verify request took, by outcome.",
        );
        for (outcome, h) in &self.verify_seconds {
            h.write(
                &mut out,
                "origami_verify_seconds",
                &format!("outcome=\"{outcome}\""),
            );
        }
        head(
            &mut out,
            "origami_process_up",
            "gauge",
            "1 when the process is running.",
        );
        for p in &self.processes {
            let up = u8::from(p.pid.is_some());
            let _ = writeln!(out, "origami_process_up{{process=\"{}\"}} {up}", p.name);
        }
        head(
            &mut out,
            "origami_process_restarts_total",
            "counter",
            "Times the process was started again after it died.",
        );
        for p in &self.processes {
            let _ = writeln!(
                out,
                "origami_process_restarts_total{{process=\"{}\"}} {}",
                p.name, p.restarts
            );
        }
        let memory: Vec<_> = self
            .processes
            .iter()
            .filter_map(|p| Some((p.name, process_memory(p.pid?)?)))
            .collect();
        head(
            &mut out,
            "origami_process_resident_bytes",
            "gauge",
            "Resident memory of each process of the service (VmRSS).",
        );
        for (name, (rss, _)) in &memory {
            let _ = writeln!(
                out,
                "origami_process_resident_bytes{{process=\"{name}\"}} {rss}"
            );
        }
        head(
            &mut out,
            "origami_process_peak_resident_bytes",
            "gauge",
            "Peak resident memory of each process since it started (VmHWM).",
        );
        for (name, (_, hwm)) in &memory {
            let _ = writeln!(
                out,
                "origami_process_peak_resident_bytes{{process=\"{name}\"}} {hwm}"
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_histogram_counts_into_every_bucket_at_or_above_the_value() {
        let mut h = Histogram::default();
        h.observe(0.3);
        h.observe(7.0);
        let mut out = String::new();
        h.write(&mut out, "t", "outcome=\"ok\"");
        assert!(
            out.contains("t_bucket{outcome=\"ok\",le=\"0.25\"} 0\n"),
            "{out}"
        );
        assert!(
            out.contains("t_bucket{outcome=\"ok\",le=\"0.5\"} 1\n"),
            "{out}"
        );
        assert!(
            out.contains("t_bucket{outcome=\"ok\",le=\"10\"} 2\n"),
            "{out}"
        );
        assert!(
            out.contains("t_bucket{outcome=\"ok\",le=\"+Inf\"} 2\n"),
            "{out}"
        );
        assert!(out.contains("t_sum{outcome=\"ok\"} 7.3\n"), "{out}");
        assert!(out.contains("t_count{outcome=\"ok\"} 2\n"), "{out}");
    }

    #[test]
    fn this_process_has_a_resident_size() {
        let (rss, hwm) = process_memory(std::process::id()).expect("/proc is readable");
        assert!(rss > 0 && hwm >= rss);
    }
}

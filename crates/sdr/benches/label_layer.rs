//! Labels/s of one sector layer with the reference and the pipelined labeler, beside the
//! SHA-256 compression rate of one core measured in the same run and the labeling bound it
//! implies (20 compressions per label, one serial chain).
//!
//! ```text
//! cargo bench -p origami-sdr --bench label_layer
//! ```
//!
//! Each layer is labeled `SDR_BENCH_REPS` times (default 3) per labeler; the fastest run is
//! reported with the median beside it, and the load average beside every run. Besides wall
//! time, the on-CPU time of the labeling thread (the hasher of the pipelined labeler, which
//! runs on the calling thread) is read from /proc: on a shared machine it separates the
//! labeler's own cost from time the scheduler gave to other processes.
//!
//! Environment: `SDR_BENCH_SECTOR` (default 512MiB), `SDR_BENCH_THREADS` (pipelined labeler's
//! threads, default: all cores), `SDR_BENCH_REPS`, `SDR_BENCH_LABELERS` (`both`, `reference`
//! or `pipelined`), `SDR_BENCH_CACHE_DIR` (parent caches; default `/var/tmp/filecoin-parents`,
//! where Filecoin keeps them, so an existing cache is reused).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use origami_sdr::bench::{env_or, has_sha_ni, load_average, sha256_rate, thread_cpu_time};
use origami_sdr::{
    ApiVersion, COMPRESSIONS_PER_LABEL, Graph, Labeler, NODE_SIZE, NoProgress, ParentCache,
    SectorSize, label_layer, registered_porep_id,
};

struct Run {
    name: String,
    layer: usize,
    /// (wall time, on-CPU time of the labeling thread) of every repetition, by wall time.
    times: Vec<(Duration, Option<Duration>)>,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let sector: SectorSize = std::env::var("SDR_BENCH_SECTOR")
        .unwrap_or_else(|_| "512MiB".into())
        .parse()?;
    let threads: usize = env_or(
        "SDR_BENCH_THREADS",
        cores.clamp(2, origami_sdr::MAX_PIPELINED_THREADS),
    )?;
    let reps: usize = env_or("SDR_BENCH_REPS", 3usize)?.max(1);
    let which: String = env_or("SDR_BENCH_LABELERS", "both".to_string())?;
    let cache_dir: PathBuf = env_or(
        "SDR_BENCH_CACHE_DIR",
        PathBuf::from("/var/tmp/filecoin-parents"),
    )?;
    let labelers: Vec<Labeler> = match which.as_str() {
        "both" => vec![Labeler::Reference, Labeler::Pipelined { threads }],
        "reference" => vec![Labeler::Reference],
        "pipelined" => vec![Labeler::Pipelined { threads }],
        other => {
            return Err(
                format!("SDR_BENCH_LABELERS={other:?}: use both, reference or pipelined").into(),
            );
        }
    };

    println!(
        "sector {sector}, {} nodes per layer; {cores} cores; SHA-NI: {}",
        sector.nodes(),
        has_sha_ni()
    );
    println!("load average at start: {}", load_average());

    let porep_id = registered_porep_id(sector, ApiVersion::V1_1)?;
    let graph = Graph::new(sector, &porep_id, ApiVersion::V1_1);
    let start = Instant::now();
    let (cache, generated) = ParentCache::open_or_generate(&graph, &cache_dir, threads)?;
    println!(
        "parent cache {} {} in {:.1} s",
        cache
            .path()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
        if generated {
            "generated"
        } else {
            "opened and checked"
        },
        start.elapsed().as_secs_f64()
    );

    let mut rates = vec![sha256_rate(Duration::from_secs(3))];
    let replica_id = [0x11u8; 32];
    let bytes = sector.nodes() * NODE_SIZE;
    let mut runs = Vec::new();
    let mut layers: Vec<Vec<Vec<u8>>> = Vec::new();
    for labeler in labelers {
        let name = match labeler {
            Labeler::Reference => "reference (1 thread)".to_string(),
            Labeler::Pipelined { threads } => format!("pipelined ({threads} threads)"),
        };
        let mut out: Vec<Vec<u8>> = Vec::new();
        for layer in 1..=2 {
            let mut labels = vec![0u8; bytes];
            // Touch the pages first so that page faults are not timed.
            labels.iter_mut().step_by(4096).for_each(|b| *b = 1);
            let mut times = Vec::with_capacity(reps);
            for _ in 0..reps {
                let cpu_start = thread_cpu_time();
                let start = Instant::now();
                label_layer(
                    labeler,
                    &cache,
                    &replica_id,
                    layer,
                    out.last().map(|v| v.as_slice()),
                    &mut labels,
                    &NoProgress,
                )?;
                let wall = start.elapsed();
                let cpu = match (cpu_start, thread_cpu_time()) {
                    (Some(a), Some(b)) if b > a => Some(b - a),
                    _ => None,
                };
                println!(
                    "{name}, layer {layer}: {:.2} s wall, {} on-CPU (labeling thread)  (load {})",
                    wall.as_secs_f64(),
                    cpu.map_or("n/a".into(), |c| format!("{:.2} s", c.as_secs_f64())),
                    load_average()
                );
                times.push((wall, cpu));
            }
            times.sort();
            runs.push(Run {
                name: name.clone(),
                layer,
                times,
            });
            out.push(labels);
        }
        layers.push(out);
    }
    rates.push(sha256_rate(Duration::from_secs(3)));
    if layers.len() == 2 && layers[0] != layers[1] {
        return Err("the pipelined labeler disagrees with the reference".into());
    }

    // The hardware's rate: per on-CPU second where Linux reports it, the best of the samples.
    let rate = rates
        .iter()
        .map(|r| r.per_cpu_second.unwrap_or(r.per_wall_second))
        .fold(0.0, f64::max);
    let bound = rate / COMPRESSIONS_PER_LABEL as f64;
    println!();
    for (when, r) in ["before", "after"].iter().zip(&rates) {
        println!(
            "SHA-256 compressions/s on one core, {when}: {:.2} M per wall second, {} per on-CPU second",
            r.per_wall_second / 1e6,
            r.per_cpu_second
                .map_or("n/a".into(), |c| format!("{:.2} M", c / 1e6))
        );
    }
    println!(
        "bound: {:.3} M labels/s ({COMPRESSIONS_PER_LABEL} serial compressions per label at {:.2} M/s)",
        bound / 1e6,
        rate / 1e6
    );
    println!();
    println!(
        "| labeler | layer | wall, best of {reps} (s) | wall, median (s) | labels/s (best wall) | ratio to bound (wall) | labeling thread on-CPU (s) | ratio to bound (on-CPU) |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    let nodes = sector.nodes() as f64;
    for run in &runs {
        let (best, best_cpu) = run.times[0];
        let median = run.times[run.times.len() / 2].0.as_secs_f64();
        let labels_per_s = nodes / best.as_secs_f64();
        println!(
            "| {} | {} | {:.2} | {median:.2} | {:.3} M | {:.3} | {} | {} |",
            run.name,
            run.layer,
            best.as_secs_f64(),
            labels_per_s / 1e6,
            labels_per_s / bound,
            best_cpu.map_or("n/a".into(), |c| format!("{:.2}", c.as_secs_f64())),
            best_cpu.map_or("n/a".into(), |c| format!(
                "{:.3}",
                nodes / c.as_secs_f64() / bound
            )),
        );
    }
    println!(
        "| SHA-256 bound (1 core) | - | {:.2} | - | {:.3} M | 1.000 | - | 1.000 |",
        nodes / bound,
        bound / 1e6
    );
    println!();
    println!("load average at end: {}", load_average());
    Ok(())
}

//! Labels/s of batches of sectors against the single-sector pipelined labeler, beside the
//! SHA-256 bounds measured in the same run: one serial chain per core (what one sector can
//! reach) and interleaved chains on every core (what a batch can reach).
//!
//! ```text
//! cargo bench -p origami-sdr --bench batch_label
//! ```
//!
//! Every labeler works on the same huge-page layer buffers the runs to disk use
//! ([`LayerBuffer`]); layer 1 (6 parents) and layer 2 (14 parents, as every later layer) are
//! timed separately, best of `SDR_BENCH_REPS` (default 2). Sector 0 of every batch has the
//! pipelined run's replica id, and its layers must equal the pipelined labeler's.
//!
//! Environment: `SDR_BENCH_SECTOR` (default 512MiB), `SDR_BENCH_BATCHES` (default 1,2,4),
//! `SDR_BENCH_THREADS` (default: all cores), `SDR_BENCH_REPS`, `SDR_BENCH_CACHE_DIR` (default
//! `/var/tmp/filecoin-parents`), `SDR_BENCH_SVG` (where the chart goes; default
//! `docs/bench/sdr-batch.svg` in the workspace).

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use origami_sdr::bench::{env_or, has_sha_ni, interleaved_sha256_rate, load_average, sha256_rate};
use origami_sdr::{
    ApiVersion, COMPRESSIONS_PER_LABEL, Graph, Labeler, LayerBuffer, MAX_PIPELINED_THREADS,
    NODE_SIZE, NoProgress, ParentCache, SectorLayer, SectorSize, label_layer, label_layer_batch,
    registered_porep_id,
};

type BenchResult<T> = Result<T, Box<dyn std::error::Error>>;

struct Row {
    name: String,
    sectors: usize,
    layer: usize,
    best: Duration,
}

fn main() -> BenchResult<()> {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let sector: SectorSize = env_or("SDR_BENCH_SECTOR", "512MiB".parse()?)?;
    let threads: usize = env_or("SDR_BENCH_THREADS", cores)?.max(1);
    let reps: usize = env_or("SDR_BENCH_REPS", 2usize)?.max(1);
    let batches: Vec<usize> = env_or("SDR_BENCH_BATCHES", "1,2,4".to_string())?
        .split(',')
        .map(|b| b.trim().parse::<usize>())
        .collect::<Result<_, _>>()?;
    let cache_dir: PathBuf = env_or(
        "SDR_BENCH_CACHE_DIR",
        PathBuf::from("/var/tmp/filecoin-parents"),
    )?;
    let svg_path: PathBuf = env_or(
        "SDR_BENCH_SVG",
        PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../docs/bench/sdr-batch.svg"
        )),
    )?;
    println!(
        "sector {sector}, {} nodes per layer; {cores} cores, {threads} threads; SHA-NI: {}; load {}",
        sector.nodes(),
        has_sha_ni(),
        load_average()
    );
    let porep_id = registered_porep_id(sector, ApiVersion::V1_1)?;
    let graph = Graph::new(sector, &porep_id, ApiVersion::V1_1);
    let start = Instant::now();
    let (cache, _) = ParentCache::open_or_generate(&graph, &cache_dir, cores)?;
    println!(
        "parent cache ready in {:.1} s",
        start.elapsed().as_secs_f64()
    );

    let rate = |label: &str| {
        let one = sha256_rate(Duration::from_secs(2));
        let two = interleaved_sha256_rate::<2>(Duration::from_secs(2));
        let best = |r: origami_sdr::bench::ShaRate| r.per_cpu_second.unwrap_or(r.per_wall_second);
        println!(
            "SHA-256 compressions/s on one core, {label}: {:.2} M one chain, {:.2} M two interleaved",
            best(one) / 1e6,
            best(two) / 1e6
        );
        (best(one), best(two))
    };
    let before = rate("before");

    let bytes = sector.nodes() * NODE_SIZE;
    let base_replica = [0x11u8; 32];
    let mut rows = Vec::new();

    // The single-sector pipelined labeler, on the whole machine.
    let pipelined = Labeler::Pipelined {
        threads: threads.clamp(2, MAX_PIPELINED_THREADS),
    };
    let mut reference: Vec<LayerBuffer> = Vec::new();
    for layer in 1..=2 {
        let mut out = LayerBuffer::new(bytes)?;
        let mut best = Duration::MAX;
        for _ in 0..reps {
            let start = Instant::now();
            label_layer(
                pipelined,
                &cache,
                &base_replica,
                layer,
                reference.last().map(|b| &b[..]),
                &mut out,
                &NoProgress,
            )?;
            best = best.min(start.elapsed());
        }
        println!("pipelined, layer {layer}: {:.2} s", best.as_secs_f64());
        rows.push(Row {
            name: "pipelined, 1 sector".into(),
            sectors: 1,
            layer,
            best,
        });
        reference.push(out);
    }

    for &count in &batches {
        let replicas: Vec<[u8; 32]> = (0..count)
            .map(|i| {
                if i == 0 {
                    base_replica
                } else {
                    [0x20 + i as u8; 32]
                }
            })
            .collect();
        let mut previous: Vec<LayerBuffer> = Vec::new();
        for layer in 1..=2 {
            let mut outs: Vec<LayerBuffer> = (0..count)
                .map(|_| LayerBuffer::new(bytes))
                .collect::<Result<_, _>>()?;
            let mut best = Duration::MAX;
            for _ in 0..reps {
                let mut parts: Vec<SectorLayer<'_>> = replicas
                    .iter()
                    .zip(outs.iter_mut())
                    .enumerate()
                    .map(|(i, (replica_id, out))| SectorLayer {
                        replica_id,
                        previous: previous.get(i).map(|b| &b[..]),
                        out: &mut out[..],
                    })
                    .collect();
                let start = Instant::now();
                label_layer_batch(&cache, layer, &mut parts, threads, &NoProgress)?;
                best = best.min(start.elapsed());
            }
            if outs[0][..] != reference[layer - 1][..] {
                return Err(
                    format!("batch of {count}, layer {layer}: differs from pipelined").into(),
                );
            }
            println!(
                "batch of {count}, layer {layer}: {:.2} s (load {})",
                best.as_secs_f64(),
                load_average()
            );
            rows.push(Row {
                name: format!("batch of {count}"),
                sectors: count,
                layer,
                best,
            });
            previous = outs;
        }
    }
    let after = rate("after");
    let one_chain = before.0.max(after.0) / COMPRESSIONS_PER_LABEL as f64;
    let interleaved =
        before.1.max(after.1) * cores.min(threads) as f64 / COMPRESSIONS_PER_LABEL as f64;

    println!();
    println!(
        "bounds: one chain {:.3} M labels/s (1 core); interleaved on {} cores {:.3} M labels/s",
        one_chain / 1e6,
        cores.min(threads),
        interleaved / 1e6
    );
    println!();
    println!(
        "| labeler | layer | wall, best of {reps} | labels/s | per core | x pipelined | of one-chain bound | of interleaved bound |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    let nodes = sector.nodes() as f64;
    let speed = |r: &Row| nodes * r.sectors as f64 / r.best.as_secs_f64();
    let mut chart = Vec::new();
    for r in &rows {
        let base = rows
            .iter()
            .find(|p| p.sectors == 1 && p.layer == r.layer && p.name.starts_with("pipelined"))
            .map_or(f64::NAN, speed);
        let s = speed(r);
        println!(
            "| {} | {} | {:.2} s | {:.3} M | {:.3} M | {:.2} | {:.2} | {:.2} |",
            r.name,
            r.layer,
            r.best.as_secs_f64(),
            s / 1e6,
            s / cores.min(threads) as f64 / 1e6,
            s / base,
            s / one_chain,
            s / interleaved
        );
        chart.push((format!("{}, layer {}", r.name, r.layer), s));
    }
    write_chart(&svg_path, &chart, one_chain, interleaved, sector)?;
    println!();
    println!(
        "chart: {}; load average at end: {}",
        svg_path.display(),
        load_average()
    );
    Ok(())
}

/// A horizontal bar chart of labels/s with both bounds drawn as lines.
fn write_chart(
    path: &std::path::Path,
    bars: &[(String, f64)],
    one_chain: f64,
    interleaved: f64,
    sector: SectorSize,
) -> BenchResult<()> {
    let (left, width, row, top) = (210.0, 460.0, 26.0, 40.0);
    let max = bars.iter().map(|b| b.1).fold(interleaved, f64::max) * 1.05;
    let height = top + row * bars.len() as f64 + 50.0;
    let x = |v: f64| left + width * v / max;
    let mut svg = String::new();
    writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{height}" font-family="sans-serif" font-size="12">"#,
        left + width + 90.0
    )?;
    writeln!(
        svg,
        r#"<text x="10" y="20" font-size="14">SDR labels/s, {sector} sectors (M labels/s; higher is better)</text>"#
    )?;
    for (i, (name, v)) in bars.iter().enumerate() {
        let y = top + row * i as f64;
        writeln!(svg, r#"<text x="10" y="{}">{name}</text>"#, y + 15.0)?;
        writeln!(
            svg,
            "<rect x=\"{left}\" y=\"{y}\" width=\"{:.1}\" height=\"18\" fill=\"#4a7ab5\"/>",
            x(*v) - left
        )?;
        writeln!(
            svg,
            r#"<text x="{:.1}" y="{}">{:.2}</text>"#,
            x(*v) + 4.0,
            y + 14.0,
            v / 1e6
        )?;
    }
    let bottom = top + row * bars.len() as f64;
    for (v, label, colour) in [
        (one_chain, "one-chain bound (1 core)", "#b5524a"),
        (interleaved, "interleaved bound (all cores)", "#3c8a3c"),
    ] {
        writeln!(
            svg,
            "<line x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"{1}\" y2=\"{bottom}\" stroke=\"{colour}\" stroke-dasharray=\"4 3\"/>",
            x(v),
            top - 6.0
        )?;
        let y = if colour == "#3c8a3c" {
            bottom + 32.0
        } else {
            bottom + 16.0
        };
        writeln!(
            svg,
            "<text x=\"{:.1}\" y=\"{y}\" fill=\"{colour}\">{label}: {:.2}</text>",
            x(v) - 60.0,
            v / 1e6
        )?;
    }
    writeln!(svg, "</svg>")?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, svg)?;
    Ok(())
}

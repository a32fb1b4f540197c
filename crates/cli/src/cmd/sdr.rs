//! `origami sdr`: Filecoin SDR sealing labels, parent caches and replica ids.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use origami_sdr::{
    ApiVersion, BatchMemory, Graph, Labeler, MAX_PIPELINED_THREADS, ParentCache, PorepId, Progress,
    SdrError, SectorOutput, SectorSize, SpaceNeed, check_free_space, check_layer_count,
    check_output_dir, label_batch_to_dirs, label_layers_to_dir, layers_need, parse_hex,
    registered_porep_id,
};

#[derive(Args)]
pub struct SdrArgs {
    #[command(subcommand)]
    command: SdrCommand,
}

#[derive(Subcommand)]
enum SdrCommand {
    /// Compute the SDR labels of a sector and write sc-02-data-layer-N.dat files.
    Label(LabelArgs),
    /// Derive a replica id from prover id, sector id, ticket, comm_d and porep id.
    ReplicaId(ReplicaIdArgs),
    /// Generate (or re-check) the parent cache file under its Filecoin name.
    ParentCache(ParentCacheArgs),
}

/// The graph: a registered proof version, or a raw porep id.
#[derive(Args)]
#[group(required = true, multiple = false)]
struct PorepChoice {
    /// Registered proof version, v1 or v1.1: the porep id is derived from the sector size.
    #[arg(long, value_name = "v1|v1.1")]
    proof: Option<ApiVersion>,
    /// A raw porep id, 32 bytes of hex. A registered id (0..=9) selects its own graph version,
    /// any other id the current (v1.1) graph.
    #[arg(long, value_name = "HEX", value_parser = parse_porep_id)]
    porep_id: Option<PorepId>,
}

impl PorepChoice {
    /// The porep id and graph version; `sector_size` is needed for `--proof`.
    fn resolve(&self, sector_size: Option<SectorSize>) -> anyhow::Result<(PorepId, ApiVersion)> {
        match (self.proof, self.porep_id) {
            (Some(version), _) => {
                let Some(size) = sector_size else {
                    bail!("--proof needs --sector-size to pick the registered proof");
                };
                Ok((registered_porep_id(size, version)?, version))
            }
            (None, Some(id)) => Ok((id, version_of_porep_id(&id))),
            (None, None) => bail!("give --proof or --porep-id"),
        }
    }
}

/// Registered porep ids (id LE, zero nonce, zero tail) carry their version: ids 0..=4 are the
/// legacy graph. Anything else is labeled with the current graph.
fn version_of_porep_id(id: &PorepId) -> ApiVersion {
    let mut low = [0u8; 8];
    low.copy_from_slice(&id[..8]);
    let registered = u64::from_le_bytes(low);
    if id[8..].iter().all(|&b| b == 0) && registered <= 4 {
        ApiVersion::V1_0
    } else {
        ApiVersion::V1_1
    }
}

fn parse_porep_id(s: &str) -> Result<PorepId, SdrError> {
    parse_hex::<32>("porep id", s)
}

fn parse_hex32(s: &str) -> Result<[u8; 32], SdrError> {
    parse_hex::<32>("value", s)
}

fn default_parent_cache_dir() -> PathBuf {
    // Filecoin's own default and override, so caches are shared with lotus-style setups.
    std::env::var_os("FIL_PROOFS_PARENT_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/tmp/filecoin-parents"))
}

fn all_cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

#[derive(Args)]
struct LabelArgs {
    /// Sector size: 2KiB, 8MiB, 512MiB, 32GiB, 64GiB (or any power of two from 64 bytes).
    #[arg(long)]
    sector_size: SectorSize,
    #[command(flatten)]
    porep: PorepChoice,
    /// Replica id, 32 bytes of hex. Repeat it, each with its own --out, to label a batch of
    /// sectors in one pass (the first --replica-id goes with the first --out, and so on).
    #[arg(long, value_name = "HEX", value_parser = parse_hex32)]
    replica_id: Vec<[u8; 32]>,
    /// Output directory of the sector named by the --replica-id in the same position; absent,
    /// empty, or holding an interrupted run of that sector (which is resumed).
    #[arg(long, value_name = "DIR")]
    out: Vec<PathBuf>,
    /// A batch file instead of --replica-id/--out pairs: one sector per line, `REPLICA_ID
    /// OUT_DIR` (an optional third column, the porep id, must equal the run's); `#` comments.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["replica_id", "out"])]
    batch: Option<PathBuf>,
    /// Layers to label [default: Filecoin's count for the size: 2 up to 1 GiB, else 11].
    #[arg(long)]
    layers: Option<usize>,
    /// One sector: threads of the pipelined labeler (one hashes, the others prefetch parents;
    /// 2 to 17); 1 runs the single-threaded reference labeler. A batch: hashing threads, each
    /// owning a pair of sectors where there are more sectors than threads [default: all cores,
    /// at most 17].
    #[arg(long)]
    threads: Option<usize>,
    /// The most memory the batch may work in (its layers and the parent cache), e.g. 16GiB
    /// [default: the memory available now].
    #[arg(long, value_name = "BYTES", value_parser = crate::args::parse_bytes)]
    max_memory: Option<u64>,
    /// Where parent caches live [default: $FIL_PROOFS_PARENT_CACHE or /var/tmp/filecoin-parents].
    #[arg(long, value_name = "DIR")]
    parent_cache_dir: Option<PathBuf>,
}

/// The most bytes a batch file may have (about 150 bytes a sector).
const BATCH_FILE_MAX_BYTES: u64 = 1 << 20;

/// The sectors of a batch file; see `LabelArgs::batch`.
fn read_batch_file(path: &Path, porep_id: &PorepId) -> anyhow::Result<Vec<SectorOutput>> {
    let file = std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
    let metadata = file
        .metadata()
        .with_context(|| format!("reading {}", path.display()))?;
    if !metadata.is_file() {
        bail!("{}: a batch file must be a regular file", path.display());
    }
    if metadata.len() > BATCH_FILE_MAX_BYTES {
        bail!(
            "{}: {} bytes is too large for a batch file (at most {BATCH_FILE_MAX_BYTES})",
            path.display(),
            metadata.len()
        );
    }
    let mut text = String::new();
    file.take(BATCH_FILE_MAX_BYTES)
        .read_to_string(&mut text)
        .with_context(|| format!("reading {}", path.display()))?;
    let mut sectors = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let at = || format!("{} line {}", path.display(), number + 1);
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (replica, dir, porep) = match fields[..] {
            [r, d] => (r, d, None),
            [r, d, p] => (r, d, Some(p)),
            _ => bail!("{}: expected `REPLICA_ID OUT_DIR [POREP_ID]`", at()),
        };
        let replica_id = parse_hex32(replica).with_context(at)?;
        if let Some(p) = porep {
            let p = parse_porep_id(p).with_context(at)?;
            if &p != porep_id {
                bail!(
                    "{}: porep id {} differs from the run's {}: a batch shares one sector size \
                     and porep id (its parent graph); label other porep ids in another run",
                    at(),
                    hex::encode(p),
                    hex::encode(porep_id)
                );
            }
        }
        sectors.push(SectorOutput {
            replica_id,
            dir: PathBuf::from(dir),
        });
    }
    if sectors.is_empty() {
        bail!("{}: no sectors in the batch file", path.display());
    }
    Ok(sectors)
}

#[derive(Args)]
struct ReplicaIdArgs {
    /// Prover id, 32 bytes of hex.
    #[arg(long, value_name = "HEX", value_parser = parse_hex32)]
    prover_id: [u8; 32],
    /// Sector number.
    #[arg(long)]
    sector_id: u64,
    /// Ticket, 32 bytes of hex.
    #[arg(long, value_name = "HEX", value_parser = parse_hex32)]
    ticket: [u8; 32],
    /// comm_d (the unsealed data commitment), 32 bytes of hex.
    #[arg(long, value_name = "HEX", value_parser = parse_hex32)]
    comm_d: [u8; 32],
    #[command(flatten)]
    porep: PorepChoice,
    /// Sector size; needed with --proof to pick the registered porep id.
    #[arg(long)]
    sector_size: Option<SectorSize>,
}

#[derive(Args)]
struct ParentCacheArgs {
    /// Sector size: 2KiB, 8MiB, 512MiB, 32GiB, 64GiB (or any power of two from 64 bytes).
    #[arg(long)]
    sector_size: SectorSize,
    #[command(flatten)]
    porep: PorepChoice,
    /// Directory of parent caches.
    #[arg(long, value_name = "DIR")]
    dir: PathBuf,
    /// Re-check an existing cache completely (Filecoin's published digest, or regeneration).
    #[arg(long)]
    verify: bool,
}

pub fn run(args: SdrArgs) -> anyhow::Result<()> {
    match args.command {
        SdrCommand::Label(a) => label(a),
        SdrCommand::ReplicaId(a) => replica_id(a),
        SdrCommand::ParentCache(a) => parent_cache(a),
    }
}

/// One progress bar for the whole run (every layer of every sector), drawn only on a
/// terminal; what is reused or relabeled from an earlier run is said on stderr.
struct RunBar {
    bar: Mutex<Option<ProgressBar>>,
    /// Labels of the run's finished layers, and the labels of the current layer.
    finished: std::sync::atomic::AtomicU64,
    layers: usize,
}

impl RunBar {
    fn new(layers: usize) -> Self {
        RunBar {
            bar: Mutex::new(None),
            finished: std::sync::atomic::AtomicU64::new(0),
            layers,
        }
    }

    fn with_bar(&self, f: impl FnOnce(&ProgressBar)) {
        if let Ok(bar) = self.bar.lock()
            && let Some(bar) = bar.as_ref()
        {
            f(bar);
        }
    }
}

impl Progress for RunBar {
    fn run_started(&self, labels: u64) {
        let bar = ProgressBar::new(labels);
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix} [{bar:40}] {human_pos}/{human_len} labels {per_sec} {eta} left",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        if let Ok(mut current) = self.bar.lock() {
            *current = Some(bar);
        }
    }

    fn layer_reused(&self, layer: usize, path: &Path) {
        eprintln!(
            "layer {layer}: reused {} (completion record and digest checked)",
            path.display()
        );
    }

    fn layer_untrusted(&self, layer: usize, path: &Path, reason: &str) {
        eprintln!(
            "layer {layer}: {} is not reused ({reason}); labeling it again",
            path.display()
        );
    }

    fn layer_started(&self, layer: usize, _labels: usize) {
        let layers = self.layers;
        self.with_bar(|bar| bar.set_prefix(format!("layer {layer}/{layers}")));
    }

    fn nodes_done(&self, _layer: usize, done: usize) {
        let base = self.finished.load(std::sync::atomic::Ordering::Acquire);
        self.with_bar(|bar| bar.set_position(base + done as u64));
    }

    fn layer_finished(&self, _layer: usize, _elapsed: Duration) {
        self.with_bar(|bar| {
            self.finished
                .store(bar.position(), std::sync::atomic::Ordering::Release)
        });
    }
}

impl Drop for RunBar {
    fn drop(&mut self) {
        self.with_bar(ProgressBar::finish_and_clear);
    }
}

/// The space generating `graph`'s parent cache in `dir` would take (none if it exists).
fn cache_need(graph: &Graph, dir: &Path) -> SpaceNeed {
    let exists = dir.join(origami_sdr::cache_file_name(graph)).exists();
    SpaceNeed {
        dir: dir.to_path_buf(),
        bytes: if exists {
            0
        } else {
            (graph.nodes() * origami_sdr::ENTRY_BYTES) as u64
        },
        what: "the parent cache".into(),
    }
}

fn open_cache(graph: &Graph, dir: &Path, threads: usize) -> anyhow::Result<ParentCache> {
    let start = Instant::now();
    let (cache, generated) = ParentCache::open_or_generate(graph, dir, threads)?;
    let path = cache
        .path()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    eprintln!(
        "parent cache {path} {} in {:.1} s",
        if generated {
            "generated"
        } else {
            "opened and checked"
        },
        start.elapsed().as_secs_f64()
    );
    Ok(cache)
}

fn label(args: LabelArgs) -> anyhow::Result<()> {
    let (porep_id, version) = args.porep.resolve(Some(args.sector_size))?;
    let layers = args
        .layers
        .unwrap_or_else(|| args.sector_size.default_layers());
    check_layer_count(layers).context("--layers")?;
    let sectors = match &args.batch {
        Some(file) => read_batch_file(file, &porep_id)?,
        None => {
            if args.replica_id.is_empty() || args.replica_id.len() != args.out.len() {
                bail!(
                    "give one --out per --replica-id, in the same order ({} replica ids, {} \
                     output directories), or a --batch file",
                    args.replica_id.len(),
                    args.out.len()
                );
            }
            args.replica_id
                .iter()
                .zip(&args.out)
                .map(|(&replica_id, dir)| SectorOutput {
                    replica_id,
                    dir: dir.clone(),
                })
                .collect()
        }
    };
    let threads = args
        .threads
        .unwrap_or_else(|| all_cores().min(MAX_PIPELINED_THREADS));
    if threads == 0 {
        bail!("--threads must be at least 1");
    }
    let labeler = if threads == 1 {
        Labeler::Reference
    } else {
        Labeler::Pipelined { threads }
    };
    labeler.check().context("--threads")?;
    let cache_dir = args
        .parent_cache_dir
        .unwrap_or_else(default_parent_cache_dir);
    let graph = Graph::new(args.sector_size, &porep_id, version);
    let memory = BatchMemory::of(sectors.len(), graph.nodes());
    let limit = args.max_memory.or_else(origami_cluster::available_memory);
    // Refuse foreign files in an output directory, a batch that does not fit in memory, or
    // too little space for the layers and a cache still to be generated, before spending
    // time on the parent cache.
    // A sector resumed from an earlier run needs less: the labeler checks what it will write.
    let mut needs = vec![cache_need(&graph, &cache_dir)];
    for sector in &sectors {
        if !check_output_dir(&sector.dir)? {
            needs.push(layers_need(&sector.dir, layers, args.sector_size.bytes()));
        }
    }
    if let Some(limit) = limit {
        memory.check(limit).context(if args.max_memory.is_some() {
            "--max-memory"
        } else {
            "the memory available now (set --max-memory to choose the limit)"
        })?;
    }
    check_free_space(&needs)?;
    let how = match (sectors.len(), labeler) {
        (1, Labeler::Reference) => "reference labeler (1 thread)".to_string(),
        (1, Labeler::Pipelined { threads }) => format!("pipelined labeler ({threads} threads)"),
        (n, _) => format!(
            "batch labeler ({} hashing threads for {n} sectors)",
            threads.min(n)
        ),
    };
    eprintln!(
        "labeling {} {} sector{} ({} nodes, graph {version}, porep id {}) with {layers} layers, {how}",
        sectors.len(),
        args.sector_size,
        if sectors.len() == 1 { "" } else { "s" },
        graph.nodes(),
        hex::encode(porep_id),
    );
    eprintln!(
        "memory: {memory}{}",
        limit.map_or(String::new(), |l| format!(
            " (limit {})",
            crate::report::bytes(l)
        ))
    );
    let cache = open_cache(&graph, &cache_dir, threads)?;

    let bar = RunBar::new(layers);
    let start = Instant::now();
    let reports = if sectors.len() == 1 {
        vec![
            label_layers_to_dir(
                labeler,
                &cache,
                &sectors[0].replica_id,
                layers,
                &sectors[0].dir,
                &bar,
            )
            .with_context(|| format!("labeling into {}", sectors[0].dir.display()))?,
        ]
    } else {
        label_batch_to_dirs(&cache, &sectors, layers, threads, &bar)
            .context("labeling the batch")?
    };
    drop(bar);
    let total = start.elapsed();

    let mut labeled = 0usize;
    for (sector, layers) in sectors.iter().zip(&reports) {
        if sectors.len() > 1 {
            outln!("sector {}:", hex::encode(sector.replica_id))?;
        }
        for r in layers {
            if r.reused {
                outln!(
                    "layer {:>2}: reused (record and digest checked)  {}",
                    r.layer,
                    r.path.display()
                )?;
            } else {
                labeled += graph.nodes();
                outln!(
                    "layer {:>2}: {:>8.2} s  {}",
                    r.layer,
                    r.elapsed.as_secs_f64(),
                    r.path.display()
                )?;
            }
        }
    }
    let rate = labeled as f64 / total.as_secs_f64();
    let cores = threads.min(all_cores()).max(1);
    outln!(
        "total:    {:>8.2} s  {:>12.0} labels/s  {:>12.0} labels/s per core ({cores} cores)  ({labeled} labels)",
        total.as_secs_f64(),
        rate,
        rate / cores as f64,
    )?;
    outln!("{}", crate::report::peak_memory_line())?;
    Ok(())
}

fn replica_id(args: ReplicaIdArgs) -> anyhow::Result<()> {
    let (porep_id, _) = args.porep.resolve(args.sector_size)?;
    let id = origami_sdr::replica_id(
        &args.prover_id,
        args.sector_id,
        &args.ticket,
        &args.comm_d,
        &porep_id,
    );
    outln!("{}", hex::encode(id))?;
    Ok(())
}

fn parent_cache(args: ParentCacheArgs) -> anyhow::Result<()> {
    let (porep_id, version) = args.porep.resolve(Some(args.sector_size))?;
    let graph = Graph::new(args.sector_size, &porep_id, version);
    let path = args.dir.join(origami_sdr::cache_file_name(&graph));
    let start = Instant::now();
    let digest = if args.verify {
        let digest = ParentCache::verify(&graph, &path, all_cores())?;
        let against = match path
            .file_stem()
            .and_then(|s| s.to_str())
            .and_then(origami_sdr::published_digest)
        {
            Some(_) => "Filecoin's published digest",
            None => "a freshly generated cache",
        };
        eprintln!(
            "verified against {against} in {:.1} s",
            start.elapsed().as_secs_f64()
        );
        digest
    } else {
        check_free_space(&[cache_need(&graph, &args.dir)])?;
        let cache = open_cache(&graph, &args.dir, all_cores())?;
        cache.sha256_hex()
    };
    outln!("path:    {}", path.display())?;
    outln!("sha256:  {digest}")?;
    outln!("{}", crate::report::peak_memory_line())?;
    Ok(())
}

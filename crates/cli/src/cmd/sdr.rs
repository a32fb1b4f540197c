//! `origami sdr`: Filecoin SDR sealing labels, parent caches and replica ids.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use origami_sdr::{
    ApiVersion, Graph, Labeler, MAX_PIPELINED_THREADS, ParentCache, PorepId, Progress, SdrError,
    SectorSize, SpaceNeed, check_free_space, check_layer_count, check_output_dir,
    label_layers_to_dir, layers_need, parse_hex, registered_porep_id,
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
    /// Replica id, 32 bytes of hex.
    #[arg(long, value_name = "HEX", value_parser = parse_hex32)]
    replica_id: [u8; 32],
    /// Output directory; must be empty or absent.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Layers to label [default: Filecoin's count for the size: 2 up to 1 GiB, else 11].
    #[arg(long)]
    layers: Option<usize>,
    /// Threads of the pipelined labeler (one hashes, the others prefetch parents; 2 to 17);
    /// 1 runs the single-threaded reference labeler [default: all cores, at most 17].
    #[arg(long)]
    threads: Option<usize>,
    /// Where parent caches live [default: $FIL_PROOFS_PARENT_CACHE or /var/tmp/filecoin-parents].
    #[arg(long, value_name = "DIR")]
    parent_cache_dir: Option<PathBuf>,
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

/// One progress bar per layer, drawn only on a terminal.
struct LayerBars {
    current: Mutex<Option<ProgressBar>>,
    layers: usize,
}

impl Progress for LayerBars {
    fn layer_started(&self, layer: usize, nodes: usize) {
        let bar = ProgressBar::new(nodes as u64);
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix} [{bar:40}] {pos}/{len} labels {per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.set_prefix(format!("layer {layer}/{}", self.layers));
        if let Ok(mut current) = self.current.lock() {
            *current = Some(bar);
        }
    }

    fn nodes_done(&self, _layer: usize, done: usize) {
        if let Ok(current) = self.current.lock()
            && let Some(bar) = current.as_ref()
        {
            bar.set_position(done as u64);
        }
    }

    fn layer_finished(&self, _layer: usize, _elapsed: Duration) {
        if let Ok(mut current) = self.current.lock()
            && let Some(bar) = current.take()
        {
            bar.finish();
        }
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
    // Refuse a non-empty output directory, or too little space for the layers and a cache
    // still to be generated, before spending time on the parent cache.
    check_output_dir(&args.out)?;
    let graph = Graph::new(args.sector_size, &porep_id, version);
    let layer_bytes = args.sector_size.bytes();
    check_free_space(&[
        cache_need(&graph, &cache_dir),
        layers_need(&args.out, layers, layer_bytes),
    ])?;
    eprintln!(
        "labeling a {} sector ({} nodes, graph {version}, porep id {}) with {layers} layers, {}",
        args.sector_size,
        graph.nodes(),
        hex::encode(porep_id),
        match labeler {
            Labeler::Reference => "reference labeler (1 thread)".to_string(),
            Labeler::Pipelined { threads } => format!("pipelined labeler ({threads} threads)"),
        }
    );
    let cache = open_cache(&graph, &cache_dir, threads)?;

    let bars = LayerBars {
        current: Mutex::new(None),
        layers,
    };
    let start = Instant::now();
    let reports = label_layers_to_dir(labeler, &cache, &args.replica_id, layers, &args.out, &bars)
        .with_context(|| format!("labeling into {}", args.out.display()))?;
    let total = start.elapsed();

    for r in &reports {
        outln!(
            "layer {:>2}: {:>8.2} s  {:>12.0} labels/s  {}",
            r.layer,
            r.elapsed.as_secs_f64(),
            graph.nodes() as f64 / r.elapsed.as_secs_f64(),
            r.path.display()
        )?;
    }
    outln!(
        "total:    {:>8.2} s  {:>12.0} labels/s  ({} labels)",
        total.as_secs_f64(),
        (graph.nodes() * layers) as f64 / total.as_secs_f64(),
        graph.nodes() * layers
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

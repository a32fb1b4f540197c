//! Layer files in sector output directories, written so that a run killed at any point (kill
//! -9, power loss) resumes from its last complete layer.
//!
//! Each layer is labeled in memory ([`LayerBuffer`]) and written into a temporary file whose
//! blocks were reserved up front, synced, then linked to its Filecoin name. Only after that is a completion record written beside it
//! (`sc-02-data-layer-N.dat.done`: the layer, the graph, the replica id and the file's SHA-256,
//! written to a temporary name, synced and renamed). A later run trusts a layer only if its
//! record names this sector and the file's digest equals the record's: a layer without a
//! record, with a damaged file or with a torn record is labeled again, and so is every layer
//! after it. A record of another replica or graph is refused, never overwritten.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use std::os::unix::fs::FileExt;

use memmap2::Mmap;
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use super::{LayerBuffer, Progress, SectorLayer, check_layer_count, layer_file_name};
use crate::cache::ParentCache;
use crate::error::{Result, SdrError};
use crate::porep::NODE_SIZE;
use crate::small_file::read_small_text;
use crate::space::{self, SpaceNeed, check_free_space};

/// One sector of a run: its replica id and the directory that receives its layer files.
#[derive(Clone, Debug)]
pub struct SectorOutput {
    /// The replica id.
    pub replica_id: [u8; 32],
    /// The output directory (created if absent).
    pub dir: PathBuf,
}

/// One layer file of a run: labeled now, or reused from an earlier run after its check.
#[derive(Clone, Debug)]
pub struct LayerReport {
    /// 1-based layer index.
    pub layer: usize,
    /// The layer file.
    pub path: PathBuf,
    /// Time spent labeling the layer (of the whole batch; file creation, sync and record
    /// included); for a reused layer, the time its check took.
    pub elapsed: Duration,
    /// Whether the layer was kept from an earlier run (its record and digest checked).
    pub reused: bool,
}

/// File name of layer `layer`'s completion record.
pub fn layer_record_name(layer: usize) -> String {
    format!("{}.done", layer_file_name(layer))
}

fn temporary_name(layer: usize) -> String {
    format!("{}.tmp", layer_file_name(layer))
}

/// The most bytes a completion record may have (they have about 250).
const RECORD_MAX_BYTES: u64 = 4096;
const RECORD_HEADER: &str = "origami sdr layer record 1";

/// Which of the labeler's files a directory entry is, and for which layer.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum OwnFile {
    Layer(usize),
    Record(usize),
    /// A layer's temporary: while it is labeled, and until its record is written.
    Temporary(usize),
    /// A record's temporary, before it is renamed into place.
    RecordTemporary(usize),
}

fn own_file(name: &str) -> Option<OwnFile> {
    let rest = name.strip_prefix("sc-02-data-layer-")?;
    let (number, suffix) = rest.split_once(".dat")?;
    let layer: usize = number.parse().ok()?;
    if layer == 0 || layer_file_name(layer) != format!("sc-02-data-layer-{number}.dat") {
        return None;
    }
    match suffix {
        "" => Some(OwnFile::Layer(layer)),
        ".done" => Some(OwnFile::Record(layer)),
        ".tmp" => Some(OwnFile::Temporary(layer)),
        ".done.tmp" => Some(OwnFile::RecordTemporary(layer)),
        _ => None,
    }
}

/// Checks that `dir` can receive layer files: it is absent, or holds nothing but the labeler's
/// own files (layers, their records, temporaries of an interrupted run). A layer file with
/// neither a record nor its temporary beside it (the labeler removes the temporary only after
/// the record is written) was not written by this labeler and is never touched: the directory
/// is refused. Whose sector the rest are is checked when the run starts. Callers may check this before expensive work (a parent
/// cache) that would otherwise be wasted. Returns whether an earlier run left files there.
pub fn check_output_dir(dir: &Path) -> Result<bool> {
    own_files(dir).map(|files| !files.is_empty())
}

fn own_files(dir: &Path) -> Result<Vec<(PathBuf, OwnFile)>> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(SdrError::io("listing", dir)(e)),
    };
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(SdrError::io("listing", dir))?;
        let name = entry.file_name();
        match name.to_str().and_then(own_file) {
            Some(kind) => files.push((entry.path(), kind)),
            None => {
                return Err(SdrError::OutputNotEmpty {
                    dir: dir.to_path_buf(),
                    example: name.to_string_lossy().into_owned(),
                });
            }
        }
    }
    for (path, kind) in &files {
        if let OwnFile::Layer(l) = *kind
            && !files
                .iter()
                .any(|(_, k)| matches!(*k, OwnFile::Record(r) | OwnFile::Temporary(r) if r == l))
        {
            return Err(SdrError::OutputNotEmpty {
                dir: dir.to_path_buf(),
                example: format!(
                    "{}, a layer file without a completion record",
                    path.file_name().unwrap_or_default().to_string_lossy()
                ),
            });
        }
    }
    Ok(files)
}

/// What a completion record says.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Record {
    layer: usize,
    nodes: usize,
    graph: String,
    replica_id: String,
    sha256: String,
}

impl Record {
    fn text(&self) -> String {
        format!(
            "{RECORD_HEADER}\nlayer {}\nnodes {}\ngraph {}\nreplica-id {}\nsha256 {}\n",
            self.layer, self.nodes, self.graph, self.replica_id, self.sha256
        )
    }

    fn parse(text: &str) -> Option<Record> {
        let mut lines = text.lines();
        if lines.next()? != RECORD_HEADER {
            return None;
        }
        let mut field = |key: &str| -> Option<String> {
            let (k, v) = lines.next()?.split_once(' ')?;
            (k == key).then(|| v.to_string())
        };
        let record = Record {
            layer: field("layer")?.parse().ok()?,
            nodes: field("nodes")?.parse().ok()?,
            graph: field("graph")?,
            replica_id: field("replica-id")?,
            sha256: field("sha256")?,
        };
        lines.next().is_none().then_some(record)
    }
}

/// Why a layer found on disk is not trusted (it is labeled again).
type Untrusted = String;

/// The completion record of layer `layer` of `sector`: `Ok(None)` if there is none,
/// `Ok(Some(Err(reason)))` if it does not vouch for this layer, an error if it belongs to
/// another sector. Reads only the record, not the layer.
fn layer_record(
    cache: &ParentCache,
    sector: &SectorOutput,
    layer: usize,
) -> Result<Option<std::result::Result<Record, Untrusted>>> {
    let path = sector.dir.join(layer_record_name(layer));
    let text = match read_small_text(&path, RECORD_MAX_BYTES)? {
        None => return Ok(None),
        Some(Err(why)) => {
            return Ok(Some(Err(format!(
                "its completion record {}",
                why.describe()
            ))));
        }
        Some(Ok(text)) => text,
    };
    let Some(record) = Record::parse(&text) else {
        return Ok(Some(Err("its completion record is damaged".into())));
    };
    if record.replica_id != hex::encode(sector.replica_id) || record.graph != cache.graph_name() {
        return Err(SdrError::OtherSector {
            dir: sector.dir.clone(),
            layer,
            replica_id: record.replica_id,
            graph: record.graph,
        });
    }
    if record.layer != layer || record.nodes != cache.nodes() {
        return Ok(Some(Err(
            "its completion record is for another layer".into()
        )));
    }
    Ok(Some(Ok(record)))
}

/// Checks layer `layer`'s file against the SHA-256 in its `record`. With `keep`, the layer is
/// read into a buffer that is hashed and returned, so that the run labels the next layer from
/// exactly the bytes it checked, read once.
fn check_contents(
    cache: &ParentCache,
    sector: &SectorOutput,
    layer: usize,
    record: &Record,
    keep: bool,
) -> Result<std::result::Result<Option<LayerBuffer>, Untrusted>> {
    let path = sector.dir.join(layer_file_name(layer));
    let file = match File::open(&path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Err("its layer file is missing".into()));
        }
        Err(e) => return Err(SdrError::io("opening", &path)(e)),
    };
    let metadata = file
        .metadata()
        .map_err(SdrError::io("reading metadata of", &path))?;
    let expected = (cache.nodes() * NODE_SIZE) as u64;
    if !metadata.is_file() || metadata.len() != expected {
        return Ok(Err(format!(
            "its file has {} bytes, not {expected}",
            metadata.len()
        )));
    }
    let (digest, kept) = if keep {
        let buffer = LayerBuffer::read_file(&path, cache.nodes() * NODE_SIZE)?;
        (Sha256::digest(&buffer[..]), Some(buffer))
    } else {
        // SAFETY: the layer is only read; the labeler never changes a published layer file.
        let map = unsafe { Mmap::map(&file) }.map_err(SdrError::io("mapping", &path))?;
        (Sha256::digest(&map), None)
    };
    if hex::encode(digest) != record.sha256 {
        return Ok(Err(
            "its contents differ from the digest in its completion record".into(),
        ));
    }
    Ok(Ok(kept))
}

/// What an earlier run left in a sector's directory and can be kept: the layers that passed
/// their checks (the first `len()`), and the last of them in memory when the run goes on
/// from it.
struct Kept {
    /// Per kept layer, in order, the time its check took.
    checked: Vec<Duration>,
    last: Option<LayerBuffer>,
}

/// Checks the layers an earlier run left for every sector: in each directory every record
/// (another sector's is an error), the layers from 1 on whose records vouch for them (up to
/// the first that does not), then those layers' contents against their records, in parallel. A sector keeps its layers
/// up to the first that fails; what was kept and what not is reported to `progress`.
fn keep_earlier_layers(
    cache: &ParentCache,
    sectors: &[SectorOutput],
    layers: usize,
    progress: &dyn Progress,
) -> Result<Vec<Kept>> {
    let mut records: Vec<Vec<Record>> = Vec::with_capacity(sectors.len());
    let mut stops: Vec<Option<(usize, Untrusted)>> = Vec::with_capacity(sectors.len());
    for sector in sectors {
        let mut vouched = Vec::new();
        let mut stop = None;
        let mut vouching = true;
        for layer in 1..=layers {
            // Every record is read, also past the first that does not vouch: the layers after
            // it are removed, which must never happen to another sector's.
            let record = layer_record(cache, sector, layer)?;
            if !vouching {
                continue;
            }
            match record {
                Some(Ok(record)) => vouched.push(record),
                Some(Err(reason)) => stop = Some((layer, reason)),
                None if sector.dir.join(layer_file_name(layer)).exists() => {
                    stop = Some((layer, "it has no completion record".into()));
                }
                None => {}
            }
            vouching = stop.is_none() && vouched.len() == layer;
        }
        records.push(vouched);
        stops.push(stop);
    }
    let checks: Vec<(usize, usize)> = records
        .iter()
        .enumerate()
        .flat_map(|(s, r)| (1..=r.len()).map(move |l| (s, l)))
        .collect();
    let results: Vec<(
        std::result::Result<Option<LayerBuffer>, Untrusted>,
        Duration,
    )> = checks
        .par_iter()
        .map(|&(s, l)| {
            let start = Instant::now();
            // The last vouched layer is the one the run continues from, unless it is the last.
            let keep = l == records[s].len() && l < layers;
            check_contents(cache, &sectors[s], l, &records[s][l - 1], keep)
                .map(|r| (r, start.elapsed()))
        })
        .collect::<Result<_>>()?;
    let mut by_sector: Vec<Vec<_>> = sectors.iter().map(|_| Vec::new()).collect();
    for (&(s, _), result) in checks.iter().zip(results) {
        by_sector[s].push(result);
    }
    let mut kept = Vec::with_capacity(sectors.len());
    for ((sector, results), mut stop) in sectors.iter().zip(by_sector).zip(stops) {
        let mut sector_kept = Kept {
            checked: Vec::new(),
            last: None,
        };
        // In layer order: kept up to the first whose contents fail.
        for (i, (result, time)) in results.into_iter().enumerate() {
            let layer = i + 1;
            match result {
                Ok(last) => {
                    progress.layer_reused(layer, &sector.dir.join(layer_file_name(layer)));
                    sector_kept.checked.push(time);
                    sector_kept.last = last;
                }
                Err(reason) => {
                    stop = Some((layer, reason));
                    break;
                }
            }
        }
        if let Some((layer, reason)) = &stop {
            let path = sector.dir.join(layer_file_name(*layer));
            progress.layer_untrusted(*layer, &path, reason);
        }
        kept.push(sector_kept);
    }
    Ok(kept)
}

/// Writes `record` beside its layer: a temporary name, synced, renamed, directory synced.
fn write_record(dir: &Path, record: &Record) -> Result<()> {
    let path = dir.join(layer_record_name(record.layer));
    let tmp = dir.join(format!("{}.tmp", layer_record_name(record.layer)));
    let written = (|| {
        let mut file = File::create(&tmp)?;
        file.write_all(record.text().as_bytes())?;
        file.sync_all()
    })();
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(SdrError::io("writing", &tmp)(e));
    }
    fs::rename(&tmp, &path).map_err(SdrError::io("writing", &path))?;
    sync_dir(dir)
}

fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(SdrError::io("syncing directory", dir))
}

/// The space labeling `layers` layers into `out_dir` takes, for callers that check it
/// together with other needs (a parent cache to generate) before any work. A resumed run
/// needs less; the run itself checks what it will write.
pub fn layers_need(out_dir: &Path, layers: usize, layer_bytes: u64) -> SpaceNeed {
    SpaceNeed {
        dir: out_dir.to_path_buf(),
        bytes: layer_bytes.saturating_mul(layers as u64),
        what: format!("{layers} layer file{}", if layers == 1 { "" } else { "s" }),
    }
}

/// Labels `layers` layers of every sector in `sectors` (one graph: `cache`) into their
/// directories, resuming where an earlier run of the same sectors stopped. `label` computes
/// one layer of the sectors handed to it (those that still need that layer).
///
/// Before the first label: each directory is inspected (anything but the labeler's own files
/// is refused; a record of another sector is refused), every layer a run left is checked
/// against its record, the free space for what remains is checked and the blocks of every
/// remaining layer file reserved, so a full disk is reported at the start. Returns each
/// sector's layers, in order.
pub(super) fn label_to_dirs(
    cache: &ParentCache,
    sectors: &[SectorOutput],
    layers: usize,
    progress: &dyn Progress,
    label: &dyn Fn(usize, &mut [SectorLayer<'_>]) -> Result<()>,
) -> Result<Vec<Vec<LayerReport>>> {
    check_layer_count(layers)?;
    check_distinct(sectors)?;
    let layer_bytes = (cache.nodes() * NODE_SIZE) as u64;

    // What every directory already holds, and which of its layers can be trusted.
    let mut found = Vec::with_capacity(sectors.len());
    for sector in sectors {
        found.push(own_files(&sector.dir)?);
    }
    let kept = keep_earlier_layers(cache, sectors, layers, progress)?;
    let trusted: Vec<usize> = kept.iter().map(|k| k.checked.len()).collect();
    let mut reports: Vec<Vec<LayerReport>> = sectors
        .iter()
        .zip(&kept)
        .map(|(sector, k)| {
            k.checked
                .iter()
                .enumerate()
                .map(|(i, &elapsed)| LayerReport {
                    layer: i + 1,
                    path: sector.dir.join(layer_file_name(i + 1)),
                    elapsed,
                    reused: true,
                })
                .collect()
        })
        .collect();

    // The requested layers after the last trusted one are labeled again; temporaries are
    // garbage. Layers beyond the requested count are left as they are.
    for (files, &t) in found.iter().zip(&trusted) {
        for (path, kind) in files {
            let stale = match *kind {
                OwnFile::Temporary(_) | OwnFile::RecordTemporary(_) => true,
                OwnFile::Layer(l) | OwnFile::Record(l) => l > t && l <= layers,
            };
            if stale {
                fs::remove_file(path).map_err(SdrError::io("removing", path))?;
            }
        }
    }
    // Checked after the stale files are gone: an interrupted run's reserved temporaries
    // would otherwise count against the space they are about to give back.
    let needs: Vec<SpaceNeed> = sectors
        .iter()
        .zip(&trusted)
        .map(|(sector, &t)| layers_need(&sector.dir, layers - t, layer_bytes))
        .collect();
    check_free_space(&needs)?;
    for sector in sectors {
        fs::create_dir_all(&sector.dir).map_err(SdrError::io("creating directory", &sector.dir))?;
    }
    let mut reserved = Vec::with_capacity(sectors.len());
    for (sector, &t) in sectors.iter().zip(&trusted) {
        reserved.push(ReservedLayers::new(
            &sector.dir,
            t + 1..=layers,
            layer_bytes,
        )?);
    }
    let to_label: u64 = trusted.iter().map(|&t| (layers - t) as u64).sum();
    progress.run_started(to_label * cache.nodes() as u64);

    // Every sector's previous layer (when a run resumes, the kept layer it was checked from,
    // or read again if a later layer failed its check) and the buffer its next layer is
    // labeled into; the two trade places after each layer.
    let bytes = cache.nodes() * NODE_SIZE;
    let mut previous: Vec<Option<LayerBuffer>> = Vec::with_capacity(sectors.len());
    for ((sector, k), &t) in sectors.iter().zip(kept).zip(&trusted) {
        previous.push(match k.last {
            Some(buffer) => Some(buffer),
            None if t > 0 && t < layers => Some(LayerBuffer::read_file(
                &sector.dir.join(layer_file_name(t)),
                bytes,
            )?),
            None => None,
        });
    }
    let mut current: Vec<Option<LayerBuffer>> = sectors.iter().map(|_| None).collect();
    let first = trusted.iter().min().copied().unwrap_or(layers) + 1;
    for layer in first..=layers {
        let active: Vec<usize> = (0..sectors.len()).filter(|&s| trusted[s] < layer).collect();
        let start = Instant::now();
        progress.layer_started(layer, active.len() * cache.nodes());
        let mut buffers = Vec::with_capacity(active.len());
        for &s in &active {
            buffers.push(match current[s].take() {
                Some(buffer) => buffer,
                None => LayerBuffer::new(bytes)?,
            });
        }
        {
            let mut parts: Vec<SectorLayer<'_>> = active
                .iter()
                .zip(buffers.iter_mut())
                .map(|(&s, buffer)| SectorLayer {
                    replica_id: &sectors[s].replica_id,
                    previous: previous[s].as_deref(),
                    out: &mut buffer[..],
                })
                .collect();
            label(layer, &mut parts)?;
        }
        active
            .par_iter()
            .zip(buffers.par_iter())
            .try_for_each(|(&s, buffer)| reserved[s].publish(layer, buffer, cache, &sectors[s]))?;
        let elapsed = start.elapsed();
        progress.layer_finished(layer, elapsed);
        for (&s, buffer) in active.iter().zip(buffers) {
            reports[s].push(LayerReport {
                layer,
                path: sectors[s].dir.join(layer_file_name(layer)),
                elapsed,
                reused: false,
            });
            current[s] = previous[s].replace(buffer);
        }
    }
    Ok(reports)
}

/// Two sectors writing into one directory would overwrite each other's layers.
fn check_distinct(sectors: &[SectorOutput]) -> Result<()> {
    if sectors.is_empty() {
        return Err(SdrError::EmptyBatch);
    }
    let mut seen: Vec<PathBuf> = Vec::with_capacity(sectors.len());
    for sector in sectors {
        let dir =
            std::path::absolute(&sector.dir).map_err(SdrError::io("resolving", &sector.dir))?;
        let dir = fs::canonicalize(&dir).unwrap_or(dir);
        if seen.contains(&dir) {
            return Err(SdrError::SharedOutputDir(sector.dir.clone()));
        }
        seen.push(dir);
    }
    Ok(())
}

/// The temporary files of the layers a sector still needs, created and given their blocks up
/// front. Dropping it removes the temporaries that were not published.
struct ReservedLayers {
    dir: PathBuf,
    files: Vec<(usize, PathBuf, File)>,
    len: u64,
}

impl ReservedLayers {
    fn new(dir: &Path, layers: std::ops::RangeInclusive<usize>, len: u64) -> Result<Self> {
        let mut reserved = ReservedLayers {
            dir: dir.to_path_buf(),
            files: Vec::new(),
            len,
        };
        for layer in layers {
            let tmp = dir.join(temporary_name(layer));
            let file = space::create_reserved(&tmp, len)?;
            reserved.files.push((layer, tmp, file));
        }
        Ok(reserved)
    }

    fn entry(&self, layer: usize) -> Result<&(usize, PathBuf, File)> {
        self.files
            .iter()
            .find(|(l, _, _)| *l == layer)
            .ok_or_else(|| SdrError::Io {
                action: "mapping",
                path: self.dir.join(temporary_name(layer)),
                source: std::io::Error::other("layer file not reserved"),
            })
    }

    /// Writes the labeled layer into its reserved file and syncs it, links it to its Filecoin
    /// name (failing rather than replacing a file), writes its completion record, and only
    /// then removes the temporary name (so a layer file without a record always has its
    /// temporary beside it, see [`check_output_dir`]).
    fn publish(
        &self,
        layer: usize,
        labels: &[u8],
        cache: &ParentCache,
        sector: &SectorOutput,
    ) -> Result<()> {
        let (_, tmp, file) = self.entry(layer)?;
        debug_assert_eq!(labels.len() as u64, self.len);
        // The blocks are reserved, so a full disk cannot fail this write.
        file.write_all_at(labels, 0)
            .map_err(SdrError::io("writing", tmp))?;
        file.sync_all().map_err(SdrError::io("syncing", tmp))?;
        let path = self.dir.join(layer_file_name(layer));
        fs::hard_link(tmp, &path).map_err(SdrError::io("publishing", &path))?;
        sync_dir(&self.dir)?;
        let record = Record {
            layer,
            nodes: cache.nodes(),
            graph: cache.graph_name().to_string(),
            replica_id: hex::encode(sector.replica_id),
            sha256: hex::encode(Sha256::digest(labels)),
        };
        write_record(&self.dir, &record)?;
        fs::remove_file(tmp).map_err(SdrError::io("removing", tmp))
    }
}

impl Drop for ReservedLayers {
    fn drop(&mut self) {
        for (_, tmp, _) in &self.files {
            let _ = fs::remove_file(tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_file_names() {
        assert_eq!(own_file("sc-02-data-layer-1.dat"), Some(OwnFile::Layer(1)));
        assert_eq!(
            own_file("sc-02-data-layer-11.dat.done"),
            Some(OwnFile::Record(11))
        );
        assert_eq!(
            own_file("sc-02-data-layer-2.dat.tmp"),
            Some(OwnFile::Temporary(2))
        );
        assert_eq!(
            own_file("sc-02-data-layer-2.dat.done.tmp"),
            Some(OwnFile::RecordTemporary(2))
        );
        for other in [
            "sc-02-data-layer-0.dat",
            "sc-02-data-layer-01.dat",
            "sc-02-data-layer-1.dat.bak",
            "sc-02-data-tree-d.dat",
            "notes.txt",
        ] {
            assert_eq!(own_file(other), None, "{other}");
        }
    }

    #[test]
    fn records_round_trip_and_refuse_extra_lines() {
        let record = Record {
            layer: 2,
            nodes: 64,
            graph: "v28-sdr-parent-00.cache".into(),
            replica_id: "ab".repeat(32),
            sha256: "cd".repeat(32),
        };
        assert_eq!(Record::parse(&record.text()), Some(record.clone()));
        assert_eq!(Record::parse(&format!("{}x y\n", record.text())), None);
        assert_eq!(Record::parse(&record.text()[..40]), None);
    }
}

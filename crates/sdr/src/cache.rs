//! The parent cache: 14 little-endian u32 parents per node (6 base, then 8 expander), in a
//! file named as Filecoin names it so that caches made by either implementation are shared.

use std::fs::{self, File};
use std::ops::Deref;
use std::path::{Path, PathBuf};

use memmap2::{Mmap, MmapMut};
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::error::{Result, SdrError};
use crate::graph::{BASE_DEGREE, DEGREE, EXP_DEGREE, Graph};
use crate::small_file::read_small_text;
use crate::space;

/// Bytes of one cache entry.
pub const ENTRY_BYTES: usize = DEGREE * 4;

/// Filecoin's parameter-cache version, the `v28` of the file name.
const CACHE_VERSION: u32 = 28;

/// Nodes whose parents are recomputed when a cache is opened (all of them for small graphs).
const SPOT_CHECK_NODES: usize = 4096;

/// Filecoin's published SHA-256 digests of the production parent caches (from its
/// `parent_cache.json` manifest): (file stem, sector size, digest).
const PUBLISHED_DIGESTS: [(&str, u64, &str); 10] = [
    (
        "v28-sdr-parent-3f0eef38bb48af1f48ad65e14eb85b4ebfc167cec18cd81764f6d998836c9899",
        2048,
        "3da49221e2ed55371b86d0bf3d6526fcf128af61bed904f966428db1b531750d",
    ),
    (
        "v28-sdr-parent-494d91dc80f2df5272c4b9e129bc7ade9405225993af9fe34e6542a39a47554b",
        2048,
        "840057702eea7652cf97e04306c30fe57174714d90de156a25eddd6075c25b97",
    ),
    (
        "v28-sdr-parent-dcdabb0fbe4364bf0ac28b6a18c66de246409fa1a9020a00f33fb3e3053da6dc",
        8 << 20,
        "a76604f2f59f2744c7151653bbb1d8596b6b57d295e6fa6c1f0c41d725b502ce",
    ),
    (
        "v28-sdr-parent-5eed212119fd91aa6220a27f31a8966444a9381842bceb3a1ea61525bd47a5b5",
        8 << 20,
        "03cd13565ded97c240a5f52e54295ad127bd0461b57904cb3a4d79b097bbecab",
    ),
    (
        "v28-sdr-parent-2aa9c77c3e58259481351cc4be2079cc71e1c9af39700866545c043bfa30fb42",
        512 << 20,
        "3adcc092423aa76d6a7184016893406da44dd974b219a89cd3ece25e4e3018f5",
    ),
    (
        "v28-sdr-parent-7ba215a1d2345774ab90b8cb1158d296e409d6068819d7b8c7baf0b25d63dc34",
        512 << 20,
        "b5877d1963793efebc261fd8fde4dd6bc59e6b5c7abf52617a4ee023b8dc173a",
    ),
    (
        "v28-sdr-parent-21981246c370f9d76c7a77ab273d94bde0ceb4e938292334960bce05585dc117",
        32 << 30,
        "93deeac5e3052b6927467d4b2641bb782f05491de18d510147c93eeedd8672da",
    ),
    (
        "v28-sdr-parent-e1fa5d5b811ddbd118be3412c4a8c329156b8b8acc72632bca459455b5a05a13",
        32 << 30,
        "3c4f9841fcc75aed8c695800e58d08480629f25af3a2aefd81904181d75cc0b6",
    ),
    (
        "v28-sdr-parent-4905486b7af19558ac3649bc6261411858b6add534438878c4ee3b29d8b9de0b",
        64 << 30,
        "2698b74eb2606b55b98d8b095e18b6320b47f46e00075956d48640ccd1641b03",
    ),
    (
        "v28-sdr-parent-8a99e8d6b6be7ab87a56b632e6739ff201c23ea14e99737c74690f0e265574d6",
        64 << 30,
        "2778a732ad46a7dc18e0564dfdf59fd321dcde74ab476fd6d3c4e6735d7cd89c",
    ),
];

/// Filecoin's published digest for a cache file stem, if it is a production cache.
pub fn published_digest(file_stem: &str) -> Option<&'static str> {
    PUBLISHED_DIGESTS
        .iter()
        .find(|(name, _, _)| *name == file_stem)
        .map(|(_, _, digest)| *digest)
}

/// Filecoin's cache file name for a graph: `v28-sdr-parent-<hex>.cache`, where hex is the
/// SHA-256 of the hasher name, the graph identifier, the Feistel keys and the node count.
pub fn cache_file_name(graph: &Graph) -> String {
    // Every registered proof uses the Poseidon tree hasher, which names the graph.
    const HASHER: &str = "poseidon_hasher";
    let identifier = format!(
        "stacked_graph::StackedGraph{{expansion_degree: {EXP_DEGREE} base_graph: \
         drgraph::BucketGraph{{size: {}; degree: {BASE_DEGREE}; hasher: {HASHER}}} }}",
        graph.nodes()
    );
    let mut hasher = Sha256::new();
    hasher.update(HASHER);
    hasher.update(identifier);
    for key in graph.feistel_keys() {
        hasher.update(key.to_le_bytes());
    }
    hasher.update((graph.nodes() as u32).to_le_bytes());
    format!(
        "v{CACHE_VERSION}-sdr-parent-{}.cache",
        hex::encode(hasher.finalize())
    )
}

enum Storage {
    Mapped(Mmap),
    Owned(Vec<u8>),
}

impl Deref for Storage {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Storage::Mapped(m) => m,
            Storage::Owned(v) => v,
        }
    }
}

/// The parents of every node of one graph, memory-mapped from its cache file (or in memory).
pub struct ParentCache {
    storage: Storage,
    nodes: usize,
    path: Option<PathBuf>,
    /// The graph's cache file name (a digest of its parameters), whether or not on disk.
    graph_name: String,
}

impl std::fmt::Debug for ParentCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParentCache")
            .field("nodes", &self.nodes)
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl ParentCache {
    /// Computes the cache in memory (for tests and small graphs); uses the current rayon pool.
    pub fn in_memory(graph: &Graph) -> Self {
        let mut data = vec![0u8; graph.nodes() * ENTRY_BYTES];
        fill_entries(graph, &mut data);
        ParentCache {
            storage: Storage::Owned(data),
            nodes: graph.nodes(),
            path: None,
            graph_name: cache_file_name(graph),
        }
    }

    /// Opens the cache of `graph` in `dir`, generating it there first if it does not exist.
    /// Returns the cache and whether it was generated.
    pub fn open_or_generate(graph: &Graph, dir: &Path, threads: usize) -> Result<(Self, bool)> {
        let path = dir.join(cache_file_name(graph));
        if path.exists() {
            Ok((Self::open(graph, &path)?, false))
        } else {
            Ok((Self::generate(graph, dir, threads)?, true))
        }
    }

    /// Generates the cache file of `graph` in `dir` with `threads` threads. The file is written
    /// under a temporary name and linked into place, so an existing cache is never overwritten;
    /// a production cache is checked against Filecoin's digest before it is published, and the
    /// digest of every cache is recorded beside it (see [`record_path`]) for later opens. The
    /// file's blocks are reserved before it is written, so a full disk is an error naming it.
    pub fn generate(graph: &Graph, dir: &Path, threads: usize) -> Result<Self> {
        fs::create_dir_all(dir).map_err(SdrError::io("creating directory", dir))?;
        let name = cache_file_name(graph);
        let path = dir.join(&name);
        remove_abandoned_temporaries(dir, &name);
        let tmp = dir.join(format!("{name}.tmp-{}", std::process::id()));
        let len = (graph.nodes() * ENTRY_BYTES) as u64;
        let result = (|| {
            let file = space::create_reserved(&tmp, len)?;
            // SAFETY: the file was just created by this process under a unique name, and its
            // blocks are allocated, so stores through the map cannot fault for lack of space.
            let mut map =
                unsafe { MmapMut::map_mut(&file) }.map_err(SdrError::io("mapping", &tmp))?;
            with_threads(threads, || fill_entries(graph, &mut map))?;
            map.flush().map_err(SdrError::io("flushing", &tmp))?;
            let digest = hex::encode(Sha256::digest(&map));
            check_published_digest(&path, &digest)?;
            drop(map);
            fs::hard_link(&tmp, &path).map_err(SdrError::io("publishing", &path))?;
            Ok(digest)
        })();
        // The temporary name is removed whether or not publication succeeded.
        let _ = fs::remove_file(&tmp);
        let digest = result?;
        write_record(&path, &digest)?;
        Self::map_checked_length(graph, &path)
    }

    /// Opens an existing cache file and checks it before it is used: its length; a production
    /// cache against Filecoin's published digest; a sample of nodes against the graph; then any
    /// other cache against the digest recorded beside it. A cache without a record (made
    /// elsewhere) is compared with the graph node by node, and its digest recorded once it
    /// matches. A cache that fails any check is refused, never used.
    pub fn open(graph: &Graph, path: &Path) -> Result<Self> {
        let cache = Self::map_checked_length(graph, path)?;
        let digest = published_digest(&file_stem(path)).map(|_| cache.sha256_hex());
        if let Some(digest) = &digest {
            check_published_digest(path, digest)?;
        }
        cache.spot_check(graph)?;
        if digest.is_none() {
            match read_record(path)? {
                Some(recorded) => {
                    let actual = cache.sha256_hex();
                    if actual != recorded {
                        return Err(SdrError::CacheRecordMismatch {
                            path: path.to_path_buf(),
                            record: record_path(path),
                            recorded,
                            actual,
                        });
                    }
                }
                None => {
                    cache.check_every_node(graph)?;
                    // Recording is an optimisation for the next open: a read-only cache
                    // directory only means the full check runs again.
                    let _ = write_record(path, &cache.sha256_hex());
                }
            }
        }
        Ok(cache)
    }

    /// Re-checks an existing cache completely: against Filecoin's published digest when there
    /// is one, otherwise against a freshly computed cache (and then records its digest beside
    /// it, replacing a stale record). Returns the file's SHA-256 in hex.
    pub fn verify(graph: &Graph, path: &Path, threads: usize) -> Result<String> {
        if !path.exists() {
            return Err(SdrError::CacheMissing(path.to_path_buf()));
        }
        let cache = Self::map_checked_length(graph, path)?;
        let digest = cache.sha256_hex();
        let stem = file_stem(path);
        match published_digest(&stem) {
            Some(expected) if expected != digest => Err(SdrError::CacheDigestMismatch {
                path: path.to_path_buf(),
                expected: expected.to_string(),
                actual: digest,
            }),
            Some(_) => Ok(digest),
            None => {
                let fresh = with_threads(threads, || Self::in_memory(graph))?;
                match cache.first_difference(&fresh) {
                    Some(node) => Err(SdrError::CacheCorrupted {
                        path: path.to_path_buf(),
                        node: node as u64,
                        detail: "differs from the parents the graph defines".into(),
                    }),
                    None => {
                        // Checked in full: a missing or stale record is (re)written.
                        if read_record(path).ok().flatten().as_deref() != Some(digest.as_str()) {
                            let _ = write_record(path, &digest);
                        }
                        Ok(digest)
                    }
                }
            }
        }
    }

    fn map_checked_length(graph: &Graph, path: &Path) -> Result<Self> {
        let file = File::open(path).map_err(SdrError::io("opening", path))?;
        let metadata = file
            .metadata()
            .map_err(SdrError::io("reading metadata of", path))?;
        if !metadata.is_file() {
            return Err(SdrError::NotAFile(path.to_path_buf()));
        }
        let actual = metadata.len();
        let expected = (graph.nodes() * ENTRY_BYTES) as u64;
        if actual != expected {
            return Err(SdrError::CacheWrongLength {
                path: path.to_path_buf(),
                expected,
                actual,
            });
        }
        // SAFETY: the cache is only read; like Filecoin, we rely on nobody truncating it while
        // it is mapped (caches are written once under a temporary name, then linked).
        let map = unsafe { Mmap::map(&file) }.map_err(SdrError::io("mapping", path))?;
        Ok(ParentCache {
            storage: Storage::Mapped(map),
            nodes: graph.nodes(),
            path: Some(path.to_path_buf()),
            graph_name: cache_file_name(graph),
        })
    }

    /// The graph's identity: its Filecoin cache file name, a digest of sector size, porep id
    /// and graph version (the same for a cache in memory).
    pub fn graph_name(&self) -> &str {
        &self.graph_name
    }

    /// Number of nodes.
    pub fn nodes(&self) -> usize {
        self.nodes
    }

    /// The file this cache is mapped from (none for an in-memory cache).
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The 14 parents of `node` (base then expander). Panics if `node >= nodes()`.
    #[inline]
    pub fn parents(&self, node: usize) -> [u32; DEGREE] {
        let entry = &self.storage[node * ENTRY_BYTES..(node + 1) * ENTRY_BYTES];
        let mut parents = [0u32; DEGREE];
        for (p, bytes) in parents.iter_mut().zip(entry.chunks_exact(4)) {
            *p = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        }
        parents
    }

    /// Checks that the entry of `node` can be used for labeling: base parents precede the node
    /// (nodes 0 and 1 refer to node 0) and expander parents lie in the graph. Labelers call this
    /// for every node so that a corrupted cache is an error, never an out-of-bounds read.
    #[inline]
    pub(crate) fn check_entry(&self, node: usize, parents: &[u32; DEGREE]) -> Result<()> {
        let base_ok = parents[..BASE_DEGREE]
            .iter()
            .all(|&p| (p as usize) < node.max(1));
        let exp_ok = parents[BASE_DEGREE..]
            .iter()
            .all(|&p| (p as usize) < self.nodes);
        if base_ok && exp_ok {
            Ok(())
        } else {
            Err(SdrError::CacheCorrupted {
                path: self.path.clone().unwrap_or_default(),
                node: node as u64,
                detail: format!("parents {parents:?} out of range"),
            })
        }
    }

    /// SHA-256 of the whole cache, in hex (the digest Filecoin's manifest publishes).
    pub fn sha256_hex(&self) -> String {
        hex::encode(Sha256::digest(&*self.storage))
    }

    fn spot_check(&self, graph: &Graph) -> Result<()> {
        let samples = self.nodes.min(SPOT_CHECK_NODES);
        let nodes: Vec<usize> = (0..samples)
            .map(|i| i * self.nodes / samples)
            .chain([self.nodes - 1])
            .collect();
        match nodes
            .into_par_iter()
            .find_first(|&node| self.parents(node) != graph.parents(node as u32))
        {
            Some(node) => Err(SdrError::CacheCorrupted {
                path: self.path.clone().unwrap_or_default(),
                node: node as u64,
                detail: "differs from the parents the graph defines".into(),
            }),
            None => Ok(()),
        }
    }

    /// Compares every node's entry with the parents the graph defines.
    fn check_every_node(&self, graph: &Graph) -> Result<()> {
        match (0..self.nodes)
            .into_par_iter()
            .find_first(|&node| self.parents(node) != graph.parents(node as u32))
        {
            Some(node) => Err(SdrError::CacheCorrupted {
                path: self.path.clone().unwrap_or_default(),
                node: node as u64,
                detail: "differs from the parents the graph defines".into(),
            }),
            None => Ok(()),
        }
    }

    fn first_difference(&self, other: &ParentCache) -> Option<usize> {
        self.storage
            .par_chunks(ENTRY_BYTES)
            .zip(other.storage.par_chunks(ENTRY_BYTES))
            .position_first(|(a, b)| a != b)
    }
}

fn file_stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Fails if `path` names a production cache whose published digest is not `actual`.
fn check_published_digest(path: &Path, actual: &str) -> Result<()> {
    if let Some(expected) = published_digest(&file_stem(path))
        && actual != expected
    {
        return Err(SdrError::CacheDigestMismatch {
            path: path.to_path_buf(),
            expected: expected.to_string(),
            actual: actual.to_string(),
        });
    }
    Ok(())
}

/// Removes the temporaries of cache `name` in `dir` that a process which no longer runs left
/// behind (killed while generating: a temporary is as large as the cache, and nothing else
/// would ever remove it). A temporary of a live process, this one included, is kept.
fn remove_abandoned_temporaries(dir: &Path, name: &str) {
    let prefix = format!("{name}.tmp-");
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(pid) = file_name
            .to_str()
            .and_then(|n| n.strip_prefix(&prefix))
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Where the SHA-256 of the cache at `path` is recorded: `<cache file>.sha256`, in the format
/// `sha256sum` prints and `sha256sum -c` checks.
pub fn record_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".sha256");
    PathBuf::from(name)
}

/// A record is one line: 64 hex digits, two spaces, the file name.
const RECORD_MAX_BYTES: u64 = 1024;

/// The digest recorded beside the cache at `path`, if there is a record.
fn read_record(path: &Path) -> Result<Option<String>> {
    let record = record_path(path);
    let bad = |detail: &str| SdrError::BadCacheRecord {
        path: record.clone(),
        detail: detail.to_string(),
    };
    match read_small_text(&record, RECORD_MAX_BYTES)? {
        None => Ok(None),
        Some(Err(why)) => Err(bad(why.describe())),
        Some(Ok(text)) => parse_record(&text)
            .map(Some)
            .ok_or_else(|| bad("does not start with a SHA-256 digest in hex")),
    }
}

/// The digest (lowercase hex) a digest record's text starts with, as `sha256sum` writes it;
/// `None` when it does not start with one.
pub fn parse_record(text: &str) -> Option<String> {
    let digest = text.split_whitespace().next()?;
    (digest.len() == 64 && digest.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| digest.to_ascii_lowercase())
}

/// Records `digest` beside the cache at `path` (written under a temporary name, then renamed,
/// so a record is never half-written).
fn write_record(path: &Path, digest: &str) -> Result<()> {
    let record = record_path(path);
    let mut tmp = record.as_os_str().to_owned();
    tmp.push(format!(".tmp-{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    let line = format!("{digest}  {}\n", file_name(path));
    let result = fs::write(&tmp, line)
        .map_err(SdrError::io("writing", &tmp))
        .and_then(|()| fs::rename(&tmp, &record).map_err(SdrError::io("writing", &record)));
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Writes every node's entry, in parallel over the current rayon pool.
fn fill_entries(graph: &Graph, data: &mut [u8]) {
    data.par_chunks_mut(ENTRY_BYTES)
        .enumerate()
        .for_each(|(node, entry)| {
            for (bytes, p) in entry.chunks_exact_mut(4).zip(graph.parents(node as u32)) {
                bytes.copy_from_slice(&p.to_le_bytes());
            }
        });
}

/// Runs `f` on a rayon pool of `threads` threads.
fn with_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> Result<T> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()
        .map_err(|e| SdrError::Threads(e.to_string()))?;
    Ok(pool.install(f))
}

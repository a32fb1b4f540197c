//! Batches: every sector of a batch gets the labels of its single-sector run and of
//! Filecoin's vectors; a run stopped part-way resumes from its last complete layer, and a
//! damaged layer is detected and labeled again, never trusted.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use origami_sdr::{
    ApiVersion, Graph, Labeler, NODE_SIZE, NoProgress, ParentCache, Progress, SdrError,
    SectorLayer, SectorOutput, SectorSize, label_batch_to_dirs, label_layer_batch,
    label_layers_in_memory, label_layers_to_dir, layer_file_name, layer_record_name, parse_hex,
    replica_id,
};
use serde_json::Value;
use sha2::{Digest, Sha256};

fn load(name: &str) -> Value {
    let dir =
        std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").into());
    let text = fs::read_to_string(Path::new(&dir).join("tests/data").join(name)).expect("vector");
    serde_json::from_str(&text).expect("vector JSON")
}

fn hex32(v: &Value) -> [u8; 32] {
    parse_hex::<32>("vector", v.as_str().expect("hex")).expect("32 bytes")
}

fn sha256_file(path: &Path) -> String {
    hex::encode(Sha256::digest(fs::read(path).expect("layer file")))
}

/// Labels every layer of `replicas` with the in-memory batch labeler.
fn batch_in_memory(
    cache: &ParentCache,
    replicas: &[[u8; 32]],
    layers: usize,
    threads: usize,
) -> Vec<Vec<Vec<u8>>> {
    let bytes = cache.nodes() * NODE_SIZE;
    let mut out: Vec<Vec<Vec<u8>>> = vec![Vec::new(); replicas.len()];
    for layer in 1..=layers {
        let mut current: Vec<Vec<u8>> = replicas.iter().map(|_| vec![0u8; bytes]).collect();
        let mut parts: Vec<SectorLayer<'_>> = replicas
            .iter()
            .zip(current.iter_mut())
            .zip(out.iter())
            .map(|((replica_id, out), done)| SectorLayer {
                replica_id,
                previous: done.last().map(Vec::as_slice),
                out,
            })
            .collect();
        label_layer_batch(cache, layer, &mut parts, threads, &NoProgress).expect("batch");
        for (sector, layer) in out.iter_mut().zip(current) {
            sector.push(layer);
        }
    }
    out
}

/// Filecoin's official label vectors (both graph versions, 11 layers), each sector inside
/// batches of 2, 3 and 4 with other sectors, on one and two threads.
#[test]
fn batches_reproduce_the_official_vectors() {
    let vectors = load("official_labels.json");
    for v in vectors["vectors"].as_array().expect("vectors") {
        let nodes = v["num_nodes"].as_u64().expect("nodes") as usize;
        let layers = v["layers"].as_u64().expect("layers") as usize;
        let version: ApiVersion = v["api_version"].as_str().expect("v").parse().expect("v");
        let size = SectorSize::new((nodes * NODE_SIZE) as u64).expect("size");
        let cache = ParentCache::in_memory(&Graph::new(size, &hex32(&v["porep_id"]), version));
        let official = hex32(&v["replica_id"]);
        let expected = v["last_label_layer_11"].as_str().expect("label");
        for count in [2, 3, 4] {
            for threads in [1, 2] {
                // The official sector last, after others whose chains run beside it.
                let mut replicas: Vec<[u8; 32]> = (1..count).map(|i| [i as u8 * 17; 32]).collect();
                replicas.push(official);
                let out = batch_in_memory(&cache, &replicas, layers, threads);
                let last = &out[count - 1][layers - 1];
                assert_eq!(
                    hex::encode(&last[(nodes - 1) * NODE_SIZE..]),
                    expected,
                    "{nodes} nodes {version}, batch of {count}, {threads} threads"
                );
                for (replica, labels) in replicas.iter().zip(&out) {
                    let single =
                        label_layers_in_memory(Labeler::Reference, &cache, replica, layers)
                            .expect("single");
                    assert!(&single == labels, "batch of {count}: a sector differs");
                }
            }
        }
    }
}

/// Replica ids of the PreCommit phase 1 vectors of `size` (as Filecoin derives them), with
/// the layer digests Filecoin's own run wrote.
fn pc1_sectors(size: u64) -> Vec<([u8; 32], Vec<String>)> {
    let pc1 = load("pc1_filecoin.json");
    pc1["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .filter(|c| c["sector_size"].as_u64() == Some(size))
        .map(|case| {
            let replica = replica_id(
                &hex32(&case["prover_id"]),
                case["sector_id"].as_u64().expect("sector"),
                &hex32(&case["ticket"]),
                &hex32(&case["comm_d"]),
                &hex32(&case["porep_id"]),
            );
            let digests = case["layers"]
                .as_array()
                .expect("layers")
                .iter()
                .map(|l| l["sha256"].as_str().expect("sha").to_string())
                .collect();
            (replica, digests)
        })
        .collect()
}

fn v11_cache(size: &str, dir: &Path) -> ParentCache {
    let size: SectorSize = size.parse().expect("size");
    let porep = origami_sdr::registered_porep_id(size, ApiVersion::V1_1).expect("registered");
    ParentCache::generate(&Graph::new(size, &porep, ApiVersion::V1_1), dir, 2).expect("cache")
}

fn outputs(root: &Path, replicas: &[[u8; 32]]) -> Vec<SectorOutput> {
    replicas
        .iter()
        .enumerate()
        .map(|(i, &replica_id)| SectorOutput {
            replica_id,
            dir: root.join(format!("sector-{i}")),
        })
        .collect()
}

/// Batches of 2, 3 and 4 written to directories at 2 KiB and 8 MiB: the vector sectors' layer
/// files equal Filecoin's, and every sector's files equal its single-sector run's.
#[test]
fn batch_layer_files_equal_single_sector_runs_and_filecoin() {
    for (size, bytes) in [("2KiB", 2048u64), ("8MiB", 8 << 20)] {
        let tmp = tempfile::tempdir().expect("tempdir");
        let cache = v11_cache(size, &tmp.path().join("parents"));
        let vectors = pc1_sectors(bytes);
        assert!(!vectors.is_empty());
        let layers = vectors[0].1.len();
        for count in [2usize, 3, 4] {
            let mut replicas: Vec<[u8; 32]> = vectors.iter().map(|(r, _)| *r).collect();
            replicas.truncate(count);
            for i in replicas.len()..count {
                replicas.push([0x40 + i as u8; 32]);
            }
            let root = tmp.path().join(format!("batch-{count}"));
            let sectors = outputs(&root, &replicas);
            let reports =
                label_batch_to_dirs(&cache, &sectors, layers, 2, &NoProgress).expect("batch");
            assert_eq!(reports.len(), count);
            for (i, sector) in sectors.iter().enumerate() {
                assert!(reports[i].iter().all(|r| !r.reused));
                let single = tmp.path().join(format!("single-{count}-{i}"));
                label_layers_to_dir(
                    Labeler::Pipelined { threads: 2 },
                    &cache,
                    &sector.replica_id,
                    layers,
                    &single,
                    &NoProgress,
                )
                .expect("single");
                for layer in 1..=layers {
                    let name = layer_file_name(layer);
                    let digest = sha256_file(&sector.dir.join(&name));
                    assert_eq!(
                        digest,
                        sha256_file(&single.join(&name)),
                        "{size} batch of {count}, sector {i}, layer {layer}"
                    );
                    if let Some((_, expected)) = vectors.get(i) {
                        assert_eq!(
                            digest,
                            expected[layer - 1],
                            "{size} sector {i} layer {layer}"
                        );
                    }
                }
            }
        }
    }
}

/// Records what the labeler said about an earlier run's layers.
#[derive(Default)]
struct Seen {
    reused: Mutex<Vec<(usize, PathBuf)>>,
    untrusted: Mutex<Vec<(usize, PathBuf, String)>>,
}

impl Progress for Seen {
    fn layer_reused(&self, layer: usize, path: &Path) {
        self.reused
            .lock()
            .expect("lock")
            .push((layer, path.to_path_buf()));
    }
    fn layer_untrusted(&self, layer: usize, path: &Path, reason: &str) {
        self.untrusted
            .lock()
            .expect("lock")
            .push((layer, path.to_path_buf(), reason.to_string()));
    }
}

fn digests(sectors: &[SectorOutput], layers: usize) -> Vec<String> {
    sectors
        .iter()
        .flat_map(|s| (1..=layers).map(move |l| sha256_file(&s.dir.join(layer_file_name(l)))))
        .collect()
}

/// What a run killed after layer 1 leaves: layer 1 published with its record, layer 2 only as
/// a half-written temporary. The rerun reuses layer 1 (checked) and ends with the same files.
#[test]
fn a_run_stopped_after_a_layer_resumes_from_it() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let cache = v11_cache("2KiB", &tmp.path().join("parents"));
    let replicas = [[1u8; 32], [2u8; 32], [3u8; 32]];
    let sectors = outputs(&tmp.path().join("run"), &replicas);
    label_batch_to_dirs(&cache, &sectors, 2, 2, &NoProgress).expect("first run");
    let complete = digests(&sectors, 2);
    for sector in &sectors {
        let layer2 = sector.dir.join(layer_file_name(2));
        fs::rename(
            &layer2,
            sector.dir.join(format!("{}.tmp", layer_file_name(2))),
        )
        .expect("mv");
        fs::remove_file(sector.dir.join(layer_record_name(2))).expect("rm record");
    }
    // One sector was also killed while writing its record.
    fs::write(
        sectors[1].dir.join(format!("{}.tmp", layer_record_name(2))),
        "origami sdr",
    )
    .expect("torn record");
    let seen = Seen::default();
    let reports = label_batch_to_dirs(&cache, &sectors, 2, 2, &seen).expect("resumed run");
    assert_eq!(digests(&sectors, 2), complete);
    for report in &reports {
        assert!(report[0].reused && !report[1].reused);
    }
    assert_eq!(seen.reused.lock().expect("lock").len(), 3);
    for sector in &sectors {
        let mut names: Vec<String> = fs::read_dir(&sector.dir)
            .expect("dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                layer_file_name(1),
                layer_record_name(1),
                layer_file_name(2),
                layer_record_name(2)
            ]
        );
    }
    // A complete run is all reused, nothing labeled.
    let again = label_batch_to_dirs(&cache, &sectors, 2, 2, &NoProgress).expect("third run");
    assert!(again.iter().flatten().all(|r| r.reused));
}

/// A completed layer whose bytes changed (one bit), whose record was damaged, or whose
/// record a kill prevented (the temporary is still beside the layer) is labeled again with
/// every layer after it, and the files end as they were. A layer that lost its record with
/// no temporary beside it may not be the labeler's: the directory is refused, untouched.
#[test]
fn a_damaged_completed_layer_is_labeled_again() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let cache = v11_cache("2KiB", &tmp.path().join("parents"));
    let replicas = [[5u8; 32], [6u8; 32]];
    let sectors = outputs(&tmp.path().join("run"), &replicas);
    label_batch_to_dirs(&cache, &sectors, 2, 2, &NoProgress).expect("first run");
    let complete = digests(&sectors, 2);

    type Damage = fn(&Path);
    let damages: [(&str, Damage, &str); 3] = [
        (
            "a flipped bit",
            |dir| {
                let path = dir.join(layer_file_name(1));
                let mut bytes = fs::read(&path).expect("read");
                bytes[700] ^= 0x04;
                fs::write(&path, bytes).expect("write");
            },
            "differ from the digest",
        ),
        (
            "a damaged record",
            |dir| {
                let path = dir.join(layer_record_name(1));
                let text = fs::read_to_string(&path).expect("read");
                fs::write(&path, text.replace("sha256 ", "sha256 0")).expect("write");
            },
            "differ from the digest",
        ),
        (
            "a kill between publishing and recording",
            |dir| {
                fs::remove_file(dir.join(layer_record_name(1))).expect("rm");
                fs::hard_link(
                    dir.join(layer_file_name(1)),
                    dir.join(format!("{}.tmp", layer_file_name(1))),
                )
                .expect("link");
            },
            "no completion record",
        ),
    ];
    for (what, damage, reason) in damages {
        damage(&sectors[0].dir);
        let seen = Seen::default();
        let reports = label_batch_to_dirs(&cache, &sectors, 2, 2, &seen).expect("rerun");
        let untrusted = seen.untrusted.lock().expect("lock").clone();
        assert_eq!(untrusted.len(), 1, "{what}: {untrusted:?}");
        assert_eq!(untrusted[0].0, 1, "{what}");
        assert!(untrusted[0].2.contains(reason), "{what}: {untrusted:?}");
        assert!(reports[0].iter().all(|r| !r.reused), "{what}: relabeled");
        assert!(reports[1].iter().all(|r| r.reused), "{what}: others kept");
        assert_eq!(digests(&sectors, 2), complete, "{what}");
    }

    fs::remove_file(sectors[0].dir.join(layer_record_name(1))).expect("rm");
    let err = label_batch_to_dirs(&cache, &sectors, 2, 2, &NoProgress).expect_err("refused");
    assert!(matches!(err, SdrError::OutputNotEmpty { .. }), "{err}");
    assert!(
        err.to_string().contains("without a completion record"),
        "{err}"
    );
    assert_eq!(digests(&sectors, 2), complete, "untouched");
}

/// A directory with another sector's layers, or with foreign files, is refused and left as it
/// is; two sectors cannot share a directory.
#[test]
fn other_sectors_and_foreign_files_are_refused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let cache = v11_cache("2KiB", &tmp.path().join("parents"));
    let dir = tmp.path().join("sector");
    label_layers_to_dir(Labeler::Reference, &cache, &[9; 32], 2, &dir, &NoProgress).expect("run");
    let before = digests(
        &[SectorOutput {
            replica_id: [9; 32],
            dir: dir.clone(),
        }],
        2,
    );
    let err = label_layers_to_dir(Labeler::Reference, &cache, &[8; 32], 2, &dir, &NoProgress)
        .expect_err("another replica's directory");
    assert!(
        matches!(err, SdrError::OtherSector { layer: 1, .. }),
        "{err}"
    );
    assert!(err.to_string().contains(&hex::encode([9u8; 32])), "{err}");
    let after = digests(
        &[SectorOutput {
            replica_id: [9; 32],
            dir: dir.clone(),
        }],
        2,
    );
    assert_eq!(before, after, "nothing overwritten");

    // Another sector's record behind a damaged one of this sector: refused too, since the
    // layers after the damaged one would be removed.
    let record2 = dir.join(layer_record_name(2));
    let theirs = fs::read_to_string(&record2).expect("read");
    fs::write(
        &record2,
        theirs.replace(&hex::encode([9u8; 32]), &hex::encode([7u8; 32])),
    )
    .expect("write");
    let record1 = dir.join(layer_record_name(1));
    let ours = fs::read_to_string(&record1).expect("read");
    fs::write(&record1, "damaged").expect("write");
    let err = label_layers_to_dir(Labeler::Reference, &cache, &[9; 32], 2, &dir, &NoProgress)
        .expect_err("another sector's layer 2");
    assert!(
        matches!(err, SdrError::OtherSector { layer: 2, .. }),
        "{err}"
    );
    assert!(dir.join(layer_file_name(2)).exists(), "left where it was");
    fs::write(&record1, ours).expect("restore");
    fs::write(&record2, theirs).expect("restore");

    fs::write(dir.join("notes.txt"), "mine").expect("write");
    let err = label_layers_to_dir(Labeler::Reference, &cache, &[9; 32], 2, &dir, &NoProgress)
        .expect_err("foreign file");
    assert!(matches!(err, SdrError::OutputNotEmpty { .. }), "{err}");

    let shared = [
        SectorOutput {
            replica_id: [1; 32],
            dir: tmp.path().join("same"),
        },
        SectorOutput {
            replica_id: [2; 32],
            dir: tmp.path().join("same"),
        },
    ];
    let err = label_batch_to_dirs(&cache, &shared, 2, 2, &NoProgress).expect_err("shared dir");
    assert!(matches!(err, SdrError::SharedOutputDir(_)), "{err}");
    assert!(!tmp.path().join("same").exists());
}

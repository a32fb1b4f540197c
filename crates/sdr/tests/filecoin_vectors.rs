//! Labels, parent caches and replica ids against vectors made with Filecoin's own
//! implementation (rust-fil-proofs); see tests/data/*.json for their provenance.

use std::path::Path;

use origami_sdr::{
    ApiVersion, Graph, Labeler, NODE_SIZE, NoProgress, ParentCache, SectorSize, cache_file_name,
    label_layers_in_memory, label_layers_to_dir, layer_file_name, layer_record_name, parse_hex,
    registered_porep_id, replica_id,
};
use serde_json::Value;
use sha2::{Digest, Sha256};

fn load(name: &str) -> Value {
    // Read at run time: a test binary reused from a build in another checkout (a shared target
    // directory) would carry that checkout's compile-time path.
    let dir =
        std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").into());
    let path = Path::new(&dir).join("tests/data").join(name);
    let text = std::fs::read_to_string(&path).expect("test vector file");
    serde_json::from_str(&text).expect("test vector JSON")
}

fn hex32(v: &Value) -> [u8; 32] {
    parse_hex::<32>("vector", v.as_str().expect("hex string")).expect("32-byte hex")
}

fn label(layer: &[u8], node: usize) -> String {
    hex::encode(&layer[node * NODE_SIZE..(node + 1) * NODE_SIZE])
}

#[test]
fn official_label_vectors() {
    let vectors = load("official_labels.json");
    let vectors = vectors["vectors"].as_array().expect("vectors");
    assert_eq!(vectors.len(), 4);
    for v in vectors {
        let nodes = v["num_nodes"].as_u64().expect("num_nodes");
        let layers = v["layers"].as_u64().expect("layers") as usize;
        let version: ApiVersion = v["api_version"]
            .as_str()
            .expect("api_version")
            .parse()
            .expect("known version");
        let size = SectorSize::new(nodes * NODE_SIZE as u64).expect("size");
        let graph = Graph::new(size, &hex32(&v["porep_id"]), version);
        let cache = ParentCache::in_memory(&graph);
        let replica = hex32(&v["replica_id"]);
        let expected = v["last_label_layer_11"].as_str().expect("label");
        for labeler in [Labeler::Reference, Labeler::Pipelined { threads: 2 }] {
            let out = label_layers_in_memory(labeler, &cache, &replica, layers).expect("labels");
            assert_eq!(
                label(&out[layers - 1], nodes as usize - 1),
                expected,
                "{labeler:?}, {nodes} nodes, {version}"
            );
        }
    }
}

fn check_manifest_entries(sector_size: u64) {
    let manifest = load("parent_cache_manifest.json");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut checked = 0;
    for entry in manifest["entries"].as_array().expect("entries") {
        if entry["sector_size"].as_u64() != Some(sector_size) {
            continue;
        }
        let size = SectorSize::new(sector_size).expect("size");
        let version: ApiVersion = entry["api_version"]
            .as_str()
            .expect("version")
            .parse()
            .expect("known version");
        let porep_id = registered_porep_id(size, version).expect("registered");
        assert_eq!(
            porep_id[0] as u64,
            entry["registered_proof"].as_u64().expect("id")
        );
        let graph = Graph::new(size, &porep_id, version);
        let name = entry["name"].as_str().expect("name");
        assert_eq!(cache_file_name(&graph), format!("{name}.cache"));
        let cache = ParentCache::generate(&graph, dir.path(), 2).expect("generate");
        assert_eq!(
            cache.sha256_hex(),
            entry["digest"].as_str().expect("digest")
        );
        // Re-opening checks the published digest and a sample of parents.
        let path = cache.path().expect("file-backed").to_path_buf();
        ParentCache::open(&graph, &path).expect("reopen");
        checked += 1;
    }
    assert_eq!(checked, 2, "a V1 and a V1.1 entry");
}

#[test]
fn parent_cache_manifest_2kib() {
    check_manifest_entries(2048);
}

#[test]
fn parent_cache_manifest_8mib() {
    check_manifest_entries(8 << 20);
}

/// Every PreCommit-phase-1 case of pc1_filecoin.json (2 KiB zero and random data, 8 MiB zero
/// data): replica id, parent cache, layer files and individual labels. All cases are run; the
/// 8 MiB one takes a few seconds with the pipelined labeler.
#[test]
fn precommit_phase1_cases() {
    let pc1 = load("pc1_filecoin.json");
    for case in pc1["cases"].as_array().expect("cases") {
        let name = case["case"].as_str().expect("case name");
        let size = SectorSize::new(case["sector_size"].as_u64().expect("size")).expect("size");
        let porep_id = hex32(&case["porep_id"]);
        assert_eq!(
            porep_id,
            registered_porep_id(size, ApiVersion::V1_1).expect("registered"),
            "{name}"
        );
        let replica = replica_id(
            &hex32(&case["prover_id"]),
            case["sector_id"].as_u64().expect("sector id"),
            &hex32(&case["ticket"]),
            &hex32(&case["comm_d"]),
            &porep_id,
        );
        assert_eq!(
            hex::encode(replica),
            case["replica_id"].as_str().expect("id"),
            "{name}"
        );

        let graph = Graph::new(size, &porep_id, ApiVersion::V1_1);
        assert_eq!(
            graph.nodes() as u64,
            case["num_nodes"].as_u64().expect("nodes")
        );
        let cache_dir = tempfile::tempdir().expect("tempdir");
        let cache = ParentCache::generate(&graph, cache_dir.path(), 2).expect("cache");
        let cache_entry = &case["parent_cache"][0];
        assert_eq!(
            cache
                .path()
                .and_then(|p| p.file_name())
                .and_then(|n| n.to_str()),
            cache_entry["file"].as_str(),
            "{name}"
        );
        assert_eq!(
            cache.sha256_hex(),
            cache_entry["sha256"].as_str().expect("sha")
        );

        let layers = case["num_layers"].as_u64().expect("layers") as usize;
        assert_eq!(layers, size.default_layers());
        // The reference labeler is slow at 8 MiB in the test profile; 2 KiB runs both.
        let labelers: &[Labeler] = if graph.nodes() <= 1024 {
            &[Labeler::Reference, Labeler::Pipelined { threads: 2 }]
        } else {
            &[Labeler::Pipelined { threads: 2 }]
        };
        for &labeler in labelers {
            let out = tempfile::tempdir().expect("tempdir");
            let out_dir = out.path().join("cache");
            label_layers_to_dir(labeler, &cache, &replica, layers, &out_dir, &NoProgress)
                .expect("labels");
            for expected in case["layers"].as_array().expect("layers") {
                let layer = expected["layer"].as_u64().expect("layer") as usize;
                let file = expected["file"].as_str().expect("file");
                assert_eq!(file, layer_file_name(layer));
                let bytes = std::fs::read(out_dir.join(file)).expect("layer file");
                assert_eq!(
                    bytes.len() as u64,
                    expected["byte_length"].as_u64().expect("len")
                );
                assert_eq!(
                    hex::encode(Sha256::digest(&bytes)),
                    expected["sha256"].as_str().expect("sha"),
                    "{name} layer {layer} {labeler:?}"
                );
                for (i, l) in expected["first_3_labels"]
                    .as_array()
                    .expect("first")
                    .iter()
                    .enumerate()
                {
                    assert_eq!(label(&bytes, i), l.as_str().expect("label"));
                }
                assert_eq!(
                    label(&bytes, graph.nodes() - 1),
                    expected["last_label"].as_str().expect("last")
                );
                for (node, l) in expected["extra_labels_by_node_index"]
                    .as_object()
                    .expect("extra")
                {
                    let node: usize = node.parse().expect("node index");
                    assert_eq!(label(&bytes, node), l.as_str().expect("label"));
                }
            }
            // Only the layer files and their completion records are left behind: temporary
            // names are gone.
            let mut names: Vec<String> = std::fs::read_dir(&out_dir)
                .expect("dir")
                .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            let mut expected: Vec<String> = (1..=layers)
                .flat_map(|l| [layer_file_name(l), layer_record_name(l)])
                .collect();
            expected.sort();
            assert_eq!(names, expected);
        }
    }
}

/// Every registered proof (V1 ids 0..=4, V1.1 ids 5..=9) names its cache exactly as one of
/// Filecoin's published production caches, including the sizes too large to generate here.
#[test]
fn every_registered_proof_names_a_published_cache() {
    for size in ["2KiB", "8MiB", "512MiB", "32GiB", "64GiB"] {
        let size: SectorSize = size.parse().expect("size");
        for version in [ApiVersion::V1_0, ApiVersion::V1_1] {
            let porep_id = registered_porep_id(size, version).expect("registered");
            let name = cache_file_name(&Graph::new(size, &porep_id, version));
            let stem = name.strip_suffix(".cache").expect("cache suffix");
            assert!(
                origami_sdr::published_digest(stem).is_some(),
                "{size} {version}: {name} is not a published cache"
            );
        }
    }
}

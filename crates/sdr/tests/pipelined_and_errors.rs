//! The pipelined labeler against the reference on random inputs, and bad input turned into
//! clear errors.

use std::fs;

use origami_sdr::{
    ApiVersion, ENTRY_BYTES, Graph, Labeler, NoProgress, ParentCache, SdrError, SectorSize,
    cache_file_name, label_layers_in_memory, label_layers_to_dir, layer_file_name, parse_hex,
    record_path, registered_porep_id,
};
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

fn size(s: &str) -> SectorSize {
    s.parse().expect("sector size")
}

#[test]
fn pipelined_equals_reference_on_random_ids() {
    let mut rng = ChaCha8Rng::seed_from_u64(0x5d2);
    // Sizes below, at and above the ring (1024 nodes) and a partial last chunk is impossible
    // with powers of two, so 2 nodes exercises a chunk shorter than CHUNK_NODES.
    let cases = [
        ("64B", ApiVersion::V1_1, 3, 2),
        ("2KiB", ApiVersion::V1_0, 3, 2),
        ("32KiB", ApiVersion::V1_1, 3, 3),
        ("64KiB", ApiVersion::V1_0, 2, 4),
        ("256KiB", ApiVersion::V1_1, 2, 2),
        // More producers than cores: producers lag, the hasher takes chunks over or prepares
        // them in its own message while a producer is still writing them.
        ("512KiB", ApiVersion::V1_1, 2, 5),
        ("128KiB", ApiVersion::V1_0, 3, 8),
    ];
    for (sector, version, layers, threads) in cases {
        let mut porep_id = [0u8; 32];
        let mut replica = [0u8; 32];
        rng.fill_bytes(&mut porep_id);
        rng.fill_bytes(&mut replica);
        let graph = Graph::new(size(sector), &porep_id, version);
        let cache = ParentCache::in_memory(&graph);
        let reference =
            label_layers_in_memory(Labeler::Reference, &cache, &replica, layers).expect("ref");
        let pipelined =
            label_layers_in_memory(Labeler::Pipelined { threads }, &cache, &replica, layers)
                .expect("pipelined");
        for (layer, (r, p)) in reference.iter().zip(&pipelined).enumerate() {
            assert!(
                r == p,
                "{sector} {version} layer {}: labels differ",
                layer + 1
            );
        }
    }
}

#[test]
fn labels_depend_on_replica_and_layer() {
    let graph = Graph::new(size("2KiB"), &[1; 32], ApiVersion::V1_1);
    let cache = ParentCache::in_memory(&graph);
    let a = label_layers_in_memory(Labeler::Reference, &cache, &[1; 32], 2).expect("a");
    let b = label_layers_in_memory(Labeler::Reference, &cache, &[2; 32], 2).expect("b");
    assert_ne!(a[0], b[0]);
    assert_ne!(a[0], a[1]);
    // Every label is a valid Fr element: top two bits of the last byte clear.
    assert!(a[1].chunks_exact(32).all(|l| l[31] & 0xc0 == 0));
}

#[test]
fn unknown_sector_sizes_are_errors() {
    for bad in ["3KiB", "128GiB", "32B", "8 parsecs", "", "2KiB2"] {
        assert!(
            matches!(
                bad.parse::<SectorSize>(),
                Err(SdrError::UnknownSectorSize { .. })
            ),
            "{bad:?} accepted"
        );
    }
    // A valid size without a registered proof cannot derive a porep id.
    assert!(matches!(
        registered_porep_id(size("4KiB"), ApiVersion::V1_1),
        Err(SdrError::UnregisteredSectorSize { .. })
    ));
}

#[test]
fn hex_of_the_wrong_length_is_an_error() {
    let err = parse_hex::<32>("--replica-id", "abcd").expect_err("short hex");
    assert!(err.to_string().contains("--replica-id"), "{err}");
    assert!(err.to_string().contains("64 hex digits"), "{err}");
    assert!(parse_hex::<32>("--ticket", &"0".repeat(66)).is_err());
    assert!(parse_hex::<32>("--ticket", &"g".repeat(64)).is_err());
}

#[test]
fn truncated_cache_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let graph = Graph::new(size("2KiB"), &[9; 32], ApiVersion::V1_1);
    let path = ParentCache::generate(&graph, dir.path(), 1)
        .expect("generate")
        .path()
        .expect("file")
        .to_path_buf();
    let bytes = fs::read(&path).expect("read");
    fs::write(&path, &bytes[..bytes.len() - 3]).expect("truncate");
    assert!(matches!(
        ParentCache::open(&graph, &path),
        Err(SdrError::CacheWrongLength { .. })
    ));
    assert!(matches!(
        ParentCache::open_or_generate(&graph, dir.path(), 1),
        Err(SdrError::CacheWrongLength { .. })
    ));
}

#[test]
fn corrupted_production_cache_fails_its_published_digest() {
    let dir = tempfile::tempdir().expect("tempdir");
    let porep_id = registered_porep_id(size("2KiB"), ApiVersion::V1_1).expect("id");
    let graph = Graph::new(size("2KiB"), &porep_id, ApiVersion::V1_1);
    let path = dir.path().join(cache_file_name(&graph));
    ParentCache::generate(&graph, dir.path(), 1).expect("generate");
    let mut bytes = fs::read(&path).expect("read");
    // Swap two parents of the last node: still in range, only the digest can tell.
    bytes.swap(63 * ENTRY_BYTES, 63 * ENTRY_BYTES + 4);
    fs::write(&path, &bytes).expect("corrupt");
    assert!(matches!(
        ParentCache::open(&graph, &path),
        Err(SdrError::CacheDigestMismatch { .. })
    ));
    assert!(matches!(
        ParentCache::verify(&graph, &path, 1),
        Err(SdrError::CacheDigestMismatch { .. })
    ));
}

#[test]
fn corrupted_custom_cache_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let graph = Graph::new(size("4KiB"), &[0x42; 32], ApiVersion::V1_1);
    let path = dir.path().join(cache_file_name(&graph));
    ParentCache::generate(&graph, dir.path(), 1).expect("generate");
    let mut bytes = fs::read(&path).expect("read");
    bytes[77 * ENTRY_BYTES + 8 * 4] ^= 1; // an expander parent of node 77
    fs::write(&path, &bytes).expect("corrupt");
    assert!(matches!(
        ParentCache::open(&graph, &path),
        Err(SdrError::CacheCorrupted { node: 77, .. })
    ));
    assert!(matches!(
        ParentCache::verify(&graph, &path, 1),
        Err(SdrError::CacheCorrupted { node: 77, .. })
    ));
}

#[test]
fn existing_cache_is_never_overwritten() {
    let dir = tempfile::tempdir().expect("tempdir");
    let graph = Graph::new(size("2KiB"), &[3; 32], ApiVersion::V1_0);
    ParentCache::generate(&graph, dir.path(), 1).expect("generate");
    assert!(matches!(
        ParentCache::generate(&graph, dir.path(), 1),
        Err(SdrError::Io {
            action: "publishing",
            ..
        })
    ));
    let (_, generated) = ParentCache::open_or_generate(&graph, dir.path(), 1).expect("reuse");
    assert!(!generated);
    // No temporary file is left behind: only the cache and its digest record.
    let mut names: Vec<_> = fs::read_dir(dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    names.sort();
    let cache = dir.path().join(cache_file_name(&graph));
    assert_eq!(
        names,
        [cache.file_name(), record_path(&cache).file_name()].map(|n| n.expect("name").to_owned())
    );
}

#[test]
fn output_directory_with_files_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let graph = Graph::new(size("2KiB"), &[3; 32], ApiVersion::V1_1);
    let cache = ParentCache::in_memory(&graph);
    fs::write(dir.path().join("notes.txt"), b"keep me").expect("write");
    for labeler in [Labeler::Reference, Labeler::Pipelined { threads: 2 }] {
        let err = label_layers_to_dir(labeler, &cache, &[1; 32], 2, dir.path(), &NoProgress)
            .expect_err("non-empty directory");
        assert!(matches!(err, SdrError::OutputNotEmpty { .. }), "{err}");
    }
    assert_eq!(
        fs::read(dir.path().join("notes.txt")).expect("kept"),
        b"keep me"
    );
    assert!(!dir.path().join(layer_file_name(1)).exists());
}

#[test]
fn cache_of_another_graph_is_rejected() {
    let a = Graph::new(size("2KiB"), &[1; 32], ApiVersion::V1_1);
    let b = Graph::new(size("4KiB"), &[1; 32], ApiVersion::V1_1);
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = ParentCache::generate(&a, dir.path(), 1).expect("generate");
    let path = cache.path().expect("file").to_path_buf();
    assert!(matches!(
        ParentCache::open(&b, &path),
        Err(SdrError::CacheWrongLength { .. })
    ));
    // Same size, other porep id: the sampled parents differ.
    let c = Graph::new(size("2KiB"), &[2; 32], ApiVersion::V1_1);
    assert!(matches!(
        ParentCache::open(&c, &path),
        Err(SdrError::CacheCorrupted { .. })
    ));
}

/// A graph larger than the open-time sample (4,096 nodes), with no published digest: 1 MiB,
/// 32,768 nodes, so most nodes are never sampled.
fn unsampled_graph() -> Graph {
    Graph::new(size("1MiB"), &[0x5a; 32], ApiVersion::V1_1)
}

/// A node the spot check does not sample (it samples i * nodes / 4096 and the last node).
const UNSAMPLED_NODE: usize = 8 * 1000 + 3;

fn flip_expander_parent(path: &std::path::Path, node: usize) {
    let mut bytes = fs::read(path).expect("read");
    // Another in-range node: only a digest or a full comparison can tell.
    bytes[node * ENTRY_BYTES + 8 * 4] ^= 1;
    fs::write(path, &bytes).expect("corrupt");
}

#[test]
fn corrupted_unsampled_node_is_caught_by_the_recorded_digest() {
    let dir = tempfile::tempdir().expect("tempdir");
    let graph = unsampled_graph();
    let path = dir.path().join(cache_file_name(&graph));
    ParentCache::generate(&graph, dir.path(), 2).expect("generate");
    assert!(record_path(&path).exists(), "generation records the digest");
    ParentCache::open(&graph, &path).expect("an intact cache opens");
    flip_expander_parent(&path, UNSAMPLED_NODE);
    let err = ParentCache::open(&graph, &path).expect_err("corrupted");
    assert!(matches!(err, SdrError::CacheRecordMismatch { .. }), "{err}");
    assert!(err.to_string().contains(".sha256"), "{err}");
    // `open_or_generate` refuses it too rather than using it.
    assert!(matches!(
        ParentCache::open_or_generate(&graph, dir.path(), 2),
        Err(SdrError::CacheRecordMismatch { .. })
    ));
}

#[test]
fn cache_without_a_record_is_checked_in_full_then_recorded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let graph = unsampled_graph();
    let path = dir.path().join(cache_file_name(&graph));
    ParentCache::generate(&graph, dir.path(), 2).expect("generate");
    // As if made by another implementation: no record beside it.
    fs::remove_file(record_path(&path)).expect("remove record");
    flip_expander_parent(&path, UNSAMPLED_NODE);
    let err = ParentCache::open(&graph, &path).expect_err("corrupted");
    assert!(
        matches!(err, SdrError::CacheCorrupted { node, .. } if node == UNSAMPLED_NODE as u64),
        "{err}"
    );
    assert!(
        !record_path(&path).exists(),
        "a failed check records nothing"
    );
    flip_expander_parent(&path, UNSAMPLED_NODE);
    ParentCache::open(&graph, &path).expect("intact again");
    assert!(
        record_path(&path).exists(),
        "a full check records the digest"
    );
}

#[test]
fn damaged_record_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let graph = Graph::new(size("2KiB"), &[4; 32], ApiVersion::V1_1);
    let path = dir.path().join(cache_file_name(&graph));
    ParentCache::generate(&graph, dir.path(), 1).expect("generate");
    fs::write(record_path(&path), "not a digest\n").expect("damage");
    let err = ParentCache::open(&graph, &path).expect_err("damaged record");
    assert!(matches!(err, SdrError::BadCacheRecord { .. }), "{err}");
    // A record is read only up to its size limit: a huge one is refused, not read.
    fs::write(record_path(&path), vec![b'a'; 4096]).expect("oversize");
    assert!(matches!(
        ParentCache::open(&graph, &path),
        Err(SdrError::BadCacheRecord { .. })
    ));
    // A record that is not a regular file is refused before anything is read from it.
    fs::remove_file(record_path(&path)).expect("rm");
    fs::create_dir(record_path(&path)).expect("a directory as the record");
    let err = ParentCache::open(&graph, &path).expect_err("a directory");
    assert!(err.to_string().contains("is not a regular file"), "{err}");
}

#[test]
fn directory_given_as_a_cache_is_named_as_such() {
    let dir = tempfile::tempdir().expect("tempdir");
    let graph = Graph::new(size("2KiB"), &[4; 32], ApiVersion::V1_1);
    let err = ParentCache::open(&graph, dir.path()).expect_err("a directory");
    assert!(matches!(err, SdrError::NotAFile(_)), "{err}");
    assert!(err.to_string().contains("not a regular file"), "{err}");
}

//! A full disk met while writing (past any up-front check) is an error naming the file and the
//! space it needed, and leaves no temporary behind. The test re-runs itself inside a private
//! mount namespace (`unshare -m`, needs root) on a 64 KiB tmpfs; set
//! `ORIGAMI_NO_FAULT_INJECTION=1` to skip it where no namespace can be made.

use std::path::Path;
use std::process::Command;

use origami_sdr::{ApiVersion, ENTRY_BYTES, Graph, ParentCache, SdrError, SectorSize};

/// Set (to the tmpfs mount point) in the re-run inside the namespace.
const INNER: &str = "ORIGAMI_SDR_TINY_FS";

#[test]
fn cache_generation_on_a_full_disk_names_the_file_and_leaves_nothing() {
    if let Some(dir) = std::env::var_os(INNER) {
        let dir = Path::new(&dir);
        let graph = Graph::new(
            "1MiB".parse::<SectorSize>().expect("size"),
            &[7; 32],
            ApiVersion::V1_1,
        );
        // `generate` itself checks nothing up front: the reservation meets the full disk.
        match ParentCache::generate(&graph, dir, 1) {
            Err(SdrError::NoSpace { path, needed, .. }) => {
                assert_eq!(needed, (graph.nodes() * ENTRY_BYTES) as u64);
                let name = path.file_name().expect("name").to_string_lossy();
                assert!(name.contains(".cache.tmp-"), "names the file: {name}");
            }
            other => panic!("expected NoSpace, got {other:?}"),
        }
        let left: Vec<_> = std::fs::read_dir(dir).expect("dir").collect();
        assert!(left.is_empty(), "left behind: {left:?}");
        println!("inner run passed");
        return;
    }
    if std::env::var_os("ORIGAMI_NO_FAULT_INJECTION").is_some() {
        eprintln!("fault injection skipped (ORIGAMI_NO_FAULT_INJECTION is set)");
        return;
    }
    let mnt = tempfile::tempdir().expect("tempdir");
    let output = Command::new("unshare")
        .args(["-m", "--propagation", "private", "sh", "-c"])
        .arg(
            "mount -t tmpfs -o size=64k none \"$MNT\" || exit 97; \
             exec \"$EXE\" --exact cache_generation_on_a_full_disk_names_the_file_and_leaves_nothing --nocapture",
        )
        .env("MNT", mnt.path())
        .env("EXE", std::env::current_exe().expect("test binary"))
        .env(INNER, mnt.path())
        .output()
        .expect("run unshare (util-linux)");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.code() != Some(97) && !text.contains("unshare failed"),
        "could not mount a tmpfs in a private namespace (needs root; set \
         ORIGAMI_NO_FAULT_INJECTION=1 to skip): {text}"
    );
    assert!(
        output.status.success() && text.contains("inner run passed"),
        "{text}"
    );
}

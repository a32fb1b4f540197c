//! `origami sdr` end to end: the built binary against Filecoin's vectors, and bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

mod cli_support;
mod fault_support;
use cli_support::{origami, stderr, stdout};
use sha2::{Digest, Sha256};

fn pc1_case(name: &str) -> Value {
    // Read at run time (see origami-sdr's filecoin_vectors test for why).
    let dir =
        std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").into());
    let path = Path::new(&dir).join("../sdr/tests/data/pc1_filecoin.json");
    let all: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("vectors")).expect("json");
    all["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .find(|c| c["case"] == name)
        .expect("case")
        .clone()
}

fn s(v: &Value) -> &str {
    v.as_str().expect("string")
}

fn sha256_file(path: &Path) -> String {
    hex::encode(Sha256::digest(std::fs::read(path).expect("read")))
}

#[test]
fn replica_id_matches_filecoin() {
    let case = pc1_case("2KiB-rand");
    let sector_id = case["sector_id"].to_string();
    let common = [
        "sdr",
        "replica-id",
        "--prover-id",
        s(&case["prover_id"]),
        "--sector-id",
        &sector_id,
        "--ticket",
        s(&case["ticket"]),
        "--comm-d",
        s(&case["comm_d"]),
    ];
    let by_id = origami(&[&common[..], &["--porep-id", s(&case["porep_id"])]].concat());
    assert!(by_id.status.success(), "{}", stderr(&by_id));
    assert_eq!(stdout(&by_id).trim(), s(&case["replica_id"]));
    let by_proof = origami(&[&common[..], &["--proof", "v1.1", "--sector-size", "2KiB"]].concat());
    assert!(by_proof.status.success(), "{}", stderr(&by_proof));
    assert_eq!(stdout(&by_proof).trim(), s(&case["replica_id"]));
}

/// The parent-cache files (not their digest records) in `dir`.
fn cache_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("cache dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "cache"))
        .collect();
    files.sort();
    files
}

/// Where Origami records a cache's digest (`<cache>.sha256`).
fn origami_sdr_record(cache: &Path) -> PathBuf {
    let mut name = cache.as_os_str().to_owned();
    name.push(".sha256");
    PathBuf::from(name)
}

fn label_2kib(threads: &str, out: &Path, cache_dir: &Path) -> Output {
    let case = pc1_case("2KiB-zero");
    origami(&[
        "sdr",
        "label",
        "--sector-size",
        "2KiB",
        "--proof",
        "v1.1",
        "--replica-id",
        s(&case["replica_id"]),
        "--out",
        out.to_str().expect("utf-8 path"),
        "--threads",
        threads,
        "--parent-cache-dir",
        cache_dir.to_str().expect("utf-8 path"),
    ])
}

#[test]
fn label_writes_filecoin_layer_files() {
    let case = pc1_case("2KiB-zero");
    let tmp = tempfile::tempdir().expect("tempdir");
    let cache_dir = tmp.path().join("parents");
    for threads in ["1", "2"] {
        let out = tmp.path().join(format!("out-{threads}"));
        let run = label_2kib(threads, &out, &cache_dir);
        assert!(run.status.success(), "{}", stderr(&run));
        let text = stdout(&run);
        assert!(text.contains("labels/s"), "{text}");
        assert!(
            text.contains("peak memory:") && text.contains("(VmHWM)"),
            "{text}"
        );
        for layer in case["layers"].as_array().expect("layers") {
            let file = out.join(s(&layer["file"]));
            assert_eq!(sha256_file(&file), s(&layer["sha256"]), "threads {threads}");
        }
    }
    // The cache was generated once, under Filecoin's name, then reused; its digest is
    // recorded beside it.
    let cache = cache_files(&cache_dir);
    assert_eq!(cache.len(), 1);
    let entry = &case["parent_cache"][0];
    assert!(cache[0].ends_with(s(&entry["file"])));
    assert!(origami_sdr_record(&cache[0]).exists());
}

#[test]
fn label_reproduces_official_legacy_vector() {
    // porep id 0 is the registered 2 KiB V1 proof, so the legacy graph is used.
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    let run = origami(&[
        "sdr",
        "label",
        "--sector-size",
        "2048",
        "--porep-id",
        &"00".repeat(32),
        "--replica-id",
        &"09".repeat(32),
        "--layers",
        "11",
        "--out",
        out.to_str().expect("utf-8"),
        "--parent-cache-dir",
        tmp.path().join("parents").to_str().expect("utf-8"),
    ]);
    assert!(run.status.success(), "{}", stderr(&run));
    let layer = std::fs::read(out.join("sc-02-data-layer-11.dat")).expect("layer 11");
    assert_eq!(
        hex::encode(&layer[63 * 32..]),
        "04ba0f9a6ba9fad35e4806d183a281eab3c25afa9a1bd5e3378da6f1f4f46204"
    );
}

#[test]
fn parent_cache_prints_path_and_published_digest() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().to_str().expect("utf-8");
    let args = [
        "sdr",
        "parent-cache",
        "--sector-size",
        "2KiB",
        "--proof",
        "v1.1",
        "--dir",
        dir,
    ];
    let digest = "840057702eea7652cf97e04306c30fe57174714d90de156a25eddd6075c25b97";
    let run = origami(&args);
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(stdout(&run).contains(digest), "{}", stdout(&run));
    assert!(stdout(&run).contains(
        "v28-sdr-parent-494d91dc80f2df5272c4b9e129bc7ade9405225993af9fe34e6542a39a47554b.cache"
    ));
    let verify = origami(&[&args[..], &["--verify"]].concat());
    assert!(verify.status.success(), "{}", stderr(&verify));
    assert!(stdout(&verify).contains(digest));

    // Corrupt one byte: --verify and label both refuse the cache.
    let path = std::fs::read_dir(tmp.path())
        .expect("dir")
        .next()
        .expect("cache file")
        .expect("entry")
        .path();
    let mut bytes = std::fs::read(&path).expect("read");
    bytes[1000] ^= 0x01;
    std::fs::write(&path, &bytes).expect("write");
    let verify = origami(&[&args[..], &["--verify"]].concat());
    assert!(!verify.status.success());
    assert!(stderr(&verify).contains("corrupted"), "{}", stderr(&verify));
    let label = label_2kib("2", &tmp.path().join("out"), tmp.path());
    assert!(!label.status.success());
    assert!(stderr(&label).contains("corrupted"), "{}", stderr(&label));
}

#[test]
fn truncated_parent_cache_is_a_clear_error() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let cache_dir = tmp.path().join("parents");
    assert!(
        label_2kib("2", &tmp.path().join("a"), &cache_dir)
            .status
            .success()
    );
    let path = cache_files(&cache_dir).remove(0);
    let bytes = std::fs::read(&path).expect("read");
    std::fs::write(&path, &bytes[..100]).expect("truncate");
    let run = label_2kib("2", &tmp.path().join("b"), &cache_dir);
    assert!(!run.status.success());
    assert!(stderr(&run).contains("truncated"), "{}", stderr(&run));
    assert!(!stderr(&run).contains("panicked"));
}

#[test]
fn non_empty_output_directory_is_refused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).expect("mkdir");
    std::fs::write(out.join("sc-02-data-layer-1.dat"), b"old").expect("write");
    let run = label_2kib("2", &out, &tmp.path().join("parents"));
    assert!(!run.status.success());
    assert!(stderr(&run).contains("not empty"), "{}", stderr(&run));
    assert_eq!(
        std::fs::read(out.join("sc-02-data-layer-1.dat")).expect("kept"),
        b"old"
    );
}

#[test]
fn bad_arguments_are_clear_errors() {
    let cases: [(&[&str], &str); 5] = [
        (
            &[
                "sdr",
                "parent-cache",
                "--sector-size",
                "3MiB",
                "--proof",
                "v1.1",
                "--dir",
                "x",
            ],
            "power of two",
        ),
        (
            &[
                "sdr",
                "parent-cache",
                "--sector-size",
                "4KiB",
                "--proof",
                "v1.1",
                "--dir",
                "x",
            ],
            "no registered Filecoin proof",
        ),
        (
            &[
                "sdr",
                "parent-cache",
                "--sector-size",
                "2KiB",
                "--porep-id",
                "abcd",
                "--dir",
                "x",
            ],
            "64 hex digits",
        ),
        (
            &[
                "sdr",
                "parent-cache",
                "--sector-size",
                "2KiB",
                "--proof",
                "v2",
                "--dir",
                "x",
            ],
            "v1 or v1.1",
        ),
        (
            &[
                "sdr",
                "replica-id",
                "--prover-id",
                "00",
                "--sector-id",
                "1",
                "--ticket",
                "00",
                "--comm-d",
                "00",
                "--proof",
                "v1.1",
                "--sector-size",
                "2KiB",
            ],
            "64 hex digits",
        ),
    ];
    for (args, expected) in cases {
        let run = origami(args);
        assert!(!run.status.success(), "{args:?} succeeded");
        let err = stderr(&run);
        assert!(err.contains(expected), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

/// A 1 MiB sector: two layers of 1 MiB and a 1.75 MiB parent cache.
const LABEL_1MIB: &str = "\"$ORIGAMI\" sdr label --sector-size 1MiB --porep-id \
    0000000000000000000000000000000000000000000000000000000000000000 --replica-id \
    0000000000000000000000000000000000000000000000000000000000000001 --threads 1";

#[test]
fn full_disk_is_reported_before_labeling_and_a_rerun_proceeds() {
    if fault_support::skipped() {
        return;
    }
    let (tmp, mnt) = fault_support::mount_point();
    // The cache lives outside the tiny filesystem; the layers (2 MiB) do not fit in 16 KiB.
    let script = format!(
        "{LABEL_1MIB} --parent-cache-dir {cache} --out \"$MNT/out\" 2>&1 && exit 90 || echo \"FIRST=$?\"
         ls -A \"$MNT\" | sed 's/^/LEFT /'
         mount -o remount,size=4m \"$MNT\"
         {LABEL_1MIB} --parent-cache-dir {cache} --out \"$MNT/out\" 2>&1; echo \"SECOND=$?\"
         ls -A \"$MNT/out\" | sed 's/^/DONE /'",
        cache = tmp.path().join("parents").display()
    );
    let run = fault_support::in_tiny_tmpfs(&mnt, "16k", &script);
    let text = stdout(&run);
    assert!(
        text.contains("FIRST=1"),
        "a clear error, not a signal: {text}"
    );
    assert!(
        text.contains("not enough disk space for 2 layer files"),
        "{text}"
    );
    assert!(text.contains("2097152 bytes (2.0 MiB) needed"), "{text}");
    assert!(!text.contains("LEFT "), "nothing left behind: {text}");
    assert!(text.contains("SECOND=0"), "the rerun proceeds: {text}");
    for layer in ["sc-02-data-layer-1.dat", "sc-02-data-layer-2.dat"] {
        assert!(text.contains(&format!("DONE {layer}\n")), "{text}");
    }
    assert!(!text.contains(".dat.tmp"), "{text}");
}

/// A run killed in layer 2 leaves layer 2's reserved temporary behind. On a filesystem with
/// room for only one more layer, the rerun counts the space that temporary gives back:
/// it removes it, then labels layer 2.
#[test]
fn a_resumed_run_counts_the_space_of_its_own_temporaries() {
    if fault_support::skipped() {
        return;
    }
    let (tmp, mnt) = fault_support::mount_point();
    let label = format!(
        "{LABEL_1MIB} --parent-cache-dir {cache} --out \"$MNT/out\"",
        cache = tmp.path().join("parents").display()
    );
    let script = format!(
        "{label} >/dev/null 2>&1 || echo FIRST_FAILED
         cd \"$MNT/out\" && rm sc-02-data-layer-2.dat.done && mv sc-02-data-layer-2.dat sc-02-data-layer-2.dat.tmp
         {label} 2>&1; echo \"SECOND=$?\"
         ls -A \"$MNT/out\" | sed 's/^/DONE /'"
    );
    // 2 MiB of layers and their records fit in 2600 KiB; a third MiB does not.
    let run = fault_support::in_tiny_tmpfs(&mnt, "2600k", &script);
    let text = stdout(&run);
    assert!(!text.contains("FIRST_FAILED"), "{text}");
    assert!(text.contains("SECOND=0"), "{text}");
    assert!(text.contains("layer  1: reused"), "{text}");
    assert!(text.contains("DONE sc-02-data-layer-2.dat.done"), "{text}");
    assert!(!text.contains(".dat.tmp"), "{text}");
}

/// A batch of two 1 MiB sectors on a filesystem with room for one: refused before labeling
/// with the space both need, nothing left behind; with room, the rerun labels both.
#[test]
fn full_disk_for_a_batch_is_reported_before_labeling() {
    if fault_support::skipped() {
        return;
    }
    let (tmp, mnt) = fault_support::mount_point();
    let batch = format!(
        "\"$ORIGAMI\" sdr label --sector-size 1MiB --porep-id {zero} --parent-cache-dir {cache} \
         --replica-id {one} --out \"$MNT/a\" --replica-id {two} --out \"$MNT/b\"",
        zero = "00".repeat(32),
        one = "01".repeat(32),
        two = "02".repeat(32),
        cache = tmp.path().join("parents").display()
    );
    let script = format!(
        "{batch} 2>&1 && exit 90 || echo \"FIRST=$?\"
         ls -A \"$MNT\" | sed 's/^/LEFT /'
         mount -o remount,size=5m \"$MNT\"
         {batch} 2>&1; echo \"SECOND=$?\"
         ls -A \"$MNT/a\" \"$MNT/b\" | sed 's/^/DONE /'"
    );
    let run = fault_support::in_tiny_tmpfs(&mnt, "3m", &script);
    let text = stdout(&run);
    assert!(
        text.contains("FIRST=1"),
        "a clear error, not a signal: {text}"
    );
    assert!(
        text.contains("not enough disk space for 2 layer files and 2 layer files"),
        "{text}"
    );
    assert!(text.contains("4194304 bytes (4.0 MiB) needed"), "{text}");
    assert!(!text.contains("LEFT "), "nothing left behind: {text}");
    assert!(text.contains("SECOND=0"), "the rerun proceeds: {text}");
    assert_eq!(
        text.matches("DONE sc-02-data-layer-2.dat.done").count(),
        2,
        "{text}"
    );
}

#[test]
fn full_disk_for_the_parent_cache_is_reported() {
    if fault_support::skipped() {
        return;
    }
    let (tmp, mnt) = fault_support::mount_point();
    // Layers elsewhere; the cache (1.75 MiB) does not fit in 1 MiB.
    let script = format!(
        "{LABEL_1MIB} --parent-cache-dir \"$MNT/parents\" --out {out} 2>&1; echo \"LABEL=$?\"
         \"$ORIGAMI\" sdr parent-cache --sector-size 1MiB --porep-id \
            0000000000000000000000000000000000000000000000000000000000000000 \
            --dir \"$MNT/parents\" 2>&1; echo \"CACHE=$?\"
         ls -A \"$MNT/parents\" 2>/dev/null | sed 's/^/LEFT /'",
        out = tmp.path().join("out").display()
    );
    let run = fault_support::in_tiny_tmpfs(&mnt, "1m", &script);
    let text = stdout(&run);
    assert!(
        text.contains("LABEL=1") && text.contains("CACHE=1"),
        "{text}"
    );
    assert_eq!(
        text.matches("not enough disk space for the parent cache")
            .count(),
        2,
        "{text}"
    );
    assert!(text.contains("1835008 bytes (1.8 MiB) needed"), "{text}");
    assert!(!text.contains("LEFT "), "{text}");
    assert!(!tmp.path().join("out").exists(), "no work started: {text}");
}

#[test]
fn numeric_flags_beyond_what_the_labeler_allows_are_refused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let cases: [(&str, &str, &str); 3] = [
        ("--threads", "3000", "takes 2 to 17 threads"),
        ("--threads", "100000", "takes 2 to 17 threads"),
        ("--layers", "1099511627776", "at most 256 are allowed"),
    ];
    for (flag, value, expected) in cases {
        let out = tmp.path().join(format!("out{value}"));
        let case = pc1_case("2KiB-zero");
        let run = origami(&[
            "sdr",
            "label",
            "--sector-size",
            "2KiB",
            "--proof",
            "v1.1",
            "--replica-id",
            s(&case["replica_id"]),
            "--out",
            out.to_str().expect("utf-8 path"),
            "--parent-cache-dir",
            tmp.path().join("parents").to_str().expect("utf-8 path"),
            flag,
            value,
        ]);
        assert_eq!(
            run.status.code(),
            Some(1),
            "{flag} {value}: {}",
            stderr(&run)
        );
        assert!(
            stderr(&run).contains(expected),
            "{flag} {value}: {}",
            stderr(&run)
        );
        assert!(!stderr(&run).contains("panicked"), "{}", stderr(&run));
        assert!(!out.exists(), "{flag} {value}: nothing written");
        assert!(
            !tmp.path().join("parents").exists(),
            "{flag} {value}: no cache made"
        );
    }
}

#[test]
fn a_cache_generation_killed_mid_write_leaves_nothing_taken_as_complete() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("parents");
    // 32 MiB: a 56 MiB cache, written for long enough to be killed in the middle.
    let porep_id = "ff".repeat(32);
    let args = [
        "sdr",
        "parent-cache",
        "--sector-size",
        "32MiB",
        "--porep-id",
        &porep_id,
        "--dir",
        dir.to_str().expect("utf-8"),
    ];
    let mut child = Command::new(env!("CARGO_BIN_EXE_origami"))
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start origami");
    let temporary = |dir: &Path| {
        std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .any(|e| e.file_name().to_string_lossy().contains(".cache.tmp-"))
    };
    let started = std::time::Instant::now();
    while !temporary(&dir) {
        assert!(
            child.try_wait().expect("poll").is_none(),
            "finished before it could be killed"
        );
        assert!(started.elapsed().as_secs() < 60, "no temporary appeared");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().expect("kill -9");
    child.wait().expect("reap");
    // The half-written cache is under its temporary name only: nothing takes it as a cache.
    let names = sorted_names(&dir);
    assert_eq!(names.len(), 1, "{names:?}");
    assert!(names[0].contains(".cache.tmp-"), "{names:?}");
    // The rerun removes the dead process's temporary and publishes a complete cache.
    let o = origami(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    let names = sorted_names(&dir);
    assert_eq!(names.len(), 2, "only the cache and its record: {names:?}");
    assert!(
        names[0].ends_with(".cache") && names[1].ends_with(".cache.sha256"),
        "{names:?}"
    );
    let o = origami(&[&args[..], &["--verify"]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
}

/// Every file name in `dir`, sorted.
fn sorted_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("list dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn label_args<'a>(size: &'a str, porep: &'a [&'a str], cache_dir: &'a Path) -> Vec<&'a str> {
    let mut args = vec![
        "sdr",
        "label",
        "--sector-size",
        size,
        "--parent-cache-dir",
        cache_dir.to_str().expect("utf-8 path"),
    ];
    args.extend_from_slice(porep);
    args
}

/// A batch of three 2 KiB sectors from `--replica-id`/`--out` pairs: the two with Filecoin
/// vectors get Filecoin's layer files, the third its single-sector run's.
#[test]
fn a_batch_labels_every_sector_like_its_single_run() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let cache_dir = tmp.path().join("parents");
    let zero = pc1_case("2KiB-zero");
    let rand = pc1_case("2KiB-rand");
    let third = "33".repeat(32);
    let dirs: Vec<PathBuf> = (0..3).map(|i| tmp.path().join(format!("s{i}"))).collect();
    let d = |i: usize| dirs[i].to_str().expect("utf-8");
    let mut args = label_args("2KiB", &["--proof", "v1.1"], &cache_dir);
    args.extend([
        "--replica-id",
        s(&zero["replica_id"]),
        "--out",
        d(0),
        "--replica-id",
        s(&rand["replica_id"]),
        "--out",
        d(1),
        "--replica-id",
        &third,
        "--out",
        d(2),
    ]);
    let run = origami(&args);
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(stderr(&run).contains("batch labeler"), "{}", stderr(&run));
    assert!(
        stderr(&run).contains("memory: 3 sectors x 2 layers"),
        "{}",
        stderr(&run)
    );
    let text = stdout(&run);
    assert!(text.contains("labels/s per core"), "{text}");
    assert!(text.contains("peak memory:"), "{text}");
    for (i, case) in [&zero, &rand].into_iter().enumerate() {
        for layer in case["layers"].as_array().expect("layers") {
            assert_eq!(
                sha256_file(&dirs[i].join(s(&layer["file"]))),
                s(&layer["sha256"]),
                "sector {i}"
            );
        }
    }
    let single = tmp.path().join("single");
    let mut args = label_args("2KiB", &["--proof", "v1.1"], &cache_dir);
    args.extend([
        "--replica-id",
        &third,
        "--out",
        single.to_str().expect("utf-8"),
    ]);
    let run = origami(&args);
    assert!(run.status.success(), "{}", stderr(&run));
    for layer in 1..=2 {
        let name = format!("sc-02-data-layer-{layer}.dat");
        assert_eq!(
            sha256_file(&dirs[2].join(&name)),
            sha256_file(&single.join(&name))
        );
    }
}

/// The batch-file form, and a batch's bad input: a line with another porep id, unpaired
/// flags, a memory limit the batch exceeds.
#[test]
fn batch_files_and_bad_batches() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let cache_dir = tmp.path().join("parents");
    let zero = pc1_case("2KiB-zero");
    let rand = pc1_case("2KiB-rand");
    let porep = s(&zero["porep_id"]);
    let by_id = ["--porep-id", porep];
    let (id11, id12) = ("11".repeat(32), "12".repeat(32));
    let file = tmp.path().join("batch.txt");
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    std::fs::write(
        &file,
        format!(
            "# two sectors\n{} {}\n\n{} {} {porep}\n",
            s(&zero["replica_id"]),
            a.display(),
            s(&rand["replica_id"]),
            b.display()
        ),
    )
    .expect("batch file");
    let mut args = label_args("2KiB", &by_id, &cache_dir);
    args.extend(["--batch", file.to_str().expect("utf-8")]);
    let run = origami(&args);
    assert!(run.status.success(), "{}", stderr(&run));
    for (dir, case) in [(&a, &zero), (&b, &rand)] {
        let layer = &case["layers"][1];
        assert_eq!(
            sha256_file(&dir.join(s(&layer["file"]))),
            s(&layer["sha256"])
        );
    }

    let mixed = tmp.path().join("mixed.txt");
    std::fs::write(
        &mixed,
        format!(
            "{} {} {}\n",
            "11".repeat(32),
            tmp.path().join("c").display(),
            "07".repeat(32)
        ),
    )
    .expect("batch file");
    let mut args = label_args("2KiB", &by_id, &cache_dir);
    args.extend(["--batch", mixed.to_str().expect("utf-8")]);
    let run = origami(&args);
    assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));
    assert!(
        stderr(&run).contains("line 1: porep id"),
        "{}",
        stderr(&run)
    );
    assert!(stderr(&run).contains("a batch shares one sector size and porep id"));
    assert!(!tmp.path().join("c").exists());

    for not_a_file in ["/dev/zero", tmp.path().to_str().expect("utf-8")] {
        let mut args = label_args("2KiB", &by_id, &cache_dir);
        args.extend(["--batch", not_a_file]);
        let run = origami(&args);
        assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));
        assert!(
            stderr(&run).contains("must be a regular file"),
            "{}",
            stderr(&run)
        );
    }

    let c = tmp.path().join("c");
    let mut args = label_args("2KiB", &["--proof", "v1.1"], &cache_dir);
    args.extend(["--replica-id", &id11, "--replica-id", &id12]);
    args.extend(["--out", c.to_str().expect("utf-8")]);
    let run = origami(&args);
    assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));
    assert!(
        stderr(&run).contains("2 replica ids, 1 output directories"),
        "{}",
        stderr(&run)
    );

    let d = tmp.path().join("d");
    let mut args = label_args("2KiB", &["--proof", "v1.1"], &cache_dir);
    args.extend(["--replica-id", &id11, "--out", c.to_str().expect("utf-8")]);
    args.extend(["--replica-id", &id12, "--out", d.to_str().expect("utf-8")]);
    args.extend(["--max-memory", "4KiB"]);
    let run = origami(&args);
    assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));
    assert!(
        stderr(&run).contains("the batch needs 11.5 KiB of memory (2 sectors x 2 layers x 2.0 KiB + parent cache 3.5 KiB = 11.5 KiB), more than the limit of 4.0 KiB"),
        "{}",
        stderr(&run)
    );
    assert!(!c.exists() && !d.exists());
}

/// A batch killed with SIGKILL mid-layer, twice (in layer 1, then in layer 2 after layer 1 is
/// complete), resumes from its last complete layer and ends with the files of a run that was
/// never interrupted.
#[test]
fn a_batch_killed_mid_layer_resumes_with_identical_files() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let cache_dir = tmp.path().join("parents");
    // 64 MiB: 2^21 nodes, about a second per layer of the batch, long enough to kill in.
    let porep_id = "f1".repeat(32);
    let porep = ["--porep-id", porep_id.as_str()];
    let cache = origami(&[
        "sdr",
        "parent-cache",
        "--sector-size",
        "64MiB",
        "--porep-id",
        &porep_id,
        "--dir",
        cache_dir.to_str().expect("utf-8"),
    ]);
    assert!(cache.status.success(), "{}", stderr(&cache));
    let batch_args = |root: &Path| -> Vec<String> {
        let mut args: Vec<String> = label_args("64MiB", &porep, &cache_dir)
            .into_iter()
            .map(String::from)
            .collect();
        for (i, id) in ["a1", "b2"].iter().enumerate() {
            args.extend([
                "--replica-id".to_string(),
                id.repeat(32),
                "--out".to_string(),
                root.join(format!("s{i}")).display().to_string(),
            ]);
        }
        args
    };
    let run_dir = tmp.path().join("killed");
    let args = batch_args(&run_dir);
    let exists = |name: &str| (0..2).all(|i| run_dir.join(format!("s{i}")).join(name).exists());
    // Kill once the layer files are reserved (layer 1 under way), then once layer 1 is
    // recorded complete in both sectors (layer 2 under way).
    for wait_for in ["sc-02-data-layer-1.dat.tmp", "sc-02-data-layer-1.dat.done"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_origami"))
            .args(&args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start origami");
        let started = std::time::Instant::now();
        while !exists(wait_for) {
            assert!(
                child.try_wait().expect("poll").is_none(),
                "finished before {wait_for} appeared"
            );
            assert!(started.elapsed().as_secs() < 120, "no {wait_for}");
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        assert!(child.try_wait().expect("poll").is_none(), "still labeling");
        child.kill().expect("kill -9");
        child.wait().expect("reap");
        assert!(
            !exists("sc-02-data-layer-2.dat.done"),
            "killed before the end"
        );
    }
    let resumed = origami(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(resumed.status.success(), "{}", stderr(&resumed));
    let text = stdout(&resumed);
    assert_eq!(text.matches("layer  1: reused").count(), 2, "{text}");

    let clean_dir = tmp.path().join("clean");
    let clean = origami(
        &batch_args(&clean_dir)
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert!(clean.status.success(), "{}", stderr(&clean));
    for i in 0..2 {
        let (killed, fresh) = (
            run_dir.join(format!("s{i}")),
            clean_dir.join(format!("s{i}")),
        );
        assert_eq!(sorted_names(&killed), sorted_names(&fresh));
        for layer in 1..=2 {
            let name = format!("sc-02-data-layer-{layer}.dat");
            assert_eq!(
                sha256_file(&killed.join(&name)),
                sha256_file(&fresh.join(&name)),
                "sector {i} layer {layer}"
            );
        }
    }
}

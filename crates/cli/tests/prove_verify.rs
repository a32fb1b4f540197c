//! `origami setup`, `prove` and `verify` driven as a user would, including their failures.

use std::path::Path;

use origami_arith::DefaultCycle;
use origami_shard::ShardChain;

mod cli_support;
use cli_support::{fails, ok, s};

/// Asserts that `out` (the output of `origami command`) contains every one of `lines`.
fn has_lines(command: &str, out: &str, lines: &[&str]) {
    for line in lines {
        assert!(out.contains(line), "{command} output lacks {line}: {out}");
    }
}

/// `origami setup` of the synthetic circuit of `size` into `dir`, with `extra` arguments.
fn setup_synthetic(size: &str, dir: &str, extra: &[&str]) -> String {
    ok(&[
        &[
            "setup",
            "--circuit",
            "synthetic",
            "--size",
            size,
            "--out-dir",
            dir,
        ][..],
        extra,
    ]
    .concat())
}

#[test]
fn setup_prove_verify_and_every_way_to_get_it_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys");
    let proof = dir.path().join("run.proof");
    let out = setup_synthetic("16", s(&keys), &[]);
    assert!(
        out.contains("verifying the fold") && out.contains("peak memory"),
        "{out}"
    );
    let out = ok(&[
        "prove",
        "--circuit",
        "synthetic",
        "--size",
        "16",
        "--steps",
        "3",
        "--keys",
        s(&keys),
        "--out",
        s(&proof),
    ]);
    has_lines(
        "prove",
        &out,
        &[
            "steps/s",
            "synthesis:",
            "commitments:",
            "folding:",
            "compression:",
            "compressed, preprocessing variant",
            "verifier key:",
            "peak memory",
        ],
    );
    let out = ok(&["verify", s(&proof), "--keys", s(&keys)]);
    has_lines(
        "verify",
        &out,
        &[
            "verified:      3 steps of synthetic (size 16)",
            "compressed (preprocessing variant)",
            "proof size:",
            "verifier key:",
            "peak memory",
            // setup wrote the generator cache.
            "generators:    read from the cache",
        ],
    );
    let out = ok(&[
        "verify",
        s(&proof),
        "--keys",
        s(&keys),
        "--no-generator-cache",
    ]);
    assert!(out.contains("generators:    derived (no cache)"), "{out}");
    let fresh = tempfile::tempdir().unwrap();
    let fresh_cache = fresh.path().join("gens");
    let with = |dir: &Path| {
        ok(&[
            "verify",
            s(&proof),
            "--keys",
            s(&keys),
            "--generator-cache",
            s(dir),
        ])
    };
    assert!(with(&fresh_cache).contains("generators:    derived and cached in"));
    assert!(with(&fresh_cache).contains("generators:    read from the cache"));
    // A damaged cache file is noticed (its digest), not used, and rewritten: reported as such,
    // never as "read from the cache" (before, the header check alone decided the line).
    let damaged = std::fs::read_dir(&fresh_cache)
        .unwrap()
        .map(|e| e.unwrap().path())
        .max_by_key(|p| std::fs::metadata(p).unwrap().len())
        .unwrap();
    let mut bytes = std::fs::read(&damaged).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 1;
    std::fs::write(&damaged, &bytes).unwrap();
    let out = with(&fresh_cache);
    assert!(
        out.contains("did not hold them and was rewritten") && out.contains("verified:"),
        "{out}"
    );
    assert!(with(&fresh_cache).contains("generators:    read from the cache"));
    for (file, kind) in [
        (proof.clone(), "compressed proof"),
        (keys.join("prover.key"), "prover key"),
        (keys.join("verifier.key"), "verifier key"),
    ] {
        let out = ok(&["inspect", s(&file)]);
        assert!(out.contains(&format!("kind:          {kind}")), "{out}");
        assert!(out.contains("digest:") && out.contains("size:"), "{out}");
    }
    let out = ok(&["verify", s(&proof), "--keys", s(&keys), "--steps", "3"]);

    // The statement told to `verify`: the start and end it printed are accepted back (with or
    // without the brackets), another start or end makes it exit non-zero.
    let printed = |label: &str| {
        out.lines()
            .find_map(|l| l.strip_prefix(label))
            .map(|v| v.trim().to_string())
            .unwrap_or_else(|| panic!("no {label} line in {out}"))
    };
    let (z0, z3) = (printed("z0:"), printed("z3:"));
    let bare_z3 = z3.trim_start_matches('[').trim_end_matches(']').to_string();
    let stated = ok(&[
        "verify",
        s(&proof),
        "--keys",
        s(&keys),
        "--steps",
        "3",
        "--z0",
        &z0,
        "--expect",
        &bare_z3,
    ]);
    assert!(
        stated.contains("statement:     z0 and the final state as given"),
        "{stated}"
    );
    fails(
        &["verify", s(&proof), "--keys", s(&keys), "--z0", "3"],
        "the proof does not verify",
    );
    fails(
        &["verify", s(&proof), "--keys", s(&keys), "--expect", "7"],
        "not the expected [0x0000000000000000000000000000000000000000000000000000000000000007]",
    );
    fails(
        &["verify", s(&proof), "--keys", s(&keys), "--z0", "seven"],
        "neither 0x-prefixed hex nor a decimal number",
    );

    // Wrong statement, tampered file, wrong key.
    fails(
        &["verify", s(&proof), "--keys", s(&keys), "--steps", "4"],
        "covers 3 steps, but 4 were expected",
    );
    let mut bytes = std::fs::read(&proof).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x10;
    let bad = dir.path().join("bad.proof");
    std::fs::write(&bad, &bytes).unwrap();
    fails(&["verify", s(&bad), "--keys", s(&keys)], "corrupted");
    std::fs::write(&bad, &bytes[..100]).unwrap();
    fails(&["verify", s(&bad), "--keys", s(&keys)], "truncated");
    std::fs::write(
        &bad,
        b"not a proof at all, just some text that is long enough to hold a header ......",
    )
    .unwrap();
    fails(
        &["verify", s(&bad), "--keys", s(&keys)],
        "not an Origami file",
    );
    let other = dir.path().join("other");
    setup_synthetic("17", s(&other), &[]);
    fails(
        &["verify", s(&proof), "--keys", s(&other)],
        "the proof was made for parameters",
    );
    fails(
        &["verify", s(&keys.join("prover.key")), "--keys", s(&keys)],
        "is a prover key, not a proof",
    );

    // Prover-side mistakes.
    fails(
        &[
            "prove",
            "--circuit",
            "minroot",
            "--steps",
            "1",
            "--keys",
            s(&keys),
            "--out",
            s(&proof),
        ],
        "is for synthetic (size 16), but minroot",
    );
    fails(
        &[
            "prove",
            "--circuit",
            "synthetic",
            "--size",
            "16",
            "--steps",
            "0",
            "--keys",
            s(&keys),
            "--out",
            s(&proof),
        ],
        "at least 1",
    );
    fails(
        &["prove", "--steps", "1", "--out", s(&proof)],
        "--circuit is required",
    );
    fails(
        &[
            "prove",
            "--circuit",
            "sha3-chain",
            "--steps",
            "1",
            "--out",
            s(&proof),
        ],
        "unknown circuit `sha3-chain`",
    );
    fails(
        &[
            "verify",
            s(&proof),
            "--keys",
            s(&dir.path().join("missing")),
        ],
        "verifier.key",
    );

    // A recursive proof, and the direct variant.
    let recursive = dir.path().join("run.recursive");
    let out = ok(&[
        "prove",
        "--circuit",
        "synthetic",
        "--size",
        "16",
        "--steps",
        "2",
        "--keys",
        s(&keys),
        "--out",
        s(&recursive),
        "--recursive",
    ]);
    assert!(out.contains("recursive"), "{out}");
    let direct = dir.path().join("direct");
    setup_synthetic("16", s(&direct), &["--variant", "direct"]);
    fails(
        &["verify", s(&proof), "--keys", s(&direct)],
        "preprocessing variant but the key is for the direct variant",
    );

    // With only the verifier key: a compressed proof verifies as before; a recursive one
    // re-derives the parameters.
    std::fs::remove_file(keys.join("prover.key")).unwrap();
    let out = ok(&["verify", s(&proof), "--keys", s(&keys)]);
    assert!(out.contains("verified:      3 steps"), "{out}");
    let out = ok(&["verify", s(&recursive), "--keys", s(&keys)]);
    assert!(
        out.contains("re-deriving") && out.contains("2 steps"),
        "{out}"
    );
}

/// `prove --shards` proves a run in shards on worker threads; the sharded proof verifies with
/// `verifier.key` alone and `inspect` lists its shards; impossible splits, a memory budget no shard
/// fits and `--recursive` are refused; with two shards swapped the proof is refused with the
/// reason.
#[test]
fn a_sharded_run_proves_verifies_from_the_verifier_key_and_a_broken_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys");
    let k = keys.to_str().unwrap();
    setup_synthetic("16", k, &["--variant", "direct"]);
    let path = dir.path().join("sharded.proof");
    let p = path.to_str().unwrap();
    let base = [
        "prove",
        "--circuit",
        "synthetic",
        "--size",
        "16",
        "--steps",
        "5",
        "--keys",
        k,
        "--out",
        p,
    ];
    let prove = |extra: &[&'static str]| [&base[..], extra].concat();
    fails(
        &prove(&["--shards", "6"]),
        "cannot split 5 steps into 6 shards",
    );
    fails(
        &prove(&["--shards", "2", "--max-memory", "1MiB"]),
        "more than the 1 MiB memory budget",
    );
    fails(
        &prove(&["--shards", "2", "--recursive"]),
        "sharded proofs are compressed",
    );
    let out_text = ok(&prove(&["--shards", "3", "--workers", "2"]));
    has_lines(
        "prove",
        &out_text,
        &[
            "shards:        3 of 1..2 steps, 2 worker threads",
            "checked (3/3)",
            "sharded, 3 shards, direct variant",
        ],
    );
    std::fs::remove_file(keys.join("prover.key")).unwrap();

    let out_text = ok(&["verify", p, "--keys", k]);
    has_lines(
        "verify",
        &out_text,
        &[
            "sharded (3 shards, direct variant)",
            "verified:      5 steps",
            "z5:",
        ],
    );
    fails(
        &["verify", p, "--keys", k, "--steps", "6"],
        "the shards prove 5 steps, but the run has 6",
    );

    let out_text = ok(&["inspect", p]);
    has_lines(
        "inspect",
        &out_text,
        &[
            "kind:          sharded proof",
            "shards:        3",
            "steps 2..4 (2 steps)",
        ],
    );

    let mut proof = ShardChain::<DefaultCycle>::load(&path, None).unwrap();
    proof.shards.swap(0, 2);
    proof.save(&path).unwrap();
    fails(&["verify", p, "--keys", k], "out of order");
}

//! `origami verify` and `origami inspect` on a sharded proof: one made from the key directory that
//! `origami setup` wrote verifies with `verifier.key` alone and reports its shards; the same proof
//! with two shards swapped is refused with the reason.

use std::path::Path;
use std::process::{Command, Output};

use origami_arith::DefaultCycle;
use origami_circuits::Builtin;
use origami_nova::CompressedProverKey;
use origami_shard::{ShardPlan, ShardProof, ShardedProof, checkpoints};

fn origami(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_origami"))
        .args(args)
        .env(
            "ORIGAMI_GENERATOR_CACHE",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("generator-cache"),
        )
        .output()
        .expect("run origami")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn a_sharded_proof_verifies_from_the_verifier_key_and_a_broken_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys");
    let k = keys.to_str().unwrap();
    let setup = origami(&[
        "setup",
        "--circuit",
        "synthetic",
        "--size",
        "16",
        "--variant",
        "direct",
        "--out-dir",
        k,
    ]);
    assert!(setup.status.success(), "{}", text(&setup));

    let pk = CompressedProverKey::<DefaultCycle, Builtin>::load(&keys.join("prover.key")).unwrap();
    let z0 = pk.verifier_key().step().default_z0();
    let plan = ShardPlan::new(5, 3).unwrap();
    let states = checkpoints(pk.verifier_key().step(), &plan, &z0).unwrap();
    let mut proof = ShardedProof {
        params_digest: pk.verifier_key().digest(),
        shards: plan
            .shards()
            .iter()
            .zip(&states)
            .map(|(shard, z_in)| ShardProof::prove(&pk, shard, z_in, |_| {}).unwrap())
            .collect(),
    };
    std::fs::remove_file(keys.join("prover.key")).unwrap();
    let path = dir.path().join("sharded.proof");
    proof.save(&path).unwrap();
    let p = path.to_str().unwrap();

    let out = origami(&["verify", p, "--keys", k]);
    let out_text = text(&out);
    assert!(out.status.success(), "{out_text}");
    for line in [
        "sharded (3 shards, direct variant)",
        "verified:      5 steps",
        "z5:",
    ] {
        assert!(
            out_text.contains(line),
            "verify output lacks {line}: {out_text}"
        );
    }
    let wrong_steps = origami(&["verify", p, "--keys", k, "--steps", "6"]);
    assert!(!wrong_steps.status.success());
    assert!(text(&wrong_steps).contains("the shards prove 5 steps, but the run has 6"));

    let out = origami(&["inspect", p]);
    let out_text = text(&out);
    assert!(out.status.success(), "{out_text}");
    for line in [
        "kind:          sharded proof",
        "shards:        3",
        "steps 2..4 (2 steps)",
    ] {
        assert!(
            out_text.contains(line),
            "inspect output lacks {line}: {out_text}"
        );
    }

    proof.shards.swap(0, 2);
    proof.save(&path).unwrap();
    let out = origami(&["verify", p, "--keys", k]);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("out of order"),
        "swapped shards: {}",
        text(&out)
    );
}

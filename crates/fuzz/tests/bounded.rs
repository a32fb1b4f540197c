//! A short, bounded run of every fuzz target, so none rots between AFL++ campaigns
//! (`scripts/fuzz.sh`): each target's seeds, then mutations of them from a fixed-seed generator.
//! A panic anywhere is a failure; so is a mutated proof or key that is accepted.

use origami_fuzz::Target;

/// Mutations per target: enough to reach each decoder's error paths, few enough for CI.
/// `ORIGAMI_FUZZ_MUTATIONS` sets another count.
fn mutations() -> usize {
    std::env::var("ORIGAMI_FUZZ_MUTATIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(48)
}

/// xorshift64*: a fixed sequence, so a failure here reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One of the edits AFL's deterministic stages make: a bit flip, an interesting value, a cut,
/// an inserted run, or a copied block. The mode byte (the first) is kept.
fn mutate(seed: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut m = seed.to_vec();
    if m.len() < 2 {
        m.push(rng.next() as u8);
        return m;
    }
    let at = 1 + rng.below(m.len() - 1);
    match rng.below(5) {
        0 => m[at] ^= 1 << rng.below(8),
        1 => {
            let values: [&[u8]; 4] = [&[0xff; 8], &[0; 8], &[0x7f], &u32::MAX.to_le_bytes()];
            let v = values[rng.below(values.len())];
            let end = (at + v.len()).min(m.len());
            m[at..end].copy_from_slice(&v[..end - at]);
        }
        2 => m.truncate(at),
        3 => {
            let run = vec![rng.next() as u8; 1 + rng.below(16)];
            m.splice(at..at, run);
        }
        _ => {
            let from = 1 + rng.below(m.len() - 1);
            let len = rng.below(32).min(m.len() - from).min(m.len() - at);
            m.copy_within(from..from + len, at);
        }
    }
    m
}

/// Whether every mutation of this target's seeds must be refused: for proofs and keys any
/// change is a different statement or a damaged file.
fn mutations_must_fail(target: Target) -> bool {
    !matches!(
        target,
        Target::ShardTask
            | Target::ServiceFrames
            | Target::HttpBodies
            | Target::HttpHeads
            | Target::SdrInputs
    )
}

/// Inputs the fuzzers once crashed a target with (`regressions/<target>/`): each must now
/// be answered, accepted or refused, without a panic.
fn regressions(target: Target) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("regressions")
        .join(target.name());
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    for entry in entries {
        let path = entry.expect("regression entry").path();
        let input = std::fs::read(&path).expect("read regression input");
        target.run(&input);
    }
}

fn exercise(target: Target) {
    regressions(target);
    let seeds = target.seeds();
    assert!(!seeds.is_empty(), "{}: no seeds", target.name());
    // The seeds are real inputs: the whole-file one (or every message) is accepted, so the
    // target reaches past decoding into what follows it.
    let accepted = seeds.iter().filter(|s| target.run(s)).count();
    assert!(accepted >= 1, "{}: no seed is accepted", target.name());
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ target.name().len() as u64);
    for i in 0..mutations() {
        let seed = &seeds[i % seeds.len()];
        let input = mutate(seed, &mut rng);
        let ok = target.run(&input);
        if mutations_must_fail(target) && input != *seed {
            assert!(!ok, "{}: mutation {i} was accepted", target.name());
        }
    }
}

macro_rules! bounded {
    ($($name:ident => $target:expr),* $(,)?) => {
        $(#[test] fn $name() { exercise($target); })*
    };
}

bounded! {
    compressed_proof => Target::CompressedProof,
    sharded_proof => Target::ShardChain,
    recursive_proof => Target::RecursiveProof,
    shard_proof => Target::ShardProof,
    verifier_key => Target::VerifierKey,
    prover_key => Target::ProverKey,
    shard_task => Target::ShardTask,
    service_frames => Target::ServiceFrames,
    http_bodies => Target::HttpBodies,
    http_heads => Target::HttpHeads,
    sdr_inputs => Target::SdrInputs,
}

#[test]
fn every_target_is_named_and_found_by_its_name() {
    for target in Target::ALL {
        assert_eq!(Target::from_name(target.name()), Some(target));
    }
    assert_eq!(Target::from_name("nothing"), None);
}

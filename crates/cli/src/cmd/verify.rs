//! `origami verify`: checks a proof file against a key directory, and against the statement
//! when one is given (`--steps`, `--z0`, `--expect`).
//!
//! A compressed or sharded proof needs only `verifier.key`. A recursive proof is checked against
//! the full parameters: `prover.key` when it is at hand, else re-derived from `verifier.key`
//! (slower: it repeats setup).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Args;
use origami_arith::generators::GeneratorOrigin;
use origami_format::hex;
use origami_keys::{Field, KeyDir, ProofFile, Verifier, VerifierKey, format_state, parse_state};

use crate::args::GeneratorCacheArgs;
use crate::report;

#[derive(Args)]
pub struct VerifyArgs {
    /// The proof file.
    proof: PathBuf,
    /// Key directory from `origami setup` (a compressed proof needs only its verifier.key).
    #[arg(long)]
    keys: PathBuf,
    /// Require the proof to cover exactly this many steps.
    #[arg(long)]
    steps: Option<u64>,
    /// Require the run to start from this state: field elements separated by commas (`0x…` hex
    /// or decimal), e.g. as `verify` prints z0.
    #[arg(long, value_name = "STATE", value_parser = parse_state_arg)]
    z0: Option<State>,
    /// Require the run to end in this state (written as for --z0); exits non-zero when the
    /// proof proves another.
    #[arg(long, value_name = "STATE", value_parser = parse_state_arg)]
    expect: Option<State>,
    /// sha256-file: require the attested file's SHA-256 to be this (64 hex digits, as
    /// `sha256sum` prints it); exits non-zero when the proof attests another.
    #[arg(long, value_name = "HEX", value_parser = parse_sha256_arg)]
    expect_sha256: Option<[u8; 32]>,
    /// sha256-file: require the attested file to be this many bytes long.
    #[arg(long, value_name = "BYTES")]
    expect_size: Option<u64>,
    #[command(flatten)]
    generator_cache: GeneratorCacheArgs,
}

/// A state given on the command line.
#[derive(Clone, Debug)]
struct State(Vec<Field>);

fn parse_state_arg(text: &str) -> Result<State, String> {
    parse_state(text).map(State).map_err(|e| e.to_string())
}

fn parse_sha256_arg(text: &str) -> Result<[u8; 32], String> {
    let text = text.trim();
    if text.len() != 64 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!("`{text}` is not a SHA-256 digest of 64 hex digits"));
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).map_err(|e| e.to_string())?;
    }
    Ok(out)
}

pub fn run(args: VerifyArgs) -> anyhow::Result<()> {
    let start = Instant::now();
    let proof_bytes = std::fs::metadata(&args.proof)
        .with_context(|| format!("opening {}", args.proof.display()))?
        .len();
    let proof = ProofFile::read(&args.proof)
        .with_context(|| format!("reading {}", args.proof.display()))?;
    let keys = KeyDir::new(&args.keys);
    // The statement: what was asked for, else what the proof claims.
    let steps = match (args.steps, proof.claimed_steps()) {
        (Some(steps), _) => steps,
        (None, Some(steps)) => steps,
        (None, None) => bail!("the shards' step counts add up past 2^64"),
    };
    let z0 = match (&args.z0, proof.claimed_z0()) {
        (Some(State(z0)), _) => z0.clone(),
        (None, Some(z0)) => z0.to_vec(),
        (None, None) => bail!("the sharded proof holds no shard"),
    };
    let (z_final, circuit) = match &proof {
        ProofFile::Recursive(_) => {
            // A prover.key's generators are checked against their labels when it is loaded;
            // when verifier.key is there too, the two must be one key pair.
            let (params, identity) = keys.load_params(|| {
                eprintln!("no prover.key beside verifier.key: re-deriving the parameters")
            })?;
            outln!("key identity:  {}", hex(&identity))?;
            outln!("proof:         recursive")?;
            let z = proof
                .verify_recursive(&params, steps, &z0)
                .context("the proof does not verify")?;
            (z, *params.step())
        }
        ProofFile::Compressed(_) | ProofFile::Sharded(_) => {
            let loading = Instant::now();
            let vk = keys.load_verifier_key()?;
            let loaded = loading.elapsed();
            let circuit = *vk.step();
            match &proof {
                ProofFile::Sharded(p) => outln!(
                    "proof:         sharded ({} shards, {} variant)",
                    p.shards.len(),
                    vk.variant()
                )?,
                _ => outln!("proof:         compressed ({} variant)", vk.variant())?,
            }
            outln!("key identity:  {}", hex(&vk.identity()))?;
            let z = with_verifier(vk, &args.generator_cache, loaded, |verifier| {
                proof
                    .verify(verifier, steps, &z0)
                    .context("the proof does not verify")
            })?;
            (z, circuit)
        }
    };
    if let Some(State(expected)) = &args.expect
        && *expected != z_final
    {
        bail!(
            "the proof shows z{steps} = {}, not the expected {}",
            format_state(&z_final),
            format_state(expected)
        );
    }
    // What the states attest (sha256-file: a file's digest), from the circuit the key names
    // and the states the proof binds: a run that is not a whole file's hash is refused.
    let attested = circuit
        .attested(&z0, &z_final)
        .context("the proof verifies but attests no file's digest")?;
    if (args.expect_sha256.is_some() || args.expect_size.is_some()) && attested.is_none() {
        bail!("--expect-sha256 and --expect-size need a sha256-file proof; this is {circuit}");
    }
    if let Some(file) = attested {
        if let Some(expected) = args.expect_sha256
            && expected != file.digest
        {
            bail!(
                "the proof attests SHA-256 {}, not the expected {}",
                hex(&file.digest),
                hex(&expected)
            );
        }
        if let Some(expected) = args.expect_size
            && expected != file.len
        {
            bail!(
                "the proof attests a file of {} bytes, not the expected {expected}",
                file.len
            );
        }
    }
    outln!("verified:      {steps} steps of {circuit}")?;
    outln!("z0:            {}", format_state(&z0))?;
    outln!("{:<15}{}", format!("z{steps}:"), format_state(&z_final))?;
    if let Some(file) = attested {
        outln!("sha256:        {file}")?;
    }
    if args.z0.is_some()
        || args.expect.is_some()
        || args.expect_sha256.is_some()
        || args.expect_size.is_some()
    {
        let given = [
            (args.z0.is_some(), "z0"),
            (args.expect.is_some(), "the final state"),
            (args.expect_sha256.is_some(), "the SHA-256"),
            (args.expect_size.is_some(), "the size"),
        ]
        .into_iter()
        .filter_map(|(given, name)| given.then_some(name))
        .collect::<Vec<_>>()
        .join(" and ");
        outln!("statement:     {given} as given")?;
    }
    outln!(
        "proof size:    {} B ({})",
        proof_bytes,
        report::bytes(proof_bytes)
    )?;
    if let Ok(meta) = std::fs::metadata(keys.verifier_key_path()) {
        outln!(
            "verifier key:  {} B ({})",
            meta.len(),
            report::bytes(meta.len())
        )?;
    }
    outln!("wall time:     {}", report::duration(start.elapsed()))?;
    outln!("{}", report::peak_memory_line())?;
    Ok(())
}

/// Prepares the verifier for `vk` (reading its generators from the cache when there is one),
/// runs `check` with it and reports the key, generator and verification times.
fn with_verifier<T>(
    vk: VerifierKey,
    cache: &GeneratorCacheArgs,
    key_load: Duration,
    check: impl FnOnce(&Verifier) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let verifier = cache.verifier(vk)?;
    let cache = cache.dir();
    let verifying = Instant::now();
    let result = check(&verifier)?;
    outln!("key:           loaded in {}", report::duration(key_load))?;
    let generators = match (&cache, verifier.generators_origin()) {
        (Some(dir), Some(GeneratorOrigin::Cache)) => {
            format!("read from the cache in {}", dir.display())
        }
        (
            Some(dir),
            Some(GeneratorOrigin::Derived {
                cache_was_bad,
                cache_written,
            }),
        ) => match (cache_was_bad, cache_written) {
            (false, true) => format!("derived and cached in {}", dir.display()),
            (true, true) => format!(
                "derived; the cache in {} did not hold them and was rewritten",
                dir.display()
            ),
            (_, false) => format!("derived; could not write the cache in {}", dir.display()),
        },
        _ => "derived (no cache)".to_string(),
    };
    outln!("generators:    {generators}")?;
    outln!("verify time:   {}", report::duration(verifying.elapsed()))?;
    Ok(result)
}

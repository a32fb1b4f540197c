//! `origami inspect FILE`: what a key or proof file is, from its header and contents.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use origami_arith::DefaultCycle;
use origami_cluster::ShardInput;
use origami_format::{FileKind, hex};
use origami_keys::{ProofFile, ProverKey, VerifierKey};
use origami_shard::ShardProof;

use crate::report;

#[derive(Args)]
pub struct InspectArgs {
    /// A key or proof file.
    file: PathBuf,
}

pub fn run(args: InspectArgs) -> anyhow::Result<()> {
    let path = &args.file;
    let header = origami_format::read_file_header(path)
        .with_context(|| format!("reading {}", path.display()))?;
    let file_bytes = std::fs::metadata(path)
        .with_context(|| format!("reading {}", path.display()))?
        .len();
    outln!("file:          {}", path.display())?;
    outln!("kind:          {}", header.kind)?;
    outln!("version:       {}", header.version)?;
    outln!("digest:        {}", hex(&header.digest))?;
    outln!(
        "size:          {} B ({}), payload {} B",
        file_bytes,
        report::bytes(file_bytes),
        header.payload_len
    )?;
    let context = || format!("decoding {}", path.display());
    match header.kind {
        FileKind::ProverKey => {
            let pk = ProverKey::load(path).with_context(context)?;
            let params = pk.params();
            outln!("key identity:  {}", hex(&pk.verifier_key().identity()))?;
            outln!("params digest: {}", hex(&params.digest()))?;
            outln!("circuit:       {}", params.step())?;
            outln!("compression:   {} variant", pk.variant())?;
            for (name, (cons, vars)) in [
                (
                    "primary",
                    (
                        params.shape_primary().num_cons(),
                        params.shape_primary().num_vars(),
                    ),
                ),
                (
                    "secondary",
                    (
                        params.shape_secondary().num_cons(),
                        params.shape_secondary().num_vars(),
                    ),
                ),
            ] {
                outln!(
                    "{:<15}{cons} constraints, {vars} variables",
                    format!("{name}:")
                )?;
            }
        }
        FileKind::VerifierKey => {
            let vk = VerifierKey::load(path).with_context(context)?;
            let (g1, g2) = vk.commitment_key_lens();
            outln!("key identity:  {}", hex(&vk.identity()))?;
            outln!("params digest: {}", hex(&vk.params_digest()))?;
            outln!("circuit:       {}", vk.step())?;
            outln!("compression:   {} variant", vk.variant())?;
            outln!("generators:    {g1} primary, {g2} secondary (derived when verifying)")?;
        }
        FileKind::ShardProof => {
            let bytes = origami_format::read_file_bytes(path, header.kind, Some(&header.digest))
                .with_context(context)?;
            let proof = ShardProof::<DefaultCycle>::from_bytes(&bytes, &header.digest)
                .with_context(context)?;
            let shard = proof.shard();
            outln!(
                "shard:         {} (steps {}..{}, {} steps)",
                shard.index,
                shard.first_step,
                end_step(shard.end_step()),
                shard.steps
            )?;
            outln!("state arity:   {}", proof.z_in.len())?;
        }
        FileKind::ShardTask => {
            let bytes = origami_format::read_file_bytes(path, header.kind, Some(&header.digest))
                .with_context(context)?;
            let input = ShardInput::<DefaultCycle>::from_bytes(&bytes, &header.digest)
                .with_context(context)?;
            outln!(
                "shard:         {} (steps {}..{}, {} steps)",
                input.shard.index,
                input.shard.first_step,
                end_step(input.shard.end_step()),
                input.shard.steps
            )?;
            outln!("state arity:   {}", input.z_in.len())?;
        }
        FileKind::CompressedProof | FileKind::RecursiveProof | FileKind::ShardedProof => {
            match ProofFile::read(path).with_context(context)? {
                ProofFile::Compressed(proof) => {
                    outln!("variant:       {}", proof.snark_primary.variant())?;
                    outln!("steps:         {}", proof.num_steps)?;
                    outln!("state arity:   {}", proof.z0.len())?;
                }
                ProofFile::Recursive(proof) => {
                    outln!("steps:         {}", proof.num_steps)?;
                    outln!("state arity:   {}", proof.z0.len())?;
                }
                ProofFile::Sharded(proof) => {
                    if let Some(first) = proof.shards.first() {
                        outln!("variant:       {}", first.proof.snark_primary.variant())?;
                        outln!("state arity:   {}", first.z_in.len())?;
                    }
                    outln!("steps:         {}", end_step(proof.total_steps()))?;
                    outln!("shards:        {}", proof.shards.len())?;
                    for s in &proof.shards {
                        outln!(
                            "  shard {:<6} steps {}..{} ({} steps)",
                            s.index,
                            s.first_step,
                            end_step(s.shard().end_step()),
                            s.steps
                        )?;
                    }
                }
            }
        }
    }
    Ok(())
}

/// A step count read from a file, which may claim more than `u64` holds.
fn end_step(step: Option<u64>) -> String {
    step.map_or_else(|| "(overflows u64)".to_string(), |s| s.to_string())
}

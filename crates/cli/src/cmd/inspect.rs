//! `origami inspect FILE`: what a key or proof file is, from its header and contents.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use origami_arith::DefaultCycle;
use origami_cluster::ShardInput;
use origami_format::{FileKind, hex};
use origami_nova::{CompressedProof, RecursiveProof};
use origami_shard::{ShardProof, ShardedProof};

use super::keys::{Pk, Vk};
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
    println!("file:          {}", path.display());
    println!("kind:          {}", header.kind);
    println!("version:       {}", header.version);
    println!("digest:        {}", hex(&header.digest));
    println!(
        "size:          {} B ({}), payload {} B",
        file_bytes,
        report::bytes(file_bytes),
        header.payload_len
    );
    let context = || format!("decoding {}", path.display());
    match header.kind {
        FileKind::ProverKey => {
            let pk = Pk::load(path).with_context(context)?;
            let params = pk.params();
            println!("key identity:  {}", hex(&pk.verifier_key().identity()));
            println!("params digest: {}", hex(&params.digest()));
            println!("circuit:       {}", params.step());
            println!("compression:   {} variant", pk.variant());
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
                println!(
                    "{:<15}{cons} constraints, {vars} variables",
                    format!("{name}:")
                );
            }
        }
        FileKind::VerifierKey => {
            let vk = Vk::load(path).with_context(context)?;
            let (g1, g2) = vk.commitment_key_lens();
            println!("key identity:  {}", hex(&vk.identity()));
            println!("params digest: {}", hex(&vk.params_digest()));
            println!("circuit:       {}", vk.step());
            println!("compression:   {} variant", vk.variant());
            println!("generators:    {g1} primary, {g2} secondary (derived when verifying)");
        }
        FileKind::CompressedProof => {
            let proof = CompressedProof::<DefaultCycle>::load(path, &header.digest)
                .with_context(context)?;
            println!("variant:       {}", proof.snark_primary.variant());
            println!("steps:         {}", proof.num_steps);
            println!("state arity:   {}", proof.z0.len());
        }
        FileKind::RecursiveProof => {
            let proof =
                RecursiveProof::<DefaultCycle>::load(path, &header.digest).with_context(context)?;
            println!("steps:         {}", proof.num_steps);
            println!("state arity:   {}", proof.z0.len());
        }
        FileKind::ShardProof => {
            let bytes = std::fs::read(path).with_context(context)?;
            let proof = ShardProof::<DefaultCycle>::from_bytes(&bytes, &header.digest)
                .with_context(context)?;
            let shard = proof.shard();
            println!(
                "shard:         {} (steps {}..{}, {} steps)",
                shard.index,
                shard.first_step,
                end_step(shard.end_step()),
                shard.steps
            );
            println!("state arity:   {}", proof.z_in.len());
        }
        FileKind::ShardTask => {
            let bytes = std::fs::read(path).with_context(context)?;
            let input = ShardInput::<DefaultCycle>::from_bytes(&bytes, &header.digest)
                .with_context(context)?;
            println!(
                "shard:         {} (steps {}..{}, {} steps)",
                input.shard.index,
                input.shard.first_step,
                end_step(input.shard.end_step()),
                input.shard.steps
            );
            println!("state arity:   {}", input.z_in.len());
        }
        FileKind::ShardedProof => {
            let proof = ShardedProof::<DefaultCycle>::load(path, Some(&header.digest))
                .with_context(context)?;
            if let Some(first) = proof.shards.first() {
                println!("variant:       {}", first.proof.snark_primary.variant());
                println!("state arity:   {}", first.z_in.len());
            }
            println!("steps:         {}", end_step(proof.total_steps()));
            println!("shards:        {}", proof.shards.len());
            for s in &proof.shards {
                println!(
                    "  shard {:<6} steps {}..{} ({} steps)",
                    s.index,
                    s.first_step,
                    end_step(s.shard().end_step()),
                    s.steps
                );
            }
        }
    }
    Ok(())
}

/// A step count read from a file, which may claim more than `u64` holds.
fn end_step(step: Option<u64>) -> String {
    step.map_or_else(|| "(overflows u64)".to_string(), |s| s.to_string())
}

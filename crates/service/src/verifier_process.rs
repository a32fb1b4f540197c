//! The verifier process: holds one verifier key (received over its stdin, never read from a key
//! directory, so it cannot open a prover key) and checks proofs one at a time.

use std::io::{Read, Write};
use std::path::Path;

use origami_arith::DefaultCycle;
use origami_circuits::Builtin;
use origami_format::FileKind;
use origami_nova::{CompressedProof, CompressedVerifier, CompressedVerifierKey};
use origami_shard::ShardedProof;

use crate::ProcessError;
use crate::protocol::{
    State, Verified, VerifierReady, VerifierStart, VerifyFailure, VerifyRequest, VerifyResponse,
    read_frame, write_frame,
};

/// The verifier of the default cycle for a built-in circuit.
pub type Verifier = CompressedVerifier<DefaultCycle, Builtin>;

/// Runs the verifier process on `input` / `output` (its stdin and stdout): reads the verifier
/// key, answers whether it is usable, then answers verify requests until `input` closes.
/// `generator_cache` is where the commitment generators are read from (or cached on first use).
pub fn run_verifier(
    generator_cache: Option<&Path>,
    mut input: impl Read,
    mut output: impl Write,
) -> Result<(), ProcessError> {
    let Some(start) = read_frame::<VerifierStart>(&mut input)? else {
        return Ok(());
    };
    let verifier = match prepare(&start.verifier_key, generator_cache) {
        Ok(v) => {
            write_frame(&mut output, &VerifierReady::Ok(()))?;
            v
        }
        Err(reason) => {
            write_frame(&mut output, &VerifierReady::Err(reason.clone()))?;
            return Err(ProcessError::Start(reason));
        }
    };
    while let Some(request) = read_frame::<VerifyRequest>(&mut input)? {
        write_frame(&mut output, &verify(&verifier, &request))?;
    }
    Ok(())
}

fn prepare(key: &[u8], generator_cache: Option<&Path>) -> Result<Verifier, String> {
    let vk = CompressedVerifierKey::<DefaultCycle, Builtin>::from_bytes(key)
        .map_err(|e| format!("the verifier key: {e}"))?;
    let verifier = vk.prepare().map_err(|e| format!("the verifier key: {e}"))?;
    Ok(match generator_cache {
        Some(dir) => verifier.with_generator_cache(dir),
        None => verifier,
    })
}

/// Checks one proof: a compressed or sharded proof file for this verifier's key, covering
/// `steps` steps from `z0`.
pub fn verify(verifier: &Verifier, request: &VerifyRequest) -> VerifyResponse {
    let digest = verifier.key().identity();
    let malformed = |e: &dyn std::fmt::Display| VerifyFailure::Malformed(e.to_string());
    let rejected = |e: &dyn std::fmt::Display| VerifyFailure::Rejected(e.to_string());
    let header = origami_format::read_header(&request.proof).map_err(|e| malformed(&e))?;
    if header.digest != digest {
        return Err(VerifyFailure::Rejected(format!(
            "the proof was made for verifier key {}, this service verifies {} (verifier key {})",
            origami_format::hex(&header.digest),
            verifier.key().step(),
            origami_format::hex(&digest)
        )));
    }
    let (z_final, kind, shards) = match header.kind {
        FileKind::CompressedProof => {
            let proof = CompressedProof::<DefaultCycle>::from_bytes(&request.proof, &digest)
                .map_err(|e| malformed(&e))?;
            let z = proof
                .verify(verifier, request.steps, &request.z0.0)
                .map_err(|e| rejected(&e))?;
            (z, "compressed", 1)
        }
        FileKind::ShardedProof => {
            let proof = ShardedProof::<DefaultCycle>::from_bytes(&request.proof, Some(&digest))
                .map_err(|e| malformed(&e))?;
            let z = proof
                .verify(verifier, request.steps, &request.z0.0)
                .map_err(|e| rejected(&e))?;
            (z, "sharded", proof.shards.len())
        }
        other => {
            return Err(VerifyFailure::Malformed(format!(
                "a {other} file, not a compressed or sharded proof"
            )));
        }
    };
    Ok(Verified {
        z_final: State(z_final),
        kind: kind.to_string(),
        shards,
    })
}

//! The verifier process: holds one verifier key (received over its stdin, never read from a key
//! directory, so it cannot open a prover key) and checks proofs one at a time.

use std::io::{Read, Write};

use origami_keys::{ProofFile, Verifier, VerifierKey, prepare_verifier};

use crate::error::ProcessError;
use crate::protocol::{
    ProofKind, StartError, State, Verified, VerifierReady, VerifierStart, VerifyFailure,
    VerifyRequest, VerifyResponse, read_frame, write_frame,
};

/// Runs the verifier process on `input` / `output` (its stdin and stdout): reads the verifier
/// key (and where its generators are cached), answers whether it is usable, then answers verify
/// requests until `input` closes.
pub fn run_verifier(mut input: impl Read, mut output: impl Write) -> Result<(), ProcessError> {
    let Some(start) = read_frame::<VerifierStart>(&mut input)? else {
        return Ok(());
    };
    let verifier = match prepare(&start) {
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

fn prepare(start: &VerifierStart) -> Result<Verifier, StartError> {
    let key = |e: &dyn std::fmt::Display| StartError::Key(format!("the verifier key: {e}"));
    let vk = VerifierKey::from_bytes(&start.verifier_key).map_err(|e| key(&e))?;
    prepare_verifier(vk, start.generator_cache.as_deref()).map_err(|e| key(&e))
}

/// Checks one proof: a compressed or sharded proof file for this verifier's key, covering
/// `steps` steps from `z0`.
pub fn verify(verifier: &Verifier, request: &VerifyRequest) -> VerifyResponse {
    let digest = verifier.key().identity();
    let malformed = |e: &dyn std::fmt::Display| VerifyFailure::Malformed(e.to_string());
    let header = origami_format::read_header(&request.proof).map_err(|e| malformed(&e))?;
    if header.digest != digest {
        return Err(VerifyFailure::Rejected(format!(
            "the proof was made for verifier key {}, this service verifies {} (verifier key {})",
            origami_format::hex(&header.digest),
            verifier.key().step(),
            origami_format::hex(&digest)
        )));
    }
    let proof = ProofFile::from_bytes(&request.proof).map_err(|e| malformed(&e))?;
    if proof.kind() == ProofKind::Recursive {
        return Err(VerifyFailure::Malformed(
            "a recursive proof file, not a compressed or sharded proof".into(),
        ));
    }
    let z_final = proof
        .verify(verifier, request.steps, &request.z0.0)
        .map_err(|e| VerifyFailure::Rejected(e.to_string()))?;
    Ok(Verified {
        z_final: State(z_final),
        kind: proof.kind(),
        shards: proof.shards(),
    })
}

//! Compressed, zero-knowledge proofs: a [`RecursiveSnark`]'s running instances proven with
//! Spartan, so a verifier checks a few-kilobyte proof with a verifier key that holds no shape
//! (preprocessing variant) and never the prover's parameters.
//!
//! Compression (as in Nova): fold the last secondary instance into the running one; fold a random
//! relaxed instance into each curve's running instance ([`BlindingFold`]), which makes what
//! Spartan sees uniformly random; prove both folded instances with Spartan.
//!
//! [`CompressedProverKey`] holds the folding parameters (its commitment keys grown to what
//! Spartan needs) and both Spartan prover keys. [`CompressedVerifierKey`] holds the step's
//! description, the parameters' digest, the commitment keys' sizes and both Spartan verifier
//! keys; [`CompressedVerifierKey::prepare`] re-derives the commitment keys from their labels.

use std::path::Path;

use origami_arith::encoding::field_vec;
use origami_arith::generators::{GeneratorOrigin, generator_digest};
use origami_arith::{Commitment, Cycle, GeneratorSource, StreamedGenerators};
use origami_format::{FileKind, FormatError, hex};
use origami_r1cs::{R1csInstance, RelaxedR1csInstance};
use origami_spartan::{SnarkProof, SnarkProverKey, SnarkVerifierKey, SpartanError, Variant};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use sha3::{Digest, Keccak256};

use crate::error::NovaError;
use crate::ivc::{RecursiveSnark, Statement};
use crate::nifs::{BlindingFold, NifsProof};
use crate::params::{PrimaryField, ProvableStep, PublicParams, SecondaryField, digest_to_field};
use crate::step::StepCircuit;

type Primary<Y> = <Y as Cycle>::Primary;
type Secondary<Y> = <Y as Cycle>::Secondary;

fn snark_error(which: &'static str) -> impl FnOnce(origami_spartan::SpartanError) -> NovaError {
    move |source| NovaError::Snark { which, source }
}

/// What the verifier needs: small, and never derived from the prover key at verification time.
///
/// Its [`identity`](Self::identity) is computed whenever a key is made or decoded, never read.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(
    bound = "SC: Serialize + DeserializeOwned",
    from = "VerifierKeyParts<Y, SC>"
)]
pub struct CompressedVerifierKey<Y: Cycle, SC> {
    parts: VerifierKeyParts<Y, SC>,
    identity: [u8; 32],
}

/// What a verifier key holds (and its file stores).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound = "SC: Serialize + DeserializeOwned")]
struct VerifierKeyParts<Y: Cycle, SC> {
    step: SC,
    params_digest: [u8; 32],
    ck_len_primary: usize,
    ck_len_secondary: usize,
    /// [`generator_digest`] of the generators each Spartan proof is opened against.
    generator_digest_primary: [u8; 32],
    generator_digest_secondary: [u8; 32],
    snark_primary: SnarkVerifierKey<Primary<Y>>,
    snark_secondary: SnarkVerifierKey<Secondary<Y>>,
}

impl<Y: Cycle, SC: Serialize> From<VerifierKeyParts<Y, SC>> for CompressedVerifierKey<Y, SC> {
    fn from(parts: VerifierKeyParts<Y, SC>) -> Self {
        let identity = parts.identity();
        Self { parts, identity }
    }
}

impl<Y: Cycle, SC: Serialize + DeserializeOwned> Serialize for CompressedVerifierKey<Y, SC> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.parts.serialize(s)
    }
}

/// Everything the prover needs to prove steps and compress.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(bound = "SC: Serialize + DeserializeOwned")]
pub struct CompressedProverKey<Y: Cycle, SC> {
    params: PublicParams<Y, SC>,
    snark_primary: SnarkProverKey<Primary<Y>>,
    snark_secondary: SnarkProverKey<Secondary<Y>>,
    vk: CompressedVerifierKey<Y, SC>,
}

/// A checked verifier key with the generators it needs: ready to verify many proofs.
///
/// The generators are derived a chunk at a time during each verification and dropped, so a
/// verifier holds a few MiB however large the circuit.
#[derive(Clone, Debug)]
pub struct CompressedVerifier<Y: Cycle, SC> {
    vk: CompressedVerifierKey<Y, SC>,
    gens_primary: StreamedGenerators<Primary<Y>>,
    gens_secondary: StreamedGenerators<Secondary<Y>>,
}

impl<Y: Cycle, SC: ProvableStep<Y>> CompressedProverKey<Y, SC> {
    /// Runs setup for `step` with the chosen Spartan variant.
    pub fn setup(step: SC, variant: Variant) -> Result<Self, NovaError> {
        let params = PublicParams::setup(step)?;
        Self::from_params(params, variant)
    }

    /// Adds compression to folding parameters: grows the commitment keys and sets Spartan up.
    pub fn from_params(
        mut params: PublicParams<Y, SC>,
        variant: Variant,
    ) -> Result<Self, NovaError> {
        let n1 = variant.commitment_key_len::<Primary<Y>>(params.shape_primary());
        let n2 = variant.commitment_key_len::<Secondary<Y>>(params.shape_secondary());
        params.extend_commitment_keys(n1, n2);
        let (snark_primary, snark_secondary) = rayon::join(
            || SnarkProverKey::setup(variant, params.ck_primary(), params.shape_primary()),
            || SnarkProverKey::setup(variant, params.ck_secondary(), params.shape_secondary()),
        );
        let snark_primary = snark_primary.map_err(snark_error("primary"))?;
        let snark_secondary = snark_secondary.map_err(snark_error("secondary"))?;
        let (vk_primary, vk_secondary) =
            (snark_primary.verifier_key(), snark_secondary.verifier_key());
        let (generator_digest_primary, generator_digest_secondary) =
            generator_digests(&params, &vk_primary, &vk_secondary)?;
        let vk = CompressedVerifierKey::from(VerifierKeyParts {
            step: params.step().clone(),
            params_digest: params.digest(),
            ck_len_primary: params.ck_primary().len(),
            ck_len_secondary: params.ck_secondary().len(),
            generator_digest_primary,
            generator_digest_secondary,
            snark_primary: vk_primary,
            snark_secondary: vk_secondary,
        });
        Ok(Self {
            params,
            snark_primary,
            snark_secondary,
            vk,
        })
    }

    /// Writes the key to `path`, its header naming the verifier key's
    /// [`identity`](CompressedVerifierKey::identity). Returns the bytes written.
    pub fn save(&self, path: &Path) -> Result<u64, FormatError> {
        origami_format::write_file(path, FileKind::ProverKey, self.vk.identity, self)
    }

    /// Loads a key written by [`save`](Self::save), checking that its parts fit together: the
    /// folding parameters against their digest and their generators against their labels
    /// ([`PublicParams::load`]'s checks), the verifier key against the prover's, and the header
    /// against the verifier key's recomputed identity.
    pub fn load(path: &Path) -> Result<Self, NovaError> {
        Self::from_bytes(&origami_format::read_file_bytes(
            path,
            FileKind::ProverKey,
            None,
        )?)
    }

    /// Decodes a key file's contents, with [`load`](Self::load)'s checks.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, NovaError> {
        let (header, key): (_, Self) = origami_format::decode(bytes, FileKind::ProverKey, None)?;
        key.params.check()?;
        let consistent = header.digest == key.vk.identity
            && key.vk.parts.params_digest == key.params.digest()
            && key.vk.parts.step == *key.params.step()
            && key.vk.parts.snark_primary == key.snark_primary.verifier_key()
            && key.vk.parts.snark_secondary == key.snark_secondary.verifier_key()
            && key.vk.parts.ck_len_primary == key.params.ck_primary().len()
            && key.vk.parts.ck_len_secondary == key.params.ck_secondary().len()
            && key.params.ck_primary().len() == key.vk.parts.snark_primary.commitment_key_len()
            && key.params.ck_secondary().len() == key.vk.parts.snark_secondary.commitment_key_len()
            && generator_digests(
                &key.params,
                &key.vk.parts.snark_primary,
                &key.vk.parts.snark_secondary,
            )? == (
                key.vk.parts.generator_digest_primary,
                key.vk.parts.generator_digest_secondary,
            );
        if !consistent {
            return Err(NovaError::KeyInconsistent);
        }
        Ok(key)
    }
}

/// The digests of the generators each curve's Spartan proof is opened against.
fn generator_digests<Y: Cycle, SC>(
    params: &PublicParams<Y, SC>,
    snark_primary: &SnarkVerifierKey<Primary<Y>>,
    snark_secondary: &SnarkVerifierKey<Secondary<Y>>,
) -> Result<([u8; 32], [u8; 32]), NovaError> {
    let primary = generator_digest(params.ck_primary(), snark_primary.commitment_key_len());
    let secondary = generator_digest(params.ck_secondary(), snark_secondary.commitment_key_len());
    primary.zip(secondary).ok_or(NovaError::KeyInconsistent)
}

impl<Y: Cycle, SC> CompressedProverKey<Y, SC> {
    /// Writes both curves' generator cache files into `dir` (see [`StreamedGenerators`]), so that
    /// verifiers on this machine read the generators instead of deriving them.
    pub fn store_generators(&self, dir: &Path) -> std::io::Result<()> {
        StreamedGenerators::store(self.params.ck_primary(), dir)?;
        StreamedGenerators::store(self.params.ck_secondary(), dir)?;
        Ok(())
    }

    /// The folding parameters (for [`RecursiveSnark`]).
    pub fn params(&self) -> &PublicParams<Y, SC> {
        &self.params
    }

    /// The verifier key.
    pub fn verifier_key(&self) -> &CompressedVerifierKey<Y, SC> {
        &self.vk
    }

    /// The Spartan variant.
    pub fn variant(&self) -> Variant {
        self.snark_primary.variant()
    }
}

impl<Y: Cycle, SC: Serialize> VerifierKeyParts<Y, SC> {
    /// [`CompressedVerifierKey::identity`] of these parts.
    fn identity(&self) -> [u8; 32] {
        // The step's encoding names the circuit and its size; bincode cannot fail on the plain
        // data a step is (a failure would leave it out, and the identity still covers the
        // parameters' digest, which the step's shapes determine).
        let step = bincode::serialize(&self.step).unwrap_or_default();
        let mut h = Keccak256::new();
        h.update(b"origami/verifier-key/v1");
        h.update(Y::NAME.as_bytes());
        h.update((step.len() as u64).to_le_bytes());
        h.update(&step);
        h.update(self.params_digest);
        h.update((self.ck_len_primary as u64).to_le_bytes());
        h.update((self.ck_len_secondary as u64).to_le_bytes());
        h.update(self.generator_digest_primary);
        h.update(self.generator_digest_secondary);
        h.update(self.variant().name().as_bytes());
        h.update(self.snark_primary.digest());
        h.update(self.snark_secondary.digest());
        h.finalize().into()
    }

    fn variant(&self) -> Variant {
        self.snark_primary.variant()
    }
}

impl<Y: Cycle, SC: ProvableStep<Y>> CompressedVerifierKey<Y, SC> {
    /// Checks the key and names the generators its proofs are opened against.
    pub fn prepare(self) -> Result<CompressedVerifier<Y, SC>, NovaError> {
        if self.parts.snark_primary.commitment_key_len() != self.parts.ck_len_primary
            || self.parts.snark_secondary.commitment_key_len() != self.parts.ck_len_secondary
            || self.parts.snark_primary.variant() != self.parts.snark_secondary.variant()
        {
            return Err(NovaError::KeyInconsistent);
        }
        let (l1, l2) = PublicParams::<Y, SC>::commitment_key_labels();
        Ok(CompressedVerifier {
            gens_primary: StreamedGenerators::new(
                l1,
                self.parts.snark_primary.commitment_key_len(),
                self.parts.generator_digest_primary,
            ),
            gens_secondary: StreamedGenerators::new(
                l2,
                self.parts.snark_secondary.commitment_key_len(),
                self.parts.generator_digest_secondary,
            ),
            vk: self,
        })
    }

    /// Re-derives the full folding parameters (setup again) and checks them against the digest:
    /// what checking an uncompressed proof needs when the prover key is not at hand.
    pub fn expand(&self) -> Result<PublicParams<Y, SC>, NovaError> {
        let pk = PublicParams::setup(self.parts.step.clone())?;
        if pk.digest() != self.parts.params_digest {
            return Err(NovaError::KeyInconsistent);
        }
        Ok(pk)
    }

    /// Writes the key to `path`, its header naming the key's identity. Returns the bytes written.
    pub fn save(&self, path: &Path) -> Result<u64, FormatError> {
        origami_format::write_file(path, FileKind::VerifierKey, self.identity, self)
    }

    /// Loads a key written by [`save`](Self::save): its identity is recomputed from what it
    /// holds, and a key whose header names another identity (edited after setup) is refused.
    pub fn load(path: &Path) -> Result<Self, NovaError> {
        let (header, key): (_, Self) =
            origami_format::read_file(path, FileKind::VerifierKey, None)?;
        key.check_header(&header)
    }

    /// The key as the bytes [`save`](Self::save) writes (what a prover process hands to a
    /// verifier process).
    pub fn to_bytes(&self) -> Result<Vec<u8>, FormatError> {
        origami_format::encode(FileKind::VerifierKey, self.identity, self)
    }

    /// Decodes [`to_bytes`](Self::to_bytes)' output (or a key file's contents), with
    /// [`load`](Self::load)'s checks.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, NovaError> {
        let (header, key): (_, Self) = origami_format::decode(bytes, FileKind::VerifierKey, None)?;
        key.check_header(&header)
    }

    fn check_header(self, header: &origami_format::Header) -> Result<Self, NovaError> {
        if header.digest != self.identity {
            return Err(NovaError::KeyIdentity {
                recorded: hex(&header.digest),
                computed: hex(&self.identity),
            });
        }
        Ok(self)
    }
}

impl<Y: Cycle, SC> CompressedVerifierKey<Y, SC> {
    /// The key's identity: a digest of everything a verifier uses — the step (circuit and size),
    /// the folding parameters' digest (both augmented shapes, the commitment-key labels), both
    /// commitment keys' lengths and generator digests, the Spartan variant and both Spartan
    /// verifier keys' digests. Proof files, sharded proofs, cluster jobs and the service name
    /// the key they are for by it; two keys with one identity verify the same statements.
    pub fn identity(&self) -> [u8; 32] {
        self.identity
    }

    /// The digest of the folding parameters (bound inside every proof's instance hashes).
    pub fn params_digest(&self) -> [u8; 32] {
        self.parts.params_digest
    }

    /// The step circuit.
    pub fn step(&self) -> &SC {
        &self.parts.step
    }

    /// The Spartan variant.
    pub fn variant(&self) -> Variant {
        self.parts.snark_primary.variant()
    }

    /// Both curves' Spartan verifier keys (primary, secondary).
    pub fn snark_keys(
        &self,
    ) -> (
        &SnarkVerifierKey<Primary<Y>>,
        &SnarkVerifierKey<Secondary<Y>>,
    ) {
        (&self.parts.snark_primary, &self.parts.snark_secondary)
    }

    /// Generators the verifier derives (primary, secondary).
    pub fn commitment_key_lens(&self) -> (usize, usize) {
        (
            self.parts.snark_primary.commitment_key_len(),
            self.parts.snark_secondary.commitment_key_len(),
        )
    }
}

impl<Y: Cycle, SC> CompressedVerifier<Y, SC> {
    /// Reads the generators from cache files in `dir` (writing them on first use) instead of
    /// deriving them for every proof.
    pub fn with_generator_cache(mut self, dir: &Path) -> Self {
        self.gens_primary = self.gens_primary.with_cache_dir(dir);
        self.gens_secondary = self.gens_secondary.with_cache_dir(dir);
        self
    }

    /// True when both generator cache files are present (see
    /// [`with_generator_cache`](Self::with_generator_cache)).
    pub fn generators_cached(&self) -> bool {
        self.gens_primary.is_cached() && self.gens_secondary.is_cached()
    }

    /// Where the last verification took its generators from, both curves together (`None`
    /// before the first): unlike [`generators_cached`](Self::generators_cached), this knows
    /// whether a cache file's contents were right.
    pub fn generators_origin(&self) -> Option<GeneratorOrigin> {
        Some(
            self.gens_primary
                .last_origin()?
                .and(self.gens_secondary.last_origin()?),
        )
    }

    /// The verifier key.
    pub fn key(&self) -> &CompressedVerifierKey<Y, SC> {
        &self.vk
    }
}

/// A compressed proof of `z_n = Fⁿ(z0)`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct CompressedProof<Y: Cycle> {
    /// [`CompressedVerifierKey::identity`] of the key the proof was made for.
    pub verifier_key: [u8; 32],
    /// Digest of the parameters the proof was made with.
    pub params_digest: [u8; 32],
    /// Steps proven.
    pub num_steps: u64,
    /// Initial state.
    #[serde(with = "field_vec")]
    pub z0: Vec<PrimaryField<Y>>,
    /// Final state.
    #[serde(with = "field_vec")]
    pub z_final: Vec<PrimaryField<Y>>,
    /// Final state of the secondary (trivial) circuit.
    #[serde(with = "field_vec")]
    pub zi_secondary: Vec<SecondaryField<Y>>,
    /// Running instance of the primary circuit.
    pub running_primary: RelaxedR1csInstance<Primary<Y>>,
    /// Running instance of the secondary circuit.
    pub running_secondary: RelaxedR1csInstance<Secondary<Y>>,
    /// The last secondary instance.
    pub last_secondary: R1csInstance<Secondary<Y>>,
    /// `Com(T)` of folding the last secondary instance into the running one.
    pub fold_secondary: Commitment<Secondary<Y>>,
    /// The random instance folded into the primary, and the folded blinding factors.
    pub blind_primary: BlindingFold<Primary<Y>>,
    /// The same for the secondary.
    pub blind_secondary: BlindingFold<Secondary<Y>>,
    /// Spartan proof of the folded primary instance.
    pub snark_primary: SnarkProof<Primary<Y>>,
    /// Spartan proof of the folded secondary instance.
    pub snark_secondary: SnarkProof<Secondary<Y>>,
}

impl<Y: Cycle> CompressedProof<Y> {
    /// Compresses the steps `snark` has proven so far (fresh randomness each call).
    pub fn prove<SC: ProvableStep<Y>>(
        pk: &CompressedProverKey<Y, SC>,
        snark: &RecursiveSnark<Y, SC>,
    ) -> Result<Self, NovaError> {
        Self::prove_with_rng(pk, snark, rand::rngs::OsRng)
    }

    /// [`prove`](Self::prove) with the blinding drawn from `rng`.
    pub fn prove_with_rng<SC: ProvableStep<Y>>(
        pk: &CompressedProverKey<Y, SC>,
        snark: &RecursiveSnark<Y, SC>,
        mut rng: impl rand::RngCore,
    ) -> Result<Self, NovaError> {
        let st = snark.state.as_ref().ok_or(NovaError::NoSteps)?;
        let params = &pk.params;
        let digest = params.digest();
        let pp1 = digest_to_field(&digest);

        let mut secondary = st.running_secondary.clone();
        let fold_secondary = secondary
            .fold(
                params.ck_secondary(),
                params.shape_secondary(),
                &pp1,
                st.buf_secondary.z(),
                &st.last_secondary,
            )?
            .comm_t;
        let (blind_secondary, u_secondary, w_secondary) = secondary.blind(
            params.ck_secondary(),
            params.shape_secondary(),
            &digest,
            &mut rng,
        )?;
        drop(secondary);
        let (blind_primary, u_primary, w_primary) = st.running_primary.blind(
            params.ck_primary(),
            params.shape_primary(),
            &digest,
            &mut rng,
        )?;
        let (snark_primary, snark_secondary) = rayon::join(
            || {
                SnarkProof::prove(
                    params.ck_primary(),
                    &pk.snark_primary,
                    &u_primary,
                    &w_primary,
                )
            },
            || {
                SnarkProof::prove(
                    params.ck_secondary(),
                    &pk.snark_secondary,
                    &u_secondary,
                    &w_secondary,
                )
            },
        );
        Ok(Self {
            verifier_key: pk.vk.identity,
            params_digest: digest,
            num_steps: snark.num_steps,
            z0: snark.z0.clone(),
            z_final: snark.zi.clone(),
            zi_secondary: snark.zi_secondary.clone(),
            running_primary: st.running_primary.instance().clone(),
            running_secondary: st.running_secondary.instance().clone(),
            last_secondary: st.last_secondary.clone(),
            fold_secondary,
            blind_primary,
            blind_secondary,
            snark_primary: snark_primary.map_err(snark_error("primary"))?,
            snark_secondary: snark_secondary.map_err(snark_error("secondary"))?,
        })
    }

    /// Checks that the proof shows `z_n = Fⁿ(z0)` for `n = num_steps` and returns `z_n`.
    pub fn verify<SC: StepCircuit<PrimaryField<Y>>>(
        &self,
        verifier: &CompressedVerifier<Y, SC>,
        num_steps: u64,
        z0: &[PrimaryField<Y>],
    ) -> Result<Vec<PrimaryField<Y>>, NovaError> {
        let vk = &verifier.vk;
        if self.verifier_key != vk.identity {
            // The most precise reason first: another circuit, another variant, another key.
            if self.params_digest != vk.parts.params_digest {
                return Err(NovaError::ParamsMismatch {
                    expected: hex(&vk.parts.params_digest),
                    found: hex(&self.params_digest),
                });
            }
            if self.snark_primary.variant() != vk.variant() {
                return Err(snark_error("primary")(SpartanError::VariantMismatch {
                    key: vk.variant().name(),
                    proof: self.snark_primary.variant().name(),
                }));
            }
            return Err(NovaError::KeyMismatch {
                expected: hex(&vk.identity),
                found: hex(&self.verifier_key),
            });
        }
        let digest = vk.parts.params_digest;
        Statement::<Y> {
            params_digest: &self.params_digest,
            num_steps: self.num_steps,
            z0: &self.z0,
            z_final: &self.z_final,
            zi_secondary: &self.zi_secondary,
            running_primary: &self.running_primary,
            running_secondary: &self.running_secondary,
            last_secondary: &self.last_secondary,
        }
        .check(&digest, vk.parts.step.arity(), num_steps, z0)?;
        if self.running_primary.x.len() != 2 || self.running_secondary.x.len() != 2 {
            return Err(NovaError::PublicInputCount(
                self.running_primary
                    .x
                    .len()
                    .max(self.running_secondary.x.len()),
            ));
        }

        let pp1 = digest_to_field(&digest);
        let folded_secondary = NifsProof {
            comm_t: self.fold_secondary,
        }
        .verify(&pp1, &self.running_secondary, &self.last_secondary)?;
        let (g1, g2) = (&verifier.gens_primary, &verifier.gens_secondary);
        let u_secondary =
            self.blind_secondary
                .verify(&g2.blinding_generator(), &digest, &folded_secondary)?;
        let u_primary =
            self.blind_primary
                .verify(&g1.blinding_generator(), &digest, &self.running_primary)?;
        let (vk1, vk2) = (&vk.parts.snark_primary, &vk.parts.snark_secondary);
        let (primary, secondary) = rayon::join(
            || self.snark_primary.verify(g1, vk1, &u_primary),
            || self.snark_secondary.verify(g2, vk2, &u_secondary),
        );
        primary.map_err(snark_error("primary"))?;
        secondary.map_err(snark_error("secondary"))?;
        Ok(self.z_final.clone())
    }

    /// Writes the proof to `path`, its header naming the verifier key's identity. Returns the
    /// bytes written.
    pub fn save(&self, path: &Path) -> Result<u64, FormatError> {
        origami_format::write_file(path, FileKind::CompressedProof, self.verifier_key, self)
    }

    /// Loads a proof, refusing one made for another verifier key than `expected_key` (an
    /// [`identity`](CompressedVerifierKey::identity)).
    pub fn load(path: &Path, expected_key: &[u8; 32]) -> Result<Self, NovaError> {
        let (_, proof): (_, Self) =
            origami_format::read_file(path, FileKind::CompressedProof, Some(expected_key))?;
        proof.check_key(expected_key)
    }

    /// Decodes a proof file's contents, refusing a proof made for another verifier key than
    /// `expected_key`.
    pub fn from_bytes(bytes: &[u8], expected_key: &[u8; 32]) -> Result<Self, NovaError> {
        let (_, proof): (_, Self) =
            origami_format::decode(bytes, FileKind::CompressedProof, Some(expected_key))?;
        proof.check_key(expected_key)
    }

    /// The header and the proof must name the same key.
    fn check_key(self, expected_key: &[u8; 32]) -> Result<Self, NovaError> {
        if self.verifier_key != *expected_key {
            return Err(NovaError::KeyMismatch {
                expected: hex(expected_key),
                found: hex(&self.verifier_key),
            });
        }
        Ok(self)
    }
}

//! Keys and proofs of either Spartan variant behind one type: the variant is chosen at setup and
//! recorded in the keys, so callers (and files) carry one type whatever was chosen.

use core::fmt;
use core::str::FromStr;

use origami_arith::{CommitmentKey, CycleCurve, GeneratorSource, ScalarOf};
use origami_r1cs::{R1csShape, RelaxedR1csInstance, RelaxedR1csWitness};
use serde::{Deserialize, Serialize};

use crate::error::SpartanError;
use crate::preprocessed::{PreprocessedProof, PreprocessedProverKey, PreprocessedVerifierKey};
use crate::snark::{DirectKey, SpartanProof};

/// Which Spartan variant a key proves with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Variant {
    /// The verifier evaluates the matrices itself; its key holds the shape.
    Direct,
    /// The matrices are committed at setup; the verifier key is a few commitments.
    #[default]
    Preprocessing,
}

impl Variant {
    /// The variant's name as the command line spells it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Direct => "direct",
            Self::Preprocessing => "preprocessing",
        }
    }

    /// Generators a commitment key needs for this variant on `shape`.
    pub fn commitment_key_len<C: CycleCurve>(self, shape: &R1csShape<ScalarOf<C>>) -> usize {
        match self {
            Self::Direct => {
                let p = shape.pad();
                p.num_cons().max(p.num_vars())
            }
            Self::Preprocessing => PreprocessedProverKey::<C>::commitment_key_len(shape),
        }
    }
}

impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Variant {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "direct" => Ok(Self::Direct),
            "preprocessing" => Ok(Self::Preprocessing),
            other => Err(format!(
                "unknown Spartan variant {other:?} (expected direct or preprocessing)"
            )),
        }
    }
}

/// A prover key of either variant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound = "")]
pub enum SnarkProverKey<C: CycleCurve> {
    /// Direct variant.
    Direct(Box<DirectKey<C>>),
    /// Preprocessing variant.
    Preprocessing(Box<PreprocessedProverKey<C>>),
}

/// A verifier key of either variant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound = "")]
pub enum SnarkVerifierKey<C: CycleCurve> {
    /// Direct variant: the padded shape.
    Direct(Box<DirectKey<C>>),
    /// Preprocessing variant: commitments to the sparse matrices.
    Preprocessing(PreprocessedVerifierKey<C>),
}

/// A proof of either variant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound = "")]
pub enum SnarkProof<C: CycleCurve> {
    /// Direct variant.
    Direct(SpartanProof<C>),
    /// Preprocessing variant.
    Preprocessing(PreprocessedProof<C>),
}

impl<C: CycleCurve> SnarkProverKey<C> {
    /// Sets up `variant` for `shape`; `ck` must have
    /// [`Variant::commitment_key_len`] generators.
    pub fn setup(
        variant: Variant,
        ck: &CommitmentKey<C>,
        shape: &R1csShape<ScalarOf<C>>,
    ) -> Result<Self, SpartanError> {
        let needed = variant.commitment_key_len::<C>(shape);
        if ck.len() < needed {
            return Err(SpartanError::KeyTooShort {
                len: needed,
                key: ck.len(),
            });
        }
        Ok(match variant {
            Variant::Direct => Self::Direct(Box::new(DirectKey::new(shape))),
            Variant::Preprocessing => {
                Self::Preprocessing(Box::new(PreprocessedProverKey::setup(ck, shape)?))
            }
        })
    }

    /// The variant.
    pub fn variant(&self) -> Variant {
        match self {
            Self::Direct(_) => Variant::Direct,
            Self::Preprocessing(_) => Variant::Preprocessing,
        }
    }

    /// The matching verifier key.
    pub fn verifier_key(&self) -> SnarkVerifierKey<C> {
        match self {
            Self::Direct(k) => SnarkVerifierKey::Direct(k.clone()),
            Self::Preprocessing(k) => SnarkVerifierKey::Preprocessing(k.verifier_key().clone()),
        }
    }
}

impl<C: CycleCurve> SnarkVerifierKey<C> {
    /// The variant.
    pub fn variant(&self) -> Variant {
        match self {
            Self::Direct(_) => Variant::Direct,
            Self::Preprocessing(_) => Variant::Preprocessing,
        }
    }

    /// The digest of everything the verifier uses from this key (the variant, and the padded
    /// shape's digest or the preprocessed key's dimensions, entry count, shape digest and matrix
    /// commitments). Proof transcripts start with the variant's own key digest; a whole verifier
    /// key's identity covers this.
    pub fn digest(&self) -> [u8; 32] {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(b"origami/spartan-vk/v1");
        h.update(self.variant().name().as_bytes());
        match self {
            Self::Direct(k) => h.update(k.digest()),
            Self::Preprocessing(k) => h.update(k.digest()),
        }
        h.finalize().into()
    }

    /// Generators the verifier's commitment key needs.
    pub fn commitment_key_len(&self) -> usize {
        match self {
            Self::Direct(k) => k.shape().num_cons().max(k.shape().num_vars()),
            Self::Preprocessing(k) => k.commitment_key_len(),
        }
    }
}

impl<C: CycleCurve> SnarkProof<C> {
    /// Proves that `witness` satisfies `instance`, with the key's variant.
    pub fn prove(
        ck: &CommitmentKey<C>,
        pk: &SnarkProverKey<C>,
        instance: &RelaxedR1csInstance<C>,
        witness: &RelaxedR1csWitness<ScalarOf<C>>,
    ) -> Result<Self, SpartanError> {
        Ok(match pk {
            SnarkProverKey::Direct(k) => {
                Self::Direct(SpartanProof::prove(ck, k, instance, witness)?)
            }
            SnarkProverKey::Preprocessing(k) => {
                Self::Preprocessing(PreprocessedProof::prove(ck, k, instance, witness)?)
            }
        })
    }

    /// The variant.
    pub fn variant(&self) -> Variant {
        match self {
            Self::Direct(_) => Variant::Direct,
            Self::Preprocessing(_) => Variant::Preprocessing,
        }
    }

    /// Verifies the proof for `instance`; a proof of the other variant is refused.
    pub fn verify(
        &self,
        gens: &dyn GeneratorSource<C>,
        vk: &SnarkVerifierKey<C>,
        instance: &RelaxedR1csInstance<C>,
    ) -> Result<(), SpartanError> {
        match (self, vk) {
            (Self::Direct(p), SnarkVerifierKey::Direct(k)) => p.verify(gens, k, instance),
            (Self::Preprocessing(p), SnarkVerifierKey::Preprocessing(k)) => {
                p.verify(gens, k, instance)
            }
            _ => Err(SpartanError::VariantMismatch {
                key: vk.variant().name(),
                proof: self.variant().name(),
            }),
        }
    }
}

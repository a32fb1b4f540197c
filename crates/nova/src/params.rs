//! Public parameters: both augmented circuits' shapes and commitment keys, and their digest.
//!
//! [`PublicParams`] is the whole of it. Both parts are deterministic (shapes by synthesis, keys
//! derived from a label), so a verifier holding only the step's description and the digest
//! ([`CompressedVerifierKey`](crate::CompressedVerifierKey)) can re-derive them and check the
//! digest without the prover's file.

use std::marker::PhantomData;
use std::path::Path;

use ff::PrimeField;
use origami_arith::{CommitmentKey, Cycle, CycleCurve, ScalarOf};
use origami_format::{FileKind, FormatError};
use origami_r1cs::R1csShape;
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use sha3::{Digest, Keccak256};

use crate::augmented;
use crate::convert::{NUM_HASH_BITS, from_le_bytes_truncated};
use crate::error::NovaError;
use crate::step::{StepCircuit, TrivialCircuit};

/// Scalar field of the primary curve: the field the user's step circuit is written over.
pub type PrimaryField<Y> = ScalarOf<<Y as Cycle>::Primary>;
/// Scalar field of the secondary curve.
pub type SecondaryField<Y> = ScalarOf<<Y as Cycle>::Secondary>;

/// Label of the primary commitment key.
const CK_PRIMARY: &[u8] = b"origami/ck/primary";
/// Label of the secondary commitment key.
const CK_SECONDARY: &[u8] = b"origami/ck/secondary";

/// What setup needs of a step circuit: it runs over the primary field and is written to key files.
pub trait ProvableStep<Y: Cycle>:
    StepCircuit<PrimaryField<Y>> + Serialize + DeserializeOwned + PartialEq + core::fmt::Debug
{
}

impl<Y: Cycle, T> ProvableStep<Y> for T where
    T: StepCircuit<PrimaryField<Y>> + Serialize + DeserializeOwned + PartialEq + core::fmt::Debug
{
}

/// Everything the prover needs: shapes and commitment keys of both augmented circuits.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(bound = "SC: Serialize + DeserializeOwned")]
pub struct PublicParams<Y: Cycle, SC> {
    step: SC,
    shape_primary: R1csShape<PrimaryField<Y>>,
    shape_secondary: R1csShape<SecondaryField<Y>>,
    ck_primary: CommitmentKey<Y::Primary>,
    ck_secondary: CommitmentKey<Y::Secondary>,
    digest: [u8; 32],
    #[serde(skip)]
    _cycle: PhantomData<Y>,
}

/// The digest truncated to 250 bits, as an element of `F` (valid in both fields of the cycle).
pub(crate) fn digest_to_field<F: PrimeField>(digest: &[u8; 32]) -> F {
    from_le_bytes_truncated(digest, NUM_HASH_BITS)
}

/// The digest of the shapes and the commitment keys' labels. A key's length is not part of it: a
/// longer key from the same label extends a shorter one (compression needs more generators than
/// folding), so the label alone fixes every commitment.
fn params_digest<Y: Cycle>(
    shape_primary: &R1csShape<PrimaryField<Y>>,
    shape_secondary: &R1csShape<SecondaryField<Y>>,
) -> [u8; 32] {
    let mut h = Keccak256::new();
    h.update(b"origami/public-params/v2");
    h.update(Y::NAME.as_bytes());
    h.update(shape_primary.digest());
    h.update(shape_secondary.digest());
    for label in [CK_PRIMARY, CK_SECONDARY] {
        h.update((label.len() as u64).to_le_bytes());
        h.update(label);
    }
    h.finalize().into()
}

/// The shapes of both augmented circuits for `step`.
type Shapes<Y> = (R1csShape<PrimaryField<Y>>, R1csShape<SecondaryField<Y>>);

fn shapes<Y: Cycle, SC: ProvableStep<Y>>(step: &SC) -> Result<Shapes<Y>, NovaError>
where
    PrimaryField<Y>: ff::PrimeFieldBits,
    SecondaryField<Y>: ff::PrimeFieldBits,
{
    let primary = R1csShape::from_fn(|cs| {
        augmented::synthesize::<Y::Secondary, SC, _>(cs, true, None, step, None).map(|_| ())
    })?;
    let secondary = R1csShape::from_fn(|cs| {
        augmented::synthesize::<Y::Primary, TrivialCircuit, _>(
            cs,
            false,
            None,
            &TrivialCircuit,
            None,
        )
        .map(|_| ())
    })?;
    Ok((primary, secondary))
}

impl<Y: Cycle, SC: ProvableStep<Y>> PublicParams<Y, SC>
where
    PrimaryField<Y>: ff::PrimeFieldBits,
    SecondaryField<Y>: ff::PrimeFieldBits,
{
    /// Runs setup: synthesizes both augmented circuits and derives commitment keys large enough
    /// for their witnesses and error vectors.
    pub fn setup(step: SC) -> Result<Self, NovaError> {
        let (shape_primary, shape_secondary) = shapes::<Y, SC>(&step)?;
        let n1 = shape_primary.num_vars().max(shape_primary.num_cons());
        let n2 = shape_secondary.num_vars().max(shape_secondary.num_cons());
        let ck_primary = CommitmentKey::setup(CK_PRIMARY, n1);
        let ck_secondary = CommitmentKey::setup(CK_SECONDARY, n2);
        let digest = params_digest::<Y>(&shape_primary, &shape_secondary);
        Ok(Self {
            step,
            shape_primary,
            shape_secondary,
            ck_primary,
            ck_secondary,
            digest,
            _cycle: PhantomData,
        })
    }

    /// Writes the key to `path` (see `origami_format`). Returns the bytes written.
    pub fn save(&self, path: &Path) -> Result<u64, FormatError> {
        origami_format::write_file(path, FileKind::ProverKey, self.digest, self)
    }

    /// Loads a key written by [`save`](Self::save), checking the header, the checksum, and that
    /// the stored digest is the digest of the stored shapes and key sizes.
    pub fn load(path: &Path) -> Result<Self, NovaError> {
        let (header, key): (_, Self) = origami_format::read_file(path, FileKind::ProverKey, None)?;
        if header.digest != key.digest {
            return Err(NovaError::KeyInconsistent);
        }
        key.check()?;
        Ok(key)
    }

    /// Checks what a loaded key must satisfy: the digest is the digest of the shapes, the
    /// commitment keys are long enough for them, and their generators are the ones derived from
    /// the labels the digest covers. The digest names labels, not points: without the last
    /// check, a file could pair the genuine digest with generators whose discrete logarithms
    /// its maker knows, and commitments under them bind nothing.
    pub(crate) fn check(&self) -> Result<(), NovaError> {
        if params_digest::<Y>(&self.shape_primary, &self.shape_secondary) != self.digest {
            return Err(NovaError::KeyInconsistent);
        }
        let (p, s) = (&self.shape_primary, &self.shape_secondary);
        if self.ck_primary.len() < p.num_vars().max(p.num_cons())
            || self.ck_secondary.len() < s.num_vars().max(s.num_cons())
        {
            return Err(NovaError::KeyInconsistent);
        }
        let (primary, secondary) = rayon::join(
            || self.ck_primary.label() == CK_PRIMARY && self.ck_primary.is_derived_from_label(),
            || {
                self.ck_secondary.label() == CK_SECONDARY
                    && self.ck_secondary.is_derived_from_label()
            },
        );
        if !primary {
            return Err(NovaError::Generators("primary"));
        }
        if !secondary {
            return Err(NovaError::Generators("secondary"));
        }
        Ok(())
    }
}

impl<Y: Cycle, SC: StepCircuit<PrimaryField<Y>>> PublicParams<Y, SC> {
    /// Constraints of the step circuit alone: the primary circuit's others verify the fold.
    pub fn step_constraints(&self) -> Result<usize, NovaError> {
        use bellpepper_core::{ConstraintSystem, num::AllocatedNum};
        let step = &self.step;
        let shape = R1csShape::<PrimaryField<Y>>::from_fn(|cs| {
            let z = (0..step.arity())
                .map(|k| {
                    AllocatedNum::alloc(cs.namespace(|| format!("z{k}")), || {
                        Ok(PrimaryField::<Y>::from(0))
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            step.synthesize(cs, &z, None).map(|_| ())
        })?;
        Ok(shape.num_cons())
    }
}

impl<Y: Cycle, SC> PublicParams<Y, SC> {
    /// The digest of these parameters.
    pub fn digest(&self) -> [u8; 32] {
        self.digest
    }

    /// The step circuit.
    pub fn step(&self) -> &SC {
        &self.step
    }

    /// The primary augmented circuit's shape.
    pub fn shape_primary(&self) -> &R1csShape<PrimaryField<Y>> {
        &self.shape_primary
    }

    /// The secondary augmented circuit's shape.
    pub fn shape_secondary(&self) -> &R1csShape<SecondaryField<Y>> {
        &self.shape_secondary
    }

    /// Grows both commitment keys to at least `n_primary` and `n_secondary` generators (from the
    /// same labels, so every commitment made before is unchanged).
    pub fn extend_commitment_keys(&mut self, n_primary: usize, n_secondary: usize) {
        self.ck_primary.extend(n_primary);
        self.ck_secondary.extend(n_secondary);
    }

    /// The labels the commitment keys are derived from (primary, secondary).
    pub fn commitment_key_labels() -> (&'static [u8], &'static [u8]) {
        (CK_PRIMARY, CK_SECONDARY)
    }

    pub(crate) fn ck_primary(&self) -> &CommitmentKey<Y::Primary> {
        &self.ck_primary
    }

    pub(crate) fn ck_secondary(&self) -> &CommitmentKey<Y::Secondary> {
        &self.ck_secondary
    }

    /// The digest as the primary circuit's field element.
    pub(crate) fn digest_primary(&self) -> <Y::Secondary as CycleCurve>::Base {
        digest_to_field(&self.digest)
    }

    /// The digest as the secondary circuit's field element.
    pub(crate) fn digest_secondary(&self) -> <Y::Primary as CycleCurve>::Base {
        digest_to_field(&self.digest)
    }
}

//! Sponge IO patterns (SAFE style): what a sponge will absorb and squeeze, declared up front and
//! bound into the initial capacity element.

use core::fmt;

use ff::PrimeField;
use sha3::{Digest, Sha3_256};
use thiserror::Error;

/// Largest element count of one step: the encoding keeps the top bit of a 32-bit word for the
/// step's kind.
const MAX_STEP_LEN: u32 = (1 << 31) - 1;
/// Top bit of an encoded word, set for absorb steps.
const ABSORB_FLAG: u32 = 1 << 31;

/// One step of an IO pattern.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum SpongeOp {
    /// Absorb this many field elements.
    Absorb(u32),
    /// Squeeze this many field elements.
    Squeeze(u32),
}

impl SpongeOp {
    fn len(self) -> u32 {
        match self {
            SpongeOp::Absorb(n) | SpongeOp::Squeeze(n) => n,
        }
    }

    fn with_len(self, n: u32) -> Self {
        match self {
            SpongeOp::Absorb(_) => SpongeOp::Absorb(n),
            SpongeOp::Squeeze(_) => SpongeOp::Squeeze(n),
        }
    }

    fn same_kind(self, other: Self) -> bool {
        matches!(
            (self, other),
            (SpongeOp::Absorb(_), SpongeOp::Absorb(_))
                | (SpongeOp::Squeeze(_), SpongeOp::Squeeze(_))
        )
    }
}

impl fmt::Display for SpongeOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpongeOp::Absorb(n) => write!(f, "absorb {n}"),
            SpongeOp::Squeeze(n) => write!(f, "squeeze {n}"),
        }
    }
}

/// Why a sponge call was refused.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum SpongeError {
    /// A step longer than the encoding allows.
    #[error("a sponge step of {0} elements is longer than the 2^31 - 1 an IO pattern allows")]
    StepTooLong(u64),
    /// A call that the pattern does not allow at this point.
    #[error("the sponge's IO pattern allows {allowed} here, but the caller asked to {requested}")]
    PatternMismatch {
        /// What the pattern still allows in its current step, or "nothing" when it is complete.
        allowed: String,
        /// What the caller asked for.
        requested: SpongeOp,
    },
    /// `finish` while the pattern still had steps.
    #[error("the sponge finished with {remaining} of its IO pattern not done")]
    Unfinished {
        /// The first step (or remainder of a step) not done.
        remaining: SpongeOp,
    },
}

/// The sequence of absorb and squeeze steps a sponge will perform, and a domain separator.
///
/// Consecutive steps of the same kind are merged and empty steps dropped, so only the total
/// shape matters (absorb 1 then absorb 2 is absorb 3). The pattern and the domain determine the
/// sponge's initial capacity element, its [`tag`](Self::tag).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IoPattern {
    ops: Vec<SpongeOp>,
    domain: Vec<u8>,
}

impl IoPattern {
    /// The pattern `ops` under the domain separator `domain` (any bytes naming the use, e.g.
    /// `b"origami/nifs/v1"`).
    pub fn new(ops: &[SpongeOp], domain: &[u8]) -> Result<Self, SpongeError> {
        let mut merged: Vec<SpongeOp> = Vec::with_capacity(ops.len());
        for &op in ops {
            if op.len() > MAX_STEP_LEN {
                return Err(SpongeError::StepTooLong(u64::from(op.len())));
            }
            if op.len() == 0 {
                continue;
            }
            match merged.last_mut() {
                Some(last) if last.same_kind(op) => {
                    let total = u64::from(last.len()) + u64::from(op.len());
                    if total > u64::from(MAX_STEP_LEN) {
                        return Err(SpongeError::StepTooLong(total));
                    }
                    *last = last.with_len(total as u32);
                }
                _ => merged.push(op),
            }
        }
        Ok(Self {
            ops: merged,
            domain: domain.to_vec(),
        })
    }

    /// The fixed-length hash pattern: absorb `num_inputs` elements, squeeze one.
    ///
    /// # Panics
    /// If `num_inputs` is 2^31 or more.
    pub fn hash(num_inputs: usize, domain: &[u8]) -> Self {
        let num_inputs = u32::try_from(num_inputs)
            .ok()
            .filter(|&n| n <= MAX_STEP_LEN)
            .expect("a Poseidon hash takes fewer than 2^31 inputs");
        Self::new(
            &[SpongeOp::Absorb(num_inputs), SpongeOp::Squeeze(1)],
            domain,
        )
        .expect("steps below 2^31 are always accepted")
    }

    /// The steps, merged.
    pub fn ops(&self) -> &[SpongeOp] {
        &self.ops
    }

    /// The initial capacity element.
    ///
    /// Each step is encoded as a big-endian 32-bit word, its element count with the top bit set
    /// for absorb; the words are followed by the domain bytes and hashed with SHA3-256; the first
    /// 16 bytes of the digest, read as a big-endian 128-bit integer, are the tag. (This is the
    /// SAFE construction of Aumasson et al.; 128 bits keep tag collisions out of reach.)
    pub fn tag<F: PrimeField>(&self) -> F {
        let mut hasher = Sha3_256::new();
        for op in &self.ops {
            let word = match *op {
                SpongeOp::Absorb(n) => ABSORB_FLAG | n,
                SpongeOp::Squeeze(n) => n,
            };
            hasher.update(word.to_be_bytes());
        }
        hasher.update(&self.domain);
        let digest = hasher.finalize();
        let mut first_half = [0u8; 16];
        first_half.copy_from_slice(&digest[..16]);
        F::from_u128(u128::from_be_bytes(first_half))
    }
}

/// Tracks a sponge's progress through its pattern; shared by the native sponge and the gadget
/// so both accept exactly the same call sequences.
#[derive(Clone, Debug)]
pub(crate) struct PatternCursor {
    ops: Vec<SpongeOp>,
    /// Index of the current step.
    step: usize,
    /// Elements of the current step already done.
    done_in_step: u32,
}

impl PatternCursor {
    pub(crate) fn new(pattern: &IoPattern) -> Self {
        Self {
            ops: pattern.ops.clone(),
            step: 0,
            done_in_step: 0,
        }
    }

    /// What is left of the current step, if any.
    fn current(&self) -> Option<SpongeOp> {
        self.ops
            .get(self.step)
            .map(|op| op.with_len(op.len() - self.done_in_step))
    }

    fn advance(&mut self, requested: SpongeOp) -> Result<(), SpongeError> {
        if requested.len() == 0 {
            return Ok(());
        }
        match self.current() {
            Some(current) if current.same_kind(requested) && requested.len() <= current.len() => {
                self.done_in_step += requested.len();
                if requested.len() == current.len() {
                    self.step += 1;
                    self.done_in_step = 0;
                }
                Ok(())
            }
            current => Err(SpongeError::PatternMismatch {
                allowed: current.map_or_else(|| "nothing".to_owned(), |op| op.to_string()),
                requested,
            }),
        }
    }

    pub(crate) fn absorb(&mut self, len: usize) -> Result<(), SpongeError> {
        let len = u32::try_from(len)
            .ok()
            .filter(|&n| n <= MAX_STEP_LEN)
            .ok_or(SpongeError::StepTooLong(len as u64))?;
        self.advance(SpongeOp::Absorb(len))
    }

    pub(crate) fn squeeze(&mut self, len: u32) -> Result<(), SpongeError> {
        self.advance(SpongeOp::Squeeze(len))
    }

    pub(crate) fn finish(&self) -> Result<(), SpongeError> {
        match self.current() {
            None => Ok(()),
            Some(remaining) => Err(SpongeError::Unfinished { remaining }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ff::Field;
    use halo2curves::pasta::Fp;

    #[test]
    fn steps_of_one_kind_merge_and_empty_steps_vanish() {
        let split = IoPattern::new(
            &[
                SpongeOp::Absorb(1),
                SpongeOp::Squeeze(0),
                SpongeOp::Absorb(2),
                SpongeOp::Squeeze(1),
            ],
            b"d",
        )
        .unwrap();
        assert_eq!(split.ops(), &[SpongeOp::Absorb(3), SpongeOp::Squeeze(1)]);
        assert_eq!(split, IoPattern::hash(3, b"d"));
    }

    #[test]
    fn tag_depends_on_shape_and_domain() {
        let base: Fp = IoPattern::hash(2, b"origami").tag();
        assert_ne!(base, IoPattern::hash(3, b"origami").tag());
        assert_ne!(base, IoPattern::hash(2, b"origami2").tag());
        let two_squeezes = IoPattern::new(&[SpongeOp::Absorb(2), SpongeOp::Squeeze(2)], b"origami");
        assert_ne!(base, two_squeezes.unwrap().tag());
        assert_ne!(base, Fp::ZERO);
    }

    #[test]
    fn cursor_enforces_the_pattern() {
        let pattern = IoPattern::hash(3, b"d");
        let mut cursor = PatternCursor::new(&pattern);
        assert_eq!(
            cursor.squeeze(1),
            Err(SpongeError::PatternMismatch {
                allowed: "absorb 3".to_owned(),
                requested: SpongeOp::Squeeze(1)
            })
        );
        cursor.absorb(2).unwrap();
        assert!(cursor.absorb(2).is_err());
        assert_eq!(
            cursor.finish(),
            Err(SpongeError::Unfinished {
                remaining: SpongeOp::Absorb(1)
            })
        );
        cursor.absorb(1).unwrap();
        cursor.squeeze(1).unwrap();
        assert!(cursor.squeeze(1).is_err());
        cursor.finish().unwrap();
    }

    #[test]
    fn overlong_steps_are_rejected() {
        assert_eq!(
            IoPattern::new(&[SpongeOp::Absorb(1 << 31)], b"d"),
            Err(SpongeError::StepTooLong(1 << 31))
        );
        assert_eq!(
            IoPattern::new(
                &[SpongeOp::Squeeze(MAX_STEP_LEN), SpongeOp::Squeeze(1)],
                b"d"
            ),
            Err(SpongeError::StepTooLong(1 << 31))
        );
    }
}

//! Commitment-key generators as a verifier reads them.
//!
//! A verifier of Pedersen openings needs one multi-scalar multiplication over a prefix of the
//! key's generators. [`GeneratorSource`] asks for exactly that, so a source may hold the key
//! ([`CommitmentKey`]) or produce the generators a chunk at a time and drop them
//! ([`StreamedGenerators`]): the verifier's memory is then a chunk, not the key.

use crate::curve::{AffineOf, CycleCurve, PointOf, ScalarOf};
use crate::msm::msm;
use crate::pedersen::{CommitmentKey, blinding_generator, derive_generators};
use group::Group;

/// Why a multi-scalar multiplication over a key's generators could not be computed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum GeneratorError {
    /// More generators were asked for than the key has.
    #[error("{wanted} generators asked of a key of {len}")]
    TooShort {
        /// Generators asked for.
        wanted: usize,
        /// Generators in the key.
        len: usize,
    },
}

/// Fills `out` with the scalars of generators `start..start + out.len()`.
pub type ScalarFill<'a, C> = dyn Fn(usize, &mut [ScalarOf<C>]) + Sync + 'a;

/// A commitment key's generators, as far as a verifier needs them.
pub trait GeneratorSource<C: CycleCurve>: Sync {
    /// The blinding generator `H`.
    fn blinding_generator(&self) -> AffineOf<C>;

    /// Number of generators `G[i]`.
    fn len(&self) -> usize;

    /// True when there are no generators.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `Σ_{i<n} s_i·G[i]`, where `scalars(start, out)` writes `s_start, s_start+1, …` into `out`
    /// (a source may ask for them in several pieces).
    fn msm_prefix(
        &self,
        n: usize,
        scalars: &ScalarFill<'_, C>,
    ) -> Result<PointOf<C>, GeneratorError>;
}

fn check_len(wanted: usize, len: usize) -> Result<(), GeneratorError> {
    if wanted > len {
        Err(GeneratorError::TooShort { wanted, len })
    } else {
        Ok(())
    }
}

impl<C: CycleCurve> GeneratorSource<C> for CommitmentKey<C> {
    fn blinding_generator(&self) -> AffineOf<C> {
        CommitmentKey::blinding_generator(self)
    }

    fn len(&self) -> usize {
        CommitmentKey::len(self)
    }

    fn msm_prefix(
        &self,
        n: usize,
        scalars: &ScalarFill<'_, C>,
    ) -> Result<PointOf<C>, GeneratorError> {
        check_len(n, self.len())?;
        let mut s = vec![ScalarOf::<C>::default(); n];
        scalars(0, &mut s);
        Ok(msm(&s, &self.generators()[..n]))
    }
}

/// The generators of a key derived from its label a chunk at a time, each chunk dropped once it is
/// used: memory is one chunk of points and scalars, at the price of deriving the generators on
/// every pass.
#[derive(Clone, Debug)]
pub struct StreamedGenerators<C: CycleCurve> {
    label: Vec<u8>,
    len: usize,
    blinding: AffineOf<C>,
    chunk: usize,
}

impl<C: CycleCurve> StreamedGenerators<C> {
    /// Generators per chunk: large enough that the chunked MSM costs little more than one MSM,
    /// small enough (4 MiB of points) to keep a verifier lean.
    pub const DEFAULT_CHUNK: usize = 1 << 16;

    /// The first `len` generators of the key labelled `label` (the same points as
    /// [`CommitmentKey::setup`]`(label, len)`).
    pub fn new(label: &[u8], len: usize) -> Self {
        Self {
            label: label.to_vec(),
            len,
            blinding: blinding_generator::<C>(label),
            chunk: Self::DEFAULT_CHUNK,
        }
    }

    /// The same generators produced `chunk` at a time (at least one).
    pub fn with_chunk(mut self, chunk: usize) -> Self {
        self.chunk = chunk.max(1);
        self
    }
}

impl<C: CycleCurve> GeneratorSource<C> for StreamedGenerators<C> {
    fn blinding_generator(&self) -> AffineOf<C> {
        self.blinding
    }

    fn len(&self) -> usize {
        self.len
    }

    fn msm_prefix(
        &self,
        n: usize,
        scalars: &ScalarFill<'_, C>,
    ) -> Result<PointOf<C>, GeneratorError> {
        check_len(n, self.len)?;
        let mut acc = PointOf::<C>::identity();
        let mut s = vec![ScalarOf::<C>::default(); self.chunk.min(n)];
        for start in (0..n).step_by(self.chunk) {
            let m = self.chunk.min(n - start);
            let g = derive_generators::<C>(&self.label, start as u64..(start + m) as u64);
            scalars(start, &mut s[..m]);
            acc += msm(&s[..m], &g);
        }
        Ok(acc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Pallas, Vesta};
    use ff::Field;
    use rand::{SeedableRng, rngs::StdRng};

    fn agree<C: CycleCurve>() {
        let mut rng = StdRng::seed_from_u64(3);
        let key = CommitmentKey::<C>::setup(b"stream-test", 100);
        let s: Vec<ScalarOf<C>> = (0..100).map(|_| ScalarOf::<C>::random(&mut rng)).collect();
        let fill = |start: usize, out: &mut [ScalarOf<C>]| {
            out.copy_from_slice(&s[start..start + out.len()])
        };
        let held = key.msm_prefix(77, &fill).unwrap();
        assert_eq!(held, msm(&s[..77], &key.generators()[..77]));
        for chunk in [1, 7, 32, 77, 1000] {
            let streamed = StreamedGenerators::<C>::new(b"stream-test", 100).with_chunk(chunk);
            assert_eq!(
                streamed.msm_prefix(77, &fill).unwrap(),
                held,
                "chunk {chunk}"
            );
            assert_eq!(
                streamed.blinding_generator(),
                key.blinding_generator(),
                "same H"
            );
            assert_eq!(
                streamed.msm_prefix(101, &fill),
                Err(GeneratorError::TooShort {
                    wanted: 101,
                    len: 100
                })
            );
        }
        assert_eq!(
            key.msm_prefix(101, &fill),
            Err(GeneratorError::TooShort {
                wanted: 101,
                len: 100
            })
        );
    }

    #[test]
    fn streamed_and_held_generators_give_the_same_msm() {
        agree::<Pallas>();
        agree::<Vesta>();
    }
}

//! A Keccak-256 Fiat–Shamir transcript.
//!
//! Everything absorbed is framed as `tag ‖ len(label) ‖ label ‖ len(data) ‖ data`, so no two
//! different sequences of absorptions hash the same way. A challenge is derived from the running
//! hash and then absorbed back, so successive challenges differ even with nothing absorbed between.

use ff::{FromUniformBytes, PrimeField};
use halo2curves::CurveAffine;
use sha3::{Digest, Keccak256};

use crate::curve::affine_xy;

const PROTOCOL: &[u8] = b"origami-transcript-v1";

// One tag byte per operation keeps an absorption from being read as a squeeze.
const TAG_ABSORB: u8 = b'A';
const TAG_SQUEEZE: u8 = b'S';
const TAG_CHALLENGE: u8 = b'C';

/// A Fiat–Shamir transcript: absorb the prover's messages, squeeze the verifier's challenges.
#[derive(Clone, Debug)]
pub struct Transcript {
    hasher: Keccak256,
    /// This transcript's number in a [`transcript_log`](crate::transcript_log) recording.
    #[cfg(feature = "transcript-log")]
    log_id: usize,
}

impl Transcript {
    /// Starts a transcript for a protocol instance; `label` separates protocols from each other.
    pub fn new(label: &[u8]) -> Self {
        let mut hasher = Keccak256::new();
        frame(&mut hasher, TAG_ABSORB, PROTOCOL, label);
        Self {
            hasher,
            #[cfg(feature = "transcript-log")]
            log_id: crate::transcript_log::start(label),
        }
    }

    /// Absorbs raw bytes under a label.
    pub fn absorb_bytes(&mut self, label: &[u8], bytes: &[u8]) {
        #[cfg(feature = "transcript-log")]
        crate::transcript_log::push(self.log_id, || crate::transcript_log::Op::Absorb {
            label: label.to_vec(),
            data: bytes.to_vec(),
        });
        frame(&mut self.hasher, TAG_ABSORB, label, bytes);
    }

    /// Absorbs one field element (of either field of a cycle) in its canonical encoding.
    pub fn absorb_scalar<F: PrimeField>(&mut self, label: &[u8], s: &F) {
        self.absorb_bytes(label, s.to_repr().as_ref());
    }

    /// Absorbs a vector of field elements under one label; the length is part of the framing.
    pub fn absorb_scalars<F: PrimeField>(&mut self, label: &[u8], v: &[F]) {
        let mut bytes = Vec::with_capacity(v.len() * 32);
        for s in v {
            bytes.extend_from_slice(s.to_repr().as_ref());
        }
        self.absorb_bytes(label, &bytes);
    }

    /// Absorbs a curve point by its affine coordinates; the identity has its own encoding.
    pub fn absorb_point<A: CurveAffine>(&mut self, label: &[u8], p: &A) {
        let mut bytes = Vec::with_capacity(65);
        match affine_xy(p) {
            Some((x, y)) => {
                bytes.push(0);
                bytes.extend_from_slice(x.to_repr().as_ref());
                bytes.extend_from_slice(y.to_repr().as_ref());
            }
            None => bytes.push(1),
        }
        self.absorb_bytes(label, &bytes);
    }

    /// Derives a uniformly distributed challenge in `F` from everything absorbed so far.
    pub fn squeeze_challenge<F: FromUniformBytes<64>>(&mut self, label: &[u8]) -> F {
        #[cfg(feature = "transcript-log")]
        crate::transcript_log::push(self.log_id, || {
            crate::transcript_log::Op::Challenge(label.to_vec())
        });
        let mut h = self.hasher.clone();
        frame(&mut h, TAG_SQUEEZE, label, &[]);
        let seed = h.finalize();
        // 64 uniform bytes from two domain-separated hashes of the seed: reduction mod p of a
        // 512-bit value has negligible bias, unlike a 256-bit one.
        let mut wide = [0u8; 64];
        for (half, chunk) in wide.chunks_mut(32).enumerate() {
            let mut h = Keccak256::new();
            h.update(seed);
            h.update([half as u8]);
            chunk.copy_from_slice(&h.finalize());
        }
        frame(&mut self.hasher, TAG_CHALLENGE, label, &seed);
        F::from_uniform_bytes(&wide)
    }
}

fn frame(h: &mut Keccak256, tag: u8, label: &[u8], data: &[u8]) {
    h.update([tag]);
    h.update((label.len() as u64).to_le_bytes());
    h.update(label);
    h.update((data.len() as u64).to_le_bytes());
    h.update(data);
}

#[cfg(test)]
mod tests {
    use super::*;
    use group::{Curve, prime::PrimeCurveAffine};
    use halo2curves::pasta::{Fp, Fq, Pallas, PallasAffine};

    #[test]
    fn same_messages_same_challenges() {
        let run = || {
            let mut t = Transcript::new(b"test");
            t.absorb_scalar(b"x", &Fp::from(5));
            let a: Fq = t.squeeze_challenge(b"c");
            let b: Fq = t.squeeze_challenge(b"c");
            (a, b)
        };
        let (a, b) = run();
        assert_eq!((a, b), run());
        assert_ne!(a, b, "successive challenges must differ");
    }

    #[test]
    fn every_input_changes_the_challenge() {
        let base = |proto: &[u8], label: &[u8], value: u64| {
            let mut t = Transcript::new(proto);
            t.absorb_scalar(label, &Fp::from(value));
            t.squeeze_challenge::<Fp>(b"c")
        };
        let c = base(b"p", b"x", 1);
        assert_ne!(c, base(b"q", b"x", 1));
        assert_ne!(c, base(b"p", b"y", 1));
        assert_ne!(c, base(b"p", b"x", 2));
        // Framing: moving bytes between label and data changes the result.
        let mut t1 = Transcript::new(b"p");
        t1.absorb_bytes(b"ab", b"c");
        let mut t2 = Transcript::new(b"p");
        t2.absorb_bytes(b"a", b"bc");
        assert_ne!(
            t1.squeeze_challenge::<Fp>(b"c"),
            t2.squeeze_challenge::<Fp>(b"c")
        );
    }

    #[test]
    fn points_and_identity_are_distinguished() {
        let g = Pallas::generator().to_affine();
        let mut t1 = Transcript::new(b"p");
        t1.absorb_point(b"P", &g);
        let mut t2 = Transcript::new(b"p");
        t2.absorb_point(b"P", &PallasAffine::identity());
        let mut t3 = Transcript::new(b"p");
        t3.absorb_point(b"P", &(-g));
        let c1: Fq = t1.squeeze_challenge(b"c");
        assert_ne!(c1, t2.squeeze_challenge::<Fq>(b"c"));
        assert_ne!(c1, t3.squeeze_challenge::<Fq>(b"c"));
    }

    #[test]
    fn scalar_vectors_frame_their_length() {
        let mut t1 = Transcript::new(b"p");
        t1.absorb_scalars(b"v", &[Fp::from(1), Fp::from(2)]);
        let mut t2 = Transcript::new(b"p");
        t2.absorb_scalars(b"v", &[Fp::from(1)]);
        t2.absorb_scalars(b"v", &[Fp::from(2)]);
        assert_ne!(
            t1.squeeze_challenge::<Fp>(b"c"),
            t2.squeeze_challenge::<Fp>(b"c")
        );
    }
}

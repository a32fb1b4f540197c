//! Serde encodings of field elements, points, commitments and commitment keys.
//!
//! Field elements are their canonical byte representation (a fixed-size tuple, no length prefix);
//! decoding rejects non-canonical bytes. Points are affine `(x, y)` with the identity as `(0, 0)`
//! (never on a curve `y² = x³ + b` with `b ≠ 0`); decoding rejects points not on the curve, so a
//! tampered key or proof fails to load instead of producing wrong arithmetic.

use core::fmt;
use core::marker::PhantomData;

use ff::{Field, PrimeField};
use group::prime::PrimeCurveAffine;
use halo2curves::CurveAffine;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::ser::{SerializeTuple, Serializer};
use serde::{Deserialize, Serialize};

use crate::curve::{AffineOf, CycleCurve, affine_xy};
use crate::pedersen::{Commitment, CommitmentKey};

fn repr_len<F: PrimeField>() -> usize {
    F::Repr::default().as_ref().len()
}

/// Serializes a field element as its canonical bytes.
pub fn serialize_field<F: PrimeField, S: Serializer>(x: &F, s: S) -> Result<S::Ok, S::Error> {
    let repr = x.to_repr();
    let mut t = s.serialize_tuple(repr.as_ref().len())?;
    for b in repr.as_ref() {
        t.serialize_element(b)?;
    }
    t.end()
}

/// Deserializes a field element, rejecting non-canonical encodings.
pub fn deserialize_field<'de, F: PrimeField, D: Deserializer<'de>>(d: D) -> Result<F, D::Error> {
    struct FieldVisitor<F>(PhantomData<F>);
    impl<'de, F: PrimeField> Visitor<'de> for FieldVisitor<F> {
        type Value = F;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "{} bytes of a canonical field element", repr_len::<F>())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<F, A::Error> {
            let mut repr = F::Repr::default();
            for (i, byte) in repr.as_mut().iter_mut().enumerate() {
                *byte = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(i, &self))?;
            }
            Option::from(F::from_repr(repr)).ok_or_else(|| {
                de::Error::custom("field element is not canonical (not below the modulus)")
            })
        }
    }
    d.deserialize_tuple(repr_len::<F>(), FieldVisitor(PhantomData))
}

/// A field element that serializes canonically; use as `Vec<Fe<F>>` or through [`field_vec`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fe<F>(pub F);

impl<F: PrimeField> Serialize for Fe<F> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serialize_field(&self.0, s)
    }
}

impl<'de, F: PrimeField> Deserialize<'de> for Fe<F> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        deserialize_field(d).map(Fe)
    }
}

/// `#[serde(with = "field")]` for a single field element.
pub mod field {
    pub use super::{deserialize_field as deserialize, serialize_field as serialize};
}

/// `#[serde(with = "field_vec")]` for `Vec<F>`.
pub mod field_vec {
    use super::*;

    /// Serializes a vector of field elements.
    pub fn serialize<F: PrimeField, S: Serializer>(v: &[F], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|x| Fe(*x)))
    }

    /// Deserializes a vector of field elements.
    pub fn deserialize<'de, F: PrimeField, D: Deserializer<'de>>(d: D) -> Result<Vec<F>, D::Error> {
        let v: Vec<Fe<F>> = Vec::deserialize(d)?;
        Ok(v.into_iter().map(|x| x.0).collect())
    }
}

/// An affine point that serializes as `(x, y)` and is checked on decoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Point<A>(pub A);

impl<A: CurveAffine> Serialize for Point<A> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (x, y) = affine_xy(&self.0).unwrap_or((A::Base::ZERO, A::Base::ZERO));
        (Fe(x), Fe(y)).serialize(s)
    }
}

impl<'de, A: CurveAffine> Deserialize<'de> for Point<A> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (Fe(x), Fe(y)): (Fe<A::Base>, Fe<A::Base>) = Deserialize::deserialize(d)?;
        if bool::from(x.is_zero() & y.is_zero()) {
            return Ok(Point(A::identity()));
        }
        Option::from(A::from_xy(x, y))
            .map(Point)
            .ok_or_else(|| de::Error::custom("point is not on the curve"))
    }
}

impl<C: CycleCurve> Serialize for Commitment<C> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Point(self.to_affine()).serialize(s)
    }
}

impl<'de, C: CycleCurve> Deserialize<'de> for Commitment<C> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let Point(p): Point<AffineOf<C>> = Deserialize::deserialize(d)?;
        Ok(Commitment::from_point(p.to_curve()))
    }
}

/// A commitment key on disk: label, generators, blinding generator.
type KeyParts<C> = (Vec<u8>, Vec<Point<AffineOf<C>>>, Point<AffineOf<C>>);

impl<C: CycleCurve> Serialize for CommitmentKey<C> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let generators: Vec<Point<AffineOf<C>>> =
            self.generators().iter().map(|g| Point(*g)).collect();
        (self.label(), generators, Point(self.blinding_generator())).serialize(s)
    }
}

impl<'de, C: CycleCurve> Deserialize<'de> for CommitmentKey<C> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (label, generators, Point(blinding)): KeyParts<C> = Deserialize::deserialize(d)?;
        Ok(CommitmentKey::from_parts(
            label,
            generators.into_iter().map(|p| p.0).collect(),
            blinding,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::curve::{Pallas, ScalarOf, Vesta};

    use rand::{SeedableRng, rngs::StdRng};

    #[test]
    fn round_trips() {
        let mut rng = StdRng::seed_from_u64(5);
        let v: Vec<ScalarOf<Pallas>> = (0..10).map(|_| Field::random(&mut rng)).collect();
        let fv: Vec<Fe<_>> = v.iter().map(|x| Fe(*x)).collect();
        let bytes = bincode::serialize(&fv).unwrap();
        assert_eq!(
            bytes.len(),
            8 + 32 * 10,
            "a length prefix and 32 bytes per element"
        );
        let back: Vec<Fe<ScalarOf<Pallas>>> = bincode::deserialize(&bytes).unwrap();
        assert_eq!(back, fv);

        let ck = CommitmentKey::<Vesta>::setup(b"enc", 16);
        let back: CommitmentKey<Vesta> =
            bincode::deserialize(&bincode::serialize(&ck).unwrap()).unwrap();
        assert_eq!(back, ck);
        for c in [
            Commitment::<Vesta>::identity(),
            ck.commit(&[ScalarOf::<Vesta>::ONE; 3]).unwrap(),
        ] {
            let back: Commitment<Vesta> =
                bincode::deserialize(&bincode::serialize(&c).unwrap()).unwrap();
            assert_eq!(back, c);
        }
    }

    #[test]
    fn off_curve_points_and_non_canonical_scalars_are_refused() {
        let ck = CommitmentKey::<Pallas>::setup(b"enc", 1);
        let mut bytes =
            bincode::serialize(&ck.commit(&[ScalarOf::<Pallas>::ONE]).unwrap()).unwrap();
        bytes[40] ^= 1; // a bit of y
        let err = bincode::deserialize::<Commitment<Pallas>>(&bytes).unwrap_err();
        assert!(err.to_string().contains("not on the curve"), "{err}");
        let bytes = [0xffu8; 32];
        let err = bincode::deserialize::<Fe<ScalarOf<Pallas>>>(&bytes).unwrap_err();
        assert!(err.to_string().contains("not canonical"), "{err}");
        assert!(bincode::deserialize::<Fe<ScalarOf<Pallas>>>(&bytes[..10]).is_err());
    }
}

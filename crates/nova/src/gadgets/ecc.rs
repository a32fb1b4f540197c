//! In-circuit arithmetic on the points of the *other* curve of the cycle.
//!
//! The augmented circuit over one curve's scalar field `F` folds commitments of the other curve,
//! whose coordinates live in `F`: the primary circuit (over Pallas' scalar field Fq) handles
//! Vesta points, the secondary circuit (over Vesta's scalar field Fp) handles Pallas points.
//!
//! # Representation and invariant
//! An [`AllocatedPoint`] is `(x, y, is_infinity)`, the triple [`Commitment::coordinates`] returns:
//! an affine point of `y² = x³ + b` with `is_infinity = 0`, or the identity as exactly
//! `(0, 0, 1)`. Every constructor enforces this ([`AllocatedPoint::alloc`] checks it, the
//! operations produce it), so a point can be absorbed into a hash as its three coordinates and
//! the identity has a single encoding.
//!
//! # Curves
//! The curve must have `a = 0` (asserted in [`AllocatedPoint::alloc`]) and prime order `r`, as
//! Pallas and Vesta do. The formulas rely on it: no point but the identity has `y = 0` (there is
//! no 2-torsion), and `r > 2^(F::NUM_BITS - 2)` (Hasse's bound for a prime-order curve over `F`),
//! which is what makes the incomplete additions of [`AllocatedPoint::scalar_mul`] sound.
//!
//! # Soundness argument, in one line
//! For valid inputs every operation's output is the unique assignment of its output variables
//! that satisfies its constraints; auxiliary variables that are free in a degenerate case (a
//! slope through the identity) are multiplied by zero before they reach an output.
//!
//! # Costs (constraints)
//! | operation | constraints |
//! |---|---|
//! | [`AllocatedPoint::alloc`] | 5 |
//! | [`AllocatedPoint::identity`] | 3 |
//! | [`AllocatedPoint::negate`] | 1 |
//! | [`AllocatedPoint::double`] | 4 |
//! | [`AllocatedPoint::add`] (complete) | 16 |
//! | [`AllocatedPoint::conditionally_select`] | 3 |
//! | [`AllocatedPoint::scalar_mul`], `n ≥ 2` bits | `8n + 11` (1035 for 128 bits) |
//!
//! [`Commitment::coordinates`]: origami_arith::Commitment::coordinates

use bellpepper_core::{
    ConstraintSystem, LinearCombination, SynthesisError, boolean::Boolean, num::AllocatedNum,
};
use ff::PrimeField;
use halo2curves::CurveAffine;
use origami_arith::CycleCurve;

/// A point of a short-Weierstrass curve `y² = x³ + b` whose coordinates are in the circuit's
/// field `F`, as `(x, y, is_infinity)` with the identity encoded as `(0, 0, 1)`.
///
/// See the [module documentation](self) for the invariant every instance satisfies and what the
/// curve must be.
#[derive(Clone, Debug)]
pub struct AllocatedPoint<F: PrimeField> {
    x: AllocatedNum<F>,
    y: AllocatedNum<F>,
    // Constrained to {0, 1} by every constructor; a number rather than a `Boolean` so that an
    // addition can define it by the constraints it needs anyway, without a booleanity constraint.
    is_infinity: AllocatedNum<F>,
}

/// The value of an allocated number, or the error a witness closure returns without one.
fn value<F: PrimeField>(num: &AllocatedNum<F>) -> Result<F, SynthesisError> {
    num.get_value().ok_or(SynthesisError::AssignmentMissing)
}

/// `1 / v`, or 0 when `v = 0`. Honest witnesses only divide by zero where the constraint
/// multiplies the quotient by zero, so 0 is as good as any value there; where the inputs violate
/// the invariant, it leaves the system unsatisfied instead of failing synthesis.
fn invert_or_zero<F: PrimeField>(v: F) -> F {
    Option::from(v.invert()).unwrap_or(F::ZERO)
}

fn bool_to_field<F: PrimeField>(b: bool) -> F {
    if b { F::ONE } else { F::ZERO }
}

/// Allocates `a == b` as a number constrained to {0, 1}; 2 constraints.
///
/// `(a − b)·inv = 1 − eq` forces `eq = 1` when `a = b`; `(a − b)·eq = 0` forces `eq = 0` when
/// `a ≠ b`.
fn alloc_is_equal<F, CS>(
    mut cs: CS,
    a: &AllocatedNum<F>,
    b: &AllocatedNum<F>,
) -> Result<AllocatedNum<F>, SynthesisError>
where
    F: PrimeField,
    CS: ConstraintSystem<F>,
{
    let equal = AllocatedNum::alloc(cs.namespace(|| "equal"), || {
        Ok(bool_to_field(value(a)? == value(b)?))
    })?;
    let inverse = AllocatedNum::alloc(cs.namespace(|| "inverse of difference"), || {
        Ok(invert_or_zero(value(a)? - value(b)?))
    })?;
    cs.enforce(
        || "(a - b) * inverse = 1 - equal",
        |lc| lc + a.get_variable() - b.get_variable(),
        |lc| lc + inverse.get_variable(),
        |lc| lc + CS::one() - equal.get_variable(),
    );
    cs.enforce(
        || "(a - b) * equal = 0",
        |lc| lc + a.get_variable() - b.get_variable(),
        |lc| lc + equal.get_variable(),
        |lc| lc,
    );
    Ok(equal)
}

/// `condition ? a : b` for numbers; 1 constraint (`(a − b)·condition = out − b`).
///
/// bellpepper-core has no selection on `AllocatedNum`, hence this helper.
pub fn conditionally_select_num<F, CS>(
    mut cs: CS,
    a: &AllocatedNum<F>,
    b: &AllocatedNum<F>,
    condition: &Boolean,
) -> Result<AllocatedNum<F>, SynthesisError>
where
    F: PrimeField,
    CS: ConstraintSystem<F>,
{
    let selected = AllocatedNum::alloc(cs.namespace(|| "selected"), || {
        let take_a = condition
            .get_value()
            .ok_or(SynthesisError::AssignmentMissing)?;
        if take_a { value(a) } else { value(b) }
    })?;
    cs.enforce(
        || "(a - b) * condition = selected - b",
        |lc| lc + a.get_variable() - b.get_variable(),
        |_| condition.lc(CS::one(), F::ONE),
        |lc| lc + selected.get_variable() - b.get_variable(),
    );
    Ok(selected)
}

/// Allocates the product of two linear combinations; 1 constraint. The closure computes the
/// product's value for the witness.
fn alloc_product<F, CS>(
    mut cs: CS,
    left: LinearCombination<F>,
    right: LinearCombination<F>,
    product_value: impl FnOnce() -> Result<F, SynthesisError>,
) -> Result<AllocatedNum<F>, SynthesisError>
where
    F: PrimeField,
    CS: ConstraintSystem<F>,
{
    let product = AllocatedNum::alloc(cs.namespace(|| "product"), product_value)?;
    cs.enforce(
        || "left * right = product",
        |_| left,
        |_| right,
        |lc| lc + product.get_variable(),
    );
    Ok(product)
}

impl<F: PrimeField> AllocatedPoint<F> {
    /// Allocates a witness point given as `(x, y, is_infinity)` (the form
    /// [`Commitment::coordinates`](origami_arith::Commitment::coordinates) returns) and constrains
    /// it to be a point of the curve `C`: on the curve with `is_infinity = 0`, or exactly
    /// `(0, 0, 1)`. 5 constraints. `None` allocates without a witness (shape synthesis).
    ///
    /// # Panics
    /// If `C` does not have `a = 0`: the gadget's formulas are written for such curves only.
    pub fn alloc<C, CS>(
        mut cs: CS,
        coordinates: Option<(F, F, bool)>,
    ) -> Result<Self, SynthesisError>
    where
        C: CycleCurve<Base = F>,
        CS: ConstraintSystem<F>,
    {
        assert!(
            bool::from(C::Affine::a().is_zero()),
            "the point gadget supports curves y^2 = x^3 + b only; {} has a != 0",
            C::NAME
        );
        let b = C::Affine::b();
        let coordinate = |pick: fn((F, F, bool)) -> F| {
            coordinates
                .map(pick)
                .ok_or(SynthesisError::AssignmentMissing)
        };
        let x = AllocatedNum::alloc(cs.namespace(|| "x"), || coordinate(|c| c.0))?;
        let y = AllocatedNum::alloc(cs.namespace(|| "y"), || coordinate(|c| c.1))?;
        let is_infinity = AllocatedNum::alloc(cs.namespace(|| "is_infinity"), || {
            coordinate(|c| bool_to_field(c.2))
        })?;
        cs.enforce(
            || "is_infinity * (1 - is_infinity) = 0",
            |lc| lc + is_infinity.get_variable(),
            |lc| lc + CS::one() - is_infinity.get_variable(),
            |lc| lc,
        );
        cs.enforce(
            || "is_infinity * x = 0",
            |lc| lc + is_infinity.get_variable(),
            |lc| lc + x.get_variable(),
            |lc| lc,
        );
        let x_squared = x.square(cs.namespace(|| "x^2"))?;
        let x_cubed = x.mul(cs.namespace(|| "x^3"), &x_squared)?;
        // With x = 0 forced for the identity, y² = x³ + b·(1 − is_infinity) reads y² = 0 there,
        // so one equation is both the curve equation and the identity's y = 0.
        cs.enforce(
            || "y * y = x^3 + b * (1 - is_infinity)",
            |lc| lc + y.get_variable(),
            |lc| lc + y.get_variable(),
            |lc| lc + x_cubed.get_variable() + (b, CS::one()) - (b, is_infinity.get_variable()),
        );
        Ok(Self { x, y, is_infinity })
    }

    /// The identity `(0, 0, 1)` as constants; 3 constraints.
    pub fn identity<CS: ConstraintSystem<F>>(mut cs: CS) -> Result<Self, SynthesisError> {
        let mut constant = |name: &'static str, c: F| -> Result<AllocatedNum<F>, SynthesisError> {
            let num = AllocatedNum::alloc(cs.namespace(|| name), || Ok(c))?;
            cs.enforce(
                || format!("{name} is constant"),
                |lc| lc + num.get_variable(),
                |lc| lc + CS::one(),
                |lc| lc + (c, CS::one()),
            );
            Ok(num)
        };
        Ok(Self {
            x: constant("x", F::ZERO)?,
            y: constant("y", F::ZERO)?,
            is_infinity: constant("is_infinity", F::ONE)?,
        })
    }

    /// The x-coordinate (0 for the identity).
    pub fn x(&self) -> &AllocatedNum<F> {
        &self.x
    }

    /// The y-coordinate (0 for the identity).
    pub fn y(&self) -> &AllocatedNum<F> {
        &self.y
    }

    #[cfg(test)]
    /// 1 for the identity, 0 otherwise (constrained to {0, 1}).
    pub fn is_infinity(&self) -> &AllocatedNum<F> {
        &self.is_infinity
    }

    #[cfg(test)]
    /// The witness `(x, y, is_infinity)`, in the form `Commitment::coordinates` returns; `None`
    /// without a witness.
    pub fn value(&self) -> Option<(F, F, bool)> {
        Some((
            self.x.get_value()?,
            self.y.get_value()?,
            self.is_infinity.get_value()? == F::ONE,
        ))
    }

    #[cfg(test)]
    /// `−self`; 1 constraint. The identity stays `(0, 0, 1)`.
    pub fn negate<CS: ConstraintSystem<F>>(&self, mut cs: CS) -> Result<Self, SynthesisError> {
        let y = AllocatedNum::alloc(cs.namespace(|| "y"), || Ok(-value(&self.y)?))?;
        cs.enforce(
            || "(y + self.y) * 1 = 0",
            |lc| lc + y.get_variable() + self.y.get_variable(),
            |lc| lc + CS::one(),
            |lc| lc,
        );
        Ok(Self {
            x: self.x.clone(),
            y,
            is_infinity: self.is_infinity.clone(),
        })
    }

    /// `condition ? a : b`; 3 constraints.
    pub fn conditionally_select<CS: ConstraintSystem<F>>(
        mut cs: CS,
        a: &Self,
        b: &Self,
        condition: &Boolean,
    ) -> Result<Self, SynthesisError> {
        Ok(Self {
            x: conditionally_select_num(cs.namespace(|| "x"), &a.x, &b.x, condition)?,
            y: conditionally_select_num(cs.namespace(|| "y"), &a.y, &b.y, condition)?,
            is_infinity: conditionally_select_num(
                cs.namespace(|| "is_infinity"),
                &a.is_infinity,
                &b.is_infinity,
                condition,
            )?,
        })
    }

    /// `2·self`, complete (the identity doubles to itself); 4 constraints.
    ///
    /// The tangent slope is constrained by `λ·(2y + is_infinity) = 3x²`: for a point of the curve
    /// `y ≠ 0` (prime order, no 2-torsion), so λ is the slope; for the identity `(0, 0, 1)` it
    /// reads `λ = 0`, and the chord formulas below then give `(0, 0)` with no selection needed.
    pub fn double<CS: ConstraintSystem<F>>(&self, mut cs: CS) -> Result<Self, SynthesisError> {
        let (x, y, inf) = (&self.x, &self.y, &self.is_infinity);
        let x_squared = x.square(cs.namespace(|| "x^2"))?;
        let lambda = AllocatedNum::alloc(cs.namespace(|| "lambda"), || {
            let denominator = value(y)?.double() + value(inf)?;
            Ok(value(&x_squared)? * F::from(3) * invert_or_zero(denominator))
        })?;
        cs.enforce(
            || "lambda * (2y + is_infinity) = 3x^2",
            |lc| lc + lambda.get_variable(),
            |lc| lc + (F::from(2), y.get_variable()) + inf.get_variable(),
            |lc| lc + (F::from(3), x_squared.get_variable()),
        );
        let (x_out, y_out) = self.chord_output(cs.namespace(|| "output"), &lambda, x)?;
        Ok(Self {
            x: x_out,
            y: y_out,
            is_infinity: inf.clone(),
        })
    }

    /// Given the slope λ of the line through `self` and a second point with x-coordinate
    /// `other_x`, allocates the third intersection reflected: `x₃ = λ² − x₁ − x₂`,
    /// `y₃ = λ(x₁ − x₃) − y₁`; 2 constraints.
    fn chord_output<CS: ConstraintSystem<F>>(
        &self,
        mut cs: CS,
        lambda: &AllocatedNum<F>,
        other_x: &AllocatedNum<F>,
    ) -> Result<(AllocatedNum<F>, AllocatedNum<F>), SynthesisError> {
        let x3 = AllocatedNum::alloc(cs.namespace(|| "x"), || {
            Ok(value(lambda)?.square() - value(&self.x)? - value(other_x)?)
        })?;
        cs.enforce(
            || "lambda * lambda = x + x1 + x2",
            |lc| lc + lambda.get_variable(),
            |lc| lc + lambda.get_variable(),
            |lc| lc + x3.get_variable() + self.x.get_variable() + other_x.get_variable(),
        );
        let y3 = AllocatedNum::alloc(cs.namespace(|| "y"), || {
            Ok(value(lambda)? * (value(&self.x)? - value(&x3)?) - value(&self.y)?)
        })?;
        cs.enforce(
            || "lambda * (x1 - x) = y + y1",
            |lc| lc + lambda.get_variable(),
            |lc| lc + self.x.get_variable() - x3.get_variable(),
            |lc| lc + y3.get_variable() + self.y.get_variable(),
        );
        Ok((x3, y3))
    }

    /// `self + other`, complete: either operand the identity, `self = other`, `self = −other`;
    /// 16 constraints.
    ///
    /// One slope serves the chord and the tangent: with `e = [x₁ = x₂]`,
    /// `λ·(x₂ − x₁ + 2e·y₁) = (y₂ − y₁) + e·(3x₁² − y₂ + y₁)`. When `e = 0` this is the chord; when
    /// `e = 1` and `self` is a curve point it is the tangent at `self` (`2y₁ ≠ 0`), which is the
    /// answer when `self = other` and is discarded when `self = −other`; when `self` is the
    /// identity and `e = 1` both sides vanish and λ is free, but then the result is `other`,
    /// selected below without using λ.
    ///
    /// Selection relies on the identity being `(0, 0, 1)`: with `i₁, i₂` the flags, the
    /// coordinates `(i₁ + i₂)·(x₁ + x₂)` are `other`'s when only `self` is the identity, `self`'s
    /// when only `other` is, and 0 when both are.
    pub fn add<CS: ConstraintSystem<F>>(
        &self,
        mut cs: CS,
        other: &Self,
    ) -> Result<Self, SynthesisError> {
        let (x1, y1, i1) = (&self.x, &self.y, &self.is_infinity);
        let (x2, y2, i2) = (&other.x, &other.y, &other.is_infinity);
        let one = CS::one();

        let x_equal = alloc_is_equal(cs.namespace(|| "x1 == x2"), x1, x2)?;
        let x1_squared = x1.square(cs.namespace(|| "x1^2"))?;
        let slope_denominator = alloc_product(
            cs.namespace(|| "slope denominator"),
            LinearCombination::zero() + x_equal.get_variable(),
            LinearCombination::zero() + (F::from(2), y1.get_variable()),
            || Ok(value(&x_equal)? * value(y1)?.double()),
        )?;
        let tangent_numerator = alloc_product(
            cs.namespace(|| "tangent numerator"),
            LinearCombination::zero() + x_equal.get_variable(),
            LinearCombination::zero() + (F::from(3), x1_squared.get_variable()) - y2.get_variable()
                + y1.get_variable(),
            || {
                let correction = F::from(3) * value(&x1_squared)? - value(y2)? + value(y1)?;
                Ok(value(&x_equal)? * correction)
            },
        )?;
        // denominator = x2 − x1 + e·2y1, numerator = y2 − y1 + e·(3x1² − y2 + y1)
        let lambda = AllocatedNum::alloc(cs.namespace(|| "lambda"), || {
            let denominator = value(x2)? - value(x1)? + value(&slope_denominator)?;
            let numerator = value(y2)? - value(y1)? + value(&tangent_numerator)?;
            Ok(numerator * invert_or_zero(denominator))
        })?;
        cs.enforce(
            || "lambda * denominator = numerator",
            |lc| lc + lambda.get_variable(),
            |lc| lc + x2.get_variable() - x1.get_variable() + slope_denominator.get_variable(),
            |lc| lc + y2.get_variable() - y1.get_variable() + tangent_numerator.get_variable(),
        );
        let (x3, y3) = self.chord_output(cs.namespace(|| "chord"), &lambda, x2)?;

        let neither_infinite = alloc_product(
            cs.namespace(|| "neither is the identity"),
            LinearCombination::zero() + one - i1.get_variable(),
            LinearCombination::zero() + one - i2.get_variable(),
            || Ok((F::ONE - value(i1)?) * (F::ONE - value(i2)?)),
        )?;
        // Both are curve points with one x: they are equal or opposite.
        let same_x_points = alloc_product(
            cs.namespace(|| "curve points with equal x"),
            LinearCombination::zero() + neither_infinite.get_variable(),
            LinearCombination::zero() + x_equal.get_variable(),
            || Ok(value(&neither_infinite)? * value(&x_equal)?),
        )?;

        // The result is the identity when both operands are (i1·i2) or when they are opposite
        // curve points ("cancel"). Allocating the flag and reading `cancel` off it as a linear
        // combination saves a variable and a constraint: i1·i2 = neither − 1 + i1 + i2.
        let y_sum = || -> Result<F, SynthesisError> { Ok(value(y1)? + value(y2)?) };
        let cancel_value = || -> Result<F, SynthesisError> {
            Ok(value(&same_x_points)? * bool_to_field::<F>(y_sum()?.is_zero_vartime()))
        };
        let is_infinity = AllocatedNum::alloc(cs.namespace(|| "is_infinity"), || {
            Ok(value(i1)? * value(i2)? + cancel_value()?)
        })?;
        let cancel = || {
            LinearCombination::zero() + is_infinity.get_variable()
                - i1.get_variable()
                - i2.get_variable()
                + one
                - neither_infinite.get_variable()
        };
        // cancel = same_x_points · [y1 + y2 = 0]: an is-zero test on y1 + y2 gated by
        // same_x_points. If same_x_points = 0 the two equations force cancel = 0 whatever y1 + y2.
        let y_sum_inverse = AllocatedNum::alloc(cs.namespace(|| "inverse of y1 + y2"), || {
            Ok((value(&same_x_points)? - cancel_value()?) * invert_or_zero(y_sum()?))
        })?;
        cs.enforce(
            || "(y1 + y2) * cancel = 0",
            |lc| lc + y1.get_variable() + y2.get_variable(),
            |_| cancel(),
            |lc| lc,
        );
        cs.enforce(
            || "(y1 + y2) * inverse = same_x_points - cancel",
            |lc| lc + y1.get_variable() + y2.get_variable(),
            |lc| lc + y_sum_inverse.get_variable(),
            |_| LinearCombination::zero() + same_x_points.get_variable() - &cancel(),
        );

        // Output: keep·(x3, y3) + (i1 + i2)·(self + other coordinates), keep = neither − cancel.
        let keep = || LinearCombination::zero() + neither_infinite.get_variable() - &cancel();
        let keep_value =
            || -> Result<F, SynthesisError> { Ok(value(&neither_infinite)? - cancel_value()?) };
        let mut select = |name: &'static str,
                          chord: &AllocatedNum<F>,
                          c1: &AllocatedNum<F>,
                          c2: &AllocatedNum<F>|
         -> Result<AllocatedNum<F>, SynthesisError> {
            let mut cs = cs.namespace(|| name);
            let from_identity = alloc_product(
                cs.namespace(|| "operand when the other is the identity"),
                LinearCombination::zero() + i1.get_variable() + i2.get_variable(),
                LinearCombination::zero() + c1.get_variable() + c2.get_variable(),
                || Ok((value(i1)? + value(i2)?) * (value(c1)? + value(c2)?)),
            )?;
            let out = AllocatedNum::alloc(cs.namespace(|| "value"), || {
                Ok(keep_value()? * value(chord)? + value(&from_identity)?)
            })?;
            cs.enforce(
                || "keep * chord = out - from_identity",
                |_| keep(),
                |lc| lc + chord.get_variable(),
                |lc| lc + out.get_variable() - from_identity.get_variable(),
            );
            Ok(out)
        };
        let x = select("x", &x3, x1, x2)?;
        let y = select("y", &y3, y1, y2)?;
        Ok(Self { x, y, is_infinity })
    }

    /// `k·self` for the little-endian bits of `k` (the folding challenge's form): correct for the
    /// identity and for every bit pattern, zeros included. `8n + 11` constraints for `n ≥ 2` bits
    /// (1035 for a 128-bit challenge), 19 for one bit, 3 for none.
    ///
    /// # Method
    /// With `B = self`, `D_j = 2^j·B` and signs `s_i = 2b_i − 1 ∈ {±1}`,
    /// `k = b₀ + Σ_{i=1}^{n−1} s_i·2^{i−1} + 2^{n−1} − 1`, so
    /// `k·B = Σ_{i=1}^{n−1} s_i·D_{i−1} + D_{n−1} − (1 − b₀)·B`.
    /// The sum is accumulated with *incomplete* additions (3 constraints, plus 1 to sign the
    /// term) next to the doublings `D_j` (4 constraints): before adding `s_i·D_{i−1}` the
    /// accumulator is `c·B` with `c` odd and `|c| < 2^{i−1}`, so it is never `±D_{i−1}` and never
    /// the identity; the same holds when `D_{n−1}` is added. That needs `2^n < r`, which
    /// `n ≤ F::NUM_BITS − 2` and the prime order `r > 2^(NUM_BITS − 2)` guarantee. The one
    /// complete addition subtracts `B` when `b₀ = 0`; it is complete because `k` may be 0 or 1.
    ///
    /// Nova's gadget spends 9 constraints per bit (incomplete add 3, selection 2, doubling 4);
    /// signing the term (1) replaces the selection (2), hence 8.
    ///
    /// When `self` is the identity `(0, 0, 1)` its flag is added to every slope's denominator
    /// (where it is 0 otherwise): every slope is then forced to 0 and every intermediate point to
    /// `(0, 0)`, so the loop needs no selections and the final addition returns the identity.
    ///
    /// # Panics
    /// If `bits.len() > F::NUM_BITS − 2`; split longer scalars.
    pub fn scalar_mul<CS: ConstraintSystem<F>>(
        &self,
        mut cs: CS,
        bits: &[Boolean],
    ) -> Result<Self, SynthesisError> {
        assert!(
            bits.len() + 2 <= F::NUM_BITS as usize,
            "scalar_mul takes at most {} bits, got {}",
            F::NUM_BITS - 2,
            bits.len()
        );
        let Some((low_bit, high_bits)) = bits.split_first() else {
            return Self::identity(cs.namespace(|| "empty scalar"));
        };

        // Invariant: `doubling` is D_{i-1}, `sum` is Σ_{j<i} s_j·D_{j-1}; both carry self's flag.
        let mut doubling = self.clone();
        let mut sum: Option<Self> = None;
        for (offset, bit) in high_bits.iter().enumerate() {
            let i = offset + 1;
            let mut cs = cs.namespace(|| format!("bit {i}"));
            let term = doubling.signed(cs.namespace(|| "signed term"), bit)?;
            sum = Some(match sum {
                None => term,
                Some(sum) => sum.add_incomplete(cs.namespace(|| "accumulate"), &term)?,
            });
            doubling = doubling.double(cs.namespace(|| "double"))?;
        }
        let top = match sum {
            None => doubling,
            Some(sum) => sum.add_incomplete(cs.namespace(|| "add top power"), &doubling)?,
        };
        let correction = self.negated_unless(cs.namespace(|| "low bit correction"), low_bit)?;
        top.add(cs.namespace(|| "apply low bit correction"), &correction)
    }

    /// `self` with `y` replaced by `(2·bit − 1)·y`, i.e. `±self`; 1 constraint.
    fn signed<CS: ConstraintSystem<F>>(
        &self,
        mut cs: CS,
        bit: &Boolean,
    ) -> Result<Self, SynthesisError> {
        let y = alloc_product(
            cs.namespace(|| "signed y"),
            bit.lc(CS::one(), F::from(2)) - CS::one(),
            LinearCombination::zero() + self.y.get_variable(),
            || {
                let positive = bit.get_value().ok_or(SynthesisError::AssignmentMissing)?;
                let y = value(&self.y)?;
                Ok(if positive { y } else { -y })
            },
        )?;
        Ok(Self {
            x: self.x.clone(),
            y,
            is_infinity: self.is_infinity.clone(),
        })
    }

    /// `bit ? identity : −self`; 3 constraints. The result's flag is
    /// `1 − (1 − bit)·(1 − self.is_infinity)`, so it is `(0, 0, 1)` whenever either holds.
    fn negated_unless<CS: ConstraintSystem<F>>(
        &self,
        mut cs: CS,
        bit: &Boolean,
    ) -> Result<Self, SynthesisError> {
        let one = CS::one();
        let keep = || bit.not().lc(one, F::ONE);
        let keep_value = || -> Result<F, SynthesisError> {
            let bit = bit.get_value().ok_or(SynthesisError::AssignmentMissing)?;
            Ok(bool_to_field(!bit))
        };
        let x = alloc_product(
            cs.namespace(|| "x"),
            keep(),
            LinearCombination::zero() + self.x.get_variable(),
            || Ok(keep_value()? * value(&self.x)?),
        )?;
        let y = alloc_product(
            cs.namespace(|| "y"),
            keep(),
            LinearCombination::zero() - self.y.get_variable(),
            || Ok(-keep_value()? * value(&self.y)?),
        )?;
        let is_infinity = AllocatedNum::alloc(cs.namespace(|| "is_infinity"), || {
            Ok(F::ONE - keep_value()? * (F::ONE - value(&self.is_infinity)?))
        })?;
        cs.enforce(
            || "keep * (1 - self.is_infinity) = 1 - is_infinity",
            |_| keep(),
            |lc| lc + one - self.is_infinity.get_variable(),
            |lc| lc + one - is_infinity.get_variable(),
        );
        Ok(Self { x, y, is_infinity })
    }

    /// `self + other` for operands that carry the same identity flag `i` and, when `i = 0`,
    /// have distinct x-coordinates; 3 constraints. The slope is constrained by
    /// `λ·(x₂ − x₁ + i) = y₂ − y₁`, which for `i = 1` and both operands `(0, 0)` forces `λ = 0`
    /// and the result `(0, 0)`. Only [`Self::scalar_mul`] may call it: its loop establishes the
    /// precondition, and nothing else can.
    fn add_incomplete<CS: ConstraintSystem<F>>(
        &self,
        mut cs: CS,
        other: &Self,
    ) -> Result<Self, SynthesisError> {
        let (x1, y1, inf) = (&self.x, &self.y, &self.is_infinity);
        let (x2, y2) = (&other.x, &other.y);
        let lambda = AllocatedNum::alloc(cs.namespace(|| "lambda"), || {
            let denominator = value(x2)? - value(x1)? + value(inf)?;
            Ok((value(y2)? - value(y1)?) * invert_or_zero(denominator))
        })?;
        cs.enforce(
            || "lambda * (x2 - x1 + is_infinity) = y2 - y1",
            |lc| lc + lambda.get_variable(),
            |lc| lc + x2.get_variable() - x1.get_variable() + inf.get_variable(),
            |lc| lc + y2.get_variable() - y1.get_variable(),
        );
        let (x, y) = self.chord_output(cs.namespace(|| "chord"), &lambda, x2)?;
        Ok(Self {
            x,
            y,
            is_infinity: inf.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bellpepper_core::{Index, boolean::AllocatedBit, test_cs::TestConstraintSystem};
    use ff::Field;
    use halo2curves::group::Group;
    use origami_arith::{BaseOf, Commitment, Pallas, PointOf, ScalarOf, Vesta};
    use origami_r1cs::{R1csShape, WitnessBuffer};
    use rand::{Rng, SeedableRng, rngs::StdRng};

    const ADD_CONSTRAINTS: usize = 16;
    const DOUBLE_CONSTRAINTS: usize = 4;
    const SCALAR_MUL_128_CONSTRAINTS: usize = 1035;

    fn coordinates<C: CycleCurve>(p: PointOf<C>) -> (C::Base, C::Base, bool) {
        Commitment::<C>::from_point(p).coordinates()
    }

    fn alloc_point<C: CycleCurve, CS: ConstraintSystem<C::Base>>(
        cs: CS,
        p: Option<PointOf<C>>,
    ) -> AllocatedPoint<C::Base> {
        AllocatedPoint::alloc::<C, _>(cs, p.map(coordinates::<C>)).unwrap()
    }

    fn alloc_bits<F: PrimeField, CS: ConstraintSystem<F>>(
        mut cs: CS,
        bits: &[Option<bool>],
    ) -> Vec<Boolean> {
        bits.iter()
            .enumerate()
            .map(|(i, b)| {
                Boolean::Is(AllocatedBit::alloc(cs.namespace(|| format!("bit {i}")), *b).unwrap())
            })
            .collect()
    }

    fn bits_le(k: u128, n: usize) -> Vec<bool> {
        (0..n).map(|i| i < 128 && (k >> i) & 1 == 1).collect()
    }

    /// Runs `op` on a fresh test system and returns its result, the number of constraints `op`
    /// added, and whether the whole system is satisfied.
    fn run<F: PrimeField, T>(
        setup: impl FnOnce(&mut TestConstraintSystem<F>) -> T,
        op: impl FnOnce(&mut TestConstraintSystem<F>, T) -> AllocatedPoint<F>,
    ) -> (AllocatedPoint<F>, usize, bool) {
        let mut cs = TestConstraintSystem::<F>::new();
        let inputs = setup(&mut cs);
        let before = cs.num_constraints();
        let out = op(&mut cs, inputs);
        let added = cs.num_constraints() - before;
        if let Some(failing) = cs.which_is_unsatisfied() {
            eprintln!("unsatisfied: {failing}");
        }
        let satisfied = cs.is_satisfied();
        (out, added, satisfied)
    }

    fn check_add<C: CycleCurve>(p: PointOf<C>, q: PointOf<C>) {
        let (sum, added, satisfied) = run(
            |cs| {
                (
                    alloc_point::<C, _>(cs.namespace(|| "p"), Some(p)),
                    alloc_point::<C, _>(cs.namespace(|| "q"), Some(q)),
                )
            },
            |cs, (a, b)| a.add(cs.namespace(|| "add"), &b).unwrap(),
        );
        assert!(satisfied);
        assert_eq!(added, ADD_CONSTRAINTS);
        assert_eq!(sum.value(), Some(coordinates::<C>(p + q)));
    }

    fn add_cases<C: CycleCurve>() {
        let mut rng = StdRng::seed_from_u64(1);
        let o = PointOf::<C>::identity();
        for _ in 0..4 {
            let p = PointOf::<C>::random(&mut rng);
            let q = PointOf::<C>::random(&mut rng);
            check_add::<C>(p, q);
            check_add::<C>(p, o);
            check_add::<C>(o, q);
            check_add::<C>(p, p);
            check_add::<C>(p, -p);
            check_add::<C>(p, p.double());
        }
        check_add::<C>(o, o);
    }

    #[test]
    fn add_matches_native_vesta_in_fq() {
        add_cases::<Vesta>();
    }

    #[test]
    fn add_matches_native_pallas_in_fp() {
        add_cases::<Pallas>();
    }

    fn double_and_negate_cases<C: CycleCurve>() {
        let mut rng = StdRng::seed_from_u64(2);
        for p in [PointOf::<C>::random(&mut rng), PointOf::<C>::identity()] {
            let (doubled, added, satisfied) = run(
                |cs| alloc_point::<C, _>(cs.namespace(|| "p"), Some(p)),
                |cs, a| a.double(cs.namespace(|| "double")).unwrap(),
            );
            assert!(satisfied);
            assert_eq!(added, DOUBLE_CONSTRAINTS);
            assert_eq!(doubled.value(), Some(coordinates::<C>(p.double())));

            let (negated, added, satisfied) = run(
                |cs| alloc_point::<C, _>(cs.namespace(|| "p"), Some(p)),
                |cs, a| a.negate(cs.namespace(|| "negate")).unwrap(),
            );
            assert!(satisfied);
            assert_eq!(added, 1);
            assert_eq!(negated.value(), Some(coordinates::<C>(-p)));
        }
    }

    #[test]
    fn double_and_negate_match_native() {
        double_and_negate_cases::<Vesta>();
        double_and_negate_cases::<Pallas>();
    }

    fn check_scalar_mul<C: CycleCurve>(p: PointOf<C>, bits: &[bool]) -> usize {
        let (product, added, satisfied) = run(
            |cs| {
                let point = alloc_point::<C, _>(cs.namespace(|| "p"), Some(p));
                let values: Vec<_> = bits.iter().map(|b| Some(*b)).collect();
                (point, alloc_bits(cs.namespace(|| "bits"), &values))
            },
            |cs, (point, bits)| point.scalar_mul(cs.namespace(|| "mul"), &bits).unwrap(),
        );
        assert!(satisfied, "scalar_mul unsatisfied for bits {bits:?}");
        let k = bits.iter().rev().fold(ScalarOf::<C>::ZERO, |acc, b| {
            acc.double() + ScalarOf::<C>::from(u64::from(*b))
        });
        assert_eq!(
            product.value(),
            Some(coordinates::<C>(p * k)),
            "bits {bits:?}"
        );
        added
    }

    fn scalar_mul_cases<C: CycleCurve>() {
        let mut rng = StdRng::seed_from_u64(3);
        let p = PointOf::<C>::random(&mut rng);
        let o = PointOf::<C>::identity();
        let mut scalars: Vec<u128> = vec![0, 1, 2, 3, u128::MAX, u128::MAX - 1, 1 << 127];
        scalars.extend((0..4).map(|_| rng.r#gen::<u128>()));
        for k in scalars {
            for base in [p, o] {
                let added = check_scalar_mul::<C>(base, &bits_le(k, 128));
                assert_eq!(added, SCALAR_MUL_128_CONSTRAINTS);
            }
        }
        // Short scalars take the loop's edge paths: no term, a single term, no accumulation.
        for n in 0..4 {
            for k in 0..(1u128 << n) {
                let added = check_scalar_mul::<C>(p, &bits_le(k, n));
                let expected = match n {
                    0 => 3,
                    1 => 19,
                    _ => 8 * n + 11,
                };
                assert_eq!(added, expected, "{n} bits");
                check_scalar_mul::<C>(o, &bits_le(k, n));
            }
        }
    }

    #[test]
    fn scalar_mul_matches_native_vesta_in_fq() {
        scalar_mul_cases::<Vesta>();
    }

    #[test]
    fn scalar_mul_matches_native_pallas_in_fp() {
        scalar_mul_cases::<Pallas>();
    }

    #[test]
    fn scalar_mul_accepts_every_boolean_form() {
        // The same scalar as allocated bits, as negated allocated bits of its complement, and as
        // constants: the circuit reads a bit through its linear combination, whatever its form.
        let mut rng = StdRng::seed_from_u64(4);
        let p = PointOf::<Vesta>::random(&mut rng);
        let k: u128 = rng.r#gen();
        let bits = bits_le(k, 128);
        let expected = coordinates::<Vesta>(p * ScalarOf::<Vesta>::from_u128(k));
        type Make = fn(&mut TestConstraintSystem<BaseOf<Vesta>>, &[bool]) -> Vec<Boolean>;
        let forms: [Make; 3] = [
            |cs, bits| {
                alloc_bits(
                    cs.namespace(|| "is"),
                    &bits.iter().map(|b| Some(*b)).collect::<Vec<_>>(),
                )
            },
            |cs, bits| {
                alloc_bits(
                    cs.namespace(|| "not"),
                    &bits.iter().map(|b| Some(!b)).collect::<Vec<_>>(),
                )
                .iter()
                .map(Boolean::not)
                .collect()
            },
            |_, bits| bits.iter().map(|b| Boolean::constant(*b)).collect(),
        ];
        for make in forms {
            let (product, added, satisfied) = run(
                |cs| {
                    let point = alloc_point::<Vesta, _>(cs.namespace(|| "p"), Some(p));
                    (point, make(cs, &bits))
                },
                |cs, (point, bits)| point.scalar_mul(cs.namespace(|| "mul"), &bits).unwrap(),
            );
            assert!(satisfied);
            assert_eq!(added, SCALAR_MUL_128_CONSTRAINTS);
            assert_eq!(product.value(), Some(expected));
        }
    }

    /// An operation under test, synthesized once without a witness (our R1CS shape) and once
    /// with one (our witness buffer).
    enum Op<C: CycleCurve> {
        Add(PointOf<C>, PointOf<C>),
        Double(PointOf<C>),
        ScalarMul(PointOf<C>, u128),
    }

    impl<C: CycleCurve> Op<C> {
        fn synthesize<CS: ConstraintSystem<C::Base>>(
            &self,
            cs: &mut CS,
            with_witness: bool,
        ) -> Result<AllocatedPoint<C::Base>, SynthesisError> {
            let witness = |p: &PointOf<C>| with_witness.then_some(*p);
            match self {
                Op::Add(p, q) => {
                    let a = alloc_point::<C, _>(cs.namespace(|| "p"), witness(p));
                    let b = alloc_point::<C, _>(cs.namespace(|| "q"), witness(q));
                    a.add(cs.namespace(|| "add"), &b)
                }
                Op::Double(p) => {
                    let a = alloc_point::<C, _>(cs.namespace(|| "p"), witness(p));
                    a.double(cs.namespace(|| "double"))
                }
                Op::ScalarMul(p, k) => {
                    let a = alloc_point::<C, _>(cs.namespace(|| "p"), witness(p));
                    let values: Vec<_> = bits_le(*k, 128)
                        .into_iter()
                        .map(|b| with_witness.then_some(b))
                        .collect();
                    let bits = alloc_bits(cs.namespace(|| "bits"), &values);
                    a.scalar_mul(cs.namespace(|| "mul"), &bits)
                }
            }
        }

        /// Constraints of the point allocations and bits plus those of the operation.
        fn expected_constraints(&self) -> usize {
            match self {
                Op::Add(..) => 2 * 5 + ADD_CONSTRAINTS,
                Op::Double(..) => 5 + DOUBLE_CONSTRAINTS,
                Op::ScalarMul(..) => 5 + 128 + SCALAR_MUL_128_CONSTRAINTS,
            }
        }
    }

    fn aux_index<F: PrimeField>(num: &AllocatedNum<F>) -> usize {
        match num.get_variable().get_unchecked() {
            Index::Aux(i) => i,
            Index::Input(_) => unreachable!("the gadget allocates no public inputs"),
        }
    }

    /// Through Origami's own R1CS layer: the shape has the expected size, the honest assignment
    /// satisfies it, and changing any coordinate of the result breaks it.
    fn check_result_is_bound<C: CycleCurve>(op: Op<C>) {
        let shape =
            R1csShape::<C::Base>::from_fn(|cs| op.synthesize(cs, false).map(|_| ())).unwrap();
        assert_eq!(shape.num_cons(), op.expected_constraints());
        let mut buffer = WitnessBuffer::new();
        let result = buffer
            .synthesize_with(|cs| op.synthesize(cs, true))
            .unwrap();
        shape.check_assignment(buffer.z()).unwrap();
        let (_, _, is_identity) = result.value().unwrap();
        let flipped_flag = bool_to_field::<C::Base>(!is_identity);
        for (coordinate, replacement) in [
            (result.x(), value(result.x()).unwrap() + C::Base::ONE),
            (result.y(), -value(result.y()).unwrap() + C::Base::ONE),
            (result.y(), -value(result.y()).unwrap()),
            (result.is_infinity(), flipped_flag),
        ] {
            let mut z = buffer.z().to_vec();
            let index = aux_index(coordinate);
            if z[index] == replacement {
                continue; // −0 = 0: negating the identity's y changes nothing
            }
            z[index] = replacement;
            assert!(
                shape.check_assignment(&z).is_err(),
                "changing variable {index} of the result left the system satisfied"
            );
        }
    }

    fn result_binding_cases<C: CycleCurve>() {
        let mut rng = StdRng::seed_from_u64(5);
        let p = PointOf::<C>::random(&mut rng);
        let q = PointOf::<C>::random(&mut rng);
        let o = PointOf::<C>::identity();
        for (a, b) in [(p, q), (p, p), (p, -p), (o, q), (p, o), (o, o)] {
            check_result_is_bound::<C>(Op::Add(a, b));
        }
        check_result_is_bound::<C>(Op::Double(p));
        check_result_is_bound::<C>(Op::Double(o));
        for k in [0, 1, u128::MAX, rng.r#gen()] {
            check_result_is_bound::<C>(Op::ScalarMul(p, k));
            check_result_is_bound::<C>(Op::ScalarMul(o, k));
        }
    }

    #[test]
    fn tampered_results_are_rejected_vesta_in_fq() {
        result_binding_cases::<Vesta>();
    }

    #[test]
    fn tampered_results_are_rejected_pallas_in_fp() {
        result_binding_cases::<Pallas>();
    }

    #[test]
    fn tampered_scalar_mul_output_is_rejected_by_bellpepper_test_system() {
        let mut rng = StdRng::seed_from_u64(6);
        let p = PointOf::<Pallas>::random(&mut rng);
        let k: u128 = rng.r#gen();
        let mut cs = TestConstraintSystem::<BaseOf<Pallas>>::new();
        let op = Op::<Pallas>::ScalarMul(p, k);
        let result = op.synthesize(&mut cs, true).unwrap();
        assert!(cs.is_satisfied());
        assert_eq!(cs.num_constraints(), op.expected_constraints());
        let path = "mul/apply low bit correction/x/value/num";
        assert_eq!(cs.get(path), value(result.x()).unwrap());
        cs.set(path, value(result.x()).unwrap() + BaseOf::<Pallas>::ONE);
        assert!(!cs.is_satisfied());
    }

    /// Stronger than binding the result: for a curve point and a random scalar every variable of
    /// the multiplication (the point, the bits, every slope and intermediate point) is the only
    /// value that satisfies the system, so changing any single one is caught.
    fn every_variable_of_scalar_mul_is_bound<C: CycleCurve>() {
        let mut rng = StdRng::seed_from_u64(9);
        let op = Op::<C>::ScalarMul(PointOf::<C>::random(&mut rng), rng.r#gen());
        let shape =
            R1csShape::<C::Base>::from_fn(|cs| op.synthesize(cs, false).map(|_| ())).unwrap();
        let mut buffer = WitnessBuffer::new();
        buffer
            .synthesize_with(|cs| op.synthesize(cs, true))
            .unwrap();
        let honest = buffer.z().to_vec();
        shape.check_assignment(&honest).unwrap();
        for index in 0..buffer.w().len() {
            let mut z = honest.clone();
            z[index] += C::Base::ONE;
            assert!(
                shape.check_assignment(&z).is_err(),
                "changing witness variable {index} left the system satisfied"
            );
        }
    }

    #[test]
    fn every_variable_of_scalar_mul_is_bound_vesta_in_fq() {
        every_variable_of_scalar_mul_is_bound::<Vesta>();
    }

    #[test]
    fn every_variable_of_scalar_mul_is_bound_pallas_in_fp() {
        every_variable_of_scalar_mul_is_bound::<Pallas>();
    }

    #[test]
    fn doubling_the_identity_admits_no_other_slope() {
        // With the plain tangent equation λ·2y = 3x², the identity (0, 0) would accept any λ and
        // the chord equations would then yield (λ², −λ³) flagged as the identity. Build exactly
        // that alternative witness for λ = 1 and check that the flag in the denominator rejects it.
        let mut cs = TestConstraintSystem::<BaseOf<Vesta>>::new();
        let o = alloc_point::<Vesta, _>(cs.namespace(|| "o"), Some(PointOf::<Vesta>::identity()));
        let doubled = o.double(cs.namespace(|| "double")).unwrap();
        assert!(cs.is_satisfied());
        assert_eq!(
            doubled.value(),
            Some(coordinates::<Vesta>(PointOf::<Vesta>::identity()))
        );
        let one = BaseOf::<Vesta>::ONE;
        cs.set("double/lambda/num", one);
        cs.set("double/output/x/num", one);
        cs.set("double/output/y/num", -one);
        assert_eq!(
            cs.which_is_unsatisfied(),
            Some("double/lambda * (2y + is_infinity) = 3x^2")
        );
    }

    #[test]
    fn scalar_mul_of_the_identity_forces_its_whole_loop_to_zero() {
        // Every intermediate point of the identity's multiplication is (0, 0) and no single value
        // can change: its flag, in every slope's denominator, pins each slope to 0.
        let mut rng = StdRng::seed_from_u64(10);
        let mut cs = TestConstraintSystem::<BaseOf<Pallas>>::new();
        let op = Op::<Pallas>::ScalarMul(PointOf::<Pallas>::identity(), rng.r#gen());
        op.synthesize(&mut cs, true).unwrap();
        assert!(cs.is_satisfied());
        let loop_variables: Vec<String> = cs
            .pretty_print_list()
            .into_iter()
            .filter_map(|line| line.strip_prefix("AUX ").map(str::to_owned))
            .filter(|path| path.starts_with("mul/bit ") || path.starts_with("mul/add top power/"))
            .collect();
        assert_eq!(loop_variables.len(), 127 * 4 + 126 * 4 + 1 + 3);
        for path in loop_variables {
            let honest = cs.get(&path);
            assert_eq!(honest, BaseOf::<Pallas>::ZERO, "{path}");
            cs.set(&path, BaseOf::<Pallas>::ONE);
            assert!(!cs.is_satisfied(), "{path} is not forced");
            cs.set(&path, honest);
        }
    }

    fn alloc_satisfied<C: CycleCurve>(coordinates: (C::Base, C::Base, bool)) -> bool {
        let mut cs = TestConstraintSystem::<C::Base>::new();
        AllocatedPoint::alloc::<C, _>(cs.namespace(|| "p"), Some(coordinates)).unwrap();
        assert_eq!(cs.num_constraints(), 5);
        cs.is_satisfied()
    }

    fn alloc_cases<C: CycleCurve>() {
        let mut rng = StdRng::seed_from_u64(7);
        let (x, y, _) = coordinates::<C>(PointOf::<C>::random(&mut rng));
        let (zero, one) = (C::Base::ZERO, C::Base::ONE);
        assert!(alloc_satisfied::<C>((x, y, false)));
        assert!(alloc_satisfied::<C>((x, -y, false)));
        assert!(alloc_satisfied::<C>((zero, zero, true)));
        // Off the curve, the identity's coordinates without its flag, a curve point flagged as
        // the identity, a non-canonical identity, a flag that is not a bit.
        assert!(!alloc_satisfied::<C>((x, y + one, false)));
        assert!(!alloc_satisfied::<C>((zero, zero, false)));
        assert!(!alloc_satisfied::<C>((x, y, true)));
        assert!(!alloc_satisfied::<C>((zero, one, true)));
        let mut cs = TestConstraintSystem::<C::Base>::new();
        AllocatedPoint::alloc::<C, _>(cs.namespace(|| "p"), Some((zero, zero, true))).unwrap();
        cs.set("p/is_infinity/num", C::Base::from(2));
        assert!(!cs.is_satisfied());
    }

    #[test]
    fn alloc_accepts_exactly_the_curve_points_and_the_canonical_identity() {
        alloc_cases::<Vesta>();
        alloc_cases::<Pallas>();
    }

    #[test]
    fn conditionally_select_picks_by_condition() {
        let mut rng = StdRng::seed_from_u64(8);
        let p = PointOf::<Vesta>::random(&mut rng);
        let o = PointOf::<Vesta>::identity();
        for take_first in [false, true] {
            for allocated in [false, true] {
                let mut cs = TestConstraintSystem::<BaseOf<Vesta>>::new();
                let condition = if allocated {
                    let bit = AllocatedBit::alloc(cs.namespace(|| "condition"), Some(take_first));
                    Boolean::Is(bit.unwrap())
                } else {
                    Boolean::constant(take_first)
                };
                let a = alloc_point::<Vesta, _>(cs.namespace(|| "a"), Some(p));
                let b = alloc_point::<Vesta, _>(cs.namespace(|| "b"), Some(o));
                let before = cs.num_constraints();
                let selected = AllocatedPoint::conditionally_select(
                    cs.namespace(|| "select"),
                    &a,
                    &b,
                    &condition,
                )
                .unwrap();
                assert_eq!(cs.num_constraints() - before, 3);
                assert!(cs.is_satisfied());
                let expected = if take_first { p } else { o };
                assert_eq!(selected.value(), Some(coordinates::<Vesta>(expected)));
                cs.set(
                    "select/x/selected/num",
                    value(selected.x()).unwrap() + BaseOf::<Vesta>::ONE,
                );
                assert!(!cs.is_satisfied());
            }
        }
    }

    #[test]
    fn identity_is_the_canonical_constant() {
        let mut cs = TestConstraintSystem::<BaseOf<Pallas>>::new();
        let identity = AllocatedPoint::identity(cs.namespace(|| "o")).unwrap();
        assert_eq!(cs.num_constraints(), 3);
        assert!(cs.is_satisfied());
        assert_eq!(
            identity.value(),
            Some(coordinates::<Pallas>(PointOf::<Pallas>::identity()))
        );
        cs.set("o/is_infinity/num", BaseOf::<Pallas>::ZERO);
        assert!(!cs.is_satisfied());
    }
}

//! The CycleFold circuit for a Mova fold (Kothapalli–Setty, ePrint 2023/1192): the one
//! elliptic-curve operation of a fold, `W̄ = W̄₁ + α·W̄₂`, proven in a small circuit over the
//! base field of the commitments' curve, where their coordinates are native.
//!
//! In the layout `docs/folding.md` §5 plans, the primary circuit verifies the Mova fold of
//! primary instances natively and hands this operation to an instance of this circuit on the
//! secondary curve, which it folds with Nova. Its public inputs, in order, are
//! `α, W̄₁.x, W̄₁.y, W̄₂.x, W̄₂.y, W̄.x, W̄.y` ([`public_inputs`]), the identity as `(0, 0)`.

use bellpepper_core::boolean::{AllocatedBit, Boolean};
use bellpepper_core::num::AllocatedNum;
use bellpepper_core::{Circuit, ConstraintSystem, LinearCombination, SynthesisError};
use ff::{Field, PrimeFieldBits};
use origami_arith::{Commitment, CycleCurve, ScalarOf};

use crate::convert::{NUM_CHALLENGE_BITS, cross_field};
use crate::error::NovaError;
use crate::gadgets::ecc::AllocatedPoint;
use crate::nifs::point_elements;

/// Public inputs of the circuit: `α` and three points' coordinates.
pub const NUM_IO: usize = 7;

/// `W̄₁ + α·W̄₂` for a 128-bit `α`, over `C::Base` (`None` everywhere: shape synthesis).
#[derive(Clone, Debug)]
pub struct CommitmentFold<C: CycleCurve> {
    /// `α`, below 2^128.
    pub alpha: Option<ScalarOf<C>>,
    /// `W̄₁`.
    pub first: Option<Commitment<C>>,
    /// `W̄₂`.
    pub second: Option<Commitment<C>>,
}

impl<C: CycleCurve> CommitmentFold<C> {
    /// The circuit for proving the fold with these values.
    pub fn new(alpha: ScalarOf<C>, first: Commitment<C>, second: Commitment<C>) -> Self {
        Self {
            alpha: Some(alpha),
            first: Some(first),
            second: Some(second),
        }
    }

    /// The circuit without values, for its shape.
    pub fn blank() -> Self {
        Self {
            alpha: None,
            first: None,
            second: None,
        }
    }
}

/// The circuit's public inputs for `out = first + α·second`, as the native side computes them.
pub fn public_inputs<C: CycleCurve>(
    alpha: &ScalarOf<C>,
    first: &Commitment<C>,
    second: &Commitment<C>,
) -> Result<Vec<C::Base>, NovaError> {
    if alpha
        .to_le_bits()
        .iter()
        .skip(NUM_CHALLENGE_BITS)
        .any(|b| *b)
    {
        return Err(NovaError::ScalarOutOfRange("CycleFold α (above 128 bits)"));
    }
    let out = *first + second.scale(alpha);
    let alpha = cross_field(alpha).ok_or(NovaError::ScalarOutOfRange("CycleFold α"))?;
    let mut io = vec![alpha];
    for p in [first, second, &out] {
        io.extend(point_elements(p));
    }
    Ok(io)
}

/// `α`'s 128 bits, least significant first.
fn alpha_bits<C: CycleCurve>(alpha: &C::Base) -> Vec<bool> {
    alpha
        .to_le_bits()
        .iter()
        .take(NUM_CHALLENGE_BITS)
        .map(|b| *b)
        .collect()
}

impl<C: CycleCurve> Circuit<C::Base> for CommitmentFold<C> {
    fn synthesize<CS: ConstraintSystem<C::Base>>(self, cs: &mut CS) -> Result<(), SynthesisError> {
        let alpha = self.alpha.map(|a| cross_field::<_, C::Base>(&a));
        if alpha == Some(None) {
            return Err(SynthesisError::Unsatisfiable);
        }
        let bits_value = alpha.flatten().map(|a| alpha_bits::<C>(&a));
        let bits = (0..NUM_CHALLENGE_BITS)
            .map(|i| {
                AllocatedBit::alloc(
                    cs.namespace(|| format!("α bit {i}")),
                    bits_value.as_ref().map(|b| b[i]),
                )
                .map(Boolean::from)
            })
            .collect::<Result<Vec<_>, _>>()?;
        // α = Σ 2^i·bit_i, public: so α < 2^128 is enforced by the bits.
        let alpha_num = AllocatedNum::alloc_input(cs.namespace(|| "α"), || {
            alpha.flatten().ok_or(SynthesisError::AssignmentMissing)
        })?;
        let mut lc = LinearCombination::zero();
        let mut coefficient = C::Base::ONE;
        for bit in &bits {
            lc = lc + &bit.lc(CS::one(), coefficient);
            coefficient = coefficient.double();
        }
        cs.enforce(
            || "α = Σ 2^i·bit_i",
            |_| lc,
            |l| l + CS::one(),
            |l| l + alpha_num.get_variable(),
        );
        let point = |cs: &mut CS, name: &str, c: Option<Commitment<C>>| {
            let p = AllocatedPoint::alloc::<C, _>(
                cs.namespace(|| name.to_owned()),
                c.map(|c| c.coordinates()),
            )?;
            // (0, 0) is not on the curve, so the coordinates fix the identity flag.
            p.x().inputize(cs.namespace(|| format!("{name} x")))?;
            p.y().inputize(cs.namespace(|| format!("{name} y")))?;
            Ok::<_, SynthesisError>(p)
        };
        let first = point(cs, "W1", self.first)?;
        let second = point(cs, "W2", self.second)?;
        let scaled = second.scalar_mul(cs.namespace(|| "α·W2"), &bits)?;
        let out = first.add(cs.namespace(|| "W1 + α·W2"), &scaled)?;
        out.x().inputize(cs.namespace(|| "W x"))?;
        out.y().inputize(cs.namespace(|| "W y"))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ff::PrimeField;
    use origami_arith::Pallas;
    use origami_r1cs::{R1csShape, WitnessBuffer};
    use rand::rngs::StdRng;
    use rand::{RngCore, SeedableRng};

    type S = ScalarOf<Pallas>;

    fn point(rng: &mut StdRng) -> Commitment<Pallas> {
        let g = <halo2curves::pasta::Pallas as group::Group>::generator();
        Commitment::from_point(g * S::random(&mut *rng))
    }

    fn alpha(rng: &mut StdRng) -> S {
        S::from_u128(u128::from(rng.next_u64()) << 64 | u128::from(rng.next_u64()))
    }

    #[test]
    fn the_circuit_proves_the_fold_and_only_it() {
        let shape = R1csShape::from_circuit(CommitmentFold::<Pallas>::blank()).unwrap();
        assert_eq!(shape.num_io(), NUM_IO);
        let mut rng = StdRng::seed_from_u64(21);
        let mut buf = WitnessBuffer::new();
        let identity = Commitment::<Pallas>::identity();
        let (p, q) = (point(&mut rng), point(&mut rng));
        // Random points, and the identity on either side (the running W̄ starts there).
        for (first, second) in [(p, q), (identity, q), (p, identity), (identity, identity)] {
            let a = alpha(&mut rng);
            buf.synthesize(CommitmentFold::new(a, first, second))
                .unwrap();
            let io = public_inputs(&a, &first, &second).unwrap();
            assert_eq!(
                buf.x(),
                io.as_slice(),
                "the circuit's inputs are the native ones"
            );
            let expected = first + second.scale(&a);
            assert_eq!(io[5..], point_elements(&expected));
            shape.check_assignment(buf.z()).unwrap();
            // Any public input changed: no witness fits it.
            for k in 0..NUM_IO {
                let mut z = buf.z().to_vec();
                z[shape.num_vars() + 1 + k] += <Pallas as CycleCurve>::Base::ONE;
                assert!(shape.check_assignment(&z).is_err(), "input {k} changed");
            }
        }
    }

    #[test]
    fn an_alpha_above_128_bits_is_refused() {
        let mut rng = StdRng::seed_from_u64(22);
        let big = S::from_u128(u128::MAX) + S::ONE;
        let (p, q) = (point(&mut rng), point(&mut rng));
        assert!(public_inputs(&big, &p, &q).is_err());
    }

    #[test]
    fn the_circuit_is_small() {
        // 128 bits, two points, a 128-bit scalar multiplication (1,035), one addition (16).
        let shape = R1csShape::from_circuit(CommitmentFold::<Pallas>::blank()).unwrap();
        assert!(
            (1_150..=1_250).contains(&shape.num_cons()),
            "{} constraints",
            shape.num_cons()
        );
    }
}

//! The Mova fresh fold's verifier in a circuit over the instances' scalar field: the checks of
//! `docs/folding.md` §5 items 2–3, with the same sponge pattern and element order as
//! [`FreshFold::verify`](crate::mova::FreshFold::verify).
//!
//! Commitments are taken as their four 128-bit coordinate limbs and only absorbed: the fold
//! `W̄₁ + α·W̄₂` is an elliptic-curve operation over the other field, which the caller delegates
//! (CycleFold) with [`FoldedClaim::alpha_bits`], and the caller binds the limbs to the points
//! there. Everything here is native field arithmetic.

use bellpepper_core::boolean::Boolean;
use bellpepper_core::num::AllocatedNum;
use bellpepper_core::{ConstraintSystem, LinearCombination, SynthesisError};
use ff::{PrimeField, PrimeFieldBits};
use origami_arith::poseidon::{PoseidonSpongeGadget, gadget::low_bits_le};
use origami_arith::{CycleCurve, ScalarOf};

use crate::convert::NUM_CHALLENGE_BITS;
use crate::mova::{EvaluatedInstance, FoldDims, fresh_pattern, point_limbs};

/// An evaluated instance's public part in a circuit: `Com(W)` as limbs, `u`, `X`, `r`, `v`.
#[derive(Clone)]
pub struct AllocatedEvaluatedInstance<F: PrimeField> {
    /// `Com(W)`'s coordinates as four 128-bit limbs (see [`point_limbs`]).
    pub comm_w: [AllocatedNum<F>; 4],
    /// `u`.
    pub u: AllocatedNum<F>,
    /// `X`.
    pub x: Vec<AllocatedNum<F>>,
    /// The claim's point `r`.
    pub point: Vec<AllocatedNum<F>>,
    /// The claimed `Ẽ(r)`.
    pub value: AllocatedNum<F>,
}

/// Allocates one number per value (missing when synthesizing the shape).
fn alloc_all<F: PrimeField, CS: ConstraintSystem<F>>(
    cs: &mut CS,
    name: &str,
    count: usize,
    values: Option<&[F]>,
) -> Result<Vec<AllocatedNum<F>>, SynthesisError> {
    (0..count)
        .map(|i| {
            AllocatedNum::alloc(cs.namespace(|| format!("{name} {i}")), || {
                values
                    .and_then(|v| v.get(i).copied())
                    .ok_or(SynthesisError::AssignmentMissing)
            })
        })
        .collect()
}

/// Allocates `Com(W)`'s limbs.
pub fn alloc_limbs<C: CycleCurve, CS: ConstraintSystem<ScalarOf<C>>>(
    cs: &mut CS,
    name: &str,
    comm_w: Option<&origami_arith::Commitment<C>>,
) -> Result<[AllocatedNum<ScalarOf<C>>; 4], SynthesisError> {
    let limbs = comm_w.map(point_limbs);
    let [a, b, c, d]: [AllocatedNum<ScalarOf<C>>; 4] =
        alloc_all(cs, name, 4, limbs.as_ref().map(|l| l.as_slice()))?
            .try_into()
            .map_err(|_| SynthesisError::Unsatisfiable)?;
    Ok([a, b, c, d])
}

impl<F: PrimeField> AllocatedEvaluatedInstance<F> {
    /// Allocates an instance of `dims` (values missing when synthesizing the shape).
    pub fn alloc<C: CycleCurve<Scalar = F>, CS: ConstraintSystem<F>>(
        mut cs: CS,
        dims: FoldDims,
        instance: Option<&EvaluatedInstance<C>>,
    ) -> Result<Self, SynthesisError> {
        let comm_w = alloc_limbs(&mut cs, "comm W", instance.map(|u| &u.comm_w))?;
        let one = |cs: &mut CS, name: &str, v: Option<F>| {
            AllocatedNum::alloc(cs.namespace(|| name.to_owned()), || {
                v.ok_or(SynthesisError::AssignmentMissing)
            })
        };
        let u = one(&mut cs, "u", instance.map(|i| i.u))?;
        let x = alloc_all(&mut cs, "X", dims.num_io, instance.map(|i| i.x.as_slice()))?;
        let point = alloc_all(
            &mut cs,
            "point",
            dims.error_vars,
            instance.map(|i| i.point.as_slice()),
        )?;
        let value = one(&mut cs, "value", instance.map(|i| i.value))?;
        Ok(Self {
            comm_w,
            u,
            x,
            point,
            value,
        })
    }

    /// The elements in the order the native sponge absorbs them.
    fn elements(&self) -> Vec<AllocatedNum<F>> {
        let mut out = self.comm_w.to_vec();
        out.push(self.u.clone());
        out.extend(self.x.iter().cloned());
        out.extend(self.point.iter().cloned());
        out.push(self.value.clone());
        out
    }
}

/// The folded instance's scalar part, and `α` for the delegated `W̄₁ + α·W̄₂`.
pub struct FoldedClaim<F: PrimeField> {
    /// `u₁ + α`.
    pub u: AllocatedNum<F>,
    /// `X₁ + α·X₂`.
    pub x: Vec<AllocatedNum<F>>,
    /// `ρ = r₁ + β·(r₂ − r₁)`.
    pub point: Vec<AllocatedNum<F>>,
    /// `h₁(β) + α·t`.
    pub value: AllocatedNum<F>,
    /// `α` as its 128 bits, least significant first.
    pub alpha_bits: Vec<Boolean>,
}

/// `a + b·c`, allocated, with one constraint `b·c = out − a`.
fn mul_add<F: PrimeField, CS: ConstraintSystem<F>>(
    mut cs: CS,
    a: &AllocatedNum<F>,
    b: &AllocatedNum<F>,
    c: &AllocatedNum<F>,
) -> Result<AllocatedNum<F>, SynthesisError> {
    let out = AllocatedNum::alloc(cs.namespace(|| "a + b·c"), || {
        let (a, b, c) = (a.get_value(), b.get_value(), c.get_value());
        Ok(a.ok_or(SynthesisError::AssignmentMissing)?
            + b.ok_or(SynthesisError::AssignmentMissing)?
                * c.ok_or(SynthesisError::AssignmentMissing)?)
    })?;
    cs.enforce(
        || "b·c = out − a",
        |lc| lc + b.get_variable(),
        |lc| lc + c.get_variable(),
        |lc| lc + out.get_variable() - a.get_variable(),
    );
    Ok(out)
}

/// `a + β·(b − a)`, allocated, with one constraint `β·(b − a) = out − a`.
fn on_line<F: PrimeField, CS: ConstraintSystem<F>>(
    mut cs: CS,
    a: &AllocatedNum<F>,
    b: &AllocatedNum<F>,
    beta: &AllocatedNum<F>,
) -> Result<AllocatedNum<F>, SynthesisError> {
    let out = AllocatedNum::alloc(cs.namespace(|| "a + β(b − a)"), || {
        let (a, b, beta) = (a.get_value(), b.get_value(), beta.get_value());
        let (a, b, beta) = (
            a.ok_or(SynthesisError::AssignmentMissing)?,
            b.ok_or(SynthesisError::AssignmentMissing)?,
            beta.ok_or(SynthesisError::AssignmentMissing)?,
        );
        Ok(a + beta * (b - a))
    })?;
    cs.enforce(
        || "β·(b − a) = out − a",
        |lc| lc + beta.get_variable(),
        |lc| lc + b.get_variable() - a.get_variable(),
        |lc| lc + out.get_variable() - a.get_variable(),
    );
    Ok(out)
}

/// Verifies a fresh fold of `(W̄₂, X₂)` into `running` with messages `line` (`h₁`, `ν + 1`
/// coefficients) and `cross` (`t`): enforces `h₁(0) = v₁`, runs the sponge of
/// the native fold (same pattern, same order), and returns the folded scalars. Lengths are the caller's (the shape fixes
/// them); a mismatch is a synthesis error.
#[allow(clippy::too_many_arguments)]
pub fn verify_fresh_fold<F, CS>(
    mut cs: CS,
    dims: FoldDims,
    pp: &AllocatedNum<F>,
    running: &AllocatedEvaluatedInstance<F>,
    fresh_comm_w: &[AllocatedNum<F>; 4],
    fresh_x: &[AllocatedNum<F>],
    line: &[AllocatedNum<F>],
    cross: &AllocatedNum<F>,
) -> Result<FoldedClaim<F>, SynthesisError>
where
    F: PrimeFieldBits + 'static,
    CS: ConstraintSystem<F>,
{
    let nu = dims.error_vars;
    if running.point.len() != nu
        || running.x.len() != dims.num_io
        || fresh_x.len() != dims.num_io
        || line.len() != nu + 1
    {
        return Err(SynthesisError::Unsatisfiable);
    }
    cs.enforce(
        || "h₁(0) = v₁",
        |lc| lc + line[0].get_variable(),
        |lc| lc + CS::one(),
        |lc| lc + running.value.get_variable(),
    );

    let mut sponge = PoseidonSpongeGadget::new(&fresh_pattern(dims)?);
    let mut absorbed = vec![pp.clone()];
    absorbed.extend(running.elements());
    absorbed.extend(fresh_comm_w.iter().cloned());
    absorbed.extend(fresh_x.iter().cloned());
    sponge.absorb(&mut cs, &absorbed)?;
    let r2: Vec<AllocatedNum<F>> = (0..nu)
        .map(|_| sponge.squeeze(&mut cs))
        .collect::<Result<_, _>>()?;
    sponge.absorb(&mut cs, line)?;
    let beta = sponge.squeeze(&mut cs)?;
    sponge.absorb(&mut cs, std::slice::from_ref(cross))?;
    let alpha_hash = sponge.squeeze(&mut cs)?;
    sponge.finish()?;
    let alpha_bits = low_bits_le(cs.namespace(|| "α bits"), &alpha_hash, NUM_CHALLENGE_BITS)?;
    let alpha = recompose(cs.namespace(|| "α"), &alpha_bits)?;

    let point = running
        .point
        .iter()
        .zip(&r2)
        .enumerate()
        .map(|(i, (a, b))| on_line(cs.namespace(|| format!("ρ {i}")), a, b, &beta))
        .collect::<Result<Vec<_>, _>>()?;
    // h₁(β) by Horner, one constraint a coefficient.
    let mut at_beta = line[nu].clone();
    for k in (0..nu).rev() {
        at_beta = mul_add(
            cs.namespace(|| format!("h₁ Horner {k}")),
            &line[k],
            &at_beta,
            &beta,
        )?;
    }
    let value = mul_add(cs.namespace(|| "v = h₁(β) + α·t"), &at_beta, &alpha, cross)?;
    let u = add(cs.namespace(|| "u = u₁ + α"), &running.u, &alpha)?;
    let x = running
        .x
        .iter()
        .zip(fresh_x)
        .enumerate()
        .map(|(i, (a, b))| mul_add(cs.namespace(|| format!("X {i}")), a, &alpha, b))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(FoldedClaim {
        u,
        x,
        point,
        value,
        alpha_bits,
    })
}

/// `a + b`, allocated (one constraint).
fn add<F: PrimeField, CS: ConstraintSystem<F>>(
    mut cs: CS,
    a: &AllocatedNum<F>,
    b: &AllocatedNum<F>,
) -> Result<AllocatedNum<F>, SynthesisError> {
    let out = AllocatedNum::alloc(cs.namespace(|| "a + b"), || {
        Ok(a.get_value().ok_or(SynthesisError::AssignmentMissing)?
            + b.get_value().ok_or(SynthesisError::AssignmentMissing)?)
    })?;
    cs.enforce(
        || "(a + b)·1 = out",
        |lc| lc + a.get_variable() + b.get_variable(),
        |lc| lc + CS::one(),
        |lc| lc + out.get_variable(),
    );
    Ok(out)
}

/// The number whose little-endian bits are `bits` (one constraint).
fn recompose<F: PrimeField, CS: ConstraintSystem<F>>(
    mut cs: CS,
    bits: &[Boolean],
) -> Result<AllocatedNum<F>, SynthesisError> {
    let value = bits.iter().rev().try_fold(F::ZERO, |acc, bit| {
        bit.get_value()
            .map(|b| acc.double() + if b { F::ONE } else { F::ZERO })
    });
    let out = AllocatedNum::alloc(cs.namespace(|| "value"), || {
        value.ok_or(SynthesisError::AssignmentMissing)
    })?;
    let mut lc = LinearCombination::zero();
    let mut coefficient = F::ONE;
    for bit in bits {
        lc = lc + &bit.lc(CS::one(), coefficient);
        coefficient = coefficient.double();
    }
    cs.enforce(
        || "Σ 2^i·bit_i = value",
        |_| lc,
        |lc| lc + CS::one(),
        |lc| lc + out.get_variable(),
    );
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bellpepper_core::test_cs::TestConstraintSystem;
    use ff::Field;
    use origami_arith::{Commitment, Pallas};
    use origami_r1cs::R1csInstance;
    use rand::rngs::StdRng;
    use rand::{RngCore, SeedableRng};

    use crate::mova::FreshFold;

    type F = ScalarOf<Pallas>;

    fn random_point(rng: &mut StdRng) -> Commitment<Pallas> {
        let g = <halo2curves::pasta::Pallas as group::Group>::generator();
        Commitment::from_point(g * F::random(&mut *rng))
    }

    /// A random running instance, fresh instance and fold messages of `dims` (no witness: the
    /// verifiers only fold what they are given).
    fn random_fold(
        dims: FoldDims,
        rng: &mut StdRng,
    ) -> (
        EvaluatedInstance<Pallas>,
        R1csInstance<Pallas>,
        FreshFold<Pallas>,
    ) {
        let mut v = |n: usize| (0..n).map(|_| F::random(&mut *rng)).collect::<Vec<F>>();
        let (u, x, point, value) = (v(1)[0], v(dims.num_io), v(dims.error_vars), v(1)[0]);
        let (x2, mut line, cross) = (v(dims.num_io), v(dims.error_vars + 1), v(1)[0]);
        line[0] = value;
        let running = EvaluatedInstance {
            comm_w: random_point(rng),
            u,
            x,
            point,
            value,
        };
        let fresh = R1csInstance {
            comm_w: random_point(rng),
            x: x2,
        };
        (running, fresh, FreshFold { line, cross })
    }

    /// Synthesizes the gadget on the given values: the constraint system and the folded claim.
    fn synthesize(
        dims: FoldDims,
        pp: F,
        running: &EvaluatedInstance<Pallas>,
        fresh: &R1csInstance<Pallas>,
        proof: &FreshFold<Pallas>,
    ) -> (TestConstraintSystem<F>, FoldedClaim<F>) {
        let mut cs = TestConstraintSystem::<F>::new();
        let pp = AllocatedNum::alloc(cs.namespace(|| "pp"), || Ok(pp)).unwrap();
        let running =
            AllocatedEvaluatedInstance::alloc(cs.namespace(|| "running"), dims, Some(running))
                .unwrap();
        let fresh_w = alloc_limbs(&mut cs, "fresh W", Some(&fresh.comm_w)).unwrap();
        let fresh_x = alloc_all(&mut cs, "fresh X", dims.num_io, Some(&fresh.x)).unwrap();
        let line = alloc_all(&mut cs, "h", proof.line.len(), Some(&proof.line)).unwrap();
        let cross = AllocatedNum::alloc(cs.namespace(|| "t"), || Ok(proof.cross)).unwrap();
        let folded = verify_fresh_fold(
            cs.namespace(|| "fold"),
            dims,
            &pp,
            &running,
            &fresh_w,
            &fresh_x,
            &line,
            &cross,
        )
        .unwrap();
        (cs, folded)
    }

    #[test]
    fn the_circuit_and_the_native_verifier_agree_on_random_instances() {
        let mut rng = StdRng::seed_from_u64(11);
        for (error_vars, num_io) in [(0, 2), (1, 2), (6, 2), (14, 2), (19, 3)] {
            let dims = FoldDims { error_vars, num_io };
            let pp = F::from(rng.next_u64());
            let (running, fresh, proof) = random_fold(dims, &mut rng);
            let native = proof.verify(dims, &pp, &running, &fresh).unwrap();
            let (cs, folded) = synthesize(dims, pp, &running, &fresh, &proof);
            assert!(cs.is_satisfied(), "{:?}", cs.which_is_unsatisfied());
            let values = |v: &[AllocatedNum<F>]| -> Vec<F> {
                v.iter().map(|n| n.get_value().unwrap()).collect()
            };
            assert_eq!(folded.u.get_value(), Some(native.u), "ν = {error_vars}");
            assert_eq!(values(&folded.x), native.x);
            assert_eq!(values(&folded.point), native.point);
            assert_eq!(folded.value.get_value(), Some(native.value));
            let alpha = folded.alpha_bits.iter().rev().fold(F::ZERO, |acc, b| {
                acc.double()
                    + if b.get_value().unwrap() {
                        F::ONE
                    } else {
                        F::ZERO
                    }
            });
            assert_eq!(alpha, native.u - running.u, "α");
        }
    }

    #[test]
    fn a_line_off_the_claim_leaves_the_circuit_unsatisfied() {
        let mut rng = StdRng::seed_from_u64(12);
        let dims = FoldDims {
            error_vars: 6,
            num_io: 2,
        };
        let (running, fresh, mut proof) = random_fold(dims, &mut rng);
        proof.line[0] += F::ONE;
        assert!(proof.verify(dims, &F::ONE, &running, &fresh).is_err());
        let (cs, _) = synthesize(dims, F::ONE, &running, &fresh, &proof);
        assert_eq!(cs.which_is_unsatisfied(), Some("fold/h₁(0) = v₁"));
    }

    #[test]
    fn every_message_moves_the_challenges_after_it_in_the_circuit_too() {
        // The circuit's folded values follow the native ones for every changed message, so the
        // binding order tested natively (tests/mova.rs) holds in the circuit.
        let mut rng = StdRng::seed_from_u64(13);
        let dims = FoldDims {
            error_vars: 5,
            num_io: 2,
        };
        let (running, fresh, proof) = random_fold(dims, &mut rng);
        let mut variants = vec![proof.clone()];
        for k in 1..proof.line.len() {
            let mut p = proof.clone();
            p.line[k] += F::ONE;
            variants.push(p);
        }
        let mut p = proof.clone();
        p.cross += F::ONE;
        variants.push(p);
        for p in &variants {
            let native = p.verify(dims, &F::ONE, &running, &fresh).unwrap();
            let (cs, folded) = synthesize(dims, F::ONE, &running, &fresh, p);
            assert!(cs.is_satisfied());
            assert_eq!(folded.u.get_value(), Some(native.u));
            assert_eq!(folded.value.get_value(), Some(native.value));
            assert_eq!(folded.point[0].get_value(), Some(native.point[0]));
        }
    }

    #[test]
    fn the_verifier_costs_a_permutation_and_a_half_a_variable() {
        // The cost docs/folding.md §5 reports: each variable adds three sponge elements (a
        // point coordinate absorbed, one of r₂ squeezed, a coefficient of h₁ absorbed), a
        // permutation (240 constraints) per two, plus a squeeze and two products.
        let count = |error_vars| {
            let dims = FoldDims {
                error_vars,
                num_io: 2,
            };
            let mut rng = StdRng::seed_from_u64(14);
            let (running, fresh, proof) = random_fold(dims, &mut rng);
            synthesize(dims, F::ONE, &running, &fresh, &proof)
                .0
                .num_constraints()
        };
        let (at_12, at_19) = (count(12), count(19));
        let per_variable = (at_19 - at_12) / 7;
        assert!(
            (340..=380).contains(&per_variable),
            "{per_variable} constraints a variable"
        );
    }
}

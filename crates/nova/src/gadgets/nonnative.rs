//! Integers modulo another field, inside a circuit over `F`: what the augmented circuit needs to
//! fold the other curve's public inputs.
//!
//! The running instance folded by the augmented circuit over `F` belongs to the other curve, so its
//! public inputs `X` live in that curve's scalar field `G`, whose modulus `p_G` differs from `F`'s.
//! Folding computes `X' = X + r·x mod p_G`; [`fold_mod`] constrains exactly that.
//!
//! # Representation
//! A [`BigNat`] is a non-negative integer `Σ limb_i · 2^(64·i)`. Each limb is a linear combination
//! of circuit variables together with an upper bound on the integer it holds ("per-limb range
//! information"). Limbs made by allocation are sums of booleans, so they are exact 64-bit integers;
//! [`BigNat::add`] and [`BigNat::mul`] produce wider, not yet carried limbs whose bounds grow
//! accordingly. Every bound is checked against `F`'s modulus, so no limb ever wraps around in `F`:
//! a limb's field value always is the integer it stands for. Equalities between integers are then
//! enforced by carrying (see [`BigNat::enforce_equal`]).
//!
//! # Soundness of the reductions
//! `a = q·m + rem` is enforced with `rem` range-checked to `[0, m − 1]` (not merely to `2^256`), so the
//! remainder is the unique canonical residue: no prover can substitute `rem + m` for `rem`. The
//! quotient is range-checked to the bit length that the operands' bounds allow.
//!
//! # Errors
//! Operations return [`SynthesisError::Unsatisfiable`] when a bound would reach `F`'s modulus (the
//! integers are too large for this field; fixed by the circuit's shape, not by the witness) or when
//! a witness value is outside the bound it is allocated with, and
//! [`SynthesisError::DivisionByZero`] for a zero modulus.
//!
//! # Cost (Pallas/Vesta, pinned by tests)
//! - [`BigNat::from_num`]: 298 constraints over Fq, 301 over Fp (a canonical bit decomposition).
//! - [`fold_mod`] with `r` of 128 bits and both inputs canonical: 568 constraints for `G = Fp`
//!   inside an Fq circuit, 565 for `G = Fq` inside an Fp circuit. For `G = Fp`: 5 for the product
//!   `r · x_fresh`, 129 for the quotient's bits, 300 for the canonical remainder (255 bits and 45
//!   comparisons against `p_G − 1`), 134 for two carries of 6 limb differences grouped by two.
//! - [`BigNat::to_packed_nums`]: limbs packed into numbers, one constraint per number.
//!
//! Limbs are sums of their bits rather than packed variables: no packing constraints, at the cost
//! of wide rows (one fold has 1860, 1644 and 1168 nonzero coefficients in A, B and C).

use bellpepper_core::{
    ConstraintSystem, LinearCombination, SynthesisError,
    boolean::{AllocatedBit, Boolean},
    num::AllocatedNum,
};
use ff::{PrimeField, PrimeFieldBits};
use num_bigint::{BigInt, BigUint, Sign};

/// Bits per limb.
pub const LIMB_BITS: usize = 64;

/// One limb of a [`BigNat`]: a linear combination and the largest integer it can hold.
#[derive(Clone, Debug)]
pub struct Limb<F: PrimeField> {
    lc: LinearCombination<F>,
    value: Option<BigUint>,
    max: BigUint,
}

impl<F: PrimeField> Limb<F> {
    /// The largest integer the constraints allow this limb to hold.
    #[cfg(test)]
    pub fn max(&self) -> &BigUint {
        &self.max
    }

    fn zero() -> Self {
        Limb {
            lc: LinearCombination::zero(),
            value: Some(BigUint::ZERO),
            max: BigUint::ZERO,
        }
    }
}

/// A non-negative integer in a circuit over `F`, as little-endian limbs of [`LIMB_BITS`] bits.
///
/// Invariant: every limb's integer value is at most its `max`, and every `max` is below `F`'s
/// modulus, so field equalities on limbs are integer equalities.
#[derive(Clone, Debug)]
pub struct BigNat<F: PrimeField> {
    limbs: Vec<Limb<F>>,
}

impl<F: PrimeField> BigNat<F> {
    /// Allocates `value` and constrains it to `[0, max]`: `max.bits()` constraints for the bits,
    /// plus one AND for each one bit of `max` below its top bit and above its lowest zero bit
    /// (none when `max` is `2^k − 1`).
    ///
    /// `value` is `None` when synthesizing without a witness. A `value` above `max` is an error.
    pub fn alloc<CS: ConstraintSystem<F>>(
        mut cs: CS,
        value: Option<&BigUint>,
        max: &BigUint,
    ) -> Result<Self, SynthesisError> {
        if value.is_some_and(|v| v > max) {
            return Err(SynthesisError::Unsatisfiable);
        }
        let bits = alloc_bits_at_most(cs.namespace(|| "bits"), value, max)?;
        Ok(Self::from_bits_with_max::<CS>(&bits, max))
    }

    /// Allocates the canonical integer of an element of the field `G` (in `[0, p_G − 1]`).
    pub fn alloc_field_element<G: PrimeFieldBits, CS: ConstraintSystem<F>>(
        cs: CS,
        value: Option<G>,
    ) -> Result<Self, SynthesisError> {
        let value = value.map(|v| field_to_biguint(&v));
        Self::alloc(cs, value.as_ref(), &(modulus_of::<G>() - 1u32))
    }

    /// The integer whose little-endian bits are `bits` (already constrained to be booleans, as
    /// every [`Boolean`] is): no constraints. `cs` only names the constraint system whose `one`
    /// stands for constant bits.
    pub fn from_bits<CS: ConstraintSystem<F>>(_cs: CS, bits: &[Boolean]) -> Self {
        let max = (BigUint::from(1u32) << bits.len()) - 1u32;
        Self::from_bits_with_max::<CS>(bits, &max)
    }

    /// The canonical integer (in `[0, p_F − 1]`) of a number of this circuit's field, e.g. a hash
    /// output to be folded modulo `p_G`.
    ///
    /// The decomposition is strict: a prover cannot pass `n + p_F` for `n`. Cost: 298 constraints
    /// over Pallas' scalar field Fq, 301 over its base field Fp.
    pub fn from_num<CS: ConstraintSystem<F>>(
        mut cs: CS,
        num: &AllocatedNum<F>,
    ) -> Result<Self, SynthesisError>
    where
        F: PrimeFieldBits,
    {
        let value = num.get_value().map(|v| field_to_biguint(&v));
        let max = modulus_of::<F>() - 1u32;
        let bits = alloc_bits_at_most(cs.namespace(|| "bits"), value.as_ref(), &max)?;
        // Σ bits·2^i is below p_F, so this field equality pins the integer.
        let mut packed = LinearCombination::zero();
        let mut coeff = F::ONE;
        for bit in &bits {
            packed = packed + &bit.lc(CS::one(), coeff);
            coeff = coeff.double();
        }
        cs.enforce(
            || "packing",
            |lc| lc,
            |lc| lc,
            |lc| lc + &packed - num.get_variable(),
        );
        Ok(Self::from_bits_with_max::<CS>(&bits, &max))
    }

    fn from_bits_with_max<CS: ConstraintSystem<F>>(bits: &[Boolean], max: &BigUint) -> Self {
        let limbs = bits
            .chunks(LIMB_BITS)
            .enumerate()
            .map(|(i, chunk)| {
                let mut lc = LinearCombination::zero();
                let mut coeff = F::ONE;
                let mut value = Some(BigUint::ZERO);
                for (j, bit) in chunk.iter().enumerate() {
                    lc = lc + &bit.lc(CS::one(), coeff);
                    coeff = coeff.double();
                    value = match (value, bit.get_value()) {
                        (Some(v), Some(true)) => Some(v | (BigUint::from(1u32) << j)),
                        (Some(v), Some(false)) => Some(v),
                        _ => None,
                    };
                }
                let chunk_max = (BigUint::from(1u32) << chunk.len()) - 1u32;
                Limb {
                    lc,
                    value,
                    max: chunk_max.min(max >> (i * LIMB_BITS)),
                }
            })
            .collect();
        Self::from_limbs(limbs)
    }

    fn from_limbs(mut limbs: Vec<Limb<F>>) -> Self {
        if limbs.is_empty() {
            limbs.push(Limb::zero());
        }
        BigNat { limbs }
    }

    #[cfg(test)]
    /// The limbs, least significant first.
    pub fn limbs(&self) -> &[Limb<F>] {
        &self.limbs
    }

    /// The limbs packed `limbs_per_num` at a time into allocated numbers, least significant
    /// first, one constraint per number: for gadgets that take numbers, such as the hash that
    /// absorbs a folded instance. `limbs_per_num · LIMB_BITS` must stay below the field's
    /// capacity so that packing is injective.
    pub fn to_packed_nums<CS: ConstraintSystem<F>>(
        &self,
        mut cs: CS,
        limbs_per_num: usize,
    ) -> Result<Vec<AllocatedNum<F>>, SynthesisError> {
        assert!(
            limbs_per_num >= 1 && limbs_per_num * LIMB_BITS < F::CAPACITY as usize,
            "{limbs_per_num} limbs of {LIMB_BITS} bits do not fit one field element"
        );
        let shift = biguint_to_field::<F>(&(BigUint::from(1u8) << LIMB_BITS));
        self.limbs
            .chunks(limbs_per_num)
            .enumerate()
            .map(|(i, chunk)| {
                let mut lc = LinearCombination::zero();
                let mut value = Some(F::ZERO);
                let mut coeff = F::ONE;
                for limb in chunk {
                    lc = lc + &scaled(&limb.lc, coeff);
                    value = value
                        .zip(limb.value.as_ref())
                        .map(|(v, l)| v + coeff * biguint_to_field::<F>(l));
                    coeff *= shift;
                }
                let num = AllocatedNum::alloc(cs.namespace(|| format!("num {i}")), || {
                    value.ok_or(SynthesisError::AssignmentMissing)
                })?;
                cs.enforce(
                    || format!("num {i} is its limbs"),
                    |lc| lc,
                    |lc| lc,
                    |_| lc - num.get_variable(),
                );
                Ok(num)
            })
            .collect()
    }

    /// The integer's value, when the witness is known.
    pub fn value(&self) -> Option<BigUint> {
        self.limbs
            .iter()
            .rev()
            .try_fold(BigUint::ZERO, |acc, limb| {
                limb.value.as_ref().map(|v| (acc << LIMB_BITS) + v)
            })
    }

    #[cfg(test)]
    /// The value reduced modulo `G`'s modulus, as an element of `G`, when the witness is known.
    pub fn to_field<G: PrimeField>(&self) -> Option<G> {
        self.value()
            .map(|v| biguint_to_field(&(v % modulus_of::<G>())))
    }

    /// The largest integer the constraints allow.
    pub fn max_value(&self) -> BigUint {
        self.limbs
            .iter()
            .rev()
            .fold(BigUint::ZERO, |acc, limb| (acc << LIMB_BITS) + &limb.max)
    }

    /// `self + other`, limb by limb without carrying: no constraints.
    pub fn add(&self, other: &Self) -> Result<Self, SynthesisError> {
        let n = self.limbs.len().max(other.limbs.len());
        let zero = Limb::zero();
        let limbs = (0..n)
            .map(|i| {
                let a = self.limbs.get(i).unwrap_or(&zero);
                let b = other.limbs.get(i).unwrap_or(&zero);
                Limb {
                    lc: a.lc.clone() + &b.lc,
                    value: a.value.as_ref().zip(b.value.as_ref()).map(|(a, b)| a + b),
                    max: &a.max + &b.max,
                }
            })
            .collect::<Vec<_>>();
        check_fits::<F>(&limbs)?;
        Ok(Self::from_limbs(limbs))
    }

    /// `self · other` without carrying: the product's limbs are the coefficients of the product of
    /// the two limb polynomials. Costs one constraint per product limb (`n + m − 1`): the
    /// polynomial identity is checked at that many distinct points.
    pub fn mul<CS: ConstraintSystem<F>>(
        &self,
        mut cs: CS,
        other: &Self,
    ) -> Result<Self, SynthesisError> {
        let (a, b) = (&self.limbs, &other.limbs);
        let n = a.len() + b.len() - 1;
        let mut values = Some(vec![BigUint::ZERO; n]);
        let mut maxes = vec![BigUint::ZERO; n];
        for (i, x) in a.iter().enumerate() {
            for (j, y) in b.iter().enumerate() {
                maxes[i + j] += &x.max * &y.max;
                values = match (values, &x.value, &y.value) {
                    (Some(mut vs), Some(x), Some(y)) => {
                        vs[i + j] += x * y;
                        Some(vs)
                    }
                    _ => None,
                };
            }
        }
        let limbs = maxes
            .into_iter()
            .enumerate()
            .map(|(k, max)| {
                let value = values.as_ref().map(|vs| vs[k].clone());
                let field_value = value.as_ref().map(biguint_to_field::<F>);
                let var = cs.alloc(
                    || format!("product limb {k}"),
                    || field_value.ok_or(SynthesisError::AssignmentMissing),
                )?;
                Ok(Limb {
                    lc: LinearCombination::zero() + var,
                    value,
                    max,
                })
            })
            .collect::<Result<Vec<_>, SynthesisError>>()?;
        check_fits::<F>(&limbs)?;
        // Both sides are polynomials of degree n − 1 in the limb base; agreeing at n points makes
        // them the same polynomial over F, i.e. every product limb is its convolution sum mod p_F,
        // and check_fits makes that the integer sum.
        for t in 0..n {
            let point = F::from(t as u64);
            cs.enforce(
                || format!("product at {t}"),
                |_| eval_at(a, point),
                |_| eval_at(b, point),
                |_| eval_at(&limbs, point),
            );
        }
        Ok(Self::from_limbs(limbs))
    }

    /// `self · c` for a constant `c`: linear, no constraints.
    fn mul_constant(&self, c: &BigUint) -> Result<Self, SynthesisError> {
        let c_limbs = biguint_limbs(c);
        let n = self.limbs.len() + c_limbs.len() - 1;
        let mut limbs = vec![Limb::zero(); n];
        for (i, x) in self.limbs.iter().enumerate() {
            for (j, c_j) in c_limbs.iter().enumerate() {
                let out = &mut limbs[i + j];
                out.lc = std::mem::take(&mut out.lc) + &scaled(&x.lc, biguint_to_field(c_j));
                out.value = out
                    .value
                    .take()
                    .zip(x.value.as_ref())
                    .map(|(o, x)| o + x * c_j);
                out.max += &x.max * c_j;
            }
        }
        check_fits::<F>(&limbs)?;
        Ok(Self::from_limbs(limbs))
    }

    /// Constrains `self` and `other` to be equal integers, whatever their limb layouts: the
    /// difference's limbs are carried, in groups of limbs as wide as `F` allows, and the final
    /// carry must vanish.
    pub fn enforce_equal<CS: ConstraintSystem<F>>(
        &self,
        cs: CS,
        other: &Self,
    ) -> Result<(), SynthesisError> {
        enforce_difference_zero(cs, &self.limbs, &other.limbs)
    }

    #[cfg(test)]
    /// `self · other = quotient · modulus + remainder` with `remainder < modulus`: returns
    /// `(quotient, remainder)`.
    pub fn mult_mod<CS: ConstraintSystem<F>>(
        &self,
        mut cs: CS,
        other: &Self,
        modulus: &BigUint,
    ) -> Result<(Self, Self), SynthesisError> {
        let product = self.mul(cs.namespace(|| "product"), other)?;
        reduce(cs.namespace(|| "reduce"), &product, modulus, None)
    }

    #[cfg(test)]
    /// `self mod modulus`, the canonical remainder.
    pub fn red_mod<CS: ConstraintSystem<F>>(
        &self,
        mut cs: CS,
        modulus: &BigUint,
    ) -> Result<Self, SynthesisError> {
        Ok(reduce(cs.namespace(|| "reduce"), self, modulus, None)?.1)
    }
}

/// Nova's fold of a public input: `x_running + r · x_fresh mod modulus`, canonical (below `modulus`).
///
/// One product `r · x_fresh`, then one reduction; no intermediate remainder. With `r` from 128
/// bits and canonical inputs for Pallas/Vesta this costs 568 constraints (`G = Fp` in an Fq
/// circuit) or 565 (`G = Fq` in an Fp circuit).
pub fn fold_mod<F: PrimeField, CS: ConstraintSystem<F>>(
    mut cs: CS,
    x_running: &BigNat<F>,
    x_fresh: &BigNat<F>,
    r: &BigNat<F>,
    modulus: &BigUint,
) -> Result<BigNat<F>, SynthesisError> {
    let r_x = r.mul(cs.namespace(|| "r * x_fresh"), x_fresh)?;
    let unreduced = x_running.add(&r_x)?;
    Ok(reduce(cs.namespace(|| "reduce"), &unreduced, modulus, None)?.1)
}

/// The modulus of the prime field `G` as an integer.
pub fn modulus_of<G: PrimeField>() -> BigUint {
    let hex = G::MODULUS.trim_start_matches("0x");
    BigUint::parse_bytes(hex.as_bytes(), 16).expect("PrimeField::MODULUS is a hex string")
}

/// Constrains `value = quotient · modulus + remainder` with `remainder ∈ [0, modulus − 1]` and
/// `quotient` within what `value`'s bound allows. `witness` overrides the honest `(quotient,
/// remainder)` so tests can check that no other pair passes.
fn reduce<F: PrimeField, CS: ConstraintSystem<F>>(
    mut cs: CS,
    value: &BigNat<F>,
    modulus: &BigUint,
    witness: Option<(BigUint, BigUint)>,
) -> Result<(BigNat<F>, BigNat<F>), SynthesisError> {
    if *modulus == BigUint::ZERO {
        return Err(SynthesisError::DivisionByZero);
    }
    let (q_value, r_value) = match witness {
        Some((q, r)) => (Some(q), Some(r)),
        None => match value.value() {
            Some(v) => (Some(&v / modulus), Some(&v % modulus)),
            None => (None, None),
        },
    };
    // The quotient only needs to be small enough not to wrap; a power-of-two bound costs one
    // constraint per bit, where the exact bound would add comparisons.
    let q_bits = (value.max_value() / modulus).bits();
    let q_max = (BigUint::from(1u32) << q_bits) - 1u32;
    let quotient = BigNat::from_bits_with_max::<CS>(
        &alloc_bits_at_most(cs.namespace(|| "quotient"), q_value.as_ref(), &q_max)?,
        &q_max,
    );
    // The remainder's bound is exact: it makes the remainder canonical.
    let r_max = modulus - 1u32;
    let remainder = BigNat::from_bits_with_max::<CS>(
        &alloc_bits_at_most(cs.namespace(|| "remainder"), r_value.as_ref(), &r_max)?,
        &r_max,
    );
    let rhs = quotient.mul_constant(modulus)?.add(&remainder)?;
    value.enforce_equal(cs.namespace(|| "value = q·m + r"), &rhs)?;
    Ok((quotient, remainder))
}

/// A signed integer bound on a linear combination: `lo ≤ value ≤ hi`.
struct SignedTerm<F: PrimeField> {
    lc: LinearCombination<F>,
    value: Option<BigInt>,
    lo: BigInt,
    hi: BigInt,
}

/// Enforces `Σ a_i·2^(64i) = Σ b_i·2^(64i)` as integers.
///
/// The limb differences `d_i = a_i − b_i` are grouped `g` at a time into `D_j` with base
/// `B = 2^(64g)`, and carries `c_j` are allocated with `D_j + c_{j−1} = c_j·B`, the last group
/// carrying out nothing. Each carry is range-checked, so every such equation's terms are bounded
/// integers whose total magnitude stays below `p_F`: the equation in `F` is then an integer
/// equation, and the telescoping sum `Σ D_j·B^j = 0` follows. `g` is the largest group size for
/// which those bounds hold (fewest carries).
fn enforce_difference_zero<F: PrimeField, CS: ConstraintSystem<F>>(
    mut cs: CS,
    a: &[Limb<F>],
    b: &[Limb<F>],
) -> Result<(), SynthesisError> {
    let n = a.len().max(b.len());
    let zero = Limb::zero();
    let diffs: Vec<SignedTerm<F>> = (0..n)
        .map(|i| {
            let (x, y) = (a.get(i).unwrap_or(&zero), b.get(i).unwrap_or(&zero));
            SignedTerm {
                lc: x.lc.clone() - &y.lc,
                value: x
                    .value
                    .as_ref()
                    .zip(y.value.as_ref())
                    .map(|(x, y)| BigInt::from(x.clone()) - BigInt::from(y.clone())),
                lo: -BigInt::from(y.max.clone()),
                hi: BigInt::from(x.max.clone()),
            }
        })
        .collect();
    let field_modulus = BigInt::from(modulus_of::<F>());
    let plan = (1..=n)
        .rev()
        .find_map(|g| CarryPlan::new(&diffs, g, &field_modulus))
        .ok_or(SynthesisError::Unsatisfiable)?;

    let mut carry_in: Option<SignedTerm<F>> = None;
    for (j, group) in plan.groups.iter().enumerate() {
        let mut sum = group_term(&diffs, j, plan.group_size);
        if let Some(c) = &carry_in {
            sum.lc = sum.lc + &c.lc;
            sum.value = sum.value.zip(c.value.as_ref()).map(|(s, c)| s + c);
        }
        if j + 1 == plan.groups.len() {
            cs.enforce(
                || format!("group {j} carries out nothing"),
                |lc| lc,
                |lc| lc,
                |_| sum.lc,
            );
            break;
        }
        let (lo, hi) = (&group.carry_lo, &group.carry_hi);
        // The honest carry is exact; the witness stores it shifted by its lower bound.
        let shifted = match &sum.value {
            Some(s) => {
                let carry = floor_div(s, &plan.base);
                let shifted = carry - lo;
                match shifted.to_biguint() {
                    Some(u) if shifted <= hi - lo => Some(u),
                    _ => return Err(SynthesisError::Unsatisfiable),
                }
            }
            None => None,
        };
        let span = (hi - lo).to_biguint().expect("carry bounds are ordered");
        let bits = alloc_bits_at_most(
            cs.namespace(|| format!("carry {j}")),
            shifted.as_ref(),
            &span,
        )?;
        let mut carry_lc = LinearCombination::zero() + (bigint_to_field::<F>(lo), CS::one());
        let mut coeff = F::ONE;
        for bit in &bits {
            carry_lc = carry_lc + &bit.lc(CS::one(), coeff);
            coeff = coeff.double();
        }
        let carry = SignedTerm {
            value: shifted.map(|u| BigInt::from(u) + lo),
            lc: carry_lc,
            lo: lo.clone(),
            hi: hi.clone(),
        };
        let base = bigint_to_field::<F>(&plan.base);
        cs.enforce(
            || format!("group {j} carries"),
            |lc| lc,
            |lc| lc,
            |_| sum.lc - &scaled(&carry.lc, base),
        );
        carry_in = Some(carry);
    }
    Ok(())
}

/// Carry bounds for one group.
struct GroupCarry {
    carry_lo: BigInt,
    carry_hi: BigInt,
}

/// How the limb differences are carried: the group size, its base and each group's carry bounds.
struct CarryPlan {
    group_size: usize,
    base: BigInt,
    groups: Vec<GroupCarry>,
}

impl CarryPlan {
    /// The plan for groups of `g` limbs, or `None` when some carry equation could wrap in `F`.
    fn new<F: PrimeField>(
        diffs: &[SignedTerm<F>],
        g: usize,
        field_modulus: &BigInt,
    ) -> Option<Self> {
        let base = BigInt::from(1u32) << (LIMB_BITS * g);
        let n_groups = diffs.len().div_ceil(g);
        let mut groups = Vec::with_capacity(n_groups);
        let (mut carry_lo, mut carry_hi) = (BigInt::ZERO, BigInt::ZERO);
        for j in 0..n_groups {
            let group = group_term(diffs, j, g);
            let (sum_lo, sum_hi) = (&group.lo + &carry_lo, &group.hi + &carry_hi);
            let magnitude = |lo: &BigInt, hi: &BigInt| lo.magnitude().max(hi.magnitude()).clone();
            let mut total = magnitude(&group.lo, &group.hi) + magnitude(&carry_lo, &carry_hi);
            if j + 1 < n_groups {
                let lo = -floor_div(&-sum_lo, &base);
                let mut hi = floor_div(&sum_hi, &base);
                // The carry is range-checked to a power of two above its lower bound.
                let span_bits = (&hi - &lo).magnitude().bits();
                hi = &lo + (BigInt::from(1u32) << span_bits) - 1u32;
                total += magnitude(&lo, &hi) * base.magnitude();
                (carry_lo, carry_hi) = (lo.clone(), hi.clone());
                groups.push(GroupCarry {
                    carry_lo: lo,
                    carry_hi: hi,
                });
            } else {
                groups.push(GroupCarry {
                    carry_lo: BigInt::ZERO,
                    carry_hi: BigInt::ZERO,
                });
            }
            if BigInt::from(total) >= *field_modulus {
                return None;
            }
        }
        Some(CarryPlan {
            group_size: g,
            base,
            groups,
        })
    }
}

/// The `j`-th group of `g` limb differences as one term with base `2^64`.
fn group_term<F: PrimeField>(diffs: &[SignedTerm<F>], j: usize, g: usize) -> SignedTerm<F> {
    let mut out = SignedTerm {
        lc: LinearCombination::zero(),
        value: Some(BigInt::ZERO),
        lo: BigInt::ZERO,
        hi: BigInt::ZERO,
    };
    for (t, d) in diffs.iter().skip(j * g).take(g).enumerate() {
        let shift = BigInt::from(1u32) << (LIMB_BITS * t);
        out.lc = out.lc + &scaled(&d.lc, bigint_to_field(&shift));
        out.value = out.value.zip(d.value.as_ref()).map(|(o, v)| o + v * &shift);
        out.lo += &d.lo * &shift;
        out.hi += &d.hi * &shift;
    }
    out
}

/// Allocates the little-endian bits of `value` (`max.bits()` of them) and constrains the integer
/// they form to be at most `max`.
///
/// Scanning from the most significant bit, `tight` is 1 while the bits so far equal `max`'s: at a
/// zero bit of `max` the value's bit must be 0 when `tight` (one constraint that also makes it
/// boolean), and at a one bit `tight` is ANDed with the value's bit, lazily, only before the next
/// zero of `max`. A `value` above `max` yields a witness that violates the constraints.
fn alloc_bits_at_most<F: PrimeField, CS: ConstraintSystem<F>>(
    mut cs: CS,
    value: Option<&BigUint>,
    max: &BigUint,
) -> Result<Vec<Boolean>, SynthesisError> {
    let n = max.bits() as usize;
    let bit_value = |i: usize| value.map(|v| v.bit(i as u64));
    let mut bits_msb_first: Vec<AllocatedBit> = Vec::with_capacity(n);
    let mut tight: Option<AllocatedBit> = None;
    let mut run: Vec<AllocatedBit> = Vec::new();
    for i in (0..n).rev() {
        let bit = if max.bit(i as u64) {
            let bit = AllocatedBit::alloc(cs.namespace(|| format!("bit {i}")), bit_value(i))?;
            run.push(bit.clone());
            bit
        } else {
            for (k, one_bit) in run.drain(..).enumerate() {
                tight = Some(match tight {
                    None => one_bit,
                    Some(t) => {
                        AllocatedBit::and(cs.namespace(|| format!("tight {i} {k}")), &t, &one_bit)?
                    }
                });
            }
            let tight = tight.as_ref().expect("max's top bit is one");
            AllocatedBit::alloc_conditionally(
                cs.namespace(|| format!("bit {i}")),
                bit_value(i),
                tight,
            )?
        };
        bits_msb_first.push(bit);
    }
    Ok(bits_msb_first
        .into_iter()
        .rev()
        .map(Boolean::from)
        .collect())
}

/// Evaluates a limb polynomial at `point`.
fn eval_at<F: PrimeField>(limbs: &[Limb<F>], point: F) -> LinearCombination<F> {
    let mut power = F::ONE;
    let mut out = LinearCombination::zero();
    for limb in limbs {
        out = out + &scaled(&limb.lc, power);
        power *= point;
    }
    out
}

/// Rejects limbs whose bound reaches half of `F`'s modulus: sums and differences of them could
/// then wrap.
fn check_fits<F: PrimeField>(limbs: &[Limb<F>]) -> Result<(), SynthesisError> {
    let half = modulus_of::<F>() >> 1;
    if limbs.iter().all(|l| l.max < half) {
        Ok(())
    } else {
        Err(SynthesisError::Unsatisfiable)
    }
}

fn scaled<F: PrimeField>(lc: &LinearCombination<F>, c: F) -> LinearCombination<F> {
    lc.iter()
        .fold(LinearCombination::zero(), |acc, (var, coeff)| {
            acc + (*coeff * c, var)
        })
}

fn floor_div(a: &BigInt, b: &BigInt) -> BigInt {
    let q = a / b;
    if a.sign() == Sign::Minus && &q * b != *a {
        q - 1
    } else {
        q
    }
}

fn biguint_limbs(n: &BigUint) -> Vec<BigUint> {
    let mut digits: Vec<BigUint> = n.to_u64_digits().into_iter().map(BigUint::from).collect();
    if digits.is_empty() {
        digits.push(BigUint::ZERO);
    }
    digits
}

/// `n mod p_F` as a field element.
fn biguint_to_field<F: PrimeField>(n: &BigUint) -> F {
    let two_64 = F::from_u128(1u128 << 64);
    n.to_u64_digits()
        .iter()
        .rev()
        .fold(F::ZERO, |acc, d| acc * two_64 + F::from(*d))
}

fn bigint_to_field<F: PrimeField>(n: &BigInt) -> F {
    let abs = biguint_to_field::<F>(n.magnitude());
    if n.sign() == Sign::Minus { -abs } else { abs }
}

/// The canonical integer of a field element.
fn field_to_biguint<G: PrimeFieldBits>(x: &G) -> BigUint {
    x.to_le_bits()
        .iter()
        .by_vals()
        .enumerate()
        .fold(BigUint::ZERO, |mut acc, (i, bit)| {
            if bit {
                acc.set_bit(i as u64, true);
            }
            acc
        })
}

#[cfg(test)]
mod tests;

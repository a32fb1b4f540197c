//! The augmented circuits (Nova, §5): the user's step plus the verifier of the other curve's fold.
//!
//! The circuit over a field `F` folds instances of the curve `C` whose base field is `F` (their
//! commitments have native coordinates here). For the Pasta cycle the primary circuit, over
//! Pallas' scalar field, folds Vesta instances, and the secondary, over Vesta's scalar field,
//! folds Pallas instances. Each run of the circuit:
//!
//! 1. checks that the fresh instance `u` commits to the running instance `U` it is folded into:
//!    `u.X[0] = H(pp, i, z₀, zᵢ, U)` (skipped at `i = 0`);
//! 2. folds `U ← U + r·u` with `r` from the NIFS challenge, the `X` part modulo the other field;
//! 3. computes `zᵢ₊₁ = F(zᵢ)` (from `z₀` at `i = 0`);
//! 4. outputs `u.X[1]` (the other circuit's hash, passed through) and `H(pp, i+1, z₀, zᵢ₊₁, U')`.
//!
//! `H` is Poseidon over `F`, truncated to 250 bits so the value is also canonical in the other
//! field. [`instance_hash`] computes it natively; the circuit and the native code absorb the same
//! elements in the same order.

use bellpepper_core::{
    ConstraintSystem, LinearCombination, SynthesisError,
    boolean::{AllocatedBit, Boolean},
    num::AllocatedNum,
};
use ff::{Field, PrimeField, PrimeFieldBits};
use origami_arith::{Commitment, CycleCurve, ScalarOf, poseidon};
use origami_r1cs::{R1csInstance, RelaxedR1csInstance};

use crate::convert::{NUM_CHALLENGE_BITS, NUM_HASH_BITS, cross_field, truncate};
use crate::error::NovaError;
use crate::gadgets::ecc::{AllocatedPoint, conditionally_select_num};
use crate::gadgets::nonnative::{BigNat, fold_mod, modulus_of};
use crate::nifs::{CHALLENGE_DOMAIN, point_elements};
use crate::step::StepCircuit;

/// Domain of the instance hash `H`.
const HASH_DOMAIN: &[u8] = b"origami/ivc-hash";
/// Numbers the hash absorbs per public input of the other field: its two 128-bit halves (the
/// other field's elements need not fit this one).
const X_NUMS: usize = 2;
/// 64-bit limbs of the non-native integer packed into each of those numbers.
const LIMBS_PER_X_NUM: usize = 2;

/// The 128-bit halves of a scalar of `C` as base-field elements, least significant first.
fn scalar_halves<C: CycleCurve>(x: &ScalarOf<C>) -> [C::Base; X_NUMS] {
    let repr = x.to_repr();
    let bytes = repr.as_ref();
    core::array::from_fn(|k| {
        let mut half = [0u8; 16];
        half.copy_from_slice(&bytes[16 * k..16 * k + 16]);
        C::Base::from_u128(u128::from_le_bytes(half))
    })
}

/// The elements a running instance contributes to `H`: `W̄, Ē` (2 each), `u`, and the halves of
/// `X[0]` and `X[1]`.
fn running_elements<C: CycleCurve>(u: &RelaxedR1csInstance<C>) -> Result<Vec<C::Base>, NovaError> {
    if u.x.len() != 2 {
        return Err(NovaError::PublicInputCount(u.x.len()));
    }
    let mut out = Vec::with_capacity(5 + 2 * X_NUMS);
    out.extend(point_elements(&u.comm_w));
    out.extend(point_elements(&u.comm_e));
    out.push(cross_field(&u.u).ok_or(NovaError::ScalarOutOfRange("running u"))?);
    for x in &u.x {
        out.extend(scalar_halves::<C>(x));
    }
    Ok(out)
}

/// `H(pp, i, z₀, zᵢ, U)`, truncated to 250 bits, natively.
pub fn instance_hash<C: CycleCurve>(
    pp: &C::Base,
    i: u64,
    z0: &[C::Base],
    zi: &[C::Base],
    running: &RelaxedR1csInstance<C>,
) -> Result<C::Base, NovaError> {
    let mut elements = Vec::with_capacity(2 + z0.len() + zi.len() + 5 + 2 * X_NUMS);
    elements.push(*pp);
    elements.push(C::Base::from(i));
    elements.extend_from_slice(z0);
    elements.extend_from_slice(zi);
    elements.extend(running_elements(running)?);
    Ok(truncate(
        &poseidon::hash(HASH_DOMAIN, &elements),
        NUM_HASH_BITS,
    ))
}

/// What the prover feeds one run of an augmented circuit over `C::Base` (all `None` at setup).
#[derive(Clone, Debug)]
pub struct AugmentedInputs<C: CycleCurve> {
    /// The public parameters' digest, as an element of this circuit's field.
    pub pp: C::Base,
    /// The step index `i`.
    pub i: u64,
    /// The initial state.
    pub z0: Vec<C::Base>,
    /// The current state (`None` at `i = 0`).
    pub zi: Option<Vec<C::Base>>,
    /// The running instance of the other circuit (`None` at `i = 0`).
    pub running: Option<RelaxedR1csInstance<C>>,
    /// The other circuit's last fresh instance (`None` at `i = 0` on the primary side).
    pub fresh: Option<R1csInstance<C>>,
    /// The cross-term commitment of folding `fresh` into `running` (`None` at `i = 0`).
    pub comm_t: Option<Commitment<C>>,
}

/// A relaxed instance of the other curve inside the circuit.
struct AllocatedRunning<F: PrimeField> {
    w: AllocatedPoint<F>,
    e: AllocatedPoint<F>,
    u: AllocatedNum<F>,
    /// `X[0]` and `X[1]` as 128-bit halves, least significant first (what the hash absorbs).
    x: [Vec<AllocatedNum<F>>; 2],
}

/// The running instance as allocated: also keeps `X` as integers for the modular fold.
struct AllocatedInput<F: PrimeField> {
    running: AllocatedRunning<F>,
    x_big: [BigNat<F>; 2],
}

impl<F: PrimeFieldBits> AllocatedRunning<F> {
    fn elements(&self) -> Vec<AllocatedNum<F>> {
        // The identity is (0, 0) here as in `point_elements`, so the flag is not absorbed.
        let mut out = Vec::with_capacity(5 + 2 * X_NUMS);
        for p in [&self.w, &self.e] {
            out.extend([p.x().clone(), p.y().clone()]);
        }
        out.push(self.u.clone());
        out.extend(self.x.iter().flatten().cloned());
        out
    }
}

/// A canonical integer of the other field as its two 128-bit halves, each a number (the hash
/// absorbs numbers).
fn half_nums<F: PrimeFieldBits, CS: ConstraintSystem<F>>(
    cs: CS,
    n: &BigNat<F>,
) -> Result<Vec<AllocatedNum<F>>, SynthesisError> {
    let halves = n.to_packed_nums(cs, LIMBS_PER_X_NUM)?;
    // Canonical values below 2^255 always take exactly 4 limbs of 64 bits.
    if halves.len() != X_NUMS {
        return Err(SynthesisError::Unsatisfiable);
    }
    Ok(halves)
}

/// `1` when `x = 0`, else `0`, as a boolean; 2 constraints.
fn is_zero<F: PrimeField, CS: ConstraintSystem<F>>(
    mut cs: CS,
    x: &AllocatedNum<F>,
) -> Result<Boolean, SynthesisError> {
    let value = x.get_value();
    let bit = AllocatedBit::alloc(
        cs.namespace(|| "is zero"),
        value.map(|v| v.is_zero_vartime()),
    )?;
    let inv = AllocatedNum::alloc(cs.namespace(|| "inverse"), || {
        let v = value.ok_or(SynthesisError::AssignmentMissing)?;
        Ok(Option::from(v.invert()).unwrap_or(F::ZERO))
    })?;
    // x·inv = 1 − bit forces bit = 0 when x ≠ 0 (and bit = 1 when x = 0); x·bit = 0 forces bit = 0
    // when x ≠ 0.
    cs.enforce(
        || "x * inv = 1 - bit",
        |l| l + x.get_variable(),
        |l| l + inv.get_variable(),
        |l| l + CS::one() - bit.get_variable(),
    );
    cs.enforce(
        || "x * bit = 0",
        |l| l + x.get_variable(),
        |l| l + bit.get_variable(),
        |l| l,
    );
    Ok(Boolean::from(bit))
}

/// Packs little-endian bits into one number (1 constraint).
fn pack_bits<F: PrimeField, CS: ConstraintSystem<F>>(
    mut cs: CS,
    bits: &[Boolean],
) -> Result<AllocatedNum<F>, SynthesisError> {
    let mut lc = LinearCombination::zero();
    let mut coeff = F::ONE;
    let mut value = Some(F::ZERO);
    for b in bits {
        lc = lc + &b.lc(CS::one(), coeff);
        value = value
            .zip(b.get_value())
            .map(|(v, bit)| if bit { v + coeff } else { v });
        coeff = coeff.double();
    }
    let num = AllocatedNum::alloc(cs.namespace(|| "packed"), || {
        value.ok_or(SynthesisError::AssignmentMissing)
    })?;
    cs.enforce(
        || "packed = Σ bits",
        |_| lc,
        |l| l + CS::one(),
        |l| l + num.get_variable(),
    );
    Ok(num)
}

/// In-circuit `H`: Poseidon of the elements, truncated to 250 bits.
fn hash_in_circuit<F: PrimeFieldBits + 'static, CS: ConstraintSystem<F>>(
    mut cs: CS,
    elements: &[AllocatedNum<F>],
) -> Result<AllocatedNum<F>, SynthesisError> {
    let h = poseidon::gadget::hash(cs.namespace(|| "poseidon"), HASH_DOMAIN, elements)?;
    let bits = poseidon::gadget::low_bits_le(cs.namespace(|| "bits"), &h, NUM_HASH_BITS)?;
    pack_bits(cs.namespace(|| "truncated"), &bits)
}

/// Synthesizes the augmented circuit over `C::Base` folding `C` instances; `primary` selects the
/// base case (the primary starts from the zero instance, the secondary from the fresh one).
/// `inputs` and `step_input` are `None` when the shape is being made. Returns `z_{i+1}`.
pub fn synthesize<C, SC, CS>(
    cs: &mut CS,
    primary: bool,
    inputs: Option<&AugmentedInputs<C>>,
    step: &SC,
    step_input: Option<&SC::Input>,
) -> Result<Vec<AllocatedNum<C::Base>>, SynthesisError>
where
    C: CycleCurve,
    SC: StepCircuit<C::Base>,
    CS: ConstraintSystem<C::Base>,
{
    type Num<F> = AllocatedNum<F>;
    let arity = step.arity();
    let missing = || SynthesisError::AssignmentMissing;
    let alloc = |cs: &mut CS, name: &str, v: Option<C::Base>| {
        Num::alloc(cs.namespace(|| name.to_string()), || v.ok_or_else(missing))
    };

    // Witnesses.
    let pp = alloc(cs, "pp", inputs.map(|x| x.pp))?;
    let i = alloc(cs, "i", inputs.map(|x| C::Base::from(x.i)))?;
    let z0 = (0..arity)
        .map(|k| {
            alloc(
                cs,
                &format!("z0 {k}"),
                inputs.map(|x| x.z0.get(k).copied().unwrap_or(C::Base::ZERO)),
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    let zi = (0..arity)
        .map(|k| {
            let v = inputs.map(|x| {
                x.zi.as_ref()
                    .and_then(|z| z.get(k).copied())
                    .unwrap_or(C::Base::ZERO)
            });
            alloc(cs, &format!("zi {k}"), v)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let running_value = inputs.and_then(|x| x.running.as_ref());
    let AllocatedInput {
        running,
        x_big: running_x_big,
    } = {
        let mut cs = cs.namespace(|| "U");
        let coords = |c: Option<&Commitment<C>>| {
            inputs.map(|_| {
                c.map(|c| c.coordinates())
                    .unwrap_or((C::Base::ZERO, C::Base::ZERO, true))
            })
        };
        let w = AllocatedPoint::alloc::<C, _>(
            cs.namespace(|| "W"),
            coords(running_value.map(|u| &u.comm_w)),
        )?;
        let e = AllocatedPoint::alloc::<C, _>(
            cs.namespace(|| "E"),
            coords(running_value.map(|u| &u.comm_e)),
        )?;
        let u_value = inputs.map(|_| {
            running_value
                .map(|u| cross_field::<_, C::Base>(&u.u))
                .unwrap_or(Some(C::Base::ZERO))
        });
        let u = Num::alloc(cs.namespace(|| "u"), || {
            u_value.flatten().ok_or_else(missing)
        })?;
        let alloc_x = |cs: &mut bellpepper_core::Namespace<'_, C::Base, CS::Root>, k: usize| {
            let value = inputs.map(|_| {
                running_value
                    .and_then(|u| u.x.get(k).copied())
                    .unwrap_or(ScalarOf::<C>::ZERO)
            });
            let big = BigNat::alloc_field_element::<ScalarOf<C>, _>(
                cs.namespace(|| format!("X{k}")),
                value,
            )?;
            let halves = half_nums(cs.namespace(|| format!("X{k} halves")), &big)?;
            Ok::<_, SynthesisError>((big, halves))
        };
        let (x0_big, x0) = alloc_x(&mut cs, 0)?;
        let (x1_big, x1) = alloc_x(&mut cs, 1)?;
        AllocatedInput {
            running: AllocatedRunning {
                w,
                e,
                u,
                x: [x0, x1],
            },
            x_big: [x0_big, x1_big],
        }
    };
    let fresh_value = inputs.and_then(|x| x.fresh.as_ref());
    let (fresh_w, fresh_x0, fresh_x1) = {
        let mut cs = cs.namespace(|| "u");
        let coords = inputs.map(|_| {
            fresh_value.map(|u| u.comm_w.coordinates()).unwrap_or((
                C::Base::ZERO,
                C::Base::ZERO,
                true,
            ))
        });
        let w = AllocatedPoint::alloc::<C, _>(cs.namespace(|| "W"), coords)?;
        let x_value = |k: usize| {
            inputs.map(|_| {
                fresh_value
                    .and_then(|u| u.x.get(k))
                    .map_or(Some(C::Base::ZERO), cross_field::<_, C::Base>)
            })
        };
        let x0 = Num::alloc(cs.namespace(|| "X0"), || {
            x_value(0).flatten().ok_or_else(missing)
        })?;
        let x1 = Num::alloc(cs.namespace(|| "X1"), || {
            x_value(1).flatten().ok_or_else(missing)
        })?;
        (w, x0, x1)
    };
    let comm_t = {
        let coords = inputs.map(|x| {
            x.comm_t
                .map(|c| c.coordinates())
                .unwrap_or((C::Base::ZERO, C::Base::ZERO, true))
        });
        AllocatedPoint::alloc::<C, _>(cs.namespace(|| "T"), coords)?
    };

    let is_base = is_zero(cs.namespace(|| "i = 0"), &i)?;

    // 1. u.X[0] = H(pp, i, z0, zi, U) unless i = 0.
    let mut elements = vec![pp.clone(), i.clone()];
    elements.extend(z0.iter().cloned());
    elements.extend(zi.iter().cloned());
    elements.extend(running.elements());
    let h_in = hash_in_circuit(cs.namespace(|| "H(U)"), &elements)?;
    cs.enforce(
        || "(u.X0 - H) * (1 - is_base) = 0",
        |l| l + fresh_x0.get_variable() - h_in.get_variable(),
        |l| l + CS::one() - &is_base.lc(CS::one(), C::Base::ONE),
        |l| l,
    );

    // 2. The NIFS verifier: r, then U + r·u.
    let mut ch = vec![pp.clone()];
    ch.extend([fresh_w.x().clone(), fresh_w.y().clone()]);
    ch.extend([fresh_x0.clone(), fresh_x1.clone()]);
    ch.extend([comm_t.x().clone(), comm_t.y().clone()]);
    let r_hash = poseidon::gadget::hash(cs.namespace(|| "challenge"), CHALLENGE_DOMAIN, &ch)?;
    let r_bits =
        poseidon::gadget::low_bits_le(cs.namespace(|| "r bits"), &r_hash, NUM_CHALLENGE_BITS)?;
    let r = pack_bits(cs.namespace(|| "r"), &r_bits)?;
    let rw = fresh_w.scalar_mul(cs.namespace(|| "r * u.W"), &r_bits)?;
    let w_fold = running.w.add(cs.namespace(|| "U.W + r * u.W"), &rw)?;
    let rt = comm_t.scalar_mul(cs.namespace(|| "r * T"), &r_bits)?;
    let e_fold = running.e.add(cs.namespace(|| "U.E + r * T"), &rt)?;
    let u_fold = Num::alloc(cs.namespace(|| "u + r"), || {
        Ok(running.u.get_value().ok_or_else(missing)? + r.get_value().ok_or_else(missing)?)
    })?;
    cs.enforce(
        || "u_fold = u + r",
        |l| l + running.u.get_variable() + r.get_variable(),
        |l| l + CS::one(),
        |l| l + u_fold.get_variable(),
    );
    let modulus = modulus_of::<ScalarOf<C>>();
    let r_big = BigNat::from_bits(cs.namespace(|| "r bignat"), &r_bits);
    let fresh_x_big = [
        BigNat::from_num(cs.namespace(|| "u.X0 bignat"), &fresh_x0)?,
        BigNat::from_num(cs.namespace(|| "u.X1 bignat"), &fresh_x1)?,
    ];
    let mut x_fold = [Vec::new(), Vec::new()];
    for k in 0..2 {
        let folded = fold_mod(
            cs.namespace(|| format!("fold X{k}")),
            &running_x_big[k],
            &fresh_x_big[k],
            &r_big,
            &modulus,
        )?;
        x_fold[k] = half_nums(cs.namespace(|| format!("folded X{k} halves")), &folded)?;
    }

    // The base case: the primary starts from the zero instance, the secondary from u itself.
    let base: AllocatedRunning<C::Base> = if primary {
        let zero = |cs: &mut CS, name: &str| -> Result<Num<C::Base>, SynthesisError> {
            let z = Num::alloc(cs.namespace(|| name.to_string()), || Ok(C::Base::ZERO))?;
            cs.enforce(
                || format!("{name} = 0"),
                |l| l + z.get_variable(),
                |l| l + CS::one(),
                |l| l,
            );
            Ok(z)
        };
        let halves = (0..X_NUMS)
            .map(|k| zero(cs, &format!("zero half {k}")))
            .collect::<Result<Vec<_>, _>>()?;
        AllocatedRunning {
            w: AllocatedPoint::identity(cs.namespace(|| "zero W"))?,
            e: AllocatedPoint::identity(cs.namespace(|| "zero E"))?,
            u: zero(cs, "zero u")?,
            x: [halves.clone(), halves],
        }
    } else {
        let one = Num::alloc(cs.namespace(|| "one"), || Ok(C::Base::ONE))?;
        cs.enforce(
            || "one = 1",
            |l| l + one.get_variable(),
            |l| l + CS::one(),
            |l| l + CS::one(),
        );
        AllocatedRunning {
            w: fresh_w.clone(),
            e: AllocatedPoint::identity(cs.namespace(|| "identity E"))?,
            u: one,
            x: [
                half_nums(cs.namespace(|| "u.X0 halves"), &fresh_x_big[0])?,
                half_nums(cs.namespace(|| "u.X1 halves"), &fresh_x_big[1])?,
            ],
        }
    };
    let select = |cs: &mut CS, name: &str, a: &Num<C::Base>, b: &Num<C::Base>| {
        conditionally_select_num(cs.namespace(|| name.to_string()), a, b, &is_base)
    };
    let new_running = AllocatedRunning {
        w: AllocatedPoint::conditionally_select(
            cs.namespace(|| "select W"),
            &base.w,
            &w_fold,
            &is_base,
        )?,
        e: AllocatedPoint::conditionally_select(
            cs.namespace(|| "select E"),
            &base.e,
            &e_fold,
            &is_base,
        )?,
        u: select(cs, "select u", &base.u, &u_fold)?,
        x: [
            (0..X_NUMS)
                .map(|k| select(cs, &format!("select X0 {k}"), &base.x[0][k], &x_fold[0][k]))
                .collect::<Result<_, _>>()?,
            (0..X_NUMS)
                .map(|k| select(cs, &format!("select X1 {k}"), &base.x[1][k], &x_fold[1][k]))
                .collect::<Result<_, _>>()?,
        ],
    };

    // 3. z_{i+1} = F(z_i), from z0 at i = 0.
    let z_in = z0
        .iter()
        .zip(&zi)
        .enumerate()
        .map(|(k, (a, b))| select(cs, &format!("select z {k}"), a, b))
        .collect::<Result<Vec<_>, _>>()?;
    let z_next = step.synthesize(&mut cs.namespace(|| "step"), &z_in, step_input)?;
    if z_next.len() != arity {
        return Err(SynthesisError::Unsatisfiable);
    }

    // 4. Outputs: the other circuit's hash, then ours over the new running instance.
    let i_next = Num::alloc(cs.namespace(|| "i + 1"), || {
        Ok(i.get_value().ok_or_else(missing)? + C::Base::ONE)
    })?;
    cs.enforce(
        || "i_next = i + 1",
        |l| l + i.get_variable() + CS::one(),
        |l| l + CS::one(),
        |l| l + i_next.get_variable(),
    );
    let mut elements = vec![pp, i_next];
    elements.extend(z0);
    elements.extend(z_next.iter().cloned());
    elements.extend(new_running.elements());
    let h_out = hash_in_circuit(cs.namespace(|| "H(U')"), &elements)?;
    fresh_x1.inputize(cs.namespace(|| "output other hash"))?;
    h_out.inputize(cs.namespace(|| "output hash"))?;
    Ok(z_next)
}

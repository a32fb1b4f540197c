//! Mova folding (Dimitriou, Garreta, Manzur, Vlasov; ePrint 2024/1220): Nova's fold with the
//! error vector kept as an evaluation claim, so that nothing but the witness is ever committed.
//!
//! An [`EvaluatedInstance`] `(W̄, u, X, r, v)` with witness `W` claims `Ẽ(r) = v`, where
//! `E = AZ∘BZ − u·CZ` for `Z = (W, u, X)` (padded with zeros to `2^ν` entries) and `Ẽ` is its
//! multilinear extension. `E` is a function of `W`: it needs no commitment. Folding `Z₂` into
//! `Z₁` with a challenge `α` gives `E = E₁ + α·T + α²·E₂` (Nova's cross term `T`), so the folded
//! claim at a point `ρ` needs `Ẽ₁(ρ)`, `T̃(ρ)` and `Ẽ₂(ρ)` at one common point:
//!
//! * the claims sit at two points `r₁, r₂` (a fresh instance has `E₂ = 0`, and `r₂` is drawn
//!   after its witness is committed). The prover sends `h₁(X) = Ẽ₁(ℓ(X))` (and, for a running
//!   `U₂`, `h₂(X) = Ẽ₂(ℓ(X))`) on the line `ℓ(X) = r₁ + X·(r₂ − r₁)`; the verifier checks
//!   `h₁(0) = v₁` (`h₂(1) = v₂`), draws `β` and moves both claims to `ρ = ℓ(β)`: the
//!   *point-vs-line* reduction;
//! * the prover sends the field element `t = T̃(ρ)`, the verifier draws `α`, and the folded
//!   instance is `(W̄₁ + α·W̄₂, u₁ + α·u₂, X₁ + α·X₂, ρ, h₁(β) + α·t + α²·h₂(β))`, with
//!   `h₂ = 0` for a fresh instance.
//!
//! In place of Nova's `Com(T)`, an MSM of one full-width scalar per constraint, the prover
//! computes `h₁` (about `5·2^ν` multiplications, [`line_restriction`]) and `t` (about `6m`). The
//! transcript is a Poseidon sponge over the instances' scalar field with a declared pattern, so a
//! circuit over that field can run the same verifier natively; `docs/folding.md` gives the
//! soundness argument and the challenge sizes.

use std::time::{Duration, Instant};

use ff::{Field, PrimeField};
use origami_arith::encoding::{field, field_vec};
use origami_arith::multilinear::{PARALLEL_THRESHOLD, evaluate_padded};
use origami_arith::poseidon::{IoPattern, PoseidonSponge, SpongeError, SpongeOp};
use origami_arith::{
    AffineOf, Commitment, CommitmentKey, CycleCurve, PointOf, ScalarOf, Transcript,
};
pub use origami_r1cs::EvaluatedInstance;
use origami_r1cs::{R1csError, R1csInstance, R1csShape};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::convert::{NUM_CHALLENGE_BITS, from_le_bytes_truncated, truncate};
use crate::error::NovaError;
use crate::nifs::point_elements;

/// The fresh fold's verifier as a circuit over the instances' scalar field.
pub use crate::gadgets::mova::{
    AllocatedEvaluatedInstance, FoldedClaim, alloc_limbs, verify_fresh_fold,
};

/// Sponge domain of a fold of a fresh instance into a running one.
const FRESH_DOMAIN: &[u8] = b"origami/mova-fresh/v1";
/// Sponge domain of a fold of two running instances.
const RELAXED_DOMAIN: &[u8] = b"origami/mova-relaxed/v1";

/// Elements per job in the element-wise passes.
const CHUNK: usize = 1 << 12;

/// What a fold's verifier needs of the shape: the error vector's variables and the public inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FoldDims {
    /// `ν = ⌈log₂ m⌉` for `m` constraints: the error vector is padded to `2^ν` entries.
    pub error_vars: usize,
    /// Public inputs per instance.
    pub num_io: usize,
}

impl FoldDims {
    /// The dimensions of `shape`.
    pub fn of<F: PrimeField>(shape: &R1csShape<F>) -> Self {
        Self {
            error_vars: shape.error_vars(),
            num_io: shape.num_io(),
        }
    }

    /// Checks an instance's public inputs and point against these dimensions.
    fn check<C: CycleCurve>(
        &self,
        which: &'static str,
        instance: &EvaluatedInstance<C>,
    ) -> Result<(), NovaError> {
        self.check_io(which, &instance.x)?;
        if instance.point.len() != self.error_vars {
            return Err(NovaError::PointLength {
                which,
                expected: self.error_vars,
                got: instance.point.len(),
            });
        }
        Ok(())
    }

    fn check_io<F>(&self, which: &'static str, x: &[F]) -> Result<(), NovaError> {
        if x.len() != self.num_io {
            return Err(NovaError::InputCount {
                which,
                expected: self.num_io,
                got: x.len(),
            });
        }
        Ok(())
    }

    /// Checks that a line polynomial has degree at most `ν` (so `ν + 1` coefficients).
    fn check_line<F>(&self, which: &'static str, line: &[F]) -> Result<(), NovaError> {
        if line.len() != self.error_vars + 1 {
            return Err(NovaError::LineLength {
                which,
                expected: self.error_vars + 1,
                got: line.len(),
            });
        }
        Ok(())
    }

    /// Sponge elements of one running instance: `Com(W)` as four 128-bit limbs, `u`, `X`, `r`,
    /// `v`.
    fn instance_len(&self) -> u32 {
        (4 + 1 + self.num_io + self.error_vars + 1) as u32
    }
}

/// Absorbs an instance in the order both folds' sponges (and the circuit) use: `Com(W)`'s limbs,
/// `u`, `X`, `r`, `v`.
fn absorb_instance<C: CycleCurve>(
    sponge: &mut PoseidonSponge<ScalarOf<C>>,
    instance: &EvaluatedInstance<C>,
) -> Result<(), SpongeError> {
    sponge.absorb(&point_limbs(&instance.comm_w))?;
    sponge.absorb(&[instance.u])?;
    sponge.absorb(&instance.x)?;
    sponge.absorb(&instance.point)?;
    sponge.absorb(&[instance.value])
}
/// A commitment as four scalar-field elements: the low and high 128 bits of its base-field
/// coordinates `x, y` (identity `(0, 0)`, as [`point_elements`]). Limbs of 128 bits are
/// canonical in both fields of the cycle.
pub fn point_limbs<C: CycleCurve>(c: &Commitment<C>) -> [ScalarOf<C>; 4] {
    let [x, y] = point_elements(c);
    let (x, y) = (x.to_repr(), y.to_repr());
    let (x, y) = (x.as_ref(), y.as_ref());
    let limb = |bytes: &[u8]| from_le_bytes_truncated::<ScalarOf<C>>(bytes, 128);
    [
        limb(&x[..16]),
        limb(&x[16..]),
        limb(&y[..16]),
        limb(&y[16..]),
    ]
}

/// The prover's messages in a fold of a fresh instance into a running one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct FreshFold<C: CycleCurve> {
    /// `h₁(X) = Ẽ₁(r₁ + X·(r₂ − r₁))`, coefficients from the constant up (`ν + 1`).
    #[serde(with = "field_vec")]
    pub line: Vec<ScalarOf<C>>,
    /// `t = T̃(ρ)`, the cross term's evaluation at `ρ = ℓ(β)`.
    #[serde(with = "field")]
    pub cross: ScalarOf<C>,
}

/// The prover's messages in a fold of two running instances.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct RelaxedFold<C: CycleCurve> {
    /// `h₁(X) = Ẽ₁(ℓ(X))`, with `ℓ(0) = r₁` and `ℓ(1) = r₂`.
    #[serde(with = "field_vec")]
    pub line_1: Vec<ScalarOf<C>>,
    /// `h₂(X) = Ẽ₂(ℓ(X))`.
    #[serde(with = "field_vec")]
    pub line_2: Vec<ScalarOf<C>>,
    /// `t = T̃(ρ)` for `T = AZ₁∘BZ₂ + AZ₂∘BZ₁ − u₁·CZ₂ − u₂·CZ₁`.
    #[serde(with = "field")]
    pub cross: ScalarOf<C>,
}

/// The sponge pattern of a fresh fold: `pp`, the running instance and the fresh one; `r₂`; `h₁`;
/// `β`; `t`; `α`. The in-circuit verifier follows the same pattern.
pub(crate) fn fresh_pattern(dims: FoldDims) -> Result<IoPattern, SpongeError> {
    let nu = dims.error_vars as u32;
    IoPattern::new(
        &[
            SpongeOp::Absorb(1 + dims.instance_len() + 4 + dims.num_io as u32),
            SpongeOp::Squeeze(nu),
            SpongeOp::Absorb(nu + 1),
            SpongeOp::Squeeze(1),
            SpongeOp::Absorb(1),
            SpongeOp::Squeeze(1),
        ],
        FRESH_DOMAIN,
    )
}

/// The Fiat–Shamir side of a fresh fold: the sponge in the order the protocol fixes. Each method
/// absorbs one prover message and squeezes the challenge that follows it, so no challenge can be
/// drawn before the messages it must depend on.
struct FreshTranscript<C: CycleCurve> {
    sponge: PoseidonSponge<ScalarOf<C>>,
    error_vars: usize,
}

impl<C: CycleCurve> FreshTranscript<C> {
    /// Absorbs the parameters and both instances; the dimensions are checked first.
    fn start(
        dims: FoldDims,
        pp_digest: &ScalarOf<C>,
        running: &EvaluatedInstance<C>,
        fresh: &R1csInstance<C>,
    ) -> Result<Self, NovaError> {
        dims.check("running", running)?;
        dims.check_io("fresh", &fresh.x)?;
        let mut sponge = PoseidonSponge::new(&fresh_pattern(dims)?);
        sponge.absorb(&[*pp_digest])?;
        absorb_instance(&mut sponge, running)?;
        sponge.absorb(&point_limbs(&fresh.comm_w))?;
        sponge.absorb(&fresh.x)?;
        Ok(Self {
            sponge,
            error_vars: dims.error_vars,
        })
    }

    /// `r₂`, the fresh instance's random point: drawn after its `Com(W)` is absorbed.
    fn line_end(&mut self) -> Result<Vec<ScalarOf<C>>, SpongeError> {
        (0..self.error_vars)
            .map(|_| self.sponge.squeeze())
            .collect()
    }

    /// Absorbs `h₁`, squeezes `β`.
    fn bind_line(&mut self, line: &[ScalarOf<C>]) -> Result<ScalarOf<C>, SpongeError> {
        self.sponge.absorb(line)?;
        self.sponge.squeeze()
    }

    /// Absorbs `t`, squeezes `α` (128 bits) and ends the sponge.
    fn bind_cross(self, cross: &ScalarOf<C>) -> Result<ScalarOf<C>, SpongeError> {
        bind_cross(self.sponge, cross)
    }
}

/// Absorbs `t`, squeezes `α` (its low 128 bits) and ends the sponge: the last step of both folds.
fn bind_cross<F: PrimeField + ff::PrimeFieldBits + 'static>(
    mut sponge: PoseidonSponge<F>,
    cross: &F,
) -> Result<F, SpongeError> {
    sponge.absorb(&[*cross])?;
    let alpha = truncate(&sponge.squeeze()?, NUM_CHALLENGE_BITS);
    sponge.finish()?;
    Ok(alpha)
}

/// The Fiat–Shamir side of a fold of two running instances: the instances and both lines, then
/// `β`; `t`, then `α`.
struct RelaxedTranscript<C: CycleCurve> {
    sponge: PoseidonSponge<ScalarOf<C>>,
}

impl<C: CycleCurve> RelaxedTranscript<C> {
    /// Checks the dimensions, absorbs everything before `β` and squeezes it.
    fn start(
        dims: FoldDims,
        pp_digest: &ScalarOf<C>,
        first: &EvaluatedInstance<C>,
        second: &EvaluatedInstance<C>,
        lines: [&[ScalarOf<C>]; 2],
    ) -> Result<(Self, ScalarOf<C>), NovaError> {
        dims.check("first", first)?;
        dims.check("second", second)?;
        dims.check_line("first", lines[0])?;
        dims.check_line("second", lines[1])?;
        let nu = dims.error_vars as u32;
        let pattern = IoPattern::new(
            &[
                SpongeOp::Absorb(1 + 2 * dims.instance_len() + 2 * (nu + 1)),
                SpongeOp::Squeeze(1),
                SpongeOp::Absorb(1),
                SpongeOp::Squeeze(1),
            ],
            RELAXED_DOMAIN,
        )?;
        let mut sponge = PoseidonSponge::new(&pattern);
        sponge.absorb(&[*pp_digest])?;
        absorb_instance(&mut sponge, first)?;
        absorb_instance(&mut sponge, second)?;
        sponge.absorb(lines[0])?;
        sponge.absorb(lines[1])?;
        let beta = sponge.squeeze()?;
        Ok((Self { sponge }, beta))
    }

    /// Absorbs `t`, squeezes `α` (128 bits) and ends the sponge.
    fn bind_cross(self, cross: &ScalarOf<C>) -> Result<ScalarOf<C>, SpongeError> {
        bind_cross(self.sponge, cross)
    }
}

/// `p(x)` for coefficients from the constant up (Horner).
pub fn evaluate_univariate<F: Field>(coefficients: &[F], x: &F) -> F {
    coefficients
        .iter()
        .rev()
        .fold(F::ZERO, |acc, c| acc * x + c)
}

/// `ℓ(β) = r₁ + β·(r₂ − r₁)`.
fn point_on_line<F: Field>(r1: &[F], r2: &[F], beta: &F) -> Vec<F> {
    r1.iter()
        .zip(r2)
        .map(|(a, b)| *a + *beta * (*b - a))
        .collect()
}

/// The folded public part: `W̄₁ + α·W̄₂`, `u₁ + α·u₂`, `X₁ + α·X₂`.
fn fold_public<C: CycleCurve>(
    running: &EvaluatedInstance<C>,
    comm_w: &Commitment<C>,
    u: &ScalarOf<C>,
    x: &[ScalarOf<C>],
    alpha: &ScalarOf<C>,
    point: Vec<ScalarOf<C>>,
    value: ScalarOf<C>,
) -> EvaluatedInstance<C> {
    EvaluatedInstance {
        comm_w: running.comm_w + comm_w.scale(alpha),
        u: running.u + *alpha * u,
        x: running
            .x
            .iter()
            .zip(x)
            .map(|(a, b)| *a + *alpha * b)
            .collect(),
        point,
        value,
    }
}

impl<C: CycleCurve> FreshFold<C> {
    /// The verifier's fold: checks the dimensions and `h₁(0) = v₁`, re-derives the challenges and
    /// returns the folded instance.
    pub fn verify(
        &self,
        dims: FoldDims,
        pp_digest: &ScalarOf<C>,
        running: &EvaluatedInstance<C>,
        fresh: &R1csInstance<C>,
    ) -> Result<EvaluatedInstance<C>, NovaError> {
        let mut transcript = FreshTranscript::<C>::start(dims, pp_digest, running, fresh)?;
        dims.check_line("running", &self.line)?;
        if self.line[0] != running.value {
            return Err(NovaError::LineOffClaim("running"));
        }
        let r2 = transcript.line_end()?;
        let beta = transcript.bind_line(&self.line)?;
        let alpha = transcript.bind_cross(&self.cross)?;
        let point = point_on_line(&running.point, &r2, &beta);
        let value = evaluate_univariate(&self.line, &beta) + alpha * self.cross;
        Ok(fold_public(
            running,
            &fresh.comm_w,
            &ScalarOf::<C>::ONE,
            &fresh.x,
            &alpha,
            point,
            value,
        ))
    }
}

impl<C: CycleCurve> RelaxedFold<C> {
    /// The verifier's fold of two running instances: checks `h₁(0) = v₁` and `h₂(1) = v₂`.
    pub fn verify(
        &self,
        dims: FoldDims,
        pp_digest: &ScalarOf<C>,
        first: &EvaluatedInstance<C>,
        second: &EvaluatedInstance<C>,
    ) -> Result<EvaluatedInstance<C>, NovaError> {
        let (transcript, beta) =
            RelaxedTranscript::start(dims, pp_digest, first, second, [&self.line_1, &self.line_2])?;
        if self.line_1[0] != first.value {
            return Err(NovaError::LineOffClaim("first"));
        }
        if self.line_2.iter().sum::<ScalarOf<C>>() != second.value {
            return Err(NovaError::LineOffClaim("second"));
        }
        let alpha = transcript.bind_cross(&self.cross)?;
        let point = point_on_line(&first.point, &second.point, &beta);
        let value = evaluate_univariate(&self.line_1, &beta)
            + alpha * (self.cross + alpha * evaluate_univariate(&self.line_2, &beta));
        Ok(fold_public(
            first,
            &second.comm_w,
            &second.u,
            &second.x,
            &alpha,
            point,
            value,
        ))
    }
}

/// Time a Mova prover's folds spent in each part, summed over its folds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MovaTimes {
    /// The fresh instance's `AZ₂, BZ₂, CZ₂`: one pass over the matrices.
    pub multiply: Duration,
    /// The line polynomials `h`.
    pub line: Duration,
    /// The cross term's evaluation `t`.
    pub cross_term: Duration,
    /// The in-place folds of `Z, AZ, BZ, CZ` and of the instance.
    pub fold: Duration,
}

/// A Mova prover's running instance and witness for one shape, with the buffers a fold needs:
/// allocated once, so a fold allocates nothing of the circuit's size.
#[derive(Clone, Debug)]
pub struct MovaProver<C: CycleCurve> {
    dims: FoldDims,
    instance: EvaluatedInstance<C>,
    /// Running `Z₁ = (W₁, u₁, X₁)`.
    z: Vec<ScalarOf<C>>,
    /// Running `AZ₁, BZ₁, CZ₁`, folded along with `Z₁` (the products are linear in `Z`).
    az: Vec<ScalarOf<C>>,
    bz: Vec<ScalarOf<C>>,
    cz: Vec<ScalarOf<C>>,
    /// Fresh `AZ₂, BZ₂, CZ₂`.
    fresh_az: Vec<ScalarOf<C>>,
    fresh_bz: Vec<ScalarOf<C>>,
    fresh_cz: Vec<ScalarOf<C>>,
    /// The two tables [`line_restriction`] alternates between.
    line_tables: [Vec<ScalarOf<C>>; 2],
    times: MovaTimes,
}

impl<C: CycleCurve> MovaProver<C> {
    /// Starts from [`EvaluatedInstance::zero`].
    pub fn zero(shape: &R1csShape<ScalarOf<C>>) -> Self {
        let dims = FoldDims::of(shape);
        let zeros = |n| vec![ScalarOf::<C>::ZERO; n];
        let m = shape.num_cons();
        Self {
            dims,
            instance: EvaluatedInstance::zero(dims.num_io, dims.error_vars),
            z: zeros(shape.z_len()),
            az: zeros(m),
            bz: zeros(m),
            cz: zeros(m),
            fresh_az: zeros(m),
            fresh_bz: zeros(m),
            fresh_cz: zeros(m),
            line_tables: [zeros(1 << dims.error_vars), zeros(1 << dims.error_vars)],
            times: MovaTimes::default(),
        }
    }

    /// The running instance.
    pub fn instance(&self) -> &EvaluatedInstance<C> {
        &self.instance
    }

    /// The shape's fold dimensions.
    pub fn dims(&self) -> FoldDims {
        self.dims
    }

    /// The running witness `W₁`.
    pub fn w(&self) -> &[ScalarOf<C>] {
        &self.z[..self.z.len() - 1 - self.dims.num_io]
    }

    /// Where this prover's folds spent their time so far.
    pub fn times(&self) -> MovaTimes {
        self.times
    }

    /// Folds the fresh instance with assignment `fresh_z = (W₂, 1, X₂)` into the running one.
    pub fn fold(
        &mut self,
        shape: &R1csShape<ScalarOf<C>>,
        pp_digest: &ScalarOf<C>,
        fresh_z: &[ScalarOf<C>],
        fresh: &R1csInstance<C>,
    ) -> Result<FreshFold<C>, NovaError> {
        self.check_assignment(fresh_z)?;
        let mut transcript =
            FreshTranscript::<C>::start(self.dims, pp_digest, &self.instance, fresh)?;
        let start = Instant::now();
        shape.multiply_into(
            fresh_z,
            &mut self.fresh_az,
            &mut self.fresh_bz,
            &mut self.fresh_cz,
        )?;
        let multiplied = Instant::now();
        let r1 = self.instance.point.clone();
        let r2 = transcript.line_end()?;
        let line = self.line(&r1, &r2);
        let beta = transcript.bind_line(&line)?;
        let lined = Instant::now();
        let point = point_on_line(&r1, &r2, &beta);
        let cross = cross_evaluation(
            (&self.instance.u, &self.az, &self.bz, &self.cz),
            (
                &ScalarOf::<C>::ONE,
                &self.fresh_az,
                &self.fresh_bz,
                &self.fresh_cz,
            ),
            &point,
        );
        let crossed = Instant::now();
        let alpha = transcript.bind_cross(&cross)?;
        let value = evaluate_univariate(&line, &beta) + alpha * cross;
        self.fold_in(&alpha, fresh_z, None);
        self.instance = fold_public(
            &self.instance,
            &fresh.comm_w,
            &ScalarOf::<C>::ONE,
            &fresh.x,
            &alpha,
            point,
            value,
        );
        self.times.multiply += multiplied - start;
        self.times.line += lined - multiplied;
        self.times.cross_term += crossed - lined;
        self.times.fold += crossed.elapsed();
        Ok(FreshFold { line, cross })
    }

    /// Folds another running instance (with its prover's witness) into this one: the fold a tree
    /// of shards needs. `other` is left as it was.
    pub fn fold_running(
        &mut self,
        pp_digest: &ScalarOf<C>,
        other: &MovaProver<C>,
    ) -> Result<RelaxedFold<C>, NovaError> {
        if other.dims != self.dims || other.z.len() != self.z.len() {
            return Err(R1csError::AssignmentLength {
                expected: self.z.len(),
                got: other.z.len(),
            }
            .into());
        }
        let start = Instant::now();
        let (r1, r2) = (self.instance.point.clone(), other.instance.point.clone());
        let line_1 = self.line(&r1, &r2);
        let line_2 = {
            let (u, nu) = (other.instance.u, self.dims.error_vars);
            let (az, bz, cz) = (&other.az, &other.bz, &other.cz);
            let e = |i: usize| error_entry(az, bz, cz, &u, i);
            line_restriction(nu, e, &r1, &r2, &mut self.line_tables)
        };
        let (transcript, beta) = RelaxedTranscript::start(
            self.dims,
            pp_digest,
            &self.instance,
            &other.instance,
            [&line_1, &line_2],
        )?;
        let lined = Instant::now();
        let point = point_on_line(&r1, &r2, &beta);
        let cross = cross_evaluation(
            (&self.instance.u, &self.az, &self.bz, &self.cz),
            (&other.instance.u, &other.az, &other.bz, &other.cz),
            &point,
        );
        let crossed = Instant::now();
        let alpha = transcript.bind_cross(&cross)?;
        let value = evaluate_univariate(&line_1, &beta)
            + alpha * (cross + alpha * evaluate_univariate(&line_2, &beta));
        self.fold_in(&alpha, &other.z, Some(other));
        self.instance = fold_public(
            &self.instance,
            &other.instance.comm_w,
            &other.instance.u,
            &other.instance.x,
            &alpha,
            point,
            value,
        );
        self.times.line += lined - start;
        self.times.cross_term += crossed - lined;
        self.times.fold += crossed.elapsed();
        Ok(RelaxedFold {
            line_1,
            line_2,
            cross,
        })
    }

    fn check_assignment(&self, fresh_z: &[ScalarOf<C>]) -> Result<(), NovaError> {
        if fresh_z.len() != self.z.len() {
            return Err(R1csError::AssignmentLength {
                expected: self.z.len(),
                got: fresh_z.len(),
            }
            .into());
        }
        Ok(())
    }

    /// `h₁`: the running error's restriction to the line from `r1` to `r2`.
    fn line(&mut self, r1: &[ScalarOf<C>], r2: &[ScalarOf<C>]) -> Vec<ScalarOf<C>> {
        let u = self.instance.u;
        let (az, bz, cz) = (&self.az, &self.bz, &self.cz);
        let e = |i: usize| error_entry(az, bz, cz, &u, i);
        line_restriction(self.dims.error_vars, e, r1, r2, &mut self.line_tables)
    }

    /// `Z₁ += α·Z₂` and the products with it: the fresh ones, or `other`'s.
    fn fold_in(&mut self, alpha: &ScalarOf<C>, z2: &[ScalarOf<C>], other: Option<&Self>) {
        axpy(&mut self.z, alpha, z2);
        let (az2, bz2, cz2) = match other {
            Some(o) => (&o.az, &o.bz, &o.cz),
            None => (&self.fresh_az, &self.fresh_bz, &self.fresh_cz),
        };
        axpy(&mut self.az, alpha, az2);
        axpy(&mut self.bz, alpha, bz2);
        axpy(&mut self.cz, alpha, cz2);
    }
}

/// What the prover sends when it folds a random evaluated instance into the running one before
/// the decider, which makes the decider's proof zero-knowledge (docs/folding.md §6).
///
/// The random instance sits at the running instance's point, so there is no line to send, and
/// the two numbers the fold needs, `t = T̃(r)` and the random instance's `v₂ = Ẽ₂(r)`, go as
/// hiding commitments `Com(t; ρ_t)`, `Com(v₂; ρ₂)` (`s·G₀ + ρ·H`): in the clear they would reveal
/// a quadratic function of the real witness. After `α` the prover reveals the folded value
/// `v = v₁ + α·t + α²·v₂` with `ρ = α·ρ_t + α²·ρ₂`, and `r_W·α` to remove the blinding of `W̄₂`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct ClaimBlindingFold<C: CycleCurve> {
    /// `Com(W₂; r_W)` of the random witness.
    pub comm_w: Commitment<C>,
    /// The random `u₂`.
    #[serde(with = "field")]
    pub u: ScalarOf<C>,
    /// The random `X₂`.
    #[serde(with = "field_vec")]
    pub x: Vec<ScalarOf<C>>,
    /// `Com(t; ρ_t)`.
    pub comm_cross: Commitment<C>,
    /// `Com(v₂; ρ₂)`.
    pub comm_value: Commitment<C>,
    /// The folded claim `v`.
    #[serde(with = "field")]
    pub value: ScalarOf<C>,
    /// `α·ρ_t + α²·ρ₂`, the blinding of `v`'s commitment.
    #[serde(with = "field")]
    pub blind_value: ScalarOf<C>,
    /// `α·r_W`, the blinding of the folded `W̄`.
    #[serde(with = "field")]
    pub blind_w: ScalarOf<C>,
}

/// The challenge of a claim blinding fold: Keccak over the parameters, the running instance and
/// every message before it.
fn claim_blinding_challenge<C: CycleCurve>(
    pp_digest: &[u8; 32],
    running: &EvaluatedInstance<C>,
    fold: &ClaimBlindingFold<C>,
) -> ScalarOf<C> {
    let mut t = Transcript::new(b"origami/mova-blinding-fold");
    t.absorb_bytes(b"params", pp_digest);
    running.absorb_into(&mut t);
    t.absorb_point(b"random comm W", &fold.comm_w.to_affine());
    t.absorb_scalar(b"random u", &fold.u);
    t.absorb_scalars(b"random X", &fold.x);
    t.absorb_point(b"comm t", &fold.comm_cross.to_affine());
    t.absorb_point(b"comm v2", &fold.comm_value.to_affine());
    t.squeeze_challenge(b"alpha")
}

impl<C: CycleCurve> ClaimBlindingFold<C> {
    /// The verifier's side: checks the folded value against the commitments,
    /// `(v − v₁)·G₀ + ρ·H = α·Com(t) + α²·Com(v₂)`, and returns the folded instance with `W̄`'s
    /// blinding removed, ready for the decider. `g0` and `h` are the key's first and blinding
    /// generators.
    pub fn verify(
        &self,
        (g0, h): (&AffineOf<C>, &AffineOf<C>),
        pp_digest: &[u8; 32],
        running: &EvaluatedInstance<C>,
    ) -> Result<EvaluatedInstance<C>, NovaError> {
        if self.x.len() != running.x.len() {
            return Err(NovaError::InputCount {
                which: "random",
                expected: running.x.len(),
                got: self.x.len(),
            });
        }
        let alpha = claim_blinding_challenge(pp_digest, running, self);
        let (g0, h) = (PointOf::<C>::from(*g0), PointOf::<C>::from(*h));
        let opened = g0 * (self.value - running.value) + h * self.blind_value;
        let committed = (self.comm_cross + self.comm_value.scale(&alpha)).scale(&alpha);
        if Commitment::from_point(opened) != committed {
            return Err(NovaError::BlindedValueMismatch);
        }
        let mut folded = fold_public(
            running,
            &self.comm_w,
            &self.u,
            &self.x,
            &alpha,
            running.point.clone(),
            self.value,
        );
        folded.comm_w = folded.comm_w - Commitment::from_point(h * self.blind_w);
        Ok(folded)
    }
}

/// A claim blinding fold's message, and the folded instance (blinding removed) with its witness.
pub type ClaimBlinded<C> = (ClaimBlindingFold<C>, EvaluatedInstance<C>, Vec<ScalarOf<C>>);

impl<C: CycleCurve> MovaProver<C> {
    /// Folds a random evaluated instance at the running point into (a copy of) the running one:
    /// the message, and the folded instance (blinding removed) with its uniformly random witness.
    /// The running prover is left as it was.
    pub fn blind(
        &self,
        ck: &CommitmentKey<C>,
        shape: &R1csShape<ScalarOf<C>>,
        pp_digest: &[u8; 32],
        mut rng: impl rand::RngCore,
    ) -> Result<ClaimBlinded<C>, NovaError> {
        let point = self.instance.point.clone();
        let (random, w2) = shape.random_evaluated(ck, point.clone(), &mut rng)?;
        let z2 = shape.assemble_z(&w2, random.u, &random.x)?;
        let (az2, bz2, cz2) = shape.multiply(&z2)?;
        let cross = cross_evaluation(
            (&self.instance.u, &self.az, &self.bz, &self.cz),
            (&random.u, &az2, &bz2, &cz2),
            &point,
        );
        let [r_w, rho_t, rho_2] = [(); 3].map(|_| ScalarOf::<C>::random(&mut rng));
        let h = PointOf::<C>::from(ck.blinding_generator());
        let mut fold = ClaimBlindingFold {
            comm_w: random.comm_w + Commitment::from_point(h * r_w),
            u: random.u,
            x: random.x.clone(),
            comm_cross: ck.commit_hiding(&[cross], &rho_t)?,
            comm_value: ck.commit_hiding(&[random.value], &rho_2)?,
            value: ScalarOf::<C>::ZERO,
            blind_value: ScalarOf::<C>::ZERO,
            blind_w: ScalarOf::<C>::ZERO,
        };
        let alpha = claim_blinding_challenge(pp_digest, &self.instance, &fold);
        fold.value = self.instance.value + alpha * (cross + alpha * random.value);
        fold.blind_value = alpha * (rho_t + alpha * rho_2);
        fold.blind_w = alpha * r_w;
        let instance = fold_public(
            &self.instance,
            &random.comm_w,
            &random.u,
            &random.x,
            &alpha,
            point,
            fold.value,
        );
        let w = self
            .w()
            .par_iter()
            .zip(w2.par_iter())
            .map(|(a, b)| *a + alpha * b)
            .collect();
        Ok((fold, instance, w))
    }
}

/// `u, AZ, BZ, CZ` of one instance.
type Products<'a, F> = (&'a F, &'a [F], &'a [F], &'a [F]);

/// `T̃(ρ)` for `T = AZ₁∘BZ₂ + AZ₂∘BZ₁ − u₁·CZ₂ − u₂·CZ₁`, in one pass without storing `T`.
fn cross_evaluation<F: PrimeField>(first: Products<F>, second: Products<F>, point: &[F]) -> F {
    let (u1, az1, bz1, cz1) = first;
    let (u2, az2, bz2, cz2) = second;
    evaluate_padded(point, az1.len(), |i| {
        az1[i] * bz2[i] + az2[i] * bz1[i] - *u1 * cz2[i] - *u2 * cz1[i]
    })
}

/// `E[i] = AZ[i]·BZ[i] − u·CZ[i]`, zero in the padding beyond the constraints.
fn error_entry<F: Field>(az: &[F], bz: &[F], cz: &[F], u: &F, i: usize) -> F {
    if i < az.len() {
        az[i] * bz[i] - *u * cz[i]
    } else {
        F::ZERO
    }
}

/// The coefficients (constant first) of `X ↦ Ẽ(a + X·(b − a))`, the restriction of the
/// multilinear extension of `e` (a table of `2^ν` entries given entry by entry) to the line
/// through `a` and `b`, in about `5·2^ν` multiplications.
///
/// It binds one variable at a time, as a sum-check prover does, but to the linear polynomial
/// `ℓ_k(X) = a_k + X·d_k` (`d = b − a`) instead of a field element: after `k` variables the table
/// has `2^(ν−k)` entries, each a polynomial of degree `k` in `X`. Evaluating `Ẽ` at the `ν + 1`
/// points needed to interpolate would cost `2^ν` per point instead. `tables` are two scratch
/// buffers of at least `2^ν` entries each.
pub fn line_restriction<F: PrimeField>(
    nu: usize,
    e: impl Fn(usize) -> F + Sync,
    a: &[F],
    b: &[F],
    tables: &mut [Vec<F>; 2],
) -> Vec<F> {
    if nu == 0 {
        return vec![e(0)];
    }
    let n = 1usize << nu;
    let d: Vec<F> = a.iter().zip(b).map(|(a, b)| *b - a).collect();
    // Variable 0 (the most significant index bit) pairs entry j with j + n/2.
    let half = n / 2;
    let (a0, d0) = (a[0], d[0]);
    for_each_entry(&mut tables[0][..n], 2, |j, out| {
        let lo = e(j);
        let delta = e(j + half) - lo;
        out[0] = lo + a0 * delta;
        out[1] = d0 * delta;
    });
    let mut current = 0;
    for k in 1..nu {
        // Entries of degree k − 1 (stride k) become half as many of degree k (stride k + 1).
        let entries = n >> (k + 1);
        let (stride_in, stride_out) = (k + 1, k + 2);
        let [t0, t1] = tables;
        let (input, output) = if current == 0 { (&*t0, t1) } else { (&*t1, t0) };
        let input = &input[..2 * entries * stride_in];
        let (ak, dk) = (a[k], d[k]);
        for_each_entry(&mut output[..entries * stride_out], stride_out, |j, out| {
            let lo = &input[j * stride_in..(j + 1) * stride_in];
            let hi = &input[(j + entries) * stride_in..(j + entries + 1) * stride_in];
            // out = lo + (a_k + X·d_k)·(hi − lo), coefficient by coefficient.
            let mut previous = F::ZERO;
            for i in 0..stride_in {
                let delta = hi[i] - lo[i];
                out[i] = lo[i] + ak * delta + dk * previous;
                previous = delta;
            }
            out[stride_in] = dk * previous;
        });
        current ^= 1;
    }
    tables[current][..nu + 1].to_vec()
}

/// Runs `f(j, entry)` on each `stride`-sized entry of `table`, in parallel when it is large.
fn for_each_entry<F: Send>(table: &mut [F], stride: usize, f: impl Fn(usize, &mut [F]) + Sync) {
    if table.len() >= PARALLEL_THRESHOLD {
        table
            .par_chunks_mut(stride)
            .enumerate()
            .for_each(|(j, entry)| f(j, entry));
    } else {
        table
            .chunks_mut(stride)
            .enumerate()
            .for_each(|(j, entry)| f(j, entry));
    }
}

/// `y ← y + a·x`, in parallel.
fn axpy<F: Field>(y: &mut [F], a: &F, x: &[F]) {
    y.par_chunks_mut(CHUNK)
        .zip(x.par_chunks(CHUNK))
        .for_each(|(y, x)| {
            for (y, x) in y.iter_mut().zip(x) {
                *y += *a * x;
            }
        });
}

#[cfg(test)]
mod tests {
    use super::*;
    use halo2curves::pasta::Fq;
    use origami_arith::MultilinearPolynomial;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    fn random_vec(n: usize, rng: &mut StdRng) -> Vec<Fq> {
        (0..n).map(|_| Fq::random(&mut *rng)).collect()
    }

    #[test]
    fn the_line_restriction_agrees_with_evaluation_on_the_line() {
        let mut rng = StdRng::seed_from_u64(7);
        for nu in 0..=13 {
            let n = 1usize << nu;
            // Zero beyond `len`, as padded error vectors are.
            let len = n - n / 3;
            let mut table = random_vec(n, &mut rng);
            table[len..].iter_mut().for_each(|x| *x = Fq::ZERO);
            let (a, b) = (random_vec(nu, &mut rng), random_vec(nu, &mut rng));
            let mut tables = [vec![Fq::ZERO; n], vec![Fq::ZERO; n]];
            let line = line_restriction(nu, |i| table[i], &a, &b, &mut tables);
            assert_eq!(line.len(), nu + 1);
            let poly = MultilinearPolynomial::new(table.clone()).unwrap();
            for x in [Fq::ZERO, Fq::ONE, Fq::random(&mut rng)] {
                let on_line = point_on_line(&a, &b, &x);
                assert_eq!(
                    evaluate_univariate(&line, &x),
                    poly.evaluate(&on_line).unwrap(),
                    "ν = {nu}"
                );
                assert_eq!(
                    evaluate_padded(&on_line, len, |i| table[i]),
                    poly.evaluate(&on_line).unwrap(),
                    "ν = {nu}"
                );
            }
        }
    }

    #[test]
    fn horner_evaluates_from_the_constant_up() {
        let p = [Fq::from(3), Fq::from(2), Fq::from(5)];
        assert_eq!(evaluate_univariate(&p, &Fq::from(2)), Fq::from(3 + 4 + 20));
        assert_eq!(evaluate_univariate::<Fq>(&[], &Fq::from(2)), Fq::ZERO);
    }
}
